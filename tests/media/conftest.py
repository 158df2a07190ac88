"""Each attachment test starts with an empty storage folder, so it can list what it left behind."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings


def stored_files() -> list[str]:
    """Every file in the attachments' storage folder (MEDIA_ROOT of the test run), relative names."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture(autouse=True)
def empty_storage() -> Iterator[None]:
    root = Path(settings.MEDIA_ROOT)
    for child in root.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    yield
