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

_G2, _G3 = gap(2), gap(3)

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
    )
]


def is_handoff_request(text: str) -> bool:
    """Whether ``text`` asks for a person (in any of the three languages)."""
    folded = fold(text[:2000])
    return any(p.search(folded) for p in HANDOFF_PATTERNS)
