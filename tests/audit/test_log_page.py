"""The console's audit log page: who may read it, whose rows they see, its filters, and its own row."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Staff
from audit.actions import record
from audit.models import Action, AuditEvent, ObjectKind
from tests.audit.helpers import login

pytestmark = pytest.mark.django_db(transaction=True)


def event_ids(page: str) -> list[str]:
    """The rows shown, by their detail (each test's rows have distinct details)."""
    return re.findall(r'<p class="audit-detail">([^<]*)</p>', page)


def at(event: AuditEvent, when: dt.datetime) -> None:
    """Move a row in time for a test, below the model's guard (the application never does)."""
    from django.db import connection

    # The queryset's update is refused (the log is append-only): plain SQL, as only a test may.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET at = %s WHERE id = %s", [when, event.pk])


@pytest.mark.parametrize("username", ["counsellor", "volunteer", "editor", "studycounsellor"])
def test_staff_who_do_not_supervise_may_not_read_it(demo: Any, username: str) -> None:
    http = login(username)
    assert http.get("/console/audit/").status_code == 403
    other_page = "/console/history/" if username != "editor" else "/brain/"
    assert 'href="/console/audit/"' not in http.get(other_page).content.decode()
    assert not AuditEvent.objects.filter(action=Action.AUDIT_VIEW).exists()


def test_a_supervisor_reads_their_organisations_rows_only_and_the_reading_is_recorded(demo: Any) -> None:
    youth, study = demo.desks.youth, demo.desks.study
    conversation = ObjectKind.CONVERSATION
    kalle = demo.staff.counsellor
    own = record(kalle, Action.HISTORY_OPEN, kind=conversation, object_id=1, desk=youth, detail="own-row")
    other = record(
        demo.staff.studycounsellor, Action.HISTORY_OPEN, kind=conversation, object_id=2, desk=study, detail="other-row"
    )
    http = login("supervisor")
    page = http.get("/console/audit/").content.decode()
    shown = event_ids(page)
    assert "own-row" in shown and "other-row" not in shown
    assert 'href="/console/audit/" aria-current="page"' in page
    [view] = AuditEvent.objects.filter(action=Action.AUDIT_VIEW)
    assert (view.staff_id, view.organisation_id, view.detail) == (demo.staff.supervisor.pk, youth.organisation_id, "")
    # Finnish date and time as Finns write them.
    local = timezone.localtime(own.at)
    fi = http.get("/console/audit/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert f"{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d}" in fi
    assert "<h1>Käyttöloki</h1>" in fi and "Avasi päättyneen keskustelun" in fi
    sv = http.get("/console/audit/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "<h1>Granskningslogg</h1>" in sv and "Öppnade ett avslutat samtal" in sv
    # Another organisation's desk and staff are no choice.
    refused = http.get("/console/audit/", {"desk": str(study.pk)}).content.decode()
    assert "Select a valid choice." in refused and event_ids(refused) == []
    refused = http.get("/console/audit/", {"staff": str(demo.staff.studycounsellor.pk)}).content.decode()
    assert "Select a valid choice." in refused and event_ids(refused) == []
    assert other.pk not in AuditEvent.objects.filter(action=Action.AUDIT_VIEW).values_list("pk", flat=True)


def test_the_admin_reads_it_and_a_superuser_reads_every_organisations(demo: Any) -> None:
    record(demo.staff.counsellor, Action.HISTORY_SEARCH, detail="own-row")
    record(demo.staff.studycounsellor, Action.HISTORY_SEARCH, detail="other-row")
    http = login("admin")  # once: a TOTP code is good for one login
    shown = event_ids(http.get("/console/audit/").content.decode())
    assert "own-row" in shown and "other-row" not in shown
    Staff.objects.filter(username="admin").update(is_superuser=True)
    shown = event_ids(http.get("/console/audit/").content.decode())
    assert "own-row" in shown and "other-row" in shown


def test_the_filters_narrow_by_period_action_staff_and_desk(demo: Any) -> None:
    kalle, aino, youth, parents = demo.staff.counsellor, demo.staff.counsellor2, demo.desks.youth, demo.desks.parents
    old = record(kalle, Action.HISTORY_SEARCH, desk=youth, detail="old-search")
    at(old, dt.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_current_timezone()))
    record(kalle, Action.HISTORY_OPEN, kind=ObjectKind.CONVERSATION, object_id=7, desk=parents, detail="kalle-open")
    record(aino, Action.HISTORY_OPEN, kind=ObjectKind.CONVERSATION, object_id=8, desk=youth, detail="aino-open")
    http = login("supervisor")

    def shown(**query: str) -> list[str]:
        # This test's rows (their details have a dash), not the readings of the log themselves.
        return [d for d in event_ids(http.get("/console/audit/", query).content.decode()) if "-" in d]

    assert shown(action="history.open") == ["aino-open", "kalle-open"]  # newest first
    assert shown(staff=str(kalle.pk)) == ["kalle-open", "old-search"]
    assert shown(desk=str(youth.pk)) == ["aino-open", "old-search"]
    assert shown(since="1.11.2026", until="30.11.2026") == ["old-search"]
    assert "old-search" not in shown(since=timezone.localdate().strftime("%d.%m.%Y"))
    # A wrong date is said, and nothing shown or recorded.
    views = AuditEvent.objects.filter(action=Action.AUDIT_VIEW).count()
    page = http.get("/console/audit/", {"since": "31.2.2026"}).content.decode()
    assert "Write the date as day.month.year, for example 24.12.2026." in page and event_ids(page) == []
    page = http.get("/console/audit/", {"since": "5.12.2026", "until": "1.12.2026"}).content.decode()
    assert "The end date is before the start date." in page
    assert AuditEvent.objects.filter(action=Action.AUDIT_VIEW).count() == views
    # The reading with filters is recorded with them.
    details = set(AuditEvent.objects.filter(action=Action.AUDIT_VIEW).values_list("detail", flat=True))
    assert {"since 01.11.2026, until 30.11.2026", f"staff {kalle.username}", "desk youth"} <= details


def test_the_log_is_paginated_newest_first(demo: Any) -> None:
    kalle = demo.staff.counsellor
    AuditEvent.objects.bulk_create(
        AuditEvent(staff=kalle, organisation_id=kalle.organisation_id, action=Action.HISTORY_SEARCH, detail=f"row-{n}")
        for n in range(60)
    )
    http = login("supervisor")
    first = http.get("/console/audit/", {"action": "history.search"}).content.decode()
    assert event_ids(first)[0] == "row-59" and len(event_ids(first)) == 50
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = http.get("/console/audit/", {"action": "history.search", "page": "2"}).content.decode()
    assert event_ids(second) == [f"row-{n}" for n in range(9, -1, -1)]
