"""Starting what the benchmark measures: Kohtaamo as `make run` serves it, PostgreSQL, Redis, the bare relay.

Everything runs in a temporary directory (database, secret key, logs) and is
stopped afterwards, whatever happens; nothing under var/ is touched.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import re
import shutil
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs installed (types-psutil is not a dependency)

from bench.processes import Postgres, Processes, Redis, Server, StartFailed, child_env, free_port, run

# Rate limits of the server under test: a counsellor's sockets share one bucket
# per staff member, and a bench counsellor answers ~50 conversations at once.
RAISED_RATE_LIMITS = {
    "CHAT_CLIENT_RATE_BURST": "100000",
    "CHAT_CLIENT_RATE_PER_SECOND": "100000",
    "CHAT_STAFF_RATE_BURST": "100000",
    "CHAT_STAFF_RATE_PER_SECOND": "100000",
    # The bench starts every client's conversation at once, far above a desk's admissions.
    "CHAT_DESK_ADMISSIONS_BURST": "100000",
    "CHAT_DESK_ADMISSIONS_PER_MINUTE": "6000000",
    "CHAT_DESK_QUEUE_MAX": "100000",
    # A bench counsellor answers ~50 conversations at once, far above a person's limit (conversations.actions.duty).
    "DUTY_DEFAULT_MAX_CONVERSATIONS": "100000",
}


def private_postgres(processes: Processes) -> str:
    """A throwaway PostgreSQL cluster for the load (removed when `processes` stop); returns its DATABASE_URL."""
    return Postgres(processes, database="bench", settings={"max_connections": "200"}).init().url


def private_redis(processes: Processes) -> str:
    return Redis(processes).start().url


# --- Kohtaamo --------------------------------------------------------------------------------


@dataclass
class Target:
    """The server(s) under test: base URLs (one per process) and the pids whose memory we sample."""

    urls: list[str]
    pids: list[int] = field(default_factory=list)
    description: str = ""

    def ws_url(self, index: int, path: str) -> str:
        base = self.urls[index % len(self.urls)]
        return base.replace("http://", "ws://").replace("https://", "wss://") + path


def server_env(
    directory: Path,
    *,
    database_url: str,
    redis_url: str,
    debug: bool,
    raise_limits: bool = True,
    settings_module: str = "kohtaamo.settings",
) -> dict[str, str]:
    """The environment of `make run` (DEBUG=1), in `directory`, with the rate limits raised."""
    env = child_env(
        DJANGO_SETTINGS_MODULE=settings_module,
        KOHTAAMO_VAR_DIR=str(directory / "var"),
        DEBUG="1" if debug else "0",
        LOG_LEVEL="WARNING",
    )
    env.pop("SQLITE_PATH", None)
    if not debug:
        # Production settings, but over plain HTTP on loopback (no TLS proxy in front).
        env.update(SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    if raise_limits:
        env.update(RAISED_RATE_LIMITS)
    return env


def prepare_database(env: dict[str, str], staff: int) -> None:
    """migrate and seed_demo as `make run` does, but without the demo's made-up contact records (the report
    benchmark counts its own), then the bench counsellors and their desks."""
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], env)
    run([*manage, "seed_demo", "--no-records"], env)
    run([*manage, "bench", "seed", "--staff", str(staff)], env)


def start_servers(processes: Processes, env: dict[str, str], count: int) -> Target:
    """`count` scripts/serve.py processes on free ports (two or more need PostgreSQL and Redis)."""
    target = Target(urls=[])
    for n in range(count):
        server = Server(processes, f"server{n + 1}", env).start()
        assert server.process is not None
        target.urls.append(server.url)
        target.pids.append(server.process.pid)
    return target


def start_relay(processes: Processes) -> str:
    port = free_port()
    process = processes.start("relay", [sys.executable, "-m", "bench.relay", "--port", str(port)])
    processes.wait_for_port(port, process)
    return f"http://127.0.0.1:{port}"


def listening_pids(url: str) -> list[int]:
    """The local processes listening on `url`'s port (for --url: whose memory to sample)."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return []
    try:
        conns = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return []
    return sorted({c.pid for c in conns if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid})


@contextlib.contextmanager
def temporary_directory() -> Iterator[Path]:
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="kohtaamo-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- Logging in -------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def staff_cookie(base_url: str, username: str, password: str) -> str:
    """Log in through the real login form (GET for the CSRF token, POST) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    login = base_url + "/staff/login/"
    with opener.open(login, timeout=30) as page:
        html = page.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if match is None:
        raise StartFailed("no CSRF token on the login page")
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    request = urllib.request.Request(login, data=data, headers={"Referer": login})  # noqa: S310 - our own URL
    try:
        opener.open(request, timeout=60)
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise StartFailed(f"login of {username} answered {answer.code}") from answer
    else:
        raise StartFailed(f"login of {username} did not redirect (wrong password?)")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise StartFailed(f"login of {username} set no session cookie")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- Memory and CPU of the server --------------------------------------------------------------


class ServerSampler:
    """Samples the RSS (summed over the processes and their children) and CPU time in a thread."""

    def __init__(self, pids: list[int], every: float = 0.2) -> None:
        self.pids = pids
        self.processes = [psutil.Process(pid) for pid in pids]
        self.every = every
        self.peak = 0
        self.last = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def _family(self) -> list[psutil.Process]:
        family = []
        for p in self.processes:
            with contextlib.suppress(psutil.Error):
                family += [p, *p.children(recursive=True)]
        return family

    def rss(self) -> int:
        total = 0
        for p in self._family():
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self._family():
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
        return total

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.last = self.rss()
            self.peak = max(self.peak, self.last)

    def start(self) -> ServerSampler:
        self.last = self.peak = self.rss()
        self._thread.start()
        return self

    def reset_peak(self) -> None:
        self.peak = self.last = self.rss()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def settle(self, seconds: float = 2.0, timeout: float = 60.0) -> int:
        """Wait until the RSS stops growing (the bot warms up in the background after start)."""
        deadline = time.monotonic() + timeout
        previous = self.rss()
        while time.monotonic() < deadline:
            time.sleep(seconds)
            current = self.rss()
            if current - previous < 512 * 1024:
                return current
            previous = current
        return self.rss()
