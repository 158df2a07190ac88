"""The brain editor's drafts, publishing, history, revert and archive; slugs from titles; the live preview.

What an editor and a client would notice: a saved draft changes nothing for
clients (the bot, the API) until it is published; the history shows what
changed between two versions; an archived topic is gone from the bot, the
lists and the follow-ups until restored.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import translation

from bot.actions import (
    do_add_example_question,
    do_archive_topic,
    do_publish_topic,
    do_restore_topic,
    do_revert_topic,
    do_save_draft,
    slug_for_title,
    versions,
    working_data,
)
from bot.cache import get_bot
from bot.history import diff_versions
from bot.models import BrainState, EditKind, ExampleQuestion, Topic, TopicEdit, TopicText, UnansweredQuestion
from tests.bot.test_brain_editor import add_question, edit_data, login, new_topic_data, publish, rent_and_job

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def brain(demo: Any) -> dict[str, Topic]:
    topics = rent_and_job()
    TopicText.objects.create(topic=topics["rent"], language="sv", title="Hyra", answer="Fråga FPA om bostadsbidrag.")
    ExampleQuestion.objects.create(topic=topics["rent"], language="sv", text="hur får jag bostadsbidrag")
    topics["rent"].follow_ups.add(topics["job"])
    return topics


def brain_version() -> int:
    return BrainState.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def ask_api(text: str) -> str:
    response = HttpClient().post("/api/bot/ask", json.dumps({"text": text, "lang": "fi"}), "application/json")
    return str(response.json()["answer"])


def test_slugs_are_made_from_titles() -> None:
    taken = {"vuokra", "asuminen-ja-vuokra"}
    assert slug_for_title("Äitiys ja öinen työ, Åland", taken) == "aitiys-ja-oinen-tyo-aland"
    assert slug_for_title("Vuokra", taken) == "vuokra-2"
    assert slug_for_title("Asuminen ja VUOKRA!", taken) == "asuminen-ja-vuokra-2"
    assert slug_for_title("Try", taken) == "try-2"  # the editor's own page
    assert slug_for_title("???", taken) == "topic"
    assert len(slug_for_title("pitkä " * 40, taken)) <= 80


def test_a_draft_reaches_clients_only_when_published(demo: Any, brain: Any) -> None:
    client = login("editor")
    before = brain_version()
    assert "Kysy <strong>Kelasta</strong>" in ask_api("miten saan asumistukea")

    data = edit_data(brain["rent"])
    data["text-fi-answer"] = "Uusi vastaus: hae **asumistukea** verkossa."
    response = client.post("/brain/housing-rent/", data, follow=True)
    page = response.content.decode()
    assert "The draft was saved" in page and "Unpublished changes" in page
    # The editor sees the draft and its preview; clients (bot, API) and the version row do not move.
    assert "Uusi vastaus" in page and "<strong>asumistukea</strong>" in page
    assert brain_version() == before
    assert "Kysy <strong>Kelasta</strong>" in ask_api("miten saan asumistukea")
    assert get_bot().answer("miten saan asumistukea", "fi").answer.startswith("Kysy")
    tried = client.get("/brain/try/", {"text": "miten saan asumistukea", "lang": "fi"}).content.decode()
    assert "Kelasta" in tried and "Uusi vastaus" not in tried

    publish(client, "housing-rent")
    assert brain_version() > before
    assert "Uusi vastaus" in ask_api("miten saan asumistukea")
    page = client.get("/brain/housing-rent/").content.decode()
    assert "Published: the bot answers with this version." in page
    # Nothing more to publish.
    response = client.post("/brain/housing-rent/publish/", follow=True)
    assert "Nothing to publish" in response.content.decode()


def test_saving_the_published_text_again_leaves_no_draft_and_a_draft_can_be_discarded(demo: Any, brain: Any) -> None:
    client = login("editor")
    rent = brain["rent"]
    response = client.post("/brain/housing-rent/", edit_data(rent), follow=True)
    assert "Nothing had changed" in response.content.decode()
    data = edit_data(rent)
    data["text-sv-title"] = "Hyran"
    client.post("/brain/housing-rent/", data)
    rent.refresh_from_db()
    assert rent.draft["languages"]["sv"]["title"] == "Hyran"
    assert client.post("/brain/housing-rent/discard/")["Location"] == "/brain/housing-rent/"
    rent.refresh_from_db()
    assert rent.draft is None and rent.texts.get(language="sv").title == "Hyra"


def test_publishing_needs_the_finnish_text(demo: Any, brain: Any) -> None:
    editor = demo["staff"]["editor"]
    rent = brain["rent"]
    data = working_data(rent)
    del data["languages"]["fi"]
    do_save_draft(editor, rent, data)
    with pytest.raises(ValidationError) as error:
        do_publish_topic(editor, rent)
    assert error.value.code == "finnish"
    assert rent.texts.filter(language="fi").exists()
    with pytest.raises(PermissionDenied):
        do_publish_topic(demo["staff"]["counsellor"], rent)


def test_the_history_shows_the_differences_and_reverts_to_a_draft(demo: Any, brain: Any) -> None:
    client = login("editor")
    rent = brain["rent"]
    data = edit_data(rent)
    data["text-fi-answer"] = "Kysy **Kelasta** asumistukea ja yleistä tukea."
    data["text-sv-title"] = "Hyra och bidrag"
    add_question(data, "fi", "saako opiskelija asumistukea")
    client.post("/brain/housing-rent/", data)
    publish(client, "housing-rent")
    found = versions(rent)
    # What the topic held before its first draft comes first (it was made outside the editor).
    assert [v.kind for v in found] == [EditKind.PUBLISHED, EditKind.DRAFT, EditKind.BASELINE]
    assert found[1].staff == demo["staff"]["editor"]
    page = client.get("/brain/housing-rent/history/", {"old": found[2].pk, "new": found[1].pk}).content.decode()
    assert "Changes from version 1 to version 2" in page and "Hyra och bidrag" in page

    # Two versions before the first: compared by default, newest with the one before.
    assert found[0].data is not None
    old = {
        **{k: v for k, v in found[0].data.items() if k != "follow_ups"},
        "languages": {"fi": {"title": "Vuokra", "questions": ["miten saan asumistukea"], "answer": "Kysy."}},
    }
    first = TopicEdit.objects.create(topic=rent, kind=EditKind.BASELINE, data=old)
    TopicEdit.objects.filter(pk=first.pk).update(at=found[2].at - timedelta(days=1))
    page = client.get("/brain/housing-rent/history/").content.decode()
    assert "Changes from version 3 to version 4" in page
    assert "No differences" in page  # the draft and what was published from it are the same

    page = client.get("/brain/housing-rent/history/", {"old": first.pk, "new": found[0].pk}).content.decode()
    assert "Changes from version 1 to version 4" in page
    assert "<h3>Swedish</h3>" in page and "Hyra och bidrag" in page
    assert "saako opiskelija asumistukea" in page
    assert "Työnhaku" in page  # the follow-up, by its title

    response = client.post(f"/brain/housing-rent/history/{first.pk}/revert/", follow=True)
    assert "The earlier version is now the draft" in response.content.decode()
    rent.refresh_from_db()
    assert rent.draft is not None and rent.draft["languages"]["fi"]["answer"] == "Kysy."
    assert "Kysy <strong>Kelasta</strong> asumistukea ja" in ask_api("miten saan asumistukea")
    publish(client, "housing-rent")
    assert ask_api("miten saan asumistukea") == "<p>Kysy.</p>"
    assert versions(rent)[1].kind == EditKind.REVERTED

    with pytest.raises(ValidationError):
        do_revert_topic(demo["staff"]["editor"], brain["job"], first.pk)  # another topic's version


def test_word_by_word_differences() -> None:
    old = {
        "area": "housing",
        "languages": {"fi": {"title": "Vuokra", "questions": ["a", "b"], "answer": "Kysy Kelasta."}},
    }
    new = {
        "area": "asuminen",
        "languages": {"fi": {"title": "Vuokra", "questions": ["b", "c"], "answer": "Kysy heti Kelasta."}},
    }
    with translation.override("en"):
        sections = diff_versions(old, new)
    assert [s.title for s in sections] == ["Topic", "Finnish"]
    answer = next(f for f in sections[1].fields if f.label == "Answer")
    assert [(p.op, p.text) for p in answer.pieces] == [("equal", "Kysy "), ("insert", "heti "), ("equal", "Kelasta.")]
    questions = next(f for f in sections[1].fields if f.label == "Example questions")
    assert (questions.removed, questions.added) == (["a"], ["c"])
    assert diff_versions(old, old) == []


def test_archived_topics_leave_the_bot_the_lists_and_the_follow_ups_until_restored(demo: Any, brain: Any) -> None:
    client = login("editor")
    assert get_bot().answer("miten haen töitä", "fi").topic == "work-jobsearch"
    assert get_bot().answer("miten saan asumistukea", "fi").suggestions == [
        {"slug": "work-jobsearch", "title": "Työnhaku"}
    ]
    page = client.get("/brain/work-jobsearch/").content.decode()
    assert "stop offering it until it is restored" in page and "Vuokra" in page

    response = client.post("/brain/work-jobsearch/archive/", follow=True)
    assert "Archived." in response.content.decode()
    assert get_bot().answer("miten haen töitä", "fi").topic != "work-jobsearch"
    assert get_bot().answer("miten saan asumistukea", "fi").suggestions == []
    assert "Työnhaku" not in client.get("/brain/").content.decode()
    assert "Työnhaku" in client.get("/brain/", {"status": "archived"}).content.decode()
    assert 'value="work-jobsearch"' not in client.get("/brain/housing-rent/").content.decode()
    # The link is kept, so the restored topic is offered again.
    assert list(brain["rent"].follow_ups.all()) == [brain["job"]]

    response = client.post("/brain/work-jobsearch/restore/", follow=True)
    assert "Restored." in response.content.decode()
    assert get_bot().answer("miten haen töitä", "fi").topic == "work-jobsearch"
    assert get_bot().answer("miten saan asumistukea", "fi").suggestions == [
        {"slug": "work-jobsearch", "title": "Työnhaku"}
    ]
    editor = demo["staff"]["editor"]
    crisis = Topic.objects.create(slug="crisis", area="special", status="published")
    with pytest.raises(ValidationError):
        do_archive_topic(editor, crisis)
    with pytest.raises(ValidationError):
        do_restore_topic(editor, brain["job"])


def test_export_writes_what_clients_see(demo: Any, brain: Any, tmp_path: Path) -> None:
    editor = demo["staff"]["editor"]
    data = working_data(brain["rent"])
    data["languages"]["fi"]["answer"] = "Luonnos, jota kukaan ei vielä näe."
    do_save_draft(editor, brain["rent"], data)
    do_archive_topic(editor, brain["job"])
    client = login("editor")
    client.post("/brain/new/", new_topic_form("Harrastukset", "Kysy nuorisotalolta.", "mitä voin harrastaa"))
    client.post("/brain/new/", new_topic_form("Kesken", "Ei vielä esimerkkikysymyksiä."))  # not publishable yet
    call_command("brain", "export", str(tmp_path), stdout=StringIO())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["harrastukset.yaml", "housing-rent.yaml"]
    rent = yaml.safe_load((tmp_path / "housing-rent.yaml").read_text(encoding="utf-8"))
    assert rent["status"] == "published" and "follow_ups" not in rent  # its follow-up is archived
    assert rent["languages"]["fi"]["answer"] == "Kysy **Kelasta** asumistukea."
    hobby = yaml.safe_load((tmp_path / "harrastukset.yaml").read_text(encoding="utf-8"))
    assert hobby["status"] == "draft" and hobby["languages"]["fi"]["title"] == "Harrastukset"
    # Importing the export again changes nothing that clients see, and keeps the draft.
    call_command("brain", "import", str(tmp_path), stdout=StringIO())
    brain["rent"].refresh_from_db()
    assert brain["rent"].draft is not None


def new_topic_form(title: str, answer: str, question: str = "") -> dict[str, str]:
    data = new_topic_data("leisure", **{"text-fi-title": title, "text-fi-answer": answer})
    if question:
        add_question(data, "fi", question)
    return data


def test_an_example_question_reaches_the_bot_at_once_and_stays_in_the_draft(demo: Any, brain: Any) -> None:
    editor = demo["staff"]["editor"]
    rent = brain["rent"]
    data = working_data(rent)
    data["languages"]["fi"]["answer"] = "Luonnos."
    do_save_draft(editor, rent, data)
    do_add_example_question(editor, rent, "fi", "vuokranantaja nostaa vuokraa")
    assert get_bot().answer("vuokranantaja nostaa vuokraa", "fi").topic == "housing-rent"
    rent.refresh_from_db()
    assert "vuokranantaja nostaa vuokraa" in rent.draft["languages"]["fi"]["questions"]
    do_publish_topic(editor, rent)
    assert rent.questions.filter(text="vuokranantaja nostaa vuokraa").exists()


def test_titles_in_the_editors_language_and_others_marked(demo: Any, brain: Any) -> None:
    client = login("editor")
    page = client.get("/brain/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert '<span lang="sv">Hyra</span>' in page
    assert '<span lang="fi">Työnhaku</span></a> <span class="small-text muted">(' in page
    assert "housing-rent" not in page.split("<tbody>")[1].replace('href="/brain/housing-rent/"', "")
    found = client.get("/brain/", {"q": "hyra", "area": "housing"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vuokra" in found and "Työnhaku" not in found


def test_the_preview_renders_as_the_client_sees_it(demo: Any, brain: Any) -> None:
    client = login("editor")
    referrals = [
        {"name": "Kela", "url": "https://www.kela.fi", "phone": "020 692 210", "hours": "ma–pe 9–16"},
        {"name": "Huijaus", "url": "javascript:alert(1)"},
        {"name": "", "url": "https://empty.example"},
    ]
    response = client.post(
        "/brain/preview/",
        {"lang": "fi", "answer": "Hae **tukea** <script>x</script>", "referrals": json.dumps(referrals)},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>tukea</strong>" in html and "<script>" not in html
    assert 'href="https://www.kela.fi"' in html and 'class="k-help-title"' in html and "020 692 210" in html
    assert "javascript:" not in html.split("k-help-address")[0]
    assert "empty.example" not in html
    assert client.post("/brain/preview/", {"lang": "de", "answer": "x"}).status_code == 400
    assert client.post("/brain/preview/", {"lang": "fi", "referrals": "[1]"}).status_code == 400
    assert client.get("/brain/preview/").status_code == 405
    assert login("counsellor").post("/brain/preview/", {"lang": "fi", "answer": "x"}).status_code == 403


def test_add_as_example_preselects_only_a_confident_topic(demo: Any, brain: Any) -> None:
    UnansweredQuestion.objects.create(language="fi", text="miten saan asumistukea", normalised="a", best_guess="")
    UnansweredQuestion.objects.create(
        language="fi", text="qwerty blorp", normalised="b", best_guess="housing-rent", count=2
    )
    page = login("editor").get("/brain/unanswered/").content.decode()
    unsure, confident = page.split('<tbody id="question-')[1:3]
    assert "qwerty blorp" in unsure  # the most asked first
    assert " selected" not in unsure and "not a confident match" in unsure
    assert 'value="housing-rent" selected' in confident and "not a confident match" not in confident
    assert 'data-combobox="single"' in page
