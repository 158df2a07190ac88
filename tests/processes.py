"""Real processes for the tests: server processes, a private Redis and a private PostgreSQL.

The scale-out, fault and rate-limit tests (tests/faults/, tests/protocol/test_rate_limits.py)
start `scripts/serve.py` as subprocesses against a database the test process can
also read, and stop (or kill) them again. The supervisor itself is
bench/processes.py (the load benchmark uses the same one); this module adds
what only tests need: the environment that points a server at the test
database, a migrated cluster, and waiting with a test failure.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench import processes as supervisor
from bench.processes import BASE_DIR, Processes, Redis, Server, StartFailed, child_env, free_port, run

__all__ = [
    "Postgres",
    "Processes",
    "Redis",
    "Server",
    "StartFailed",
    "database_is_postgres",
    "free_port",
    "server_env",
    "wait_until",
]


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30, every: float = 0.1) -> None:
    """Poll `condition()` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)


def server_env(*, database_url: str | None = None, redis_url: str = "") -> dict[str, str]:
    """The environment of a server process.

    `database_url`: a PostgreSQL URL; None means the test process's own test
    database (the SQLite file, or the PostgreSQL test database pytest-django made).
    `redis_url`: empty for the in-process channel layer (one process only).
    """
    from django.conf import settings
    from django.db import connection

    env = child_env(DJANGO_SETTINGS_MODULE="kohtaamo.settings", DEBUG="1", REDIS_URL=redis_url)
    # The run's storage of attachments: a file a server stored is where the test looks for it.
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    # The run's channel-layer prefix (kohtaamo.test_settings), so that servers sharing the run's Redis
    # with other test workers hear only this worker's groups.
    layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    prefix = layer.get("CONFIG", {}).get("prefix")
    if prefix:
        env["CHANNEL_LAYER_PREFIX"] = prefix
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


class Postgres(supervisor.Postgres):
    """A private cluster for tests: durability off (fast), and manage.py run against it."""

    def __init__(self, processes: Processes) -> None:
        super().__init__(processes, settings={"fsync": "off", "full_page_writes": "off"})

    def manage(self, *args: str) -> None:
        """Run manage.py against this cluster (migrate, seeding)."""
        run([sys.executable, "manage.py", *args], server_env(database_url=self.url), cwd=BASE_DIR)


def database_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
