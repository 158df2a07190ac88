"""Synchronous handlers of protocol frames, run in a worker thread by the consumers.

Each handler authorises the party, calls the actions and returns the events that
answer the frame. The rules themselves live in conversations.actions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import import_module
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from accounts.sessions import session_is_fresh, session_otp_verified
from common.events import conversation_group, desk_group, send_event, staff_group
from conversations import actions, bot_part
from conversations.errors import ChatError
from conversations.models import Client, Outcome
from conversations.serialize import conversation_state, message_event, note_event
from desks.actions import canned_replies_for, desks_for_staff
from desks.models import Desk, DeskMembership

T = TypeVar("T")


def limits() -> dict[str, int]:
    return {"max_message_chars": settings.CHAT_MAX_MESSAGE_CHARS, "max_frame_bytes": settings.CHAT_MAX_FRAME_BYTES}


# --- Client -----------------------------------------------------------------------


def client_hello(token: str | None) -> tuple[Client, str, dict[str, Any]]:
    client, token = actions.get_or_create_client(token)
    conversations = [
        {"id": c.pk, "desk": c.desk.slug, "status": c.status, "last_seq": c.last_seq}
        for c in actions.open_conversations_of(client)
    ]
    return client, token, {"type": "welcome", "token": token, "conversations": conversations, "limits": limits()}


def client_start(client: Client, frame: dict[str, Any], language: str) -> int:
    """Open a conversation; the consumer then joins its group and sends `client_resume(after=0)`."""
    person = bool(frame.get("person"))
    desk = bot_part.check_start(client, frame["desk"], person=person)
    return bot_part.do_start(
        client, desk, nickname=frame.get("nickname") or "", language=frame.get("lang") or language, person=person
    )


def client_check(client: Client, conversation_id: int) -> None:
    """Raise not_found unless the conversation is the client's (before joining its group)."""
    actions.check_client_conversation(client, conversation_id)


def client_resume(client: Client, frame: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation's state, the messages after `after`, `synced` and the queue place.

    Called after the socket joined the conversation's group, so that a message
    stored while this runs arrives live if it is not in the history read here.
    """
    conversation = actions.check_client_conversation(client, frame["conversation"])
    events: list[dict[str, Any]] = [{"type": "conversation", "conversation": conversation_state(conversation)}]
    events += [message_event(m) for m in actions.messages_after(conversation, frame["after"])]
    events.append({"type": "synced", "conversation": conversation.pk, "last_seq": conversation.last_seq})
    if conversation.status == "queued":
        queue = [c.pk for c in actions.queue_of(conversation.desk_id)]
        if conversation.pk in queue:
            events.append(
                {
                    "type": "queue",
                    "conversation": conversation.pk,
                    "position": queue.index(conversation.pk) + 1,
                    "waiting": len(queue),
                }
            )
    for event in events:
        event["ref"] = frame["ref"]
    return events


def ack(message_conversation: int, client_msg_id: str, seq: int, ref: Any) -> dict[str, Any]:
    return {"type": "ack", "conversation": message_conversation, "id": client_msg_id, "seq": seq, "ref": ref}


def client_send(client: Client, frame: dict[str, Any]) -> dict[str, Any]:
    message = bot_part.do_client_send(client, frame["conversation"], body=frame["body"], client_msg_id=frame["id"])
    return ack(message.conversation_id, frame["id"], message.seq, frame["ref"])


def client_choose(client: Client, frame: dict[str, Any]) -> dict[str, Any]:
    message = bot_part.do_choose_topic(client, frame["conversation"], topic=frame["topic"], client_msg_id=frame["id"])
    return ack(message.conversation_id, frame["id"], message.seq, frame["ref"])


def client_handoff(client: Client, frame: dict[str, Any]) -> None:
    bot_part.do_handoff(client, frame["conversation"], reason=frame.get("reason") or "asked")


def client_vote(client: Client, frame: dict[str, Any]) -> None:
    bot_part.do_client_vote(client, frame["conversation"], seq=frame["seq"], helpful=frame["helpful"])


def client_typing(client: Client, frame: dict[str, Any], channel_name: str) -> None:
    conversation = actions.check_client_conversation(client, frame["conversation"])
    if conversation.status == "closed":
        return
    send_event(
        conversation_group(conversation.pk),
        {"type": "typing", "conversation": conversation.pk, "sender": "client", "active": frame["active"]},
        exclude_channel=channel_name,
    )


def client_seen(client: Client, frame: dict[str, Any]) -> None:
    conversation = actions.check_client_conversation(client, frame["conversation"])
    actions.do_mark_seen(conversation, side="client", delivered=frame.get("delivered"), read=frame.get("read"))


def client_end(client: Client, frame: dict[str, Any]) -> None:
    actions.do_client_end(client, frame["conversation"])


# --- Staff -------------------------------------------------------------------------


def staff_session_ok(scope: dict[str, Any]) -> bool:
    """The socket's session passed the second factor (where the role needs one) and is not idle-expired."""
    session = scope.get("session")
    user = scope.get("user")
    if session is None or user is None:
        return False
    if not session_is_fresh(session):
        return False
    return not user.requires_2fa or session_otp_verified(session, user)


def staff_session_alive(scope: dict[str, Any]) -> bool:
    """The socket's session is still valid, read afresh from the session store.

    A staff member may have logged out, or idled out, in the console since the
    socket opened; their open socket must then stop working as the page does.
    Checked before every staff frame, so with the database session store it is
    one plain query and a cached decode (docs/performance.md).
    """
    user = scope.get("user")
    session_key = getattr(scope.get("session"), "session_key", None)
    if user is None or not session_key:
        return False
    data = _session_data(session_key)
    if data is None or data.get(SESSION_KEY) != str(user.pk):
        return False
    return session_is_fresh(data) and (not user.requires_2fa or session_otp_verified(data, user))


class SessionEnded(Exception):
    """The staff member's session ended (logout, idle expiry) since the socket opened."""


def with_live_session(scope: dict[str, Any], handler: Callable[..., T], *args: Any) -> T:
    """Run `handler(*args)` only while the socket's session is alive; else raise SessionEnded."""
    if not staff_session_alive(scope):
        raise SessionEnded
    return handler(*args)


_DB_SESSIONS = "django.contrib.sessions.backends.db"


def _session_data(session_key: str) -> dict[str, Any] | None:
    """The session's contents, or None when it does not exist or has expired."""
    if settings.SESSION_ENGINE != _DB_SESSIONS:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
        return dict(store.items()) if store.exists(session_key) else None
    from django.contrib.sessions.models import Session

    expire = Session._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
    table = connection.ops.quote_name(Session._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
            [session_key, expire],
        )
        row = cursor.fetchone()
    return _decode_session(row[0]) if row else None


@functools.lru_cache(maxsize=4096)
def _decode_session(encoded: str) -> dict[str, Any]:
    # The same stored text always decodes to the same contents: decode (verify
    # the signature, parse JSON) once per change of the session, not per frame.
    from django.contrib.sessions.backends.db import SessionStore

    decoded: dict[str, Any] = SessionStore().decode(encoded)
    return decoded


def staff_hello(staff: Staff) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    desks = list(desks_for_staff(staff).select_related("organisation"))
    desk_ids = [d.pk for d in desks]
    colleagues: dict[int, dict[str, Any]] = {}
    # Colleagues by name only within one's own organisation and desks: staff of
    # other organisations stay unnamed (a transfer to their desk goes to its queue).
    memberships = (
        DeskMembership.objects.filter(staff__is_active=True)
        .filter(Q(desk__organisation_id=staff.organisation_id) | Q(desk__in=desk_ids))
        .select_related("staff")
    )
    for membership in memberships:
        member = membership.staff
        if member.pk == staff.pk:
            continue
        entry = colleagues.setdefault(member.pk, {"id": member.pk, "name": member.public_name, "desks": []})
        entry["desks"].append(membership.desk_id)
    # Transfers may go to any open desk of the region.
    all_desks = [{"id": d.pk, "slug": d.slug, "name": d.name} for d in Desk.objects.filter(is_active=True)]
    mine = list(
        staff.conversations.filter(status__in=actions.OPEN_STATUSES).values_list("pk", flat=True).order_by("pk")
    )
    welcome = {
        "type": "welcome",
        "staff": {
            "id": staff.pk,
            "name": staff.public_name,
            "role": staff.role,
            "supervisor": staff.role in ("admin", "supervisor") or staff.is_superuser,
        },
        "desks": [{"id": d.pk, "slug": d.slug, "name": d.name} for d in desks],
        "transfer_desks": all_desks,
        "colleagues": sorted(colleagues.values(), key=lambda c: c["name"]),
        "outcomes": [{"value": value, "label": str(label)} for value, label in Outcome.choices],
        "canned": [
            {"id": c.pk, "title": c.title, "body": c.body, "desk": c.desk_id, "personal": c.owner_id is not None}
            for c in canned_replies_for(staff)
        ],
        "conversations": mine,
        "limits": limits(),
    }
    groups = [desk_group(pk) for pk in desk_ids] + [staff_group(staff.pk)]
    snapshots = [actions.desk_snapshot(d) for d in desks]
    return welcome, groups, snapshots


def staff_state(staff: Staff, conversation_id: int) -> list[dict[str, Any]]:
    """The conversation's state as `staff` sees it (after a take or step-in)."""
    conversation = actions.check_staff_conversation(staff, conversation_id)
    return [{"type": "conversation", "conversation": conversation_state(conversation, viewer=staff)}]


def staff_take(staff: Staff, frame: dict[str, Any]) -> int:
    conversation = actions.do_take(staff, conversation_id=frame.get("conversation"), desk_id=frame.get("desk"))
    return conversation.pk


def staff_step_in(staff: Staff, frame: dict[str, Any]) -> int:
    conversation = actions.do_step_in(staff, frame["conversation"])
    return conversation.pk


def staff_check(staff: Staff, frame: dict[str, Any]) -> int:
    """Raise not_found unless `staff` may see the conversation (before joining its groups)."""
    return actions.check_staff_conversation(staff, frame["conversation"]).pk


def staff_resume(staff: Staff, conversation_id: int, after: int) -> list[dict[str, Any]]:
    """State, messages after `after`, all notes and `synced`; read after joining the groups."""
    conversation = actions.check_staff_conversation(staff, conversation_id)
    events: list[dict[str, Any]] = [
        {"type": "conversation", "conversation": conversation_state(conversation, viewer=staff)}
    ]
    events += [message_event(m) for m in actions.messages_after(conversation, after)]
    events += [note_event(n) for n in actions.notes_of(conversation)]
    events.append({"type": "synced", "conversation": conversation.pk, "last_seq": conversation.last_seq})
    return events


def staff_send(staff: Staff, frame: dict[str, Any], channel_name: str) -> dict[str, Any]:
    message, _created = actions.do_send_message(
        frame["conversation"], body=frame["body"], client_msg_id=frame["id"], staff=staff
    )
    return ack(message.conversation_id, frame["id"], message.seq, frame["ref"])


def staff_typing(staff: Staff, frame: dict[str, Any], channel_name: str) -> None:
    conversation = actions.check_staff_conversation(staff, frame["conversation"])
    actions.check_staff_can_write(staff, conversation)
    send_event(
        conversation_group(conversation.pk),
        {"type": "typing", "conversation": conversation.pk, "sender": "staff", "active": frame["active"]},
        exclude_channel=channel_name,
    )


def staff_seen(staff: Staff, frame: dict[str, Any], channel_name: str) -> None:
    conversation = actions.check_staff_conversation(staff, frame["conversation"])
    if conversation.assigned_to_id != staff.pk:
        return  # A supervisor watching does not mark the client's messages read.
    actions.do_mark_seen(conversation, side="staff", delivered=frame.get("delivered"), read=frame.get("read"))


def staff_note(staff: Staff, frame: dict[str, Any], channel_name: str) -> dict[str, Any]:
    note, _created = actions.do_add_note(staff, frame["conversation"], body=frame["body"], client_msg_id=frame["id"])
    return {"type": "ack", "conversation": note.conversation_id, "id": frame["id"], "note": note.pk}


def staff_transfer(staff: Staff, frame: dict[str, Any], channel_name: str) -> dict[str, Any]:
    conversation = actions.do_transfer(
        staff,
        frame["conversation"],
        to_desk_id=frame["desk"],
        to_staff_id=frame.get("staff"),
        note=frame.get("note") or "",
    )
    return {"type": "conversation", "conversation": conversation_state(conversation, viewer=staff)}


def staff_close(staff: Staff, frame: dict[str, Any], channel_name: str) -> dict[str, Any]:
    conversation = actions.do_close(staff, frame["conversation"], outcome=frame["outcome"])
    return {"type": "conversation", "conversation": conversation_state(conversation, viewer=staff)}


def forbidden() -> ChatError:
    return ChatError("forbidden", _("You cannot do that."))
