"""Starting what the benchmark measures: Kohtaamo as `make run` serves it, PostgreSQL, Redis, the bare relay.

Everything runs in a temporary directory (database, secret key, logs) and is
stopped afterwards, whatever happens; nothing under var/ is touched.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil  # type: ignore[import-untyped]  # no stubs installed (types-psutil is not a dependency)

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90.0
# Rate limits of the server under test: a counsellor's sockets share one bucket
# per staff member, and a bench counsellor answers ~50 conversations at once.
RAISED_RATE_LIMITS = {
    "CHAT_CLIENT_RATE_BURST": "100000",
    "CHAT_CLIENT_RATE_PER_SECOND": "100000",
    "CHAT_STAFF_RATE_BURST": "100000",
    "CHAT_STAFF_RATE_PER_SECOND": "100000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StartFailed(RuntimeError):
    pass


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes]


class Processes:
    """Subprocesses that are always stopped (SIGTERM, then SIGKILL), each with a log file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[Started] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.directory / f"{name}.log"
        log_file = log.open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and installed servers
            args, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(Started(name, process, log, log_file))
        return process

    def wait_for_port(self, port: int, process: subprocess.Popen[bytes]) -> None:
        """Until `port` accepts connections; at once (with the log) if the process died."""
        started = next(s for s in self.started if s.process is process)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StartFailed(f"{started.name} exited with {process.returncode}:\n{self.tail(started)}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise StartFailed(f"{started.name}: nothing listens on {port} after {START_TIMEOUT} s:\n{self.tail(started)}")

    @staticmethod
    def tail(started: Started) -> str:
        started.log_file.flush()
        return started.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for started in reversed(self.started):
            if started.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    started.process.send_signal(signal.SIGTERM)
        for started in reversed(self.started):
            try:
                started.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                started.process.kill()
                started.process.wait(timeout=10)
            started.log_file.close()
        self.started.clear()


def run(args: list[str], env: dict[str, str] | None = None, user: str | None = None) -> None:
    """Run a set-up step; fail with its output."""
    if user is not None:
        args = ["runuser", "-u", user, "--", *args]
    done = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise StartFailed(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


# --- PostgreSQL and Redis -----------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<v>/bin)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(re.sub(r"\D", "", p.parent.parent.name))
    )
    return candidates[-1].parent if candidates else None


def private_postgres(processes: Processes, directory: Path) -> str:
    """A throwaway PostgreSQL cluster (trust auth on 127.0.0.1, a free port); returns its DATABASE_URL.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    `postgres` user (Debian's package makes it), or `nobody`.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise StartFailed("PostgreSQL is not installed (`make setup` installs it)")
    data = directory / "pgdata"
    user: str | None = None
    if os.geteuid() == 0:
        user = "postgres" if _user_exists("postgres") else "nobody"
        owner = pwd.getpwnam(user)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "bench", "--no-sync", "-E", "UTF8"], user=user)
    port = free_port()
    args = [
        str(bin_dir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(directory),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "max_connections=200",
    ]
    process = processes.start("postgres", ["runuser", "-u", user, "--", *args] if user else args)
    processes.wait_for_port(port, process)
    url = f"postgres://bench@127.0.0.1:{port}/bench"
    deadline = time.monotonic() + 30
    while True:  # the port opens a moment before the server accepts sessions
        try:
            run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "bench", "bench"])
            return url
        except StartFailed:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def private_redis(processes: Processes) -> str:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise StartFailed("redis-server is missing (`make setup` installs it)")
    port = free_port()
    args = [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    processes.wait_for_port(port, processes.start("redis", args))
    return f"redis://127.0.0.1:{port}/0"


# --- Kohtaamo --------------------------------------------------------------------------------


@dataclass
class Target:
    """The server(s) under test: base URLs (one per process) and the pids whose memory we sample."""

    urls: list[str]
    pids: list[int] = field(default_factory=list)
    description: str = ""

    @property
    def origin(self) -> str:
        return self.urls[0]

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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "SQLITE_PATH"))}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        KOHTAAMO_VAR_DIR=str(directory / "var"),
        DEBUG="1" if debug else "0",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        # The hourly purge's first round would fall inside the measured minute.
        PURGE_EVERY_SECONDS="0",
    )
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
    """migrate and seed_demo as `make run` does, then the bench counsellors and their desks."""
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], env)
    run([*manage, "seed_demo"], env)
    run([*manage, "bench", "seed", "--staff", str(staff)], env)


def start_servers(processes: Processes, env: dict[str, str], count: int) -> Target:
    """`count` scripts/serve.py processes on free ports (two or more need PostgreSQL and Redis)."""
    target = Target(urls=[])
    for n in range(count):
        port = free_port()
        args = [sys.executable, "scripts/serve.py", "--host", "127.0.0.1", "--port", str(port)]
        process = processes.start(f"server{n + 1}", args, env)
        processes.wait_for_port(port, process)
        target.urls.append(f"http://127.0.0.1:{port}")
        target.pids.append(process.pid)
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
