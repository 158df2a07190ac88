"""The shift pages: my shifts (sign up, clear errors, leave) and a supervisor's week plan with its gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client as HttpClient
from freezegun import freeze_time

from audit.models import Action, AuditEvent
from demo.data import DEMO_PASSWORD
from desks.hours import set_hours
from duty.models import Shift
from tests.wsclient import staff_cookie

OTP_ROLES = {"admin", "supervisor"}
MONDAY_15 = "2026-12-07 13:00:00"  # 15.00 in Helsinki


def login(username: str) -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return client


def text_of(response: Any) -> str:
    return response.content.decode()


@freeze_time(MONDAY_15)
def test_a_counsellor_signs_up_for_a_shift_and_leaves_it(demo: Any) -> None:
    kalle = login("counsellor")
    page = kalle.get("/console/shifts/")
    assert page.status_code == 200
    assert "You have no coming shifts." in text_of(page)
    youth = demo.desks.youth
    signed = kalle.post(
        "/console/shifts/", {"desk": youth.pk, "starts_at": "2026-12-08T14:00", "ends_at": "2026-12-08T18:00"}
    )
    assert signed.status_code == 302
    shift = Shift.objects.get()
    assert (shift.staff, shift.desk) == (demo.staff.counsellor, youth)
    page = kalle.get("/console/shifts/")
    assert "Leave the shift at" in text_of(page)
    assert kalle.post(f"/console/shifts/{shift.pk}/remove/").status_code == 302
    assert not Shift.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.SHIFT_PLAN).exists()


@freeze_time(MONDAY_15)
def test_sign_up_errors_are_clear(demo: Any) -> None:
    kalle = login("counsellor")
    youth = demo.desks.youth.pk
    cases = [
        ({"starts_at": "2026-12-08T18:00", "ends_at": "2026-12-08T14:00"}, "The shift must end after it starts."),
        ({"starts_at": "2026-12-06T14:00", "ends_at": "2026-12-06T16:00"}, "The shift cannot start in the past."),
    ]
    for times, error in cases:
        page = kalle.post("/console/shifts/", {"desk": youth, **times})
        assert page.status_code == 200
        assert error in text_of(page) and 'id="form-errors"' in text_of(page)
    kalle.post("/console/shifts/", {"desk": youth, "starts_at": "2026-12-08T14:00", "ends_at": "2026-12-08T18:00"})
    page = kalle.post(
        "/console/shifts/", {"desk": youth, "starts_at": "2026-12-08T17:00", "ends_at": "2026-12-08T19:00"}
    )
    assert "Kalle already has a shift at" in text_of(page)
    # A desk the counsellor does not work at is not offered, nor accepted.
    page = kalle.post(
        "/console/shifts/",
        {"desk": demo.desks.homework.pk, "starts_at": "2026-12-09T14:00", "ends_at": "2026-12-09T16:00"},
    )
    assert page.status_code == 200
    assert Shift.objects.count() == 1


@freeze_time(MONDAY_15)
def test_the_week_plan_marks_gaps_in_words_and_plans_for_members(demo: Any) -> None:
    youth = demo.desks.youth
    set_hours(youth, [(1, dt.time(14), dt.time(16))])  # Tuesdays 14–16
    sanna = login("supervisor")
    page = sanna.get(f"/console/shifts/plan/?desk={youth.pk}&week=2026-12-07")
    assert page.status_code == 200
    assert "2 hours inside the opening hours have nobody planned." in text_of(page)
    assert text_of(page).count(">Gap<") == 2

    added = sanna.post(
        f"/console/shifts/plan/?desk={youth.pk}&week=2026-12-07",
        {"staff": demo.staff.counsellor2.pk, "starts_at": "2026-12-08T14:00", "ends_at": "2026-12-08T15:00"},
    )
    assert added.status_code == 302
    page = sanna.get(added["Location"])
    assert "1 hour inside the opening hours has nobody planned." in text_of(page)
    assert text_of(page).count(">Gap<") == 1
    event = AuditEvent.objects.get(action=Action.SHIFT_PLAN)
    assert (event.staff, event.object_id, event.desk) == (demo.staff.supervisor, demo.staff.counsellor2.pk, youth)

    # Only the desk's members can be planned: the study desk's counsellor is not among them.
    refused = sanna.post(
        f"/console/shifts/plan/?desk={youth.pk}",
        {"staff": demo.staff.studycounsellor.pk, "starts_at": "2026-12-09T14:00", "ends_at": "2026-12-09T15:00"},
    )
    assert refused.status_code == 200
    assert Shift.objects.count() == 1


def test_who_reaches_the_planner(demo: Any) -> None:
    assert login("counsellor").get("/console/shifts/plan/").status_code == 403
    assert login("volunteer").get("/console/shifts/plan/").status_code == 403
    sanna = login("supervisor")
    assert sanna.get("/console/shifts/plan/").status_code == 200
    # A desk the supervisor does not work at is not found.
    assert sanna.get(f"/console/shifts/plan/?desk={demo.desks.study.pk}").status_code == 404
    assert HttpClient().get("/console/shifts/").status_code == 302  # to the login
