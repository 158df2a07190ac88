"""Keeping attachment files: saving and deleting through Django's storage API (`STORAGES["attachments"]`).

The file system under MEDIA_ROOT by default, an S3-compatible store when
MEDIA_S3_BUCKET is set (kohtaamo/settings.py). Names are random: never the
sender's file name, so a name can neither be guessed nor reveal anything.
Deleting a file that is already gone is not an error (a purge may run twice).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction

logger = logging.getLogger(__name__)


def attachment_storage() -> Storage:
    """The storage of attachments (read at each call, so tests and settings overrides are followed)."""
    return storages["attachments"]


def store(path: Path, extension: str) -> str:
    """Save the file at `path` under a new random name; returns the storage name."""
    name = f"{secrets.token_hex(1)}/{secrets.token_urlsafe(24)}.{extension}"
    with path.open("rb") as handle:
        return attachment_storage().save(name, File(handle))


def delete_files(names: Iterable[str | None]) -> None:
    """Delete stored files now; one that fails is logged and the rest still go."""
    storage = attachment_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.warning("attachment file not deleted: %s", name, exc_info=True)


# Deletions from a remote store run here, never in the thread that committed (the sockets' database
# thread, for a client's deletion): a store's round trips must not hold up every chat of the process.
_remote_deletions = ThreadPoolExecutor(1, thread_name_prefix="media-delete")


def delete_after_commit(names: Iterable[str | None]) -> None:
    """Delete stored files once the current transaction commits (at once outside one).

    A file goes only when the row that named it is surely gone: a rolled-back
    deletion keeps both. Files on this machine's disk go at once (a few system
    calls); from a remote store (S3) in a thread of their own.
    """
    kept = [name for name in names if name]
    if not kept:
        return
    if isinstance(attachment_storage(), FileSystemStorage):
        transaction.on_commit(lambda: delete_files(kept))
    else:
        transaction.on_commit(lambda: _delete_remotely(kept))


def _delete_remotely(names: list[str]) -> None:
    _remote_deletions.submit(delete_files, names)


def opener(name: str) -> Callable[[], IO[bytes]]:
    """A function that opens a stored file for reading (in the thread that reads it)."""
    return lambda: attachment_storage().open(name, "rb")
