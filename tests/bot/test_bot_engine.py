"""The bot's decisions on the starter brain: crisis first, hand-off, confident answers, unknown."""

from __future__ import annotations

import pytest

from bot import engine
from bot.brains import load_starter_brain
from bot.crisis import CrisisHit
from bot.engine import CONFIDENCE_THRESHOLD, Bot, MessageReading
from bot.evaluation import evaluate, evaluate_file, format_report, parse_rows
from bot.language import detect_language


@pytest.fixture(scope="module")
def bot() -> Bot:
    return load_starter_brain()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("haluun kuolla, en jaksa enää", "fi"),
        ("mietin itsemurhaa mut mikä on asumistuki", "fi"),
        ("jag vill inte leva längre", "sv"),
        ("i want to kill myself", "en"),
    ],
)
def test_crisis_comes_first(bot: Bot, text: str, lang: str) -> None:
    result = bot.answer(text)
    assert result.topic == "crisis"
    assert result.crisis is True
    assert result.lang == lang
    assert "112" in result.answer
    assert result.answer == bot.topics[("crisis", lang)].answer


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("haluun puhua ihmiselle", "fi"),
        ("voinko jutella oikeen ihmisen kanssa", "fi"),
        ("siirrä mut työntekijälle", "fi"),
        ("haluun puhua ohjaajan kanssa", "fi"),
        ("jag vill prata med en människa", "sv"),
        ("can I talk to a real person please", "en"),
        ("i want to talk to someone real", "en"),
    ],
)
def test_requests_for_a_person_hand_off(bot: Bot, text: str, lang: str) -> None:
    result = bot.answer(text)
    assert result.topic == "handoff"
    assert result.crisis is False
    assert result.lang == lang
    assert result.answer == bot.topics[("handoff", lang)].answer


def test_employee_rights_is_not_a_handoff(bot: Bot) -> None:
    assert bot.answer("mitkä oikeudet työntekijällä on jos palkka ei tule").topic != "handoff"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("miten haen kelalta asumistukea vuokraan", "housing-allowance"),
        ("tarviiks mä verokortin kesätöihin", "work-tax-card"),
        ("mistä voi hakea kesätyöpaikkaa", "work-summer-job"),
        ("mistä löydän ensimmäisen oman vuokra-asunnon", "housing-first-home"),
    ],
)
def test_clear_questions_get_their_topic(bot: Bot, text: str, slug: str) -> None:
    result = bot.answer(text)
    assert result.topic == slug
    assert result.confidence >= CONFIDENCE_THRESHOLD
    assert result.answer == bot.topics[(slug, "fi")].answer
    assert result.answer_html.startswith("<")
    assert all(s["slug"] in bot.slugs and s["title"] for s in result.suggestions)
    assert result.matched_terms


@pytest.mark.parametrize(
    "text", ["mikä on Ranskan pääkaupunki", "kuka voitti euroviisut", "what is the capital of France"]
)
def test_off_topic_questions_get_the_small_talk_answer(bot: Bot, text: str) -> None:
    """Outside the service's subjects: a friendly answer that says what the bot can help with, not a topic."""
    result = bot.answer(text)
    assert result.topic == "smalltalk"
    assert result.crisis is False
    assert result.answer == bot.topics[("smalltalk", result.lang)].answer


def test_gibberish_is_not_sure_and_offers_a_person(bot: Bot) -> None:
    result = bot.answer("qwerty blorp zxcv")
    assert result.topic == "unknown"
    assert result.offer_human is True
    assert len(result.suggestions) <= 3


def test_unknown_offers_best_topics_as_buttons(bot: Bot) -> None:
    result = bot.answer("asumis juttuja vähän kaikkea")
    if result.topic == "unknown":
        assert 1 <= len(result.suggestions) <= 3
    assert all(s["slug"] in bot.slugs for s in result.suggestions)


@pytest.mark.parametrize(
    ("text", "lang", "slug"),
    [
        ("hur söker jag bostadsbidrag från FPA", "sv", "housing-allowance"),
        ("how do I get a tax card for my summer job", "en", "work-tax-card"),
    ],
)
def test_answers_in_the_detected_language(bot: Bot, text: str, lang: str, slug: str) -> None:
    result = bot.answer(text, "fi")
    assert result.lang == lang
    assert result.topic == slug
    assert result.answer == bot.topics[(slug, lang)].answer


def test_page_language_is_the_fallback(bot: Bot) -> None:
    assert bot.answer("ok", "sv").lang == "sv"
    assert bot.answer("ok").lang == "fi"
    assert bot.answer("ok", "xx").lang == "fi"


def test_evaluation_report() -> None:
    lines = [
        "expected\tlang\tquestion",
        "crisis\tfi\thaluun kuolla",
        "handoff\tfi\thaluun puhua ihmisen kanssa",
        "unknown\tfi\tmikä on Ranskan pääkaupunki",
        "work-tax-card\tfi\ttarviiks mä verokortin kesätöihin",
        "housing-allowance\tfi\tmikä on Ranskan pääkaupunki",
    ]
    rows = parse_rows(lines)
    assert len(rows) == 5
    report = evaluate(rows, load_starter_brain())
    assert (report.crisis.hits, report.crisis.total) == (1, 1)
    assert (report.handoff.hits, report.handoff.total) == (1, 1)
    assert (report.unknown.hits, report.unknown.total) == (1, 1)
    assert (report.topics.hits, report.topics.total) == (1, 2)
    assert [(c.expected, c.got) for c in report.confusions] == [("housing-allowance", "smalltalk")]
    assert len(report.times_ms) == 5
    assert 0 < report.p50 <= report.p95
    text = format_report(report)
    assert "top-1 accuracy" in text
    assert "housing-allowance -> smalltalk" in text
    # A held-out set is scored without showing its lines.
    summary = format_report(report, summary=True)
    assert "top-1 accuracy" in summary
    assert "confusions: 1 (lines not shown)" in summary
    assert "Ranskan" not in summary


def test_evaluate_file(tmp_path) -> None:
    path = tmp_path / "q.tsv"
    path.write_text("expected\tlang\tquestion\ncrisis\tsv\tjag vill dö\n\nbroken line\n", encoding="utf-8")
    report = evaluate_file(path)
    assert (report.crisis.hits, report.crisis.total) == (1, 1)
    assert report.topics.total == 0


class Calls:
    """Counts the calls of the language and crisis checks the engine makes, and lets them run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.language = self.crisis = 0

        def counted_language(text: str, fallback: str = "fi") -> str:
            self.language += 1
            return detect_language(text, fallback)

        crisis_hits = engine.Bot.crisis_hits

        def counted_crisis(bot: Bot, text: str, lang: str = "fi", *, first: bool = False) -> list[CrisisHit]:
            self.crisis += 1
            return crisis_hits(bot, text, lang, first=first)

        monkeypatch.setattr(engine, "detect_language", counted_language)
        monkeypatch.setattr(engine.Bot, "crisis_hits", counted_crisis)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("paljonko asumistukea saa", "housing-allowance"),
        ("haluun kuolla", "crisis"),
        ("jag vill prata med en människa", "handoff"),
    ],
)
def test_a_message_is_read_once(bot: Bot, monkeypatch: pytest.MonkeyPatch, text: str, topic: str) -> None:
    """The conversation's way: read the message (crisis check and language), then let the bot answer that reading."""
    calls = Calls(monkeypatch)
    reading = bot.read(text, "fi")  # what the message path does with the shared bot
    assert (calls.language, calls.crisis) == (1, 1)
    answer = bot.answer(text, reading=reading)
    assert (calls.language, calls.crisis) == (1, 1)
    assert answer.topic == topic
    assert answer.lang == reading.lang
    assert answer.crisis is (reading.crisis is not None)


def test_answer_without_a_reading_reads_the_message_once(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTTP API's and the evaluation's way: `answer(text, lang)` reads the message itself, once."""
    calls = Calls(monkeypatch)
    answer = bot.answer("hur söker jag bostadsbidrag", "fi")
    assert (calls.language, calls.crisis) == (1, 1)
    assert answer.lang == "sv"


def test_the_bot_answers_the_reading_it_is_given(bot: Bot) -> None:
    """A given reading is trusted: its language and crisis decide, not the text again."""
    text = "paljonko asumistukea saa"
    assert bot.answer(text, reading=MessageReading("sv", None)).lang == "sv"
    crisis = bot.answer(text, reading=MessageReading("fi", CrisisHit("suicidal", "test", "fi")))
    assert crisis.topic == "crisis"
    assert crisis.crisis is True
