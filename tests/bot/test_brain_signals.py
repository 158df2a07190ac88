"""The brain editor's crisis signals page /brain/signals/: the warning signs for review, and a message tested."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern
from django.utils.html import escape

from bot.crisis import SIGNALS, SIGNS, signal_lists
from bot.crisis_review import SIGN_TEXTS
from bot.editor_urls import urlpatterns as editor_urlpatterns
from bot.forms import RESERVED_SLUGS
from tests.bot.test_brain_editor import LANGS, login, management

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/brain/signals/"


def code(text: str) -> str:
    """A phrase as the page shows it."""
    return f"<code>{escape(text)}</code>"


def phrase(sign: str, lang: str) -> str:
    """The first phrase of `sign` in `lang`, as written in the signal file."""
    return next(s.phrase.text for s in SIGNALS if s.sign == sign and s.lang == lang)


def test_every_sign_of_the_file_has_a_name_and_a_description() -> None:
    assert set(SIGN_TEXTS) == set(SIGNS)
    assert all(str(text.name) and str(text.description).endswith(".") for text in SIGN_TEXTS.values())


@pytest.mark.parametrize("username", ["editor", "admin"])
def test_an_editor_reviews_every_sign_and_list(demo: Any, username: str) -> None:
    client = login(username)
    assert f'href="{URL}"' in client.get("/brain/").content.decode()  # the editor's navigation
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for text in SIGN_TEXTS.values():
        assert escape(str(text.name)) in page and escape(str(text.description)) in page
    assert code(phrase("wish_to_die", "fi")) in page
    assert code(phrase("wish_to_die", "sv")) in page and code(phrase("violence_now", "en")) in page
    lists = signal_lists()
    assert code(lists.harmless[0]) in page
    assert code(lists.past[0]) in page and code(lists.still[0]) in page
    assert f'<code lang="fi">{escape(lists.baseforms[0][1])}</code>' in page
    # The pattern language, the second net and who changes the file.
    assert "<code>halu*</code>" in page and "<code>~3</code>" in page and "<code>~0</code>" in page
    assert "<code>bot/data/crisis-signals.yaml</code>" in page
    assert "example questions are a second net" in page
    # No result before a message is tested.
    assert 'id="check-result"' not in page


def test_testing_a_message_shows_its_signs_and_both_nets(demo: Any) -> None:
    client = login("editor")
    page = client.get(URL, {"text": "haluun kuolla"}).content.decode()
    assert 'id="check-result"' in page
    assert "Flagged: the client would get the crisis guidance." in page
    result = page[page.index('id="check-result"') : page.index('id="contents-heading"')]
    assert '<a href="#sign-wish_to_die">Wish to die</a>' in result
    assert "<code>haluun kuolla</code>" in result  # the words that matched
    assert code(phrase("wish_to_die", "fi")) in result  # by which phrase
    # The crisis topic's examples (the starter brain's here) flag it too.
    assert "Flagged: close to the example question “haluun kuolla”" in result

    # A harmless idiom is taken out before the signs are looked for (the page shows what is left).
    harmless = client.get(URL, {"text": "kuolin nauruun eilen"}).content.decode()
    assert "No phrase or base-form rule matched." in harmless and "<code>eilen</code>" in harmless

    # Past self-harm is set aside, and the page says why.
    past = client.get(URL, {"text": "viiltelin vuosia sitten mut nyt menee hyvin"}).content.decode()
    assert "The message tells of the past" in past and "No phrase or base-form rule matched." in past

    calm = client.get(URL, {"text": "miten haen kesätöitä"}).content.decode()
    assert "Not flagged." in calm and "not close enough to any example question" in calm

    empty = client.get(URL, {"text": " "}).content.decode()
    assert "This field is required." in empty and 'id="check-result"' not in empty


def test_the_page_speaks_finnish_and_swedish(demo: Any) -> None:
    client = login("editor")
    fi = client.get(URL, {"text": "haluun kuolla"}, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Kriisin merkit" in fi and "Kuolemantoive" in fi and "Kokeile viestiä" in fi
    assert "Liputettu: asiakas saisi kriisiohjeet." in fi and "Harmittomat sanonnat" in fi
    sv = client.get(URL, {"text": "haluun kuolla"}, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Krissignaler" in sv and "Önskan att dö" in sv and "Testa ett meddelande" in sv
    assert "Flaggat: klienten skulle få krisinstruktionerna." in sv and "Harmlösa uttryck" in sv
    assert "Kriisin merkit" in login("editor").get("/brain/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()


@pytest.mark.parametrize("username", ["counsellor", "volunteer", "supervisor"])
def test_roles_without_brain_rights_get_the_same_refusal_as_on_other_brain_pages(demo: Any, username: str) -> None:
    client = login(username)
    other = client.get("/brain/try/", {"text": "haluun kuolla"})
    for refused in (client.get(URL), client.get(URL, {"text": "haluun kuolla"})):
        assert refused.status_code == other.status_code == 403
        assert refused.content == other.content
    # Read-only: a POST is refused before anything else, as on "try the bot".
    assert client.post(URL, {"text": "haluun kuolla"}).status_code == client.post("/brain/try/").status_code == 405


def test_visitors_are_sent_to_the_login(demo: Any) -> None:
    response = HttpClient().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_no_topic_can_take_the_path_of_an_editor_page(demo: Any) -> None:
    fixed = {
        str(p.pattern).split("/")[0]
        for p in editor_urlpatterns
        if isinstance(p, URLPattern) and str(p.pattern) and "<" not in str(p.pattern).split("/")[0]
    }
    assert "signals" in fixed
    assert fixed <= RESERVED_SLUGS
    client = login("editor")
    data = {"area": "general", "handoff_desk": ""}
    for lang in LANGS:
        data |= {f"text-{lang}-title": "", f"text-{lang}-answer": "", f"text-{lang}-plain_answer": ""}
        data |= management(f"q-{lang}", 0, 0) | management(f"r-{lang}", 0, 0)
    # A topic titled like an editor's page gets a slug of its own (slugs are made from titles).
    response = client.post("/brain/new/", data | {"text-fi-title": "Signals", "text-fi-answer": "Vastaus."})
    assert response["Location"] == "/brain/signals-2/"
