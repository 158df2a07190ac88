"""Canned replies: who may create, change and delete which, and the form's validation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient

from conversations.actions.canned import canned_replies_for, do_create_canned_reply
from demo.data import DEMO_PASSWORD
from desks.models import CannedReply
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

OTP_ROLES = {"admin", "supervisor"}


def login(username: str) -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return client


def shared(desk: str, title: str = "Tervehdys") -> CannedReply:
    return CannedReply.objects.get(desk__slug=desk, title=title, owner__isnull=True)


def personal(demo: dict[str, Any], username: str, title: str = "Oma") -> CannedReply:
    return CannedReply.objects.create(owner=demo["staff"][username], title=title, body=f"{title} teksti")


def test_counsellor_creates_edits_and_deletes_a_personal_reply(demo: Any) -> None:
    client = login("counsellor")
    page = client.get("/console/canned/new/")
    assert page.status_code == 200
    assert b'name="scope"' not in page.content  # counsellors only make personal replies

    response = client.post(
        "/console/canned/new/", {"title": "  Aukioloajat ", "body": "Olemme auki arkisin 14-20.", "language": "fi"}
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get(title="Aukioloajat")
    assert reply.owner == demo["staff"]["counsellor"]
    assert reply.desk is None

    listing = client.get("/console/canned/").content.decode()
    assert "Aukioloajat" in listing
    assert f"/console/canned/{reply.pk}/" in listing
    assert reply in canned_replies_for(demo["staff"]["counsellor"])
    assert reply not in canned_replies_for(demo["staff"]["counsellor2"])

    response = client.post(
        f"/console/canned/{reply.pk}/", {"title": "Aukioloajat", "body": "Arkisin 12-20.", "language": "en"}
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.body, reply.language) == ("Arkisin 12-20.", "en")

    assert client.get(f"/console/canned/{reply.pk}/delete/").status_code == 200
    assert client.post(f"/console/canned/{reply.pk}/delete/").status_code == 302
    assert not CannedReply.objects.filter(pk=reply.pk).exists()


def test_a_scope_posted_by_a_counsellor_is_ignored(demo: Any) -> None:
    client = login("counsellor")
    youth = demo["desks"]["youth"]
    response = client.post(
        "/console/canned/new/", {"title": "Yritys", "body": "Jaettu?", "language": "fi", "scope": str(youth.pk)}
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get(title="Yritys")
    assert reply.desk is None and reply.owner == demo["staff"]["counsellor"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "Teksti"}, "Give the reply a title."),
        ({"title": "   ", "body": "Teksti"}, "Give the reply a title."),
        ({"title": "x" * 81, "body": "Teksti"}, "at most 80 characters"),
        ({"title": "Otsikko", "body": ""}, "Write the text of the reply."),
        ({"title": "Otsikko", "body": "y" * 4001}, "at most 4000 characters"),
        ({"title": "Otsikko", "body": "Teksti", "language": "xx"}, "Select a valid choice"),
    ],
)
def test_validation_errors_are_shown_and_nothing_is_saved(demo: Any, data: dict[str, str], message: str) -> None:
    client = login("counsellor")
    before = CannedReply.objects.count()
    response = client.post("/console/canned/new/", {"language": "fi", **data})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert CannedReply.objects.count() == before


def test_validation_errors_on_edit_keep_the_reply(demo: Any) -> None:
    reply = personal(demo, "counsellor")
    client = login("counsellor")
    response = client.post(f"/console/canned/{reply.pk}/", {"title": "", "body": "", "language": "fi"})
    assert response.status_code == 200
    assert "Give the reply a title." in response.content.decode()
    reply.refresh_from_db()
    assert reply.title == "Oma"


def test_counsellor_cannot_change_shared_replies(demo: Any) -> None:
    reply = shared("youth")
    client = login("counsellor")
    listing = client.get("/console/canned/").content.decode()
    assert reply.body in listing  # seen, for use in the console
    assert f"/console/canned/{reply.pk}/" not in listing  # but no edit or delete link
    assert client.get(f"/console/canned/{reply.pk}/").status_code == 403
    assert client.post(f"/console/canned/{reply.pk}/", {"title": "X", "body": "Y", "language": "fi"}).status_code == 403
    assert client.post(f"/console/canned/{reply.pk}/delete/").status_code == 403
    reply.refresh_from_db()
    assert reply.title == "Tervehdys"


def test_nobody_sees_or_changes_another_staff_members_personal_reply(demo: Any) -> None:
    reply = personal(demo, "counsellor2", "Ainon oma")
    for username in ("counsellor", "supervisor"):
        client = login(username)
        assert "Ainon oma" not in client.get("/console/canned/").content.decode()
        assert client.get(f"/console/canned/{reply.pk}/").status_code == 404
        edit = client.post(f"/console/canned/{reply.pk}/", {"title": "X", "body": "Y", "language": "fi"})
        assert edit.status_code == 404
        assert client.post(f"/console/canned/{reply.pk}/delete/").status_code == 404
    assert CannedReply.objects.get(pk=reply.pk).title == "Ainon oma"


def test_shared_replies_of_other_desks_are_not_visible(demo: Any) -> None:
    study = shared("study")
    client = login("counsellor")
    assert study.body not in client.get("/console/canned/").content.decode()
    assert client.get(f"/console/canned/{study.pk}/").status_code == 404


def test_supervisor_manages_shared_replies_of_their_desks(demo: Any) -> None:
    client = login("supervisor")
    youth, study = demo["desks"]["youth"], demo["desks"]["study"]
    form = client.get("/console/canned/new/").content.decode()
    assert 'name="scope"' in form
    assert f'value="{youth.pk}"' in form
    assert f'value="{study.pk}"' not in form  # not the supervisor's desk

    response = client.post(
        "/console/canned/new/", {"title": "Kriisi", "body": "Soita 112.", "language": "fi", "scope": str(youth.pk)}
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get(title="Kriisi")
    assert reply.desk == youth and reply.owner is None
    assert reply in canned_replies_for(demo["staff"]["counsellor2"])  # everyone at the desk gets it

    mine = client.post(
        "/console/canned/new/", {"title": "Oma", "body": "Vain minulle", "language": "fi", "scope": "personal"}
    )
    assert mine.status_code == 302
    assert CannedReply.objects.get(title="Oma").owner == demo["staff"]["supervisor"]

    refused = client.post(
        "/console/canned/new/", {"title": "Ei", "body": "Ei", "language": "fi", "scope": str(study.pk)}
    )
    assert refused.status_code == 200
    assert not CannedReply.objects.filter(title="Ei").exists()

    greeting = shared("youth")
    assert f"/console/canned/{greeting.pk}/" in client.get("/console/canned/").content.decode()
    edit = client.post(f"/console/canned/{greeting.pk}/", {"title": "Moi", "body": "Moikka!", "language": "fi"})
    assert edit.status_code == 302
    greeting.refresh_from_db()
    assert (greeting.title, greeting.desk) == ("Moi", youth)
    assert client.post(f"/console/canned/{greeting.pk}/delete/").status_code == 302
    assert not CannedReply.objects.filter(pk=greeting.pk).exists()

    assert client.get(f"/console/canned/{shared('study').pk}/").status_code == 404


def test_admin_manages_shared_replies_of_the_organisations_desks(demo: Any) -> None:
    client = login("admin")
    homework = shared("homework")
    response = client.post(f"/console/canned/{homework.pk}/", {"title": "Hei", "body": "Hei vaan!", "language": "fi"})
    assert response.status_code == 302
    homework.refresh_from_db()
    assert homework.body == "Hei vaan!"


def test_volunteer_cannot_change_the_shared_replies_of_their_desk(demo: Any) -> None:
    client = login("volunteer")
    homework = shared("homework")
    assert client.get(f"/console/canned/{homework.pk}/").status_code == 403
    assert client.get(f"/console/canned/{shared('youth').pk}/").status_code == 404


def test_actions_check_permissions_themselves(demo: Any) -> None:
    counsellor = demo["staff"]["counsellor"]
    with pytest.raises(PermissionDenied):
        do_create_canned_reply(counsellor, title="T", body="B", language="fi", desk=demo["desks"]["youth"])
    with pytest.raises(PermissionDenied):
        do_create_canned_reply(demo["staff"]["editor"], title="T", body="B", language="fi")
    with pytest.raises(ValueError):
        do_create_canned_reply(counsellor, title=" ", body="B", language="fi")
    reply = do_create_canned_reply(demo["staff"]["supervisor"], title="T", body="B", language="fi", desk=None)
    assert reply.owner == demo["staff"]["supervisor"]


@pytest.mark.parametrize(
    "path", ["/console/", "/console/canned/", "/console/canned/new/", "/console/canned/1/", "/console/keepalive/"]
)
def test_editor_gets_403(demo: Any, path: str) -> None:
    client = login("editor")
    response = client.post(path) if path.endswith("keepalive/") else client.get(path)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/console/", "/console/canned/", "/console/canned/new/"])
def test_login_required(demo: Any, path: str) -> None:
    response = HttpClient().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_supervisor_without_second_factor_is_sent_to_it(demo: Any) -> None:
    client = HttpClient()
    assert client.post("/staff/login/", {"username": "supervisor", "password": DEMO_PASSWORD}).status_code == 302
    response = client.get("/console/canned/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/code/")


def test_csrf_is_enforced(demo: Any) -> None:
    client = HttpClient(enforce_csrf_checks=True)
    client.cookies = login("counsellor").cookies
    response = client.post("/console/canned/new/", {"title": "T", "body": "B", "language": "fi"})
    assert response.status_code == 403
    assert not CannedReply.objects.filter(title="T").exists()
    page = client.get("/console/canned/new/")
    assert b"csrfmiddlewaretoken" in page.content


def test_keepalive_touches_the_session(demo: Any) -> None:
    client = login("counsellor")
    assert client.post("/console/keepalive/").status_code == 204
    assert client.get("/console/keepalive/").status_code == 405
