"""Faults: a server killed in the middle of a conversation, a process lost, the database or Redis gone a while.

Every test runs real `scripts/serve.py` processes (tests/processes.py) and
checks the promises of docs/protocol.md and docs/architecture.md ("Faults and
outages"): every message the server acknowledged is stored exactly once, in
order; parties come back by themselves (reconnect, `hello`, `resume`, resend
with the same ids) and end with the whole conversation, without gaps or
doubles; an outage is reported by /health and answered with `unavailable`
(nothing is lost silently), and the service recovers without a restart.

The PostgreSQL tests run a private cluster (one per module, owned by the
`postgres` user when the tests run as root), so they run on the SQLite stage
too, and stopping it disturbs nobody else. No test asserts how long anything takes.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient
from playwright.sync_api import expect
from websockets.exceptions import ConnectionClosed

from demo.data import DEMO_PASSWORD
from tests.processes import Postgres, Processes, Redis, Server, server_env, wait_until
from tests.support import use_channel_layer
from tests.wsclient import ProtocolClient, staff_cookie

expect.set_options(timeout=10_000)

# Enough for a reconnect with backoff after a restart (the page waits at most 15 s between tries).
RECOVERY_TIMEOUT = 60


# --- Helpers ------------------------------------------------------------------------------


def login(server: Server, username: str, *, private_database: bool = False) -> str:
    """The Cookie header of a staff member logged in through the real login form.

    On the test database the test process logs in (its fast password hasher made
    the demo passwords); on a private cluster (seeded by manage.py) the server does.
    """
    if not private_database:
        return staff_cookie(HttpClient(), username, DEMO_PASSWORD)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.url + "/staff/login/", timeout=10).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "no CSRF token on the login page"
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(server.url + "/staff/login/", data=data)  # noqa: S310 - http://127.0.0.1
    opener.open(request, timeout=10)
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "login failed"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def health(server: Server) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(server.url + "/health", timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for_health(server: Server, **expected: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def matches() -> bool:
        nonlocal seen
        try:
            _status, seen = health(server)
        except OSError:
            return False
        return all(seen.get(k) == v for k, v in expected.items())

    wait_until(matches, f"/health to report {expected} (last: {seen})", timeout=RECOVERY_TIMEOUT, every=0.3)
    return seen


class Party:
    """A protocol party that survives its server: reconnects, says hello, resumes and resends.

    It keeps what docs/protocol.md asks a party to keep: the messages seen (by
    seq; a seq seen twice is ignored, as the live stream and a resume may
    overlap) and the frames sent but not yet acknowledged.
    """

    def __init__(self, ws_url: str, path: str, *, cookie: str | None = None) -> None:
        self.ws_url = ws_url
        self.path = path
        self.cookie = cookie
        self.token: str | None = None
        self.socket: ProtocolClient | None = None
        self.seen: dict[int, dict[str, Any]] = {}  # seq -> message event
        self.duplicates: list[tuple[int, int]] = []  # (seq, times) of differing copies
        self.pending: dict[str, str] = {}  # id -> body: sent, no ack yet
        self.acked: dict[str, int] = {}  # id -> seq
        self.conversation = 0

    # The stream of events -------------------------------------------------------------

    def take_in(self, event: dict[str, Any]) -> None:
        if event.get("type") == "message" and event.get("conversation") == self.conversation:
            earlier = self.seen.get(event["seq"])
            if earlier is not None and (earlier["id"], earlier["body"]) != (event["id"], event["body"]):
                self.duplicates.append((event["seq"], 2))  # two different messages with one seq
            self.seen.setdefault(event["seq"], event)
        if event.get("type") == "ack" and event.get("conversation") == self.conversation:
            self.pending.pop(event["id"], None)
            self.acked[event["id"]] = event["seq"]

    def read(self, timeout: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives within `timeout`; stops quietly when the connection is gone."""
        assert self.socket is not None
        got = []
        try:
            while True:
                event = self.socket.recv(timeout=timeout)
                self.take_in(event)
                got.append(event)
        except (TimeoutError, ConnectionClosed, OSError):
            return got

    def wait_for(self, type_: str, timeout: float = 10, **match: Any) -> dict[str, Any]:
        assert self.socket is not None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {type_} {match}")
            event = self.socket.recv(timeout=remaining)
            self.take_in(event)
            if event.get("type") == type_ and all(event.get(k) == v for k, v in match.items()):
                return event

    @property
    def cursor(self) -> int:
        """Every seq up to this one has been seen."""
        n = 0
        while n + 1 in self.seen:
            n += 1
        return n

    # Connecting ---------------------------------------------------------------------------

    def connect(self) -> None:
        self.socket = ProtocolClient(self.ws_url, self.path, cookie=self.cookie)
        hello: dict[str, Any] = {"type": "hello", "lang": "en", "ref": "hello"}
        if self.token:
            hello["token"] = self.token
        self.socket.send(hello)
        welcome = self.wait_for("welcome")
        self.token = welcome.get("token", self.token)

    def reconnect(self, timeout: float = RECOVERY_TIMEOUT) -> None:
        """Come back after the server went away: connect (retrying), hello, resume, resend."""
        if self.socket is not None:
            self.read(0.2)  # whatever arrived before the connection broke
            self.socket.close()
        deadline = time.monotonic() + timeout
        delay = 0.2
        while True:
            try:
                self.connect()
                break
            except (OSError, ConnectionClosed, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2)
        self.resume()
        for msg_id, body in list(self.pending.items()):
            self.send_message(body, msg_id)

    def resume(self) -> None:
        assert self.socket is not None
        self.socket.send({"type": "resume", "conversation": self.conversation, "after": self.cursor, "ref": "resume"})
        self.wait_for("synced", conversation=self.conversation)

    def send_message(self, body: str, msg_id: str | None = None) -> str:
        """Send (or resend) a message without waiting for its ack."""
        assert self.socket is not None
        msg_id = msg_id or uuid.uuid4().hex
        self.pending[msg_id] = body
        try:
            self.socket.send(
                {"type": "send", "conversation": self.conversation, "id": msg_id, "body": body, "ref": msg_id}
            )
        except (ConnectionClosed, OSError):
            pass  # still pending: sent again after the reconnect
        return msg_id

    def settle(self, timeout: float = 20) -> None:
        """Read until every pending message is acknowledged."""
        deadline = time.monotonic() + timeout
        while self.pending:
            assert time.monotonic() < deadline, f"no ack for {sorted(self.pending.values())}"
            self.read(0.2)

    def transcript(self) -> list[tuple[int, str | None, str]]:
        return [(seq, m["id"], m["body"]) for seq, m in sorted(self.seen.items())]

    def close(self) -> None:
        if self.socket is not None:
            try:
                self.socket.close()
            except Exception:
                pass


def start_conversation(client: Party, desk: str = "youth") -> int:
    assert client.socket is not None
    client.socket.send({"type": "start", "desk": desk, "person": True, "ref": "start"})
    state = client.wait_for("conversation", ref="start")["conversation"]
    client.conversation = int(state["id"])
    client.wait_for("synced", conversation=client.conversation)
    return client.conversation


def take(counsellor: Party, conversation: int) -> None:
    assert counsellor.socket is not None
    counsellor.conversation = conversation
    counsellor.socket.send({"type": "take", "conversation": conversation, "ref": "take"})
    counsellor.wait_for("conversation", ref="take")
    counsellor.resume()


def stored_messages(conversation: int, database_url: str | None = None) -> list[tuple[int, str, str | None, str]]:
    """(seq, sender, client-made id, body) of every stored message, read from the database itself."""
    query = (
        "SELECT seq, sender_kind, client_msg_id, body FROM conversations_message "
        "WHERE conversation_id = %s ORDER BY seq"
    )
    if database_url is None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(query, [conversation])
            return [tuple(row) for row in cursor.fetchall()]
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as db:
        return [tuple(row) for row in db.execute(query, [conversation]).fetchall()]


def connect_and_take(client: Party, counsellor: Party) -> int:
    """Connect both, start a conversation as the client and take it as the counsellor; returns its id."""
    client.connect()
    conversation = start_conversation(client)
    counsellor.connect()
    take(counsellor, conversation)
    return conversation


def catch_up(parties: list[Party], stored: int, timeout: float = 20) -> None:
    """Let each party read the live stream up to `stored` messages; one still behind asks again with `resume`.

    The channel layer delivers at most once (an event may die with a process):
    the cursor is what makes the stream complete.
    """
    for party in parties:
        deadline = time.monotonic() + timeout
        while party.cursor < stored and time.monotonic() < deadline:
            party.read(0.2)
        if party.cursor < stored:
            party.resume()


def assert_complete(stored: list[tuple[int, str, str | None, str]], parties: list[Party], sent: dict[str, str]) -> None:
    """Every message sent is stored once, seqs are 1..n, and every party has exactly that transcript."""
    seqs = [row[0] for row in stored]
    assert seqs == list(range(1, len(stored) + 1)), f"gaps or doubles in seq: {seqs}"
    ids = [row[2] for row in stored if row[2] is not None]
    assert len(ids) == len(set(ids)), "a client-made id is stored twice"
    by_id = {row[2]: row[3] for row in stored if row[2] is not None}
    for msg_id, body in sent.items():
        assert by_id.get(msg_id) == body, f"message {body!r} is not stored exactly once"
    for party in parties:
        assert not party.duplicates, f"two different messages with one seq: {party.duplicates}"
        assert party.acked.keys() <= by_id.keys(), "an acknowledged message is missing"
        for msg_id, seq in party.acked.items():
            assert stored[seq - 1][2] == msg_id, "an ack names another message's seq"
        assert party.transcript() == [(row[0], row[2], row[3]) for row in stored], f"{party.path} transcript differs"


class Proxy:
    """A tiny TCP proxy: each new connection goes to the first backend that accepts it."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.closed = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def accept_loop(self) -> None:
        while not self.closed:
            try:
                downstream, _address = self.listener.accept()
            except OSError:
                return
            for port in self.backends:
                try:
                    upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
                    upstream.settimeout(None)
                    break
                except OSError:
                    continue
            else:
                downstream.close()
                continue
            for a, b in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self.closed = True
        self.listener.close()


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """A private PostgreSQL cluster, migrated, with the demo data (desks always open)."""
    processes = Processes(tmp_path_factory.mktemp("postgres"))
    cluster = Postgres(processes)
    try:
        cluster.init()
        cluster.manage("migrate", "--noinput", "-v0")
        cluster.manage(
            "shell",
            "-c",
            "from demo.data import seed_demo; from desks.models import OpeningPeriod; "
            "seed_demo(brain=False); OpeningPeriod.objects.all().delete()",
        )
        yield cluster
    finally:
        cluster.remove()


def page_messages(page: Any) -> Any:
    return page.locator("#k-log li.k-msg--client")


def new_context(browser: Any) -> Any:
    return browser.new_context(locale="en-US")


def queue_on_client_page(context: Any, server: Server) -> tuple[Any, int]:
    """A client's page in the queue of Youth chat: the page and its conversation's id."""
    page = context.new_page()
    page.goto(server.url + "/")
    page.locator("li.k-desk", has_text="Youth chat").get_by_role(
        "button", name=re.compile("Chat with a person|Start chat")
    ).click()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    return page, int(page.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))


def send_stream(
    sent: dict[str, str], senders: dict[str, Party], numbers: range, kill: tuple[int, Callable[[], None]] | None = None
) -> None:
    """Numbered messages ("<label> <n>") from each sender in turn, without waiting for acks.

    Each is kept in `sent` by its id; `kill` (n, kill) kills a server after round n, in the middle of the stream.
    """
    for n in numbers:
        for label, party in senders.items():
            body = f"{label} {n}"
            sent[party.send_message(body)] = body
        if kill is not None and n == kill[0]:
            kill[1]()


# --- The server killed in the middle --------------------------------------------------------


def test_server_killed_mid_stream_loses_and_doubles_nothing(transactional_db: Any, demo: Any, processes: Processes):
    server = Server(processes, "server", server_env()).start()
    client = Party(server.ws_url, "/ws/client/")
    counsellor = Party(server.ws_url, "/ws/staff/", cookie=login(server, "counsellor"))
    sent: dict[str, str] = {}
    try:
        conversation = connect_and_take(client, counsellor)

        # A stream both ways, without waiting for acks; the server dies in the middle of it.
        both = {"client": client, "counsellor": counsellor}
        send_stream(sent, both, range(12), kill=(6, server.kill))
        client.read(0.2)
        counsellor.read(0.2)
        assert client.pending or counsellor.pending, "the kill came after every ack"

        server.start()  # the same port: the clients come back by themselves
        client.reconnect()
        counsellor.reconnect()
        send_stream(sent, {"client": client}, range(12, 15))
        client.settle()
        counsellor.settle()
        # Both sides take in the live stream until the last message has reached them.
        catch_up([client, counsellor], len(stored_messages(conversation)))
        assert_complete(stored_messages(conversation), [client, counsellor], sent)
    finally:
        client.close()
        counsellor.close()


def test_client_page_survives_a_killed_server_without_reloading(
    transactional_db: Any, demo: Any, processes: Processes, browser: Any
) -> None:
    server = Server(processes, "server", server_env()).start()
    counsellor = Party(server.ws_url, "/ws/staff/", cookie=login(server, "counsellor"))
    context = new_context(browser)
    try:
        page, conversation = queue_on_client_page(context, server)
        counsellor.connect()
        take(counsellor, conversation)
        page.evaluate("window.kohtaamoNotReloaded = true")

        box = page.get_by_role("textbox", name="Your message")
        texts = [f"Viesti {n}" for n in range(6)]
        # Three in flight as the server dies, three more while it is down.
        page.evaluate(
            """(texts) => {
                const box = document.getElementById('k-text');
                for (const text of texts) {
                    box.value = text;
                    box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
                }
            }""",
            texts[:3],
        )
        server.kill()
        expect(page.locator("#k-conn")).to_have_text("Connection lost. Reconnecting…")
        for text in texts[3:]:
            box.fill(text)
            box.press("Enter")
        # Shown only when the test fails: what the page holds at this point.
        print("page:", page_messages(page).all_inner_texts(), page.locator("#k-error").inner_text(), box.input_value())
        expect(page_messages(page)).to_have_count(6)
        assert "Viesti 5" in page.evaluate("localStorage.getItem('kohtaamo.outbox')")

        server.start()
        expect(page.locator("#k-conn")).to_be_hidden(timeout=RECOVERY_TIMEOUT * 1000)
        for n in range(6):
            expect(page_messages(page).nth(n).locator(".k-mark")).to_have_text(
                re.compile("Sent|Delivered|Read"), timeout=RECOVERY_TIMEOUT * 1000
            )
        expect(page_messages(page).locator(".k-body")).to_have_text(texts)
        assert page.evaluate("window.kohtaamoNotReloaded") is True
        assert page.evaluate("localStorage.getItem('kohtaamo.outbox')") is None

        stored = stored_messages(conversation)
        assert [row[3] for row in stored if row[1] == "client"] == texts
        counsellor.reconnect()
        deadline = time.monotonic() + 20
        while counsellor.cursor < len(stored) and time.monotonic() < deadline:
            counsellor.read(0.2)
        assert not counsellor.duplicates
        assert [m["body"] for m in counsellor.seen.values() if m["sender"] == "client"] == texts
        assert counsellor.transcript() == [(row[0], row[2], row[3]) for row in stored]
    finally:
        context.close()
        counsellor.close()


# --- One of two processes lost ---------------------------------------------------------------


def test_clients_move_to_the_other_process_when_one_is_killed(postgres: Postgres, processes: Processes) -> None:
    redis = Redis(processes).start()
    env = server_env(database_url=postgres.url, redis_url=redis.url)
    one = Server(processes, "server1", env).start()
    two = Server(processes, "server2", env).start()
    proxy = Proxy([one.port, two.port])  # the client's way in: process 1 while it lives
    client = Party(proxy.ws_url, "/ws/client/")
    counsellor = Party(two.ws_url, "/ws/staff/", cookie=login(two, "counsellor", private_database=True))
    sent: dict[str, str] = {}
    try:
        conversation = connect_and_take(client, counsellor)
        send_stream(sent, {"via proxy": client}, range(10), kill=(4, one.kill))
        client.read(0.2)
        assert client.pending, "every message was acknowledged before the kill"

        client.reconnect()  # through the proxy to process 2
        send_stream(sent, {"via proxy": client}, range(10, 13))
        client.settle()
        body = "the counsellor answers"
        sent[counsellor.send_message(body)] = body
        counsellor.settle()
        stored = stored_messages(conversation, postgres.url)
        catch_up([client, counsellor], len(stored))  # a gap: an event that died with process 1
        assert_complete(stored, [client, counsellor], sent)
    finally:
        client.close()
        counsellor.close()
        proxy.close()


# --- The database or Redis gone a while ----------------------------------------------------------


def test_database_outage_is_reported_refused_and_recovered(
    postgres: Postgres, processes: Processes, browser: Any
) -> None:
    server = Server(processes, "server", server_env(database_url=postgres.url)).start()
    assert health(server) == (200, {"status": "ok", "database": "ok", "channel_layer": "in-memory"})
    client = Party(server.ws_url, "/ws/client/")
    context = new_context(browser)
    try:
        client.connect()
        conversation = start_conversation(client)
        page, page_conversation = queue_on_client_page(context, server)
        box = page.get_by_role("textbox", name="Your message")
        box.fill("Ennen katkoa")
        box.press("Enter")
        expect(page_messages(page).first.locator(".k-mark")).to_have_text("Sent")
        before = stored_messages(conversation, postgres.url)

        postgres.stop()
        try:
            status, body = health(server)
            assert (status, body) == (503, {"status": "degraded", "database": "down", "channel_layer": "in-memory"})

            # A protocol client: a clear refusal, in words, with nothing technical in it.
            msg_id = uuid.uuid4().hex
            assert client.socket is not None
            client.socket.send(
                {"type": "send", "conversation": conversation, "id": msg_id, "body": "Katkon aikana", "ref": msg_id}
            )
            error = client.wait_for("error", ref=msg_id)
            assert error["code"] == "unavailable"
            assert "Nothing was saved" in error["message"]
            assert not re.search(r"psycopg|Error|127\.0\.0\.1|postgres", error["message"])

            # The client page keeps the message and says calmly that it is not sent yet.
            box.fill("Sivulta katkon aikana")
            box.press("Enter")
            notice = page.locator("#k-conn")
            expect(notice).to_have_text("The connection has a problem. Your message will be sent when it works again.")
            expect(page_messages(page).nth(1).locator(".k-mark")).to_have_text("Not sent yet")
            expect(box).to_have_value("")
            assert "Sivulta katkon aikana" in page.evaluate("localStorage.getItem('kohtaamo.outbox')")
        finally:
            postgres.start()

        # Back by itself: health, the resent message (once), the page's outbox.
        wait_for_health(server, status="ok", database="ok")
        assert stored_messages(conversation, postgres.url) == before, "the refused send left something behind"
        assert client.socket is not None
        client.socket.send(
            {"type": "send", "conversation": conversation, "id": msg_id, "body": "Katkon aikana", "ref": msg_id}
        )
        ack = client.wait_for("ack", ref=msg_id)
        client.socket.send(
            {"type": "send", "conversation": conversation, "id": msg_id, "body": "Katkon aikana", "ref": "again"}
        )
        assert client.wait_for("ack", ref="again")["seq"] == ack["seq"]
        assert [row[2] for row in stored_messages(conversation, postgres.url)].count(msg_id) == 1

        expect(page_messages(page).nth(1).locator(".k-mark")).to_have_text("Sent", timeout=RECOVERY_TIMEOUT * 1000)
        expect(page.locator("#k-conn")).to_be_hidden()
        expect(page_messages(page)).to_have_count(2)
        page_rows = stored_messages(page_conversation, postgres.url)
        assert [row[3] for row in page_rows if row[1] == "client"] == ["Ennen katkoa", "Sivulta katkon aikana"]
        assert page.evaluate("localStorage.getItem('kohtaamo.outbox')") is None
    finally:
        context.close()
        client.close()


def test_redis_outage_is_reported_and_events_flow_again_afterwards(
    transactional_db: Any, demo: Any, processes: Processes
) -> None:
    redis = Redis(processes).start()
    env = server_env(redis_url=redis.url)
    one = Server(processes, "server1", env).start()
    two = Server(processes, "server2", env).start()
    client = Party(one.ws_url, "/ws/client/")
    counsellor = Party(two.ws_url, "/ws/staff/", cookie=login(two, "counsellor"))
    sent: dict[str, str] = {}
    try:
        conversation = connect_and_take(client, counsellor)
        sent[client.send_message("before")] = "before"
        counsellor.wait_for("message", body="before")
        assert health(one)[0] == 200

        redis.stop()
        status, body = health(one)
        assert (status, body) == (503, {"status": "degraded", "database": "ok", "channel_layer": "down"})

        # The database is the truth: a send is stored and acknowledged, or refused; never lost.
        msg_id = client.send_message("during")
        outcome: dict[str, Any] | None = None
        deadline = time.monotonic() + 20
        while outcome is None and time.monotonic() < deadline:
            for event in client.read(0.2):
                if event.get("ref") == msg_id and event.get("type") in ("ack", "error"):
                    outcome = event
        assert outcome is not None, "neither ack nor error for a send during the Redis outage"
        print("OUTCOME", outcome)
        if outcome["type"] == "error":
            assert outcome["code"] == "unavailable"
        else:
            sent[msg_id] = "during"

        redis = Redis(processes, port=redis.port).start()
        for server in (one, two):
            wait_for_health(server, status="ok", channel_layer="ok")
        if msg_id in client.pending:
            client.send_message("during", msg_id)
            client.settle()
            sent[msg_id] = "during"

        # Events cross between the processes again, without a restart or a reconnect.
        def delivered_live() -> bool:
            body = f"after {uuid.uuid4().hex[:6]}"
            sent[client.send_message(body)] = body
            client.settle()
            counsellor.read(0.5)
            return any(m["body"] == body for m in counsellor.seen.values())

        wait_until(delivered_live, "a message to cross from process 1 to process 2 after Redis came back", 60, 0.5)
        # What the counsellor missed during the outage comes with resume.
        counsellor.resume()
        client.resume()
        assert_complete(stored_messages(conversation), [client, counsellor], sent)
    finally:
        client.close()
        counsellor.close()


def test_health_is_anonymous_and_tells_nothing_more(live: Any) -> None:
    with urllib.request.urlopen(live.url + "/health", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert "no-cache" in response.headers.get("Cache-Control", "")
        body = json.loads(response.read())
    # The suite's own server has the in-process layer, or Redis on the PostgreSQL + Redis stage.
    assert body in ({"status": "ok", "database": "ok", "channel_layer": layer} for layer in ("in-memory", "ok"))


def test_a_channel_layer_failure_after_commit_does_not_fail_the_stored_message(
    transactional_db: Any,
    demo: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis gone between the commit and the event: the message stays stored and the sender is not told otherwise."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from conversations.actions import clients, messages, starting
    from conversations.models import Conversation, Message

    class BrokenLayer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            raise RedisConnectionError("Connection refused")

    use_channel_layer(monkeypatch, BrokenLayer())
    client, _token = clients.get_or_create_client(None)
    conversation = Conversation.objects.get(
        pk=starting.do_start(client, demo["desks"]["youth"], nickname="", person=True)
    )
    message, created = messages.do_send_message(conversation.pk, body="hei", client_msg_id="m1", client=client)
    assert created
    assert Message.objects.filter(conversation=conversation, client_msg_id="m1").count() == 1
    assert "event not delivered (message): ConnectionError" in caplog.text
    # The resend after a reconnect finds the stored copy.
    again, created = messages.do_send_message(conversation.pk, body="hei", client_msg_id="m1", client=client)
    assert (again.pk, created) == (message.pk, False)
