"""Which desks a staff member works at, and the rules around them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.models import Role, Staff
from desks.models import CannedReply, Desk


def desks_for_staff(staff: Staff) -> QuerySet[Desk]:
    """The desks whose queues and conversations `staff` may see.

    Members see their own desks; an organisation's admin sees every desk of the
    organisation; a superuser sees all. Editors answer no one.
    """
    if not staff.may_answer:
        return Desk.objects.none()
    if staff.is_superuser:
        return Desk.objects.all()
    if staff.role == Role.ADMIN and staff.organisation_id is not None:
        return Desk.objects.filter(Q(organisation_id=staff.organisation_id) | Q(memberships__staff=staff)).distinct()
    return Desk.objects.filter(memberships__staff=staff).distinct()


def canned_replies_for(staff: Staff) -> QuerySet[CannedReply]:
    """Personal replies plus those shared at the staff member's desks."""
    return CannedReply.objects.filter(Q(owner=staff) | Q(desk__in=desks_for_staff(staff), owner__isnull=True)).order_by(
        "title"
    )


# --- Canned replies -------------------------------------------------------------------
#
# A personal reply (owner set, desk empty) belongs to one staff member, who alone
# sees and edits it. A shared reply (desk set, owner empty) is seen by everybody
# at the desk; only supervisors and admins of that desk create, edit or delete it.


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
    title = title.strip()
    body = body.strip()
    if not title or len(title) > 80 or not body or len(body) > 4000:
        raise ValueError("title and body must be 1-80 and 1-4000 characters")
    return title, body


def do_create_canned_reply(
    staff: Staff, *, title: str, body: str, language: str, desk: Desk | None = None
) -> CannedReply:
    """Create a personal reply (desk None) or a shared one for `desk`."""
    check_may_manage_canned(staff)
    title, body = _check_fields(title, body)
    if desk is not None and not shared_reply_desks(staff).filter(pk=desk.pk).exists():
        raise PermissionDenied
    return CannedReply.objects.create(
        title=title,
        body=body,
        language=language,
        desk=desk,
        owner=None if desk is not None else staff,
    )


def do_update_canned_reply(staff: Staff, reply: CannedReply, *, title: str, body: str, language: str) -> CannedReply:
    """Change a reply's text; its scope (personal or which desk) stays."""
    reply = get_canned_reply_for_edit(staff, reply.pk)
    reply.title, reply.body = _check_fields(title, body)
    reply.language = language
    reply.save(update_fields=["title", "body", "language"])
    return reply


def do_delete_canned_reply(staff: Staff, reply: CannedReply) -> None:
    reply = get_canned_reply_for_edit(staff, reply.pk)
    reply.delete()


def may_edit_canned(staff: Staff, reply: CannedReply, shared_desk_ids: set[int]) -> bool:
    """Whether the list page offers edit and delete for `reply` (the actions check again)."""
    if reply.owner_id is not None:
        return reply.owner_id == staff.pk
    return reply.desk_id in shared_desk_ids
