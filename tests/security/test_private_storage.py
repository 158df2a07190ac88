"""The embedded database is private: var/ 0700, the SQLite file and its -wal and -shm 0600, deleted rows overwritten.

Each case starts the real settings in a subprocess with production's
environment and its own KOHTAAMO_VAR_DIR, so what is checked is what a
deployment gets on start, not what the test settings say.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# Run by `manage.py shell` while its connection is open, so that the -wal and -shm files exist.
PROBE = """
import json, os, stat
from django.conf import settings
from django.db import connection

name = settings.DATABASES["default"]["NAME"]
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (body TEXT)")
    cursor.execute("INSERT INTO probe VALUES ('%s')" % ("very-private-words-" * 20))
    cursor.execute("DELETE FROM probe")
    cursor.execute("PRAGMA secure_delete")
    secure_delete = cursor.fetchone()[0]
    paths = {"var": str(settings.VAR_DIR), "db": name, "wal": name + "-wal", "shm": name + "-shm"}
    modes = {key: oct(stat.S_IMODE(os.stat(path).st_mode)) for key, path in paths.items()}
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
with open(name, "rb") as database:
    leftover = b"very-private-words" in database.read()
print(json.dumps({"modes": modes, "secure_delete": secure_delete, "leftover": leftover}))
"""


def start(var: Path) -> dict[str, Any]:
    """The modes, the secure_delete setting and whether a deleted row's text stayed in the file."""
    unset = ("DEBUG", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SQLITE_PATH", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="kohtaamo.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="chat.example.fi",
        KOHTAAMO_VAR_DIR=str(var),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


PRIVATE = {"var": "0o700", "db": "0o600", "wal": "0o600", "shm": "0o600"}


@pytest.mark.parametrize("installation", ["fresh", "older"])
def test_the_database_folder_and_files_are_private_and_deleted_rows_overwritten(
    tmp_path: Path, installation: str
) -> None:
    var = tmp_path / "var"
    if installation == "older":
        # As an installation made before this rule left them: readable by every local user.
        var.mkdir(mode=0o755)
        var.chmod(0o755)
        for suffix in ("", "-wal", "-shm"):
            (var / f"kohtaamo.sqlite3{suffix}").touch(mode=0o644)
            (var / f"kohtaamo.sqlite3{suffix}").chmod(0o644)
    probe = start(var)
    assert probe["modes"] == PRIVATE
    assert probe["secure_delete"] == 1
    assert probe["leftover"] is False
