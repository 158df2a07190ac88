"""Real processes for the tests: server processes, a private Redis and a private PostgreSQL.

The scale-out and fault tests (tests/faults/test_two_processes.py, tests/faults/test_faults.py)
start `scripts/serve.py` as subprocesses against a database the test process can
also read, and stop (or kill) them again. Everything started through one
`Processes` is stopped at the end, whatever happens to the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60


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


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = START_TIMEOUT) -> None:
    """Wait until `port` accepts connections; fail at once (with the log) if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"process on port {port} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        if port_open(port):
            return
        time.sleep(0.1)
    pytest.fail(f"nothing listens on port {port} after {timeout} s:\n{log.read_text()[-4000:]}")


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30, every: float = 0.1) -> None:
    """Poll `condition()` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    log_file: IO[bytes]


class Processes:
    """Subprocesses that are always stopped, whatever happens to the test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[Started] = []

    def start(
        self, name: str, args: Sequence[str], env: dict[str, str] | None = None, *, user: str | None = None
    ) -> subprocess.Popen[bytes]:
        """Start `args`; the log goes to <directory>/<name>.log (appended to on a restart)."""
        log = self.directory / f"{name}.log"
        log_file = log.open("ab")
        command = list(args)
        if user is not None:
            command = ["runuser", "-u", user, "--", *command]
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(Started(name, process, log, log_file))
        return process

    def last_log(self) -> Path:
        return self.started[-1].log

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: the process ends at once, in the middle of whatever it was doing."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for started in reversed(self.started):
            if started.process.poll() is None:
                started.process.send_signal(signal.SIGTERM)
        for started in reversed(self.started):
            try:
                started.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                started.process.kill()
                started.process.wait(timeout=10)
            started.log_file.close()

    def logs(self) -> str:
        seen: set[Path] = set()
        parts = []
        for s in self.started:
            if s.log not in seen:
                seen.add(s.log)
                parts.append(f"--- {s.log.name}\n{s.log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


# --- Server processes ---------------------------------------------------------------


def server_env(*, database_url: str | None = None, redis_url: str = "") -> dict[str, str]:
    """The environment of a server process.

    `database_url`: a PostgreSQL URL; None means the test process's own test
    database (the SQLite file, or the PostgreSQL test database pytest-django made).
    `redis_url`: empty for the in-process channel layer (one process only).
    """
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="kohtaamo.settings", DEBUG="1", REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    # No purge round and no bot warm-up thread in the middle of a test.
    env["PURGE_EVERY_SECONDS"] = "0"
    if database_url is not None:
        env.pop("SQLITE_PATH", None)
        env["DATABASE_URL"] = database_url
        return env
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(settings_dict["NAME"]).resolve())
    else:
        # The same server and role as the run, but the test database pytest-django made.
        parts = urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + str(settings_dict["NAME"])))
    return env


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
        wait_for_port(self.port, self.process, self.processes.last_log())
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.processes.kill(self.process)


# --- A private Redis ------------------------------------------------------------------


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
            pytest.fail("redis-server is missing: `make setup` installs it")
        args = [redis_server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = self.processes.start("redis", args)
        wait_for_port(self.port, self.process, self.processes.last_log())
        return self

    def stop(self) -> None:
        """Stop Redis (SIGTERM, as a service manager would) and wait until it is gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


# --- A private PostgreSQL ---------------------------------------------------------------


def postgres_bin() -> Path:
    """The directory of PostgreSQL's server programs (Debian: /usr/lib/postgresql/<version>/bin)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not candidates:
        pytest.fail("PostgreSQL is missing: `make setup` installs it (Debian package postgresql)")
    return candidates[-1].parent


class Postgres:
    """A throw-away PostgreSQL cluster on loopback, owned by an unprivileged user.

    initdb and pg_ctl refuse to run as root, so when the tests run as root they
    run as the `postgres` user (created by the Debian package) on a directory it
    owns. The cluster trusts local connections; it listens on 127.0.0.1 only.
    """

    DATABASE = "kohtaamo"

    def __init__(self, processes: Processes) -> None:
        self.processes = processes
        self.bin = postgres_bin()
        self.port = free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
        self.root = Path(tempfile.mkdtemp(prefix="kohtaamo-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"  # where the unprivileged user may write

    @property
    def url(self) -> str:
        return f"postgresql://kohtaamo@127.0.0.1:{self.port}/{self.DATABASE}"

    def run(self, *args: str | Path) -> None:
        command = [str(a) for a in args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{log}")

    def init(self) -> Postgres:
        if self.user is not None:
            shutil.chown(self.root, user=self.user, group=self.user)
        self.run(self.bin / "initdb", "-D", self.data, "-U", "kohtaamo", "-A", "trust", "-E", "UTF8", "--no-sync")
        self.start()
        self.run(self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "kohtaamo", self.DATABASE)
        return self

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self.run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def manage(self, *args: str) -> None:
        """Run manage.py against this cluster (migrate, seeding)."""
        env = server_env(database_url=self.url)
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except BaseException:  # best effort on the way out
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def database_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
