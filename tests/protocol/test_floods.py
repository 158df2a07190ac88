"""Floods that cannot be bought with new tokens (issue 9, point 3): a desk's admissions, its queue's
length, crisis alerts from throwaway conversations, and queue updates that do not multiply.

Every client here is a fresh token, as a flood's would be: the limits hold per desk, whoever starts.
"""

from __future__ import annotations

import json
import time
from typing import Any

from conversations.models import Client, Conversation
from tests.chat_helpers import Chat, new_id, rows
from tests.wsclient import ProtocolClient

CRISIS = "en jaksa enää, haluan kuolla"


def start_frame(desk: str = "youth", ref: str = "start") -> dict[str, Any]:
    return {"type": "start", "desk": desk, "person": True, "ref": ref}


def busy_text(event: dict[str, Any]) -> bool:
    """The refusal a client reads (in Finnish, the service's default language)."""
    return event["code"] == "busy" and "Yritä hetken päästä uudelleen" in event["message"]


def test_a_desk_admits_a_burst_then_answers_busy_until_it_has_room_again(chat: Chat, settings: Any) -> None:
    settings.CHAT_DESK_ADMISSIONS_BURST = 3
    settings.CHAT_DESK_ADMISSIONS_PER_MINUTE = 60  # one a second after the burst
    for _n in range(3):
        chat.start(chat.client())
    other_desk = chat.client()
    before = rows()

    # A fourth client, new: refused, told when to try again, and nothing of it is stored.
    late = chat.client()
    refused = late.answer(start_frame())
    assert refused["type"] == "error" and busy_text(refused)
    assert 0 < refused["retry_after"] <= 60
    assert rows() == before
    # Another desk has its own admissions.
    chat.start(other_desk, desk="homework")

    # After the wait the same socket gets in (its client row is saved now).
    time.sleep(refused["retry_after"])
    conversation = chat.start(late)
    assert Conversation.objects.get(pk=conversation).client is not None
    assert Client.objects.count() == before["clients"] + 2


def test_a_full_queue_offers_the_alternatives_and_takes_the_next_once_a_place_frees(
    chat: Chat, demo: Any, settings: Any
) -> None:
    settings.CHAT_DESK_QUEUE_MAX = 2
    first, second = chat.start(chat.client()), chat.start(chat.client())
    third = chat.client()
    refused = third.answer(start_frame())
    # Told so, and what else there is: a message, another desk, the chatbot (in Finnish by default).
    assert refused["code"] == "queue_full" and "jättää viestin" in refused["message"]
    # A message for the same desk is taken, and so is a start at another desk.
    left = third.answer({"type": "leave_message", "desk": "youth", "id": new_id(), "body": "Kysyisin vain"})
    assert left["type"] == "conversation" and left["conversation"]["status"] == "message"
    elsewhere = chat.client()
    assert chat.start(elsewhere, desk="homework") > 0
    # A start with the chatbot waits for nobody: the full queue does not refuse it.
    bot = chat.client().answer({"type": "start", "desk": "youth"})
    assert bot["type"] == "conversation" and bot["conversation"]["status"] == "bot"

    counsellor = chat.staff("counsellor")
    assert counsellor.answer({"type": "take", "conversation": first})["type"] == "conversation"
    waiting = chat.start(chat.client())
    assert list(Conversation.objects.waiting().filter(desk__slug="youth").values_list("pk", flat=True)) == [
        second,
        waiting,
    ]


def test_a_desk_caps_its_own_queue_below_the_services(chat: Chat, demo: Any) -> None:
    from desks.opening import do_set_queue_limit

    do_set_queue_limit(demo.staff.supervisor, demo.desks.youth, 1)
    chat.start(chat.client())
    refused = chat.client().answer(start_frame())
    assert refused["code"] == "queue_full"
    # The homework desk keeps the service's limit.
    chat.start(chat.client(), desk="homework")
    chat.start(chat.client(), desk="homework")


def test_crisis_alerts_of_throwaway_conversations_wait_after_a_real_one(chat: Chat, demo: Any) -> None:
    counsellor = chat.staff("counsellor")
    calm = chat.client()
    calm_id = chat.start(calm, nickname="calm")
    # Three throwaway conversations: started and, in the same breath, alarming words only.
    throwaways: list[int] = []
    sockets: list[ProtocolClient] = []
    for n in range(3):
        socket = chat.client()
        conversation = chat.start(socket, nickname=f"throwaway {n}")
        socket.say(conversation, CRISIS)
        throwaways.append(conversation)
        sockets.append(socket)
    # A real client, who joined the queue last, talks first, then says it.
    real = chat.client()
    real_id = chat.start(real, nickname="real")
    real.say(real_id, "mulla on tosi vaikeeta kotona")
    real.say(real_id, CRISIS)
    # Every one of them got the crisis guidance at once.
    for socket, conversation in [*zip(sockets, throwaways, strict=True), (real, real_id)]:
        socket.wait_for("message", conversation=conversation, sender="bot", code="crisis")

    alerts: dict[int, bool] = {}
    while len(alerts) < 4:
        alert = counsellor.wait_for("alert")
        alerts[alert["conversation"]] = alert["fresh"]
    assert alerts == {real_id: False, **{t: True for t in throwaways}}

    # The queue: the real one first, then the fresh ones, then the calm one.
    expected = [real_id, *throwaways, calm_id]
    counsellor.read_until(
        lambda e: e["type"] == "desk" and [w["id"] for w in e["waiting"]] == expected,
        "the real crisis first in the youth desk's snapshot",
    )
    assert list(Conversation.objects.waiting().values_list("pk", flat=True)) == expected
    assert counsellor.answer({"type": "take", "desk": demo["desks"]["youth"].pk})["conversation"]["id"] == real_id

    # One that says more is an ordinary urgent conversation again: before the fresh ones.
    sockets[1].say(throwaways[1], "oikeesti, auttakaa")
    assert list(Conversation.objects.waiting().values_list("pk", flat=True)) == [
        throwaways[1],
        throwaways[0],
        throwaways[2],
        calm_id,
    ]


def test_a_burst_of_starts_sends_a_few_snapshots_ending_with_the_whole_queue(chat: Chat, settings: Any) -> None:
    settings.CHAT_DESK_ADMISSIONS_BURST = 100
    settings.CHAT_DESK_QUEUE_MAX = 100
    interval = settings.CHAT_DESK_UPDATE_SECONDS
    counsellor = chat.staff("counsellor")
    counsellor.drain(0.2)
    counsellor.events.clear()
    clients = [chat.client() for _n in range(17)]
    began = time.monotonic()
    # 50 starts in a burst: three for each of the clients (their limit), two for the last.
    for index in range(50):
        clients[index // 3].send(start_frame(ref=f"s{index}"))
    started = [
        clients[index // 3].wait_for("conversation", ref=f"s{index}", timeout=30)["conversation"]["id"]
        for index in range(50)
    ]
    queue = list(Conversation.objects.waiting().values_list("pk", flat=True))
    assert sorted(queue) == sorted(started)

    last = counsellor.read_until(
        lambda e: e["type"] == "desk" and [w["id"] for w in e["waiting"]] == queue,
        "the whole queue in one snapshot",
        timeout=10,
    )
    elapsed = time.monotonic() - began
    counsellor.drain(2 * interval + 0.3)
    snapshots = [e for e in counsellor.events if e["type"] == "desk" and e["desk"]["slug"] == "youth"]
    # The last state arrived and nothing older followed it.
    assert snapshots[-1]["waiting"] == last["waiting"]
    # At most one snapshot per interval, plus the first: far fewer than one per start.
    assert len(snapshots) <= 2 + elapsed / interval
    assert len(snapshots) < 50 // 3
    print(
        f"50 starts in {elapsed:.2f} s: {len(snapshots)} desk snapshots, "
        f"{sum(len(json.dumps(e)) for e in snapshots)} bytes to the counsellor"
    )
    # Each waiting client heard its place once per conversation: nobody's place moved.
    for socket in clients:
        socket.drain(0.1)
        places = [e for e in socket.events if e["type"] == "queue"]
        conversations = {e["conversation"] for e in places}
        assert len(places) <= 2 * len(conversations)
