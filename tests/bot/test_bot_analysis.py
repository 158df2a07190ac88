"""The analyser turns messages into terms; ranking and crisis detection depend on it.

Every behaviour that must hold whichever back-end is active runs twice, once
with Voikko and once with the Snowball fallback (forced through the
``KOHTAAMO_ANALYSER`` environment variable, as an operator would), because an
installation without Voikko must still answer sensibly.
"""

from __future__ import annotations

import time

import pytest

from bot.analysis import (
    SnowballAnalyser,
    VoikkoAnalyser,
    case_forms,
    get_analyser,
    gradation_variants,
    reset_analysers,
    tokens,
    umlaut_variants,
    within_one_edit,
)


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


def test_voikko_reads_a_and_o_typed_for_ä_and_ö(voikko):
    assert "työttömyysturva" in voikko.terms("tyottomyysturva", "fi")
    assert "hätä" in voikko.terms("hata", "fi")
    assert umlaut_variants("kova") == ["köva", "kovä", "kövä"]
    assert umlaut_variants("äiti") == []


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


# --- Finnish without Voikko: the brain's own words as a dictionary ---------

VOCABULARY = [
    "Harrastus voi olla maksuton. Kunnan harrastusseteli auttaa maksuissa.",
    "Ehkäisy: kondomi on yksi vaihtoehto. Aikuinen voi hakea opiskelu-paikkaa.",
    "Ensimmäinen oma asunto ja vuokra. Työ ja kesätyö, paikka haussa.",
    "Haastattelussa kannattaa kertoa itsestä. Kela maksaa tukea.",
    "Jos haluat lopettaa, eroaa voi koulusta. Olen löytänyt hyvän.",
    "Ammatillinen koulutus ja verokortti.",
]


@pytest.fixture
def bound():
    """A Snowball analyser that knows the words of ``VOCABULARY``, as the ranking index builds it."""
    return SnowballAnalyser().with_vocabulary(VOCABULARY)


def stem(word: str) -> str:
    return SnowballAnalyser().word_terms(word, "fi")[0]


def test_gradation_variants_relate_the_grades_of_a_stem():
    assert "asunto" in gradation_variants("asunno")
    assert "asunto" in gradation_variants("asuno")  # Snowball undoubles: "asunnosta" -> "asuno"
    assert "vaihto" in gradation_variants("vaihdo")
    assert "suht" in gradation_variants("suhd")
    assert "tuke" in gradation_variants("tue")  # k-gradation: "tuen" : "tuki"
    assert "tue" in gradation_variants("tuke")
    assert "kahde" in gradation_variants("kahe")  # spoken loss of d: "kahen"
    assert "asunno" not in gradation_variants("asunno")
    # Only the last syllables grade: the start of a long stem stays.
    assert not any(v.startswith("kaup") is False for v in gradation_variants("kauppakeskukse"))


def test_within_one_edit():
    assert within_one_edit("haastatelussa", "haastattelussa")  # a missing letter
    assert within_one_edit("koulusa", "koulussa")
    assert within_one_edit("verokrotti", "verokortti")  # two letters swapped
    assert within_one_edit("asunto", "asunto")
    assert not within_one_edit("asunto", "asema")
    assert not within_one_edit("asunto", "asuntola")


def test_case_forms_are_built_with_vowel_harmony():
    assert "nimetöntä" in case_forms("nimetön")
    assert "pomoa" in case_forms("pomo")
    assert case_forms("te-toimisto") == ["te-toimisto"]


def test_lexicon_splits_compounds_into_known_parts(bound):
    lex = bound.lexicon
    assert lex.split("harrastusmaksuihin") == ["harrastus", "maksuihin"]
    assert lex.split("ehkäisyvaihtoehtoja") == ["ehkäisy", "vaihtoehtoja"]
    # "-nen" words stand as s-stems at the head of a compound.
    assert lex.split("aikuisopiskelu") == ["aikuis", "opiskelu"]
    assert lex.split("kesätyöpaikka") == ["kesätyö", "paikka"]


def test_lexicon_does_not_split_endings_off(bound):
    lex = bound.lexicon
    # "-esta" is an ending of "ammatillinen", "-lle" an ending of anything.
    assert "esta" not in lex.split("ammatillisesta")
    assert "lle" not in lex.split("verokortille")
    assert lex.split("asunto") == []  # too short to be two words


def test_lexicon_gives_up_on_very_long_words_quickly(bound):
    mash = "harrastus" * 200
    start = time.perf_counter()
    assert bound.lexicon.split(mash) == []
    assert bound.lexicon.near(mash) == []
    assert bound.terms(mash, "fi")
    assert time.perf_counter() - start < 0.5


def test_lexicon_keeps_the_known_end_of_an_unknown_word(bound):
    assert bound.lexicon.split("harrastusvinkkejä") == ["harrastus"]
    assert bound.lexicon.split("zyxwvuts") == []


def test_lexicon_near_matches(bound):
    lex = bound.lexicon
    # A typo of a brain word.
    assert lex.near("haastatelussa") == [stem("haastattelussa")]
    # Another consonant grade of a known stem.
    assert stem("asunto") in lex.near("asunnosta")
    # Unrelated or short words find nothing.
    assert lex.near("banaani") == []
    assert lex.near("xyz") == []


def test_lexicon_prefix_matches_need_most_of_both_stems(bound):
    lex = bound.lexicon
    assert lex.prefix_matches("harrastuks") == [stem("harrastus")] or lex.prefix_matches("harrastuks")
    # A shared start alone is not enough: "opintotuki" is not "opintoraha".
    assert lex.prefix_matches("ensimmäisyys") == []


def test_bound_snowball_adds_compound_parts(bound):
    terms = bound.terms("harrastusmaksuihin", "fi")
    assert terms[0] == stem("harrastusmaksuihin")  # the word itself stays first
    assert stem("harrastus") in terms
    assert set(terms) & set(bound.terms("maksu", "fi"))


def test_bound_snowball_relates_a_verbal_noun_to_its_verb(bound):
    assert set(bound.terms("eroaminen", "fi")) & set(bound.terms("eroan", "fi"))


def test_bound_snowball_near_is_cached_and_finnish_only(bound):
    assert bound.near("asunnosta", "fi") == bound.near("asunnosta", "fi")
    assert bound.near("asunnosta", "sv") == ()
    assert bound.near("600", "fi") == ()
    assert SnowballAnalyser().near("asunnosta", "fi") == ()


def test_snowball_keeps_three_letters_of_short_stems():
    s = SnowballAnalyser()
    assert s.terms("yhtään", "fi") == ["yht"]
    assert s.terms("esseen", "fi") == ["ess"]


def test_synonyms_reach_inflected_forms(analyser):
    # Snowball stems "nimetön" and "nimetöntä" differently; both meet "anonyymi".
    assert set(analyser.terms("nimetöntä", "fi")) & set(analyser.terms("anonyymi", "fi"))
    assert set(analyser.terms("luottotiedot", "fi")) & set(analyser.terms("maksuhäiriömerkintä", "fi"))


def test_compound_parts_meet_the_part_alone(analyser):
    """With Voikko from its dictionary, with Snowball from the brain's vocabulary."""
    bound_or_voikko = analyser.with_vocabulary(VOCABULARY) if analyser.name == "snowball" else analyser
    for compound, part in [("harrastusmaksuihin", "maksu"), ("ehkäisyvaihtoehtoja", "vaihtoehto")]:
        assert set(bound_or_voikko.terms(compound, "fi")) & set(bound_or_voikko.terms(part, "fi")), compound


def test_voikko_has_no_vocabulary_step(voikko):
    # Voikko splits and corrects from its own dictionary; the ranking index
    # binds only analysers that offer ``with_vocabulary``.
    assert not hasattr(voikko, "with_vocabulary")
    assert not hasattr(voikko, "near")
