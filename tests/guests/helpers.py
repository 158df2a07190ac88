"""Helpers of the guest tests: an active conversation, an invitation the client agrees to, a guest who joins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client as HttpClient

from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient


@dataclass
class Scene:
    """A client chatting with the counsellor (youth desk), sockets for both."""

    client: ProtocolClient
    counsellor: ProtocolClient
    conversation: int


def active_conversation(chat: Chat, nickname: str = "Mira") -> Scene:
    client = chat.client()
    conversation = chat.start(client, desk="youth", nickname=nickname)
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    client.wait_for("conversation", timeout=5)
    return Scene(client, counsellor, conversation)


def invite(scene: Scene, *, role: str = "interpreter", name: str = "Anna", organisation: str = "") -> int:
    """The counsellor invites a guest; returns the guest's id (the client is asked)."""
    reply = scene.counsellor.answer(
        {
            "type": "invite_guest",
            "conversation": scene.conversation,
            "role": role,
            "name": name,
            "organisation": organisation,
        }
    )
    assert reply["type"] == "guests", reply
    return int(next(g["id"] for g in reply["guests"] if g["name"] == name and g["state"] == "asked"))


def consent(scene: Scene, guest: int, *, accept: bool = True) -> str | None:
    """The client answers; with a yes, the link the counsellor gets (a path: /g/<token>/)."""
    scene.client.send({"type": "guest_consent", "conversation": scene.conversation, "guest": guest, "accept": accept})
    if not accept:
        return None
    event = scene.counsellor.wait_for("guest_link", guest=guest)
    return str(event["url"])


def redeem(url: str) -> tuple[HttpClient, str]:
    """Open the link and press Join, as the guest's browser does: (the browser, its cookie header)."""
    browser = HttpClient()
    page = browser.get(url)
    assert page.status_code == 200, page.content[:300]
    joined = browser.post(url)
    assert joined.status_code == 302 and joined["Location"] == "/guest/", joined
    return browser, "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())


def guest_socket(chat: Chat, cookie: str, conversation: int | None = None) -> ProtocolClient:
    """A guest socket past hello and, given a conversation, resumed from the start."""
    socket = chat.connect("/ws/guest/", cookie=cookie)
    socket.send({"type": "hello"})
    socket.wait_for("welcome")
    if conversation is not None:
        socket.send({"type": "resume", "conversation": conversation, "after": 0})
        socket.wait_for("synced", conversation=conversation)
    return socket


def joined_guest(chat: Chat, scene: Scene, **invitation: Any) -> tuple[int, ProtocolClient, HttpClient]:
    """Invite, consent, redeem and connect: (guest id, the guest's socket, the guest's browser)."""
    guest = invite(scene, **invitation)
    url = consent(scene, guest)
    assert url is not None
    browser, cookie = redeem(url)
    return guest, guest_socket(chat, cookie, scene.conversation), browser
