"""The client page, the embedded chat and the widget, in a real browser.

Each test drives Chromium as a client would and asserts what the client sees;
the counsellor's side is driven over the real protocol (tests/wsclient.py).
"""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import ClientLine
from tests.wsclient import ProtocolClient

expect.set_options(timeout=10_000)

WIDGET_STATIC = Path(__file__).resolve().parents[2] / "widget" / "static" / "widget"
DESK_NAMES = ["Youth chat", "Homework help", "Parents' line", "Study guidance for adults"]


def desk_button(page: Any, name: str) -> Any:
    """The button that starts a chat with a person (desks with the chatbot have one for each)."""
    person = re.compile("Chat with a person|Start chat")
    return page.locator("li.k-desk", has_text=name).get_by_role("button", name=person)


def start_chat(page: Any, live: Any, *, desk: str = "Youth chat", nickname: str = "", path: str = "/") -> int:
    """Open the client page, start a chat and return the conversation id."""
    page.goto(live.url + path)
    if nickname:
        page.get_by_label("Nickname (optional)").fill(nickname)
    desk_button(page, desk).click()
    expect(page.get_by_role("textbox", name="Your message")).to_be_focused()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    return int(page.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))


def send(page: Any, text: str, *, label: str = "Your message") -> None:
    box = page.get_by_role("textbox", name=label)
    box.fill(text)
    box.press("Enter")


def from_menu(page: Any, name: str) -> None:
    """Open the chat's menu and press one of its buttons (end the chat, download the transcript)."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name=name).click()


def own_messages(page: Any) -> Any:
    return page.locator("#k-log li.k-msg--client")


def stored_kohtaamo_keys(context: Any) -> list[str]:
    """Every kohtaamo.* key any origin keeps in localStorage in this browser context."""
    state = context.storage_state()
    return [
        item["name"]
        for origin in state["origins"]
        for item in origin.get("localStorage", [])
        if item["name"].startswith("kohtaamo.")
    ]


def take(staff: ProtocolClient, demo: Any, desk: str = "youth") -> int:
    staff.send({"type": "take", "desk": demo["desks"][desk].pk})
    return int(staff.wait_for("conversation")["conversation"]["id"])


# --- Starting and the queue -------------------------------------------------------------------


def test_client_page_lists_desks_and_shows_live_queue_position(new_page: Any, live: Any) -> None:
    page = new_page()
    page.goto(live.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chat anonymously")
    for name in DESK_NAMES:
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("Please don't use your real name.")).to_be_visible()

    start_chat(page, live, nickname="Mimi")
    expect(page.get_by_text("You are number 1 in the queue.")).to_be_visible()
    expect(page.get_by_text("You started a chat: Youth chat.")).to_be_visible()

    other = new_page()
    start_chat(other, live)
    expect(other.get_by_text("You are number 2 in the queue.")).to_be_visible()

    # The first one leaves: the second moves up without reloading.
    from_menu(page, "End chat")
    page.get_by_role("button", name="Yes, end the chat").click()
    expect(page.get_by_text("You ended the chat.")).to_be_visible()
    # The feedback form comes first (issue 12); skipping it leads to a new chat.
    expect(page.get_by_role("radio", name="1")).to_be_focused()
    expect(page.get_by_role("button", name="Start a new chat")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your message")).to_be_hidden()
    expect(other.get_by_text("You are number 1 in the queue.")).to_be_visible()


def test_end_chat_asks_first(new_page: Any, live: Any) -> None:
    page = new_page()
    start_chat(page, live)
    from_menu(page, "End chat")
    expect(page.get_by_text("Do you want to end the chat?")).to_be_visible()
    expect(page.get_by_role("button", name="No, continue")).to_be_focused()
    page.get_by_role("button", name="No, continue").click()
    expect(page.get_by_text("Do you want to end the chat?")).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_be_focused()
    expect(page.get_by_role("textbox", name="Your message")).to_be_visible()


# --- Messages -------------------------------------------------------------------------------


def test_message_is_shown_once_with_sent_mark_and_survives_reload(new_page: Any, live: Any) -> None:
    page = new_page()
    start_chat(page, live)
    send(page, "Hei, onko siellä joku?")
    expect(own_messages(page)).to_have_count(1)
    expect(own_messages(page).first.locator(".k-body")).to_have_text("Hei, onko siellä joku?")
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")
    expect(page.get_by_role("textbox", name="Your message")).to_have_value("")

    page.reload()
    expect(page.get_by_text("You are number 1 in the queue.")).to_be_visible()
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")
    page.wait_for_timeout(500)
    expect(own_messages(page)).to_have_count(1)
    expect(page.get_by_text("You started a chat: Youth chat.")).to_have_count(1)
    assert page.evaluate("localStorage.getItem('kohtaamo.token')")


def test_reload_in_a_new_tab_resumes_the_open_conversation(new_page: Any, live: Any) -> None:
    page = new_page()
    start_chat(page, live)
    send(page, "Ensimmäinen viesti")
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")
    # A new tab has no sessionStorage: the open conversation comes from `welcome`.
    tab = page.context.new_page()
    tab.goto(live.url + "/")
    expect(tab.locator("#k-log li.k-msg--client")).to_have_count(1)
    expect(tab.get_by_text("Ensimmäinen viesti")).to_be_visible()


def test_counsellor_reply_typing_indicator_and_read_marks(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient
) -> None:
    page = new_page()
    conversation = start_chat(page, live, nickname="Mimi")
    send(page, "Hei, onko siellä joku?")
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")

    assert take(counsellor, demo) == conversation
    expect(page.get_by_text("Kalle joined the chat.")).to_be_visible()
    expect(page.get_by_text("You are chatting with Kalle.")).to_be_visible()
    expect(page.get_by_text(re.compile("in the queue"))).to_be_hidden()

    # The counsellor sees the client typing, and that it stops when the message is sent.
    page.get_by_role("textbox", name="Your message").press_sequentially("Odotin")
    counsellor.wait_for("typing", sender="client", active=True)
    page.get_by_role("textbox", name="Your message").press("Enter")
    counsellor.wait_for("typing", sender="client", active=False)
    expect(own_messages(page)).to_have_count(2)

    counsellor.send({"type": "typing", "conversation": conversation, "active": True})
    expect(page.get_by_text("Kalle is typing…")).to_be_visible()
    ack = counsellor.say(conversation, "Hei Mimi! Täällä Kalle.")
    staff_message = page.locator("#k-log li.k-msg--staff")
    expect(staff_message).to_have_count(1)
    expect(staff_message.locator(".k-body")).to_have_text("Hei Mimi! Täällä Kalle.")
    expect(staff_message.locator(".k-who")).to_have_text("Kalle")
    expect(page.get_by_text("Kalle is typing…")).to_be_hidden()

    # The page is visible, so the client reads the reply at once and says so.
    receipt = counsellor.wait_for("receipt", side="client", read=ack["seq"])
    assert receipt["delivered"] >= ack["seq"]

    mark = own_messages(page).first.locator(".k-mark")
    counsellor.send({"type": "seen", "conversation": conversation, "delivered": ack["seq"]})
    expect(mark).to_have_text("Delivered")
    counsellor.send({"type": "seen", "conversation": conversation, "read": ack["seq"]})
    expect(mark).to_have_text("Read")

    counsellor.send({"type": "close", "conversation": conversation, "outcome": counsellor_outcome(counsellor)})
    expect(page.get_by_text("The chat has ended.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Start a new chat")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your message")).to_be_hidden()


def test_transfer_is_shown_and_the_client_waits_again(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient
) -> None:
    page = new_page()
    conversation = start_chat(page, live)
    take(counsellor, demo)
    expect(page.get_by_text("You are chatting with Kalle.")).to_be_visible()
    counsellor.send(
        {"type": "transfer", "conversation": conversation, "desk": demo["desks"]["parents"].pk, "note": "Vanhemmat"}
    )
    expect(page.get_by_text("Your chat was moved to Parents' line.")).to_be_visible()
    expect(page.get_by_role("heading", name="Parents' line")).to_be_visible()
    expect(page.get_by_text("You are number 1 in the queue.")).to_be_visible()
    expect(page.get_by_text("You are chatting with Kalle.")).to_be_hidden()
    # The private transfer note never reaches the client.
    expect(page.get_by_text("Vanhemmat", exact=True)).to_have_count(0)


def counsellor_outcome(staff: ProtocolClient) -> str:
    welcome = next(e for e in staff.events if e.get("type") == "welcome")
    return str(welcome["outcomes"][0]["value"])


def test_server_error_is_shown_and_text_kept(new_page: Any, live: Any, demo: Any) -> None:
    from conversations.models import Conversation

    page = new_page()
    conversation = start_chat(page, live)
    # The conversation closes behind the page's back (no event reaches it).
    Conversation.objects.filter(pk=conversation).update(status="closed")
    send(page, "Vielä yksi asia")
    alert = page.locator("#k-error")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_have_text("The conversation has ended.")
    expect(page.get_by_role("textbox", name="Your message")).to_have_value("Vielä yksi asia")
    expect(own_messages(page)).to_have_count(0)


def test_a_busy_desk_says_so_and_the_start_works_again_after_the_wait(new_page: Any, live: Any, settings: Any) -> None:
    # The desk has admitted all it may for now (as after a flood): one more in 2 s.
    settings.CHAT_DESK_ADMISSIONS_BURST = 0
    settings.CHAT_DESK_ADMISSIONS_PER_MINUTE = 30
    page = new_page()
    page.goto(live.url + "/")
    button = desk_button(page, "Youth chat")
    button.click()
    expect(page.locator("#k-start-error")).to_have_text(
        "Many people are trying to reach this desk right now. Try again in a moment."
    )
    expect(button).to_be_disabled()
    # Once the desk has room and the wait is over, the same button starts the chat.
    settings.CHAT_DESK_ADMISSIONS_BURST = 30
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()


def test_lost_connection_is_shown_and_unsent_messages_are_sent_after_reconnect(new_page: Any, live: Any) -> None:
    page = new_page()
    line = ClientLine(page)
    start_chat(page, live)
    line.cut()
    status = page.locator("#k-conn")
    expect(status).to_have_text("Connection lost. Reconnecting…")
    expect(status).to_have_attribute("role", "status")
    send(page, "Lähetetty katkon aikana")
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sending…")
    assert "Lähetetty katkon aikana" in page.evaluate("localStorage.getItem('kohtaamo.outbox')")

    line.restore()
    expect(status).to_be_hidden(timeout=20_000)
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")
    expect(own_messages(page)).to_have_count(1)
    assert page.evaluate("localStorage.getItem('kohtaamo.outbox')") is None


def test_message_whose_ack_was_lost_is_not_duplicated_after_reload(new_page: Any, live: Any) -> None:
    from conversations.models import Message

    page = new_page()

    def route(ws: Any) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))

        def from_server(message: str) -> None:
            # The server stores the message, but its ack and echo never reach the page.
            if '"type":"ack"' in message or ('"type":"message"' in message and '"sender":"client"' in message):
                return
            ws.send(message)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r".*/ws/client/$"), route)
    conversation = start_chat(page, live)
    send(page, "Tallessa mutta kuittaamatta")
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sending…")
    deadline = time.monotonic() + 10
    while not Message.objects.filter(conversation_id=conversation, sender_kind="client").exists():
        assert time.monotonic() < deadline, "the server did not store the message"
        time.sleep(0.05)

    # A new tab without the interception: the outbox is resent, and the server's copy wins.
    tab = page.context.new_page()
    page.close()
    tab.goto(live.url + "/")
    messages = tab.locator("#k-log li.k-msg--client")
    expect(messages.first.locator(".k-mark")).to_have_text("Sent")
    tab.wait_for_timeout(500)
    expect(messages).to_have_count(1)
    assert Message.objects.filter(conversation_id=conversation, sender_kind="client").count() == 1
    assert tab.evaluate("localStorage.getItem('kohtaamo.outbox')") is None


def test_html_in_messages_and_nickname_is_shown_as_text(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient
) -> None:
    page = new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: dialog.dismiss())
    nickname = "<img src=x onerror=window.pwned=1>"
    conversation = start_chat(page, live, nickname=nickname)
    expect(page.get_by_text(f"Your nickname: {nickname}")).to_be_visible()
    body = "<script>window.pwned=2</script><b>lihava</b>"
    send(page, body)
    expect(own_messages(page).first.locator(".k-body")).to_have_text(body)
    take(counsellor, demo)
    reply = '<img src=x onerror="window.pwned=3"><a href="javascript:alert(1)">linkki</a>'
    counsellor.say(conversation, reply)
    expect(page.locator("#k-log li.k-msg--staff .k-body")).to_have_text(reply)
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#k-log img, #k-log script, #k-log b, #k-log a, #k-chat-who img").count() == 0
    assert not [url for url in requests if url.endswith("/x")]


# --- Quick exit -------------------------------------------------------------------------------


def test_quick_exit_clears_the_chat_and_leaves(new_page: Any, live: Any, quick_exit_url: str) -> None:
    from conversations.models import Conversation

    page = new_page()
    conversation = start_chat(page, live)
    send(page, "Salainen viesti")
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")
    assert stored_kohtaamo_keys(page.context)

    page.get_by_role("button", name="Quick exit").click()
    expect(page).to_have_url(quick_exit_url)
    expect(page.get_by_role("heading", name="Weather today")).to_be_visible()
    assert stored_kohtaamo_keys(page.context) == []
    # The chat page was replaced, not left in the history.
    page.go_back()
    assert not page.url.startswith(live.url)
    # The counsellor is told that the client left (sent before leaving, best effort).
    deadline = time.monotonic() + 15
    while Conversation.objects.get(pk=conversation).status != "closed":
        assert time.monotonic() < deadline, "the conversation was not ended"
        time.sleep(0.05)


def test_escape_twice_is_a_quick_exit(new_page: Any, live: Any, quick_exit_url: str) -> None:
    page = new_page()
    start_chat(page, live)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(quick_exit_url)
    assert stored_kohtaamo_keys(page.context) == []


# --- Transcript ---------------------------------------------------------------------------------


def test_transcript_download_contains_the_messages(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient
) -> None:
    page = new_page()
    requests: list[str] = []
    conversation = start_chat(page, live)
    send(page, "Ensimmäinen kysymys")
    send(page, "Toinen rivi\nja kolmas")
    expect(own_messages(page)).to_have_count(2)
    expect(own_messages(page).nth(1).locator(".k-mark")).to_have_text("Sent")
    take(counsellor, demo)
    counsellor.say(conversation, "Vastaus sinulle")
    expect(page.get_by_text("Vastaus sinulle")).to_be_visible()

    page.on("request", lambda request: requests.append(request.url))
    from_menu(page, "Download transcript")
    # The client is told first that the file stays on the device.
    expect(page.get_by_text("The transcript is saved on this device.")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download", exact=True).click()
    download = info.value
    assert download.suggested_filename.endswith(".txt")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "Youth chat" in text
    assert "You: Ensimmäinen kysymys" in text
    assert "You: Toinen rivi\n    ja kolmas" in text
    assert "Kalle: Vastaus sinulle" in text
    assert "Kalle joined the chat." in text
    assert text.index("Ensimmäinen kysymys") < text.index("Vastaus sinulle")
    assert [url for url in requests if not url.startswith("blob:")] == []


# --- Layout and keyboard ----------------------------------------------------------------------------


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_no_horizontal_scroll_at_360px(new_page: Any, live: Any) -> None:
    page = new_page(viewport={"width": 360, "height": 740})
    page.goto(live.url + "/")
    assert no_horizontal_scroll(page)
    start_chat(page, live, nickname="Pitkä_nimimerkki_ilman_välejä_123456789")
    send(page, "x" * 300 + " https://example.invalid/" + "a" * 200)
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")
    assert no_horizontal_scroll(page)
    from_menu(page, "End chat")
    assert no_horizontal_scroll(page)
    # The quick exit stays in view while the chat scrolls.
    expect(page.get_by_role("button", name="Quick exit")).to_be_in_viewport()


def test_keyboard_only_flow(new_page: Any, live: Any) -> None:
    page = new_page()
    page.goto(live.url + "/")
    target = desk_button(page, "Youth chat")
    for _ in range(30):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the desk's button")
    outline = target.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none", "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Your message")
    expect(box).to_be_focused()
    page.keyboard.type("Rivi yksi")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("rivi kaksi")
    page.keyboard.press("Enter")
    expect(own_messages(page).first.locator(".k-body")).to_have_text("Rivi yksi\nrivi kaksi")
    expect(box).to_be_focused()


# --- Accessibility ----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["fi-FI", "en-US"])
@pytest.mark.parametrize("path", ["/", "/embed/"])
def test_client_pages_are_accessible(new_page: Any, live: Any, axe_check: Any, path: str, locale: str) -> None:
    page = new_page(locale=locale)
    page.goto(live.url + path)
    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    axe_check(page, label=f"{path} {locale} start")
    # The youth desk comes first (Desk.position): straight to a person, into its queue.
    page.locator("li.k-desk").first.locator("button[data-person]").click()
    expect(page.locator("#k-queue .k-pos")).to_be_visible()
    page.get_by_role("textbox").last.fill("Hei")
    page.get_by_role("textbox").last.press("Enter")
    expect(page.locator("#k-log li.k-msg--client .k-mark")).to_have_attribute("data-state", "sent")
    axe_check(page, label=f"{path} {locale} chat")


@pytest.mark.parametrize("locale", ["fi-FI", "en-US"])
def test_widget_test_page_with_widget_open_is_accessible(new_page: Any, live: Any, axe_check: Any, locale: str) -> None:
    page = new_page(locale=locale)
    page.goto(live.url + "/widget-test/")
    page.get_by_role("button", name="Avaa chat").click()
    frame_element = page.locator("iframe.kohtaamo-w-frame")
    expect(frame_element).to_be_visible()
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    expect(frame.locator("#k-start-form")).to_be_visible()
    axe_check(page, label=f"/widget-test/ {locale}")
    axe_check(frame, label=f"/embed/ in the widget {locale}")


# --- The embeddable widget -----------------------------------------------------------------------------


def test_widget_opens_chat_in_iframe_and_quick_exit_replaces_host_page(
    new_page: Any, live: Any, quick_exit_url: str
) -> None:
    page = new_page()
    page.goto(live.url + "/widget-test/")
    launcher = page.get_by_role("button", name="Avaa chat")
    expect(launcher).to_be_visible()
    launcher.focus()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    frame_element = page.locator("iframe.kohtaamo-w-frame")
    expect(frame_element).to_be_visible()
    expect(frame_element).to_have_attribute("title", "Kohtaamo-chat")
    # The chat opens in the host page's language (the test page is in Finnish).
    assert frame_element.get_attribute("src") == live.url + "/embed/?lang=fi"

    # Closing hides the panel and gives focus back to the launcher.
    # "Minimise", so that nobody takes it for ending the chat.
    page.get_by_role("button", name="Pienennä chat").click()
    expect(frame_element).to_be_hidden()
    expect(launcher).to_be_focused()
    launcher.click()

    # The host page is in Finnish, so the chat opens in Finnish.
    chat = page.frame_locator("iframe.kohtaamo-w-frame")
    chat.locator("li.k-desk", has_text="Nuorten chat").get_by_role("button", name="Juttele ihmisen kanssa").click()
    expect(chat.get_by_text("Olet jonossa sijalla 1.")).to_be_visible()
    send(chat, "Viesti widgetistä", label="Viestisi")
    expect(chat.locator("#k-log li.k-msg--client .k-mark")).to_have_text("Lähetetty")
    assert stored_kohtaamo_keys(page.context)

    chat.get_by_role("button", name="Poistu nopeasti").click()
    expect(page).to_have_url(quick_exit_url)
    expect(page.get_by_role("heading", name="Weather today")).to_be_visible()
    assert stored_kohtaamo_keys(page.context) == []


def test_widget_ignores_messages_from_other_origins(new_page: Any, live: Any) -> None:
    page = new_page()
    page.goto(live.url + "/widget-test/")
    page.get_by_role("button", name="Avaa chat").click()
    expect(page.locator("iframe.kohtaamo-w-frame")).to_be_visible()
    # The host page itself (not the chat frame) posts a quick-exit: nothing happens.
    page.evaluate("window.postMessage({type: 'kohtaamo:quick-exit', url: 'https://weather.example/'}, '*')")
    page.wait_for_timeout(300)
    assert page.url == live.url + "/widget-test/"
    expect(page.locator("iframe.kohtaamo-w-frame")).to_be_visible()


def test_widget_scripts_and_styles_are_small() -> None:
    # The widget's own files and every shared module (static/kohtaamo/: stream, texts, lines, attachments,
    # calls, ...), whether the client page imports it or not; only the staff pages' own styles are left out.
    shared = WIDGET_STATIC.parents[2] / "static" / "kohtaamo"
    files = [p for p in WIDGET_STATIC.iterdir() if p.suffix in (".js", ".css")]
    files += [p for p in shared.iterdir() if p.suffix in (".js", ".css") and p.name != "staff.css"]
    assert {"kohtaamo-widget.js", "kohtaamo-widget.css", "client.js", "client.css"} <= {p.name for p in files}
    total = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in files)
    print(f"widget scripts and styles: {total} bytes gzipped")
    assert total < 60 * 1024


# --- Privacy -------------------------------------------------------------------------------------------


def test_no_request_leaves_the_server(new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient) -> None:
    page = new_page()
    requests: list[str] = []
    sockets: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    conversation = start_chat(page, live)
    send(page, "Hei")
    take(counsellor, demo)
    counsellor.say(conversation, "Moi")
    expect(page.get_by_text("Moi", exact=True)).to_be_visible()
    page.goto(live.url + "/embed/")
    expect(page.get_by_text("Moi", exact=True)).to_be_visible()
    page.goto(live.url + "/widget-test/")
    page.get_by_role("button", name="Avaa chat").click()
    expect(page.frame_locator("iframe.kohtaamo-w-frame").get_by_text("Moi", exact=True)).to_be_visible()

    assert requests
    outside = [url for url in requests if not url.startswith(live.url + "/") and not url.startswith("blob:")]
    assert outside == []
    assert sockets and all(url == live.ws_url + "/ws/client/" for url in sockets)


def test_language_switch_reloads_and_resumes_the_chat(new_page: Any, live: Any) -> None:
    page = new_page()
    start_chat(page, live)
    send(page, "Kieli vaihtuu")
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Sent")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Suomi").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.get_by_role("button", name="Valikko").click()
    expect(page.get_by_role("link", name="Suomi")).to_have_attribute("aria-current", "true")
    # (The Finnish texts come from widget/locale; `make messages` compiles them.)
    expect(page.get_by_role("button", name="Poistu nopeasti")).to_be_visible()
    expect(page.get_by_text("Olet jonossa sijalla 1.")).to_be_visible()
    expect(own_messages(page).first.locator(".k-mark")).to_have_text("Lähetetty")
    expect(own_messages(page)).to_have_count(1)
    expect(own_messages(page).first.locator(".k-body")).to_have_text("Kieli vaihtuu")
    expect(page.locator("#k-queue .k-pos")).to_be_visible()
