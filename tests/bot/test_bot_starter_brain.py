"""The starter brain shipped in bot/brain: complete, valid, and not fitted to the development questions."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from common.languages import language_codes

LANGUAGES = language_codes()

ROOT = Path(__file__).resolve().parents[2]
BRAIN = ROOT / "bot" / "brain"
SHARED = ROOT.parent / "shared" / "brain"
SPECIAL = {"crisis", "handoff"}
PARENTS = {
    "parents-child-mood",
    "parents-school-absence",
    "parents-screen-time",
    "parents-substances",
    "parents-coming-out",
    "parents-divorce",
    "parents-hobby-costs",
    "parents-support-for-parents",
}


def read_tsv(name: str) -> list[dict[str, str]]:
    path = SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared chatbot material sits beside the checkout")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@functools.cache  # read once: the parametrised tests below ask for it many times
def starter_topics() -> dict[str, dict[str, Any]]:
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(BRAIN.glob("*.yaml"))}


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_every_listed_topic_and_the_special_ones_are_there() -> None:
    slugs = {row["slug"] for row in read_tsv("topics.tsv")}
    assert slugs | SPECIAL <= set(starter_topics())
    # Beyond the list: the topics for parents (issue 10).
    assert {slug for slug in starter_topics() if slug.startswith("parents-")} >= PARENTS


@pytest.mark.parametrize("slug", sorted(starter_topics()))
def test_each_topic_speaks_three_languages(slug: str) -> None:
    topic = starter_topics()[slug]
    assert topic["slug"] == slug
    languages = topic["languages"]
    assert set(languages) == set(LANGUAGES)
    minimum_fi = 5 if slug in SPECIAL else 8
    assert len(languages["fi"]["questions"]) >= minimum_fi
    for lang in LANGUAGES:
        assert languages[lang]["answer"].strip(), f"{slug} has no {lang} answer"
        assert languages[lang]["title"].strip()


def test_no_development_question_is_copied_into_the_brain() -> None:
    dev = {normalise(row["question"]) for row in read_tsv("dev-questions.tsv")}
    copied = [
        (slug, question)
        for slug, topic in starter_topics().items()
        for text in topic["languages"].values()
        for question in text.get("questions", [])
        if normalise(question) in dev
    ]
    assert copied == []


def test_the_starter_brain_imports_cleanly(db: Any, capsys: Any) -> None:
    from demo.data import seed_demo

    seed_demo()
    call_command("brain", "import", str(BRAIN))
    from bot.models import Topic

    assert Topic.objects.count() == len(starter_topics())


# --- Plain-language answers ----------------------------------------------------------
#
# Every topic has a plain-language answer (selkokieli, lättläst, plain language) in
# each language. It says the same as the normal answer in fewer words and shorter
# sentences, and it must not bring in facts of its own: every web address, phone number and
# figure in it is one the normal answer or its referrals already give.

ADDRESS_RE = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:fi|eu|com|org|net|se)\b(?:/[^\s)\]>]*)?", re.IGNORECASE)
PHONE_RE = re.compile(r"\+?\d[\d ]*\d")
NUMBER_RE = re.compile(r"\d+")
LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+|\n+")
WORD_RE = re.compile(r"\w+(?:[-–']\w+)*")


def addresses(text: str) -> set[str]:
    """Web addresses in `text`, without scheme, `www.` and trailing punctuation."""
    found = set()
    for match in ADDRESS_RE.findall(text):
        address = re.sub(r"^(?:https?://)?(?:www\.)?", "", match.lower()).rstrip(".,;:/")
        found.add(address)
    return found


def phone_numbers(text: str) -> set[str]:
    """Runs of digits (with single spaces between groups) that could be phone numbers: three digits or more."""
    runs = {" ".join(run.split()) for run in PHONE_RE.findall(text)}
    return {run for run in runs if sum(c.isdigit() for c in run) >= 3}


def source_text(entry: dict[str, Any]) -> str:
    """The normal answer of a language entry and everything its referrals say."""
    parts = [entry["answer"]]
    for referral in entry.get("referrals", []):
        parts.extend(str(referral.get(key, "")) for key in ("name", "url", "phone", "hours"))
    return "\n".join(parts)


def sentences(markdown: str) -> list[list[str]]:
    """The words of each sentence of a Markdown answer; list items and lines end sentences too."""
    text = LINK_RE.sub(r"\1", markdown).replace("**", "")
    text = re.sub(r"^\s*[-*]\s+", "", text, flags=re.MULTILINE)
    words = (WORD_RE.findall(part) for part in SENTENCE_END_RE.split(text))
    return [sentence for sentence in words if sentence]


def word_count(markdown: str) -> int:
    return sum(len(sentence) for sentence in sentences(markdown))


def mean_sentence_length(texts: list[str]) -> float:
    lengths = [len(sentence) for text in texts for sentence in sentences(text)]
    return sum(lengths) / len(lengths)


@pytest.mark.parametrize("slug", sorted(starter_topics()))
def test_each_topic_has_a_plain_answer_in_every_language(slug: str) -> None:
    languages = starter_topics()[slug]["languages"]
    for lang in LANGUAGES:
        plain = languages[lang].get("plain_answer") or ""
        assert plain.strip(), f"{slug} has no {lang} plain_answer"


@pytest.mark.parametrize("slug", sorted(starter_topics()))
def test_plain_answers_bring_no_new_addresses_phone_numbers_or_figures(slug: str) -> None:
    languages = starter_topics()[slug]["languages"]
    for lang in LANGUAGES:
        entry = languages[lang]
        plain = entry.get("plain_answer") or ""
        source = source_text(entry)
        new_addresses = addresses(plain) - addresses(source)
        assert not new_addresses, f"{slug} {lang}: plain_answer has addresses the answer does not: {new_addresses}"
        new_phones = {number for number in phone_numbers(plain) if number not in " ".join(source.split())}
        assert not new_phones, f"{slug} {lang}: plain_answer has numbers the answer does not: {new_phones}"
        new_figures = set(NUMBER_RE.findall(plain)) - set(NUMBER_RE.findall(source))
        assert not new_figures, f"{slug} {lang}: plain_answer has figures the answer does not: {new_figures}"


def test_the_crisis_plain_answers_keep_112_and_every_crisis_line() -> None:
    languages = starter_topics()["crisis"]["languages"]
    for lang in LANGUAGES:
        answer = languages[lang]["answer"]
        plain = " ".join(languages[lang]["plain_answer"].split())
        assert "112" in plain
        for number in phone_numbers(answer):
            assert number in plain, f"crisis {lang}: the plain answer leaves out {number}"
        missing = addresses(answer) - addresses(plain)
        assert not missing, f"crisis {lang}: the plain answer leaves out {missing}"


def test_the_helpers_find_addresses_numbers_and_sentences() -> None:
    text = "Soita **09 2525 0111** tai katso [kela.fi](https://www.kela.fi/opintotuki). Se on 80 % ilmaista!\n- Toinen"
    assert addresses(text) == {"kela.fi", "kela.fi/opintotuki"}
    assert phone_numbers(text) == {"09 2525 0111"}
    assert sentences(text) == [
        ["Soita", "09", "2525", "0111", "tai", "katso", "kela", "fi"],
        ["Se", "on", "80", "ilmaista"],
        ["Toinen"],
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plain_answers_are_shorter_and_simpler_than_the_normal_ones(lang: str) -> None:
    entries = [topic["languages"][lang] for topic in starter_topics().values()]
    answers = [entry["answer"] for entry in entries]
    plains = [entry["plain_answer"] for entry in entries]
    assert sum(map(word_count, plains)) / len(plains) < sum(map(word_count, answers)) / len(answers)
    assert mean_sentence_length(plains) < mean_sentence_length(answers)
    # Plain language: short sentences, one thing each (Selkokeskus: usually under ten words).
    assert mean_sentence_length(plains) <= 9


@pytest.mark.parametrize("slug", sorted(starter_topics()))
def test_plain_answer_lists_render_as_lists(slug: str) -> None:
    """Markdown needs a blank line before a list; without it the items run together into one paragraph."""
    from bot.markdown import render_answer

    for lang in LANGUAGES:
        plain = starter_topics()[slug]["languages"][lang]["plain_answer"]
        items = len(re.findall(r"^(?:- |\d+\. )", plain, flags=re.MULTILINE))
        assert render_answer(plain).count("<li>") == items, f"{slug} {lang}: a list item did not render as one"


# --- The tone of the first words ------------------------------------------------------
#
# An answer is often reached by a client who is having a hard time: "mulla on tosi paha olo"
# once got an answer that began "Kiva, että kerroit". No answer of the starter brain may open
# with something that sounds cheerful; it acknowledges instead ("Hyvä, että kerroit.",
# "Bra att du berättar.", "Thank you for writing."). A greeting may stand before the opening
# ("Hei! Hyvä, että kirjoitit."), so it is looked past, and so are Markdown and emoji.

CHEERFUL_OPENINGS = {
    "fi": ("kiva", "kivaa", "hienoa", "mahtavaa", "ihanaa", "loistavaa", "upeaa", "siistiä", "jee", "jes"),
    "sv": ("roligt", "kul", "jättekul", "härligt", "toppen", "fint", "vad fint", "underbart", "trevligt", "grymt"),
    "en": ("great", "nice", "awesome", "glad", "happy", "wonderful", "lovely", "cool", "fantastic", "yay"),
}
GREETINGS = {"hei", "moi", "moikka", "terve", "hej", "hejsan", "tjena", "hi", "hello", "hey"}


def opening(markdown: str) -> str:
    """The first words of an answer as the client reads them, lower-cased, past a greeting, Markdown and emoji."""
    words = WORD_RE.findall(LINK_RE.sub(r"\1", markdown).lower())
    while words and words[0] in GREETINGS:
        words = words[1:]
    return " ".join(words)


def cheerful_opening(markdown: str) -> str | None:
    """The cheerful phrase (of any of the languages) that `markdown` opens with, if any."""
    first = opening(markdown)
    for phrase in (phrase for phrases in CHEERFUL_OPENINGS.values() for phrase in phrases):
        if first == phrase or first.startswith(phrase + " "):
            return phrase
    return None


def test_the_opening_helper_looks_past_greetings_markdown_and_emoji() -> None:
    assert cheerful_opening("Kiva, että kerroit. Kuulostaa raskaalta.") == "kiva"
    assert cheerful_opening("Hei! 👋 Kiva, että kirjoitit.") == "kiva"
    assert cheerful_opening("**Roligt att** du skriver!") == "roligt"
    assert cheerful_opening("Hi! Great that you asked.") == "great"
    assert cheerful_opening("Hyvä, että kerroit. Kuulostaa raskaalta.") is None
    assert cheerful_opening("Hei! Hyvä, että kirjoitit.") is None
    assert cheerful_opening("Kiusaaminen ei ole koskaan sinun vikasi.") is None  # "kiva" only as a whole word
    assert cheerful_opening("Kulturen i skolan ...") is None


@pytest.mark.parametrize("slug", sorted(starter_topics()))
def test_no_answer_opens_with_a_cheerful_phrase(slug: str) -> None:
    languages = starter_topics()[slug]["languages"]
    cheerful = {
        (lang, key): phrase
        for lang in LANGUAGES
        for key in ("answer", "plain_answer")
        if (phrase := cheerful_opening(languages[lang].get(key) or ""))
    }
    assert cheerful == {}, f"{slug}: answers open cheerfully; acknowledge instead ('Hyvä, että kerroit.')"
