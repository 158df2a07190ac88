"""The bot's learnt models score a message as scikit-learn would, on the fast one-message path."""

from __future__ import annotations

import numpy as np
import pytest

from bot.brains import load_starter_brain
from bot.classifier import CrisisClassifier, Sample, TopicClassifier
from bot.crisis import clean
from bot.engine import Bot
from bot.vectors import by_columns, similarities

MESSAGES = [
    ("paljonko asumistukee sais opiskelija", "fi"),
    ("mulla on äidin unilääkkeet tässä", "fi"),
    ("hur ansöker jag om studiestöd", "sv"),
    ("can I talk to a real person", "en"),
    ("qwerty blorp", "fi"),
    ("🙂", "fi"),
]


@pytest.fixture(scope="module")
def bot() -> Bot:
    return load_starter_brain()


@pytest.mark.parametrize(("text", "lang"), MESSAGES)
def test_topic_shares_match_scikit_learn(bot: Bot, text: str, lang: str) -> None:
    model = bot.classifier._model
    assert model is not None
    expected = model.decision_function(bot.classifier._features.transform(text, lang))[0]
    shares = bot.classifier.shares(text, lang)
    exp = np.exp((expected - expected.max()) * 10.0)
    for slug, share in zip(bot.classifier.classes, exp / exp.sum(), strict=True):
        assert shares[slug] == pytest.approx(float(share), abs=1e-6)


@pytest.mark.parametrize(("text", "lang"), MESSAGES)
def test_crisis_score_matches_scikit_learn(bot: Bot, text: str, lang: str) -> None:
    model = bot.crisis_model._model
    assert model is not None
    expected = float(model.decision_function(bot.crisis_model._features.transform(text, lang))[0])
    assert bot.crisis_model.score(text, lang) == pytest.approx(expected, abs=1e-5)


def test_example_similarities_match_scikit_learn(bot: Bot) -> None:
    net = bot.examples
    text = "mulla on äidin unilääkkeet tässä ja aion ottaa ne kaikki"
    nearest = net.nearest_crisis(text)
    assert nearest is not None and net._matrix is not None
    vector = net._vectorizer.transform([clean(text)])
    expected = (net._matrix[: len(net.crisis_examples)] @ vector.T).toarray().ravel()
    assert nearest.score == pytest.approx(float(expected.max()), abs=1e-5)
    assert nearest.example == net.crisis_examples[int(expected.argmax())]


def test_a_message_without_known_features_scores_nothing(bot: Bot) -> None:
    nearest = bot.examples.nearest_crisis("zzzz qqqq")
    assert nearest is None or nearest.score == 0
    assert similarities(by_columns(np.eye(3)), (np.zeros(0, dtype=np.int64), np.zeros(0))).tolist() == [0, 0, 0]


def test_two_topics_give_two_shares(bot: Bot) -> None:
    samples = [Sample("a", "fi", "asumistuki vuokra"), Sample("b", "fi", "verokortti kesätyö")]
    model = TopicClassifier(samples, bot.analyser)
    shares = model.shares("tarviin verokortin", "fi")
    assert set(shares) == {"a", "b"}
    assert shares["b"] > shares["a"]
    assert sum(shares.values()) == pytest.approx(1.0)
    crisis = CrisisClassifier([Sample("crisis", "fi", "haluan kuolla"), *samples], bot.analyser)
    assert (crisis.score("haluan kuolla nyt", "fi") or 0) > (crisis.score("verokortti", "fi") or 0)


def test_a_short_everyday_message_is_not_flagged_for_sharing_one_word_with_a_crisis_example(bot: Bot) -> None:
    # "huomenna" (tomorrow) is in plans ("huomenna se tapahtuu"); a question about the weather is no plan.
    assert bot.crisis_hits("sataako huomenna", "fi") == []
    assert bot.answer("sataako huomenna", "fi").topic != "crisis"
    # A longer message close to an example is still flagged by it, and the lists catch short cries for help.
    assert bot.answer("haluun kuolla", "fi").topic == "crisis"


def test_a_single_word_is_not_read_by_the_crisis_classifier(bot: Bot) -> None:
    # Its letter sequences alone mislead the model ("tab" is in "stab"); the lists catch one-word cries.
    for text in ("tab-8", "client-3", "moi"):
        assert bot.crisis_hits(text, "fi") == [], text
    assert bot.answer("itsemurha", "fi").topic == "crisis"
