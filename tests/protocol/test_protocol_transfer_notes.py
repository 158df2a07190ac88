"""A transfer to another organisation's desk: the private notes go along only when the counsellor chooses.

The notes stay with the organisation the conversation leaves unless the
`transfer` frame says `share_notes`; the transfer note, written for the next
counsellor, always goes. Staff of the first organisation still read them all.
"""

from __future__ import annotations

from typing import Any

from conversations.actions import notes
from conversations.models import Conversation, Note, Transfer
from tests.chat_helpers import Chat, new_id
from tests.wsclient import ProtocolClient


def note_bodies(staff: ProtocolClient, conversation: int) -> list[str]:
    """The notes a resume brings `staff` (read afresh from after 0)."""
    ref = new_id()
    staff.events.clear()
    staff.send({"type": "resume", "conversation": conversation, "after": 0, "ref": ref})
    staff.wait_for("synced", conversation=conversation)
    return [e["note"]["body"] for e in staff.events if e["type"] == "note" and e["conversation"] == conversation]


def moved_to_study(chat: Chat, demo: Any, *, share_notes: bool | None) -> tuple[int, ProtocolClient]:
    """A youth conversation with a note, transferred by Kalle to the other organisation's study desk."""
    client = chat.client()
    conversation = chat.start(client, nickname="Mimi")
    kalle = chat.staff("counsellor")
    chat.take(kalle, conversation)
    client.say(conversation, "Mietin opiskelua")
    assert kalle.answer({"type": "note", "conversation": conversation, "id": new_id(), "body": "Kotona vaikeaa"})
    frame: dict[str, Any] = {
        "type": "transfer",
        "conversation": conversation,
        "desk": demo["desks"]["study"].pk,
        "note": "Kysyy opintolinjoista",
    }
    if share_notes is not None:
        frame["share_notes"] = share_notes
    moved = kalle.answer(frame)
    assert moved["type"] == "conversation" and moved["conversation"]["desk"]["slug"] == "study"
    return conversation, kalle


def test_without_the_choice_the_notes_stay_with_the_first_organisation(chat: Chat, demo: Any) -> None:
    conversation, _kalle = moved_to_study(chat, demo, share_notes=None)
    assert demo["desks"]["study"].organisation_id != demo["desks"]["youth"].organisation_id
    study = chat.staff("studycounsellor")
    chat.take(study, conversation)
    bodies = note_bodies(study, conversation)
    # Only the transfer note, written for the next counsellor, reaches the other organisation.
    assert len(bodies) == 1 and "Kysyy opintolinjoista" in bodies[0]
    assert Transfer.objects.get(conversation_id=conversation).notes_along is False
    # The first organisation still reads its own note (the supervisor, whose organisation it is).
    sanna = demo["staff"]["supervisor"]
    kept = [n.body for n in notes.notes_of(Conversation.objects.get(pk=conversation), sanna)]
    assert "Kotona vaikeaa" in kept
    # A note written at the new desk is for everybody who may see the conversation.
    assert study.answer({"type": "note", "conversation": conversation, "id": new_id(), "body": "Uusi"})
    assert Note.objects.get(body="Uusi").kept_within_id is None
    assert "Uusi" in note_bodies(study, conversation)


def test_with_the_choice_the_notes_go_along(chat: Chat, demo: Any) -> None:
    conversation, _kalle = moved_to_study(chat, demo, share_notes=True)
    study = chat.staff("studycounsellor")
    chat.take(study, conversation)
    bodies = note_bodies(study, conversation)
    assert "Kotona vaikeaa" in bodies and any("Kysyy opintolinjoista" in b for b in bodies)
    assert Transfer.objects.get(conversation_id=conversation).notes_along is True


def test_within_one_organisation_the_notes_always_go_along(chat: Chat, demo: Any) -> None:
    client = chat.client()
    conversation = chat.start(client, nickname="Mimi")
    kalle = chat.staff("counsellor")
    chat.take(kalle, conversation)
    assert kalle.answer({"type": "note", "conversation": conversation, "id": new_id(), "body": "Läksyt"})
    moved = kalle.answer(
        {"type": "transfer", "conversation": conversation, "desk": demo["desks"]["homework"].pk, "share_notes": False}
    )
    assert moved["conversation"]["desk"]["slug"] == "homework"
    ville = chat.staff("volunteer")
    chat.take(ville, conversation)
    assert "Läksyt" in note_bodies(ville, conversation)


def test_the_welcome_marks_each_transfer_desk_with_its_organisation_and_whether_it_is_open(
    chat: Chat, demo: Any
) -> None:
    kalle = chat.staff("counsellor", hello=False)
    welcome = kalle.hello()
    desks = {d["slug"]: d for d in welcome["transfer_desks"]}
    study, youth = demo["desks"]["study"], demo["desks"]["youth"]
    assert desks["study"]["organisation"] == study.organisation_id != desks["youth"]["organisation"]
    assert desks["study"]["organisation_name"] == study.organisation.name
    assert all(isinstance(d["open"], bool) for d in desks.values())
    assert desks["youth"]["name"] == youth.name


def test_transfer_desks_tells_which_desks_are_open_now(chat: Chat, demo: Any) -> None:
    """The welcome's marks age during a shift: the console asks again when its transfer dialog opens."""
    import datetime as dt

    from django.utils import timezone

    from desks.hours import set_hours

    kalle = chat.staff("counsellor")
    welcome = next(e for e in kalle.events if e["type"] == "welcome")
    assert {d["slug"]: d["open"] for d in welcome["transfer_desks"]}["homework"] is True
    tomorrow = (timezone.localtime().weekday() + 1) % 7
    set_hours(demo["desks"]["homework"], [(tomorrow, dt.time(0, 0), dt.time(0, 1))])
    answer = kalle.answer({"type": "transfer_desks"})
    assert answer["type"] == "transfer_desks"
    desks = {d["slug"]: d for d in answer["desks"]}
    assert desks["homework"]["open"] is False and desks["youth"]["open"] is True
    assert [d["id"] for d in answer["desks"]] == [d["id"] for d in welcome["transfer_desks"]]
