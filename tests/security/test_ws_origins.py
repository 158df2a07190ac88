"""A WebSocket is accepted only from a page of our own origin: scheme, host and port (realtime/origins.py).

Issue 9, item 7: the check compared only the host name, so a page of another
service on the same host (another port), or a plain-HTTP page of our host name,
could open a socket that carried a staff member's cookie.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from realtime.origins import origin_allowed, request_is_secure
from tests.chat_helpers import Chat

HOST = "chat.example.fi"


@override_settings(ALLOWED_HOSTS=[HOST], CSRF_TRUSTED_ORIGINS=[])
def test_the_page_must_have_the_requests_scheme_host_and_port() -> None:
    # Behind the proxy over TLS: the browser sends Host without the default port, or with it.
    for host in (HOST, f"{HOST}:443"):
        assert origin_allowed(f"https://{HOST}", host, secure=True), host
        assert origin_allowed(f"https://{HOST}:443", host, secure=True), host
    # Another scheme: an http page (anybody on the way can rewrite it) or an https page on a plain socket.
    assert not origin_allowed(f"http://{HOST}", HOST, secure=True)
    assert not origin_allowed(f"https://{HOST}", HOST, secure=False)
    # Another port of the same host: another service, another origin.
    assert not origin_allowed(f"https://{HOST}:8443", HOST, secure=True)
    assert not origin_allowed(f"https://{HOST}", f"{HOST}:8443", secure=True)
    # Another host, a subdomain, a host we do not serve (even when the Host header says so).
    assert not origin_allowed("https://evil.example", HOST, secure=True)
    assert not origin_allowed(f"https://www.{HOST}", HOST, secure=True)
    assert not origin_allowed("https://evil.example", "evil.example", secure=True)
    # Not a web page's origin at all.
    for origin in (None, "", "null", f"file://{HOST}", f"ws://{HOST}", f"wss://{HOST}", f"https://{HOST}:99999"):
        assert not origin_allowed(origin, HOST, secure=True), origin


@override_settings(ALLOWED_HOSTS=[HOST], CSRF_TRUSTED_ORIGINS=["https://www.example.fi", "https://*.kunta.fi"])
def test_trusted_origins_match_by_scheme_and_port_too() -> None:
    assert origin_allowed("https://www.example.fi", HOST, secure=True)
    assert not origin_allowed("http://www.example.fi", HOST, secure=False)
    assert not origin_allowed("https://www.example.fi:8443", HOST, secure=True)
    assert not origin_allowed("https://www.example.fi", HOST, secure=False)
    # A wildcard as in Django's CSRF check: the domain and its subdomains, with the scheme and port given.
    assert origin_allowed("https://chat.kunta.fi", HOST, secure=True)
    assert origin_allowed("https://kunta.fi", HOST, secure=True)
    assert not origin_allowed("https://chat.kunta.fi:444", HOST, secure=True)
    assert not origin_allowed("https://evilkunta.fi", HOST, secure=True)


def test_the_proxys_word_is_believed_only_when_configured(settings: Any) -> None:
    proxied = {"type": "websocket", "scheme": "ws", "headers": [(b"x-forwarded-proto", b"https")]}
    settings.SECURE_PROXY_SSL_HEADER = None
    assert not request_is_secure(proxied)
    assert request_is_secure({**proxied, "scheme": "wss"})  # uvicorn itself served TLS
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert request_is_secure(proxied)
    assert request_is_secure({**proxied, "headers": [(b"x-forwarded-proto", b"https, http")]})  # the first hop's
    assert not request_is_secure({**proxied, "headers": [(b"x-forwarded-proto", b"http")]})
    assert not request_is_secure({**proxied, "headers": []})


def ws_open(chat: Chat, origin: str, headers: dict[str, str] | None = None) -> Any:
    return connect(
        chat.live.ws_url + "/ws/client/",
        origin=Origin(origin),
        additional_headers=headers,
        open_timeout=10,
        legacy=True,
    )


def refused(chat: Chat, origin: str, headers: dict[str, str] | None = None) -> bool:
    try:
        ws_open(chat, origin, headers).close()
    except InvalidStatus as error:
        assert error.response.status_code == 403
        return True
    return False


def test_sockets_from_another_port_or_scheme_of_our_host_are_refused(chat: Chat, live: Any) -> None:
    port = int(live.url.rsplit(":", 1)[1])
    assert refused(chat, f"http://127.0.0.1:{port + 1}")  # another service on this machine
    assert refused(chat, "http://127.0.0.1")  # port 80
    assert refused(chat, f"https://127.0.0.1:{port}")  # an https page cannot have made a plain ws: request
    assert refused(chat, f"http://localhost:{port}")  # another host name, although one we serve
    assert not refused(chat, f"http://127.0.0.1:{port}")


def test_behind_the_proxy_an_https_page_is_ours(chat: Chat, live: Any, settings: Any) -> None:
    """The reverse proxy terminates TLS and says so in X-Forwarded-Proto, which Django believes in production."""
    port = int(live.url.rsplit(":", 1)[1])
    page = f"https://127.0.0.1:{port}"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert not refused(chat, page, {"X-Forwarded-Proto": "https"})
    assert refused(chat, page)  # the proxy said nothing: a plain request
    assert refused(chat, f"http://127.0.0.1:{port}", {"X-Forwarded-Proto": "https"})
    # A socket let in this way works.
    ws = ws_open(chat, page, {"X-Forwarded-Proto": "https"})
    try:
        ws.send('{"type": "hello", "ref": "h"}')
        assert '"welcome"' in ws.recv(timeout=10)
    finally:
        ws.close()


@pytest.mark.parametrize("path", ["/ws/client/", "/ws/staff/"])
def test_the_staff_cookie_does_not_help_another_origin(chat: Chat, live: Any, path: str) -> None:
    port = int(live.url.rsplit(":", 1)[1])
    cookie = chat.login("counsellor")
    with pytest.raises(InvalidStatus) as refusal:
        chat.connect(path, cookie=cookie, origin=f"http://127.0.0.1:{port + 1}")
    assert refusal.value.response.status_code == 403
