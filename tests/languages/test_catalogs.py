"""Every language whole: no catalog leaves a text untranslated or fuzzy, no desk lacks a name.

The catalogs' msgids are English. Finnish and Swedish must translate every
one; the English catalogs hold no msgstr (English shows the msgid), so for
them only a fuzzy entry is an error. Read with a small parser of the .po
format (no library needed for this much): entries are separated by blank
lines, `#,` lines carry flags, `#~` lines are obsolete.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

CATALOG_DIRS = [
    settings.BASE_DIR / "locale",
    settings.BASE_DIR / "widget/locale",
    settings.BASE_DIR / "console/locale",
    settings.BASE_DIR / "stats/locale",
]


@dataclass
class Entry:
    msgid: str = ""
    plural: bool = False
    msgstrs: list[str] = field(default_factory=list)
    fuzzy: bool = False
    line: int = 0


def _unquote(text: str) -> str:
    return str(ast.literal_eval(text)) if text.startswith('"') else ""


def read_po(path: Path) -> list[Entry]:
    """The catalog's live entries (the header and obsolete `#~` ones left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: str | None = None  # "msgid", "msgid_plural", "msgstr" or "msgctxt": where a continued string goes
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None if not line else target
            if not line and current is not None:
                entries.append(current)
                current = None
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.fuzzy = current.fuzzy or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            target = "msgctxt"
        elif line.startswith("msgid_plural "):
            current.plural, target = True, "msgid_plural"
        elif line.startswith("msgid "):
            current.msgid, target = _unquote(line[6:]), "msgid"
        elif line.startswith("msgstr"):
            current.msgstrs.append(_unquote(line.split(" ", 1)[1]))
            target = "msgstr"
        elif line.startswith('"'):
            if target == "msgid":
                current.msgid += _unquote(line)
            elif target == "msgstr":
                current.msgstrs[-1] += _unquote(line)
    if current is not None:
        entries.append(current)
    return [e for e in entries if e.msgid]  # the header's msgid is empty


def catalogs(lang: str) -> list[Path]:
    return [directory / lang / "LC_MESSAGES" / "django.po" for directory in CATALOG_DIRS]


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_finnish_and_swedish_catalogs_translate_every_text(lang: str) -> None:
    problems = []
    for path in catalogs(lang):
        assert path.exists(), path
        for entry in read_po(path):
            where = f"{path.relative_to(settings.BASE_DIR)}:{entry.line} {entry.msgid[:60]!r}"
            if entry.fuzzy:
                problems.append(f"fuzzy: {where}")
            if not entry.msgstrs or not all(s.strip() for s in entry.msgstrs):
                problems.append(f"untranslated: {where}")
    assert not problems, "\n".join(problems)


def test_english_catalogs_have_no_fuzzy_entries() -> None:
    """English shows the msgids; a fuzzy entry would be a guess left behind by makemessages."""
    problems = [
        f"{path.relative_to(settings.BASE_DIR)}:{entry.line} {entry.msgid[:60]!r}"
        for path in catalogs("en")
        for entry in read_po(path)
        if entry.fuzzy
    ]
    assert not problems, "\n".join(problems)


def test_the_parser_finds_what_it_should(tmp_path: Path) -> None:
    """The checks above are only as good as the reader: a fuzzy, an empty and a plural entry."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fi\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "Hei %(name)s"\n\n'
        'msgctxt "client chat"\nmsgid ""\n"Long "\n"text"\nmsgstr ""\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "Yksi"\nmsgstr[1] ""\n\n'
        '#~ msgid "Old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = read_po(po)
    assert [(e.msgid, e.fuzzy, e.msgstrs, e.plural) for e in entries] == [
        ("Hello %(name)s", True, ["Hei %(name)s"], False),
        ("Long text", False, [""], False),
        ("One", False, ["Yksi", ""], True),
    ]
