"""The call presence rules (conversations.actions.call_presence), called directly with explicit times.

A participant held by some process's socket keeps the call; one nobody has
held for CALL_LOST_SECONDS ends it as lost, with one `call_lost` line. The
fault test (tests/faults/test_call_faults.py) shows it with a killed server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from conversations.actions import assignment, call_presence, calls, clients, starting
from conversations.models import Call, CallPresence, Message


def active_call(demo: Any) -> tuple[Call, str]:
    """An accepted video call between a client and their counsellor: (the call, the counsellor's peer id)."""
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="Mimi", person=True)
    counsellor = demo.staff.counsellor
    assignment.do_take(counsellor, conversation_id=conversation_id)
    call = calls.do_start_call(calls.staff_caller(counsellor), conversation_id, "video")
    call = calls.do_answer_call(calls.client_caller(client), conversation_id, call.pk, accept=True)
    return call, calls.staff_peer(counsellor.pk)


def test_held_participants_keep_the_call_and_a_vanished_one_ends_it(demo: Any, turn: Any) -> None:
    turn.CALL_LOST_SECONDS = 10
    call, staff = active_call(demo)
    answered = call.answered_at
    assert answered is not None
    # Within the time a reload is given nothing ends, whether a row was written or not.
    assert call_presence.do_end_absent(answered + dt.timedelta(seconds=9)) == 0
    # Both held by sockets of this process: their rows are renewed.
    call_presence.socket_in_calls("socket-c", "client", {call.conversation_id})
    call_presence.socket_in_calls("socket-s", staff, {call.conversation_id})
    try:
        assert call_presence.do_mark_present(answered + dt.timedelta(seconds=8)) == 2
        assert call_presence.do_mark_present(answered + dt.timedelta(seconds=16)) == 2  # renewed, not added
        assert CallPresence.objects.filter(call=call).count() == 2
        assert call_presence.do_end_absent(answered + dt.timedelta(seconds=25)) == 0
        # The counsellor's socket vanished with its process (no disconnect); the client's is still held.
        call_presence.socket_closed("socket-s")
        assert call_presence.do_mark_present(answered + dt.timedelta(seconds=24)) == 1
        assert call_presence.do_end_absent(answered + dt.timedelta(seconds=25)) == 0
        assert call_presence.do_end_absent(answered + dt.timedelta(seconds=27)) == 1
    finally:
        call_presence.socket_closed("socket-c")
        call_presence.socket_closed("socket-s")
    call.refresh_from_db()
    assert (call.state, call.end_reason) == ("ended", "lost")
    codes = list(
        Message.objects.filter(conversation_id=call.conversation_id, code__startswith="call_").values_list(
            "code", flat=True
        )
    )
    assert codes == ["call_started_video", "call_lost"]
    assert call_presence.do_end_absent(timezone.now() + dt.timedelta(hours=1)) == 0  # once


def test_a_socket_in_no_call_holds_nothing(demo: Any, turn: Any) -> None:
    call, _staff = active_call(demo)
    call_presence.socket_in_calls("socket-x", "client", {call.conversation_id})
    call_presence.socket_in_calls("socket-x", "client", set())
    assert call_presence.held_here() == set()
    assert call_presence.do_mark_present() == 0


def test_a_participant_whose_socket_closed_is_left_to_the_calls_own_rule(demo: Any, turn: Any) -> None:
    """A socket closed in the ordinary way recorded its peer gone (with its own clock); only the other is absent."""
    turn.CALL_LOST_SECONDS = 10
    call, staff = active_call(demo)
    assert call.answered_at is not None
    calls.do_peer_gone("client", [call.conversation_id])
    later = call.answered_at + dt.timedelta(seconds=30)
    assert call_presence.absent_participants(later, held=set()) == [(call.conversation_id, staff)]
    assert call_presence.absent_participants(later, held={(call.conversation_id, staff)}) == []
