"""Crisis detection: every sentence that signals acute risk must be caught.

Recall is asserted sentence by sentence, with both analysers, because a miss is
the one failure that cannot be tolerated. False alarms on ordinary messages
are counted and printed so that the cost of recall stays visible; only a loose
upper bound is asserted.
"""

from __future__ import annotations

import pytest

from bot.analysis import get_analyser, reset_analysers
from bot.crisis import SIGNS, detect_crisis, fold

CRISIS = [
    # Finnish, standard and spoken, with and without diacritics
    ("haluun kuolla", "suicidal"),
    ("mä haluan vaan kuolla", "suicidal"),
    ("haluisin kuolla pois", "suicidal"),
    ("haluan kuolla", "suicidal"),
    ("en jaksa elää", "suicidal"),
    ("en mä jaksa enää elää tätä elämää", "suicidal"),
    ("en halua elää enää", "suicidal"),
    ("tapan itteni", "suicidal"),
    ("mä tapan itseni tänään", "suicidal"),
    ("aion tappaa itseni", "suicidal"),
    ("mietin itsemurhaa", "suicidal"),
    ("itsemurha ajatuksia", "suicidal"),
    ("ei oo mitään syytä elää", "suicidal"),
    ("ei ole mitaan syyta elaa", "suicidal"),
    ("kaikilla ois parempi ilman mua", "suicidal"),
    ("toivon että kuolisin", "suicidal"),
    ("aion hypätä sillalta", "suicidal"),
    ("haluun lopettaa kaiken", "suicidal"),
    ("itsari käy mielessä joka päivä", "suicidal"),
    ("mietin kuolemaa koko ajan", "suicidal"),
    ("en haluis herätä enää", "suicidal"),
    ("haluisin vaan kadota", "suicidal"),
    ("en haluu olla olemassa", "suicidal"),
    ("haluun nukahtaa enkä herätä enää", "suicidal"),
    ("kaikille ois helpompaa jos mua ei ois", "suicidal"),
    ("viillän", "self_harm"),
    ("oon viillelly taas", "self_harm"),
    ("satutan itseäni", "self_harm"),
    ("leikkelen itseäni terällä", "self_harm"),
    ("satutan itteeni kun ahdistaa", "self_harm"),
    ("haluun vetää ranteet auki", "self_harm"),
    ("otin liikaa lääkkeitä", "danger_now"),
    ("söin koko purkin unilääkkeitä", "danger_now"),
    ("iskä lyö mua nyt", "violence_now"),
    ("isä lyö äitiä", "violence_now"),
    ("poikaystävä hakkaa mua", "violence_now"),
    ("isäpuoli lyö siskoa just nyt", "violence_now"),
    ("äidin poikaystävä potkii äitiä", "violence_now"),
    ("se uhkaa tappaa mut", "violence_now"),
    ("joku seuraa mua", "danger_now"),
    ("pelottaa mennä kotiin", "danger_now"),
    ("en uskalla mennä kotiin", "danger_now"),
    ("en oo turvassa", "danger_now"),
    # Swedish
    ("jag vill dö", "suicidal"),
    ("jag vill inte leva längre", "suicidal"),
    ("jag tänker ta livet av mig", "suicidal"),
    ("tankar på självmord", "suicidal"),
    ("jag skadar mig själv", "self_harm"),
    ("jag skär mig", "self_harm"),
    ("jag funderar på att ta mitt liv", "suicidal"),
    ("någon förföljer mig", "danger_now"),
    ("han slår mig", "violence_now"),
    ("pappa slår mamma", "violence_now"),
    ("jag vågar inte gå hem", "danger_now"),
    ("jag tog för många tabletter", "danger_now"),
    # English
    ("i want to kill myself", "suicidal"),
    ("i want to die", "suicidal"),
    ("i just wanna die", "suicidal"),
    ("i'm going to end it all", "suicidal"),
    ("thinking about suicide", "suicidal"),
    ("kms", "suicidal"),
    ("i dont want to wake up tomorrow", "suicidal"),
    ("i cut myself again", "self_harm"),
    ("i keep hurting myself", "self_harm"),
    ("i took an overdose", "danger_now"),
    ("i swallowed a bunch of pills", "danger_now"),
    ("life isnt worth living", "suicidal"),
    ("he's hitting me", "violence_now"),
    ("my stepdad is beating me", "violence_now"),
    ("someone is following me", "danger_now"),
    ("i'm scared to go home", "danger_now"),
]

ORDINARY = [
    "miten löydän ekan oman asunnon",
    "paljonko asumistukea sais",
    "mun puhelin kuoli",
    "akku kuoli kesken puhelun",
    "tylsää kuolen tylsyyteen",
    "kuolin nauruun",
    "tapan aikaa ennen bussia",
    "pitää tappaa aikaa",
    "en jaksa tehdä läksyjä",
    "en jaksa koulua enää",
    "mun isä on tosi tiukka",
    "riitelen äidin kanssa",
    "haluun muuttaa pois kotoa",
    "miten haen kesätöitä",
    "tarvitsenko verokortin",
    "kela hylkäsi opintotuen",
    "mummo kuoli viime viikolla ja oon surullinen",
    "otin lääkkeet aamulla",
    "en saa nukuttua",
    "koira kuoli",
    "miten lopettaa tupakointi",
    "haluun lopettaa lukion",
    "mitä jos en pääse kouluun",
    "vuokranantaja uhkaa häätää",
    "jag vill flytta hemifrån",
    "jag har inga pengar",
    "hur söker jag studiestöd",
    "my phone died",
    "i'm dying to know the results",
    "how do i get a tax card",
    "this homework is killing me",
    "hit me up later",
    "where can i find a summer job",
    "i want to quit school",
    "leikkaan itse hiukseni",
    "mun kaveri lyö vetoa että pääsen lukioon",
    "isä hakkaa puita mökillä",
    "i took my meds this morning",
    "kirja kuolemasta äidinkielen tunnille",
]


@pytest.fixture(params=["voikko", "snowball"], autouse=True)
def analyser(request, monkeypatch):
    monkeypatch.setenv("KOHTAAMO_ANALYSER", request.param)
    reset_analysers()
    yield get_analyser()
    reset_analysers()


# The broad kind of risk each sentence above is written as, and the warning signs
# (bot/data/crisis-signals.yaml) that name it rightly.
KINDS = {
    "suicidal": {"wish_to_die", "plan", "means_at_hand", "goodbye", "burden"},
    "self_harm": {"self_harm"},
    "violence_now": {"violence_now", "danger_now"},
    "danger_now": {"danger_now", "violence_now", "means_at_hand", "plan"},
}


def test_enough_crisis_sentences():
    assert len(CRISIS) >= 40
    assert {cat for _, cat in CRISIS} == set(KINDS)
    assert set().union(*KINDS.values()) <= set(SIGNS)


@pytest.mark.parametrize(("text", "category"), CRISIS)
def test_crisis_sentence_is_detected(text, category):
    hit = detect_crisis(text)
    assert hit is not None, text
    assert hit.phrase
    assert hit.category in SIGNS


def test_categories_are_mostly_right():
    """The category guides the counsellor; a wrong one is tolerable, a miss is not."""
    right = sum(1 for text, cat in CRISIS if (hit := detect_crisis(text)) and hit.category in KINDS[cat])
    assert right >= 0.9 * len(CRISIS), right


def test_missing_diacritics_and_capitals():
    assert detect_crisis("HALUAN KUOLLA") is not None
    assert detect_crisis("en jaksa elaa") is not None
    assert detect_crisis("Jag vill do") is not None
    assert detect_crisis("itsemurhaa!!!") is not None


def test_crisis_inside_a_longer_message():
    text = "moi, mulla on ollu tosi huono viikko koulussa ja kotona ja oikeesti haluun vaan kuolla, en tiiä mitä teen"
    hit = detect_crisis(text)
    assert hit is not None
    assert hit.category in KINDS["suicidal"]


def test_false_alarms_are_counted(capsys):
    alarms = [(text, hit.phrase) for text in ORDINARY if (hit := detect_crisis(text))]
    with capsys.disabled():
        print(f"\ncrisis false alarms: {len(alarms)}/{len(ORDINARY)} ordinary sentences")
        for text, phrase in alarms:
            print(f"  {text!r} <- {phrase!r}")
    assert len(alarms) <= len(ORDINARY) // 4


def test_harmless_idioms_do_not_alarm():
    for text in ["mun puhelin kuoli", "kuolen nauruun", "tapan aikaa", "my phone died"]:
        assert detect_crisis(text) is None, text


def test_empty_and_huge_input():
    assert detect_crisis("") is None
    assert detect_crisis("   ") is None
    assert detect_crisis("<script>alert(1)</script>") is None
    assert detect_crisis("a" * 10_000) is None
    assert detect_crisis("haluun kuolla " + "asunto " * 2000) is not None


def test_fold():
    assert fold("Mä EN jaksa, elää!!") == "ma en jaksa elaa"
    assert fold("Jag vill dö.") == "jag vill do"
