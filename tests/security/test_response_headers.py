"""Staff pages are never cached, and every response denies the browser features the service does not use.

Issue 9, item 7: after logout, the browser's back button and disk cache still showed
the console's transcripts and the brain editor. Clients' pages and static files keep
normal caching (kohtaamo/headers.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from demo.data import DEMO_PASSWORD
from kohtaamo.headers import PERMISSIONS_POLICY
from tests.wsclient import staff_cookie

# (who looks, path): every staff area, logged in, and the login steps before it.
STAFF_PAGES = [
    ("anonymous", "/staff/login/"),
    ("admin_password_only", "/staff/login/code/"),
    ("counsellor", "/console/"),
    ("counsellor", "/console/canned/"),
    ("counsellor", "/console/canned/new/"),
    ("editor", "/brain/"),
    ("editor", "/brain/try/?text=hei"),
    ("editor", "/brain/signals/?text=hei"),
    ("editor", "/brain/unanswered/"),
    ("counsellor", "/surveys/"),
    ("admin", "/admin/"),
    ("admin", "/admin/accounts/staff/"),
    ("admin", "/admin/conversations/conversation/"),
]
CLIENT_PAGES = ["/", "/embed/", "/widget-test/", "/widget-test/school/", "/d/homework/"]


def no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def browsers(demo: Any) -> dict[str, HttpClient]:
    """A logged-in test client per staff member, an anonymous one, and an admin who has not given the code yet."""
    clients = {"anonymous": HttpClient(), "admin_password_only": HttpClient()}
    for username in ("counsellor", "editor", "admin"):
        clients[username] = HttpClient()
        staff_cookie(clients[username], username, DEMO_PASSWORD, otp=username == "admin")
    halfway = clients["admin_password_only"].post("/staff/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert halfway.status_code == 302 and halfway["Location"].startswith("/staff/login/")
    return clients


@pytest.mark.django_db
def test_staff_pages_are_never_stored(browsers: dict[str, HttpClient]) -> None:
    for who, path in STAFF_PAGES:
        response = browsers[who].get(path)
        assert response.status_code == 200, (who, path, response.status_code)
        assert no_store(response), (who, path, response.get("Cache-Control"))
        assert "private" in response["Cache-Control"], (who, path)
    # Redirects of the staff areas too: the login's next step, an anonymous visitor sent to log in.
    assert no_store(browsers["anonymous"].get("/console/"))
    logout = browsers["counsellor"].post("/staff/logout/")
    assert logout.status_code == 302 and no_store(logout)
    # After logout, going back to the console leads to the login page, not to a kept copy.
    assert browsers["counsellor"].get("/console/")["Location"].startswith("/staff/login/")


@pytest.mark.django_db
def test_clients_pages_and_static_files_keep_normal_caching(browsers: dict[str, HttpClient]) -> None:
    for path in CLIENT_PAGES:
        response = browsers["anonymous"].get(path)
        assert response.status_code == 200, path
        assert not no_store(response), (path, response.get("Cache-Control"))
    script = browsers["anonymous"].get("/static/kohtaamo/stream.js")
    assert script.status_code == 200 and not no_store(script), script.get("Cache-Control")
    # A logged-in staff member is never cached, on whatever page.
    assert no_store(browsers["counsellor"].get("/"))


@pytest.mark.django_db
def test_every_response_has_the_permissions_policy(browsers: dict[str, HttpClient]) -> None:
    anonymous = browsers["anonymous"]
    responses = {
        "client page": anonymous.get("/"),
        "embed": anonymous.get("/embed/"),
        "login": anonymous.get("/staff/login/"),
        "console": browsers["counsellor"].get("/console/"),
        "static file": anonymous.get("/static/kohtaamo/stream.js"),
        "bot API": anonymous.post("/api/bot/ask", {"text": "hei"}, content_type="application/json"),
        "health": anonymous.get("/health"),
        "not found": anonymous.get("/no-such-page/"),
        "redirect": anonymous.get("/console/"),
    }
    for what, response in responses.items():
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY, what
    # What it says: the location and payments are off for our pages and their frames; the camera and
    # the microphone are our own pages' only (calls, docs/calls.md), never a framed page's of another origin.
    denied = dict(item.split("=") for item in PERMISSIONS_POLICY.split(", "))
    for feature in ("geolocation", "payment", "usb"):
        assert denied[feature] == "()", feature
    for feature in ("camera", "microphone"):
        assert denied[feature] == "(self)", feature
