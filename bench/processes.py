"""Real processes on this machine: server processes, a private Redis and a private PostgreSQL cluster.

The one process supervisor of the project: `make bench` (bench/server.py) and
the tests that need real processes (tests/processes.py: scale-out, faults,
rate limits) both start them through a `Processes`, which stops everything it
started (and removes a private cluster) whatever happens. Nothing here imports
pytest or Django: a failed start raises `StartFailed` with the end of its log.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90.0


class StartFailed(RuntimeError):
    """A process or a set-up step did not start; the message ends with its output."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def as_user(args: Sequence[str], user: str | None) -> list[str]:
    """`args`, run as `user` (runuser, when root must hand a program to an unprivileged user)."""
    return ["runuser", "-u", user, "--", *args] if user is not None else list(args)


def run(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    user: str | None = None,
    cwd: Path = BASE_DIR,
    timeout: float = 300,
) -> None:
    """Run a set-up step to its end; raise StartFailed with its output if it failed."""
    command = as_user(args, user)
    done = subprocess.run(  # noqa: S603 - our own interpreter and installed servers
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise StartFailed(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


def child_env(**overrides: str) -> dict[str, str]:
    """This process's environment for a server process: without pytest's and Django's variables.

    No purge round either (it would fall in the middle of a test or a measurement).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(PYTHONUNBUFFERED="1", PURGE_EVERY_SECONDS="0", ROLLUPS_EVERY_SECONDS="0")
    env.update(overrides)
    return env


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes]


class Processes:
    """Subprocesses that are always stopped (SIGTERM, then SIGKILL), each with a log in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[Started] = []
        self.cleanups: list[Callable[[], None]] = []

    def start(
        self, name: str, args: Sequence[str], env: Mapping[str, str] | None = None, *, user: str | None = None
    ) -> subprocess.Popen[bytes]:
        """Start `args`; the log goes to <directory>/<name>.log (appended to on a restart)."""
        log = self.directory / f"{name}.log"
        log_file = log.open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and installed servers
            as_user(args, user),
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(Started(name, process, log, log_file))
        return process

    def find(self, process: subprocess.Popen[bytes]) -> Started:
        return next(s for s in self.started if s.process is process)

    def last_log(self) -> Path:
        return self.started[-1].log

    @staticmethod
    def tail(started: Started, chars: int = 4000) -> str:
        started.log_file.flush()
        return started.log.read_text(errors="replace")[-chars:]

    def wait_for_port(self, port: int, process: subprocess.Popen[bytes], timeout: float = START_TIMEOUT) -> None:
        """Until `port` accepts connections; at once (with the log) if the process died."""
        started = self.find(process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StartFailed(f"{started.name} exited with {process.returncode}:\n{self.tail(started)}")
            if port_open(port):
                return
            time.sleep(0.1)
        raise StartFailed(f"{started.name}: nothing listens on port {port} after {timeout} s:\n{self.tail(started)}")

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: the process ends at once, in the middle of whatever it was doing."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def add_cleanup(self, cleanup: Callable[[], None]) -> None:
        """Run `cleanup` in `stop()`, after the processes have stopped (e.g. remove a private cluster)."""
        self.cleanups.append(cleanup)

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
        while self.cleanups:
            self.cleanups.pop()()

    def logs(self) -> str:
        """The end of every log, for a failed test's output."""
        seen: set[Path] = set()
        parts = []
        for s in self.started:
            if s.log not in seen:
                seen.add(s.log)
                parts.append(f"--- {s.log.name}\n{s.log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


# --- Server processes ---------------------------------------------------------------------


@dataclass
class Server:
    """One `scripts/serve.py` process on a fixed port (a restart keeps the port)."""

    processes: Processes
    name: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> Server:
        args = [sys.executable, "scripts/serve.py", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = self.processes.start(self.name, args, self.env)
        self.processes.wait_for_port(self.port, self.process)
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.processes.kill(self.process)


# --- A private Redis ------------------------------------------------------------------------


@dataclass
class Redis:
    processes: Processes
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise StartFailed("redis-server is missing: `make setup` installs it")
        args = [redis_server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = self.processes.start("redis", args)
        self.processes.wait_for_port(self.port, self.process)
        return self

    def stop(self) -> None:
        """Stop Redis (SIGTERM, as a service manager would) and wait until it is gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


# --- A private PostgreSQL --------------------------------------------------------------------


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's server programs (Debian: /usr/lib/postgresql/<version>/bin)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not candidates:
        raise StartFailed("PostgreSQL is missing: `make setup` installs it (Debian package postgresql)")
    return candidates[-1].parent


def unprivileged_user() -> str | None:
    """Who runs PostgreSQL: initdb and pg_ctl refuse root, so as root `postgres` (Debian's package) or `nobody`."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        return "nobody"


class Postgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (trust authentication, a free port).

    The cluster runs under pg_ctl, so it can be stopped and started again on the
    same port (an outage); `remove()` (also run by the Processes' `stop()`)
    stops it and deletes its directory. `settings` are server settings
    (`-c name=value`), e.g. fsync=off for tests or max_connections for load.
    """

    def __init__(
        self, processes: Processes, *, database: str = "kohtaamo", settings: Mapping[str, str] | None = None
    ) -> None:
        self.processes = processes
        self.database = database
        self.settings = dict(settings or {})
        self.bin = postgres_bin()
        self.port = free_port()
        self.user = unprivileged_user()
        self.root = Path(tempfile.mkdtemp(prefix="kohtaamo-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"  # where the unprivileged user may write
        processes.add_cleanup(self.remove)

    @property
    def url(self) -> str:
        return f"postgresql://{self.database}@127.0.0.1:{self.port}/{self.database}"

    def run(self, *args: str | Path) -> None:
        try:
            run([str(a) for a in args], user=self.user, cwd=self.root, timeout=120)
        except StartFailed as failed:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise StartFailed(f"{failed}\n{log}") from None

    def init(self) -> Postgres:
        if self.user is not None:
            shutil.chown(self.root, user=self.user, group=self.user)
        self.run(self.bin / "initdb", "-D", self.data, "-U", self.database, "-A", "trust", "-E", "UTF8", "--no-sync")
        self.start()
        self.run(self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.database, self.database)
        return self

    def start(self) -> None:
        options = " ".join(
            [f"-h 127.0.0.1 -p {self.port} -k {self.root}", *(f"-c {k}={v}" for k, v in self.settings.items())]
        )
        self.run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(StartFailed, subprocess.TimeoutExpired):  # best effort on the way out
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
