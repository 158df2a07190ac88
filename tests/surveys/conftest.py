from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from demo.data import DEMO_PASSWORD
from tests.support.demo import Demo
from tests.wsclient import staff_cookie


@pytest.fixture(autouse=True)
def english() -> Any:
    """The tests read English texts (the msgids); the service's default language is Finnish."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def demo_db(db: Any) -> Demo:
    """The demo organisations, desks and staff in a plain (rolled back) test database."""
    from demo.data import seed_demo

    seed_demo(brain=False)
    return Demo.load()


@pytest.fixture
def logged_in(demo_db: Demo) -> Any:
    """A test client logged in as a demo staff member through the real login (with TOTP where required)."""

    def login(username: str) -> HttpClient:
        http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
        staff_cookie(http, username, DEMO_PASSWORD, otp=demo_db.staff_by_username[username].requires_2fa)
        return http

    return login
