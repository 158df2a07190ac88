"""What a person sees when the server process holds all the sockets it takes (realtime/capacity.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.console.test_console_browser import login_with_form

BUSY = "The service is very busy right now. Trying again…"


def test_a_full_process_says_so_and_the_pages_get_in_when_there_is_room(
    new_page: Callable[..., Any], live: Any, settings: Any
) -> None:
    staff = new_page()
    login_with_form(staff, live, "counsellor")  # connected while there is room
    settings.CHAT_MAX_CONNECTIONS_PER_PROCESS = 0
    client = new_page()
    client.goto(live.url + "/")
    expect(client.locator("#k-conn")).to_have_text(BUSY)
    staff.reload()
    expect(staff.locator("#connection-status")).to_have_text(BUSY)
    expect(staff.locator("#connection-countdown")).to_contain_text("next try in")
    # Room again: both pages get in by themselves, without a reload.
    settings.CHAT_MAX_CONNECTIONS_PER_PROCESS = 100
    expect(client.locator("#k-conn")).to_have_text("", timeout=20_000)
    expect(staff.locator("#connection-status")).to_have_attribute("data-state", "connected", timeout=20_000)
