"""What clients tell the editors, in the brain editor: unanswered questions to learn from, votes per topic."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from bot.actions import do_add_example_question
from bot.cache import get_bot
from bot.feedback import do_record_unanswered
from bot.models import AnswerVote, ExampleQuestion, Topic, TopicEdit, TopicText, UnansweredQuestion
from tests.bot.test_brain_editor import login, make_topic, rent_and_job

pytestmark = pytest.mark.django_db(transaction=True)

MOULD = "kämpässä on hometta ja isäntä ei tee mitään"


@pytest.fixture
def brain(demo: Any) -> dict[str, Topic]:
    topics = rent_and_job()
    rent, job = topics["rent"], topics["job"]
    TopicText.objects.create(topic=rent, language="sv", title="Hyra", answer="Fråga FPA om bostadsbidrag.")
    draft = make_topic("money-budget", "money", "Budjetti", "Tee budjetti.", ["rahat loppuu"])
    Topic.objects.filter(pk=draft.pk).update(status="draft")
    return {"rent": rent, "job": job, "draft": draft}


def asked(text: str, language: str = "fi", times: int = 1, best_guess: str = "") -> UnansweredQuestion:
    question = None
    for _ in range(times):
        question = do_record_unanswered(text, language, best_guess)
    assert question is not None
    return question


def state() -> tuple[list[tuple[str, str, str]], list[str], int]:
    """Everything a refused add must leave as it was."""
    return (
        sorted(ExampleQuestion.objects.values_list("topic__slug", "language", "text")),
        sorted(UnansweredQuestion.objects.values_list("text", flat=True)),
        TopicEdit.objects.count(),
    )


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- The list --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["editor", "admin"])
def test_the_list_shows_the_most_asked_first(brain: Any, username: str) -> None:
    asked("onko kesällä nuorisotalo auki", times=2)
    asked(MOULD, times=5, best_guess="housing-rent")
    asked("var kan jag simma gratis", "sv")
    client = login(username)
    page = client.get("/brain/unanswered/").content.decode()
    assert "3 unanswered questions" in page
    assert page.index(MOULD) < page.index("onko kesällä nuorisotalo auki") < page.index("var kan jag simma gratis")
    assert "Swedish" in page and "Finnish" in page
    # The closest topic is named by its title (here only in Finnish, so marked) and linked.
    assert '<a href="/brain/housing-rent/">Vuokra (fi)</a>' in page
    mould = UnansweredQuestion.objects.get(text=MOULD)
    row = page[page.index(f'id="question-{mould.pk}"') :]
    row = row[: row.index("</tbody>")]
    assert ">5<" in row
    # Not preselected: the bot does not answer the question with it (a confident match would be).
    assert '<option value="housing-rent">Vuokra (fi)</option>' in row and " selected" not in row
    assert "not a confident match" in row
    assert "Add as example question" in row and "Dismiss" in row
    assert f'action="/brain/unanswered/{mould.pk}/add/"' in row
    assert f'formaction="/brain/unanswered/{mould.pk}/dismiss/"' in row
    # Drafts can be chosen too; the crisis and hand-off topics cannot.
    assert 'value="money-budget"' in row and 'value="crisis"' not in row
    # Found by typing a few letters of the title (bot/static/bot/editor.js), or from the plain list.
    assert 'data-combobox="single"' in row


def test_the_list_filters_by_language_and_pages_by_fifty(brain: Any) -> None:
    UnansweredQuestion.objects.bulk_create(
        UnansweredQuestion(
            language="fi",
            text=f"kysymys numero {chr(97 + i // 26)}{chr(97 + i % 26)}",
            normalised=f"k{i}",
            count=100 - i,
        )
        for i in range(55)
    )
    asked("var kan jag simma gratis", "sv")
    client = login("editor")
    first = client.get("/brain/unanswered/", {"lang": "fi"}).content.decode()
    assert "55 unanswered questions" in first
    assert first.count("Add as example question") == 50
    assert "var kan jag simma gratis" not in first
    assert "Page 1 of 2" in first and "?lang=fi&amp;page=2" in first
    second = client.get("/brain/unanswered/", {"lang": "fi", "page": "2"}).content.decode()
    assert second.count("Add as example question") == 5
    assert "kysymys numero cc" in second  # the least asked is last
    swedish = client.get("/brain/unanswered/", {"lang": "sv"}).content.decode()
    assert "1 unanswered question<" in swedish and "var kan jag simma gratis" in swedish
    # A page out of range shows the last one, nonsense the first.
    assert client.get("/brain/unanswered/", {"page": "99"}).status_code == 200
    assert client.get("/brain/unanswered/", {"page": "x", "lang": "xx"}).status_code == 200


def test_the_topic_list_links_to_the_unanswered_questions_with_their_number(brain: Any) -> None:
    asked(MOULD)
    asked("onko kesällä nuorisotalo auki")
    page = login("editor").get("/brain/").content.decode()
    assert '<a class="button" href="/brain/unanswered/">2 unanswered questions</a>' in page


def test_phone_numbers_and_email_addresses_are_masked(brain: Any) -> None:
    asked("soita mulle 040 123 4567 tai laita viestiä matti.meikalainen@example.com")
    page = login("editor").get("/brain/unanswered/").content.decode()
    assert "soita mulle [number] tai laita viestiä [email]" in page
    assert "4567" not in page and "example.com" not in page


def test_an_empty_list_says_so(brain: Any) -> None:
    page = login("editor").get("/brain/unanswered/").content.decode()
    assert "No unanswered questions." in page


# --- Adding and dismissing ----------------------------------------------------------


def test_one_step_add_teaches_the_bot_and_takes_the_question_off_the_list(demo: Any, brain: Any) -> None:
    question = asked(MOULD, times=3, best_guess="work-jobsearch")
    assert get_bot().answer(MOULD, "fi").topic != "housing-rent"
    client = login("editor")
    response = client.post(
        f"/brain/unanswered/{question.pk}/add/", {"topic": "housing-rent", "lang": "fi", "page": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/brain/unanswered/?lang=fi&page=1"

    rent = brain["rent"]
    assert rent.questions.filter(language="fi", text=MOULD).exists()
    assert not UnansweredQuestion.objects.exists()
    edit = TopicEdit.objects.get(topic=rent)
    assert edit.staff == demo["staff"]["editor"]
    assert MOULD in edit.summary
    rent.refresh_from_db()
    assert rent.updated_by == demo["staff"]["editor"]

    followed = client.get(response["Location"])
    assert messages_of(followed) == [f"“{MOULD}” is now an example question of the topic Vuokra (fi)."]
    assert "autofocus" in followed.content.decode()
    assert get_bot().answer(MOULD, "fi").topic == "housing-rent"


def test_a_question_keeps_its_language(brain: Any) -> None:
    question = asked("jag har inte råd med hyran i studentbostaden", "sv")
    response = login("editor").post(f"/brain/unanswered/{question.pk}/add/", {"topic": "housing-rent"})
    assert response["Location"] == "/brain/unanswered/"
    added = ExampleQuestion.objects.get(text="jag har inte råd med hyran i studentbostaden")
    assert (added.topic.slug, added.language) == ("housing-rent", "sv")
    assert get_bot().answer("jag har inte råd med hyran i studentbostaden", "sv").topic == "housing-rent"


def test_adding_to_a_draft_says_the_bot_waits_for_publishing(brain: Any) -> None:
    question = asked("rahat loppuu aina ennen kuun loppua")
    client = login("editor")
    response = client.post(f"/brain/unanswered/{question.pk}/add/", {"topic": "money-budget"}, follow=True)
    assert brain["draft"].questions.filter(text="rahat loppuu aina ennen kuun loppua").exists()
    assert "once it is published" in messages_of(response)[0]


def test_dismiss_takes_the_question_off_the_list_and_teaches_nothing(brain: Any) -> None:
    question = asked("mikä on lempivärisi")
    other = asked(MOULD)
    before = ExampleQuestion.objects.count()
    client = login("editor")
    response = client.post(
        f"/brain/unanswered/{question.pk}/dismiss/", {"topic": "housing-rent", "lang": "", "page": "1"}
    )
    assert response["Location"] == "/brain/unanswered/?page=1"
    assert list(UnansweredQuestion.objects.all()) == [other]
    assert ExampleQuestion.objects.count() == before
    assert not TopicEdit.objects.exists()
    assert messages_of(client.get(response["Location"])) == ["“mikä on lempivärisi” was dismissed."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"topic": "no-such-topic"}, "That topic does not exist (any more). Choose another one."),
        ({"topic": "crisis"}, "That topic does not exist (any more). Choose another one."),
        ({"topic": ""}, "Choose the topic to add the question to."),
        ({}, "Choose the topic to add the question to."),
        (
            {"topic": "housing-rent"},
            "Nothing was added: The topic housing-rent already has this example question.",
        ),
    ],
)
def test_bad_input_gives_a_clear_message_and_changes_nothing(brain: Any, data: dict[str, str], message: str) -> None:
    make_topic("crisis", "safety", "Kriisi", "Soita 112.", ["hätä"])
    asked(MOULD)
    # Already an example question of housing-rent, written with other case and spaces.
    question = asked("Miten  saan ASUMISTUKEA")
    before = state()
    client = login("editor")
    response = client.post(f"/brain/unanswered/{question.pk}/add/", data, follow=True)
    assert response.status_code == 200
    assert messages_of(response) == [message]
    assert 'role="alert"' in response.content.decode()
    assert state() == before


def test_a_question_already_handled_gives_a_clear_message(brain: Any) -> None:
    question = asked(MOULD)
    client = login("editor")
    client.post(f"/brain/unanswered/{question.pk}/dismiss/", follow=True)
    before = state()
    for action in ("add", "dismiss"):
        response = client.post(f"/brain/unanswered/{question.pk}/{action}/", {"topic": "housing-rent"}, follow=True)
        assert messages_of(response) == [
            "Nothing was added: That question is no longer in the list: someone may have added or dismissed it already."
            if action == "add"
            else "That question is no longer in the list: someone may have added or dismissed it already."
        ]
    assert state() == before


def test_add_and_dismiss_take_post_only(brain: Any) -> None:
    question = asked(MOULD)
    client = login("editor")
    assert client.get(f"/brain/unanswered/{question.pk}/add/").status_code == 405
    assert client.get(f"/brain/unanswered/{question.pk}/dismiss/").status_code == 405
    assert UnansweredQuestion.objects.count() == 1


def test_the_forms_need_the_csrf_token(brain: Any) -> None:
    question = asked(MOULD)
    client = login("editor")
    client.handler.enforce_csrf_checks = True
    assert client.post(f"/brain/unanswered/{question.pk}/dismiss/").status_code == 403
    page = client.get("/brain/unanswered/").content.decode()
    row = page[page.index(f'id="question-{question.pk}"') :]
    assert 'name="csrfmiddlewaretoken"' in row[: row.index("</form>")]
    assert UnansweredQuestion.objects.count() == 1


@pytest.mark.parametrize("username", ["counsellor", "volunteer", "supervisor"])
def test_staff_without_brain_rights_get_403(brain: Any, username: str) -> None:
    question = asked(MOULD)
    before = state()
    client = login(username)
    assert client.get("/brain/unanswered/").status_code == 403
    assert client.post(f"/brain/unanswered/{question.pk}/add/", {"topic": "housing-rent"}).status_code == 403
    assert client.post(f"/brain/unanswered/{question.pk}/dismiss/").status_code == 403
    assert state() == before


def test_anonymous_visitors_are_sent_to_log_in(brain: Any) -> None:
    question = asked(MOULD)
    before = state()
    client = HttpClient()
    for response in (
        client.get("/brain/unanswered/"),
        client.post(f"/brain/unanswered/{question.pk}/add/", {"topic": "housing-rent"}),
        client.post(f"/brain/unanswered/{question.pk}/dismiss/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    assert state() == before


def test_no_topic_can_take_the_pages_slug(brain: Any) -> None:
    from tests.bot.test_brain_editor import new_topic_data

    client = login("editor")
    data = new_topic_data("x", **{"text-fi-title": "Unanswered", "text-fi-answer": "Vastaus."})
    response = client.post("/brain/new/", data)
    assert response["Location"] == "/brain/unanswered-2/"


# --- do_add_example_question ----------------------------------------------------------


def test_do_add_example_question_validates(demo: Any, brain: Any) -> None:
    editor = demo["staff"]["editor"]
    rent = brain["rent"]
    before = state()
    refused = [("", "empty"), ("   ", "empty"), ("a" * 501, "too_long"), ("vuokra on LIIAN kallis", "duplicate")]
    for text, code in refused:
        with pytest.raises(ValidationError) as error:
            do_add_example_question(editor, rent, "fi", text)
        assert error.value.code == code, text
    with pytest.raises(ValidationError):
        do_add_example_question(editor, rent, "de", "wo kann ich wohnen")
    with pytest.raises(PermissionDenied):
        do_add_example_question(demo["staff"]["counsellor"], rent, "fi", "uusi kysymys")
    assert state() == before

    added = do_add_example_question(editor, rent, "en", "  " + "b" * 500 + " ")
    assert (added.language, len(added.text)) == ("en", 500)
    # The same words in another language, or for another topic, are no duplicate.
    assert do_add_example_question(editor, rent, "sv", "vuokra on liian kallis").language == "sv"
    assert do_add_example_question(editor, brain["job"], "fi", "vuokra on liian kallis").topic == brain["job"]
    assert TopicEdit.objects.count() == before[2] + 3


# --- Votes --------------------------------------------------------------------------------


def votes(topic: str, language: str, helpful: int, not_helpful: int) -> None:
    AnswerVote.objects.bulk_create(
        [AnswerVote(topic=topic, language=language, helpful=True) for _ in range(helpful)]
        + [AnswerVote(topic=topic, language=language, helpful=False) for _ in range(not_helpful)]
    )


@pytest.fixture
def voted(brain: Any) -> HttpClient:
    """Clients' votes (housing-rent 12 helpful and 3 not, in Finnish and Swedish; work-jobsearch 1 and 5; none for
    the draft), and an editor logged in."""
    votes("housing-rent", "fi", 10, 1)
    votes("housing-rent", "sv", 2, 2)
    votes("work-jobsearch", "fi", 1, 5)
    return login("editor")


def test_votes_are_shown_per_topic_in_the_list(voted: HttpClient) -> None:
    client = voted
    page = client.get("/brain/").content.decode()
    assert "Votes: helpful · not helpful" in page
    votes = re.search(r'<span role="img" class="votes" aria-label="12 helpful, 3 not helpful">(.*?)</span>', page, re.S)
    assert votes is not None
    # Drawn thumbs (not emoji, which depend on the fonts a workstation has) beside the numbers.
    assert re.fullmatch(r"<svg[^>]*>.*#thumb-up.*</svg> 12 · <svg[^>]*>.*#thumb-down.*</svg> 3", votes.group(1), re.S)
    assert "6 not helpful" not in page  # nobody voted 6
    assert "1 helpful, 5 not helpful" in page
    assert "0 helpful, 0 not helpful" in page  # the draft
    # Alphabetical by area by default; most not-helpful first on request.
    assert page.index("Vuokra") < page.index("Työnhaku")
    worst = client.get("/brain/", {"sort": "not-helpful"}).content.decode()
    assert worst.index("Työnhaku") < worst.index("Vuokra") < worst.index("Budjetti")
    most = client.get("/brain/", {"sort": "votes"}).content.decode()
    assert most.index("Vuokra") < most.index("Työnhaku") < most.index("Budjetti")


def test_votes_are_shown_per_language_on_the_edit_page(voted: HttpClient) -> None:
    client = voted
    page = client.get("/brain/housing-rent/").content.decode()
    assert "Clients' votes" in page
    assert "12 helpful, 3 not helpful" in page
    assert "<tr><td>Finnish</td><td>10</td><td>1</td></tr>" in page
    assert "<tr><td>Swedish</td><td>2</td><td>2</td></tr>" in page
    assert "English</td>" not in page
    assert "No votes yet." in client.get("/brain/money-budget/").content.decode()


# --- Admin -----------------------------------------------------------------------------


def test_admins_see_votes_read_only_and_unanswered_questions(brain: Any) -> None:
    votes("housing-rent", "fi", 1, 1)
    question = asked(MOULD)
    client = login("admin")
    assert client.get("/admin/bot/answervote/").status_code == 200
    vote = AnswerVote.objects.first()
    assert vote is not None
    assert client.get("/admin/bot/answervote/add/").status_code == 403
    view = client.get(f"/admin/bot/answervote/{vote.pk}/change/")
    assert view.status_code == 200 and 'type="submit"' not in view.content.decode().split('id="content"')[1]
    listing = client.get("/admin/bot/unansweredquestion/").content.decode()
    assert MOULD in listing
    assert client.get("/admin/bot/unansweredquestion/add/").status_code == 403
    assert client.get(f"/admin/bot/unansweredquestion/{question.pk}/change/").status_code == 200


def test_the_pages_speak_finnish_and_swedish(brain: Any) -> None:
    asked(MOULD, best_guess="housing-rent")
    votes("housing-rent", "fi", 2, 1)
    client = login("editor")
    finnish = client.get("/brain/unanswered/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Vastaamattomat kysymykset" in finnish
    assert "Lisää esimerkkikysymykseksi" in finnish and "Hylkää" in finnish
    swedish = client.get("/brain/unanswered/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Obesvarade frågor" in swedish and "Avfärda" in swedish
    listing = client.get("/brain/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "1 vastaamaton kysymys" in listing
    assert 'aria-label="2 auttoi, 1 ei auttanut"' in listing
    question = UnansweredQuestion.objects.get()
    response = client.post(
        f"/brain/unanswered/{question.pk}/add/", {"topic": "nope"}, HTTP_ACCEPT_LANGUAGE="sv", follow=True
    )
    assert messages_of(response) == ["Det ämnet finns inte (längre). Välj ett annat."]


def test_the_list_costs_the_same_queries_for_one_row_or_fifty(brain: Any) -> None:
    client = login("editor")
    asked(MOULD, best_guess="housing-rent")
    client.get("/brain/unanswered/")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get("/brain/unanswered/")
    UnansweredQuestion.objects.bulk_create(
        UnansweredQuestion(language="sv", text=f"fråga {i}", normalised=f"f{i}", best_guess="housing-rent")
        for i in range(60)
    )
    with CaptureQueriesContext(connection) as fifty:
        page = client.get("/brain/unanswered/").content.decode()
    assert page.count("Add as example question") == 50
    assert len(fifty) == len(one), [q["sql"] for q in fifty]
