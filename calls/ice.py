"""The ICE settings a browser gets for a call: STUN and TURN servers, short-lived TURN credentials.

Everything comes from the environment (kohtaamo/settings.py, docs/calls.md).
TURN credentials follow coturn's shared-secret mode (`use-auth-secret` with
`static-auth-secret`, the "TURN REST API"): the username is
`<expiry unix time>:<tag>` and the password base64(HMAC-SHA1(secret, username)).
coturn checks them with the same secret and refuses them after the expiry, so
no credential is stored anywhere and a leaked one is useless within
`CALL_TURN_TTL_SECONDS`. The tag is random: it never names the client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Literal, NotRequired, TypedDict

from django.conf import settings

Policy = Literal["all", "relay"]


class IceServer(TypedDict):
    """One entry of RTCConfiguration.iceServers."""

    urls: list[str]
    username: NotRequired[str]
    credential: NotRequired[str]


class IceSettings(TypedDict):
    """What the browser passes to `new RTCPeerConnection(...)`."""

    iceServers: list[IceServer]
    iceTransportPolicy: Policy


def turn_configured() -> bool:
    """Whether a TURN server with a shared secret is configured: only then can a call be relay-only."""
    return bool(settings.CALL_TURN_URLS and settings.CALL_TURN_SECRET)


def turn_credentials(secret: str, tag: str, *, ttl: int, now: float | None = None) -> tuple[str, str]:
    """(username, credential) for coturn's shared-secret mode, valid for `ttl` seconds from `now`."""
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{tag}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_settings(*, relay_only: bool) -> IceSettings:
    """The ICE settings for one peer of one call, with fresh TURN credentials.

    `relay_only` (the call's, conversations.models.Call) makes the browser use
    only TURN relays, so neither side learns the other's address; the server
    also drops every other candidate it relays (calls.sdp), since a modified
    browser could ignore the policy.
    """
    servers: list[IceServer] = []
    if settings.CALL_STUN_URLS:
        servers.append({"urls": list(settings.CALL_STUN_URLS)})
    if turn_configured():
        # A random tag: coturn logs the username, and it must not tie calls together or to a person.
        username, credential = turn_credentials(
            settings.CALL_TURN_SECRET, secrets.token_hex(6), ttl=settings.CALL_TURN_TTL_SECONDS
        )
        servers.append({"urls": list(settings.CALL_TURN_URLS), "username": username, "credential": credential})
    return {"iceServers": servers, "iceTransportPolicy": "relay" if relay_only else "all"}
