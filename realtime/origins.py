"""Which web origins may open WebSockets.

The client socket is opened by our own pages (the widget runs in an iframe served
from here), and the staff socket only by the console; so a socket is accepted
only from a page of our own origin. A socket from another origin (cross-site
WebSocket hijacking of a staff session: a browser sends the session cookie with
it) is refused with HTTP 403.

The rule is Django's CSRF origin check, applied to the handshake: the page's
origin must be the request's own (the scheme the request came in by, a host of
ALLOWED_HOSTS, the same port), or one of CSRF_TRUSTED_ORIGINS. Comparing only
the host name, as Channels' OriginValidator with host patterns does, let a page
of another service on the same host (another port) or a plain-HTTP page (which
anybody on the network can rewrite) ride on a staff member's cookie (issue 9).
Default ports are normalised (https://chat.example.fi is port 443), and an
https page matches only a secure request: wss:, or ws: from the reverse proxy
that says `X-Forwarded-Proto: https` (the same SECURE_PROXY_SSL_HEADER that
Django's request.is_secure() believes).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin1")
    return None


def request_is_secure(scope: dict[str, Any]) -> bool:
    """Did the browser use wss:? Either uvicorn served TLS, or the trusted proxy says it did."""
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy_header: tuple[str, str] | None = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy_header:
        return False
    name, secure_value = proxy_header
    header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
    value = _header(scope, header)
    return value is not None and value.split(",", 1)[0].strip() == secure_value


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) origin, its default port filled in; None if it is not one."""
    try:
        parts: SplitResult = urlsplit(url.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _allowed_hosts() -> list[str]:
    # As Django's HttpRequest.get_host() reads them.
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return allowed


def origin_allowed(origin: str | None, host: str | None, secure: bool) -> bool:
    """May a page of `origin` open a socket that came in with Host `host`, over TLS if `secure`?"""
    page = _origin(origin or "")
    if page is None:
        return False  # no Origin (not a browser) or not a web page's
    scheme = "https" if secure else "http"
    if page[0] != scheme:
        return False
    own = _origin(f"{scheme}://{host}") if host else None
    if own is not None and page == own and validate_host(split_domain_port(host or "")[0], _allowed_hosts()):
        return True
    for trusted_origin in settings.CSRF_TRUSTED_ORIGINS:
        trusted = _origin(trusted_origin.replace("://*.", "://wildcard."))
        if trusted is None or trusted[0] != page[0] or trusted[2] != page[2]:
            continue
        if "://*." in trusted_origin:
            # https://*.example.fi: the domain and its subdomains, as in Django's CSRF check.
            if is_same_domain(page[1], trusted[1].removeprefix("wildcard")):
                return True
        elif trusted[1] == page[1]:
            return True
    return False


class OriginCheck:
    """ASGI middleware: a WebSocket handshake from a page of another origin is refused (403)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if origin_allowed(_header(scope, b"origin"), _header(scope, b"host"), request_is_secure(scope)):
            await self.application(scope, receive, send)
        else:
            await WebsocketDenier()(scope, receive, send)
