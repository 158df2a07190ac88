"""The console's desks and opening hours pages: who may use them, validation, audit, and the clients' live state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient
from django.utils import timezone
from freezegun import freeze_time

from audit.models import Action, AuditEvent
from demo.data import DEMO_PASSWORD
from desks.models import ExceptionKind, OpeningException, OpeningPeriod
from desks.opening import NewException, do_add_exception, do_delete_exception
from tests.audit.helpers import admin_form
from tests.audit.helpers import login as admin_login
from tests.support import capture_events
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

OTP_ROLES = {"admin", "supervisor"}


def login(username: str) -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return client


def hours_url(demo: Any, slug: str) -> str:
    return f"/console/desks/{getattr(demo.desks, slug).pk}/hours/"


def add(client: HttpClient, url: str, **fields: str) -> Any:
    data = {"action": "add", "exception-kind": "closed", **{f"exception-{k}": v for k, v in fields.items()}}
    return client.post(url, data)


@pytest.mark.parametrize("username", ["counsellor", "volunteer", "editor", "studycounsellor"])
def test_who_does_not_supervise_is_refused(demo: Any, username: str) -> None:
    client = login(username)
    assert client.get("/console/desks/").status_code == 403
    assert client.get(hours_url(demo, "youth")).status_code == 403
    response = add(client, hours_url(demo, "youth"), starts_on="2099-01-01")
    assert response.status_code == 403
    assert not OpeningException.objects.exists()


@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_another_organisations_desk_looks_missing(demo: Any, username: str) -> None:
    client = login(username)
    listing = client.get("/console/desks/").content.decode()
    assert "Youth chat" in listing and "Homework help" in listing
    assert "Study guidance for adults" not in listing
    assert client.get(hours_url(demo, "study")).status_code == 404
    assert add(client, hours_url(demo, "study"), starts_on="2099-01-01").status_code == 404
    assert not OpeningException.objects.exists()


def test_the_header_links_the_page_for_those_who_may_use_it(demo: Any) -> None:
    assert 'href="/console/desks/"' in login("supervisor").get("/console/").content.decode()
    assert 'href="/console/desks/"' not in login("counsellor").get("/console/").content.decode()


def test_anonymous_is_sent_to_the_login(demo: Any) -> None:
    response = HttpClient().get("/console/desks/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_weekly_hours_are_saved_with_clear_errors_and_audited(demo: Any) -> None:
    client = login("supervisor")
    url = hours_url(demo, "homework")
    base = {"action": "weekly", "periods-TOTAL_FORMS": "2", "periods-INITIAL_FORMS": "0"}
    wrong = {**base, "periods-0-weekday": "1", "periods-0-opens": "14:00", "periods-0-closes": "12:00"}
    page = client.post(url, wrong).content.decode()
    assert 'id="form-errors"' in page
    assert "the closing time must be after the opening time" in page
    overlap = {
        **base,
        "periods-0-weekday": "1",
        "periods-0-opens": "14:00",
        "periods-0-closes": "20:00",
        "periods-1-weekday": "1",
        "periods-1-opens": "19:00",
        "periods-1-closes": "21:00",
    }
    assert "overlap" in client.post(url, overlap).content.decode()
    half = {**base, "periods-0-weekday": "1"}
    assert "Fill in the day and both times" in client.post(url, half).content.decode()
    assert not OpeningPeriod.objects.filter(desk=demo.desks.homework).exists()

    good = {**base, "periods-0-weekday": "1", "periods-0-opens": "14:00", "periods-0-closes": "20:00"}
    response = client.post(url, good)
    assert response.status_code == 302
    assert list(OpeningPeriod.objects.filter(desk=demo.desks.homework).values_list("weekday", "opens", "closes")) == [
        (1, dt.time(14), dt.time(20))
    ]
    row = AuditEvent.objects.get(action=Action.DESK_CHANGE, desk=demo.desks.homework)
    assert row.staff == demo.staff.supervisor
    assert row.detail == "opening hours: added Tue 14:00-20:00"
    assert "The weekly hours were saved." in client.get(url).content.decode()


def test_a_supervisor_caps_the_queue_with_clear_errors_and_audited(demo: Any) -> None:
    client = login("supervisor")
    url = hours_url(demo, "homework")
    for wrong in ["0", "100000", "many"]:
        page = client.post(url, {"action": "queue", "queue-queue_limit": wrong}).content.decode()
        assert 'id="form-errors"' in page, wrong
    demo.desks.homework.refresh_from_db()
    assert demo.desks.homework.queue_limit is None

    assert client.post(url, {"action": "queue", "queue-queue_limit": "4"}).status_code == 302
    demo.desks.homework.refresh_from_db()
    assert demo.desks.homework.queue_limit == 4
    assert AuditEvent.objects.filter(action=Action.DESK_CHANGE, desk=demo.desks.homework).exists()
    page = client.get(url).content.decode()
    assert "The queue limit was saved." in page and 'value="4"' in page
    # Empty: the service's own limit again.
    client.post(url, {"action": "queue", "queue-queue_limit": ""})
    demo.desks.homework.refresh_from_db()
    assert demo.desks.homework.queue_limit is None


@freeze_time("2026-12-07 10:00:00", tick=True)
def test_exceptions_are_checked_added_audited_and_removed(demo: Any) -> None:
    client = login("supervisor")
    url = hours_url(demo, "homework")
    page = add(client, url, starts_on="2026-12-01").content.decode()
    assert "The first day cannot be in the past." in page
    page = add(client, url, starts_on="2026-12-10", ends_on="2026-12-09").content.decode()
    assert "The last day cannot be before the first day." in page
    page = add(client, url, kind="open", starts_on="2026-12-13", opens="21:00", closes="18:00").content.decode()
    assert "The closing time must be after the opening time." in page
    assert not OpeningException.objects.exists()

    response = add(
        client, url, starts_on="2026-12-21", ends_on="2026-12-27", reason_fi="Joulutauko", reason_en="Christmas"
    )
    assert response.status_code == 302
    page = add(client, url, starts_on="2026-12-24").content.decode()
    assert "The desk is already closed on some of these days." in page
    response = add(client, url, kind="open", starts_on="2026-12-13", opens="18:00", closes="21:00")
    assert response.status_code == 302
    page = add(client, url, kind="open", starts_on="2026-12-13", opens="20:00", closes="22:00").content.decode()
    assert "Another special opening on these days overlaps these times." in page

    page = client.get(url).content.decode()
    assert "Closed 21.12.–27.12.: Christmas" in page
    assert "Open 13.12. 18–21" in page
    details = list(AuditEvent.objects.filter(action=Action.DESK_CHANGE).values_list("detail", flat=True))
    assert sorted(details) == [
        "opening exception: added 13.12.2026 open 18:00-21:00",
        "opening exception: added 21.12.2026-27.12.2026 closed",
    ]
    closure = OpeningException.objects.get(kind=ExceptionKind.CLOSED)
    reasons = OpeningException.objects.filter(pk=closure.pk).values_list("reason_fi", "reason_sv", "reason_en").get()
    assert reasons == ("Joulutauko", "Joulutauko", "Christmas")  # Swedish left empty: the Finnish one

    # Another desk's exception looks missing; the desk's own is removed (and audited).
    other = OpeningException.objects.create(
        desk=demo.desks.youth,
        kind=ExceptionKind.CLOSED,
        starts_on=dt.date(2026, 12, 30),
        ends_on=dt.date(2026, 12, 30),
    )
    assert client.post(url, {"action": "delete", "exception": str(other.pk)}).status_code == 404
    assert client.post(url, {"action": "delete", "exception": str(closure.pk)}).status_code == 302
    assert not OpeningException.objects.filter(pk=closure.pk).exists()
    assert AuditEvent.objects.filter(detail="opening exception: removed 21.12.2026-27.12.2026 closed").exists()


@freeze_time("2026-12-07 10:00:00", tick=True)
def test_this_years_public_holidays_in_one_click(demo: Any) -> None:
    client = login("admin")
    url = hours_url(demo, "parents")
    assert client.post(url, {"action": "holidays", "year": "2026"}).status_code == 302
    days = set(OpeningException.objects.filter(desk=demo.desks.parents).values_list("starts_on", flat=True))
    assert days == {dt.date(2026, 12, 24), dt.date(2026, 12, 25), dt.date(2026, 12, 26)}  # the rest of the year
    assert "Closed on 3 public holidays of 2026." in client.get(url).content.decode()
    client.post(url, {"action": "holidays", "year": "2026"})
    assert OpeningException.objects.filter(desk=demo.desks.parents).count() == 3
    assert client.post(url, {"action": "holidays", "year": "2031"}).status_code == 404
    assert client.post(url, {"action": "holidays", "year": "2027"}).status_code == 302
    independence = OpeningException.objects.filter(desk=demo.desks.parents, starts_on=dt.date(2027, 12, 6))
    assert list(independence.values_list("reason_sv", flat=True)) == ["Självständighetsdagen"]


def test_the_demo_shows_holiday_closures_and_a_theme_evening(transactional_db: Any) -> None:
    from demo.data import seed_demo

    seed_demo(brain=False)
    today = timezone.localdate()
    closures = OpeningException.objects.filter(desk__slug="homework", kind=ExceptionKind.CLOSED)
    assert closures.exists() and all(c.starts_on > today for c in closures)
    evening = OpeningException.objects.get(desk__slug="parents", kind=ExceptionKind.OPEN)
    assert (evening.opens, evening.closes, evening.starts_on.weekday()) == (dt.time(18), dt.time(21), 6)
    assert not OpeningException.objects.filter(desk__slug="youth").exists()  # the demo's always-open desk


def test_a_start_page_follows_the_desks_state(chat: Any, demo: Any) -> None:
    client = chat.client(hello=False)
    client.hello(lang="en")
    state = client.answer({"type": "desks", "ref": "d1"})
    assert state["type"] == "desks"
    youth = next(d for d in state["desks"] if d["slug"] == "youth")
    assert youth["open"] is True and youth["changes_at"] is None
    # A supervisor closes the youth desk today: the page is told, asks again, and sees it closed.
    login("supervisor").post(
        hours_url(demo, "youth"),
        {
            "action": "add",
            "exception-kind": "closed",
            "exception-starts_on": str(timezone.localdate()),
            "exception-reason_en": "Staff day",
        },
    )
    client.wait_for("desks_changed")
    state = client.answer({"type": "desks", "ref": "d2"})
    youth = next(d for d in state["desks"] if d["slug"] == "youth")
    assert youth["open"] is False
    assert youth["status"] == "Closed now. Opens tomorrow at 00:00. Closed today: Staff day."


def test_a_person_start_at_a_desk_closed_today_says_why(chat: Any, demo: Any) -> None:
    OpeningException.objects.create(
        desk=demo.desks.homework,
        kind=ExceptionKind.CLOSED,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        reason_fi="Itsenäisyyspäivä",
        reason_en="Independence Day",
    )
    client = chat.client(hello=False)
    client.hello(lang="en")
    refused = client.answer({"type": "start", "desk": "homework", "person": True, "ref": "s"})
    assert refused["type"] == "error" and refused["code"] == "desk_closed"
    assert (
        "Homework help is closed right now. Closed today: Independence Day. Opens tomorrow at 00:00."
        in (refused["message"])
    )


def test_an_exception_added_in_the_admin_is_audited_and_shown(demo: Any) -> None:
    http = admin_login("admin")
    path = f"/admin/desks/desk/{demo.desks.homework.pk}/change/"
    data = admin_form(http, path)
    assert "opening_exceptions-TOTAL_FORMS" in data
    data.update(
        {
            "opening_exceptions-TOTAL_FORMS": "1",
            "opening_exceptions-0-kind": "closed",
            "opening_exceptions-0-starts_on": "2099-12-24",
            "opening_exceptions-0-ends_on": "2099-12-26",
            "opening_exceptions-0-reason_fi": "Joulu",
        }
    )
    response = http.post(path, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OpeningException.objects.filter(desk=demo.desks.homework, starts_on=dt.date(2099, 12, 24)).exists()
    assert AuditEvent.objects.filter(
        action=Action.DESK_CHANGE, detail="opening exception: added 24.12.2099-26.12.2099 closed"
    ).exists()


def test_the_client_page_shows_a_reason_as_text(demo: Any) -> None:
    OpeningException.objects.create(
        desk=demo.desks.homework,
        kind=ExceptionKind.CLOSED,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        reason_en='<img src=x onerror="alert(1)">',
    )
    page = HttpClient().get("/?lang=en").content.decode()
    assert "Closed today: &lt;img src=x onerror=&quot;alert(1)&quot;&gt;." in page
    assert '<img src=x onerror="alert(1)">' not in page


def test_the_actions_tell_the_start_pages_after_the_commit(demo: Any) -> None:
    supervisor, homework = demo.staff.supervisor, demo.desks.homework
    day = timezone.localdate() + dt.timedelta(days=3)
    # Start pages ask again (`desks_changed`); the desk's staff see its answering state (`duty`) and queue.
    with capture_events(expected=3) as capture:
        added = do_add_exception(supervisor, homework, NewException(ExceptionKind.CLOSED, day, day))
    assert ("desk", "desks_changed", "client") in capture.kinds()
    assert capture.sent[0][0] == "desk-states"
    with capture_events(expected=3):
        assert do_delete_exception(supervisor, homework, added.pk)
    # Someone who does not keep the desk's hours changes nothing, and nothing is sent.
    with capture_events(expected=0), pytest.raises(PermissionDenied):
        do_add_exception(demo.staff.counsellor, homework, NewException(ExceptionKind.CLOSED, day, day))
    assert not OpeningException.objects.exists()
