"""Fixtures of the client page's browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient

from demo.data import DEMO_PASSWORD
from tests.conftest import EXIT_URL
from tests.wsclient import ProtocolClient, staff_cookie


@pytest.fixture
def quick_exit_url(settings: Any) -> str:
    settings.QUICK_EXIT_URL = EXIT_URL
    return EXIT_URL


@pytest.fixture
def counsellor(live: Any) -> Iterator[ProtocolClient]:
    """Kalle, a counsellor at the youth desk, connected to the staff socket."""
    cookie = staff_cookie(HttpClient(), "counsellor", DEMO_PASSWORD)
    staff = ProtocolClient(live.ws_url, "/ws/staff/", cookie=cookie)
    staff.hello()
    yield staff
    staff.close()
