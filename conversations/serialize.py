"""The shapes of conversation data in protocol events (docs/protocol.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conversations.models import Conversation, Message, Note, SenderKind, Status
from desks.models import Desk

if TYPE_CHECKING:
    from accounts.models import Staff


def desk_ref(desk: Desk) -> dict[str, Any]:
    return {"id": desk.pk, "slug": desk.slug, "name": desk.name}


def conversation_state(
    conversation: Conversation, *, viewer: Staff | None = None, staff_view: bool = False
) -> dict[str, Any]:
    """The `conversation` object.

    The client's view names staff by public name only. The staff view
    (`staff_view`, or any `viewer`) adds staff ids and the language; a `viewer`
    also gets `can_write` (broadcasts leave that to each staff socket).
    """
    assigned = conversation.assigned_to
    state: dict[str, Any] = {
        "id": conversation.pk,
        "desk": desk_ref(conversation.desk),
        "status": conversation.status,
        "nickname": conversation.nickname,
        "assigned": {"id": assigned.pk, "name": assigned.public_name} if assigned else None,
        "last_seq": conversation.last_seq,
        "urgent": conversation.urgent,
        "crisis": conversation.crisis_at is not None,
        "outcome": conversation.outcome,
        "closed_by_client": conversation.closed_by_client,
        "queued_at": conversation.queued_at.isoformat() if conversation.queued_at else None,
        "receipts": {
            "client": {"delivered": conversation.client_delivered_seq, "read": conversation.client_read_seq},
            "staff": {"delivered": conversation.staff_delivered_seq, "read": conversation.staff_read_seq},
        },
    }
    if viewer is not None or staff_view:
        state["language"] = conversation.language
        state["handoff_reason"] = conversation.handoff_reason
        if viewer is not None:
            state["can_write"] = conversation.status == Status.ACTIVE and conversation.assigned_to_id == viewer.pk
    else:
        # Clients see staff by public name only: no ids.
        if state["assigned"]:
            state["assigned"] = {"name": assigned.public_name if assigned else ""}
    return state


def message_event(message: Message) -> dict[str, Any]:
    event = {
        "type": "message",
        "conversation": message.conversation_id,
        "seq": message.seq,
        "id": message.client_msg_id,
        "sender": message.sender_kind,
        "name": message.sender_name,
        "body": message.body,
        "code": message.code,
        "args": message.args,
        "at": message.created_at.isoformat(),
    }
    if message.sender_kind == SenderKind.BOT:
        # Bot answers are authored Markdown: sent also as sanitised HTML, so that
        # no party needs a Markdown renderer (see bot.markdown).
        from bot.markdown import render_answer

        event["html"] = render_answer(message.body) if message.body else ""
        plain = message.args.get("plain") or ""
        if plain:
            event["plain_html"] = render_answer(plain)
    return event


def note_event(note: Note) -> dict[str, Any]:
    return {
        "type": "note",
        "conversation": note.conversation_id,
        "note": {
            "id": note.pk,
            "client_id": note.client_msg_id,
            "author": note.author.public_name if note.author else "",
            "body": note.body,
            "at": note.created_at.isoformat(),
        },
    }


def queue_event(conversation_id: int, position: int, waiting: int) -> dict[str, Any]:
    return {"type": "queue", "conversation": conversation_id, "position": position, "waiting": waiting}


def receipt_event(conversation_id: int, side: str, delivered: int, read: int) -> dict[str, Any]:
    return {"type": "receipt", "conversation": conversation_id, "side": side, "delivered": delivered, "read": read}


def typing_event(conversation_id: int, sender: str, active: bool) -> dict[str, Any]:
    return {"type": "typing", "conversation": conversation_id, "sender": sender, "active": active}


def voted_event(conversation_id: int, seq: int, helpful: bool) -> dict[str, Any]:
    return {"type": "voted", "conversation": conversation_id, "seq": seq, "helpful": helpful}
