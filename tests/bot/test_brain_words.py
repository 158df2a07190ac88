"""The brain editor's words page /brain/words/: the bot's spoken forms and synonyms per language, for review."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils.html import escape

from bot.analysis import SPOKEN_FI, SPOKEN_PREFIX_FI, SYNONYMS_FI, SYNONYMS_OTHER
from bot.forms import RESERVED_SLUGS
from bot.lexicon_review import lexicon
from bot.wordlists import DATA_DIR, load_table
from tests.bot.test_brain_editor import login

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/brain/words/"


def row(lang: str, word: str, meanings: tuple[str, ...]) -> str:
    """A line of a table as the page shows it."""
    cells = ", ".join(f"<code>{escape(m)}</code>" for m in meanings)
    return f'<tr lang="{lang}"><th scope="row"><code>{escape(word)}</code></th><td>{cells}</td></tr>'


def first(table: dict[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
    return next(iter(table.items()))


def test_the_tables_are_the_bots_own_in_the_files_order() -> None:
    tables = {table.id: table for language in lexicon() for table in language.tables}
    assert [language.lang for language in lexicon()] == ["fi", "sv", "en"]
    assert list(tables) == ["spoken-fi", "prefixes-fi", "synonyms-fi", "synonyms-sv", "synonyms-en"]
    assert [(r.word, r.meanings) for r in tables["spoken-fi"].rows] == [(w, (s,)) for w, s in SPOKEN_FI.items()]
    assert [(r.word, r.meanings[0]) for r in tables["prefixes-fi"].rows] == list(SPOKEN_PREFIX_FI)
    assert [(r.word, r.meanings) for r in tables["synonyms-fi"].rows] == list(SYNONYMS_FI.items())
    for lang in ("sv", "en"):
        assert [(r.word, r.meanings) for r in tables[f"synonyms-{lang}"].rows] == list(SYNONYMS_OTHER[lang].items())
    # Each table names the file it comes from, and that file holds exactly these lines.
    for table in tables.values():
        name = table.path.removeprefix("bot/data/")
        assert table.path == f"bot/data/{name}" and (DATA_DIR / name).is_file()
        assert [(r.word, r.meanings) for r in table.rows] == load_table(name)
        assert table.total == len(table.rows)


def test_a_search_narrows_every_table_and_keeps_the_explanations() -> None:
    whole = {table.id: table for language in lexicon() for table in language.tables}
    found = {table.id: table for language in lexicon(" DUUNI ") for table in language.tables}
    assert "duuni" in [r.word for r in found["synonyms-fi"].rows]
    assert "duuni" in [r.word for r in found["prefixes-fi"].rows]
    assert all(r.matches("duuni") for t in found.values() for r in t.rows)
    assert sum(len(t.rows) for t in found.values()) == sum(r.matches("duuni") for t in whole.values() for r in t.rows)
    assert found["synonyms-en"].rows == [] and found["synonyms-en"].total == whole["synonyms-en"].total
    assert all(found[key].explanation == whole[key].explanation for key in whole)
    # A meaning is found too: every line read as "työ".
    by_meaning = {t.id: t for language in lexicon("työ") for t in language.tables}["synonyms-fi"].rows
    assert ("duuni", ("työ",)) in [(r.word, r.meanings) for r in by_meaning]


@pytest.mark.parametrize("username", ["editor", "admin"])
def test_an_editor_reviews_every_list(demo: Any, username: str) -> None:
    client = login(username)
    brain = client.get("/brain/").content.decode()
    # The editor's navigation, next to the crisis signals.
    assert f'<a class="button" href="/brain/signals/">Crisis signals</a>\n    <a class="button" href="{URL}">' in brain
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Words the bot knows</h1>" in page
    # The tables as written: "duuni = työ", a spoken form, a word beginning, a Swedish and an English line.
    assert row("fi", "duuni", ("työ",)) in page
    assert row("fi", "mä", ("minä",)) in page
    prefix, standard = SPOKEN_PREFIX_FI[0]
    assert row("fi", prefix, (standard,)) in page
    assert row("sv", *first(SYNONYMS_OTHER["sv"])) in page
    assert row("en", *first(SYNONYMS_OTHER["en"])) in page
    assert all(row("en", w, m) in page for w, m in SYNONYMS_OTHER["en"].items())
    # Accessible tables: a caption and column headers each, one per list.
    assert page.count("<caption>") == page.count('<table class="brain-table phrase-table word-table">') == 5
    assert page.count('<th scope="col">') == 10
    assert f"<caption>Synonyms (Swedish) · {len(SYNONYMS_OTHER['sv'])} lines</caption>" in page
    # What each list does, with a line of its own as the example, and its file.
    assert escape("Clients write “kämppä”; the bot reads it as “asunto” too") in page
    assert escape("Clients write “mä”; the bot reads it as “minä” before it looks for a topic.") in page
    for name in ("spoken-fi.txt", "spoken-prefixes-fi.txt", "synonyms-fi.txt", "synonyms-sv.txt", "synonyms-en.txt"):
        assert f"From the file <code>bot/data/{name}</code>" in page
    assert "The developers change them" in page
    assert 'href="#synonyms-sv"' in page and 'id="synonyms-sv"' in page


def test_searching_the_lists(demo: Any) -> None:
    client = login("editor")
    page = client.get(URL, {"q": "duuni"}).content.decode()
    assert row("fi", "duuni", ("työ",)) in page
    assert "<code>morsan</code>" not in page and "<code>mä</code>" not in page
    assert escape("No line of this list has “duuni”.") in page
    found = next(t for t in lexicon("duuni")[0].tables if t.kind == "synonyms")
    shown = f"{len(found.rows)} line{'s' if len(found.rows) > 1 else ''} of {found.total} match"
    assert shown in page and f'<a href="{URL}">Show all</a>' in page
    # What the editor typed is shown as text, never as markup.
    hostile = client.get(URL, {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in hostile and escape("“<script>x</script>”") in hostile
    # Too long a search is an error of the field, and every line is shown.
    long = client.get(URL, {"q": "a" * 101}).content.decode()
    assert 'class="field-error"' in long and row("fi", "duuni", ("työ",)) in long


def test_the_page_speaks_finnish_swedish_and_english(demo: Any) -> None:
    client = login("editor")
    fi = client.get(URL, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "<h1>Sanat, jotka botti tuntee</h1>" in fi and "Puhekielen muodot" in fi and "Synonyymit" in fi
    assert "Tiedostosta <code>bot/data/synonyms-fi.txt</code>" in fi and "Etsi sanaa" in fi
    assert "<caption>Synonyymit (Suomi) · " in fi
    sv = client.get(URL, {"q": "duuni"}, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "<h1>Ord som botten känner</h1>" in sv and "Synonymer" in sv and "Läses också som" in sv
    assert escape("Klienter skriver ”kämppä”; botten läser det också som ”asunto”") in sv
    en = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Words the bot knows</h1>" in en and "Spoken word beginnings" in en
    assert "Sanat, jotka botti tuntee" in client.get("/brain/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()


@pytest.mark.parametrize("username", ["counsellor", "volunteer", "supervisor"])
def test_roles_without_brain_rights_get_the_same_refusal_as_on_the_signals_page(demo: Any, username: str) -> None:
    client = login(username)
    other = client.get("/brain/signals/")
    for refused in (client.get(URL), client.get(URL, {"q": "duuni"})):
        assert refused.status_code == other.status_code == 403
        assert refused.content == other.content
    # Read-only: a POST is refused before anything else, as on the signals page.
    assert client.post(URL).status_code == client.post("/brain/signals/").status_code == 405


def test_visitors_are_sent_to_the_login(demo: Any) -> None:
    response = HttpClient().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_no_topic_can_take_the_path_of_the_page() -> None:
    assert "words" in RESERVED_SLUGS
