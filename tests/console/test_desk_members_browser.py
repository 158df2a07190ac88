"""A desk's members page in a real browser, and partner staff at work in the console afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import check_staff_page
from tests.chat_helpers import Chat

expect.set_options(timeout=10_000)


@pytest.fixture
def chat(live: Any) -> Iterator[Chat]:
    chat = Chat(live)
    yield chat
    chat.close()


def members_url(slug: str) -> str:
    from desks.models import Desk

    return f"/console/desks/{Desk.objects.get(slug=slug).pk}/members/"


def test_admin_adds_partner_staff_with_the_keyboard_alone(staff_browser: Callable[..., Page]) -> None:
    page = staff_browser("admin", members_url("youth"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Members of Youth chat")
    check_staff_page(page, "desk members")

    # A typo first: the error is said at the field, and nobody is added.
    page.get_by_label("Login name or e-mail address").focus()
    page.keyboard.type("studycounselor")
    page.keyboard.press("Enter")
    field = page.get_by_label("Login name or e-mail address")
    expect(page.get_by_text("No staff member has this login name or e-mail address.")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    check_staff_page(page, "desk members with an error")

    field.fill("")
    field.focus()
    page.keyboard.type("studycounsellor")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("studycounsellor now works at this desk.")
    member = page.locator("li.member", has_text="studycounsellor")
    expect(member).to_contain_text("Rantalan aikuisopisto")
    expect(member.locator(".tag")).to_have_text("Partner")
    check_staff_page(page, "desk members after adding")

    # And off again, by its button.
    member.get_by_role("button", name="Remove from the desk studycounsellor").press("Enter")
    expect(page.get_by_role("status")).to_have_text("studycounsellor no longer works at this desk.")
    expect(page.locator("li.member", has_text="studycounsellor")).to_have_count(0)


def test_the_page_in_finnish_and_swedish(staff_browser: Callable[..., Page]) -> None:
    for lang, heading in (("fi", "Linjan Läksyapu jäsenet"), ("sv", "Medlemmar på linjen Läxhjälpen")):
        page = staff_browser("admin", members_url("homework"), lang)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_staff_page(page, f"desk members {lang}")


def test_partner_staff_see_and_take_at_that_desk_in_the_console(staff_browser: Callable[..., Page], chat: Chat) -> None:
    page = staff_browser("partner", "/console/", viewport={"width": 1280, "height": 720})
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    homework = page.get_by_role("region", name="Homework help", exact=True)
    expect(homework).to_be_visible()
    # Nothing else of Jokilaakso, nor the own organisation's desk that Pia does not work at.
    for other in ("Youth chat", "Parents' line", "Study guidance for adults"):
        expect(page.get_by_role("region", name=other, exact=True)).to_have_count(0)

    client = chat.client()
    conversation = chat.start(client, desk="homework", nickname="Mimi")
    chat.start(chat.client(), desk="youth", nickname="Nuori")
    expect(homework.get_by_role("listitem").filter(has_text="Mimi")).to_be_visible()
    expect(page.get_by_text("Nuori")).to_have_count(0)
    page.get_by_role("button", name="Take Mimi", exact=True).click()
    view = page.locator(f"#conv-{conversation}")
    expect(view.get_by_label("Message to the client")).to_be_visible()
    view.get_by_label("Message to the client").fill("Hei, Pia täällä.")
    view.get_by_label("Message to the client").press("Enter")
    client.wait_for("message", conversation=conversation, body="Hei, Pia täällä.")
    assert page.errors == []  # type: ignore[attr-defined]
