"""Voice and video calls inside a conversation (issue 14, item 2; docs/calls.md).

The server never carries a call's media: it keeps the call's state (ringing,
active, ended), writes its start, end and length into the transcript, and
relays the WebRTC signals (offer, answer, ICE candidates) between any two of
the call's participants over their sockets (each browser keeps one connection
per other participant: a small mesh, static/kohtaamo/call.js). Participants are named by peer id:
"client", "staff:<staff id>", "guest:<guest id>" (`Caller.peer`).

Who may call: everybody in an open conversation with a person (status
active): its client, its counsellor (the staff member it is assigned to, while
they may still see it) and its joined guests (`conversation_peers`). Each party
kind brings its own `Caller` (`client_caller`, `staff_caller`, `guest_caller`);
every rule below reads only the caller's peer id and its `check`.

A call's participants are a set (`Call.participants`): the one who started it,
then everybody else in the conversation is rung and each may join (accept)
while it rings or is active. The client and the counsellor are the call's core:
either hanging up (or declining it while it rings) ends it for all. A guest
declining, hanging up, leaving or being removed leaves only them (a transcript
line says so); the call ends when fewer than two remain.

Rules: one call at a time per conversation (a database constraint too); a
ringing call nobody answers is missed after `CALL_RING_SECONDS`; a participant
whose socket closes has `CALL_LOST_SECONDS` to come back (a reload) before the
call ends as lost (a guest: before they are out of it); the conversation's close ends its call (`end_call_of_closed`).
On a relay-only call (the desk's `calls_relay_only`, effective with TURN) the
server drops every address but the relays' from what it relays (calls.sdp).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from calls.ice import turn_configured
from calls.sdp import relay_candidate, relay_only_sdp
from common.capacity import run_every
from common.events import conversation_group, send_event
from conversations.actions.access import (
    check_client_conversation,
    check_guest_conversation,
    check_staff_conversation,
    lock_conversation,
)
from conversations.actions.transcript import system_message
from conversations.errors import ChatError
from conversations.models import Call, CallEnd, CallMedia, CallState, Client, Conversation, Guest, GuestState, Status
from conversations.outbound import CLIENT_STAFF_PEER, call_event, call_signal_event

logger = logging.getLogger(__name__)

CLIENT_PEER = "client"
# How often this process looks for calls nobody answered and participants who did not come back.
SWEEP_SECONDS = 1.0
# The longest trickled ICE candidate relayed, in characters (a candidate line is about 100-200).
MAX_CANDIDATE_CHARS = 1000


def staff_peer(staff_id: int) -> str:
    return f"staff:{staff_id}"


@dataclass(frozen=True)
class Caller:
    """A party acting on calls: its peer id, and how to check it may act in a conversation.

    `check(conversation_id)` returns the conversation or raises not_found for one
    the party may not see (the same answer as a missing one); `may_call` says
    whether it may take part in a call of that conversation.
    """

    peer: str
    check: Callable[[int], Conversation]
    may_call: Callable[[Conversation], bool]


def client_caller(client: Client) -> Caller:
    return Caller(
        peer=CLIENT_PEER,
        check=lambda conversation_id: check_client_conversation(client, conversation_id),
        may_call=lambda conversation: True,
    )


def staff_caller(staff: Staff) -> Caller:
    """A staff member as they are now: only the conversation's counsellor takes part in its calls."""
    return Caller(
        peer=staff_peer(staff.pk),
        check=lambda conversation_id: check_staff_conversation(staff, conversation_id),
        may_call=lambda conversation: conversation.assigned_to_id == staff.pk,
    )


def guest_peer(guest_id: int) -> str:
    return f"guest:{guest_id}"


def guest_caller(guest: Guest) -> Caller:
    """A guest as they are now: in the conversation (joined, read afresh by `check` and under the lock)."""
    return Caller(
        peer=guest_peer(guest.pk),
        check=lambda conversation_id: check_guest_conversation(guest.pk, conversation_id).conversation,
        may_call=lambda conversation: True,
    )


def core_peer(peer: str) -> bool:
    """The client and the counsellor: a call goes on only with both (a guest comes and goes)."""
    return not peer.startswith("guest:")


def _core_peers(conversation: Conversation) -> set[str]:
    """The conversation's client and its counsellor (when it has one) as peers."""
    peers = {CLIENT_PEER}
    if conversation.assigned_to_id is not None:
        peers.add(staff_peer(conversation.assigned_to_id))
    return peers


def conversation_peers(conversation: Conversation) -> set[str]:
    """Who may be in a call of the conversation now: its client, its counsellor and its joined guests."""
    peers = _core_peers(conversation)
    guests = Guest.objects.filter(conversation_id=conversation.pk, state=GuestState.JOINED).values_list("pk", flat=True)
    peers.update(guest_peer(guest_id) for guest_id in guests)
    return peers


def open_call(conversation_id: int) -> Call | None:
    """The conversation's call that has not ended, if any (at most one: a constraint)."""
    return Call.objects.filter(conversation_id=conversation_id).exclude(state=CallState.ENDED).first()


def call_length(call: Call) -> str:
    """How long an answered call lasted, "m:ss" (or "h:mm:ss"): the same in every language."""
    if call.answered_at is None or call.ended_at is None:
        return "0:00"
    seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _participant(caller: Caller, conversation_id: int) -> Conversation:
    """The conversation, locked, when `caller` may take part in its calls; else the refusal."""
    conversation = caller.check(conversation_id)
    if not caller.may_call(conversation):
        raise ChatError("forbidden", _("Only the people in this conversation can call in it."))
    conversation = lock_conversation(conversation.pk)
    if not caller.may_call(conversation) or caller.peer not in conversation_peers(conversation):
        raise ChatError("forbidden", _("Only the people in this conversation can call in it."))
    return conversation


def _the_call(conversation: Conversation, call_id: int) -> Call:
    call = Call.objects.select_for_update().filter(pk=call_id, conversation_id=conversation.pk).first()
    if call is None:
        raise ChatError("not_found", _("No such call."))
    return call


def _publish(call: Call) -> None:
    send_event(conversation_group(call.conversation_id), call_event(call.conversation_id, call))


def _end(conversation: Conversation, call: Call, reason: str, when: dt.datetime | None = None) -> None:
    """End a locked call: its state, the transcript's line, and everybody told."""
    was_active = call.state == CallState.ACTIVE
    call.state = CallState.ENDED
    call.ended_at = when or timezone.now()
    call.end_reason = reason
    call.gone = {}
    call.save(update_fields=["state", "ended_at", "end_reason", "gone"])
    if was_active:
        code = "call_lost" if reason == CallEnd.LOST else "call_ended"
        system_message(conversation, code, length=call_length(call))
    elif reason == CallEnd.DECLINED:
        system_message(conversation, "call_declined")
    elif reason == CallEnd.MISSED:
        system_message(conversation, "call_missed")
    else:
        system_message(conversation, "call_cancelled")
    _publish(call)


def _guest_call_line(conversation: Conversation, peer: str, code: str) -> None:
    """The transcript's line that a guest joined or left the call: their name and role, as their other lines."""
    # Imported here: conversations.actions.guests takes guests out of calls (leave_call) on leaving.
    from conversations.actions.guests import guest_line

    guest = Guest.objects.filter(pk=int(peer.partition(":")[2]), conversation_id=conversation.pk).first()
    if guest is not None:
        guest_line(conversation, guest, code)


def leave_call(conversation: Conversation, call: Call, peer: str, reason: str = CallEnd.HANGUP) -> None:
    """`peer` leaves a locked open call: only they are out, unless fewer than two remain (then it ends).

    A core participant (the client, the counsellor) leaving ends it for all
    (`reason`). A guest who was rung and never joined leaves nothing.
    """
    if peer not in call.participants:
        return
    if core_peer(peer) or call.state == CallState.RINGING or len(call.participants) <= 2:
        _end(conversation, call, reason)
        return
    call.participants = [p for p in call.participants if p != peer]
    call.gone = {p: at for p, at in call.gone.items() if p != peer}
    call.save(update_fields=["participants", "gone"])
    _guest_call_line(conversation, peer, "call_guest_left")
    _publish(call)


def leave_calls_of_guest(conversation: Conversation, guest: Guest) -> None:
    """A guest's part in a locked conversation ended (left, removed): out of its call at once."""
    call = open_call(conversation.pk)
    if call is not None:
        leave_call(conversation, Call.objects.select_for_update().get(pk=call.pk), guest.peer)


def check_call_allowed(conversation: Conversation) -> bool:
    """Whether a call of the conversation is relay-only; refused when it must be and cannot be.

    A relay-only desk (the default) needs a TURN server. Without one, production
    refuses the call (the system check calls.W001 warns of it); under DEBUG it
    goes ahead without the relay and a warning is logged, so that `make run`
    works on one machine.
    """
    if not conversation.desk.calls_relay_only:
        return False
    if turn_configured():
        return True
    if settings.DEBUG:
        logger.warning("call at a relay-only desk without TURN: allowed under DEBUG only (docs/calls.md)")
        return False
    raise ChatError("call_unavailable", _("Calls are not available right now. You can keep writing."))


def do_start_call(caller: Caller, conversation_id: int, media: str) -> Call:
    """Start ringing the other side of an open conversation with a person (either side may)."""
    if media not in CallMedia.values:
        raise ChatError("bad_message", _("The field “%(field)s” is not valid.") % {"field": "media"}, field="media")
    with transaction.atomic():
        conversation = _participant(caller, conversation_id)
        if conversation.status != Status.ACTIVE or conversation.assigned_to_id is None:
            raise ChatError("forbidden", _("A call can start only while you are chatting with a person."))
        if open_call(conversation.pk) is not None:
            raise ChatError("busy", _("There is already a call in this conversation."))
        relay_only = check_call_allowed(conversation)
        try:
            with transaction.atomic():
                call = Call.objects.create(
                    conversation=conversation,
                    media=media,
                    started_by=caller.peer,
                    participants=[caller.peer],
                    relay_only=relay_only,
                    rung_at=timezone.now(),
                )
        except IntegrityError:  # pragma: no cover - the lock above makes this a second line of defence
            raise ChatError("busy", _("There is already a call in this conversation.")) from None
        system_message(conversation, f"call_started_{media}")
        _publish(call)
    start_sweeping()
    return call


def do_answer_call(caller: Caller, conversation_id: int, call_id: int, *, accept: bool) -> Call:
    """Join (accept) a ringing or active call one is not in, or decline it.

    The first to accept makes the call active (`answered_by`, `answered_at`);
    a guest who accepts later joins it (a transcript line). A decline by the
    client or the counsellor ends a ringing call; a guest's decline only means
    they stay out (their page stops ringing), and an active call is never ended
    by somebody who is not in it.
    """
    with transaction.atomic():
        conversation = _participant(caller, conversation_id)
        call = _the_call(conversation, call_id)
        if call.state == CallState.ENDED:
            raise ChatError("closed", _("The call has already been answered or has ended."))
        if caller.peer in call.participants:
            if call.started_by == caller.peer and call.state == CallState.RINGING:
                raise ChatError("forbidden", _("You cannot answer your own call."))
            raise ChatError("closed", _("The call has already been answered or has ended."))
        if not accept:
            if call.state == CallState.RINGING and core_peer(caller.peer):
                _end(conversation, call, CallEnd.DECLINED)
            return call
        call.participants = [*call.participants, caller.peer]
        fields = ["participants"]
        if call.state == CallState.RINGING:
            call.state = CallState.ACTIVE
            call.answered_by = caller.peer
            call.answered_at = timezone.now()
            fields += ["state", "answered_by", "answered_at"]
        call.save(update_fields=fields)
        if not core_peer(caller.peer):
            _guest_call_line(conversation, caller.peer, "call_guest_joined")
        _publish(call)
    return call


def do_end_call(caller: Caller, conversation_id: int, call_id: int, *, lost: bool = False) -> Call:
    """Hang up (or, `lost`, report that the connection failed).

    The client or the counsellor hanging up ends the call for all; a guest
    hanging up leaves only them (`leave_call`). One being rung ending a ringing
    call declines it (`do_answer_call`).
    """
    with transaction.atomic():
        conversation = _participant(caller, conversation_id)
        call = _the_call(conversation, call_id)
        if call.state == CallState.ENDED:
            return call  # already ended: hanging up twice is harmless
        if caller.peer in call.participants:
            leave_call(conversation, call, caller.peer, CallEnd.LOST if lost else CallEnd.HANGUP)
        elif call.state != CallState.RINGING:
            raise ChatError("forbidden", _("Only the people in this call can end it."))
        elif core_peer(caller.peer):
            _end(conversation, call, CallEnd.DECLINED)
    return call


def clean_signal(signal: dict[str, Any], relay_only: bool) -> dict[str, Any] | None:
    """The signal as it is relayed: only the known fields, checked; None when nothing is left to relay.

    One of `sdp` {type: offer|answer, sdp} or `candidate` {candidate, sdpMid,
    sdpMLineIndex, usernameFragment}. On a relay-only call, non-relay candidates
    are dropped (calls.sdp).
    """
    bad = ChatError("bad_message", _("The field “%(field)s” is not valid.") % {"field": "signal"}, field="signal")
    if not all(_plain_text(value) for value in _strings(signal)):
        raise bad
    sdp = signal.get("sdp")
    candidate = signal.get("candidate")
    if (sdp is None) == (candidate is None):
        raise bad
    if sdp is not None:
        if (
            not isinstance(sdp, dict)
            or sdp.get("type") not in ("offer", "answer")
            or not isinstance(sdp.get("sdp"), str)
        ):
            raise bad
        text = sdp["sdp"]
        if len(text) > settings.CALL_MAX_SIGNAL_CHARS:
            raise ChatError("too_large", _("“%(field)s” is too long.") % {"field": "signal"}, field="signal")
        return {"sdp": {"type": sdp["type"], "sdp": relay_only_sdp(text) if relay_only else text}}
    if not isinstance(candidate, dict):
        raise bad
    line = candidate.get("candidate")
    mid = candidate.get("sdpMid")
    index = candidate.get("sdpMLineIndex")
    fragment = candidate.get("usernameFragment")
    if (
        not isinstance(line, str)
        or len(line) > MAX_CANDIDATE_CHARS
        or not (mid is None or (isinstance(mid, str) and len(mid) <= 64))
        or not (index is None or (isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 1000))
        or not (fragment is None or (isinstance(fragment, str) and len(fragment) <= 256))
    ):
        raise bad
    if relay_only:
        relayed = relay_candidate(line)
        if relayed is None:
            return None
        line = relayed
    return {"candidate": {"candidate": line, "sdpMid": mid, "sdpMLineIndex": index, "usernameFragment": fragment}}


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _plain_text(text: str) -> bool:
    """No NUL and no lone surrogate (which could not be sent on as UTF-8): the protocol's rule for text."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def resolve_peer(call: Call, to: str) -> str:
    """The peer id a signal is addressed to: a client's "staff" is the call's staff participant."""
    if to == CLIENT_STAFF_PEER:
        return next((peer for peer in call.peers() if peer.startswith("staff:")), to)
    return to


def do_signal(caller: Caller, conversation_id: int, call_id: int, to: str, signal: dict[str, Any]) -> None:
    """Relay an offer, an answer or a candidate of an active call to its other participant only."""
    with transaction.atomic():
        conversation = _participant(caller, conversation_id)
        call = _the_call(conversation, call_id)
        if call.state != CallState.ACTIVE:
            raise ChatError("closed", _("The call has ended."))
        to = resolve_peer(call, to)
        if caller.peer not in call.participants or to not in call.participants or to == caller.peer:
            raise ChatError("forbidden", _("Only the people in this call can talk to each other in it."))
        cleaned = clean_signal(signal, call.relay_only)
        if cleaned is None:
            return  # a candidate a relay-only call does not relay
        send_event(
            conversation_group(conversation.pk),
            call_signal_event(conversation.pk, call.pk, caller.peer, cleaned),
            peer=to,
        )


def do_peer_gone(peer: str, conversation_ids: Iterable[int]) -> None:
    """A socket of `peer` closed: it is out of its open calls unless it comes back in CALL_LOST_SECONDS."""
    now = timezone.now().isoformat()
    for call_id in (
        Call.objects.filter(conversation_id__in=list(conversation_ids))
        .exclude(state=CallState.ENDED)
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            call = Call.objects.select_for_update().filter(pk=call_id).exclude(state=CallState.ENDED).first()
            if call is not None and peer in call.participants and peer not in call.gone:
                call.gone = {**call.gone, peer: now}
                call.save(update_fields=["gone"])
    start_sweeping()


def do_peer_back(peer: str, conversation_id: int) -> None:
    """`peer` came back to the conversation (a resume): its call goes on."""
    with transaction.atomic():
        call = (
            Call.objects.select_for_update()
            .filter(conversation_id=conversation_id)
            .exclude(state=CallState.ENDED)
            .first()
        )
        if call is not None and peer in call.gone:
            call.gone = {p: at for p, at in call.gone.items() if p != peer}
            call.save(update_fields=["gone"])


def do_end_calls_of(peer: str, conversation_ids: Iterable[int]) -> None:
    """End at once the calls `peer` takes part in (a staff member whose access to them ended)."""
    for conversation_id in conversation_ids:
        with transaction.atomic():
            conversation = lock_conversation(conversation_id)
            call = open_call(conversation_id)
            if call is not None and peer in call.participants:
                leave_call(conversation, Call.objects.select_for_update().get(pk=call.pk), peer, CallEnd.LOST)


def end_call_of_closed(conversation: Conversation) -> None:
    """The conversation closed (inside its closing transaction, locked): its call ends too (in a savepoint)."""
    with transaction.atomic():
        call = open_call(conversation.pk)
        if call is not None:
            _end(conversation, Call.objects.select_for_update().get(pk=call.pk), CallEnd.CLOSED)


def _stale(call: Call, conversation: Conversation) -> bool:
    """Whether a call's core participant is no longer in its conversation (moved on, requeued) or it is not live."""
    if conversation.status != Status.ACTIVE:
        return True
    return not {peer for peer in call.participants if core_peer(peer)} <= _core_peers(conversation)


def _gone_past(call: Call, limit: dt.datetime) -> list[str]:
    """The participants whose socket closed before `limit` and did not come back."""
    return [peer for peer, at in call.gone.items() if dt.datetime.fromisoformat(at) <= limit]


def _strays(call: Call, conversation: Conversation) -> list[str]:
    """The guests in the call who are no longer in the conversation (should their leaving have missed it)."""
    if all(core_peer(peer) for peer in call.participants):
        return []  # no guest in the call: nothing to read
    peers = conversation_peers(conversation)
    return [peer for peer in call.participants if not core_peer(peer) and peer not in peers]


def do_sweep_calls(now: dt.datetime | None = None) -> int:
    """End the calls nobody answered in time (missed), those a participant did not come back to (lost),
    and those whose conversation moved on without a core participant (a transfer, back to the queue: lost).
    A guest who did not come back, or is no longer in the conversation, is only out of the call."""
    now = now or timezone.now()
    ring_limit = now - dt.timedelta(seconds=settings.CALL_RING_SECONDS)
    lost_limit = now - dt.timedelta(seconds=settings.CALL_LOST_SECONDS)
    open_calls = list(Call.objects.exclude(state=CallState.ENDED).select_related("conversation"))
    due = [
        call.pk
        for call in open_calls
        if (call.state == CallState.RINGING and call.rung_at <= ring_limit)
        or _gone_past(call, lost_limit)
        or _stale(call, call.conversation)
        or _strays(call, call.conversation)
    ]
    ended = 0
    for call_id in due:
        with transaction.atomic():
            conversation_id = Call.objects.filter(pk=call_id).values_list("conversation_id", flat=True).first()
            if conversation_id is None:
                continue
            conversation = lock_conversation(conversation_id)
            call = Call.objects.select_for_update().get(pk=call_id)
            if call.state == CallState.ENDED:
                continue
            out = [*_gone_past(call, lost_limit), *_strays(call, conversation)]
            if any(core_peer(peer) for peer in out) or (call.state == CallState.ACTIVE and _stale(call, conversation)):
                _end(conversation, call, CallEnd.LOST, now)
            elif call.state == CallState.ACTIVE and out:
                for peer in dict.fromkeys(out):
                    if call.state != CallState.ENDED:
                        leave_call(conversation, call, peer, CallEnd.LOST)
            elif call.state == CallState.RINGING and (call.rung_at <= ring_limit or _stale(call, conversation)):
                _end(conversation, call, CallEnd.MISSED, now)
            else:
                continue
            ended += 1
    return ended


_sweeping = False
_sweep_lock = threading.Lock()


def start_sweeping() -> None:
    """Start this server process's sweep of calls (once; nothing outside a server)."""
    global _sweeping
    with _sweep_lock:
        if not _sweeping:
            _sweeping = run_every(SWEEP_SECONDS, do_sweep_calls, "calls: missed and lost")


def on_conversation_closed(sender: Any, conversation: Conversation, **kwargs: Any) -> None:
    """The receiver of conversations.signals.conversation_closed (connected in ConversationsConfig.ready)."""
    end_call_of_closed(conversation)
