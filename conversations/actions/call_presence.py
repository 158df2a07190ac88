"""Whether a call's participants are still anywhere: the calls of a process that died end as lost.

A participant whose socket closes is recorded as gone by the socket's
`disconnect` (conversations.actions.calls.do_peer_gone), and the call ends as
lost unless they come back within `CALL_LOST_SECONDS`. A process that is
killed runs no `disconnect`: its sockets vanish without a word, and their calls
would stay active for ever, since every other rule waits for a sign that never
comes. So presence is also kept the other way round, as a sign of life:

- each socket tells this module which conversations' calls it takes part in
  (`socket_in_calls`, from the consumer, which learns it from the `call`
  events it passes on; `socket_closed` when it closes);
- every `beat_seconds()` each server process renews the `CallPresence` rows of
  the participants it holds sockets of (`do_mark_present`), and then ends as
  lost the active calls with a participant nobody has held for
  `CALL_LOST_SECONDS` (`do_end_absent`): the same time a reload is given,
  counted from the last sign of life. A participant this process holds now is
  never absent, and one whose socket closed in the ordinary way
  (`Call.gone`) is left to the calls' own rule; an absent guest only leaves
  the call, as a guest whose socket closed does (`calls.do_end_calls_of`);
- a process that has just started waits `CALL_LOST_SECONDS` before ending any
  call, so that the parties of a restarted server have the whole time to come
  back to it (their rows are as old as the outage).

Which processes there are does not matter: a row renewed by any of them keeps
the call. The beat starts with the process's first request or socket
(kohtaamo.asgi), so a call left by a killed process ends after a restart even
if its parties never return; it also starts the calls' own sweep
(calls.start_sweeping) when calls are open, so a call left ringing ends as
missed too.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from common.capacity import run_every
from conversations.actions import calls
from conversations.models import Call, CallPresence, CallState

_lock = threading.Lock()
# channel name -> (the socket's peer id, the conversations whose call it takes part in)
_sockets: dict[str, tuple[str, frozenset[int]]] = {}
_beating = False
_started_at = 0.0  # time.monotonic() when this process's beat started
_marked_at = 0.0  # time.monotonic() of this process's last renewal
# How often a process's loop wakes to see whether a beat is due (beat_seconds follows the settings now).
ROUND_SECONDS = 1.0


def beat_seconds() -> float:
    """How often a process renews its participants' rows: three times within `CALL_LOST_SECONDS`."""
    return max(0.2, float(settings.CALL_LOST_SECONDS) / 3)


def socket_in_calls(channel_name: str, peer: str, conversation_ids: Iterable[int]) -> None:
    """The socket `channel_name` (of `peer`) takes part in the calls of `conversation_ids` now (may be none)."""
    ids = frozenset(conversation_ids)
    with _lock:
        if ids:
            _sockets[channel_name] = (peer, ids)
        else:
            _sockets.pop(channel_name, None)


def socket_closed(channel_name: str) -> None:
    """The socket closed: it keeps no call alive any more."""
    with _lock:
        _sockets.pop(channel_name, None)


def held_here() -> set[tuple[int, str]]:
    """(conversation id, peer) of every call participant this process holds a socket of."""
    with _lock:
        sockets = list(_sockets.values())
    return {(conversation_id, peer) for peer, ids in sockets for conversation_id in ids}


def do_mark_present(now: dt.datetime | None = None) -> int:
    """Renew the rows of the active calls' participants held here (two statements; none when nobody is)."""
    held = held_here()
    if not held:
        return 0
    now = now or timezone.now()
    active = Call.objects.filter(
        conversation_id__in={conversation_id for conversation_id, _peer in held}, state=CallState.ACTIVE
    ).values_list("pk", "conversation_id", "participants")
    rows = [
        CallPresence(call_id=call_id, peer=peer, seen_at=now)
        for call_id, conversation_id, participants in active
        for peer in participants
        if (conversation_id, peer) in held
    ]
    if rows:
        CallPresence.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["call", "peer"], update_fields=["seen_at"]
        )
    return len(rows)


def absent_participants(now: dt.datetime, held: set[tuple[int, str]] | None = None) -> list[tuple[int, str]]:
    """(conversation id, peer) of the active calls' participants no process has held for `CALL_LOST_SECONDS`.

    A participant's last sign of life is their row's time, or the call's answer
    when no process has written one yet. Those `held` here (default: this
    process's sockets) are present whatever their row says; one recorded as
    gone by their socket's close (`Call.gone`) has the calls' own rule.
    """
    held = held_here() if held is None else held
    limit = now - dt.timedelta(seconds=settings.CALL_LOST_SECONDS)
    active = list(
        Call.objects.filter(state=CallState.ACTIVE, answered_at__lte=limit).values_list(
            "pk", "conversation_id", "participants", "gone"
        )
    )
    if not active:
        return []
    seen = {
        (call_id, peer): seen_at
        for call_id, peer, seen_at in CallPresence.objects.filter(call_id__in=[row[0] for row in active]).values_list(
            "call_id", "peer", "seen_at"
        )
    }
    return [
        (conversation_id, peer)
        for call_id, conversation_id, participants, gone in active
        for peer in participants
        if (conversation_id, peer) not in held
        and peer not in (gone or {})
        and (seen.get((call_id, peer)) is None or seen[(call_id, peer)] <= limit)
    ]


def do_end_absent(now: dt.datetime | None = None) -> int:
    """End as lost the active calls a participant has vanished from (`absent_participants`); how many ended."""
    ended = 0
    for conversation_id, peer in absent_participants(now or timezone.now()):
        before = calls.open_call(conversation_id)
        calls.do_end_calls_of(peer, [conversation_id])
        ended += before is not None and calls.open_call(conversation_id) is None
    return ended


def do_beat() -> None:
    """A round of this process, every `beat_seconds()` (the rounds between do nothing, so an idle process
    asks the database twice per beat): renew what it holds; after its own first `CALL_LOST_SECONDS`, end
    the calls of vanished participants."""
    global _marked_at
    if time.monotonic() - _marked_at < beat_seconds():
        return
    _marked_at = time.monotonic()
    now = timezone.now()
    do_mark_present(now)
    if time.monotonic() - _started_at >= float(settings.CALL_LOST_SECONDS):
        do_end_absent(now)
    if Call.objects.exclude(state=CallState.ENDED).exists():
        calls.start_sweeping()  # a call left ringing by a killed process still ends as missed


def start() -> None:
    """Start this server process's beat (once; nothing outside a server's event loop)."""
    global _beating, _started_at
    if _beating:
        return
    with _lock:
        if not _beating:
            _started_at = time.monotonic()
            _beating = run_every(ROUND_SECONDS, do_beat, "calls: participants present")
