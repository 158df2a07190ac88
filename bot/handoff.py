"""Explicit requests for a person ("haluun puhua ihmisen kanssa", "talk to a human").

The bot answers such a message with the brain's ``handoff`` topic, and the
conversation goes to the desk's queue. The patterns run on folded text
(``bot.crisis.fold``: lowercase, ä->a, ö->o, punctuation removed), so they are
written without diacritics. They are regular expressions on purpose: a request
is a verb, up to a few words, and a person ("voinko jutella oikeen ihmisen
kanssa"), which a word list cannot say.
"""

from __future__ import annotations

import re

from bot.crisis import fold, gap

_G1, _G2, _G3 = gap(1), gap(2), gap(3)

# Finnish parts of a request: wanting or being able, talking, a person.
_WANT_FI = r"(?:halu\w*|tahdo\w*|tahon|voi\w*|saa\w*|paase\w*|pääse\w*|pitais|pitaa|yhdista|siirra|ohjaa)"
_TALK_FI = r"(?:puhu\w*|jutel\w*|juttel\w*|keskustel\w*|chat\w*|kirjoit\w*)"
_PERSON_FI = (
    r"(?:ihmi\w*|tyontekija\w*|nuorisotyontekija\w*|ohjaaja\w*|nuoriso-ohjaaja\w*|aikuise\w*|oikea\w*|oikee\w*"
    r"|opo\w*|opinto-ohjaaja\w*)"
)

HANDOFF_PATTERNS = [
    re.compile(p)
    for p in (
        # fi: "haluun puhua ihmisen kanssa", "voinko jutella työntekijän kaa"
        rf"\b{_WANT_FI}\s{_G3}{_TALK_FI}\s{_G3}{_PERSON_FI}",
        # fi: "siirrä mut työntekijälle", "yhdistä ohjaajaan", "haluun ihmisen"
        rf"\b(?:yhdista|siirra|ohjaa)\s{_G2}{_PERSON_FI}",
        rf"\b(?:halu\w*|tahdo\w*|tahon)\s{_G2}(?:ihmisen|ihmiselle|tyontekijan|tyontekijalle|ohjaajan)\b",
        r"\boikee\w* ihmi\w*|\boikea\w* ihmi\w*|\bihminen (?:linjoille|tanne)\b",
        rf"\b(?:en halua|en haluu|ei huvita)\s{_G2}(?:botin|botille|robotin|koneen)\b",
        # sv
        rf"\b(?:prata|chatta|tala|snacka)\s{_G2}(?:en manniska|en person|nagon riktig|en riktig|en handledare"
        r"|en vuxen)",
        r"\bkoppla (?:mig|mej) (?:till|vidare)\b|\b(?:en|med) riktig (?:person|manniska)\b",
        # en
        rf"\b(?:talk|speak|chat)\s{_G2}(?:a person|a human|a real|someone real|a real person|a counsell?or"
        r"|a youth worker|a worker|an adult|somebody real|a live)",
        r"\b(?:real|actual|live) (?:person|human)\b|\bconnect me\b|\bhuman please\b",
        # Vaguer ways: is anybody there, pass me on, a real one reads this.
        rf"\b(?:onks|onko|onkse|onk)\s(?:siel|siella|taal|taalla|linjoilla|paikalla)\s{_G2}(?:ketaan|kukaan|joku|ihmi\w*"
        r"|tyontekija\w*|aikui\w*)",
        rf"\b(?:laita|laittakaa|anna|antakaa|yhdista|siirra|ohjaa|valita)\s{_G2}(?:jollekin|joku|jonkun|johonkin)"
        r"\s(?:muu|muulle|ihmiselle|aikuiselle|tyontekijalle|ohjaajalle|oikee\w*|oikea\w*)",
        rf"\b(?:joku|jonkun|jollekin|joltain|joltakin)\s{_G1}(?:oikee|oikea|oikealle|oikeelle|ihminen|ihmiselle|aikuinen"
        r"|aikuiselle|tyontekija|tyontekijalle)\b",
        rf"\b{_PERSON_FI}\s{_G1}(?:vapaana|paikalla|linjoilla|online|tavoitettavissa)",
        rf"\b(?:jatka\w*|puhu\w*|jutel\w*|juttel\w*|kirjot\w*|kirjoit\w*)\s{_G2}(?:jonkun|ihmisen|aikuisen"
        r"|tyontekijan|ohjaajan|opon|kuraattorin|sossun|nuorisotyontekijan)\s(?:kanssa|kaa|kans)",
        rf"\b(?:finns|e|ar)\s(?:det\s)?(?:nan|nagon|en)\s{_G1}(?:dar|vuxen|manniska|person|ungdomsarbetare"
        r"|i personalen|online|pa riktigt|riktig)",
        rf"\b(?:skicka|koppla|flytta|slussa)\s{_G1}(?:mig|mej)\s{_G1}(?:till|vidare)",
        r"\b(?:prata|chatta|skriva|snacka)\s(?:med|till)\s(?:nan|nagon|en vuxen|en kurator|personal)",
        r"\b(?:is|are)\s(?:there\s)?(?:anyone|anybody|someone|somebody|a person|a human|any worker|a worker|any staff"
        r"|staff|an adult|a counsell?or|a youth worker)\b",
        r"\b(?:talk|speak|chat|write)\s(?:to|with)\s(?:someone|somebody|a staff|staff|a study advi[sc]er|an advi[sc]er"
        r"|a counsell?or|a worker|a person|a human|a real|an actual)",
        r"\b(?:someone|somebody|anyone) (?:real|human|actual)\b|\b(?:get|give|find) me (?:a human|a person|someone"
        r"|somebody)\b",
    )
]


# A question about the bot itself ("am i talking to a real person?") is not a request for
# one: the service-how-it-works topic answers it.
ABOUT_THE_BOT = re.compile(
    r"\b(?:am i|are you|r u|is this|is it|puhunko|puhunks|ootko|oletko|oot sa|onks taa|onko tama|onks tama"
    r"|pratar jag|ar du|e du|ar det har|e det har)\s(?:\w+ ){0,4}(?:real|human|person|bot|robot|ihmi\w*|botti\w*"
    r"|robot\w*|kone\w*|manniska|person|riktig\w*|oikee\w*|oikea\w*)"
)


def is_handoff_request(text: str) -> bool:
    """Whether ``text`` asks for a person (in any of the three languages)."""
    folded = fold(text[:2000])
    if ABOUT_THE_BOT.search(folded):
        return False
    return any(p.search(folded) for p in HANDOFF_PATTERNS)
