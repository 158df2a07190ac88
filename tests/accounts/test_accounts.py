"""Staff login through the real forms: Argon2, the second factor, idle sessions, the Django admin.

The wait after failed tries, the busy answer and the session key at the second
factor: tests/accounts/test_login_throttle.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginThrottle, Staff
from accounts.sessions import LAST_SEEN_KEY
from demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

ARGON2_FIRST = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


class HttpClient(Client):
    """A browser whose language is English (the service's default is Finnish)."""

    def __init__(self, **defaults: Any) -> None:
        defaults.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        super().__init__(**defaults)


def log_in(http: HttpClient, username: str, password: str = DEMO_PASSWORD, **query: str) -> Any:
    url = "/staff/login/" + (f"?next={query['next']}" if "next" in query else "")
    return http.post(url, {"username": username, "password": password})


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code no time step near now gives: django-otp accepts the steps next to the current one too."""
    near = {code_for(device, offset) for offset in range(device.drift - 3, device.drift + 4)}
    candidate = int(code_for(device))
    while f"{candidate:06d}" in near:
        candidate = (candidate + 1) % 1_000_000
    return f"{candidate:06d}"


def wait_out_throttle(device: TOTPDevice) -> None:
    """What waiting a few seconds does: django-otp checks no code for 1, 2, 4 ... s after a wrong one."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)


def page_text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def argon2(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ARGON2_FIRST


def test_passwords_are_stored_with_argon2(demo: Any, argon2: None) -> None:
    staff = Staff.objects.create(username="newcomer", role="counsellor", display_name="Uusi")
    staff.set_password("a long enough passphrase")
    staff.save()
    assert Staff.objects.get(pk=staff.pk).password.startswith("argon2$argon2id$")
    http = HttpClient()
    response = log_in(http, "newcomer", "a long enough passphrase")
    assert (response.status_code, response["Location"]) == (302, "/console/")
    assert http.get("/console/").status_code == 200


def test_an_older_hash_is_upgraded_to_argon2_at_login(demo: Any, argon2: None) -> None:
    Staff.objects.filter(username="counsellor").update(password=make_password(DEMO_PASSWORD, hasher="pbkdf2_sha256"))
    assert log_in(HttpClient(), "counsellor").status_code == 302
    assert Staff.objects.get(username="counsellor").password.startswith("argon2$")


@pytest.mark.parametrize("username", ["admin", "supervisor"])
def test_admins_and_supervisors_must_pass_the_second_factor(demo: Any, username: str) -> None:
    http = HttpClient()
    response = log_in(http, username)
    assert (response.status_code, response["Location"]) == (302, "/staff/login/code/")
    # Every page of the console (and the Django admin) leads to the code page until then.
    for url in ["/console/", "/console/canned/", "/admin/", "/admin/desks/desk/"]:
        response = http.get(url)
        assert (response.status_code, response["Location"]) == (302, "/staff/login/code/"), url

    device = TOTPDevice.objects.get(user__username=username)
    wrong = wrong_code(device)
    response = http.post("/staff/login/code/", {"token": wrong})
    assert response.status_code == 200
    assert "The code is wrong or has expired." in page_text(response)
    assert http.get("/console/").status_code == 302

    wait_out_throttle(device)
    response = http.post("/staff/login/code/", {"token": code_for(device)})
    assert (response.status_code, response["Location"]) == (302, "/console/")
    assert http.get("/console/").status_code == 200
    # The same code cannot be used again (in another browser).
    other = HttpClient()
    log_in(other, username)
    assert other.post("/staff/login/code/", {"token": code_for(device)}).status_code == 200


def test_counsellors_need_no_second_factor(demo: Any) -> None:
    http = HttpClient()
    response = log_in(http, "counsellor")
    assert (response.status_code, response["Location"]) == (302, "/console/")
    assert http.get("/console/").status_code == 200


def test_an_admin_without_an_authenticator_enrols_one(demo: Any) -> None:
    TOTPDevice.objects.filter(user__username="admin").delete()
    http = HttpClient()
    response = log_in(http, "admin")
    assert (response.status_code, response["Location"]) == (302, "/staff/login/authenticator/")
    # The code page sends them to enrolment too: there is nothing to check a code against.
    assert http.get("/staff/login/code/")["Location"] == "/staff/login/authenticator/"

    page = http.get("/staff/login/authenticator/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__username="admin", confirmed=False)
    secret = page.context["secret"]
    assert secret in page_text(page) and "data:image/svg+xml;base64," in page_text(page)
    # Reloading the page shows the same secret: the unconfirmed device is kept, not replaced.
    assert http.get("/staff/login/authenticator/").context["secret"] == secret

    wrong = wrong_code(device)
    response = http.post("/staff/login/authenticator/", {"token": wrong})
    assert response.status_code == 200 and "The code is wrong or has expired." in page_text(response)
    assert not TOTPDevice.objects.filter(user__username="admin", confirmed=True).exists()

    wait_out_throttle(device)
    response = http.post("/staff/login/authenticator/", {"token": code_for(device)})
    assert (response.status_code, response["Location"]) == (302, "/console/")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert http.get("/console/").status_code == 200
    # Once enrolled, the enrolment page does not hand out the secret again.
    assert http.get("/staff/login/authenticator/")["Location"] == "/staff/login/code/"


def test_a_right_password_resets_the_count_of_failures(demo: Any, settings: Any) -> None:
    for _attempt in range(settings.LOGIN_MAX_FAILURES - 1):
        log_in(HttpClient(), "counsellor", "wrong password")
    assert log_in(HttpClient(), "counsellor").status_code == 302
    for _attempt in range(settings.LOGIN_MAX_FAILURES - 1):
        log_in(HttpClient(), "counsellor", "wrong password")
    assert log_in(HttpClient(), "counsellor").status_code == 302


def test_a_code_sent_too_soon_after_a_wrong_one_is_not_called_wrong(demo: Any) -> None:
    http = HttpClient()
    log_in(http, "supervisor")
    device = TOTPDevice.objects.get(user__username="supervisor")
    # As after many wrong codes in a row: django-otp will not check a code for a while.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now(), throttling_failure_count=10
    )
    response = http.post("/staff/login/code/", {"token": code_for(device)})
    assert "Too many tries in a row. Wait a moment and try again." in page_text(response)
    assert not LoginThrottle.objects.exists()
    wait_out_throttle(device)
    assert http.post("/staff/login/code/", {"token": code_for(device)})["Location"] == "/console/"


def test_the_admin_login_page_cannot_be_used_to_get_around_the_wait(demo: Any, settings: Any) -> None:
    settings.LOGIN_DELAY_SECONDS = 600
    for _attempt in range(settings.LOGIN_MAX_FAILURES):
        log_in(HttpClient(), "admin", "wrong password")
    http = HttpClient()
    response = http.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert "_auth_user_id" not in http.session
    response = http.get("/admin/login/?next=/admin/desks/desk/")
    assert response["Location"] == "/staff/login/?next=/admin/desks/desk/"


def test_an_idle_session_expires(demo: Any, settings: Any) -> None:
    http = HttpClient()
    log_in(http, "counsellor")
    assert http.get("/console/").status_code == 200
    session = SessionStore(session_key=http.cookies["sessionid"].value)
    assert time.time() - session[LAST_SEEN_KEY] < 120
    session[LAST_SEEN_KEY] = time.time() - settings.STAFF_IDLE_TIMEOUT_SECONDS - 10
    session.save()
    response = http.get("/console/")
    assert (response.status_code, response["Location"]) == (302, "/staff/login/?expired=1")
    page = http.get(response["Location"])
    assert "Your session ended because it was idle." in page_text(page)
    # Logged out for good: the next request is just a login page away.
    assert http.get("/console/")["Location"].startswith("/staff/login/")
    assert "_auth_user_id" not in http.session


def test_a_session_is_stamped_at_login(demo: Any) -> None:
    http = HttpClient()
    log_in(http, "counsellor")
    session = SessionStore(session_key=http.cookies["sessionid"].value)
    assert time.time() - session[LAST_SEEN_KEY] < 120


def test_the_django_admin_works_for_an_admin_and_not_for_a_counsellor(demo: Any) -> None:
    http = HttpClient()
    log_in(http, "admin")
    device = TOTPDevice.objects.get(user__username="admin")
    assert http.post("/staff/login/code/", {"token": code_for(device)})["Location"] == "/console/"
    response = http.get("/admin/desks/desk/")
    assert response.status_code == 200
    text = page_text(response)
    assert all(name in text for name in ["Youth chat", "Homework help", "Parents&#x27; line"])  # English admin

    counsellor = HttpClient()
    log_in(counsellor, "counsellor")
    response = counsellor.get("/admin/desks/desk/", follow=True)
    assert response.status_code == 403
    assert "Youth chat" not in page_text(response)
    assert counsellor.get("/admin/").status_code in (302, 403)


def test_logging_in_from_the_admin_returns_there_after_the_code(demo: Any) -> None:
    http = HttpClient()
    response = http.get("/admin/desks/desk/", follow=True)
    assert response.redirect_chain[-1][0] == "/staff/login/?next=/admin/desks/desk/"
    response = log_in(http, "admin", next="/admin/desks/desk/")
    assert response["Location"] == "/staff/login/code/"
    device = TOTPDevice.objects.get(user__username="admin")
    response = http.post("/staff/login/code/", {"token": code_for(device)})
    assert response["Location"] == "/admin/desks/desk/"
    # Only our own pages: another site is never a place to return to.
    other = HttpClient()
    response = log_in(other, "counsellor", next="https://evil.example/")
    assert response["Location"] == "/console/"
