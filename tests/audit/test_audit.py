"""What is audited, and how: each change of rights, desks, the brain and anything in the admin leaves
exactly one row naming who, what and when, and nothing a client wrote; nobody changes or deletes a row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from accounts.models import Role, Staff
from audit.models import Action, AuditEvent, AuditLogIsAppendOnly, ObjectKind
from bot.actions import do_add_example_question, do_create_topic, do_publish_topic
from bot.models import Topic
from conversations.models import Conversation, Message, SenderKind, Status
from desks.models import CannedReply, Desk, DeskMembership, OpeningPeriod
from tests.audit.helpers import admin_form, login
from tests.support.factories import ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def rows(action: Action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_a_role_change_in_the_admin_leaves_one_role_row_and_one_admin_row(demo: Any) -> None:
    admin, aino = demo.staff.admin, demo.staff.counsellor2
    http = login("admin")
    before = timezone.now()
    path = f"/admin/accounts/staff/{aino.pk}/change/"
    data = admin_form(http, path)
    assert data["role"] == Role.COUNSELLOR
    response = http.post(path, {**data, "role": Role.SUPERVISOR})
    assert response.status_code == 302, response.content.decode()[:3000]
    aino.refresh_from_db()
    assert aino.role == Role.SUPERVISOR

    [role] = rows(Action.STAFF_ROLE)
    assert (role.staff_id, role.organisation_id, role.object_kind, role.object_id) == (
        admin.pk,
        aino.organisation_id,
        ObjectKind.STAFF,
        aino.pk,
    )
    assert role.detail == "counsellor2: role: counsellor → supervisor"
    assert role.at >= before
    assert rows(Action.STAFF_ACCESS) == []
    [change] = rows(Action.ADMIN_CHANGE)
    assert (change.staff_id, change.object_kind, change.object_id) == (admin.pk, ObjectKind.STAFF, aino.pk)
    assert change.detail == f"accounts.staff {aino.pk}: changed: Role"


def test_deactivating_and_a_new_password_are_access_rows(demo: Any) -> None:
    aino = demo.staff.counsellor2
    http = login("admin")
    path = f"/admin/accounts/staff/{aino.pk}/change/"
    data = admin_form(http, path)
    data.pop("is_active")  # the box unticked
    assert http.post(path, data).status_code == 302
    [access] = rows(Action.STAFF_ACCESS)
    assert access.detail == "counsellor2: is_active: yes → no"

    secret = "Uusi-salasana-2026!"
    response = http.post(
        f"/admin/accounts/staff/{aino.pk}/password/",
        {"password1": secret, "password2": secret, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    _first, second = rows(Action.STAFF_ACCESS)
    assert second.detail == "counsellor2: password set by an admin"
    assert second.staff_id == demo.staff.admin.pk
    assert secret not in repr(list(AuditEvent.objects.values_list()))


def test_a_desk_change_its_hours_and_its_staff_in_the_admin(demo: Any) -> None:
    admin, youth, volunteer = demo.staff.admin, demo.desks.youth, demo.staff.volunteer
    http = login("admin")
    path = f"/admin/desks/desk/{youth.pk}/change/"
    data = admin_form(http, path)
    # Switched off, one language less, a new description, a new opening period and a new member.
    data.pop("is_active")
    periods = int(data["opening_periods-TOTAL_FORMS"])
    members = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "languages": "fi",
            "description_fi": "Uusi kuvaus",
            f"opening_periods-{periods - 1}-weekday": "5",
            f"opening_periods-{periods - 1}-opens": "10:00",
            f"opening_periods-{periods - 1}-closes": "14:00",
            f"memberships-{members - 1}-staff": str(volunteer.pk),
        }
    )
    response = http.post(path, data)
    assert response.status_code == 302, response.content.decode()[:5000]
    assert OpeningPeriod.objects.filter(desk=youth, weekday=5).exists()

    desk_rows = rows(Action.DESK_CHANGE)
    assert [r.detail for r in desk_rows] == [
        "languages: fi,sv,en → fi; is_active: yes → no; description_fi changed",
        "opening hours: added Sat 10:00-14:00",
    ]
    assert all(
        (r.staff_id, r.desk_id, r.object_id, r.organisation_id) == (admin.pk, youth.pk, youth.pk, youth.organisation_id)
        for r in desk_rows
    )
    [added] = rows(Action.DESK_MEMBERS)
    assert (added.detail, added.desk_id, added.staff_id) == ("added: volunteer", youth.pk, admin.pk)
    assert "Uusi kuvaus" not in repr(list(AuditEvent.objects.values_list()))
    assert len(rows(Action.ADMIN_CHANGE)) == 1

    # Taken off the desk again: one row.
    data = admin_form(http, path)
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-staff") and v == str(volunteer.pk))
    data[f"memberships-{index}-DELETE"] = "on"
    assert http.post(path, data).status_code == 302
    assert not DeskMembership.objects.filter(desk=youth, staff=volunteer).exists()
    assert [r.detail for r in rows(Action.DESK_MEMBERS)] == ["added: volunteer", "removed: volunteer"]


def test_admin_additions_changes_and_deletions_name_the_object_not_its_text(demo: Any) -> None:
    admin, youth = demo.staff.admin, demo.desks.youth
    http = login("admin")
    body = "Salainen vastausteksti"
    response = http.post(
        "/admin/desks/cannedreply/add/", {"title": "Testi", "body": body, "language": "fi", "desk": str(youth.pk)}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    reply = CannedReply.objects.get(title="Testi")
    [added] = rows(Action.ADMIN_ADD)
    assert (added.staff_id, added.object_kind, added.object_id) == (admin.pk, ObjectKind.OTHER, reply.pk)
    assert added.detail == f"desks.cannedreply {reply.pk}: added"

    path = f"/admin/desks/cannedreply/{reply.pk}/change/"
    assert http.post(path, {**admin_form(http, path), "body": body + " 2"}).status_code == 302
    [changed] = rows(Action.ADMIN_CHANGE)
    assert changed.detail == f"desks.cannedreply {reply.pk}: changed: Text"

    assert http.post(f"/admin/desks/cannedreply/{reply.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not CannedReply.objects.filter(pk=reply.pk).exists()
    [deleted] = rows(Action.ADMIN_DELETE)
    assert (deleted.object_kind, deleted.object_id, deleted.detail) == (
        ObjectKind.OTHER,
        reply.pk,
        f"desks.cannedreply {reply.pk}",
    )
    assert body not in repr(list(AuditEvent.objects.values_list()))
    # The admin's own history is still written too.
    assert LogEntry.objects.filter(object_id=str(reply.pk)).count() == 3


def test_deleting_a_conversation_in_the_admin_copies_none_of_its_words(demo: Any) -> None:
    conversation = Conversation.objects.create(
        desk=demo.desks.youth, client=ClientFactory.create(), nickname="Mimi", status=Status.CLOSED
    )
    Message.objects.create(conversation=conversation, seq=1, sender_kind=SenderKind.CLIENT, body="salaisuus")
    http = login("admin")
    response = http.post(f"/admin/conversations/conversation/{conversation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:3000]
    [deleted] = rows(Action.ADMIN_DELETE)
    assert (deleted.object_kind, deleted.object_id) == (ObjectKind.CONVERSATION, conversation.pk)
    stored = repr(list(AuditEvent.objects.values_list()))
    assert "salaisuus" not in stored and "Mimi" not in stored


def test_brain_changes_are_audited_and_an_example_question_is_not_quoted(demo: Any) -> None:
    editor = demo.staff.editor
    data = {
        "area": "general",
        "languages": {"fi": {"title": "Auditointi", "answer": "Vastaus.", "questions": ["Mikä on loki?"]}},
    }
    topic = do_create_topic(editor, data)
    do_publish_topic(editor, topic)
    do_add_example_question(editor, Topic.objects.get(pk=topic.pk), "fi", "minulla on salaisuus")
    events = rows(Action.BRAIN_CHANGE)
    assert [e.detail for e in events] == [
        f"{topic.slug}: created",
        f"{topic.slug}: published",
        f"{topic.slug}: example",
    ]
    assert all(
        (e.staff_id, e.object_kind, e.object_id, e.organisation_id)
        == (editor.pk, ObjectKind.TOPIC, topic.pk, editor.organisation_id)
        for e in events
    )
    assert "salaisuus" not in repr(list(AuditEvent.objects.values_list()))


def test_changes_outside_a_request_are_not_audited(demo: Any) -> None:
    """A management command or the shell names nobody (audit/changes.py): no row, no error."""
    kalle = demo.staff.counsellor
    kalle.role = Role.SUPERVISOR
    kalle.save()
    youth = demo.desks.youth
    youth.is_active = False
    youth.save()
    DeskMembership.objects.filter(staff=kalle).delete()
    assert not AuditEvent.objects.exists()


def test_logging_in_is_no_change_of_rights(demo: Any) -> None:
    login("counsellor")
    login("admin")
    assert not AuditEvent.objects.exists()


def test_the_log_cannot_be_changed_or_deleted(demo: Any) -> None:
    from audit.actions import record

    event = record(demo.staff.counsellor, Action.HISTORY_SEARCH)
    event.detail = "muutettu"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(detail="muutettu")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()

    # Nor in the admin: no add, change or delete, even for a superuser.
    http = login("admin")
    Staff.objects.filter(username="admin").update(is_superuser=True)
    assert http.get("/admin/audit/auditevent/add/").status_code == 403
    assert http.post("/admin/audit/auditevent/add/", {"action": "history.search"}).status_code == 403
    path = f"/admin/audit/auditevent/{event.pk}/change/"
    assert 'name="_save"' not in http.get(path).content.decode()
    assert http.post(path, {"detail": "muutettu"}).status_code == 403
    assert http.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = http.post(
        "/admin/audit/auditevent/", {"action": "delete_selected", "_selected_action": [str(event.pk)], "post": "yes"}
    )
    assert listing.status_code in (200, 302)
    # Nor on the console's log page: it answers GET only.
    assert http.post("/console/audit/", {"detail": "muutettu"}).status_code == 405
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.detail == "" and event.at <= timezone.now() + dt.timedelta(seconds=1)
    assert AuditEvent.objects.filter(action=Action.HISTORY_SEARCH).count() == 1


def test_deleting_a_desk_or_a_staff_member_in_the_admin_is_one_row_and_still_works(demo: Any) -> None:
    """Their memberships and opening hours go with them: the admin's deletion is the one row."""
    organisation = demo.desks.youth.organisation
    desk = Desk.objects.create(
        organisation=organisation,
        slug="temp",
        audience="youth",
        name_fi="Väliaikainen",
        name_sv="Tillfällig",
        name_en="Temp",
    )
    person = Staff.objects.create_user("temp", organisation=organisation, role=Role.COUNSELLOR)
    DeskMembership.objects.create(desk=desk, staff=person)
    DeskMembership.objects.create(desk=demo.desks.youth, staff=person)
    OpeningPeriod.objects.create(desk=desk, weekday=0, opens=dt.time(9), closes=dt.time(15))
    http = login("admin")
    assert http.post(f"/admin/desks/desk/{desk.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Desk.objects.filter(pk=desk.pk).exists()
    assert http.post(f"/admin/accounts/staff/{person.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Staff.objects.filter(pk=person.pk).exists()
    assert [(e.action, e.object_kind, e.object_id, e.desk_id) for e in AuditEvent.objects.order_by("pk")] == [
        (Action.ADMIN_DELETE, ObjectKind.DESK, desk.pk, None),
        (Action.ADMIN_DELETE, ObjectKind.STAFF, person.pk, None),
    ]
