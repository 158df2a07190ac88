"""The differences between two versions of a topic, for editors to read (the history page).

Versions are in the canonical form of bot.brainfiles (TopicEdit.data), so one
comparison serves every kind of edit. Texts are compared word by word (a
changed word is shown struck out and its replacement marked, as in a word
processor); lists (example questions, referrals, follow-ups) item by item.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from bot.brainfiles import TopicData
from common.languages import language_codes, language_name

# Words with the space after them, so that the pieces put together give the text back.
_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Piece:
    """A run of text: kept as it was ("equal"), taken out ("delete") or put in ("insert")."""

    op: str
    text: str


@dataclass
class FieldDiff:
    """One changed field: a text as pieces, or a list as items taken out and put in."""

    label: str
    pieces: list[Piece] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


@dataclass
class SectionDiff:
    """The changes of the topic's common fields ("lang" empty) or of one language."""

    title: str
    lang: str
    fields: list[FieldDiff]


def word_pieces(old: str, new: str) -> list[Piece]:
    """`old` turned into `new`, word by word."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("delete", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("insert", "".join(b[j1:j2])))
    return pieces


def _referral_line(referral: dict[str, Any]) -> str:
    return " · ".join(str(referral[key]) for key in ("name", "url", "phone", "hours") if referral.get(key))


def _list_diff(label: str, old: list[str], new: list[str]) -> FieldDiff | None:
    if old == new:
        return None
    removed = [item for item in old if item not in new]
    added = [item for item in new if item not in old]
    if not removed and not added:
        return FieldDiff(label, pieces=[Piece("equal", _("Same items in another order."))])
    return FieldDiff(label, removed=removed, added=added)


def _text_diff(label: str, old: str, new: str) -> FieldDiff | None:
    return FieldDiff(label, pieces=word_pieces(old, new)) if old != new else None


def diff_versions(old: TopicData, new: TopicData, titles: dict[str, str] | None = None) -> list[SectionDiff]:
    """What changed from `old` to `new`, per part of the topic; empty when nothing did.

    `titles` names follow-up topics by their titles (slug -> title) instead of their slugs.
    """
    titles = titles or {}
    sections: list[SectionDiff] = []
    common = [
        _text_diff(_("Area"), str(old.get("area", "")), str(new.get("area", ""))),
        _text_diff(_("Hand-off desk"), str(old.get("handoff_desk", "")), str(new.get("handoff_desk", ""))),
        _list_diff(
            _("Follow-up topics"),
            [titles.get(s, s) for s in old.get("follow_ups", [])],
            [titles.get(s, s) for s in new.get("follow_ups", [])],
        ),
    ]
    if changed := [f for f in common if f is not None]:
        sections.append(SectionDiff(_("Topic"), "", changed))
    old_languages, new_languages = old.get("languages", {}), new.get("languages", {})
    for code in language_codes():
        a, b = old_languages.get(code, {}), new_languages.get(code, {})
        fields = [
            _text_diff(_("Title"), str(a.get("title", "")), str(b.get("title", ""))),
            _text_diff(_("Answer"), str(a.get("answer", "")), str(b.get("answer", ""))),
            _text_diff(_("Plain-language answer"), str(a.get("plain_answer", "")), str(b.get("plain_answer", ""))),
            _list_diff(_("Example questions"), list(a.get("questions", [])), list(b.get("questions", []))),
            _list_diff(
                _("Referrals"),
                [_referral_line(r) for r in a.get("referrals", [])],
                [_referral_line(r) for r in b.get("referrals", [])],
            ),
        ]
        if changed := [f for f in fields if f is not None]:
            sections.append(SectionDiff(language_name(code), code, changed))
    return sections
