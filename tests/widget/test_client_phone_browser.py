"""The client's chat on real phone sizes, at 200 % zoom and in the embedded widget: the newest
message and the message box stay on screen, new messages stay in view (or a button says they
came), and a client who looks elsewhere learns that someone answered.

The counsellor's side is driven over the real protocol (tests/wsclient.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.demo import YOUTH_NAMES
from tests.widget.test_client_browser import from_menu, send, start_chat, stored_kohtaamo_keys, take
from tests.wsclient import ProtocolClient

expect.set_options(timeout=10_000)

# Whether an element is wholly on screen: inside the window and, for a line of the log, inside
# the part of the log that is scrolled into view.
IN_VIEW = """element => {
  const r = element.getBoundingClientRect();
  let top = 0, bottom = window.innerHeight;
  const log = element.closest('.k-log');
  if (log) {
    const l = log.getBoundingClientRect();
    top = Math.max(top, l.top);
    bottom = Math.min(bottom, l.bottom);
  }
  return r.height > 0 && r.top >= top - 1 && r.bottom <= bottom + 1 && r.left >= -1 && r.right <= innerWidth + 1;
}"""
PAGE_SCROLLS = "document.scrollingElement.scrollHeight > window.innerHeight"

# Phones are emulated as phones (touch, no hover, a mobile viewport). 200 % zoom: a browser
# zoomed to 200 % on a 1280x844 window lays the page out in a 640x422 CSS-pixel viewport with
# two device pixels per CSS pixel. That is exactly what a 640x422 viewport with
# device_scale_factor 2 gives, media queries and visualViewport included; CSS `zoom` or a
# transform would not change the viewport the page lays itself out in.
SIZES: dict[str, dict[str, Any]] = {
    "320x568": {"viewport": {"width": 320, "height": 568}, "is_mobile": True, "has_touch": True},
    "375x667": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True},
    "390x844": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "844x390": {"viewport": {"width": 844, "height": 390}, "is_mobile": True, "has_touch": True},
    "zoom200": {"viewport": {"width": 640, "height": 422}, "device_scale_factor": 2},
}


def widget_frame(page: Any) -> Any:
    """The chat's frame in the opened widget, once its page has loaded."""
    element = page.locator("iframe.kohtaamo-w-frame")
    expect(element).to_be_visible()
    frame = element.element_handle().content_frame()
    frame.wait_for_load_state()
    return frame


def in_view(locator: Any) -> bool:
    return bool(locator.evaluate(IN_VIEW))


def no_violations(axe_check: Any, target: Any, label: str) -> None:
    """axe-core finds nothing at all, of any impact (axe_check itself fails only on serious ones)."""
    violations = axe_check(target, label=label)
    assert violations == [], [f"{v['impact']} {v['id']}" for v in violations]


def send_stored(page: Any, text: str) -> None:
    """Send as the client and wait until the server has stored the message."""
    send(page, text)
    expect(page.locator("#k-log li.k-msg--client").last.locator(".k-mark")).to_have_text("Sent")


def a_few_messages(page: Any, counsellor: ProtocolClient, demo: Any, live: Any) -> int:
    """Start a chat, have Kalle take it, and exchange a few messages; returns the conversation."""
    conversation = start_chat(page, live)
    send_stored(page, "Hei, onko siellä joku?")
    take(counsellor, demo)
    counsellor.say(conversation, "Hei! Täällä Kalle. Kerro vaan, mitä mielessä.")
    send_stored(page, "Mulla on ollut vähän vaikeaa koulussa viime aikoina.")
    counsellor.say(conversation, "Kiitos, että kerroit. Mikä koulussa on ollut vaikeinta?")
    send_stored(page, "Ryhmätyöt lähinnä.")
    counsellor.say(conversation, "Viimeisin viesti")
    expect(page.get_by_text("Viimeisin viesti")).to_be_visible()
    return conversation


def newest(page: Any) -> Any:
    return page.locator("#k-log li").last


def assert_fits(page: Any, box: Any) -> None:
    expect(newest(page)).to_contain_text("Viimeisin viesti")
    expect(newest(page)).to_be_in_viewport(ratio=1)
    assert in_view(newest(page)), "the newest message is not in view"
    assert in_view(box), "the message box is not in view"
    assert not page.evaluate(PAGE_SCROLLS), "the page itself scrolls"


@pytest.mark.parametrize("size", list(SIZES))
def test_the_newest_message_and_the_box_fit_the_screen(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any, size: str
) -> None:
    options = SIZES[size]
    page = new_page(**options)
    a_few_messages(page, counsellor, demo, live)
    box = page.get_by_role("textbox", name="Your message")
    assert_fits(page, box)
    # The header is one line: the desk, the menu and the quick exit side by side.
    header = page.get_by_role("banner")
    line_height = page.get_by_role("button", name="Quick exit").bounding_box()["height"]
    assert header.bounding_box()["height"] < line_height * 1.6
    expect(page.get_by_role("button", name="End chat")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # Touch screens get no keyboard hints.
    hint = page.get_by_text("Enter sends the message.")
    if options.get("has_touch"):
        expect(hint).to_be_hidden()
    else:
        expect(hint).to_be_visible()

    # The on-screen keyboard takes about 40 % of the height: the box and the newest message stay above it.
    box.focus()
    viewport = options["viewport"]
    page.set_viewport_size({"width": viewport["width"], "height": int(viewport["height"] * 0.6)})
    expect(box).to_be_focused()
    expect(newest(page)).to_be_in_viewport(ratio=1)
    assert_fits(page, box)
    page.set_viewport_size(viewport)
    no_violations(axe_check, page, f"chat at {size}")


def test_body_text_follows_the_browsers_font_size(new_page: Any, live: Any) -> None:
    page = new_page()
    page.goto(live.url + "/")
    sizes = page.evaluate(
        """() => {
          const body = document.body, before = parseFloat(getComputedStyle(body).fontSize);
          document.documentElement.style.fontSize = '24px';
          const after = parseFloat(getComputedStyle(body).fontSize);
          return [before, after];
        }"""
    )
    assert sizes == [16, 24]


def test_the_embedded_widget_fits_its_panel(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any
) -> None:
    page = new_page(viewport={"width": 1024, "height": 768})
    page.goto(live.url + "/widget-test/")
    page.get_by_role("button", name="Avaa chat").click()
    panel = page.locator(".kohtaamo-w-panel")
    box = panel.bounding_box()
    assert (box["width"], box["height"]) == (400, 640)
    frame = widget_frame(page)
    frame.locator("li.k-desk", has_text="Nuorten chat").get_by_role("button", name="Juttele ihmisen kanssa").click()
    expect(frame.get_by_text("Olet jonossa sijalla 1.")).to_be_visible()
    conversation = int(frame.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))
    send(frame, "Hei widgetistä", label="Viestisi")
    take(counsellor, demo)
    for text in ("Hei! Täällä Kalle.", "Kerro vaan.", "Viimeisin viesti"):
        counsellor.say(conversation, text)
    expect(frame.get_by_text("Viimeisin viesti")).to_be_visible()
    assert_fits(frame, frame.get_by_role("textbox", name="Viestisi"))
    # The frame itself is wholly inside the host page's window.
    frame_box = page.locator("iframe.kohtaamo-w-frame").bounding_box()
    assert frame_box["y"] >= 0 and frame_box["y"] + frame_box["height"] <= 768
    expect(page.get_by_role("button", name="Pienennä chat")).to_be_visible()
    no_violations(axe_check, frame, "chat in the widget")


# --- The menu -------------------------------------------------------------------------------------


def test_the_menu_works_by_keyboard(new_page: Any, live: Any, axe_check: Any) -> None:
    page = new_page(viewport={"width": 360, "height": 640})
    start_chat(page, live)
    menu_button = page.get_by_role("button", name="Menu")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    sound = page.get_by_label("Sound and vibration when someone answers")
    expect(sound).to_be_focused()
    for control in (
        sound,
        page.get_by_label("Notify me when someone answers"),
        page.get_by_role("button", name="Download transcript"),
        page.get_by_role("button", name="End chat"),
        page.get_by_role("link", name="Suomi"),
    ):
        expect(control).to_be_in_viewport(ratio=1)
    no_violations(axe_check, page, "chat with the menu open")

    # Esc closes it and gives the focus back to its button; one Esc is no quick exit.
    page.keyboard.press("Escape")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(menu_button).to_be_focused()
    expect(page.get_by_role("button", name="End chat")).to_be_hidden()
    page.wait_for_timeout(900)  # not a double press: the next Esc is a single one again
    assert page.url.startswith(live.url)

    # The choice is kept in this browser.
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    expect(sound).to_be_checked()
    page.reload()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_label("Sound and vibration when someone answers")).to_be_checked()
    # A click outside closes it.
    page.get_by_role("log").click(position={"x": 5, "y": 5})
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")


# --- Messages in view ----------------------------------------------------------------------------


def fill_the_log(page: Any, counsellor: ProtocolClient, conversation: int, count: int = 14) -> None:
    for i in range(1, count + 1):
        counsellor.say(conversation, f"Aiempi viesti {i}")
    expect(page.get_by_text(f"Aiempi viesti {count}", exact=True)).to_be_visible()


def scroll_log_to_top(page: Any) -> None:
    page.locator("#k-log").evaluate("log => { log.scrollTop = 0; }")
    expect(page.get_by_text("You started a chat: Youth chat.")).to_be_in_viewport()


def test_new_messages_follow_at_the_bottom_and_a_button_tells_when_scrolled_up(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any
) -> None:
    page = new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    conversation = start_chat(page, live)
    take(counsellor, demo)
    fill_the_log(page, counsellor, conversation)
    # At the bottom: each new message comes into view, and no button.
    counsellor.say(conversation, "Tämä näkyy heti")
    line = page.get_by_text("Tämä näkyy heti")
    expect(line).to_be_in_viewport(ratio=1)
    assert in_view(line)
    newer = page.locator("#k-newer")
    expect(newer).to_be_hidden()

    # Scrolled up to read: the new one does not pull the log down; a button says it came.
    scroll_log_to_top(page)
    counsellor.say(conversation, "Uusi viesti alhaalla")
    expect(newer).to_be_visible()
    expect(newer).to_have_text("1 new message")
    expect(page.locator("#k-announce")).to_have_text("1 new message")
    expect(page.locator("#k-announce")).to_have_attribute("role", "status")
    counsellor.say(conversation, "Toinen uusi")
    expect(newer).to_have_text("2 new messages")
    assert not in_view(page.get_by_text("Toinen uusi"))
    expect(page.get_by_text("You started a chat: Youth chat.")).to_be_in_viewport()
    no_violations(axe_check, page, "chat with the new-messages button")

    newer.click()
    expect(newer).to_be_hidden()
    expect(page.get_by_text("Toinen uusi")).to_be_in_viewport(ratio=1)
    assert in_view(page.get_by_text("Toinen uusi"))

    # Scrolling down by hand hides the button as well.
    scroll_log_to_top(page)
    counsellor.say(conversation, "Kolmas uusi")
    expect(newer).to_be_visible()
    page.locator("#k-log").evaluate("log => { log.scrollTop = log.scrollHeight; }")
    expect(newer).to_be_hidden()


def test_after_a_reload_the_log_opens_at_the_first_unread_message(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient
) -> None:
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    conversation = start_chat(page, live)
    take(counsellor, demo)
    fill_the_log(page, counsellor, conversation, count=20)
    scroll_log_to_top(page)
    for i in range(1, 16):
        counsellor.say(conversation, f"Lukematon {i}")
    expect(page.locator("#k-newer")).to_have_text("15 new messages")

    page.reload()
    first_unread = page.get_by_text("Lukematon 1", exact=True)
    expect(first_unread).to_be_in_viewport(ratio=1)
    assert in_view(first_unread)
    # The rest are below, and the button says how many there are.
    assert not in_view(page.get_by_text("Lukematon 15", exact=True))
    expect(page.locator("#k-newer")).to_be_visible()

    # Once everything has been seen, a reload opens at the newest line.
    page.locator("#k-newer").click()
    expect(page.get_by_text("Lukematon 15", exact=True)).to_be_in_viewport(ratio=1)
    page.wait_for_timeout(400)  # the page notes what has been seen a moment after scrolling
    page.reload()
    expect(page.get_by_text("Lukematon 15", exact=True)).to_be_in_viewport(ratio=1)
    expect(page.locator("#k-newer")).to_be_hidden()


# --- Knowing someone answered --------------------------------------------------------------------

# Records what the page asks of the system: notifications (a real one is still made), vibration,
# permission requests.
RECORDER = """
(() => {
  window.__notes = [];
  window.__vibrations = [];
  window.__asked = 0;
  const Real = window.Notification;
  if (Real) {
    class Recorded extends Real {
      constructor(title, options = {}) {
        super(title, options);
        window.__notes.push({ title, body: options.body || '' });
      }
    }
    Recorded.requestPermission = (...args) => { window.__asked += 1; return Real.requestPermission(...args); };
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    window.Notification = Recorded;
  }
  navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
})();
"""

# The page is put in the background as a browser does when the client switches to another tab or
# app: the document becomes hidden and says so with `visibilitychange`. (Playwright keeps every page
# "focused" and visible, so the switch is played here.)
SET_VISIBILITY = """hidden => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def icon_hrefs(page: Any) -> list[str]:
    return list(page.locator("link[rel~=icon]").evaluate_all("links => links.map(l => l.getAttribute('href'))"))


def test_a_client_who_looks_elsewhere_learns_that_someone_joined_and_wrote(
    browser: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any
) -> None:
    context = browser.new_context(locale="en-US")
    try:
        context.grant_permissions(["notifications"], origin=live.url)
        context.add_init_script(RECORDER)
        page = context.new_page()
        conversation = start_chat(page, live)
        title = page.title()
        normal_icons = icon_hrefs(page)
        assert normal_icons and all("favicon" in href for href in normal_icons)

        # The client turns on the sound and the notifications in the menu.
        page.get_by_role("button", name="Menu").click()
        page.get_by_label("Sound and vibration when someone answers").check()
        page.get_by_label("Notify me when someone answers").check()
        expect(page.get_by_label("Notify me when someone answers")).to_be_checked()
        page.keyboard.press("Escape")

        page.evaluate(SET_VISIBILITY, True)
        take(counsellor, demo)
        joined = page.locator("#k-log li.k-sys--joined")
        expect(joined).to_have_text("Kalle joined the chat.")
        expect(page).to_have_title(f"(1) New message – {title}")
        assert all("favicon-badge" in href for href in icon_hrefs(page))
        counsellor.say(conversation, "Salainen vastaus")
        expect(page).to_have_title(f"(2) New messages – {title}")
        notes = page.evaluate("window.__notes")
        assert notes == [
            {"title": "Kohtaamo chat", "body": "Someone joined your chat."},
            {"title": "Kohtaamo chat", "body": "You have a new message in the chat."},
        ]
        assert len(page.evaluate("window.__vibrations")) == 2
        # Permission was already granted: the page did not ask again.
        assert page.evaluate("window.__asked") == 0

        # Seen again: the title and the icon are what they were.
        page.evaluate(SET_VISIBILITY, False)
        expect(page).to_have_title(title)
        assert icon_hrefs(page) == normal_icons

        # The joined line stands out from the other system lines and is read out (the log is a live region).
        started = page.locator("#k-log li.k-sys").first
        assert joined.evaluate("e => getComputedStyle(e).fontWeight") != started.evaluate(
            "e => getComputedStyle(e).fontWeight"
        )
        expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
        # While the client is looking, nothing is signalled.
        counsellor.say(conversation, "Näetkö tämän?")
        expect(page.get_by_text("Näetkö tämän?")).to_be_visible()
        expect(page).to_have_title(title)
        assert len(page.evaluate("window.__notes")) == 2
        no_violations(axe_check, page, "chat after Kalle joined")
    finally:
        context.close()


def test_notifications_are_asked_for_only_on_the_clients_click(browser: Any, live: Any, demo: Any) -> None:
    context = browser.new_context(locale="en-US")
    try:
        context.add_init_script(RECORDER)
        page = context.new_page()
        start_chat(page, live)
        page.wait_for_timeout(300)
        assert page.evaluate("window.__asked") == 0
        page.get_by_role("button", name="Menu").click()
        notify = page.get_by_label("Notify me when someone answers")
        expect(page.get_by_text("The notification does not show what was written.")).to_be_visible()
        context.clear_permissions()
        page.evaluate(
            "() => { window.Notification.requestPermission = async () => { window.__asked += 1; return 'denied'; }; }"
        )
        notify.click()
        # The browser refused: the choice stays off and the client is told how to allow it.
        expect(notify).not_to_be_checked()
        expect(page.get_by_text("Your browser does not allow notifications from this page.")).to_be_visible()
        assert page.evaluate("window.__asked") == 1
        assert page.evaluate("localStorage.getItem('kohtaamo.notify')") is None
    finally:
        context.close()


# --- Small things -------------------------------------------------------------------------------------


def test_escape_twice_while_writing_asks_and_a_third_escape_leaves(
    new_page: Any, live: Any, quick_exit_url: str, axe_check: Any
) -> None:
    page = new_page()
    start_chat(page, live)
    box = page.get_by_role("textbox", name="Your message")
    box.fill("Kirjoitan tätä vielä")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("Leave the chat now?")
    expect(page.get_by_role("button", name="Leave now")).to_be_focused()
    assert page.url.startswith(live.url)
    no_violations(axe_check, page, "the question before leaving while writing")

    # Staying keeps what was written.
    page.get_by_role("button", name="Stay in the chat").click()
    expect(question).to_be_hidden()
    expect(box).to_be_focused()
    expect(box).to_have_value("Kirjoitan tätä vielä")

    # Writing on puts the question away: a later single Esc does not leave.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(question).to_be_visible()
    box.press_sequentially(" ja vielä")
    expect(question).to_be_hidden()
    page.wait_for_timeout(900)  # the next Esc is a single one
    page.keyboard.press("Escape")
    expect(question).to_be_hidden()
    assert page.url.startswith(live.url)

    # Esc twice asks again, and one more Esc leaves at once.
    page.wait_for_timeout(900)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(question).to_be_visible()
    page.keyboard.press("Escape")
    expect(page).to_have_url(quick_exit_url)
    assert stored_kohtaamo_keys(page.context) == []


def test_the_quick_exit_button_leaves_at_once_even_while_writing(new_page: Any, live: Any, quick_exit_url: str) -> None:
    page = new_page()
    start_chat(page, live)
    page.get_by_role("textbox", name="Your message").fill("Kesken")
    page.get_by_role("button", name="Quick exit").click()
    expect(page).to_have_url(quick_exit_url)
    assert stored_kohtaamo_keys(page.context) == []


def test_the_end_of_the_chat_is_said_once(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any
) -> None:
    page = new_page()
    conversation = start_chat(page, live)
    take(counsellor, demo)
    welcome = next(e for e in counsellor.events if e.get("type") == "welcome")
    counsellor.send({"type": "close", "conversation": conversation, "outcome": welcome["outcomes"][0]["value"]})
    expect(page.get_by_role("button", name="Start a new chat")).to_be_visible()
    expect(page.get_by_text(re.compile("chat has ended"))).to_have_count(1)
    expect(page.get_by_text("Thank you for writing to us!")).to_be_visible()
    no_violations(axe_check, page, "the ended chat")


def test_the_download_warns_that_the_file_stays_on_the_device(new_page: Any, live: Any, axe_check: Any) -> None:
    page = new_page()
    start_chat(page, live)
    from_menu(page, "Download transcript")
    warning = page.get_by_text("The transcript is saved on this device. Anyone who uses this device may find it later.")
    expect(warning).to_be_visible()
    expect(page.get_by_role("button", name="Download", exact=True)).to_be_focused()
    no_violations(axe_check, page, "the download warning")
    page.get_by_role("button", name="Cancel").click()
    expect(warning).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_be_focused()


HOST_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Host</title></head>
<body><h1>Host</h1><script src="{src}" async{attr}></script></body></html>"""


@pytest.mark.parametrize(
    ("lang", "attr", "launcher", "minimise", "chat_lang"),
    [
        ("sv", "", "Öppna chatten", "Minimera chatten", "sv"),
        ("en", "", "Open chat", "Minimise chat", "en"),
        ("fi", ' data-lang="en"', "Open chat", "Minimise chat", "en"),
    ],
)
def test_the_widget_speaks_the_host_pages_language(
    new_page: Any, live: Any, lang: str, attr: str, launcher: str, minimise: str, chat_lang: str
) -> None:
    page = new_page()
    host = live.url + "/host-page/"
    src = live.url + "/static/widget/kohtaamo-widget.js"
    page.route(
        host,
        lambda route: route.fulfill(body=HOST_PAGE.format(lang=lang, src=src, attr=attr), content_type="text/html"),
    )
    page.goto(host)
    page.get_by_role("button", name=launcher).click()
    frame = page.locator("iframe.kohtaamo-w-frame")
    expect(frame).to_have_attribute("src", f"{live.url}/embed/?lang={chat_lang}")
    expect(page.frame_locator("iframe.kohtaamo-w-frame").locator("html")).to_have_attribute("lang", chat_lang)
    page.get_by_role("button", name=minimise).click()
    expect(frame).to_be_hidden()
    expect(page.get_by_role("button", name=launcher)).to_be_focused()


def test_every_page_has_the_favicon(new_page: Any, live: Any) -> None:
    page = new_page()
    # /console/ shows the login page to a visitor; /admin/login/ is Django's admin with Kohtaamo's icon.
    for path in ("/", "/embed/", "/console/", "/admin/login/"):
        page.goto(live.url + path)
        hrefs = icon_hrefs(page)
        assert len(hrefs) == 2, (path, hrefs)
        for href in hrefs:
            response = page.request.get(live.url + href)
            assert response.ok and response.headers["content-type"].startswith("image/"), href


def test_the_minimised_widget_says_that_someone_answered(
    new_page: Any, live: Any, demo: Any, counsellor: ProtocolClient, axe_check: Any
) -> None:
    page = new_page()
    page.goto(live.url + "/widget-test/")
    page.get_by_role("button", name="Avaa chat").click()
    frame = widget_frame(page)
    frame.locator("li.k-desk", has_text="Nuorten chat").get_by_role("button", name="Juttele ihmisen kanssa").click()
    expect(frame.get_by_text("Olet jonossa sijalla 1.")).to_be_visible()
    page.get_by_role("button", name="Pienennä chat").click()
    launcher = page.get_by_role("button", name="Avaa chat", exact=True)
    expect(launcher).to_be_focused()

    take(counsellor, demo)
    news = page.get_by_role("button", name="Avaa chat – uusia viestejä")
    expect(news).to_be_visible()
    no_violations(axe_check, page, "host page with news on the launcher")
    # Opening the chat shows the line, and the launcher is plain again.
    news.click()
    expect(frame.locator("li.k-sys--joined")).to_have_text("Kalle tuli chattiin.")
    page.get_by_role("button", name="Pienennä chat").click()
    expect(launcher).to_be_visible()


@pytest.mark.parametrize("locale", ["fi-FI", "sv-SE", "en-US"])
def test_the_header_is_one_line_in_every_language_on_the_smallest_phone(
    new_page: Any, live: Any, axe_check: Any, locale: str
) -> None:
    page = new_page(locale=locale, **SIZES["320x568"])
    page.goto(live.url + "/")
    # The chat with a person (beside it: the chatbot, and leaving a message).
    page.locator("li.k-desk", has_text=YOUTH_NAMES[locale[:2]]).locator("button[data-person]").click()
    box = page.locator("#k-text")
    expect(box).to_be_focused()
    exit_height = page.locator("#k-exit").bounding_box()["height"]
    assert page.get_by_role("banner").bounding_box()["height"] < exit_height * 1.6
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert in_view(box)
    assert not page.evaluate(PAGE_SCROLLS)
    # The menu opens wholly on screen.
    page.locator("#k-menu-button").click()
    for control in page.locator("#k-menu").locator("input, button, a").all():
        if control.is_visible():
            expect(control).to_be_in_viewport(ratio=1)
    no_violations(axe_check, page, f"menu at 320 px, {locale}")
