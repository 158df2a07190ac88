"""Where attachments are kept: the file system by default, an S3-compatible store by setting (no network here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from kohtaamo.settings import attachments_storage
from media.files import attachment_storage


def test_by_default_files_are_kept_privately_outside_the_static_files() -> None:
    storage = attachment_storage()
    location = Path(storage.location)  # type: ignore[attr-defined]
    assert location == Path(settings.MEDIA_ROOT)
    assert not location.is_relative_to(Path(settings.STATIC_ROOT))
    assert storage.file_permissions_mode == 0o600  # type: ignore[attr-defined]
    assert settings.MEDIA_URL in ("", "/")  # never served as a folder: only by signed links


def test_an_s3_bucket_by_setting_keeps_private_objects() -> None:
    config = attachments_storage(
        {
            "MEDIA_S3_BUCKET": "kohtaamo-files",
            "MEDIA_S3_ENDPOINT_URL": "https://s3.example.fi",
            "MEDIA_S3_ACCESS_KEY_ID": "id",
            "MEDIA_S3_SECRET_ACCESS_KEY": "secret",
        },
        Path("/unused"),
    )
    backend = import_string(str(config["BACKEND"]))
    storage = backend(**config["OPTIONS"])  # type: ignore[arg-type]
    assert (storage.bucket_name, storage.endpoint_url, storage.default_acl) == (
        "kohtaamo-files",
        "https://s3.example.fi",
        "private",
    )
    assert storage.file_overwrite is False


def test_files_of_a_remote_store_are_deleted_after_the_commit_outside_the_committing_thread(
    monkeypatch: pytest.MonkeyPatch, transactional_db: None
) -> None:
    import threading

    from django.core.files.base import ContentFile
    from django.core.files.storage import InMemoryStorage
    from django.db import transaction

    from media import files

    remote = InMemoryStorage()
    name = remote.save("a/file.jpg", ContentFile(b"x"))
    threads: list[str] = []
    deleting = remote.delete

    def delete(name: str) -> None:
        threads.append(threading.current_thread().name)
        deleting(name)

    monkeypatch.setattr(remote, "delete", delete)
    monkeypatch.setattr(files, "attachment_storage", lambda: remote)
    with transaction.atomic():
        files.delete_after_commit([name, None])
        assert remote.exists(name)  # not before the commit
    files._remote_deletions.submit(lambda: None).result(timeout=10)  # the deletions so far are done
    assert not remote.exists(name)
    assert threads and threads[0].startswith("media-delete")
