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

from accounts.sessions import socket_session_valid
from common.events import (
    Outbox,
    conversation_group,
    conversation_staff_group,
    run_collecting,
    send_outbox,
    session_group,
)
from common.languages import is_supported
from common.ratelimit import Limiter, make_limiter
from conversations.errors import ChatError
from conversations.models import staff_can_write
from conversations.outbound import error_event, pong_event
from realtime import handlers
from realtime.inbound import Party, ProtocolError, parse_frame

logger = logging.getLogger(__name__)
T = TypeVar("T")

CLIENT_LIMITER = make_limiter("client", settings.CHAT_CLIENT_RATE_BURST, settings.CHAT_CLIENT_RATE_PER_SECOND)
STAFF_LIMITER = make_limiter("staff", settings.CHAT_STAFF_RATE_BURST, settings.CHAT_STAFF_RATE_PER_SECOND)


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
        """Send one event (conversations.outbound) to this socket's party."""
        await self.send(text_data=dumps(event))

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
        audience = message.get("audience")
        if audience is not None and audience != self.party:
            return
        adapted = await self.adapt_event(message["event"])
        if adapted is not None:
            await self.send_event(adapted)

    async def adapt_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        return event


class ClientConsumer(BaseChatConsumer):
    """An anonymous client: the widget or the client page."""

    party = "client"
    limiter = CLIENT_LIMITER

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
    """A staff member in the console."""

    party = "staff"
    limiter = STAFF_LIMITER

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(4401)
            return
        verified = await self.run(socket_session_valid, self.scope)
        if not verified:
            await self.refuse(4401)
            return
        if not user.may_answer:
            await self.refuse(4403)
            return
        self.staff = user
        await super().connect()
        self.rate_key = f"staff:{user.pk}"
        # Logout anywhere closes this socket at once (accounts.sessions.close_sockets_at_logout) ...
        await self.join(session_group(self.scope["session"].session_key))
        # ... and idle expiry within STAFF_SOCKET_CHECK_SECONDS, even if it never sends a frame.
        self.session_watch = asyncio.create_task(self.watch_session())

    async def disconnect(self, code: int) -> None:
        watch = getattr(self, "session_watch", None)
        if watch is not None:
            watch.cancel()
        await super().disconnect(code)

    async def watch_session(self) -> None:
        """Check the session now and then, and close the socket once it is no longer valid."""
        while not self.refused:
            await asyncio.sleep(settings.STAFF_SOCKET_CHECK_SECONDS)
            try:
                valid = await database_sync_to_async(socket_session_valid)(self.scope)
            except (OperationalError, InterfaceError, DatabaseError) as exc:
                logger.warning("session check failed: %s", type(exc).__name__)  # an outage: try again later
                continue
            if not valid:
                await self.session_ended()
                return

    async def may_continue(self) -> bool:
        if await self.run(socket_session_valid, self.scope):
            return True
        await self.session_ended()
        return False

    async def session_ended(self) -> None:
        """Logged out or idle-expired since the socket opened: stop, as the console pages do."""
        if self.refused:
            return
        self.refused = True
        await self.close(code=4401)

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        staff = self.staff
        if kind not in CONNECTION_FRAMES:
            # The common frames (send, typing, seen, note, ...): the session check and
            # the handler in one trip to the database thread.
            handler = getattr(handlers, f"staff_{kind}", None)
            if handler is None:  # pragma: no cover - schemas and handlers list the same types
                raise ChatError("unknown_type", _("Unknown message type."))
            try:
                reply = await self.run(handlers.with_live_session, self.scope, handler, staff, frame, self.channel_name)
            except handlers.SessionEnded:
                await self.session_ended()
                return
            if reply is not None:
                await self.send_event({**reply, "ref": frame["ref"]})
            return
        if not await self.run(socket_session_valid, self.scope):
            await self.session_ended()
            return
        if kind == "hello":
            welcome, groups, snapshots = await self.run(handlers.staff_hello, staff)
            for group in groups:
                await self.join(group)
            self.ready = True
            await self.send_event({**welcome, "ref": frame["ref"]})
            for snapshot in snapshots:
                await self.send_event(snapshot)
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
            events: Sequence[Mapping[str, Any]]
            if kind == "resume":
                events = await self.run(handlers.staff_resume, staff, conversation_id, frame["after"])
            else:
                events = await self.run(handlers.staff_state, staff, conversation_id)
            for event in events:
                await self.send_event({"ref": frame["ref"], **event})
            return
        if kind == "leave":
            await self.leave(conversation_group(frame["conversation"]))
            await self.leave(conversation_staff_group(frame["conversation"]))

    async def adapt_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        if event.get("type") == "session_ended":
            # Not a protocol event: the session was ended elsewhere (logout).
            await self.session_ended()
            return None
        if event.get("type") == "conversation":
            # A broadcast state leaves `can_write` to each staff socket (conversations.outbound).
            state = dict(event["conversation"])
            assigned = state.get("assigned")
            state["can_write"] = staff_can_write(state["status"], assigned["id"] if assigned else None, self.staff.pk)
            return {"type": "conversation", "conversation": state}
        return event
