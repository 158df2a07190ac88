"""The attack of issue 9, item 4: many clients, each at its own rate limit, asking the bot at once.

The security test found that 60 clients, each within the documented limits
(CHAT_CLIENT_RATE_BURST frames at once, then CHAT_CLIENT_RATE_PER_SECOND),
pushed message acknowledgements to 19 s and made `/health` time out, and that
a flood of logins (each about 0.4 s of password hashing) slowed everything.
This reproduces it against a running server and measures what a party would
notice: how long an `ack` takes, how long the bot's answer takes, how long
`/health` takes meanwhile, and optionally what the login flood gets.

Each client says `hello`, starts a conversation with the bot at one of `desks` and
then sends as fast as a token bucket with the server's own limits allows
(at `margin` of the rate, so that no frame is refused): the burst at once,
then the steady rate. Messages are questions of about `chars` characters.

Django-free, like bench.loadgen: `python -m bench.attack --url http://127.0.0.1:8000`
runs it against any server (also one of an older commit, for a before/after
comparison); `manage.py bench attack` starts the server itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.cookiejar
import json
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

QUESTIONS = [
    "miten haen asumistukea kun muutan omaan asuntoon",
    "voinko saada opintotukea jos opiskelen ammattikoulussa",
    "mistä löydän kesätyöpaikan ja miten teen hakemuksen",
    "tarvitsenko verokortin kun aloitan ensimmäisen työn",
    "miten haen lukioon yhteishaussa ja milloin haku alkaa",
    "hur ansöker jag om studiestöd för gymnasiet",
    "how do I apply for housing allowance as a student",
    "kaverini kiusaa minua koulussa enkä tiedä mitä tehdä",
]
FILLER = (
    "en oikein tiedä mistä aloittaa kun kaikki tuntuu vaikealta ja vanhemmat eivät osaa auttaa "
    "asiassa joten kysyn täältä olisiko jotain neuvoja tai ohjeita mitä kannattaisi tehdä seuraavaksi "
).split()


@dataclass
class AttackJob:
    url: str  # the server: http://host:port
    clients: int = 60
    duration: float = 20.0
    burst: int = 20  # the server's CHAT_CLIENT_RATE_BURST
    per_second: float = 2.0  # the server's CHAT_CLIENT_RATE_PER_SECOND
    margin: float = 0.9  # send at this share of the limit, so that no frame is refused
    # The demo's desks with the bot, in turn: a desk admits only so many new conversations
    # at once (CHAT_DESK_ADMISSIONS_BURST), which is another defence than the one measured here.
    desks: str = "youth,parents,study"
    chars: int = 400
    grace: float = 60.0  # seconds to wait for late acks and answers
    health_every: float = 0.25
    health_timeout: float = 30.0
    login_flood: int = 0  # threads posting wrong passwords to /staff/login/, 0 for none
    seed: int = 1


@dataclass
class Figures:
    sent: int = 0
    acked: int = 0
    answered: int = 0
    busy: int = 0
    ack_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    setup_errors: Counter[str] = field(default_factory=Counter)
    closed_sockets: int = 0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = int(rank), min(int(rank) + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


def spread(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": round(max(values), 1) if values else None,
    }


def question(rng: random.Random, chars: int) -> str:
    words = [rng.choice(QUESTIONS)]
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(FILLER))
    return " ".join(words)[: max(chars, len(words[0]))]


class AttackClient:
    """One client: its socket, what it sent, and the answers it got."""

    def __init__(self, job: AttackJob, figures: Figures, index: int) -> None:
        self.job = job
        self.figures = figures
        desks = job.desks.split(",")
        self.desk = desks[index % len(desks)]
        self.rng = random.Random(job.seed * 100_003 + index)  # noqa: S311 - varied texts, not secrets
        self.ws: ClientConnection | None = None
        self.conversation = 0
        self.sent_at: dict[str, float] = {}  # id -> send time
        self.seq_sent_at: dict[int, float] = {}  # seq (from the ack) -> send time
        self.unanswered: deque[float] = deque()  # send times, oldest first (servers without reply_to)
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        base = self.job.url.rstrip("/")
        ws_url = base.replace("http://", "ws://").replace("https://", "wss://") + "/ws/client/"
        self.ws = await connect(ws_url, origin=Origin(base), open_timeout=60, compression=None, max_size=2**20)
        self.reader = asyncio.create_task(self.read())
        await self.request({"type": "hello"}, "welcome")
        started = await self.request({"type": "start", "desk": self.desk}, "conversation")
        self.conversation = int(started["conversation"]["id"])

    async def request(self, frame: dict[str, Any], kind: str) -> dict[str, Any]:
        assert self.ws is not None
        ref = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[ref] = future
        await self.ws.send(json.dumps({**frame, "ref": ref}))
        event = await asyncio.wait_for(future, 120)
        if event.get("type") != kind:
            raise RuntimeError(f"{frame['type']}: {event.get('code') or event.get('type')}")
        return event

    async def read(self) -> None:
        assert self.ws is not None
        figures = self.figures
        try:
            async for raw in self.ws:
                now = time.monotonic()
                event = json.loads(raw)
                kind = event.get("type")
                future = self.waiting.pop(str(event.get("ref")), None)
                if future is not None and not future.done():
                    future.set_result(event)
                if kind == "ack":
                    at = self.sent_at.pop(str(event.get("id")), None)
                    if at is not None:
                        figures.acked += 1
                        figures.ack_ms.append((now - at) * 1000)
                        self.seq_sent_at[int(event["seq"])] = at
                elif kind == "message" and event.get("sender") == "bot" and event.get("code") != "greeting":
                    self.on_bot_line(event, now)
                elif kind == "error":
                    figures.errors[str(event.get("code"))] += 1
        except ConnectionClosed:
            figures.closed_sockets += 1

    def on_bot_line(self, event: dict[str, Any], now: float) -> None:
        reply_to = (event.get("args") or {}).get("reply_to")
        if reply_to is not None:
            at = self.seq_sent_at.pop(int(reply_to), None)
            if at is not None:
                with contextlib.suppress(ValueError):
                    self.unanswered.remove(at)
        else:  # a server from before reply_to: answers come in the order of the questions
            at = self.unanswered.popleft() if self.unanswered else None
        if at is None:
            return
        self.figures.answered += 1
        self.figures.answer_ms.append((now - at) * 1000)
        if event.get("code") == "busy":
            self.figures.busy += 1

    async def send_for(self, until: float) -> None:
        """Send questions as fast as the server's token bucket allows (at `margin` of it) until `until`."""
        assert self.ws is not None
        job = self.job
        capacity = max(1.0, job.burst - 3)  # hello and start took theirs
        rate = job.per_second * job.margin
        tokens, last = capacity, time.monotonic()
        while True:
            now = time.monotonic()
            if now >= until:
                return
            tokens = min(capacity, tokens + (now - last) * rate)
            last = now
            if tokens < 1:
                await asyncio.sleep((1 - tokens) / rate)
                continue
            tokens -= 1
            msg_id = uuid.uuid4().hex
            at = time.monotonic()
            self.sent_at[msg_id] = at
            self.unanswered.append(at)
            self.figures.sent += 1
            frame = {"type": "send", "conversation": self.conversation, "id": msg_id, "body": self.text()}
            try:
                await self.ws.send(json.dumps(frame))
            except ConnectionClosed:
                return

    def text(self) -> str:
        return question(self.rng, self.job.chars)

    def outstanding(self) -> int:
        return len(self.sent_at) + len(self.unanswered)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader


class HealthPoller(threading.Thread):
    """GET /health every `every` seconds: its latency, and how often it failed or timed out."""

    def __init__(self, url: str, every: float, timeout: float) -> None:
        super().__init__(name="health", daemon=True)
        self.url = url.rstrip("/") + "/health"
        self.every, self.timeout = every, timeout
        self.latencies_ms: list[float] = []
        self.failures: Counter[str] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=self.timeout) as answer:  # noqa: S310 - our URL
                    answer.read()
                self.latencies_ms.append((time.monotonic() - started) * 1000)
            except urllib.error.HTTPError as error:
                self.latencies_ms.append((time.monotonic() - started) * 1000)
                self.failures[f"HTTP {error.code}"] += 1
            except (OSError, TimeoutError) as error:
                self.failures[type(error).__name__] += 1
            self.stop.wait(max(0.0, self.every - (time.monotonic() - started)))

    def figures(self) -> dict[str, Any]:
        return {"requests": len(self.latencies_ms) + sum(self.failures.values()), "failures": dict(self.failures)} | {
            f"{k}_ms": v for k, v in spread(self.latencies_ms).items()
        }


class LoginFlood(threading.Thread):
    """Wrong passwords posted to /staff/login/ in a loop, under ever new user names (each costs a hash)."""

    def __init__(self, url: str, index: int) -> None:
        super().__init__(name=f"login-{index}", daemon=True)
        self.url = url.rstrip("/") + "/staff/login/"
        self.index = index
        self.statuses: Counter[str] = Counter()
        self.latencies_ms: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        token = ""
        n = 0
        # At least one answer is counted however slow the first page is (a busy machine may take
        # longer than the whole run to serve it): stop only once something was recorded.
        while not (self.stop.is_set() and self.statuses):
            started = time.monotonic()
            try:
                if not token:
                    with opener.open(self.url, timeout=60) as page:
                        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
                    token = found.group(1) if found else ""
                    continue
                n += 1
                data = urllib.parse.urlencode(
                    {"username": f"nobody-{self.index}-{n}", "password": "wrong", "csrfmiddlewaretoken": token}
                ).encode()
                request = urllib.request.Request(self.url, data=data, headers={"Referer": self.url})  # noqa: S310
                with opener.open(request, timeout=60) as answer:
                    answer.read()
                    self.statuses[str(answer.status)] += 1
            except urllib.error.HTTPError as error:
                self.statuses[str(error.code)] += 1
            except (OSError, TimeoutError) as error:
                self.statuses[type(error).__name__] += 1
                token = ""
            self.latencies_ms.append((time.monotonic() - started) * 1000)


async def run_attack(job: AttackJob, log: Any = print) -> dict[str, Any]:
    """Open the clients, send for `duration`, wait for the stragglers, and return the figures."""
    figures = Figures()
    clients = [AttackClient(job, figures, i) for i in range(job.clients)]
    opening = asyncio.Semaphore(20)

    async def open_one(client: AttackClient) -> AttackClient | None:
        async with opening:
            try:
                await client.open()
                return client
            except Exception as exc:  # counted: the report shows what failed
                figures.setup_errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                await client.close()
                return None

    ready = [c for c in await asyncio.gather(*(open_one(c) for c in clients)) if c is not None]
    log(f"  attack: {len(ready)} clients with the bot; sending for {job.duration:g} s")
    await asyncio.sleep(1.0)  # the greetings are in; each bucket refills its start frames
    health = HealthPoller(job.url, job.health_every, job.health_timeout)
    floods = [LoginFlood(job.url, i) for i in range(job.login_flood)]
    health.start()
    for flood in floods:
        flood.start()
    started = time.monotonic()
    until = started + job.duration
    await asyncio.gather(*(c.send_for(until) for c in ready))
    for flood in floods:
        flood.stop.set()
    deadline = time.monotonic() + job.grace
    while time.monotonic() < deadline and any(c.outstanding() for c in ready):
        await asyncio.sleep(0.2)
    health.stop.set()
    health.join(job.health_timeout + 5)
    for flood in floods:
        flood.join(65)
    await asyncio.gather(*(c.close() for c in ready))
    result: dict[str, Any] = {
        "job": asdict(job),
        "clients": len(ready),
        "sent": figures.sent,
        "acked": figures.acked,
        "answered": figures.answered,
        "busy": figures.busy,
        "unacked": figures.sent - figures.acked,
        "unanswered": figures.sent - figures.answered,
        "messages_per_second": round(figures.sent / job.duration, 1),
        "ack_ms": spread(figures.ack_ms),
        "answer_ms": spread(figures.answer_ms),
        "errors": dict(figures.errors),
        "setup_errors": dict(figures.setup_errors),
        "closed_sockets": figures.closed_sockets,
        "health": health.figures(),
    }
    if floods:
        statuses: Counter[str] = Counter()
        for flood in floods:
            statuses.update(flood.statuses)
        result["login_flood"] = {
            "threads": len(floods),
            "statuses": dict(statuses),
            **{f"{k}_ms": v for k, v in spread([x for f in floods for x in f.latencies_ms]).items()},
        }
    return result


def format_attack(result: dict[str, Any]) -> str:
    """The report as text."""
    job = result["job"]
    lines = [
        f"Attack: {result['clients']} clients with the bot, each at {job['margin']:.0%} of its limit "
        f"({job['burst']} at once, then {job['per_second']:g}/s), questions of ~{job['chars']} characters, "
        f"{job['duration']:g} s" + (f", login flood of {job['login_flood']} threads" if job["login_flood"] else ""),
    ]
    if result.get("setup"):
        lines.append(f"  server: {result['setup']}")
    lines.append(
        f"  sent {result['sent']} ({result['messages_per_second']}/s), acked {result['acked']}, "
        f"answered {result['answered']} (of which 'busy' {result['busy']}), errors {result['errors'] or 'none'}"
    )

    def row(name: str, figures: dict[str, Any]) -> str:
        return f"  {name:<18} p50 {figures['p50']} ms, p99 {figures['p99']} ms, max {figures['max']} ms"

    lines.append(row("ack", result["ack_ms"]))
    lines.append(row("bot's answer", result["answer_ms"]))
    health = result["health"]
    lines.append(
        f"  /health            p50 {health['p50_ms']} ms, p99 {health['p99_ms']} ms, max {health['max_ms']} ms "
        f"({health['requests']} requests, failures {health['failures'] or 'none'})"
    )
    if "login_flood" in result:
        flood = result["login_flood"]
        lines.append(
            f"  login tries        p50 {flood['p50_ms']} ms, max {flood['max_ms']} ms, answers {flood['statuses']}"
        )
    if result["setup_errors"]:
        lines.append(f"  set-up errors: {result['setup_errors']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
    for name, default in asdict(AttackJob(url="")).items():
        if name != "url":
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    parser.add_argument("--json", default="", help="also write the report to this file")
    options = vars(parser.parse_args())
    out = options.pop("json")
    result = asyncio.run(run_attack(AttackJob(**options)))
    print(format_attack(result))
    if out:
        with open(out, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
