"""BM25 ranking of brain topics, with both analysers.

The topics here are small stand-ins written for the tests (not the starter
brain, which other people edit): what matters is that inflected, compound,
misspelt and spoken questions find the topic whose example questions mean the
same, that confidence separates a clear hit from noise, and that editors get
the matched terms.
"""

from __future__ import annotations

import time

import pytest

from bot.analysis import SnowballAnalyser, VoikkoAnalyser
from bot.ranking import FUZZY_WEIGHT, NEAR_WEIGHT, WEAK_ONLY_CONFIDENCE, Index, TopicDoc

DOCS = [
    TopicDoc(
        "housing-allowance",
        "fi",
        "Asumistuki",
        ["Voinko saada asumistukea?", "Paljonko Kela maksaa asumistukea vuokraan", "asumislisä opiskelijalle"],
        "Kela maksaa yleistä asumistukea pienituloisille. Opiskelija saa opintotuen asumislisää.",
    ),
    TopicDoc(
        "housing-first-home",
        "fi",
        "Ensimmäinen oma asunto",
        ["Miten löydän ensimmäisen oman asunnon?", "muutto omaan kotiin", "mistä vuokra-asunto nuorelle"],
        "Vuokra-asuntoja löytää asuntoportaaleista ja Nuorisoasuntoliitosta. Varaa rahaa vuokravakuuteen.",
    ),
    TopicDoc(
        "work-summer-job",
        "fi",
        "Kesätyö",
        ["Miten saan kesätyöpaikan?", "kesäduuni 15-vuotiaalle", "mistä haen kesätöitä"],
        "Kesätöitä haetaan usein jo tammikuussa. Katso kunnan kesätyöseteli ja Työmarkkinatori.",
    ),
    TopicDoc(
        "work-tax-card",
        "fi",
        "Verokortti",
        ["Tarvitsenko verokortin?", "mistä saan verokortin kesätöihin", "verokortti ensimmäistä työtä varten"],
        "Verokortin saa OmaVerosta. Ilman verokorttia palkasta pidätetään 60 prosenttia.",
    ),
    TopicDoc(
        "studies-student-aid",
        "fi",
        "Opintotuki",
        ["Kuinka haen opintotukea?", "opintoraha lukiolaiselle", "opintolaina"],
        "Opintotukea haetaan Kelasta. Siihen kuuluu opintoraha ja valtion takaama opintolaina.",
    ),
    TopicDoc(
        "housing-allowance",
        "sv",
        "Bostadsbidrag",
        ["Kan jag få bostadsbidrag?", "hur mycket betalar FPA för hyran"],
        "FPA betalar allmänt bostadsbidrag.",
    ),
    TopicDoc(
        "work-summer-job",
        "sv",
        "Sommarjobb",
        ["Hur får jag sommarjobb?", "sommarjobb för unga"],
        "Sök sommarjobb tidigt på våren.",
    ),
    TopicDoc(
        "housing-allowance",
        "en",
        "Housing allowance",
        ["Can I get housing allowance?", "how much rent support does Kela pay"],
        "Kela pays general housing allowance.",
    ),
    TopicDoc(
        "work-summer-job",
        "en",
        "Summer jobs",
        ["How do I find a summer job?", "summer work for teenagers"],
        "Apply for summer jobs early in spring.",
    ),
]


@pytest.fixture(params=["voikko", "snowball"])
def index(request):
    analyser = VoikkoAnalyser() if request.param == "voikko" else SnowballAnalyser()
    return Index(DOCS, analyser)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("paljonko asumistukea sais", "housing-allowance"),
        ("kela asumistuki", "housing-allowance"),
        ("oma asunto eka kertaa", "housing-first-home"),
        ("kesätyöpaikka", "work-summer-job"),
        ("tarviiks verokorttia", "work-tax-card"),
        ("opintotuki hakeminen", "studies-student-aid"),
    ],
)
def test_finnish_questions_find_their_topic(index, question, expected):
    matches = index.rank(question, "fi")
    assert matches, question
    assert matches[0].slug == expected, (question, matches)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("miten löydän ekan oman asunon", "housing-first-home"),
        ("paljonko kelalta saa asumiseen tukea", "housing-allowance"),
        ("kesätyöt", "work-summer-job"),
    ],
)
def test_voikko_handles_typos_and_inflection(question, expected):
    matches = Index(DOCS, VoikkoAnalyser()).rank(question, "fi")
    assert matches[0].slug == expected, matches


def test_other_languages_rank_their_own_documents(index):
    assert index.rank("bostadsbidrag", "sv")[0].slug == "housing-allowance"
    assert index.rank("summer job", "en")[0].slug == "work-summer-job"
    assert index.rank("sommarjobb", "en") == [] or index.rank("sommarjobb", "en")[0].slug
    assert index.rank("asumistuki", "de") == []


def test_matched_terms_explain_the_hit(index):
    top = index.rank("asumistuki kela", "fi")[0]
    assert top.matched_terms
    assert all(isinstance(t, str) for t in top.matched_terms)


def test_limit_and_order(index):
    matches = index.rank("kela tuki asunto kesätyö", "fi", limit=2)
    assert len(matches) <= 2
    assert matches == sorted(matches, key=lambda m: -m.score)


def test_confidence_separates_clear_hits_from_noise(index):
    clear = index.confidence("asumistuki kela vuokra", "fi")
    noise = index.confidence("banaanikakku resepti suklaa", "fi")
    assert 0.0 <= noise < clear <= 1.0
    assert index.confidence("", "fi") == 0.0


def test_search_reports_unmatched_terms(index):
    result = index.search("asumistuki zyxwq", "fi")
    assert result.matches[0].slug == "housing-allowance"
    assert "zyxwq" in result.unmatched_terms


def test_trigram_fallback_catches_misspellings():
    """Snowball cannot fix "verokorttti"; the trigram fallback still finds the topic."""
    index = Index(DOCS, SnowballAnalyser())
    result = index.search("verokorttti", "fi")
    assert result.matches[0].slug == "work-tax-card"
    assert any("~" in t for t in result.matches[0].matched_terms)


def test_index_size(index):
    assert index.size() == len(DOCS)
    assert index.size("sv") == 2
    assert index.languages == ["en", "fi", "sv"]


def test_build_and_query_speed_are_reported(capsys):
    """A brain of 50 topics x 3 languages; timings are printed, not asserted."""
    docs = [TopicDoc(f"{d.slug}-{i}", d.lang, d.title, d.questions * 3, d.answer * 4) for i in range(17) for d in DOCS]
    analyser = VoikkoAnalyser()
    start = time.perf_counter()
    index = Index(docs, analyser)
    built = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(200):
        index.search("paljonko asumistukea sais kelalta 600 euron vuokraan", "fi")
    per_query = (time.perf_counter() - start) / 200
    with capsys.disabled():
        print(f"\nindex of {index.size()} docs built in {built * 1000:.0f} ms; query {per_query * 1000:.2f} ms")
    assert index.size() == len(docs)


def test_a_word_counts_once_for_confidence():
    """A compound's parts all score, but the word is one word of the query: fully explained here."""
    index = Index(DOCS, VoikkoAnalyser())
    result = index.search("asumistuki", "fi")
    assert {"asumistuki", "tuki"} <= set(result.terms)
    assert result.matches[0].slug == "housing-allowance"
    assert result.confidence > 0.5


def test_short_unknown_words_are_not_fuzzy_matched():
    index = Index(DOCS, SnowballAnalyser())
    result = index.search("zzzz asumistuki", "fi")
    assert len(result.unmatched_terms) == 1
    assert not any("~" in t for t in result.matches[0].matched_terms)


def test_everyday_words_alone_do_not_make_the_bot_confident(index):
    # "paras" and "huomenna" occur in questions about anything: a topic that
    # matched nothing else is not a confident answer, whatever its score.
    result = index.search("mikä on paras huomenna", "fi")
    assert result.confidence <= WEAK_ONLY_CONFIDENCE
    assert index.confidence("asumistuki huomenna", "fi") > WEAK_ONLY_CONFIDENCE


def test_numbers_count_neither_for_nor_against_confidence(index):
    assert index.confidence("asumistuki 600", "fi") == index.confidence("asumistuki", "fi")


def test_a_compound_part_alone_is_weaker_evidence_than_the_word(index):
    whole = index.confidence("asumistuki", "fi")
    part = index.confidence("asumisjääkiekko", "fi")
    assert part <= whole


def test_unknown_compounds_meet_their_known_parts(index):
    """Voikko splits from its dictionary; Snowball from the words of the indexed topics."""
    assert index.rank("verokorttiasiat", "fi")[0].slug == "work-tax-card"
    assert index.rank("vuokravakuuden", "fi")[0].slug == "housing-first-home"


def test_snowball_index_learns_the_brain_vocabulary():
    snowball, voikko = SnowballAnalyser(), VoikkoAnalyser()
    bound = Index(DOCS, snowball).analyser
    assert bound is not snowball
    assert "asumislisä" in bound.lexicon.words  # type: ignore[attr-defined]
    assert snowball.lexicon is None  # the shared analyser is left as it was
    assert Index(DOCS, voikko).analyser is voikko


def test_snowball_near_matches_another_grade_at_a_discount():
    """The weak grade "vuokravakuuden" of the brain's "vuokravakuuteen" is a near match, worth less."""
    index = Index(DOCS, SnowballAnalyser())
    near = index.search("vuokravakuuden", "fi")
    assert any(t.startswith("vuokravakuud~") for t in near.matches[0].matched_terms), near
    exact = index.search("vuokravakuuteen", "fi")
    assert near.matches[0].slug == exact.matches[0].slug == "housing-first-home"
    assert 0.5 < near.confidence < exact.confidence
    assert FUZZY_WEIGHT < NEAR_WEIGHT < 1


def test_snowball_fixes_a_typo_of_a_brain_word():
    index = Index(DOCS, SnowballAnalyser())
    result = index.search("verokorrti", "fi")  # two letters swapped
    assert result.matches[0].slug == "work-tax-card"
    assert result.confidence > 0.5
