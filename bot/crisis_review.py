"""The crisis signals as people review them: the brain editor's page /brain/signals/.

The warning signs' readable names and descriptions (translated like the rest
of the UI), the lists of ``bot/data/crisis-signals.yaml`` as written
(``bot.crisis``), and a message tried against the detector's nets, told sign
by sign. It only reads: the signal file changes through the developers (a
change is tested against the evaluation sets), the crisis topic's example
questions through the brain editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bot.analysis import VoikkoAnalyser, get_analyser
from bot.crisis import SIGNALS, SIGNALS_FILE, SIGNS, CrisisHit, about_the_past, clean, signal_lists
from bot.wordlists import data_file
from common.languages import language_name

if TYPE_CHECKING:
    from bot.engine import Bot

# The file's path as the developers know it (relative to the project).
SIGNALS_FILE_NAME = data_file(SIGNALS_FILE.name)


@dataclass(frozen=True)
class SignText:
    """A warning sign as people read it: a short name and one sentence of what it means."""

    name: Promise
    description: Promise


# Keyed by the signs of crisis-signals.yaml; a test checks that every sign of the file has one.
SIGN_TEXTS: dict[str, SignText] = {
    "wish_to_die": SignText(
        _("Wish to die"),
        _("They want to die, to disappear or not to wake up, or say that life has no point."),
    ),
    "plan": SignText(
        _("Plan or method"),
        _("They think about how, where or when to end their life, or look up a way to do it."),
    ),
    "means_at_hand": SignText(
        _("Means at hand"),
        _("Pills, a blade or a dangerous place such as a roof, a bridge or a railway is within their reach now."),
    ),
    "goodbye": SignText(
        _("Saying goodbye"),
        _("They say farewell, write a last message or a letter to their family, or give their things away."),
    ),
    "burden": SignText(
        _("Feeling a burden"),
        _("They feel a burden to others, or that everyone would be better off without them."),
    ),
    "self_harm": SignText(
        _("Self-harm"),
        _("They cut or otherwise hurt themselves, or feel the urge to do it again."),
    ),
    "violence_now": SignText(
        _("Violence now"),
        _("Someone hits, threatens, abuses or traps them, or hurts somebody close to them."),
    ),
    "danger_now": SignText(
        _("Danger now"),
        _("They have taken too much of a medicine, or are not safe or are afraid to go home right now."),
    ),
}


def sign_name(sign: str) -> str:
    """A sign's readable name; a sign newer than SIGN_TEXTS by its key, with spaces."""
    text = SIGN_TEXTS.get(sign)
    return str(text.name) if text else sign.replace("_", " ")


@dataclass(frozen=True)
class PhraseGroup:
    """The phrases of one sign (or list) in one language, as written."""

    lang: str
    label: str
    phrases: list[str]


@dataclass(frozen=True)
class SignReview:
    """One warning sign on the review page: its name, what it means and its phrases per language."""

    sign: str
    name: str
    description: str
    languages: list[PhraseGroup]

    @property
    def count(self) -> int:
        return sum(len(group.phrases) for group in self.languages)


def sign_reviews() -> list[SignReview]:
    """Every warning sign in the file's order, with its phrases grouped by language (the file's order too)."""
    phrases: dict[str, dict[str, list[str]]] = {sign: {} for sign in SIGNS}
    for signal in SIGNALS:
        phrases[signal.sign].setdefault(signal.lang, []).append(signal.phrase.text)
    reviews = []
    for sign in SIGNS:
        text = SIGN_TEXTS.get(sign)
        groups = [PhraseGroup(lang, language_name(lang), texts) for lang, texts in phrases[sign].items()]
        reviews.append(SignReview(sign, sign_name(sign), str(text.description) if text else "", groups))
    return reviews


@dataclass(frozen=True)
class BaseformRule:
    """A base-form rule: all its Finnish base forms in a message, in any inflection, are the sign."""

    sign: str
    name: str
    rule: str


@dataclass(frozen=True)
class ListsReview:
    """The file's other lists as written: harmless idioms, past and "still" markers, base-form rules."""

    harmless: list[str]
    past_signs: list[str]  # the readable names of the signs a past marker sets aside
    past: list[str]
    still: list[str]
    baseforms: list[BaseformRule]
    voikko: bool  # whether this server reads base forms (the rules do nothing without Voikko)


def lists_review() -> ListsReview:
    """The lists of the signal file besides the signs' phrases, for the review page."""
    lists = signal_lists()
    return ListsReview(
        harmless=list(lists.harmless),
        past_signs=[sign_name(sign) for sign in lists.past_signs],
        past=list(lists.past),
        still=list(lists.still),
        baseforms=[BaseformRule(sign, sign_name(sign), rule) for sign, rule in lists.baseforms],
        voikko=isinstance(get_analyser(), VoikkoAnalyser),
    )


@dataclass(frozen=True)
class SignHit:
    """A warning sign found in a tried message: by which rule (a phrase, or base forms) and on which words."""

    sign: str
    name: str
    matched: str
    rule: str
    lang: str
    source: str  # "signal" (a phrase of the lists) or "baseform"


@dataclass(frozen=True)
class ExampleHit:
    """A flag by the crisis topic's example questions (they are edited in the brain editor).

    ``source`` "example": the message is close to the example question
    ``example`` (``score``: the similarity); another source is a net learnt
    from the examples (``score``: its own measure, ``example``: the closest example).
    """

    source: str
    example: str
    score: str


# The nets that read the words themselves; every other net of Bot.crisis_hits learns from the crisis examples.
SIGN_SOURCES = ("signal", "baseform")


@dataclass(frozen=True)
class MessageCheck:
    """What the detector makes of a message: every net, not only the first that finds something.

    ``read_as`` is the folded message without its harmless idioms (what the
    phrases are matched on); ``past``: it tells of the past, so self-harm,
    violence and danger are set aside; ``examples``: the flags of the crisis
    topic's example questions (empty: they do not flag it).
    """

    text: str
    read_as: str
    past: bool
    signs: list[SignHit]
    examples: list[ExampleHit]

    @property
    def flagged(self) -> bool:
        """Whether the chat would show the crisis guidance (any net finding anything)."""
        return bool(self.signs or self.examples)


def check_message(bot: Bot, text: str) -> MessageCheck:
    """Try ``text`` against the signal lists, the base forms and the crisis examples of ``bot``.

    Through ``Bot.crisis_hits``, the reading of every client message, so the
    page tells what the chat would do (with all nets, as a counsellor's
    suggestions show them).
    """
    hits: list[CrisisHit] = bot.crisis_hits(text, "fi")
    read_as = clean(text)
    return MessageCheck(
        text=text,
        read_as=read_as,
        past=bool(read_as) and about_the_past(read_as),
        signs=[
            SignHit(hit.category, sign_name(hit.category), hit.phrase, hit.rule, hit.lang, hit.source)
            for hit in hits
            if hit.source in SIGN_SOURCES
        ],
        # An example net's hit carries its score as ``phrase`` and the example as ``rule``.
        examples=[ExampleHit(hit.source, hit.rule, hit.phrase) for hit in hits if hit.source not in SIGN_SOURCES],
    )
