"""Language detection for short chat messages.

The fragments are the kind of thing clients type: spoken Finnish, typos, no
capitals or punctuation, a single word. The bot answers in the detected
language, so a wrong guess means an answer the client may not understand;
when unsure, the page language is used.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from bot.language import check_languages, detect_language, language_scores

FI = [
    "miten löydän ekan oman asunnon",
    "paljonko kela maksaa asumistukea",
    "mä en tiiä mitä tehä",
    "voiko opiskelija saada tukea",
    "tarviinks verokortin kesätöihin",
    "mun vanhemmat riitelee koko ajan",
    "haluun vaihtaa koulua",
    "onks täällä ketään",
    "miten haen opintotukea",
    "ei oo rahaa ruokaan",
    "mistä saan apua",
    "pitääkö mun maksaa takuuvuokra",
    "mulla on tosi yksinäinen olo",
    "oon ollu työttömänä puol vuotta",
    "mitä teen kun en pääse lukioon",
    "kelalta tuli hylkäys",
    "saako alaikäinen muuttaa pois kotoa",
    "mikä on te-toimisto",
    "kuinka paljon opintolainaa kannattaa ottaa",
    "en jaksa koulua enää",
    "vuokranantaja ei palauta vakuutta",
    "hei voisitko auttaa",
]
SV = [
    "hur söker jag bostadsbidrag",
    "jag vill flytta hemifrån",
    "vad ska jag göra",
    "kan jag få studiestöd",
    "jag har inga pengar",
    "hur mycket betalar fpa",
    "min pappa är arg hela tiden",
    "jag är ensam",
    "får man jobba när man studerar",
    "var hittar jag sommarjobb",
    "behöver jag skattekort",
    "hej jag behöver hjälp",
    "jag orkar inte med skolan",
    "vem kan jag prata med",
    "hyresvärden vill inte ge tillbaka depositionen",
    "jag vet inte vad jag ska studera",
    "kan ni hjälpa mig",
    "är det gratis",
    "jag blev arbetslös",
    "hur ansöker man till gymnasiet",
    "varför fick jag avslag från fpa",
]
EN = [
    "how do i find my first apartment",
    "can i get housing allowance",
    "what should i study",
    "i need help",
    "my parents are fighting all the time",
    "how much does kela pay",
    "is this free",
    "i dont have money for food",
    "where can i find a summer job",
    "do i need a tax card",
    "i feel lonely",
    "can someone talk to me",
    "my landlord wont give back the deposit",
    "what is te office",
    "how to apply for student financial aid",
    "i lost my job",
    "can i move out at 17",
    "hello is anyone there",
    "thanks that helped",
    "whats the number for the crisis line",
    "i have been unemployed for six months",
]


@pytest.mark.parametrize("text", FI)
def test_finnish(text):
    assert detect_language(text, fallback="en") == "fi", language_scores(text)


@pytest.mark.parametrize("text", SV)
def test_swedish(text):
    assert detect_language(text, fallback="fi") == "sv", language_scores(text)


@pytest.mark.parametrize("text", EN)
def test_english(text):
    assert detect_language(text, fallback="fi") == "en", language_scores(text)


@pytest.mark.parametrize("text", ["", "ok", "?", "👍", "123", "kela"])
def test_unsure_falls_back_to_page_language(text):
    assert detect_language(text, fallback="sv") == "sv"
    assert detect_language(text, fallback="en") == "en"


def test_bad_fallback_becomes_finnish():
    assert detect_language("", fallback="de") == "fi"


def test_typos_and_missing_diacritics():
    assert detect_language("mista saan asumistukee", fallback="en") == "fi"
    assert detect_language("jag behover hjalp med bostad", fallback="fi") == "sv"
    assert detect_language("how cn i get hlep", fallback="fi") == "en"


def test_the_bot_reads_every_language_kohtaamo_speaks():
    check_languages()


def test_a_language_the_bot_cannot_read_fails_at_start_up(settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("de", "German")]
    with pytest.raises(ImproperlyConfigured, match="de"):
        check_languages()


def test_only_languages_kohtaamo_speaks_are_detected(settings):
    settings.LANGUAGES = [("fi", "Finnish"), ("sv", "Swedish")]
    assert detect_language("how do I apply for housing benefit", fallback="sv") == "sv"
