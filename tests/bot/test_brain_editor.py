"""The brain editor in the staff UI: who may use it, the list, editing with formsets and the try box."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from bot.cache import get_bot
from bot.models import ExampleQuestion, Referral, Topic, TopicEdit, TopicText
from common.languages import language_codes
from demo.data import DEMO_PASSWORD
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

OTP_ROLES = {"admin", "supervisor"}
LANGS = language_codes()


def login(username: str) -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return client


def make_topic(slug: str, area: str, title: str, answer: str, questions: list[str]) -> Topic:
    topic = Topic.objects.create(slug=slug, area=area, status="published")
    TopicText.objects.create(topic=topic, language="fi", title=title, answer=answer)
    for text in questions:
        ExampleQuestion.objects.create(topic=topic, language="fi", text=text)
    return topic


def rent_and_job() -> dict[str, Topic]:
    """Two published topics in Finnish: housing-rent and work-jobsearch, three example questions each."""
    rent = make_topic(
        "housing-rent",
        "housing",
        "Vuokra",
        "Kysy **Kelasta** asumistukea.",
        ["miten saan asumistukea", "vuokra on liian kallis", "en pysty maksamaan vuokraa"],
    )
    job = make_topic(
        "work-jobsearch",
        "work",
        "Työnhaku",
        "Ilmoittaudu työnhakijaksi TE-palveluihin.",
        ["miten haen töitä", "en löydä kesätöitä", "työpaikka hakemus apua"],
    )
    return {"rent": rent, "job": job}


@pytest.fixture
def brain(demo: Any) -> dict[str, Topic]:
    topics = rent_and_job()
    Referral.objects.create(topic=topics["rent"], language="fi", name="Kela", url="https://www.kela.fi")
    return topics


def management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def edit_data(topic: Topic) -> dict[str, Any]:
    """The edit form of `topic` posted back unchanged, as a browser would (from what clients see)."""
    data: dict[str, Any] = {"area": topic.area, "handoff_desk": topic.handoff_desk.slug if topic.handoff_desk else ""}
    follow_ups = [t.slug for t in topic.follow_ups.all()]
    for lang in LANGS:
        text = topic.texts.filter(language=lang).first()
        data[f"text-{lang}-title"] = text.title if text else ""
        data[f"text-{lang}-answer"] = text.answer if text else ""
        data[f"text-{lang}-plain_answer"] = text.plain_answer if text else ""
        questions = list(topic.questions.filter(language=lang))
        data |= management(f"q-{lang}", len(questions), len(questions))
        for i, q in enumerate(questions):
            data[f"q-{lang}-{i}-text"] = q.text
        referrals = list(topic.referrals.filter(language=lang))
        data |= management(f"r-{lang}", len(referrals), len(referrals))
        for i, r in enumerate(referrals):
            data |= {
                f"r-{lang}-{i}-name": r.name,
                f"r-{lang}-{i}-url": r.url,
                f"r-{lang}-{i}-phone": r.phone,
                f"r-{lang}-{i}-hours": r.hours,
            }
    return data | ({"follow_ups": follow_ups} if follow_ups else {})


def publish(client: HttpClient, slug: str) -> None:
    response = client.post(f"/brain/{slug}/publish/")
    assert response.status_code == 302 and response["Location"] == f"/brain/{slug}/"


def add_question(data: dict[str, Any], lang: str, text: str) -> None:
    prefix = f"q-{lang}"
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-{index}-text"] = text
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


@pytest.mark.parametrize("username", ["counsellor", "volunteer", "supervisor"])
def test_roles_without_brain_rights_get_403(brain: Any, username: str) -> None:
    client = login(username)
    for url in ("/brain/", "/brain/new/", "/brain/try/?text=vuokra", "/brain/housing-rent/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/brain/housing-rent/", edit_data(brain["rent"])).status_code == 403


def test_an_editor_lands_on_the_brain_after_login(brain: Any) -> None:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/staff/login/", {"username": "editor", "password": DEMO_PASSWORD})
    assert response["Location"] == "/brain/"
    page = client.get("/brain/").content.decode()
    assert 'href="/console/canned/"' not in page  # editors answer no clients
    assert login("counsellor").get("/staff/login/")["Location"] == "/console/"


def test_the_editor_speaks_finnish_and_swedish(brain: Any) -> None:
    client = login("editor")
    assert "Kokeile bottia" in client.get("/brain/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Ämne" in client.get("/brain/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Tallenna luonnos" in client.get("/brain/housing-rent/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()


def test_login_is_required(brain: Any) -> None:
    response = HttpClient().get("/brain/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@pytest.mark.parametrize("username", ["editor", "admin"])
def test_editors_and_admins_list_and_search(brain: Any, username: str) -> None:
    client = login(username)
    page = client.get("/brain/").content.decode()
    assert "Vuokra" in page and "Työnhaku" in page
    assert "fi 3 · sv 0 · en 0" in page
    assert 'href="/brain/try/"' in page

    for query in ("VUOK", "asumistukea", "kesätöitä"):
        found = client.get("/brain/", {"q": query}).content.decode()
        assert ("Vuokra" in found) == (query != "kesätöitä"), query
        assert ("Työnhaku" in found) == (query == "kesätöitä"), query
    by_area = client.get("/brain/", {"area": "work"}).content.decode()
    assert "Työnhaku" in by_area and "Vuokra" not in by_area
    assert "Vuokra" not in client.get("/brain/", {"status": "draft"}).content.decode()


def test_editor_edits_answer_and_question_and_the_bot_answers_with_the_new_text(demo: Any, brain: Any) -> None:
    client = login("editor")
    rent = brain["rent"]
    assert client.get("/brain/housing-rent/").status_code == 200
    bot = get_bot()
    assert "Kelasta" in bot.answer("miten saan asumistukea", "fi").answer

    data = edit_data(rent)
    data["text-fi-answer"] = "Hae **asumistukea** Kelasta: [kela.fi](https://www.kela.fi)."
    data["q-fi-0-text"] = "mistä saan asumistukea opiskelijana"
    add_question(data, "fi", "vuokranantaja korottaa vuokraa")
    data["text-en-title"] = "Rent"
    data["text-en-answer"] = "Ask Kela about **housing allowance**."
    add_question(data, "en", "how do I get housing allowance")
    data["follow_ups"] = "work-jobsearch"
    response = client.post("/brain/housing-rent/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    # A draft: clients still get the published answer.
    assert "Kelasta" in get_bot().answer("miten saan asumistukea", "fi").answer
    assert not rent.texts.filter(language="en").exists()
    publish(client, "housing-rent")

    texts = set(rent.questions.filter(language="fi").values_list("text", flat=True))
    assert "mistä saan asumistukea opiskelijana" in texts
    assert "vuokranantaja korottaa vuokraa" in texts
    assert "miten saan asumistukea" not in texts
    assert rent.texts.get(language="en").title == "Rent"
    assert list(rent.follow_ups.all()) == [brain["job"]]

    edit = TopicEdit.objects.filter(topic=rent).first()
    assert edit is not None and edit.staff == demo["staff"]["editor"]
    rent.refresh_from_db()
    assert rent.updated_by == demo["staff"]["editor"]

    page = client.get("/brain/housing-rent/").content.decode()
    assert "<strong>asumistukea</strong>" in page  # the rendered preview
    assert "Latest edits" in page and demo["staff"]["editor"].public_name in page

    answer = get_bot().answer("vuokranantaja korottaa vuokraa", "fi")
    assert answer.topic == "housing-rent"
    assert answer.suggestions == [{"slug": "work-jobsearch", "title": "Työnhaku"}]
    assert "Hae <strong>asumistukea</strong>" in answer.answer_html
    assert get_bot().answer("how do I get housing allowance", "en").answer.startswith("Ask Kela")

    tried = client.get("/brain/try/", {"text": "vuokranantaja korottaa vuokraa", "lang": "fi"}).content.decode()
    assert "housing-rent" in tried
    assert "Hae <strong>asumistukea</strong>" in tried
    assert "Best topics" in tried and "Matched words" in tried


def test_removing_a_question_and_a_referral(brain: Any) -> None:
    client = login("editor")
    rent = brain["rent"]
    data = edit_data(rent)
    data["q-fi-1-DELETE"] = "on"
    data["r-fi-0-DELETE"] = "on"
    assert client.post("/brain/housing-rent/", data).status_code == 302
    publish(client, "housing-rent")
    assert rent.questions.count() == 2
    assert not rent.referrals.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"q-fi-1-text": "miten saan asumistukea"}, "This question is already in the list."),
        ({"r-fi-0-url": "ei osoite"}, "Enter a valid URL."),
        ({"text-fi-answer": ""}, "Give both a title and an answer, or leave the language empty."),
        ({"text-sv-title": "Hyra"}, "Give both a title and an answer, or leave the language empty."),
        ({"area": " "}, "This field is required."),
    ],
)
def test_an_invalid_form_shows_errors_and_saves_nothing(brain: Any, change: dict[str, str], message: str) -> None:
    client = login("editor")
    rent = brain["rent"]
    data = edit_data(rent)
    data["text-fi-title"] = "Uusi otsikko"
    add_question(data, "fi", "uusi kysymys joka ei tallennu")
    data |= change
    response = client.post("/brain/housing-rent/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert message in page
    assert rent.texts.get(language="fi").title == "Vuokra"
    assert not rent.questions.filter(text="uusi kysymys joka ei tallennu").exists()
    rent.refresh_from_db()
    assert rent.draft is None
    assert not TopicEdit.objects.filter(topic=rent).exists()


def new_topic_data(area: str = "money", **texts: str) -> dict[str, str]:
    """The new-topic form, empty in every language but `texts` (field names such as text-fi-title)."""
    data = {"area": area, "handoff_desk": ""}
    for lang in LANGS:
        data |= {f"text-{lang}-title": "", f"text-{lang}-answer": "", f"text-{lang}-plain_answer": ""}
        data |= management(f"q-{lang}", 0, 0) | management(f"r-{lang}", 0, 0)
    return data | texts


def test_editor_creates_a_topic_by_its_title_and_publishes_it(demo: Any, brain: Any) -> None:
    client = login("editor")
    assert client.get("/brain/new/").status_code == 200
    data = new_topic_data(**{"text-fi-title": "Rahat ja säästäminen", "text-fi-answer": "Tee budjetti."})
    data["handoff_desk"] = "youth"
    add_question(data, "fi", "rahat loppuu aina kesken")

    response = client.post("/brain/new/", data | {"area": " "})
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    response = client.post("/brain/new/", new_topic_data())
    assert response.status_code == 200 and "Give the topic a title" in response.content.decode()
    assert not Topic.objects.filter(area="money").exists()

    response = client.post("/brain/new/", data)
    assert response.status_code == 302
    # The slug is made from the title, ä transliterated; nobody typed it.
    assert response["Location"] == "/brain/rahat-ja-saastaminen/"
    topic = Topic.objects.get(slug="rahat-ja-saastaminen")
    assert topic.status == "draft" and topic.draft is not None
    assert TopicEdit.objects.get(topic=topic).staff == demo["staff"]["editor"]
    assert get_bot().answer("rahat loppuu aina kesken", "fi").topic != "rahat-ja-saastaminen"

    # The same title again gets a slug of its own.
    assert client.post("/brain/new/", data)["Location"] == "/brain/rahat-ja-saastaminen-2/"

    publish(client, "rahat-ja-saastaminen")
    topic.refresh_from_db()
    assert topic.status == "published" and topic.draft is None
    assert topic.handoff_desk == demo["desks"]["youth"]
    assert topic.questions.get().text == "rahat loppuu aina kesken"
    assert get_bot().answer("rahat loppuu aina kesken", "fi").topic == "rahat-ja-saastaminen"


def test_try_box_explains_the_ranking(brain: Any) -> None:
    client = login("editor")
    assert client.get("/brain/try/").status_code == 200
    page = client.get("/brain/try/", {"text": "en löydä kesätöitä", "lang": ""}).content.decode()
    assert "work-jobsearch" in page
    assert "Language detected" in page
    assert "Ilmoittaudu työnhakijaksi" in page
    empty = client.get("/brain/try/", {"text": ""}).content.decode()
    assert "This field is required." in empty
