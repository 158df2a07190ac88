"""The WebSocket endpoints of the protocol (docs/protocol.md).

Consumers parse, authorise and delegate: every rule lives in
conversations.actions, which the handlers call in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from calls.ice import ice_settings
from common.events import (
    Outbox,
    conversation_group,
    conversation_staff_group,
    desk_group,
    desk_states_group,
    guest_group,
    run_collecting,
    send_outbox,
    session_group,
)
from common.languages import is_supported
from common.ratelimit import Limiter, make_limiter
from conversations.actions import call_presence
from conversations.actions.access import GuestGone
from conversations.errors import ChatError
from conversations.models import staff_can_write
from conversations.outbound import call_event_for_client, error_event, gone_event, localise, pong_event, with_links
from realtime import handlers
from realtime.inbound import Party, ProtocolError, parse_frame

logger = logging.getLogger(__name__)
T = TypeVar("T")

CLIENT_LIMITER = make_limiter("client", settings.CHAT_CLIENT_RATE_BURST, settings.CHAT_CLIENT_RATE_PER_SECOND)
STAFF_LIMITER = make_limiter("staff", settings.CHAT_STAFF_RATE_BURST, settings.CHAT_STAFF_RATE_PER_SECOND)
# A guest writes like a client (an interpreter relays the client's words): the client's flood limit.
GUEST_LIMITER = make_limiter("guest", settings.CHAT_CLIENT_RATE_BURST, settings.CHAT_CLIENT_RATE_PER_SECOND)


def dumps(event: Mapping[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class BaseChatConsumer(AsyncWebsocketConsumer):
    party: Party
    limiter: Limiter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ready = False
        self.refused = False
        self.language = settings.LANGUAGE_CODE
        self.groups_joined: set[str] = set()
        self.rate_key = ""
        # Conversations whose open call this socket's peer was told of (see `with_ice`, `disconnect`).
        self.call_conversations: set[int] = set()

    def peer_id(self) -> str:
        """This socket's party as a peer (docs/protocol.md, "Peers": "client", "staff:<id>", "guest:<id>"):
        whom calls' events and signals and file links name."""
        return self.party

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its `aclose_old_connections()` before every message.

        Channels (4.2 and later) sends every ASGI message, each frame received
        and each event relayed from the channel layer, through the database
        thread first to close stale connections. Here only `run` touches the
        database, and `database_sync_to_async` already does that clean-up
        around each call; the extra trips were three of the four that one chat
        message cost the database thread, which every party shares
        (docs/performance.md).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.rate_key = f"conn:{self.channel_name}"
        await self.accept()

    async def refuse(self, code: int) -> None:
        """Close with a protocol close code (4401, 4403) the browser can see.

        Closing before accepting would turn into a bare HTTP 403 of the
        handshake, which a page cannot tell apart from a network problem; so the
        socket is accepted and closed at once, and no frame is ever read.
        """
        self.refused = True
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.call_conversations:
            # In a call: it ends as lost unless this peer comes back within CALL_LOST_SECONDS.
            try:
                await self.run(handlers.call_peer_gone, self.peer_id(), set(self.call_conversations))
            except (OperationalError, InterfaceError, DatabaseError) as exc:
                logger.warning("call peer gone not recorded: %s", type(exc).__name__)
            self.call_conversations.clear()
        # After `gone` is recorded: until then this socket still holds its calls (call_presence).
        call_presence.socket_closed(self.channel_name)
        for group in list(self.groups_joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.clear()

    async def join(self, group: str) -> None:
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def leave(self, group: str) -> None:
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)

    async def send_event(self, event: Mapping[str, Any]) -> None:
        """Send one event (conversations.outbound) to this socket's party, desk names in its language.

        An attachment's links are signed here, for this socket's reader (issue 14):
        the one place, for live events, resumes and `file_link` alike.
        """
        if "attachment" in event:
            event = with_links(event, *self.link_reader())
        if event.get("type") == "call":
            event = self.with_ice(event)
        if self.party == "client" and event.get("type") in ("call", "call_signal"):
            event = call_event_for_client(event)
        await self.send(text_data=dumps(localise(event, self.language)))

    def link_reader(self) -> tuple[str, int | None]:
        """Whom this socket's file links are for: (peer id, the client's row id for a client)."""
        return self.peer_id(), None

    def with_ice(self, event: Mapping[str, Any]) -> Mapping[str, Any]:
        """A `call` event with this peer's ICE settings (fresh TURN credentials) when it may take part.

        Built per socket, never broadcast: each peer gets credentials of its own.
        Also remembers the calls this socket is in, for `disconnect`.
        """
        call = event.get("call")
        conversation_id = event["conversation"]
        peer = self.peer_id()
        if not call or call["state"] == "ended":
            self.call_conversations.discard(conversation_id)
            call_presence.socket_in_calls(self.channel_name, peer, self.call_conversations)
            return event
        # In the call now, or free to join it (everybody in the conversation may, while it rings or is active).
        if self.peer_id() in call["participants"]:
            self.call_conversations.add(conversation_id)
        else:
            self.call_conversations.discard(conversation_id)  # left it: a closing socket changes nothing
        # Kept alive by this process while this socket lives, even if the process dies unannounced.
        call_presence.socket_in_calls(self.channel_name, self.peer_id(), self.call_conversations)
        return {**event, "ice": ice_settings(relay_only=call["relay_only"])}

    async def send_error(self, error: ChatError, ref: str | None = None) -> None:
        await self.send_event(error_event(error, ref))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.refused:
            return
        with translation.override(self.language):
            ref = None
            try:
                wait = await self.limiter.ahit(self.rate_key)
                if wait:
                    raise ChatError("rate_limited", _("You are sending too fast. Wait a moment."), retry_after=wait)
                frame = parse_frame(self.party, text_data)
                ref = frame.get("ref")
                if frame["type"] == "hello" and is_supported(frame.get("lang")):
                    # The welcome (outcome labels, errors) is already in the party's language.
                    self.language = frame["lang"]
                    translation.activate(self.language)
                if frame["type"] == "ping":
                    if await self.may_continue():
                        await self.send_event(pong_event(ref))
                    return
                if not self.ready and frame["type"] != "hello":
                    raise ChatError("not_ready", _("The connection is not ready yet. Wait a moment and try again."))
                if self.ready and frame["type"] == "hello":
                    # One hello per socket: a new token would otherwise bring a fresh rate limit.
                    raise ChatError("bad_message", _("This connection has already started. Reconnect to start again."))
                await self.dispatch_frame(frame)
            except ProtocolError as error:
                await self.send_error(error, error.ref)
            except ChatError as error:
                await self.send_error(error, ref)
            except (OperationalError, InterfaceError, DatabaseError, ConnectionError, OSError, RedisError) as exc:
                if isinstance(exc, (OperationalError, InterfaceError, ConnectionError, OSError, RedisError)):
                    # An outage (database or Redis unreachable, or too slow): expected now
                    # and then. Nothing was stored (a stored change is answered, see
                    # common.events); the party keeps what it sent and tries again.
                    logger.warning("chat frame failed: %s", type(exc).__name__)
                else:
                    # Any other database error is a bug (it hid PostgreSQL's refusal of
                    # FOR UPDATE on an outer join once): keep the traceback.
                    logger.error("chat frame failed: %s", type(exc).__name__, exc_info=True)
                await self.send_error(
                    ChatError("unavailable", _("The service is having a problem. Nothing was saved; try again.")),
                    ref,
                )

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        raise NotImplementedError

    async def may_continue(self) -> bool:
        """Whether the socket may go on (a staff socket checks its session; it closes when that ended)."""
        return True

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run a synchronous handler in the database thread, then send the events it caused.

        The events (collected by common.events after the commit) go out from
        this event loop before the frame is answered, so a party sees the
        message event no later than the sender sees its ack.
        """
        outbox: Outbox = []
        try:
            return await database_sync_to_async(run_collecting)(outbox, function, *args)
        finally:
            # Never raises: what caused these events is committed (see common.events).
            await send_outbox(self.channel_layer, outbox)

    async def relay(self, message: dict[str, Any]) -> None:
        """An event from the channel layer (see common.events.send_event)."""
        if message.get("exclude") == self.channel_name:
            return
        group = message.get("group")
        if group is not None and group not in self.groups_joined:
            return  # sent before this socket left the stream (e.g. its access ended): not for it any more
        audience = message.get("audience")
        if audience is not None and audience != self.party:
            return
        peer = message.get("peer")
        if peer is not None and peer != self.peer_id():
            return  # a call's signal for another participant
        adapted = await self.adapt_event(message["event"])
        if adapted is not None:
            await self.send_event(adapted)

    async def adapt_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        return event


class ClientConsumer(BaseChatConsumer):
    """An anonymous client: the widget or the client page."""

    party = "client"
    limiter = CLIENT_LIMITER

    def link_reader(self) -> tuple[str, int | None]:
        return self.peer_id(), self.client.pk

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "hello":
            self.client, _token, welcome = await self.run(handlers.client_hello, frame.get("token"))
            self.rate_key = f"client:{self.client.token_hash}"
            self.ready = True
            await self.send_event({**welcome, "ref": frame["ref"]})
            return
        if kind == "start":
            conversation_id = await self.run(handlers.client_start, self.client, frame, self.language)
            await self.resume(conversation_id, 0, frame["ref"])
            return
        if kind == "resume":
            await self.run(handlers.client_check, self.client, frame["conversation"])
            await self.resume(frame["conversation"], frame["after"], frame["ref"])
            return
        if kind == "desks":
            # Join first, then read: a change committed meanwhile still says `desks_changed`.
            await self.join(desk_states_group())
            await self.send_event(await self.run(handlers.client_desks, self.client, frame, self.channel_name))
            return
        if kind == "leave_message":
            # The message's conversation from its start, then its code: the client can come back at once.
            conversation_id, code = await self.run(handlers.client_leave_message, self.client, frame, self.language)
            await self.resume(conversation_id, 0, frame["ref"])
            await self.send_event(code)
            return
        if kind == "resume_code":
            # The code's conversation becomes this client's; then it is read from its start.
            conversation_id = await self.run(handlers.client_resume_code, self.client, frame, self.channel_name)
            await self.resume(conversation_id, 0, frame["ref"])
            return
        # The other frames (send, choose, typing, seen, handoff, vote, end): one handler each.
        handler = getattr(handlers, f"client_{kind}", None)
        if handler is None:  # pragma: no cover - inbound and handlers list the same types
            raise ChatError("unknown_type", _("Unknown message type."))
        reply = await self.run(handler, self.client, frame, self.channel_name)
        if reply is not None:
            await self.send_event(reply)

    async def resume(self, conversation_id: int, after: int, ref: str | None) -> None:
        """Join the live stream first, then read the history: the two may overlap, never leave a gap."""
        await self.join(conversation_group(conversation_id))
        for event in await self.run(handlers.client_resume, self.client, conversation_id, after, ref):
            await self.send_event(event)


# Staff frames that join or leave groups, handled step by step in the consumer.
CONNECTION_FRAMES = frozenset({"hello", "take", "step_in", "resume", "leave"})


class StaffConsumer(BaseChatConsumer):
    """A staff member in the console.

    Rights are read afresh for every frame (handlers.current_staff) and after
    every change of access announced to the socket (recheck_access): the socket
    follows only the desks and conversations its staff member may see now.
    """

    party = "staff"
    limiter = STAFF_LIMITER

    def peer_id(self) -> str:
        return f"staff:{self.staff.pk}"

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(4401)
            return
        try:
            self.staff = await self.run(handlers.current_staff, self.scope)
        except handlers.StaffStopped as stopped:
            await self.refuse(stopped.close_code)
            return
        self.desk_ids: set[int] = set()
        self.conversation_ids: set[int] = set()
        await super().connect()
        self.rate_key = f"staff:{user.pk}"
        # Logout anywhere closes this socket at once (accounts.sessions.close_sockets_at_logout) ...
        await self.join(session_group(self.scope["session"].session_key))
        # ... and idle expiry within STAFF_SOCKET_CHECK_SECONDS, even if it never sends a frame.
        self.session_watch = asyncio.create_task(self.watch_session())
        # In the console: on duty at the staff member's desks unless away (conversations.actions.duty).
        await self.run(handlers.staff_console_opened, self.staff, self.channel_name)

    async def disconnect(self, code: int) -> None:
        watch = getattr(self, "session_watch", None)
        if watch is not None:
            watch.cancel()
            try:
                await self.run(handlers.staff_console_closed, self.channel_name)
            except (OperationalError, InterfaceError, DatabaseError) as exc:
                # The row expires by itself (DUTY_SOCKET_EXPIRY_SECONDS).
                logger.warning("console close not recorded: %s", type(exc).__name__)
        await super().disconnect(code)

    async def watch_session(self) -> None:
        """Check the session now and then, and close the socket once it is no longer valid."""
        while not self.refused:
            await asyncio.sleep(settings.STAFF_SOCKET_CHECK_SECONDS)
            try:
                staff = await database_sync_to_async(handlers.current_staff)(self.scope)
            except (OperationalError, InterfaceError, DatabaseError) as exc:
                logger.warning("session check failed: %s", type(exc).__name__)  # an outage: try again later
                continue
            except handlers.StaffStopped as stopped:
                await self.end(stopped.close_code)
                return
            self.staff = staff
            try:
                # The sign of life that keeps this console counted as present.
                await self.run(handlers.staff_console_alive, staff, self.channel_name)
            except (OperationalError, InterfaceError, DatabaseError) as exc:
                logger.warning("console heartbeat failed: %s", type(exc).__name__)

    async def staff_now(self) -> Any | None:
        """The staff member as they are now; None (and the socket closing) once they may not go on."""
        try:
            self.staff = await self.run(handlers.current_staff, self.scope)
        except handlers.StaffStopped as stopped:
            await self.end(stopped.close_code)
            return None
        return self.staff

    async def may_continue(self) -> bool:
        return await self.staff_now() is not None

    async def end(self, code: int) -> None:
        """Stop, as the console pages do: 4401 logged out, idle-expired, deactivated or a new
        password since the socket opened; 4403 the role no longer answers clients."""
        if self.refused:
            return
        self.refused = True
        await self.close(code=code)

    async def recheck_access(self) -> None:
        """Access changed (conversations.access_changes): follow only what may be seen now.

        Conversations no longer visible are left and the console is told
        (`gone`); when the desks or the role changed, the desk streams are left
        or joined and the console gets a fresh `welcome` and the new desks'
        snapshots, as after a reconnect.
        """
        try:
            staff, desk_ids, hidden = await self.run(handlers.staff_access, self.scope, set(self.conversation_ids))
        except handlers.StaffStopped as stopped:
            await self.end(stopped.close_code)
            return
        before = self.staff
        self.staff = staff
        for conversation_id in sorted(hidden):
            await self.leave_conversation(conversation_id)
            await self.send_event(gone_event(conversation_id))
        role_changed = (staff.role, staff.may_supervise, staff.is_superuser) != (
            before.role,
            before.may_supervise,
            before.is_superuser,
        )
        if not self.ready or (desk_ids == self.desk_ids and not role_changed):
            return
        for desk_id in self.desk_ids - desk_ids:
            await self.leave(desk_group(desk_id))
        await self.greet(None)

    async def greet(self, ref: str | None) -> None:
        """Join the staff member's desk streams and send the welcome and the desks' snapshots."""
        welcome, groups, snapshots = await self.run(handlers.staff_hello, self.staff)
        for group in groups:
            await self.join(group)
        self.desk_ids = {desk["id"] for desk in welcome["desks"]}
        self.ready = True
        await self.send_event({**welcome, "ref": ref} if ref is not None else welcome)
        for snapshot in snapshots:
            await self.send_event(snapshot)

    async def leave_conversation(self, conversation_id: int) -> None:
        await self.leave(conversation_group(conversation_id))
        await self.leave(conversation_staff_group(conversation_id))
        self.conversation_ids.discard(conversation_id)

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind not in CONNECTION_FRAMES:
            # The common frames (send, typing, seen, note, ...): the staff member read
            # afresh and the handler in one trip to the database thread.
            handler = getattr(handlers, f"staff_{kind}", None)
            if handler is None:  # pragma: no cover - schemas and handlers list the same types
                raise ChatError("unknown_type", _("Unknown message type."))
            try:
                reply = await self.run(handlers.with_current_staff, self.scope, handler, frame, self.channel_name)
            except handlers.StaffStopped as stopped:
                await self.end(stopped.close_code)
                return
            if reply is not None:
                await self.send_event({**reply, "ref": frame["ref"]})
            return
        staff = await self.staff_now()
        if staff is None:
            return
        if kind == "hello":
            await self.greet(frame["ref"])
            return
        if kind in ("take", "step_in", "resume"):
            # Authorise (and take), then join the conversation's groups, then read:
            # whatever is stored meanwhile arrives live or in what is read.
            first_step: dict[str, Callable[..., int]] = {
                "take": handlers.staff_take,
                "step_in": handlers.staff_step_in,
                "resume": handlers.staff_check,
            }
            conversation_id: int = await self.run(first_step[kind], staff, frame)
            await self.join(conversation_group(conversation_id))
            await self.join(conversation_staff_group(conversation_id))
            self.conversation_ids.add(conversation_id)
            events: Sequence[Mapping[str, Any]]
            try:
                if kind == "resume":
                    events = await self.run(handlers.staff_resume, staff, conversation_id, frame["after"])
                else:
                    events = await self.run(handlers.staff_state, staff, conversation_id)
            except ChatError:
                # Moved away between the check and the read: follow it no longer.
                await self.leave_conversation(conversation_id)
                raise
            for event in events:
                await self.send_event({"ref": frame["ref"], **event})
            return
        if kind == "leave":
            await self.leave_conversation(frame["conversation"])

    async def adapt_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        if event.get("type") == "session_ended":
            # Not a protocol event: the session was ended elsewhere (logout).
            await self.end(4401)
            return None
        if event.get("type") == "access_changed":
            # Not a protocol event either: conversations.access_changes.
            await self.recheck_access()
            return None
        if event.get("type") == "conversation":
            # A broadcast state leaves `can_write` to each staff socket (conversations.outbound).
            state = dict(event["conversation"])
            assigned = state.get("assigned")
            state["can_write"] = staff_can_write(state["status"], assigned["id"] if assigned else None, self.staff.pk)
            return {"type": "conversation", "conversation": state}
        return event


# --- Guests: a conversation's third participant (issue 14; conversations.actions.guests) ------------

# The events a guest's socket passes on: only those meant for everybody in the conversation. Notes
# (the staff stream), states and receipts (client or staff shapes), votes and deletions never reach
# a guest. A call's state reaches every guest (they may join); its signals only the guest they are
# addressed to (`relay`'s peer filter, and `adapt_event` below).
GUEST_CALL_EVENTS: frozenset[str] = frozenset({"call", "call_signal"})
GUEST_RELAYED = frozenset({"message", "typing", "guests"}) | GUEST_CALL_EVENTS
# Closed when the guest's part ends: "no longer in this conversation" (final, like a staff socket's 4403).
GUEST_GONE_CLOSE_CODE = 4403


class GuestConsumer(BaseChatConsumer):
    """A guest (an interpreter or another professional) in the one conversation their link let them into.

    Who they are comes from the session the guest page set when the link was
    redeemed (widget.guest_views); whether they may still take part is read
    afresh for every frame (conversations.actions.access.current_guest). Leaving,
    removal or the conversation's close reach every socket of the guest through
    its own group (`guest-<id>`) and close it at once.
    """

    party = "guest"
    limiter = GUEST_LIMITER

    async def connect(self) -> None:
        session = self.scope.get("session")
        guest_id = await self.run(handlers.guest_of_session, session) if session is not None else None
        if guest_id is None:
            await self.refuse(4401)
            return
        try:
            await self.run(handlers.guest_hello, guest_id)
        except ChatError:
            await self.refuse(GUEST_GONE_CLOSE_CODE)
            return
        self.guest_id: int = guest_id
        # The guest's peer id (docs/protocol.md: peers), what call events are addressed `to`.
        self.peer = f"guest:{guest_id}"
        await super().connect()
        self.rate_key = f"guest:{guest_id}"
        await self.join(guest_group(guest_id))

    async def end(self) -> None:
        if self.refused:
            return
        self.refused = True
        await self.close(code=GUEST_GONE_CLOSE_CODE)

    def peer_id(self) -> str:
        return self.peer

    async def may_continue(self) -> bool:
        """A ping too checks that the guest is still in (should the event that ended them have been lost)."""
        try:
            await self.run(handlers.guest_hello, self.guest_id)
        except GuestGone:
            await self.end()
            return False
        return True

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        try:
            await self.guest_frame(frame)
        except GuestGone as gone:
            await self.send_error(gone, frame["ref"])
            await self.end()

    async def guest_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "hello":
            welcome = await self.run(handlers.guest_hello, self.guest_id)
            self.ready = True
            await self.send_event({**welcome, "ref": frame["ref"]})
            return
        if kind == "resume":
            # As a client's: join the live stream first, then read (from the guest's joining on).
            conversation_id = frame["conversation"]
            await self.run(handlers.guest_check, self.guest_id, conversation_id)
            await self.join(conversation_group(conversation_id))
            for event in await self.run(
                handlers.guest_resume, self.guest_id, conversation_id, frame["after"], frame["ref"]
            ):
                await self.send_event(event)
            return
        handler = getattr(handlers, f"guest_{kind}", None)
        if handler is None:  # pragma: no cover - inbound and handlers list the same types
            raise ChatError("unknown_type", _("Unknown message type."))
        reply = await self.run(handler, self.guest_id, frame, self.channel_name)
        if reply is not None:
            await self.send_event(reply)

    async def adapt_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        kind = event.get("type")
        if kind == "guest_ended":
            # Left, removed, or the conversation closed: say so, then close every socket of the guest.
            await self.send_event(event)
            await self.end()
            return None
        if kind in GUEST_CALL_EVENTS and event.get("to") not in (None, self.peer):
            return None  # a call event addressed to another peer
        return event if kind in GUEST_RELAYED else None
