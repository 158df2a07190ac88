"""The analyser turns messages into terms; ranking and crisis detection depend on it.

Every behaviour that must hold whichever back-end is active runs twice, once
with Voikko and once with the Snowball fallback (forced through the
``KOHTAAMO_ANALYSER`` environment variable, as an operator would), because an
installation without Voikko must still answer sensibly.
"""

from __future__ import annotations

import pytest

from bot.analysis import SnowballAnalyser, VoikkoAnalyser, get_analyser, reset_analysers, tokens


@pytest.fixture(params=["voikko", "snowball"])
def analyser(request, monkeypatch):
    monkeypatch.setenv("KOHTAAMO_ANALYSER", request.param)
    reset_analysers()
    yield get_analyser()
    reset_analysers()


@pytest.fixture
def voikko():
    return VoikkoAnalyser()


def test_env_var_chooses_the_backend(analyser, request):
    assert analyser.name == request.node.callspec.params["analyser"]


def test_explicit_name_overrides_env(monkeypatch):
    monkeypatch.setenv("KOHTAAMO_ANALYSER", "voikko")
    reset_analysers()
    try:
        assert get_analyser("snowball").name == "snowball"
        assert get_analyser().name == "voikko"
    finally:
        reset_analysers()


def test_tokens_keep_finnish_letters_and_drop_markup():
    assert tokens("Mä EN tiiä <b>mitä</b> tehdä! Åland?") == ["mä", "en", "tiiä", "b", "mitä", "b", "tehdä", "åland"]


def test_inflections_share_terms(analyser):
    """Different case forms of a word must meet in at least one term."""
    pairs = [
        ("opintotukea", "opintotuki"),
        ("vuokran", "vuokraa"),
        ("verokortin", "verokortti"),
        ("kesätyöpaikkaa", "kesätyöpaikka"),
    ]
    for a, b in pairs:
        assert set(analyser.terms(a, "fi")) & set(analyser.terms(b, "fi")), (a, b)


def test_stopwords_are_removed_but_question_words_stay(analyser):
    terms = analyser.terms("mä en tiiä miten ja mitä", "fi")
    assert terms == [] or all(t not in ("ja", "mä", "miten", "mitä", "en") for t in terms)
    assert analyser.terms("paljonko", "fi")
    assert analyser.terms("milloin", "fi")


def test_swedish_and_english_are_stemmed(analyser):
    assert set(analyser.terms("bidraget", "sv")) & set(analyser.terms("bidrag", "sv"))
    assert analyser.terms("jobs", "en") == analyser.terms("job", "en")
    assert "the" not in analyser.terms("the apartment", "en")


def test_terms_are_deduplicated_and_ordered(analyser):
    terms = analyser.terms("kela kela kelalta", "fi")
    assert len(terms) == len(set(terms))


def test_unknown_language_is_treated_as_finnish(analyser):
    assert analyser.terms("asunto", "de") == analyser.terms("asunto", "fi")


def test_voikko_base_forms(voikko):
    assert "opintotuki" in voikko.terms("opintotukea", "fi")
    assert "asua" in voikko.terms("asumiseen", "fi")


def test_voikko_handles_consonant_gradation(voikko):
    """Snowball cannot relate "asunnosta" to "asunto"; Voikko can, which is why it is preferred."""
    assert "asunto" in voikko.terms("asunnosta", "fi")


def test_voikko_compound_parts(voikko):
    terms = voikko.terms("asumistuki", "fi")
    assert {"asumistuki", "tuki"} <= set(terms)
    assert {"kesä", "työ", "paikka"} <= set(voikko.terms("kesätyöpaikka", "fi"))


def test_voikko_fixes_typos_with_suggestions(voikko):
    assert "asunto" in voikko.terms("asunon", "fi")


def test_voikko_understands_spoken_forms(voikko):
    assert "saada" in voikko.terms("sais", "fi")
    assert "ensimmäinen" in voikko.terms("ekaa", "fi")
    assert "isä" in voikko.terms("iskä", "fi")
    # "mun" means "minun" and is then a stopword, not a typo for "muna".
    assert voikko.terms("mun", "fi") == []


def test_voikko_keeps_hyphenated_names(voikko):
    terms = voikko.terms("te-toimisto", "fi")
    assert "toimisto" in terms
    assert "te-toimisto" in terms


def test_snowball_handles_spoken_forms():
    s = SnowballAnalyser()
    assert s.terms("sais", "fi") == s.terms("saisi", "fi")


def test_unknown_words_are_kept(analyser):
    assert analyser.terms("xqzw", "fi")


def test_voikko_spoken_stems_and_endings(voikko):
    """Inflected slang and spoken endings Voikko does not know map to standard words."""
    assert "ammattikoulu" in voikko.terms("amiksesta", "fi")
    assert "löytää" in voikko.terms("löytäny", "fi")
    assert "yliopisto" in voikko.terms("yliopistoo", "fi")
    assert "tuki" in voikko.terms("tukee", "fi")
    assert "asunto" in voikko.terms("kämpästä", "fi")


def test_unanalysed_compound_markers_are_split(voikko):
    assert not any("=" in t for t in voikko.terms("viikonloppuisin", "fi"))


def test_snowball_spoken_stems():
    s = SnowballAnalyser()
    assert s.terms("amiksesta", "fi") == s.terms("ammattikoulu", "fi")


def test_slang_and_everyday_words_meet_the_brain_vocabulary(analyser):
    # Both sides go through the same table, so slang in a question meets the
    # standard word in the brain and the other way round.
    a = analyser
    assert set(a.terms("kämppä", "fi")) & set(a.terms("asunto", "fi"))
    assert set(a.terms("duuni", "fi")) & set(a.terms("työ", "fi"))
    assert set(a.terms("sivari", "fi")) & set(a.terms("siviilipalvelus", "fi"))
    assert set(a.terms("pikavippi", "fi")) & set(a.terms("laina", "fi"))
    assert not set(a.terms("kämppä", "fi")) & set(a.terms("laina", "fi"))
