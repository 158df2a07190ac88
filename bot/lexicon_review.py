"""The words the bot knows, as people review them: the brain editor's page /brain/words/.

Clients write as they speak ("mä", "duuni", "morsan"), and the bot reads such
words as the words the brain is written in before it looks for a topic. Those
tables are data files of ``bot/data/`` (``bot.wordlists``), read once by
``bot.analysis``; this module shows the very tables the bot uses (its
constants, not a second reading of the files), in the files' order, per
language, with the file each comes from and one sentence of what it does.

It only reads: the files change through the developers (a change is tested
against the evaluation sets), so an editor reviews the lists here and asks for
a change, or teaches a way of asking as a topic's example question instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bot.analysis import SPOKEN_FI, SPOKEN_PREFIX_FI, SYNONYMS_FI, SYNONYMS_OTHER
from bot.wordlists import data_file
from common.languages import language_codes, language_name


@dataclass(frozen=True)
class TableKind:
    """What a kind of table is called and does, in words an editor reads (translated like the rest of the UI).

    ``explanation`` takes the table's first line as its example (``word``,
    ``meaning``), so the sentence shows a real entry of the list it explains.
    """

    title: Promise
    explanation: Promise
    word_header: Promise
    meaning_header: Promise


KINDS: dict[str, TableKind] = {
    "spoken": TableKind(
        _("Spoken forms"),
        _("Clients write “%(word)s”; the bot reads it as “%(meaning)s” before it looks for a topic."),
        _("Spoken form"),
        _("Standard form"),
    ),
    "prefixes": TableKind(
        _("Spoken word beginnings"),
        _(
            "A word that starts with “%(word)s”, with any ending, is read as “%(meaning)s”; "
            "the first beginning that fits is used."
        ),
        _("Word beginning"),
        _("Read as"),
    ),
    "synonyms": TableKind(
        _("Synonyms"),
        _("Clients write “%(word)s”; the bot reads it as “%(meaning)s” too, in questions and topics alike."),
        _("Word"),
        _("Also read as"),
    ),
}


@dataclass(frozen=True)
class WordRow:
    """One line of a table as written: the word and what the bot reads it as (one meaning or more)."""

    word: str
    meanings: tuple[str, ...]

    def matches(self, query: str) -> bool:
        """Whether ``query`` (lowercase) is part of the word or of one of its meanings."""
        return query in self.word or any(query in meaning for meaning in self.meanings)


@dataclass(frozen=True)
class WordTable:
    """One list of one language on the review page.

    ``rows`` are the lines shown (those matching the page's search, if any),
    ``total`` how many lines the file has; ``explanation`` is one sentence
    with the file's first line as its example, whatever the search.
    """

    id: str  # the table's anchor on the page, "<kind>-<lang>"
    kind: str
    lang: str
    title: str
    explanation: str
    word_header: str
    meaning_header: str
    path: str
    rows: list[WordRow]
    total: int


@dataclass(frozen=True)
class LanguageLexicon:
    """The tables of one language (Finnish has three, Swedish and English their synonyms)."""

    lang: str
    label: str
    tables: list[WordTable]


# A table's lines as the bot holds them: a word and what it is read as.
Lines = Iterable[tuple[str, tuple[str, ...]]]


def word_table(kind: str, lang: str, file_name: str, lines: Lines, query: str) -> WordTable:
    """A table of ``kind`` from the bot's ``lines`` (in their order), narrowed to the lines with ``query``."""
    text = KINDS[kind]
    rows = [WordRow(word, meanings) for word, meanings in lines]
    example = {"word": rows[0].word, "meaning": rows[0].meanings[0]} if rows else {"word": "", "meaning": ""}
    query = query.strip().lower()
    return WordTable(
        id=f"{kind}-{lang}",
        kind=kind,
        lang=lang,
        title=str(text.title),
        explanation=str(text.explanation) % example,
        word_header=str(text.word_header),
        meaning_header=str(text.meaning_header),
        path=data_file(file_name),
        rows=[row for row in rows if row.matches(query)] if query else rows,
        total=len(rows),
    )


def lexicon(query: str = "") -> list[LanguageLexicon]:
    """Every spoken-form and synonym table the bot reads, per language (the default language first).

    From ``bot.analysis``' constants, the tables the running bot uses, so the
    page cannot show a list other than the bot's. ``query`` narrows each table
    to the lines whose word or meanings contain it; the tables stay, empty or not.
    """
    tables: dict[str, list[WordTable]] = {
        "fi": [
            word_table("spoken", "fi", "spoken-fi.txt", ((w, (s,)) for w, s in SPOKEN_FI.items()), query),
            word_table("prefixes", "fi", "spoken-prefixes-fi.txt", ((p, (s,)) for p, s in SPOKEN_PREFIX_FI), query),
            word_table("synonyms", "fi", "synonyms-fi.txt", SYNONYMS_FI.items(), query),
        ],
    }
    for lang, synonyms in SYNONYMS_OTHER.items():
        name = f"synonyms-{lang}.txt"
        tables.setdefault(lang, []).append(word_table("synonyms", lang, name, synonyms.items(), query))
    # settings.LANGUAGES' order; a language the bot has tables for but does not speak, after them.
    codes = language_codes()
    order = sorted(tables, key=lambda lang: codes.index(lang) if lang in codes else len(codes))
    return [LanguageLexicon(lang, language_name(lang), tables[lang]) for lang in order]
