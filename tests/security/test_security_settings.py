"""Production security settings: `check --deploy`, the CSP, cookies, HSTS, and no client addresses or user agents.

The production values come from kohtaamo/settings.py imported in a subprocess
with a production environment (DEBUG unset, a real SECRET_KEY, a host name), so
the tests read what a deployment gets, not what the test settings say.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.test import override_settings

from demo.data import DEMO_PASSWORD
from tests.wsclient import staff_cookie

BASE_DIR = Path(__file__).resolve().parents[2]
HOST = "chat.example.fi"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # Not DJANGO_ALLOW_ASYNC_UNSAFE either: tests/conftest.py sets it for the browser tests only.
    unset = ("DEBUG", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="kohtaamo.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        KOHTAAMO_VAR_DIR=str(tmp_path / "var"),
        **extra,
    )
    return env


def test_check_deploy_passes_without_warnings(tmp_path: Path) -> None:
    # With a TURN server, as production needs for relay-only calls (calls.checks; tests/calls test the warning).
    turn = {"CALL_TURN_URLS": "turn:turn.example.fi:3478", "CALL_TURN_SECRET": secrets.token_urlsafe(32)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path, **turn),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


SECURITY_SETTINGS = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
]


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The security settings kohtaamo/settings.py gives a production environment."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=production_env(tmp_path_factory.mktemp("prod")),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_settings_are_strict(production_settings: dict[str, Any]) -> None:
    s = production_settings
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["CSRF_COOKIE_SECURE"] and s["LANGUAGE_COOKIE_SECURE"]
    for name in ("SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SAMESITE"):
        assert s[name] in ("Lax", "Strict"), name
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] and s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_REFERRER_POLICY"] == "same-origin" and s["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    # Only our own origin, whose sockets 'self' covers (CSP Level 3): no wss: of any host.
    assert s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["connect-src"] == ["'self'"]


# --- Content-Security-Policy --------------------------------------------------------------------


def csp_of(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# Every kind of page: (who looks, path). The embed alone may be framed by any site.
CSP_PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/embed/"),
    ("anonymous", "/widget-test/"),
    ("anonymous", "/staff/login/"),
    ("counsellor", "/console/"),
    ("counsellor", "/console/canned/"),
    ("editor", "/brain/"),
    ("editor", "/brain/try/?text=hei"),
    ("editor", "/brain/signals/?text=hei"),
    ("editor", "/brain/unanswered/"),
    ("admin", "/admin/"),
    ("admin", "/admin/desks/desk/"),
    ("anonymous", "/api/bot/status"),
]


@pytest.mark.django_db
def test_every_page_has_a_strict_csp(demo: Any) -> None:
    clients: dict[str, HttpClient] = {"anonymous": HttpClient()}
    for username in ("counsellor", "editor", "admin"):
        clients[username] = HttpClient()
        staff_cookie(clients[username], username, DEMO_PASSWORD, otp=username == "admin")
    for who, path in CSP_PAGES:
        response = clients[who].get(path)
        assert response.status_code == 200, (who, path, response.status_code)
        csp = csp_of(response)
        script = csp.get("script-src", csp.get("default-src"))
        assert script is not None, path
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, (path, script)
        assert "*" not in script and "data:" not in script, (path, script)
        assert csp.get("object-src") == ["'none'"], path
        assert csp.get("base-uri") in (["'self'"], ["'none'"]), path
        assert csp.get("form-action") == ["'self'"], path
        assert csp.get("connect-src") == ["'self'"], path
        expected_ancestors = ["*"] if path == "/embed/" else ["'none'"]
        assert csp.get("frame-ancestors") == expected_ancestors, path
        if path != "/embed/":
            assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path


CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def violations(page: Any) -> list[str]:
    """The CSP violations of the page and its frames so far."""
    found: list[str] = []
    for frame in page.frames:
        if not frame.is_detached():
            found += frame.evaluate("window.__csp || []")
    return found


def test_no_csp_violation_during_normal_use(browser: Any, live: Any, demo: Any) -> None:
    from playwright.sync_api import expect

    from tests.console.test_console_browser import login_with_form

    context = browser.new_context(locale="en-US")
    context.add_init_script(CSP_LISTENER)
    console_messages: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: console_messages.append(m.text))
        # The client: pick a desk, chat, end.
        page.goto(live.url + "/")
        page.locator("li.k-desk", has_text="Youth chat").get_by_role(
            "button", name=re.compile("Chat with a person|Start chat")
        ).click()
        box = page.get_by_role("textbox", name="Your message")
        box.fill("Hello there")
        box.press("Enter")
        expect(page.locator("#k-log li.k-msg--client")).to_have_count(1)
        assert violations(page) == [], "client page"
        # The listener is real: an inline script injected now is blocked and reported.
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.x = 1'; document.body.append(s); }"
        )
        page.wait_for_function("window.__csp.length > 0")
        assert any(v.startswith("script-src") for v in violations(page)), violations(page)
        console_messages.clear()  # Chromium's own report of that probe
        # The widget on another site's page, opened.
        page.goto(live.url + "/widget-test/")
        page.wait_for_load_state("networkidle")
        buttons = page.get_by_role("button")
        if buttons.count():
            buttons.first.click()
            page.wait_for_timeout(500)
        assert violations(page) == [], "widget test page"
        page.goto(live.url + "/embed/")
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], "embed"
        # Staff: the counsellor's console and canned replies, the editor's brain, the admin.
        staff_pages = {
            "counsellor": ["/console/canned/", "/console/canned/new/"],
            "editor": [
                "/brain/",
                "/brain/try/?text=hei",
                "/brain/signals/?text=hei",
                "/brain/unanswered/",
                "/brain/new/",
            ],
            "admin": ["/admin/", "/admin/desks/desk/", "/admin/accounts/staff/"],
        }
        for username, paths in staff_pages.items():
            staff_context = browser.new_context(locale="en-US")
            staff_context.add_init_script(CSP_LISTENER)
            try:
                staff_page = staff_context.new_page()
                staff_page.on("console", lambda m: console_messages.append(m.text))
                if username == "editor":
                    staff_page.goto(live.url + "/staff/login/")
                    staff_page.get_by_label("Username").fill(username)
                    staff_page.get_by_label("Password").fill(DEMO_PASSWORD)
                    staff_page.get_by_role("button", name="Log in").click()
                    expect(staff_page).to_have_url(re.compile(r"/brain/$"))
                else:
                    login_with_form(staff_page, live, username)
                assert violations(staff_page) == [], f"{username}: login and first page"
                for path in paths:
                    staff_page.goto(live.url + path)
                    staff_page.wait_for_load_state("networkidle")
                    assert violations(staff_page) == [], f"{username}: {path}"
            finally:
                staff_context.close()
    finally:
        context.close()
    blocked = [m for m in console_messages if "Content Security Policy" in m]
    assert not blocked, blocked


# --- Cookies and HSTS ------------------------------------------------------------------------------


def cookie_attributes(response: Any, name: str) -> dict[str, Any]:
    morsel = response.cookies.get(name)
    assert morsel is not None, f"{name} was not set"
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]), "samesite": morsel["samesite"]}


@pytest.mark.django_db
def test_cookies_and_hsts_with_production_settings(demo: Any, production_settings: dict[str, Any]) -> None:
    overrides = {k: v for k, v in production_settings.items() if k not in ("DEBUG", "CONTENT_SECURITY_POLICY")}
    secure: dict[str, Any] = {"secure": True, "HTTP_HOST": HOST}
    with override_settings(ALLOWED_HOSTS=[HOST], **overrides):
        http = HttpClient()
        # Plain HTTP is sent to HTTPS.
        plain = http.get("/", HTTP_HOST=HOST)
        assert plain.status_code == 301 and plain["Location"] == f"https://{HOST}/"
        # Over HTTPS (or behind the proxy that says so): HSTS.
        page = http.get("/staff/login/", **secure)
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        proxied = http.get("/", HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        assert proxied.status_code == 200 and "Strict-Transport-Security" in proxied
        csrf = cookie_attributes(page, "csrftoken")
        assert csrf == {"secure": True, "httponly": True, "samesite": "Lax"}
        token = page.context["csrf_token"]
        login = http.post(
            "/staff/login/",
            {"username": "counsellor", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": str(token)},
            **secure,
        )
        assert login.status_code == 302, login.content[:300]
        assert cookie_attributes(login, "sessionid") == {"secure": True, "httponly": True, "samesite": "Lax"}
        # Django's language switch and the client pages' ?lang= links.
        switched = http.post("/i18n/setlang/", {"language": "sv", "next": "/console/"}, **secure)
        assert cookie_attributes(switched, "django_language") == {"secure": True, "httponly": True, "samesite": "Lax"}
        chosen = HttpClient().get("/?lang=en", **secure)
        language = cookie_attributes(chosen, "django_language")
        assert language == {"secure": True, "httponly": True, "samesite": "Lax"}


# --- No client addresses or user agents, in the logs or in the database ------------------------

FAKE_IP = "203.0.113.77"
USER_AGENT = "KohtaamoTestAgent/9.9"
NEEDLES = (FAKE_IP, "127.0.0.1", "KohtaamoTestAgent")
CLIENT_HEADERS = {"X-Forwarded-For": FAKE_IP, "X-Real-IP": FAKE_IP, "User-Agent": USER_AGENT}

# A settings module for the server under test: the production logging, with every
# logger of Django, Channels and the project at DEBUG (uvicorn's own loggers keep
# the configuration scripts/serve.py gives them, as in production).
LOUD_SETTINGS = """
from kohtaamo.settings import *  # noqa

LOGGING["root"]["level"] = "DEBUG"
for name in ("django", "django.request", "django.server", "django.security", "django.db.backends",
             "channels", "daphne", "asyncio", "websockets", "conversations", "realtime", "bot",
             "accounts", "console", "desks", "widget", "kohtaamo"):
    LOGGING["loggers"][name] = {"level": "DEBUG"}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """scripts/serve.py in a subprocess on its own SQLite file, with its output captured."""

    def __init__(self, tmp_path: Path) -> None:
        (tmp_path / "loud_settings.py").write_text(LOUD_SETTINGS)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp_path / "leak.sqlite3"
        self.log = tmp_path / "server.log"
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        self.env.update(
            DEBUG="1",  # plain HTTP on loopback (no TLS here); everything else as in production
            DJANGO_SETTINGS_MODULE="loud_settings",
            PYTHONPATH=f"{tmp_path}{os.pathsep}{BASE_DIR}",
            SECRET_KEY=secrets.token_urlsafe(50),
            SQLITE_PATH=str(self.db),
            KOHTAAMO_VAR_DIR=str(tmp_path / "var"),
            # The bot's models as the test session trained them: not seconds of training before it answers.
            BOT_MODEL_DIR=str(settings.BOT_MODEL_DIR),
            PURGE_EVERY_SECONDS="0",
        )
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=BASE_DIR,
                env={**self.env, "DJANGO_SETTINGS_MODULE": "kohtaamo.settings"},
                check=True,
                timeout=300,
                capture_output=True,
            )
        self.env["LOG_LEVEL"] = "DEBUG"
        self.output = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/bot/status", timeout=5).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("server did not start:\n" + self.log.read_text()) from None
                time.sleep(0.2)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()
        return self.log.read_text(errors="replace")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    yield running
    running.stop()


class Browser:
    """HTTP with cookies, a CSRF token and the distinctive headers of the test."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: SimpleCookie = SimpleCookie()

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=data, method="POST" if data is not None else "GET")  # noqa: S310
        for name, value in {**CLIENT_HEADERS, **(headers or {})}.items():
            request.add_header(name, value)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={m.value}" for k, m in self.cookies.items()))

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
            status, body, reply_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, body, reply_headers = error.code, error.read(), error.headers
        for header in reply_headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return status, body.decode("utf-8", errors="replace")

    def form(self, path: str, fields: dict[str, str]) -> int:
        status, page = self.request(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {path} ({status}): {page[:1000]}"
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
        status, _ = self.request(
            path, body, {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + path}
        )
        return status

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())


def socket_to(server: Server, path: str, cookie: str | None = None) -> Any:
    from websockets.sync.client import connect
    from websockets.typing import Origin

    headers = {"X-Forwarded-For": FAKE_IP, "X-Real-IP": FAKE_IP}
    if cookie:
        headers["Cookie"] = cookie
    return connect(
        server.url.replace("http://", "ws://") + path,
        origin=Origin(server.url),
        additional_headers=headers,
        user_agent_header=USER_AGENT,
        open_timeout=10,
        legacy=True,  # a plain connection object (tests/wsclient.py does the same)
    )


def exchange(ws: Any, frame: dict[str, Any], until: str, **match: Any) -> dict[str, Any]:
    ws.send(json.dumps(frame))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        event = json.loads(ws.recv(timeout=30))
        if event.get("type") == "error" and event.get("ref") == frame.get("ref"):
            raise AssertionError(f"{frame} -> {event}")
        if event.get("type") == until and all(event.get(k) == v for k, v in match.items()):
            return dict(event)
    raise AssertionError(f"no {until} after {frame}")


def database_text(db: Path, secret_key: str) -> list[str]:
    """Every value of every table as text, and the decoded data of every session."""
    from django.core import signing

    lines: list[str] = []
    connection = sqlite3.connect(db)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            lines.extend(f"{table}: {row!r}" for row in connection.execute(f'SELECT * FROM "{table}"'))  # noqa: S608
        for (data,) in connection.execute("SELECT session_data FROM django_session"):
            decoded = signing.loads(
                data, key=secret_key, salt="django.contrib.sessions.SessionStore", serializer=signing.JSONSerializer
            )
            lines.append(f"session: {decoded!r}")
    finally:
        connection.close()
    return lines


def test_no_client_address_or_user_agent_is_logged_or_stored(server: Server) -> None:
    client = Browser(server.url)
    assert client.request("/")[0] == 200
    assert client.request("/embed/?lang=sv")[0] == 200
    status, _ = client.request(
        "/api/bot/ask", json.dumps({"text": "Miten haen opintotukea?"}).encode(), {"Content-Type": "application/json"}
    )
    assert status == 200
    assert client.request("/api/bot/ask", b"{", {"Content-Type": "application/json"})[0] == 400
    assert client.request("/no-such-page/")[0] == 404  # django.request logs 404s

    ws = socket_to(server, "/ws/client/")
    try:
        exchange(ws, {"type": "hello", "ref": "h"}, "welcome")
        # A bot desk first: the bot answers, and the conversation moves to a person.
        state = exchange(ws, {"type": "start", "desk": "youth", "ref": "s"}, "conversation")["conversation"]
        conversation = state["id"]
        exchange(
            ws, {"type": "send", "conversation": conversation, "id": "m1", "body": "Mitä kuuluu?", "ref": "m"}, "ack"
        )
        exchange(ws, {"type": "handoff", "conversation": conversation, "ref": "o"}, "conversation")
        exchange(ws, {"type": "ping", "ref": "p"}, "pong")

        staff = Browser(server.url)
        assert staff.form("/staff/login/", {"username": "counsellor", "password": DEMO_PASSWORD}) == 302
        assert staff.request("/console/")[0] == 200
        console = socket_to(server, "/ws/staff/", cookie=staff.cookie_header())
        try:
            exchange(console, {"type": "hello", "ref": "h"}, "welcome")
            exchange(console, {"type": "take", "conversation": conversation, "ref": "t"}, "conversation")
            exchange(
                console, {"type": "send", "conversation": conversation, "id": "s1", "body": "Hei!", "ref": "s"}, "ack"
            )
            exchange(
                ws, {"type": "send", "conversation": conversation, "id": "m2", "body": "Kiitos", "ref": "m2"}, "ack"
            )
            exchange(
                console, {"type": "note", "conversation": conversation, "id": "n1", "body": "ok", "ref": "n"}, "ack"
            )
            exchange(
                console,
                {"type": "close", "conversation": conversation, "outcome": "answered", "ref": "c"},
                "conversation",
            )
        finally:
            console.close()
        # A supervisor and an admin pass TOTP; the admin looks at the admin's pages.
        admin = Browser(server.url)
        assert admin.form("/staff/login/", {"username": "admin", "password": DEMO_PASSWORD}) == 302
        from django_otp.oath import totp

        from demo.data import DEMO_TOTP_KEY

        code = f"{totp(bytes.fromhex(DEMO_TOTP_KEY)):06d}"
        assert admin.form("/staff/login/code/", {"token": code}) == 302
        assert admin.request("/admin/")[0] == 200
        assert admin.request("/admin/conversations/conversation/")[0] == 200
        wrong = Browser(server.url)
        assert wrong.form("/staff/login/", {"username": "volunteer", "password": "wrong password!"}) == 200
    finally:
        ws.close()
    time.sleep(0.5)
    logs = server.stop()
    stored = database_text(server.db, server.env["SECRET_KEY"])
    assert "conversations_message" in "\n".join(stored) and "Mitä kuuluu?" in "\n".join(stored)
    # The server did log (SQL at DEBUG, django.request's 404 line), and the sessions were
    # decoded: what is searched below is the real thing.
    assert "conversations_message" in logs and "Not Found: /no-such-page/" in logs, logs[-2000:]
    assert any(line.startswith("session: {") and "_auth_user_id" in line for line in stored)
    for needle in NEEDLES:
        in_logs = [line for line in logs.splitlines() if needle in line]
        in_db = [line for line in stored if needle in line]
        assert not in_logs, f"{needle} in the server's output:\n" + "\n".join(in_logs[:10])
        assert not in_db, f"{needle} in the database:\n" + "\n".join(in_db[:10])
