"""The wait after failed logins, the same answer for every name, the bounded password checks, the new session key.

Issue 9, item 5: five wrong passwords locked any account, admins included, for
15 minutes, refused the right password meanwhile and told which names exist;
re-entering the password cleared the count of wrong codes; the session key was
not changed at the second factor. Item 4: a login flood hashed without bound.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.actions import DEVICE_COOKIE, delay_after
from accounts.hashing import PasswordChecksBusy, password_check_gate
from accounts.models import LoginThrottle
from common.gates import Gate
from tests.accounts.test_accounts import HttpClient, code_for, log_in, page_text, wait_out_throttle, wrong_code

pytestmark = pytest.mark.django_db

REFUSED = "The username or password is wrong, or there were too many tries. Wait a moment and try again."
BUSY = "The service is busy. Try again in a moment."


def refusal(response: Any) -> str:
    """The error the login page shows (the whole of it), or "" when there is none."""
    match = re.search(r'<div class="form-error" role="alert">(.*?)</div>', page_text(response), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def wait_passes() -> None:
    """What the passing of time does to every wait."""
    LoginThrottle.objects.update(wait_until=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash computed, by its password (the test hasher computes each through `encode`)."""
    computed: list[str] = []
    original = MD5PasswordHasher.encode

    def counting(self: MD5PasswordHasher, password: str, salt: str) -> str:
        computed.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return computed


@pytest.fixture
def long_wait(settings: Any) -> None:
    """Two failures make a name wait ten minutes: long enough that no test outlives it by chance."""
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_DELAY_SECONDS = 600


def test_an_unknown_name_a_wrong_password_and_a_waiting_name_get_the_same_answer(demo: Any, long_wait: None) -> None:
    for _attempt in range(2):
        log_in(HttpClient(), "counsellor2", "wrong password")
    answers = {
        "unknown name": log_in(HttpClient(), "nobody-here", "wrong password"),
        "wrong password": log_in(HttpClient(), "counsellor", "wrong password"),
        # The right password, but the name must wait: refused alike, and nobody is logged in.
        "waiting name": log_in(HttpClient(), "counsellor2"),
    }
    assert {case: (response.status_code, refusal(response)) for case, response in answers.items()} == {
        case: (200, REFUSED) for case in answers
    }
    assert all("_auth_user_id" not in response.client.session for response in answers.values())


def test_every_try_costs_exactly_one_password_hash(demo: Any, long_wait: None, hashes: list[str]) -> None:
    """Timing cannot tell the cases apart because each does the same work: one hash (counted, not timed)."""
    for _attempt in range(2):
        log_in(HttpClient(), "counsellor2", "wrong password")
    for name, password in [
        ("nobody-here", "try unknown"),
        ("counsellor", "try wrong"),
        ("counsellor2", "try waiting"),
    ]:
        hashes.clear()
        assert refusal(log_in(HttpClient(), name, password)) == REFUSED
        assert hashes == [password], name


def test_unknown_names_are_counted_and_made_to_wait_like_real_ones(demo: Any, long_wait: None) -> None:
    for name in ["nobody-here", "counsellor"]:
        for _attempt in range(2):
            log_in(HttpClient(), name, "wrong password")
    waits = list(LoginThrottle.objects.values_list("failures", "wait_until"))
    assert len(waits) == 2 and waits[0][0] == waits[1][0] == 2
    assert all(wait_until is not None and wait_until > timezone.now() for _failures, wait_until in waits)
    # The table keeps no names.
    assert not LoginThrottle.objects.filter(key__icontains="counsellor").exists()


def test_the_wait_doubles_with_each_failure_up_to_its_cap(settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_DELAY_SECONDS = 1
    settings.LOGIN_DELAY_MAX_SECONDS = 300
    assert [delay_after(failures).total_seconds() for failures in range(1, 16)] == [
        0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300,
    ]  # fmt: skip
    assert delay_after(10_000).total_seconds() == 300


def test_the_right_password_works_again_once_the_wait_has_passed(demo: Any, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_DELAY_SECONDS = 3
    http = HttpClient()
    for _attempt in range(3):
        assert refusal(log_in(http, "counsellor", "wrong password")) == REFUSED
    # Within the wait even the right password is not checked ...
    assert refusal(log_in(http, "counsellor")) == REFUSED
    assert http.get("/console/").status_code == 302
    # ... and a try during the wait does not make it longer: after it, the right password works.
    deadline = time.monotonic() + 30
    response = log_in(http, "counsellor")
    while response.status_code != 302 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = log_in(http, "counsellor")
    assert (response.status_code, response["Location"]) == (302, "/console/")
    assert http.get("/console/").status_code == 200
    # A completed login starts the count again.
    assert not LoginThrottle.objects.exists()


def test_nobody_can_lock_an_admin_out_for_long(demo: Any, settings: Any) -> None:
    """The old rule locked any account for 15 minutes after five wrong passwords from anybody."""
    # The admin's own browser, where they have logged in before.
    own = HttpClient()
    log_in(own, "admin")
    device = TOTPDevice.objects.get(user__username="admin")
    assert own.post("/staff/login/code/", {"token": code_for(device)})["Location"] == "/console/"
    assert DEVICE_COOKIE in own.cookies
    own.post("/staff/logout/")

    # Someone else tries 20 wrong passwords, waiting out every wait, so that all of them count.
    for _attempt in range(20):
        assert refusal(log_in(HttpClient(), "admin", "guess")) == REFUSED
        wait_passes()
    log_in(HttpClient(), "admin", "guess")
    (wait_until,) = LoginThrottle.objects.values_list("wait_until", flat=True)
    assert wait_until is not None
    assert wait_until - timezone.now() <= timedelta(seconds=settings.LOGIN_DELAY_MAX_SECONDS) < timedelta(minutes=15)

    # From the admin's own browser the right password and code work at once.
    wait_out_throttle(device)
    response = log_in(own, "admin")
    assert response["Location"] == "/staff/login/code/"
    assert own.post("/staff/login/code/", {"token": code_for(device, offset=1)})["Location"] == "/console/"
    # A device cookie for another name, or a forged one, counts with the name's shared count.
    stranger = HttpClient()
    stranger.cookies[DEVICE_COOKIE] = own.cookies[DEVICE_COOKIE].value
    assert refusal(log_in(stranger, "supervisor", "guess")) == REFUSED
    forged = HttpClient()
    forged.cookies[DEVICE_COOKIE] = "forged"
    assert refusal(log_in(forged, "admin")) == REFUSED

    # Elsewhere the right password works once the wait has passed, which is minutes at most.
    wait_passes()
    elsewhere = HttpClient()
    assert log_in(elsewhere, "admin")["Location"] == "/staff/login/code/"


def test_wrong_codes_count_toward_the_wait_and_a_new_password_step_does_not_clear_them(
    demo: Any, settings: Any
) -> None:
    settings.LOGIN_DELAY_SECONDS = 600
    device = TOTPDevice.objects.get(user__username="supervisor")
    for _attempt in range(settings.LOGIN_MAX_FAILURES):
        # Each time the password step again, as an attacker who knows the password would.
        http = HttpClient()
        assert log_in(http, "supervisor")["Location"] == "/staff/login/code/"
        wait_out_throttle(device)
        response = http.post("/staff/login/code/", {"token": wrong_code(device)})
        assert "The code is wrong or has expired." in page_text(response)
    # Now the name waits: the password is not checked, nor is the right code of a session already past it.
    assert refusal(log_in(HttpClient(), "supervisor")) == REFUSED
    wait_out_throttle(device)
    response = http.post("/staff/login/code/", {"token": code_for(device)})
    assert "Too many tries in a row. Wait a moment and try again." in page_text(response)
    assert http.get("/console/")["Location"] == "/staff/login/code/"

    # Once the wait has passed, the login completes, and only that clears the count.
    wait_passes()
    wait_out_throttle(device)
    assert http.post("/staff/login/code/", {"token": code_for(device)})["Location"] == "/console/"
    assert not LoginThrottle.objects.exists()


def test_wrong_codes_at_enrolment_count_toward_the_wait(demo: Any, settings: Any) -> None:
    settings.LOGIN_DELAY_SECONDS = 600
    TOTPDevice.objects.filter(user__username="admin").delete()
    http = HttpClient()
    assert log_in(http, "admin")["Location"] == "/staff/login/authenticator/"
    http.get("/staff/login/authenticator/")
    device = TOTPDevice.objects.get(user__username="admin", confirmed=False)
    for _attempt in range(settings.LOGIN_MAX_FAILURES):
        wait_out_throttle(device)
        http.post("/staff/login/authenticator/", {"token": wrong_code(device)})
    wait_out_throttle(device)
    response = http.post("/staff/login/authenticator/", {"token": code_for(device)})
    assert "Too many tries in a row. Wait a moment and try again." in page_text(response)
    assert refusal(log_in(HttpClient(), "admin")) == REFUSED
    assert not TOTPDevice.objects.filter(user__username="admin", confirmed=True).exists()


@pytest.mark.parametrize("step", ["code", "authenticator"])
def test_the_session_key_changes_at_the_second_factor(demo: Any, step: str) -> None:
    if step == "authenticator":
        TOTPDevice.objects.filter(user__username="admin").delete()
    http = HttpClient()
    assert log_in(http, "admin")["Location"] == f"/staff/login/{step}/"
    if step == "authenticator":
        http.get("/staff/login/authenticator/")
    device = TOTPDevice.objects.get(user__username="admin")
    before = http.cookies["sessionid"].value
    assert http.post(f"/staff/login/{step}/", {"token": code_for(device)})["Location"] == "/console/"
    after = http.cookies["sessionid"].value
    assert after != before
    assert http.get("/console/").status_code == 200
    # The key seen before the second factor is worth nothing now.
    assert not SessionStore().exists(before)
    old = HttpClient()
    old.cookies["sessionid"] = before
    assert old.get("/console/")["Location"].startswith("/staff/login/")


@pytest.fixture
def held_slot(settings: Any) -> Iterator[threading.Event]:
    """One password check at once, no queue, and that one check held by another thread until the event is set."""
    settings.LOGIN_CONCURRENT_CHECKS = 1
    settings.LOGIN_QUEUE_MAX = 0
    gate = password_check_gate()
    release, holding = threading.Event(), threading.Event()

    def hold() -> None:
        with gate.slot():
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join(10)


def test_when_every_password_check_is_taken_the_login_page_says_busy(
    demo: Any, held_slot: threading.Event, hashes: list[str]
) -> None:
    http = HttpClient()
    response = log_in(http, "counsellor")
    assert (response.status_code, refusal(response), response["Retry-After"]) == (503, BUSY, "5")
    assert "_auth_user_id" not in http.session
    # Nothing was hashed and nothing counted: busy is not a failed try.
    assert hashes == []
    assert not LoginThrottle.objects.exists()
    held_slot.set()
    deadline = time.monotonic() + 10
    while password_check_gate().admitted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log_in(http, "counsellor")["Location"] == "/console/"


def test_checks_beyond_the_slots_wait_in_a_bounded_queue() -> None:
    gate = Gate(concurrent=1, queue_max=1)
    release, holding, done = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with gate.slot():
            holding.set()
            release.wait(30)

    def queued() -> None:
        with gate.slot():
            done.set()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert holding.wait(10)
    threads.append(threading.Thread(target=queued))
    threads[1].start()
    deadline = time.monotonic() + 10
    while gate.admitted < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    # One running, one waiting its turn: a third is refused at once.
    assert gate.admitted == 2 and not done.is_set()
    with pytest.raises(PasswordChecksBusy), gate.slot():
        pass
    release.set()
    assert done.wait(10)
    for thread in threads:
        thread.join(10)
    assert gate.admitted == 0


def test_the_device_cookie_is_only_for_the_login_page_and_hidden_from_scripts(demo: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True
    response = log_in(HttpClient(), "counsellor")
    morsel = response.cookies[DEVICE_COOKIE]
    assert (morsel["path"], bool(morsel["secure"]), bool(morsel["httponly"]), morsel["samesite"]) == (
        "/staff/login/",
        True,
        True,
        "Strict",
    )
    # It names nobody: a signed HMAC of the name and a random id.
    assert "counsellor" not in morsel.value
