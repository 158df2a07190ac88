"""Canned replies: texts a counsellor inserts into a conversation with one choice.

A personal reply (owner set, desk empty) belongs to one staff member, who alone
sees and edits it. A shared reply (desk set, owner empty) is seen by everybody
at the desk; only supervisors and admins of that desk create, edit or delete it.
Every change reaches the open consoles of those who see the reply (a `canned`
event with their whole list), so nobody needs to reload.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet

from accounts.models import Staff
from common.events import deliver, send_events_after_commit, staff_group
from conversations.outbound import canned_event
from desks.actions import desks_for_staff, staff_of_desk
from desks.models import CannedReply, Desk

TITLE_MAX_CHARS = 80


def canned_replies_for(staff: Staff) -> QuerySet[CannedReply]:
    """Personal replies plus those shared at the staff member's desks."""
    return CannedReply.objects.filter(Q(owner=staff) | Q(desk__in=desks_for_staff(staff), owner__isnull=True)).order_by(
        "title"
    )


def shared_reply_desks(staff: Staff) -> QuerySet[Desk]:
    """The desks whose shared canned replies `staff` may create, edit and delete."""
    if not staff.may_supervise:
        return Desk.objects.none()
    return desks_for_staff(staff)


def check_may_manage_canned(staff: Staff) -> None:
    """Only staff who answer conversations keep canned replies (editors do not)."""
    if not staff.may_answer:
        raise PermissionDenied


def get_canned_reply_for_edit(staff: Staff, reply_id: int) -> CannedReply:
    """The reply `staff` may change.

    Raises CannedReply.DoesNotExist for a reply the staff member cannot even see
    (another's personal reply looks missing) and PermissionDenied for one they see
    but may not change (a shared reply, for a counsellor).
    """
    check_may_manage_canned(staff)
    reply = canned_replies_for(staff).select_related("desk").get(pk=reply_id)
    if reply.owner_id is not None:
        if reply.owner_id != staff.pk:  # pragma: no cover - canned_replies_for already hides these
            raise CannedReply.DoesNotExist
        return reply
    if reply.desk_id is None or not shared_reply_desks(staff).filter(pk=reply.desk_id).exists():
        raise PermissionDenied
    return reply


def _check_fields(title: str, body: str) -> tuple[str, str]:
    """A reply becomes a message: its body has a message's limit (the form says so first)."""
    title = title.strip()
    body = body.strip()
    if not title or len(title) > TITLE_MAX_CHARS or not body or len(body) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ValueError(
            f"title and body must be 1-{TITLE_MAX_CHARS} and 1-{settings.CHAT_MAX_MESSAGE_CHARS} characters"
        )
    return title, body


def _publish(reply: CannedReply) -> None:
    """After commit, send each staff member who sees `reply` their new list of replies."""
    owner_id, desk_id = reply.owner_id, reply.desk_id

    def publish() -> None:
        if owner_id is not None:
            audience = list(Staff.objects.filter(pk=owner_id, is_active=True))
        else:
            audience = list(staff_of_desk(Desk.objects.get(pk=desk_id))) if desk_id is not None else []
        for member in audience:
            deliver(staff_group(member.pk), canned_event(canned_replies_for(member)))

    send_events_after_commit(publish)


def do_create_canned_reply(
    staff: Staff, *, title: str, body: str, language: str, desk: Desk | None = None
) -> CannedReply:
    """Create a personal reply (desk None) or a shared one for `desk`."""
    check_may_manage_canned(staff)
    title, body = _check_fields(title, body)
    if desk is not None and not shared_reply_desks(staff).filter(pk=desk.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        reply = CannedReply.objects.create(
            title=title,
            body=body,
            language=language,
            desk=desk,
            owner=None if desk is not None else staff,
        )
        _publish(reply)
    return reply


def do_update_canned_reply(staff: Staff, reply: CannedReply, *, title: str, body: str, language: str) -> CannedReply:
    """Change a reply's text; its scope (personal or which desk) stays."""
    reply = get_canned_reply_for_edit(staff, reply.pk)
    reply.title, reply.body = _check_fields(title, body)
    reply.language = language
    with transaction.atomic():
        reply.save(update_fields=["title", "body", "language"])
        _publish(reply)
    return reply


def do_delete_canned_reply(staff: Staff, reply: CannedReply) -> None:
    reply = get_canned_reply_for_edit(staff, reply.pk)
    with transaction.atomic():
        _publish(reply)
        reply.delete()


def may_edit_canned(staff: Staff, reply: CannedReply, shared_desk_ids: set[int]) -> bool:
    """Whether the list page offers edit and delete for `reply` (the actions check again)."""
    if reply.owner_id is not None:
        return reply.owner_id == staff.pk
    return reply.desk_id in shared_desk_ids
