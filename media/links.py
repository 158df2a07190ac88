"""Signed links to one attachment's file, for one reader, that expire.

A link names the attachment, its conversation, the peer it was given to
(`"client"`, `"staff:<id>"`, `"guest:<id>"`) and which part (the file or its
thumbnail), signed with the SECRET_KEY and a timestamp. It works for
MEDIA_LINK_SECONDS; after that the reader asks for a fresh one (the `file_link`
frame). The link is not enough on its own: the file view also checks that the
peer may still read the conversation now (conversations.actions.access.peer_may_read).
For a client the link also carries the client's row id, so that a conversation
that moved to another browser (a conversation code) or was deleted stops the
old links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "kohtaamo.media.link"
Part = Literal["file", "thumb"]


class LinkInvalid(Exception):
    """Not a link this service made (or altered)."""


class LinkExpired(Exception):
    """A link that was valid, but whose time is over."""


@dataclass(frozen=True)
class Link:
    attachment: int
    conversation: int
    peer: str
    part: Part
    client: int | None = None


def sign(link: Link) -> str:
    """The URL of `link` (path only), valid for MEDIA_LINK_SECONDS from now."""
    payload = {"a": link.attachment, "c": link.conversation, "p": link.peer, "t": link.part[0]}
    if link.client is not None:
        payload["k"] = link.client
    token = signing.dumps(payload, salt=SALT)
    return reverse("attachment_file", kwargs={"token": token})


def read(token: str) -> Link:
    """The link a token stands for; LinkExpired or LinkInvalid otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.MEDIA_LINK_SECONDS)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    try:
        part: Part = "thumb" if data["t"] == "t" else "file"
        client = data.get("k")
        return Link(int(data["a"]), int(data["c"]), str(data["p"]), part, int(client) if client is not None else None)
    except (KeyError, TypeError, ValueError):
        raise LinkInvalid from None
