"""The desk's "calls through the relay only" in the console's desk page: supervisors of the desk, audited."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import Action, AuditEvent
from tests.desks.test_desk_hours_pages import hours_url, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_supervisor_turns_relay_only_calls_off_and_on_and_it_is_audited(demo: Any) -> None:
    client = login("supervisor")
    url = hours_url(demo, "homework")
    page = client.get(url).content.decode()
    assert "Calls only through the relay server" in page
    box = page.split('name="calls-calls_relay_only"')[1].split(">")[0]
    assert "checked" in box, box

    # An unticked box is not sent: off.
    assert client.post(url, {"action": "calls"}).status_code == 302
    demo.desks.homework.refresh_from_db()
    assert demo.desks.homework.calls_relay_only is False
    event = AuditEvent.objects.filter(action=Action.DESK_CHANGE, desk=demo.desks.homework).latest("pk")
    assert "calls_relay_only: yes → no" in event.detail
    assert "The call setting was saved." in client.get(url).content.decode()

    assert client.post(url, {"action": "calls", "calls-calls_relay_only": "on"}).status_code == 302
    demo.desks.homework.refresh_from_db()
    assert demo.desks.homework.calls_relay_only is True


def test_a_counsellor_cannot_change_it(demo: Any) -> None:
    client = login("counsellor")
    response = client.post(hours_url(demo, "youth"), {"action": "calls"})
    assert response.status_code == 403
    demo.desks.youth.refresh_from_db()
    assert demo.desks.youth.calls_relay_only is True
