"""The staff console in a real browser.

Chromium plays the counsellors, volunteers and supervisors; the anonymous
clients are driven over the real protocol (tests/wsclient.py), so every test
also checks what reaches the client and what never does.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from tests.browser import LOCALES, OTP_USERS, run_axe, watch_errors
from tests.chat_helpers import Chat
from tests.wsclient import ProtocolClient

expect.set_options(timeout=10_000)

# Playwright's own default, the console as most counsellors see it.
DESKTOP = {"width": 1280, "height": 720}


def totp_code(username: str) -> str:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def chat(live: Any) -> Iterator[Chat]:
    chat = Chat(live)
    yield chat
    chat.close()


@pytest.fixture
def new_context(browser: Any, live: Any, demo: Any) -> Iterator[Callable[..., Any]]:
    """A fresh browser context (its own cookies and storage), closed after the test."""
    contexts: list[Any] = []

    def make(lang: str = "en", **options: Any) -> Any:
        context = browser.new_context(locale=LOCALES[lang], **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def staff_page(staff_browser: Callable[..., Page]) -> Callable[..., Page]:
    """A console page of a demo staff member (tests.browser.staff_browser), as wide as a computer's screen
    unless `viewport` says otherwise, failing on a dialog too (`watch_page`); the console is connected."""

    def open_console(
        username: str,
        lang: str = "en",
        path: str = "/console/",
        route: Callable[..., Any] | None = None,
        **options: Any,
    ) -> Page:
        page = staff_browser(username, path, lang, route=route, **{"viewport": DESKTOP, **options})
        watch_dialogs(page)
        if path == "/console/":
            expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
        return page

    return open_console


def watch_dialogs(page: Page) -> None:
    """A dialog is something a message made the page run: it fails the test like a script error."""
    errors: list[str] = page.errors  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: errors.append(f"dialog opened: {dialog.message}"))


def watch_page(page: Page) -> None:
    """Fail on script errors and on anything a message could make the page run."""
    watch_errors(page)
    watch_dialogs(page)


def assert_no_page_errors(page: Page) -> None:
    assert page.errors == []  # type: ignore[attr-defined]


def start_client(
    chat: Chat, nickname: str, first: str | None = None, desk: str = "youth"
) -> tuple[ProtocolClient, int]:
    client = chat.client()
    conversation = chat.start(client, desk=desk, nickname=nickname)
    if first:
        client.say(conversation, first)
    return client, conversation


def desk_region(page: Page, name: str) -> Any:
    return page.get_by_role("region", name=name, exact=True)


def pane(page: Page, conversation: int) -> Any:
    return page.locator(f"#conv-{conversation}")


def take(page: Page, nickname: str, conversation: int) -> Any:
    page.get_by_role("button", name=f"Take {nickname}", exact=True).click()
    view = pane(page, conversation)
    expect(view).to_be_visible()
    expect(view.get_by_label("Message to the client")).to_be_visible()
    return view


def say(view: Any, text: str) -> None:
    composer = view.locator(".composer-input")
    composer.fill(text)
    composer.press("Enter")


def client_bodies(client: ProtocolClient, conversation: int, sender: str = "staff") -> list[str]:
    return [
        e["body"]
        for e in client.events
        if e.get("type") == "message" and e["conversation"] == conversation and e["sender"] == sender
    ]


def wait_client_message(client: ProtocolClient, conversation: int, body: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while body not in client_bodies(client, conversation):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"client never got {body!r}; got {client_bodies(client, conversation)}")
        try:
            client.recv(timeout=remaining)
        except TimeoutError:
            continue


def login_with_form(page: Page, live: Any, username: str) -> None:
    page.goto(live.url + "/staff/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if username in OTP_USERS:
        expect(page).to_have_url(re.compile(r"/staff/login/code/$"))
        page.get_by_label("Code from your authenticator app").fill(totp_code(username))
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")


# --- The counsellor's day ------------------------------------------------------------------


def test_counsellor_takes_replies_notes_and_uses_a_canned_reply(
    new_context: Callable[..., Any], live: Any, chat: Chat
) -> None:
    page = new_context("en").new_page()
    watch_page(page)
    login_with_form(page, live, "counsellor")
    expect(page.get_by_role("banner")).to_contain_text("Kalle")
    youth = desk_region(page, "Youth chat")
    expect(youth).to_be_visible()

    client, conversation = start_client(chat, "Mimi", "Hei, onko siellä joku?")
    waiting = youth.get_by_role("listitem").filter(has_text="Mimi")
    expect(waiting).to_be_visible()
    expect(waiting.locator(".wait-clock")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    first_clock = waiting.locator(".wait-clock").inner_text()
    expect(waiting.locator(".wait-clock")).not_to_have_text(first_clock, timeout=3000)  # it ticks

    view = take(page, "Mimi", conversation)
    expect(view.get_by_role("heading", name="Mimi")).to_be_visible()
    expect(view.get_by_role("log")).to_contain_text("Hei, onko siellä joku?")
    expect(view.get_by_role("log")).to_contain_text("Kalle joined the conversation.")
    expect(youth.get_by_role("listitem").filter(has_text="Mimi")).to_contain_text("with Kalle")
    expect(page.get_by_role("region", name="My conversations")).to_contain_text("Mimi")
    expect(page).not_to_have_title(re.compile(r"^\("))

    # Enter sends, Shift+Enter makes a new line.
    composer = view.get_by_label("Message to the client")
    composer.fill("Hei Mimi!")
    composer.press("Shift+Enter")
    composer.type("Täällä Kalle.")
    composer.press("Enter")
    wait_client_message(client, conversation, "Hei Mimi!\nTäällä Kalle.")
    expect(composer).to_have_value("")
    mine = view.locator(".msg-staff").filter(has_text="Täällä Kalle.")
    expect(mine).to_have_count(1)

    # The client reads it: the counsellor sees the read mark.
    last_seq = max(e["seq"] for e in client.events if e.get("type") == "message")
    client.send({"type": "seen", "conversation": conversation, "delivered": last_seq, "read": last_seq})
    expect(mine.locator(".msg-receipt")).to_have_text("Read")

    # The client's typing shows, and the counsellor's console marks client messages read.
    client.send({"type": "typing", "conversation": conversation, "active": True})
    expect(view.locator(".typing")).to_have_text("Mimi is typing…")
    client.say(conversation, "Minulla on huoli kaverista.")
    expect(view.get_by_role("log")).to_contain_text("Minulla on huoli kaverista.")
    expect(view.locator(".typing")).to_have_text("")
    receipt = client.wait_for("receipt", side="staff")
    assert receipt["read"] >= 1

    # A private note: staff see it, the client never does.
    view.get_by_label("New note").fill("Kaverin tilanne, seuraa.")
    view.get_by_role("button", name="Save note").click()
    notes = view.get_by_role("list", name="Private notes")
    expect(notes).to_contain_text("Kaverin tilanne, seuraa.")
    expect(notes.locator(".note")).to_have_count(1)

    # A canned reply, found by "/" and a few letters, goes into the composer, where it can be edited before sending.
    composer.fill("/terv")
    expect(view.get_by_role("option", name=re.compile("Tervehdys"))).to_have_attribute("aria-selected", "true")
    composer.press("Enter")
    expect(composer).to_have_value("Hei! Hyvä, että kirjoitit. Mistä haluaisit jutella?")
    expect(composer).to_be_focused()
    composer.press("End")
    composer.type(" :)")
    composer.press("Enter")
    wait_client_message(client, conversation, "Hei! Hyvä, että kirjoitit. Mistä haluaisit jutella? :)")

    client.drain(0.5)
    assert "Kaverin tilanne" not in json.dumps(client.events, ensure_ascii=False)
    assert not [e for e in client.events if e.get("type") == "note"]
    assert_no_page_errors(page)


def test_two_conversations_transfer_and_close(
    staff_page: Callable[..., Page], chat: Chat, new_context: Callable[..., Any], live: Any
) -> None:
    page = staff_page("counsellor")
    volunteer = staff_page("volunteer")
    expect(desk_region(volunteer, "Homework help")).to_be_visible()
    expect(desk_region(volunteer, "Youth chat")).to_have_count(0)  # not the volunteer's desk

    mimi, first = start_client(chat, "Mimi", "Tarvitsen apua matikassa.")
    olli, second = start_client(chat, "Olli", "Moi")
    first_view = take(page, "Mimi", first)
    second_view = take(page, "Olli", second)
    mine = page.get_by_role("region", name="My conversations")
    expect(mine.get_by_role("button")).to_have_count(2)
    expect(second_view).to_be_visible()
    expect(first_view).to_be_hidden()

    # A message in the conversation not on screen counts as unread.
    mimi.say(first, "Onko siellä ketään?")
    mimi_tab = mine.get_by_role("button").filter(has_text="Mimi")
    expect(mimi_tab).to_contain_text("1 unread")
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    say(second_view, "Moi Olli!")
    wait_client_message(olli, second, "Moi Olli!")
    mimi_tab.click()
    expect(first_view).to_be_visible()
    expect(first_view.get_by_role("log")).to_contain_text("Onko siellä ketään?")
    expect(mimi_tab).not_to_contain_text("unread")
    say(first_view, "Hetki, siirrän sinut läksyapuun.")
    wait_client_message(mimi, first, "Hetki, siirrän sinut läksyapuun.")
    assert "Moi Olli!" not in client_bodies(mimi, first)
    assert client_bodies(olli, second) == ["Moi Olli!"]

    # Transfer Mimi to the homework desk with a note.
    first_view.get_by_role("button", name="Transfer…").click()
    dialog = page.get_by_role("dialog", name="Transfer the conversation")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Desk")).to_be_focused()
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(dialog.locator("#transfer-error")).to_have_text("Choose a desk.")
    dialog.get_by_label("Desk").select_option(label="Homework help")
    expect(dialog.get_by_label("Colleague (optional)").locator("option")).to_contain_text(["Anyone at the desk"])
    dialog.get_by_label("Note for the next counsellor (optional)").fill("Matematiikan kotitehtävä, yhtälöt.")
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(mine.get_by_role("button").filter(has_text="Mimi")).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text("transferred to Homework help")
    moved = mimi.wait_for("conversation")["conversation"]
    assert moved["status"] == "queued" and moved["desk"]["slug"] == "homework"

    # The volunteer sees Mimi waiting, takes her, and reads the note and the history.
    homework = desk_region(volunteer, "Homework help")
    waiting = homework.get_by_role("listitem").filter(has_text="Mimi")
    expect(waiting).to_contain_text("Transferred")
    volunteer_view = take(volunteer, "Mimi", first)
    expect(volunteer_view.get_by_role("list", name="Private notes")).to_contain_text(
        "Matematiikan kotitehtävä, yhtälöt."
    )
    expect(volunteer_view.get_by_role("log")).to_contain_text("Tarvitsen apua matikassa.")
    expect(volunteer_view.get_by_role("log")).to_contain_text("The conversation was transferred to Homework help.")
    say(volunteer_view, "Hei, olen Ville läksyavusta.")
    wait_client_message(mimi, first, "Hei, olen Ville läksyavusta.")

    # Close Olli's conversation with an outcome.
    expect(second_view).to_be_visible()
    second_view.get_by_role("button", name="Close…").click()
    close = page.get_by_role("dialog", name="Close the conversation")
    close.get_by_role("button", name="Close the conversation").click()
    expect(close.locator("#close-error")).to_have_text("Choose an outcome.")
    close.get_by_label("Answered").check()
    close.get_by_role("button", name="Close the conversation").click()
    expect(close).to_be_hidden()
    closed = olli.wait_for("conversation")["conversation"]
    assert closed["status"] == "closed"
    expect(mine.get_by_role("button")).to_have_count(0)
    from conversations.models import Conversation

    assert Conversation.objects.get(pk=second).outcome == "answered"
    assert_no_page_errors(page)
    assert_no_page_errors(volunteer)


def test_client_leaves_and_the_counsellor_records_the_outcome(staff_page: Callable[..., Page], chat: Chat) -> None:
    page = staff_page("counsellor")
    client, conversation = start_client(chat, "Leena", "Moi")
    view = take(page, "Leena", conversation)
    client.send({"type": "end", "conversation": conversation})
    expect(view.locator(".conv-banner")).to_have_text("The client ended the chat. Record the outcome to finish.")
    expect(view.get_by_role("log")).to_contain_text("The client left the chat.")
    expect(view.get_by_label("Message to the client")).to_be_hidden()
    view.get_by_role("button", name="Record outcome…").click()
    dialog = page.get_by_role("dialog", name="Close the conversation")
    dialog.get_by_label("Client left").check()
    dialog.get_by_role("button", name="Close the conversation").click()
    expect(page.get_by_role("region", name="My conversations").get_by_role("button")).to_have_count(0)
    from conversations.models import Conversation

    assert Conversation.objects.get(pk=conversation).outcome == "client_left"


def test_client_deletes_the_conversation_and_it_leaves_the_console(staff_page: Callable[..., Page], chat: Chat) -> None:
    page = staff_page("counsellor")
    client, conversation = start_client(chat, "Leena", "Tämä on yksityistä")
    view = take(page, "Leena", conversation)
    expect(view.get_by_role("log")).to_contain_text("Tämä on yksityistä")
    client.send({"type": "delete", "conversation": conversation})
    # The conversation and its words leave the console; the counsellor is told why.
    expect(view).to_have_count(0)
    expect(page.get_by_role("region", name="My conversations").get_by_role("button")).to_have_count(0)
    expect(page.locator("#alert-text")).to_have_text(
        "Leena: The client deleted this conversation. Its messages are gone."
    )
    expect(page.get_by_text("Tämä on yksityistä")).to_have_count(0)
    # A reload does not bring it back.
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(page.get_by_text("Tämä on yksityistä")).to_have_count(0)
    expect(page.get_by_role("region", name="My conversations").get_by_role("button")).to_have_count(0)
    assert_no_page_errors(page)


def test_supervisor_watches_read_only_and_steps_in(new_context: Callable[..., Any], live: Any, chat: Chat) -> None:
    counsellor = chat.staff("counsellor")
    client, conversation = start_client(chat, "Mimi", "Hei")
    chat.take(counsellor, conversation)
    counsellor.say(conversation, "Hei, Kalle täällä.")
    counsellor.send({"type": "note", "conversation": conversation, "id": "n1", "body": "Huolestuttava tilanne."})
    counsellor.wait_for("ack", id="n1")

    page = new_context("en").new_page()
    watch_page(page)
    login_with_form(page, live, "supervisor")
    live_list = page.get_by_role("region", name="Live conversations")
    item = live_list.get_by_role("listitem").filter(has_text="Mimi")
    expect(item).to_contain_text("with Kalle")
    item.get_by_role("button", name="Watch Mimi", exact=True).click()
    view = pane(page, conversation)
    expect(view).to_be_visible()
    expect(view.locator(".badge-watching")).to_be_visible()
    expect(view.get_by_text("You are watching this conversation.")).to_be_visible()
    expect(view.get_by_label("Message to the client")).to_be_hidden()
    expect(view.get_by_role("log")).to_contain_text("Hei, Kalle täällä.")
    expect(view.get_by_role("list", name="Private notes")).to_contain_text("Huolestuttava tilanne.")

    client.say(conversation, "Minulla on paha olo.")
    expect(view.get_by_role("log")).to_contain_text("Minulla on paha olo.")
    client.drain(0.3)
    assert not [e for e in client.events if e.get("type") == "receipt" and e["side"] == "staff"]

    view.get_by_role("button", name="Step in").click()
    expect(view.get_by_label("Message to the client")).to_be_visible()
    expect(view.locator(".badge-watching")).to_be_hidden()
    joined = client.wait_for("message", code="joined")
    assert joined["args"]["name"] == "Sanna"
    say(view, "Hei, olen Sanna. Jatketaan yhdessä.")
    wait_client_message(client, conversation, "Hei, olen Sanna. Jatketaan yhdessä.")
    taken = counsellor.wait_for("conversation")["conversation"]
    assert taken["assigned"]["name"] == "Sanna" and taken["can_write"] is False
    expect(page.get_by_role("region", name="My conversations")).to_contain_text("Mimi")
    assert_no_page_errors(page)


def test_a_watched_conversation_leaves_the_list_when_it_ends(
    new_context: Callable[..., Any], live: Any, chat: Chat
) -> None:
    counsellor = chat.staff("counsellor")
    _closing_client, closing = start_client(chat, "Mimi", "Hei")
    chat.take(counsellor, closing)
    _moving_client, moving = start_client(chat, "Otso", "Moi")
    chat.take(counsellor, moving)

    page = new_context("en").new_page()
    watch_page(page)
    login_with_form(page, live, "supervisor")
    live_list = page.get_by_role("region", name="Live conversations")
    mine = page.get_by_role("region", name="My conversations")
    for name, conversation in (("Mimi", closing), ("Otso", moving)):
        live_list.get_by_role("listitem").filter(has_text=name).get_by_role("button", name=f"Watch {name}").click()
        expect(pane(page, conversation).locator(".badge-watching")).to_be_visible()
        expect(mine.get_by_role("button", name=re.compile(name))).to_be_visible()

    # Closed (a `conversation` event with status closed): it leaves the list, and focus lands in the list.
    pane(page, closing).locator(".log").focus()
    counsellor.send({"type": "close", "conversation": closing, "outcome": "answered"})
    expect(pane(page, closing)).to_have_count(0)
    expect(mine.get_by_role("button", name=re.compile("Mimi"))).to_have_count(0)
    expect(live_list).not_to_contain_text("Mimi")
    expect(page.locator("#announcer")).to_contain_text("Mimi: The conversation was closed.")
    assert page.evaluate("document.activeElement !== document.body")

    # Gone from its desk's list in progress (back in a queue): it leaves the list too.
    counsellor.send({"type": "transfer", "conversation": moving, "desk": desk_id("youth")})
    expect(pane(page, moving)).to_have_count(0)
    expect(mine.get_by_role("button", name=re.compile("Otso"))).to_have_count(0)
    expect(page.locator("#mine-empty")).to_be_visible()
    assert_no_page_errors(page)


def desk_id(slug: str) -> int:
    from desks.models import Desk

    return int(Desk.objects.get(slug=slug).pk)


def console_with_picker(staff_page: Callable[..., Page], chat: Chat) -> tuple[Page, Any, Any]:
    """A counsellor's console with a conversation open, and its canned replies' list opened by "/"."""
    page = staff_page("counsellor")
    _client, conversation = start_client(chat, "Mimi", "Hei")
    view = take(page, "Mimi", conversation)
    view.get_by_label("Message to the client").fill("/")
    picker = view.get_by_role("listbox", name="Canned replies")
    expect(picker.get_by_role("option").filter(has_text="Tervehdys")).to_have_count(1)
    return page, view, picker


def test_a_canned_event_replaces_the_replies_in_an_open_console(staff_page: Callable[..., Page], chat: Chat) -> None:
    """The console's side of `canned` events, fed to its stream as if the server had sent one."""
    page, view, picker = console_with_picker(staff_page, chat)
    replies = [{"id": 9999, "title": "Uusi vastaus", "body": "Uusi teksti.", "desk": None, "personal": True}]
    page.evaluate("(canned) => window.kohtaamoConsole.connection.receive({type: 'canned', canned})", replies)
    expect(picker.get_by_role("option").filter(has_text="Uusi vastaus")).to_have_count(1)
    expect(picker.get_by_role("option").filter(has_text="Tervehdys")).to_have_count(0)
    picker.get_by_role("option").filter(has_text="Uusi vastaus").click()
    expect(view.get_by_label("Message to the client")).to_have_value("Uusi teksti.")
    assert_no_page_errors(page)


def test_canned_reply_edits_reach_an_open_console_without_reload(staff_page: Callable[..., Page], chat: Chat) -> None:
    page, view, picker = console_with_picker(staff_page, chat)
    page.evaluate("window.kohtaamoNotReloaded = true")

    # Another tab of the same counsellor makes a reply, then edits it.
    editor = page.context.new_page()
    editor.goto(page.url.replace("/console/", "/console/canned/new/"))
    editor.locator("#id_title").fill("Kiitos viestistä")
    editor.locator("#id_body").fill("Kiitos, että kirjoitit meille.")
    editor.locator("main form button[type=submit]").click()
    expect(editor.locator("main")).to_contain_text("Kiitos viestistä")
    option = picker.get_by_role("option")
    expect(option.filter(has_text="Kiitos viestistä")).to_have_count(1)

    editor.get_by_role("link", name=re.compile(r"^Edit ?: Kiitos viestistä$")).click()
    editor.locator("#id_title").fill("Kiitos kirjeestä")
    editor.locator("main form button[type=submit]").click()
    expect(option.filter(has_text="Kiitos kirjeestä")).to_have_count(1)
    expect(option.filter(has_text="Kiitos viestistä")).to_have_count(0)

    option.filter(has_text="Kiitos kirjeestä").click()
    expect(view.get_by_label("Message to the client")).to_have_value("Kiitos, että kirjoitit meille.")
    assert page.evaluate("window.kohtaamoNotReloaded") is True
    assert_no_page_errors(page)


# --- Reconnecting ----------------------------------------------------------------------------


def visible_seqs(view: Any) -> list[int]:
    return [int(s) for s in view.locator(".log-list > li[data-seq]").evaluate_all("els => els.map(e => e.dataset.seq)")]


def test_reconnect_and_reload_lose_nothing_and_show_nothing_twice(staff_page: Callable[..., Page], chat: Chat) -> None:
    page = staff_page("counsellor")
    client, conversation = start_client(chat, "Mimi", "Yksi")
    view = take(page, "Mimi", conversation)
    expect(view.get_by_role("log")).to_contain_text("Yksi")

    # The socket drops right after a send: the ack may be lost, the resend must not duplicate.
    view.get_by_label("Message to the client").fill("Kaksi")
    page.evaluate(
        """() => {
            document.querySelector('.conversation:not([hidden]) .composer').requestSubmit();
            window.kohtaamoConsole.connection.ws.close();
        }"""
    )
    # While the console is away: the client writes, and the counsellor writes too.
    client.say(conversation, "Kolme")
    view.get_by_label("Message to the client").fill("Neljä")
    view.get_by_label("Message to the client").press("Enter")
    client.say(conversation, "Viisi")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    log = view.get_by_role("log")
    for text in ("Yksi", "Kolme", "Viisi"):
        expect(log.locator(".msg-client").filter(has_text=text)).to_have_count(1)
    for text in ("Kaksi", "Neljä"):
        expect(log.locator(".msg-staff[data-seq]").filter(has_text=text)).to_have_count(1)
    expect(log.locator(".msg-pending")).to_have_count(0)
    wait_client_message(client, conversation, "Kaksi")
    wait_client_message(client, conversation, "Neljä")
    client.drain(0.5)
    assert sorted(client_bodies(client, conversation)) == ["Kaksi", "Neljä"]
    seqs = visible_seqs(view)
    assert seqs == sorted(set(seqs)) and seqs == list(range(1, len(seqs) + 1))

    # A reload: the conversation comes back, whole, once.
    client.say(conversation, "Kuusi")
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    view = pane(page, conversation)
    expect(view).to_be_visible()
    log = view.get_by_role("log")
    expect(log.locator(".msg-client").filter(has_text="Kuusi")).to_have_count(1)
    seqs = visible_seqs(view)
    assert seqs == list(range(1, len(seqs) + 1))
    for text in ("Yksi", "Kolme", "Viisi", "Kuusi"):
        expect(log.locator(".msg-client").filter(has_text=text)).to_have_count(1)
    client.say(conversation, "Seitsemän")
    expect(log.locator(".msg-client").filter(has_text="Seitsemän")).to_have_count(1)
    assert_no_page_errors(page)


def test_an_ended_session_stops_reconnecting(staff_page: Callable[..., Page]) -> None:
    from django.contrib.sessions.models import Session

    page = staff_page("counsellor")
    Session.objects.all().delete()  # as if the session had expired or been revoked
    page.evaluate("window.kohtaamoConsole.connection.ws.close()")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "ended")
    expect(page.get_by_role("link", name="Log in again")).to_be_visible()


def test_a_refused_message_is_shown_and_its_text_kept(staff_page: Callable[..., Page], chat: Chat) -> None:
    def refuse_some_sends(ws: Any) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "send" and frame.get("body") == "Tämä ei mene perille":
                refusal = {
                    "type": "error",
                    "code": "forbidden",
                    "message": "Et voi kirjoittaa tähän.",
                    "ref": frame["ref"],
                }
                ws.send(json.dumps(refusal))
            else:
                server.send(message)

        ws.on_message(from_page)

    page = staff_page("counsellor", route=refuse_some_sends)
    client, conversation = start_client(chat, "Mimi", "Hei")
    view = take(page, "Mimi", conversation)
    say(view, "Tämä ei mene perille")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Et voi kirjoittaa tähän.")
    expect(view.locator(".composer-input")).to_have_value("Tämä ei mene perille")
    expect(view.locator(".msg-pending")).to_have_count(0)
    alert.get_by_role("button", name="Dismiss").click()
    expect(alert).to_be_hidden()
    say(view, "Tämä menee")
    wait_client_message(client, conversation, "Tämä menee")
    assert client_bodies(client, conversation) == ["Tämä menee"]


# --- Safety ----------------------------------------------------------------------------------


def test_html_from_clients_is_shown_as_text(staff_page: Callable[..., Page], chat: Chat) -> None:
    page = staff_page("counsellor")
    nickname = "<img src=x onerror=alert(1)>"
    body = "<b>lihava</b> <script>alert(2)</script>"
    client, conversation = start_client(chat, nickname, body)
    waiting = desk_region(page, "Youth chat").locator(".waiting-item")
    expect(waiting).to_contain_text(nickname)
    page.locator(".waiting-item .take").first.click()
    view = pane(page, conversation)
    expect(view.get_by_role("log")).to_contain_text(body)
    expect(view.locator(".conv-name")).to_have_text(nickname)
    assert page.locator("main img, main b, main script").count() == 0
    time.sleep(0.3)
    assert_no_page_errors(page)
    client.close()


# --- Accessibility and layout ------------------------------------------------------------------


def open_a_conversation(page: Page, chat: Chat, nickname: str = "Mimi") -> Any:
    _client, conversation = start_client(chat, nickname, "Hei")
    page.locator(".waiting-item .take").first.click()
    view = pane(page, conversation)
    expect(view.locator(".composer-input")).to_be_visible()
    expect(view.get_by_role("log")).to_contain_text("Hei")
    say(view, "Moi!")
    expect(view.locator(".msg-staff[data-seq]")).to_have_count(1)
    view.locator(".note-input").fill("Muistiinpano")
    view.locator(".note-form button").click()
    expect(view.locator(".note:not(.note-pending)")).to_have_count(1)
    return view


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_accessibility(
    lang: str, staff_page: Callable[..., Page], new_context: Callable[..., Any], chat: Chat, live: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = staff_page("counsellor", lang)
    assert page.locator("html").get_attribute("lang") == lang
    view = open_a_conversation(page, chat)
    run_axe(page, label=f"console ({lang})")
    view.locator(".act-transfer").click()
    expect(page.locator("#transfer-dialog")).to_be_visible()
    run_axe(page, label=f"transfer dialog ({lang})")
    page.keyboard.press("Escape")
    expect(page.locator("#transfer-dialog")).to_be_hidden()
    expect(view.locator(".act-transfer")).to_be_focused()
    view.locator(".act-close").click()
    run_axe(page, label=f"close dialog ({lang})")
    page.keyboard.press("Escape")

    page.goto(live.url + "/console/canned/")
    run_axe(page, label=f"canned replies ({lang})")
    page.goto(live.url + "/console/canned/new/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".form-error")).to_be_visible()
    run_axe(page, label=f"canned reply form with errors ({lang})")

    supervisor = staff_page("supervisor", lang)
    run_axe(supervisor, label=f"supervisor console ({lang})")

    login = new_context(lang).new_page()
    login.goto(live.url + "/staff/login/")
    assert login.locator("html").get_attribute("lang") == lang
    run_axe(login, label=f"login ({lang})")
    login.locator("#id_username").fill("admin")
    login.locator("#id_password").fill("wrong")
    login.locator("form button[type=submit]").first.click()
    expect(login.locator(".form-error")).to_be_visible()
    run_axe(login, label=f"login with error ({lang})")
    login.locator("#id_password").fill(DEMO_PASSWORD)
    login.locator("form button[type=submit]").first.click()
    expect(login).to_have_url(re.compile(r"/staff/login/code/$"))
    run_axe(login, label=f"code ({lang})")

    TOTPDevice.objects.filter(user__username="admin").delete()
    setup = new_context(lang).new_page()
    setup.goto(live.url + "/staff/login/")
    setup.locator("#id_username").fill("admin")
    setup.locator("#id_password").fill(DEMO_PASSWORD)
    setup.locator("form button[type=submit]").first.click()
    expect(setup).to_have_url(re.compile(r"/staff/login/authenticator/$"))
    run_axe(setup, label=f"authenticator setup ({lang})")


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide at 360px"


def test_narrow_screen_has_no_horizontal_scroll(
    staff_page: Callable[..., Page], new_context: Callable[..., Any], chat: Chat, live: Any
) -> None:
    viewport = {"width": 360, "height": 740}
    page = staff_page("counsellor", "fi", viewport=viewport)
    no_horizontal_scroll(page)
    view = open_a_conversation(page, chat, nickname="Pitkänimiselläkinonoikeusolla" + "x" * 11)
    say(view, "x" * 300)
    expect(view.locator(".msg-staff[data-seq]")).to_have_count(2)
    no_horizontal_scroll(page)
    view.locator(".act-transfer").click()
    no_horizontal_scroll(page)
    page.keyboard.press("Escape")
    for path in ("/console/canned/", "/console/canned/new/"):
        page.goto(live.url + path)
        no_horizontal_scroll(page)
    login = new_context("fi", viewport=viewport).new_page()
    login.goto(live.url + "/staff/login/")
    no_horizontal_scroll(login)


def test_keyboard_only(staff_page: Callable[..., Page], chat: Chat) -> None:
    page = staff_page("counsellor")
    client, conversation = start_client(chat, "Mimi", "Hei")
    expect(desk_region(page, "Youth chat").locator(".waiting-item")).to_have_count(1)
    page.keyboard.press("Alt+n")  # take the next client
    view = pane(page, conversation)
    composer = view.get_by_label("Message to the client")
    expect(composer).to_be_focused()
    page.keyboard.type("Näppäimistöllä")
    page.keyboard.press("Enter")
    wait_client_message(client, conversation, "Näppäimistöllä")
    # After a reload, the skip link is the first stop and leads to the main content.
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


# --- Access that ends ----------------------------------------------------------------------------


def as_an_admin_would(change: Callable[[], object]) -> None:
    """Make a change in another thread: this one keeps Playwright's event loop, in which the
    change's events (sent with async_to_sync after the commit) could not be sent."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run() -> None:
        try:
            change()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result()


def test_removal_from_a_desk_takes_its_queue_and_conversation_off_the_open_console(
    staff_page: Callable[..., Page], chat: Chat
) -> None:
    from desks.models import DeskMembership

    page = staff_page("counsellor")
    client, conversation = start_client(chat, "Pekka", "Moi")
    view = take(page, "Pekka", conversation)
    expect(desk_region(page, "Youth chat")).to_be_visible()

    as_an_admin_would(lambda: DeskMembership.objects.filter(staff__username="counsellor", desk__slug="youth").delete())

    expect(view).to_have_count(0)
    expect(desk_region(page, "Youth chat")).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text(re.compile("no longer have access|Your desks have changed"))
    # The desks he still works at stay, without a reload; the client is not left alone.
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    assert page.locator("section.desk").count() == 1
    client.wait_for("message", code="requeued")
    assert_no_page_errors(page)
