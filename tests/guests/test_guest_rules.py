"""The rules of a conversation's guest by direct calls (conversations.actions.guests), with a frozen clock.

The state machine (asked -> accepted or declined -> joined -> left or removed),
the link's expiry, only open conversations with a person, only the counsellor,
the transcript lines, and `peer_may_read` for links to a conversation's files.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from conversations.actions import guests
from conversations.actions.access import GuestGone, current_guest, peer_may_read
from conversations.actions.closing import do_client_end
from conversations.errors import ChatError
from conversations.models import Client, Conversation, GuestState, Status
from tests.support.demo import Demo

pytestmark = pytest.mark.usefixtures("demo")


def active(demo: Demo) -> Conversation:
    client = Client.objects.create(token_hash=f"rules-{Client.objects.count()}")
    return Conversation.objects.create(
        desk=demo.desks.youth,
        client=client,
        status=Status.ACTIVE,
        assigned_to=demo.staff.counsellor,
        nickname="Mira",
    )


def invited_and_agreed(demo: Demo, conversation: Conversation, name: str = "Anna") -> tuple[int, str]:
    """(guest id, link token) once the client said yes."""
    guest = guests.do_invite_guest(demo.staff.counsellor, conversation.pk, role="interpreter", name=name)
    assert conversation.client is not None
    guests.do_guest_consent(conversation.client, conversation.pk, guest.pk, accept=True)
    _guest, url = guests.do_new_guest_link(demo.staff.counsellor, conversation.pk, guest.pk)
    return guest.pk, url.split("/")[2]


def test_the_link_exists_only_after_the_clients_yes(demo: Demo) -> None:
    conversation = active(demo)
    guest = guests.do_invite_guest(demo.staff.counsellor, conversation.pk, role="professional", name="Pekka")
    with pytest.raises(ChatError) as refused:
        guests.do_new_guest_link(demo.staff.counsellor, conversation.pk, guest.pk)
    assert refused.value.code == "not_found"
    assert conversation.client is not None
    guests.do_guest_consent(conversation.client, conversation.pk, guest.pk, accept=False)
    guest.refresh_from_db()
    assert (guest.state, guest.token_hash) == (GuestState.DECLINED, None)
    # A no is final: the same invitation cannot be agreed to afterwards.
    with pytest.raises(ChatError):
        guests.do_guest_consent(conversation.client, conversation.pk, guest.pk, accept=True)


def test_the_link_expires(demo: Demo) -> None:
    conversation = active(demo)
    start = timezone.now()
    with freeze_time(start):
        _guest, token = invited_and_agreed(demo, conversation)
    with freeze_time(start + dt.timedelta(seconds=1800 - 1)):
        assert guests.check_guest_link(token).state == GuestState.ACCEPTED
    with freeze_time(start + dt.timedelta(seconds=1800)), pytest.raises(guests.GuestLinkError) as expired:
        guests.do_redeem_guest_link(token)
    assert expired.value.reason == "expired"


def test_a_new_link_kills_the_old_one_and_a_link_works_once(demo: Demo) -> None:
    conversation = active(demo)
    guest_id, old = invited_and_agreed(demo, conversation)
    _guest, url = guests.do_new_guest_link(demo.staff.counsellor, conversation.pk, guest_id)
    new = url.split("/")[2]
    with pytest.raises(guests.GuestLinkError) as dead:
        guests.do_redeem_guest_link(old)
    assert dead.value.reason == "used"
    guest = guests.do_redeem_guest_link(new)
    assert guest.state == GuestState.JOINED and guest.token_hash is None
    with pytest.raises(guests.GuestLinkError):
        guests.do_redeem_guest_link(new)


def test_only_open_conversations_with_a_person(demo: Demo) -> None:
    conversation = active(demo)
    _guest, token = invited_and_agreed(demo, conversation)
    queued = active(demo)
    Conversation.objects.filter(pk=queued.pk).update(status=Status.QUEUED)
    with pytest.raises(ChatError) as refused:
        guests.do_invite_guest(demo.staff.counsellor, queued.pk, role="interpreter", name="A")
    assert refused.value.code == "forbidden"
    assert conversation.client is not None
    do_client_end(conversation.client, conversation.pk)
    with pytest.raises(guests.GuestLinkError):
        guests.do_redeem_guest_link(token)
    with pytest.raises(ChatError) as closed:
        guests.do_invite_guest(demo.staff.counsellor, conversation.pk, role="interpreter", name="A")
    assert closed.value.code == "closed"


def test_only_the_counsellor_invites_and_removes(demo: Demo) -> None:
    conversation = active(demo)
    for other in (demo.staff.counsellor2, demo.staff.supervisor):
        with pytest.raises(ChatError) as refused:
            guests.do_invite_guest(other, conversation.pk, role="interpreter", name="A")
        assert refused.value.code == "forbidden"
    with pytest.raises(ChatError) as hidden:
        guests.do_invite_guest(demo.staff.studycounsellor, conversation.pk, role="interpreter", name="A")
    assert hidden.value.code == "not_found"
    guest_id, _token = invited_and_agreed(demo, conversation)
    with pytest.raises(ChatError):
        guests.do_remove_guest(demo.staff.counsellor2, conversation.pk, guest_id)
    guests.do_remove_guest(demo.staff.counsellor, conversation.pk, guest_id)
    assert conversation.guests.get().state == GuestState.CANCELLED


def test_joining_leaving_and_removal_are_lines_of_the_transcript(demo: Demo) -> None:
    conversation = active(demo)
    _a, token_a = invited_and_agreed(demo, conversation, "Anna")
    anna = guests.do_redeem_guest_link(token_a)
    _p, token_p = invited_and_agreed(demo, conversation, "Pekka")
    pekka = guests.do_redeem_guest_link(token_p)
    guests.do_guest_leave(anna.pk, conversation.pk)
    guests.do_remove_guest(demo.staff.counsellor, conversation.pk, pekka.pk)
    lines = list(conversation.messages.order_by("seq").values_list("code", "args"))
    assert [code for code, _args in lines] == ["guest_joined", "guest_joined", "guest_left", "guest_removed"]
    assert lines[0][1]["name"] == "Anna" and lines[0][1]["role_names"]["fi"] == "tulkki"
    assert lines[0][1]["role_names"]["sv"] == "tolk" and lines[0][1]["role_names"]["en"] == "interpreter"
    assert anna.first_seq == 1
    pekka.refresh_from_db()
    assert pekka.first_seq == 2 and pekka.state == GuestState.REMOVED
    for gone in (anna.pk, pekka.pk):
        with pytest.raises(GuestGone):
            current_guest(gone)


def test_peer_may_read_follows_the_guests_part(demo: Demo) -> None:
    conversation = active(demo)
    conversation.messages.create(seq=1, sender_kind="client", body="before")
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=1)
    _g, token = invited_and_agreed(demo, conversation)
    guest = guests.do_redeem_guest_link(token)
    peer = guest.peer
    assert peer == f"guest:{guest.pk}"
    assert peer_may_read(conversation, peer)
    assert not peer_may_read(conversation, peer, seq=1)  # a file sent before they joined
    assert peer_may_read(conversation, peer, seq=guest.first_seq)
    other = active(demo)
    assert not peer_may_read(other, peer)
    assert peer_may_read(conversation, f"staff:{demo.staff.counsellor.pk}")
    assert not peer_may_read(conversation, f"staff:{demo.staff.studycounsellor.pk}")
    assert not peer_may_read(conversation, "guest:x") and not peer_may_read(conversation, "nobody")
    guests.do_remove_guest(demo.staff.counsellor, conversation.pk, guest.pk)
    assert not peer_may_read(conversation, peer)


def test_closing_ends_every_guest_and_invitation(demo: Demo) -> None:
    conversation = active(demo)
    _a, token = invited_and_agreed(demo, conversation, "Anna")
    anna = guests.do_redeem_guest_link(token)
    waiting, waiting_token = invited_and_agreed(demo, conversation, "Pekka")
    assert conversation.client is not None
    do_client_end(conversation.client, conversation.pk)
    states = dict(conversation.guests.values_list("pk", "state"))
    assert states == {anna.pk: GuestState.LEFT, waiting: GuestState.CANCELLED}
    with pytest.raises(guests.GuestLinkError):
        guests.check_guest_link(waiting_token)


def test_the_guests_go_with_the_conversations_words(demo: Demo) -> None:
    """A guest's name and organisation could point to the client: purged with the transcript."""
    from conversations.retention import purge_conversations

    conversation = active(demo)
    _guest, token = invited_and_agreed(demo, conversation)
    guests.do_redeem_guest_link(token)
    assert conversation.client is not None
    do_client_end(conversation.client, conversation.pk)
    purge_conversations([conversation.pk], timezone.now())
    assert not conversation.guests.exists()


def test_the_history_names_a_guests_lines_with_their_role(demo: Demo) -> None:
    from django.test import Client as HttpClient

    conversation = active(demo)
    _guest, token = invited_and_agreed(demo, conversation)
    guest = guests.do_redeem_guest_link(token)
    guests.do_guest_send(guest.pk, conversation.pk, body="Tulkkaan.", client_msg_id="g1")
    assert conversation.client is not None
    do_client_end(conversation.client, conversation.pk)
    http = HttpClient()
    http.force_login(demo.staff.counsellor)
    page = http.get(f"/console/history/{conversation.pk}/?lang=en", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Tulkkaan." in text and "Anna (" in text


@pytest.mark.parametrize(
    ("lang", "join", "button", "gone"),
    [
        ("fi", "Keskusteluun liittyminen", "Liity keskusteluun", "Et ole enää mukana tässä keskustelussa."),
        ("sv", "Ansluta till ett samtal", "Anslut till samtalet", "Du är inte längre med i det här samtalet."),
        ("en", "Joining a conversation", "Join the conversation", "You are no longer in this conversation."),
    ],
)
def test_the_guest_pages_speak_every_language(demo: Demo, lang: str, join: str, button: str, gone: str) -> None:
    from django.test import Client as HttpClient

    conversation = active(demo)
    _guest, token = invited_and_agreed(demo, conversation)
    browser = HttpClient()
    page = browser.get(f"/g/{token}/?lang={lang}").content.decode()
    assert join in page and button in page and f'lang="{lang}"' in page
    assert browser.post(f"/g/{token}/").status_code == 302
    chat = browser.get(f"/guest/?lang={lang}").content.decode()
    assert "/ws/guest/" in chat and f'lang="{lang}"' in chat
    guests.do_remove_guest(demo.staff.counsellor, conversation.pk, conversation.guests.get().pk)
    assert gone in browser.get(f"/guest/?lang={lang}").content.decode()
