"""The load generator: real WebSocket clients and counsellors, in one or more worker processes.

Django-free on purpose: a worker is spawned with only this module, asyncio and
the `websockets` library, so the generator's own cost stays small and is
measured (process CPU time during the measured phase, and how late its sends
left compared with the schedule).

Two targets speak the same load:
- `app`: Kohtaamo's protocol (docs/protocol.md). A client `hello`s and `start`s
  with `person: true` (straight to the queue); a counsellor socket `hello`s,
  `take`s that conversation and `resume`s it. Then both sides `send`; the server
  answers `ack` to the sender and a `message` event to both sides.
- `relay`: the bare relay (bench.relay) forwards each frame to the paired
  socket; the forwarded `send` frame itself counts as received.

Every message carries a client-made id and its send time; the receiving side
records the latency (send -> arrival of the other side's copy), duplicates
(the same id twice) and, after a grace period, what never arrived.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import random
import resource
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

Mode = Literal["app", "relay"]
Side = Literal["client", "staff"]
SETUP_TIMEOUT = 300.0  # per request: at 1,000 conversations a take can wait behind hundreds of others


def raise_fd_limit() -> int:
    """Raise the soft open-files limit to the hard one: every socket is a descriptor."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def install_fast_loop() -> None:
    """uvloop when installed (uvicorn uses it for the server too): less generator CPU per frame."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


@dataclass
class ConversationSpec:
    """One conversation to create: where each side connects, and as whom the counsellor logs in."""

    index: int
    client_url: str
    staff_url: str
    desk: str = ""
    cookie: str = ""
    # Conversations with the same key share one counsellor socket (a console tab answering many chats);
    # an empty key gives the conversation its own counsellor socket.
    staff_socket: str = ""


@dataclass
class ChatJob:
    worker: int
    mode: Mode
    conversations: list[ConversationSpec]
    interval: float  # seconds between two messages of one conversation
    duration: float
    grace: float
    compression: bool
    connect_concurrency: int = 50
    quiet_seconds: float = 1.0
    # Uploads during the measured phase (issue 14): this many of the worker's clients each post
    # the file at `upload_path` at `upload_at` seconds after the start, all at once.
    uploads: int = 0
    upload_path: str = ""
    upload_at: float = 0.0


@dataclass
class IdleJob:
    worker: int
    url: str
    clients: int
    compression: bool
    connect_concurrency: int = 100


@dataclass
class Sent:
    at: float
    acked: bool = False
    received: bool = False
    error: str = ""


@dataclass
class Tracker:
    """What one worker sent and what arrived where."""

    mode: Mode
    sent: dict[str, Sent] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    send_lag_ms: list[float] = field(default_factory=list)
    duplicated: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    closed_sockets: int = 0
    measuring: bool = False
    last_frame: float = 0.0

    def on_received(self, msg_id: str, seen: set[str]) -> None:
        now = time.monotonic()
        if msg_id in seen:
            self.duplicated += 1
            return
        seen.add(msg_id)
        record = self.sent.get(msg_id)
        if record is not None and not record.received:
            record.received = True
            self.latencies_ms.append((now - record.at) * 1000)


class Peer:
    """One socket with a reader task: answers to requests go to their waiters, messages to the tracker."""

    def __init__(self, ws: ClientConnection, side: Side, tracker: Tracker) -> None:
        self.ws = ws
        self.side = side
        self.tracker = tracker
        self.waiters: dict[str, tuple[frozenset[str], asyncio.Future[dict[str, Any]]]] = {}
        self.seen: set[str] = set()  # ids of the other side's messages that arrived here
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        tracker = self.tracker
        try:
            async for raw in self.ws:
                tracker.last_frame = time.monotonic()
                event = json.loads(raw)
                kind = event.get("type")
                if kind == "message":
                    sender = event.get("sender")
                    if sender in ("client", "staff") and sender != self.side and event.get("id"):
                        tracker.on_received(event["id"], self.seen)
                elif kind == "send":  # the bare relay forwards the other side's frame as it is
                    tracker.on_received(event["id"], self.seen)
                elif kind == "ack":
                    record = tracker.sent.get(event.get("id", ""))
                    if record is not None:
                        record.acked = True
                elif kind == "error":
                    code = str(event.get("code"))
                    if tracker.measuring or event.get("ref") not in self.waiters:
                        tracker.errors[code] += 1
                    record = tracker.sent.get(str(event.get("ref")))
                    if record is not None:
                        record.error = code
                ref = event.get("ref")
                if ref is not None and ref in self.waiters:
                    expected, future = self.waiters[ref]
                    if (kind in expected or kind == "error") and not future.done():
                        del self.waiters[ref]
                        future.set_result(event)
        except ConnectionClosed:
            pass
        finally:
            if tracker.measuring:
                tracker.closed_sockets += 1
            for _expected, future in self.waiters.values():
                if not future.done():
                    future.set_exception(ConnectionError("socket closed"))

    async def request(
        self, frame: dict[str, Any], expected: set[str], timeout: float = SETUP_TIMEOUT
    ) -> dict[str, Any]:
        """Send `frame` (with a fresh ref) and return the answer of one of the `expected` types carrying that ref."""
        ref = f"r{random.getrandbits(64):x}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiters[ref] = (frozenset(expected), future)
        await self.ws.send(json.dumps({**frame, "ref": ref}))
        event = await asyncio.wait_for(future, timeout)
        if event.get("type") == "error":
            raise RuntimeError(f"{frame['type']}: error {event.get('code')}: {event.get('message')}")
        return event

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        self.reader.cancel()
        with contextlib.suppress(BaseException):
            await self.reader


def page_origin(url: str) -> str:
    """The origin of the page that opens a socket to `url`: the socket's own scheme, host and port.

    A browser behind the proxy has the proxy's origin, which is the socket's; without
    a proxy each server process is its own origin (realtime/origins.py compares ports).
    """
    parts = urllib.parse.urlsplit(url)
    return f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"


async def open_socket(url: str, *, cookie: str = "", compression: bool = True) -> ClientConnection:
    """A WebSocket as a browser opens it: our Origin, the session cookie for staff, deflate when asked."""
    return await connect(
        url,
        origin=Origin(page_origin(url)),
        additional_headers={"Cookie": cookie} if cookie else None,
        compression="deflate" if compression else None,
        open_timeout=SETUP_TIMEOUT,
        ping_interval=None,  # browsers do not ping; the server's pings are answered by the library
        max_size=2**20,
        max_queue=None,  # the reader task drains every socket; never block the server on our side
        proxy=None,
    )


@dataclass
class Pair:
    spec: ConversationSpec
    client: Peer
    staff: Peer
    conversation: int
    token: str = ""  # the client's token (from `welcome`): what an upload is authorised by


class StaffSockets:
    """Counsellor sockets, opened once per key and past `hello`, shared by the conversations with that key."""

    def __init__(self, job: ChatJob, tracker: Tracker) -> None:
        self.job = job
        self.tracker = tracker
        self.opening: dict[str, asyncio.Task[Peer]] = {}

    async def get(self, spec: ConversationSpec) -> Peer:
        if not spec.staff_socket:
            return await self.open(spec)
        if spec.staff_socket not in self.opening:
            self.opening[spec.staff_socket] = asyncio.create_task(self.open(spec))
        return await self.opening[spec.staff_socket]

    async def open(self, spec: ConversationSpec) -> Peer:
        ws = await open_socket(spec.staff_url, cookie=spec.cookie, compression=self.job.compression)
        staff = Peer(ws, "staff", self.tracker)
        await staff.request({"type": "hello"}, {"welcome"})
        return staff


async def set_up_app(job: ChatJob, spec: ConversationSpec, tracker: Tracker, staff_sockets: StaffSockets) -> Pair:
    """The real protocol: the client queues, the counsellor takes and resumes."""
    client = Peer(await open_socket(spec.client_url, compression=job.compression), "client", tracker)
    welcome = await client.request({"type": "hello"}, {"welcome"})
    synced = await client.request(
        {"type": "start", "desk": spec.desk, "person": True, "nickname": f"bench {spec.index}"}, {"synced"}
    )
    conversation = int(synced["conversation"])
    staff = await staff_sockets.get(spec)
    await staff.request({"type": "take", "conversation": conversation}, {"conversation"})
    await staff.request({"type": "resume", "conversation": conversation, "after": 0}, {"synced"})
    return Pair(spec, client, staff, conversation, token=str(welcome.get("token") or ""))


async def quiet(tracker: Tracker, seconds: float, timeout: float = 300.0) -> float:
    """Wait until no frame has arrived for `seconds`: the set-up's queue and desk events must not spill into
    the measured phase. Returns how long the wait took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        idle = time.monotonic() - tracker.last_frame
        if idle >= seconds:
            break
        await asyncio.sleep(seconds - idle)
    return time.monotonic() - started


async def set_up_relay(job: ChatJob, spec: ConversationSpec, tracker: Tracker, staff_sockets: StaffSockets) -> Pair:
    """The bare relay: both sides connect to the pair's path; the relay says `paired` once both are there."""
    client = Peer(await open_socket(spec.client_url, compression=job.compression), "client", tracker)
    staff = Peer(await open_socket(spec.staff_url, compression=job.compression), "staff", tracker)
    await asyncio.gather(client.request({"type": "wait"}, {"paired"}), staff.request({"type": "wait"}, {"paired"}))
    return Pair(spec, client, staff, spec.index)


async def drive(job: ChatJob, pair: Pair, tracker: Tracker, start: float) -> None:
    """Send this conversation's share of the load on a fixed schedule (open loop), client and counsellor in turn.

    Open loop: a slow answer does not delay the next send, so server stalls show
    up as latency instead of as a lower offered rate.
    """
    offset = random.uniform(0, job.interval)  # noqa: S311 - spreading the sends, not a secret
    end = start + job.duration
    k = 0
    prefix = f"w{job.worker}c{pair.spec.index}m"
    while True:
        due = start + offset + k * job.interval
        if due >= end:
            return
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        peer = pair.client if k % 2 == 0 else pair.staff
        msg_id = f"{prefix}{k}"
        now = time.monotonic()
        tracker.send_lag_ms.append(max(0.0, now - due) * 1000)
        tracker.sent[msg_id] = Sent(at=now)
        frame = {
            "type": "send",
            "conversation": pair.conversation,
            "id": msg_id,
            "body": f"bench message {k} sent at {time.time():.6f}",
            "ref": msg_id,
        }
        try:
            await peer.ws.send(json.dumps(frame))
        except ConnectionClosed:
            tracker.sent[msg_id].error = "send_failed"
            tracker.errors["send_failed"] += 1
        k += 1


def upload_url(client_url: str) -> str:
    """The client's upload endpoint (docs/protocol.md, "Attachments") on the server of its socket."""
    parts = urllib.parse.urlsplit(client_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return f"{scheme}://{parts.netloc}/chat/upload/"


def post_upload(url: str, token: str, conversation: int, upload_id: str, content: bytes) -> dict[str, Any]:
    """One upload as the client page makes it (multipart, the token in a header); blocking, run in a thread."""
    boundary = f"bench{random.getrandbits(64):x}"
    fields = {"conversation": str(conversation), "id": upload_id, "lang": "fi"}
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310 - the benchmark's own server
        url,
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Kohtaamo-Token": token},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=SETUP_TIMEOUT) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        return {"status": type(exc).__name__, "seconds": time.monotonic() - started}
    return {"status": status, "seconds": time.monotonic() - started}


async def upload_all(job: ChatJob, pairs: list[Pair], tracker: Tracker, start: float) -> None:
    """The worker's share of the simultaneous uploads, at `upload_at` s into the measured phase."""
    chosen = pairs[: job.uploads]
    if not chosen:
        return
    with open(job.upload_path, "rb") as f:
        content = f.read()
    await asyncio.sleep(max(0.0, start + job.upload_at - time.monotonic()))
    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(chosen)) as pool:
        results = await asyncio.gather(
            *(
                loop.run_in_executor(
                    pool,
                    post_upload,
                    upload_url(p.spec.client_url),
                    p.token,
                    p.conversation,
                    f"w{job.worker}u{p.spec.index}",
                    content,
                )
                for p in chosen
            )
        )
    tracker.uploads.extend(results)


async def run_chat(job: ChatJob, conn: Connection) -> dict[str, Any]:
    tracker = Tracker(job.mode)
    set_up = set_up_app if job.mode == "app" else set_up_relay
    staff_sockets = StaffSockets(job, tracker)
    gate = asyncio.Semaphore(job.connect_concurrency)
    setup_errors: Counter[str] = Counter()

    async def one(spec: ConversationSpec) -> Pair | None:
        async with gate:
            try:
                return await set_up(job, spec, tracker, staff_sockets)
            except Exception as exc:
                setup_errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
                return None

    setup_started = time.monotonic()
    pairs = [p for p in await asyncio.gather(*(one(s) for s in job.conversations)) if p is not None]
    setup_seconds = time.monotonic() - setup_started
    settle_seconds = await quiet(tracker, job.quiet_seconds)
    loop = asyncio.get_running_loop()
    conn.send(
        {
            "ready": len(pairs),
            "setup_errors": dict(setup_errors),
            "setup_seconds": setup_seconds,
            "settle_seconds": settle_seconds,
        }
    )
    start = float(await loop.run_in_executor(None, conn.recv))  # the same monotonic instant for every worker

    tracker.measuring = True
    cpu_before = time.process_time()
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    uploading = asyncio.create_task(upload_all(job, pairs, tracker, start))
    await asyncio.gather(*(drive(job, p, tracker, start) for p in pairs))
    sending_ended = time.monotonic()
    cpu_sending = time.process_time() - cpu_before
    await uploading
    # Grace: wait for what is still on its way, then count what never arrived.
    deadline = sending_ended + job.grace
    while time.monotonic() < deadline and any(not r.received and not r.error for r in tracker.sent.values()):
        await asyncio.sleep(0.05)
    tracker.measuring = False
    records = list(tracker.sent.values())
    if job.mode == "app":
        lost = sum(1 for r in records if r.acked and not r.received)
        unacked = sum(1 for r in records if not r.acked and not r.error)
    else:
        lost = sum(1 for r in records if not r.received and not r.error)
        unacked = 0
    peers = {id(p): p for pair in pairs for p in (pair.client, pair.staff)}
    await asyncio.gather(*(p.close() for p in peers.values()))
    return {
        "worker": job.worker,
        "conversations": len(pairs),
        "setup_errors": dict(setup_errors),
        "setup_seconds": setup_seconds,
        "settle_seconds": settle_seconds,
        "staff_sockets": len({id(pair.staff) for pair in pairs}),
        "sent": len(records),
        "acked": sum(1 for r in records if r.acked),
        "received": sum(1 for r in records if r.received),
        "lost": lost,
        "unacked": unacked,
        "errored": sum(1 for r in records if r.error),
        "duplicated": tracker.duplicated,
        "errors": dict(tracker.errors),
        "closed_sockets": tracker.closed_sockets,
        "uploads": tracker.uploads,
        "latencies_ms": tracker.latencies_ms,
        "send_lag_ms": tracker.send_lag_ms,
        "cpu_seconds": cpu_sending,
        "wall_seconds": sending_ended - start,
    }


def chat_worker(job: ChatJob, conn: Connection) -> None:
    """Process entry point: set up, report ready, wait for the common start, run, report."""
    raise_fd_limit()
    install_fast_loop()
    try:
        conn.send({"result": asyncio.run(run_chat(job, conn))})
    except Exception as exc:  # the parent reports it; a traceback in a worker's stderr is easy to miss
        conn.send({"failed": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


# --- Idle clients ---------------------------------------------------------------------------


async def run_idle(job: IdleJob, conn: Connection) -> dict[str, Any]:
    """Open `clients` client sockets that `hello` and then only stay; later check which still answer a ping."""
    tracker = Tracker("app")
    gate = asyncio.Semaphore(job.connect_concurrency)
    failures: Counter[str] = Counter()

    async def one() -> Peer | None:
        async with gate:
            try:
                peer = Peer(await open_socket(job.url, compression=job.compression), "client", tracker)
                await peer.request({"type": "hello"}, {"welcome"})
                return peer
            except Exception as exc:
                failures[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
                return None

    started = time.monotonic()
    peers = [p for p in await asyncio.gather(*(one() for _ in range(job.clients))) if p is not None]
    loop = asyncio.get_running_loop()
    conn.send({"connected": len(peers), "failures": dict(failures), "seconds": time.monotonic() - started})
    await loop.run_in_executor(None, conn.recv)  # hold until the parent has measured

    async def alive(peer: Peer) -> bool:
        try:
            await peer.request({"type": "ping"}, {"pong"}, timeout=30)
            return True
        except Exception:
            return False

    answered = await asyncio.gather(*(alive(p) for p in peers))
    conn.send({"alive": sum(answered)})
    await loop.run_in_executor(None, conn.recv)
    await asyncio.gather(*(p.close() for p in peers))
    return {"connected": len(peers), "alive": sum(answered), "failures": dict(failures)}


def idle_worker(job: IdleJob, conn: Connection) -> None:
    raise_fd_limit()
    install_fast_loop()
    try:
        conn.send({"result": asyncio.run(run_idle(job, conn))})
    except Exception as exc:
        conn.send({"failed": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()
