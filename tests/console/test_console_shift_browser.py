"""A counsellor's shift in the console, in a real browser (issue 11): system notifications,
the queue's preview, unread counts, canned replies found by "/", and the transfer dialog.

System notifications: the browser context is granted the permission, and an init
script wraps `window.Notification` so that each one created is recorded (and the
real one is still made). The console is made "in the background" by the same init
script overriding `document.visibilityState`, `document.hidden` and
`document.hasFocus()` (switched by `window.kohtaamoTestHidden`, with the
`visibilitychange` event the browser would send): a second tab in front does not
make a headless page hidden reliably.

Every new state is checked with axe-core, with no violation of any impact allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from bot.cache import get_bot
from tests.browser import run_axe
from tests.chat_helpers import Chat
from tests.console.test_console_bot_browser import start_with_bot
from tests.console.test_console_browser import (  # noqa: F401  (fixtures used by name)
    assert_no_page_errors,
    chat,
    desk_region,
    new_context,
    no_horizontal_scroll,
    pane,
    staff_page,
    start_client,
    take,
    wait_client_message,
)
from tests.protocol.test_protocol_bot import bot_reply

NARROW = {"width": 360, "height": 740}

RECORD_NOTIFICATIONS = """
(() => {
  window.kohtaamoTestHidden = false;
  const hidden = () => window.kohtaamoTestHidden === true;
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true,
    get: () => (hidden() ? "hidden" : "visible"),
  });
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: hidden });
  Document.prototype.hasFocus = () => !hidden();
  window.kohtaamoTestNotifications = [];
  window.kohtaamoTestShown = [];
  const Real = window.Notification;
  if (!Real) return;
  class Recorded extends Real {
    constructor(title, options = {}) {
      super(title, options);
      window.kohtaamoTestNotifications.push({ title, body: options.body || "", tag: options.tag || "" });
      window.kohtaamoTestShown.push(this);
    }
  }
  window.Notification = Recorded;
})();
"""


def no_violations(page: Page, label: str) -> None:
    """axe-core finds nothing, of any impact."""
    violations = run_axe(page, label=label)
    assert violations == [], f"{label}: {[(v['id'], v['impact']) for v in violations]}"


def console_with_notifications(
    staff_page: Callable[..., Page],  # noqa: F811
    live: Any,
    username: str = "counsellor",
    *,
    granted: bool = True,
    **options: Any,
) -> Page:
    """A console page whose Notification calls are recorded and whose visibility the test switches."""
    page = staff_page(username, path="/console/canned/", **options)
    if granted:
        page.context.grant_permissions(["notifications"], origin=live.url)
    page.add_init_script(RECORD_NOTIFICATIONS)
    page.goto(live.url + "/console/")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    return page


def set_hidden(page: Page, hidden: bool) -> None:
    """The console goes behind another window (or comes back), as far as the page can tell."""
    page.evaluate(
        "(hidden) => { window.kohtaamoTestHidden = hidden; document.dispatchEvent(new Event('visibilitychange')); }",
        hidden,
    )


def notifications(page: Page) -> list[dict[str, str]]:
    result: list[dict[str, str]] = page.evaluate("window.kohtaamoTestNotifications")
    return result


def wait_notifications(page: Page, count: int) -> list[dict[str, str]]:
    page.wait_for_function("(n) => window.kohtaamoTestNotifications.length >= n", arg=count)
    return notifications(page)


def click_notification(page: Page, index: int) -> None:
    """What the system does when the counsellor clicks the notification."""
    page.evaluate("(i) => window.kohtaamoTestShown[i].dispatchEvent(new Event('click'))", index)


def open_settings(page: Page) -> Any:
    settings = page.locator("#notify-settings")
    if settings.get_attribute("open") is None:
        settings.get_by_text("Notifications and sounds").click()
    return settings


def test_notifications_for_a_new_client_a_reply_and_a_crisis_each_open_what_they_tell(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
    live: Any,
) -> None:
    get_bot()
    page = console_with_notifications(staff_page, live)
    settings = open_settings(page)
    expect(settings.locator("#notify-permission")).to_have_text("System notifications are on in this browser.")
    expect(settings.get_by_role("button", name="Allow system notifications")).to_be_hidden()
    for legend in ("New client in the queue", "Crisis alert", "Reply in my conversations"):
        group = settings.get_by_role("group", name=legend)
        expect(group.get_by_label("System notification")).to_be_checked()
    expect(settings.get_by_role("group", name="Reply in my conversations").get_by_label("Sound")).not_to_be_checked()
    no_violations(page, "console with the notification settings open")

    # In front, nothing shows: the console itself tells.
    mimi, first = start_client(chat, "Mimi", "Hei")
    expect(page.locator(".waiting-item")).to_have_count(1)
    assert notifications(page) == []

    # Behind another window: a new client in the queue.
    set_hidden(page, True)
    olli, second = start_client(chat, "Olli", "Moi")
    shown = wait_notifications(page, 1)
    youth = page.evaluate("window.kohtaamoConsole.state.welcome.desks.find((d) => d.slug === 'youth').id")
    assert shown[0] == {
        "title": "A new client is waiting at Youth chat.",
        "body": "2 waiting",
        "tag": f"kohtaamo-queue-{youth}",
    }
    # Only who, never what: the client's words stay in the console.
    assert "Moi" not in str(shown)
    click_notification(page, 0)
    expect(page.locator(f'.waiting-item[data-conversation="{second}"] .take')).to_be_focused()

    set_hidden(page, False)
    take(page, "Mimi", first)
    take(page, "Olli", second)
    expect(pane(page, second)).to_be_visible()

    # A reply in my other conversation while the console is behind: one notification per
    # conversation (the same tag, so the system replaces it), and a click opens it.
    set_hidden(page, True)
    mimi.say(first, "Oletko siellä?")
    mimi.say(first, "Haloo?")
    shown = wait_notifications(page, 3)
    assert [(n["title"], n["tag"]) for n in shown[1:]] == [("New message from Mimi.", f"kohtaamo-reply-{first}")] * 2
    assert "Haloo" not in str(shown)
    click_notification(page, 2)
    expect(pane(page, first)).to_be_visible()
    expect(pane(page, first).get_by_role("log")).to_contain_text("Haloo?")

    # A crisis alert: clicking takes the waiting client and opens the conversation.
    client = chat.client()
    crisis = start_with_bot(client, "Pia")
    bot_reply(client, crisis, "moi")  # not a new conversation's only line: an alert of its own, not the group's
    bot_reply(client, crisis, "en jaksa enää, haluan kuolla")
    shown = wait_notifications(page, 4)
    assert shown[3]["title"] == "Possible crisis: Pia at Youth chat"
    assert shown[3]["tag"] == f"kohtaamo-crisis-{crisis}"
    click_notification(page, 3)
    expect(pane(page, crisis)).to_be_visible()
    expect(pane(page, crisis).get_by_label("Message to the client")).to_be_visible()

    # Replies turned off: none shows, and the choice is remembered in this browser.
    set_hidden(page, False)
    open_settings(page).get_by_role("group", name="Reply in my conversations").get_by_label(
        "System notification"
    ).uncheck()
    set_hidden(page, True)
    olli.say(second, "Kiitos")
    expect(pane(page, second).locator(".log-list")).to_contain_text("Kiitos")
    assert len(notifications(page)) == 4
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    reply = open_settings(page).get_by_role("group", name="Reply in my conversations")
    expect(reply.get_by_label("System notification")).not_to_be_checked()
    expect(open_settings(page).get_by_role("group", name="Crisis alert").get_by_label("Sound")).to_be_checked()
    assert_no_page_errors(page)


def test_notifications_are_asked_for_from_the_settings_only(
    staff_page: Callable[..., Page],  # noqa: F811
    live: Any,
) -> None:
    page = console_with_notifications(staff_page, live, granted=False, viewport=NARROW)
    # Nothing is asked on load: the permission is still the browser's default.
    assert page.evaluate("Notification.permission") == "default"
    settings = open_settings(page)
    expect(settings.locator("#notify-permission")).to_have_text("System notifications are not allowed yet.")
    allow = settings.get_by_role("button", name="Allow system notifications")
    expect(allow).to_be_visible()
    no_violations(page, "notification settings before the permission (360 px)")
    no_horizontal_scroll(page)
    # The counsellor says yes in the browser's prompt (the context grants it), from the button.
    page.context.grant_permissions(["notifications"], origin=live.url)
    allow.click()
    expect(settings.locator("#notify-permission")).to_have_text("System notifications are on in this browser.")
    expect(settings.locator("#notify-permission")).to_be_focused()
    expect(allow).to_be_hidden()


def test_the_queue_shows_the_first_words_the_bots_topics_and_the_crisis_flag_before_taking(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    bot = get_bot()
    page = staff_page("counsellor", "fi", viewport=NARROW)
    youth = desk_region(page, "Nuorten chat")

    client = chat.client()
    conversation = start_with_bot(client, "Mimi")
    answer = bot_reply(client, conversation, "miten haen asumistukea kun muutan omaan kotiin syksyllä")
    assert answer["args"]["topic"] == "housing-allowance"
    client.send({"type": "handoff", "conversation": conversation})
    entry = youth.locator(f'.waiting-item[data-conversation="{conversation}"]')
    # The words in <q> (the page's language sets the quotation marks), after a label for screen readers.
    expect(entry.locator(".waiting-preview")).to_have_text(
        "Ensimmäiset sanat: miten haen asumistukea kun muutan omaan kotiin syksyllä"
    )
    expect(entry.locator(".waiting-preview q")).to_have_text("miten haen asumistukea kun muutan omaan kotiin syksyllä")
    title = bot.title("housing-allowance", "fi")
    expect(entry.locator(".waiting-topics")).to_have_text(f"Chatbotin aiheet: {title}")
    expect(entry.locator(".flag-crisis")).to_have_count(0)

    # Straight to a person, with a crisis line: the flag and the words, no topics.
    _other, second = start_client(chat, "Olli", "en jaksa enää, haluan kuolla")
    crisis_entry = youth.locator(f'.waiting-item[data-conversation="{second}"]')
    expect(crisis_entry.locator(".flag-crisis")).to_be_visible()
    expect(crisis_entry.locator(".waiting-preview")).to_contain_text("en jaksa enää, haluan kuolla")
    expect(crisis_entry.locator(".waiting-topics")).to_have_count(0)
    no_horizontal_scroll(page)
    no_violations(page, "queue with previews (fi, 360 px)")
    assert_no_page_errors(page)


def test_unread_counts_per_conversation_survive_a_reload_and_clear_when_viewed(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    page = staff_page("counsellor")
    mimi, first = start_client(chat, "Mimi", "Hei")
    _olli, second = start_client(chat, "Olli", "Moi")
    take(page, "Mimi", first)
    take(page, "Olli", second)
    mine = page.get_by_role("region", name="My conversations")
    mimi_tab = mine.get_by_role("button").filter(has_text="Mimi")
    olli_tab = mine.get_by_role("button").filter(has_text="Olli")
    mimi.say(first, "Yksi")
    mimi.say(first, "Kaksi")
    expect(mimi_tab.locator(".badge-unread")).to_have_text("2 unread")
    expect(mimi_tab).to_have_accessible_name(re.compile(r"2 unread"))
    expect(olli_tab.locator(".badge-unread")).to_be_hidden()
    no_violations(page, "console with unread counts")

    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(mimi_tab.locator(".badge-unread")).to_have_text("2 unread")
    expect(olli_tab.locator(".badge-unread")).to_be_hidden()

    mimi_tab.click()
    expect(pane(page, first).get_by_role("log")).to_contain_text("Kaksi")
    expect(mimi_tab.locator(".badge-unread")).to_be_hidden()
    # Read is read on the server too: another reload keeps it so, whichever conversation it opens at.
    page.reload()
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    expect(pane(page, first).locator(".log-list")).to_contain_text("Kaksi")
    expect(mimi_tab.locator(".badge-unread")).to_be_hidden()
    assert_no_page_errors(page)


def test_canned_replies_are_found_by_slash_and_a_few_letters(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
    demo: Any,
) -> None:
    from desks.models import CannedReply

    CannedReply.objects.create(owner=demo["staff"]["counsellor"], title="Päivystysajat", body="Olemme täällä arkisin.")
    page = staff_page("counsellor", viewport=NARROW)
    client, conversation = start_client(chat, "Mimi", "Hei")
    view = take(page, "Mimi", conversation)
    composer = view.get_by_label("Message to the client")
    listbox = view.get_by_role("listbox", name="Canned replies")
    expect(listbox).to_be_hidden()
    expect(composer).to_have_attribute("aria-autocomplete", "list")

    # "/" opens every reply; letters filter by title and text, accents and case ignored.
    composer.press("/")
    expect(listbox.get_by_role("option")).to_have_count(3)
    composer.type("PAIVY")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Päivystysajat")
    composer.fill("/kiitos keskust")  # words of a reply's text
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Lopetus")
    no_violations(page, "canned reply search (360 px)")
    no_horizontal_scroll(page)

    # Arrow keys move the active option, which the reply box points at.
    composer.fill("/")
    expect(options).to_have_count(3)
    composer.press("ArrowDown")
    active = listbox.locator("[aria-selected=true]")
    expect(active).to_have_count(1)
    expect(composer).to_have_attribute("aria-activedescendant", active.get_attribute("id") or "")
    assert composer.get_attribute("aria-controls") == listbox.get_attribute("id")
    # Escape closes the list and keeps the text.
    composer.press("Escape")
    expect(listbox).to_be_hidden()
    expect(composer).to_have_value("/")
    expect(composer).not_to_have_attribute("aria-activedescendant", re.compile(".+"))

    # Enter puts the chosen reply in place of "/…" (nothing is sent), then Enter sends it.
    composer.fill("/terv")
    expect(options).to_have_count(1)
    composer.press("Enter")
    expect(composer).to_have_value("Hei! Hyvä, että kirjoitit. Mistä haluaisit jutella?")
    expect(listbox).to_be_hidden()
    client.drain(0.3)
    composer.press("Enter")
    wait_client_message(client, conversation, "Hei! Hyvä, että kirjoitit. Mistä haluaisit jutella?")

    # Nothing matches: said in the list, and Enter does not send "/…".
    composer.fill("/zzz")
    expect(listbox).to_contain_text("No canned reply matches.")
    composer.press("Enter")
    expect(composer).to_have_value("/zzz")

    # The button beside the reply box opens the list too.
    composer.fill("")
    view.get_by_role("button", name="Find a canned reply").click()
    expect(options).to_have_count(3)
    expect(composer).to_be_focused()
    options.filter(has_text="Päivystysajat").click()
    expect(composer).to_have_value("Olemme täällä arkisin.")
    assert_no_page_errors(page)


def test_the_transfer_dialog_marks_closed_and_other_organisations_desks_and_asks_about_notes(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
    demo: Any,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from conversations.models import Note, Transfer
    from desks.hours import set_hours

    page = staff_page("counsellor", viewport=NARROW)
    _client, conversation = start_client(chat, "Mimi", "Hei")
    view = take(page, "Mimi", conversation)
    # Hours later in the shift, the homework desk has closed (it opens only tomorrow, for a minute):
    # the dialog asks for the desks as they are now (`transfer_desks`), not as the welcome said.
    tomorrow = (timezone.localtime().weekday() + 1) % 7
    set_hours(demo["desks"]["homework"], [(tomorrow, dt.time(0, 0), dt.time(0, 1))])
    view.get_by_label("New note").fill("Kotona vaikeaa")
    view.get_by_role("button", name="Save note").click()
    expect(view.locator(".note:not(.note-pending)")).to_have_count(1)

    view.get_by_role("button", name="Transfer…").click()
    dialog = page.get_by_role("dialog", name="Transfer the conversation")
    desk = dialog.get_by_label("Desk")
    expect(desk.locator("option", has_text="Homework help")).to_have_text("Homework help (closed now)")
    option_texts = desk.locator("option").all_inner_texts()
    assert "Study guidance for adults (another organisation: Rantalan aikuisopisto)" in option_texts
    assert "Youth chat" in option_texts
    share = dialog.get_by_label("Send the private notes along")
    expect(share).to_be_hidden()

    # A closed desk: the server's refusal is shown inside the dialog, which stays open.
    desk.select_option(label="Homework help (closed now)")
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    error = dialog.locator("#transfer-error")
    expect(error).to_have_text("Could not do that: This desk is not taking new conversations right now.")
    expect(dialog).to_be_visible()
    expect(page.locator("#alert")).to_be_hidden()
    expect(desk).to_be_focused()
    no_violations(page, "transfer dialog with an error (360 px)")

    # Another organisation's desk: the choice about the notes, off until chosen; choosing clears the error.
    desk.select_option(label="Study guidance for adults (another organisation: Rantalan aikuisopisto)")
    expect(error).to_be_hidden()
    expect(share).to_be_visible()
    expect(share).not_to_be_checked()
    no_violations(page, "transfer dialog to another organisation (360 px)")
    no_horizontal_scroll(page)
    desk.select_option(label="Youth chat")
    expect(share).to_be_hidden()
    desk.select_option(label="Study guidance for adults (another organisation: Rantalan aikuisopisto)")
    dialog.get_by_label("Note for the next counsellor (optional)").fill("Kysyy opinnoista")
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(error).to_be_hidden()
    expect(page.locator("#announcer")).to_contain_text("transferred to Study guidance for adults")
    transfer = Transfer.objects.get(conversation_id=conversation)
    assert transfer.notes_along is False
    assert Note.objects.get(body="Kotona vaikeaa").kept_within_id == demo["desks"]["youth"].organisation_id
    assert_no_page_errors(page)


def test_the_notes_go_along_when_the_counsellor_chooses(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    from conversations.models import Transfer

    page = staff_page("counsellor")
    _client, conversation = start_client(chat, "Mimi", "Hei")
    view = take(page, "Mimi", conversation)
    view.get_by_role("button", name="Transfer…").click()
    dialog = page.get_by_role("dialog", name="Transfer the conversation")
    dialog.get_by_label("Desk").select_option(
        label="Study guidance for adults (another organisation: Rantalan aikuisopisto)"
    )
    dialog.get_by_label("Send the private notes along").check()
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(dialog).to_be_hidden()
    outi = staff_page("studycounsellor")
    expect(outi.locator(f'.waiting-item[data-conversation="{conversation}"]')).to_contain_text("Transferred")
    assert Transfer.objects.get(conversation_id=conversation).notes_along is True
    assert_no_page_errors(page)


def test_a_first_line_that_is_only_a_picture_shows_its_kind_in_the_queue(
    staff_page: Callable[..., Page],  # noqa: F811
    chat: Chat,  # noqa: F811
) -> None:
    from tests.media import corpus
    from tests.media.test_uploads import client_upload, send_file

    page = staff_page("counsellor", "fi", viewport=NARROW)
    youth = desk_region(page, "Nuorten chat")

    def waiting_with_picture(nickname: str, caption: str) -> int:
        client, conversation = start_client(chat, nickname)
        uploaded = client_upload(chat, client, conversation, corpus.png(), name="kirje.png")
        assert uploaded.status_code == 201, uploaded.text
        assert send_file(client, conversation, uploaded.json()["attachment"]["id"], body=caption)["type"] == "ack"
        return conversation

    only_picture = waiting_with_picture("Nea", "")
    with_caption = waiting_with_picture("Olli", "Mitä tää tarkoittaa?")
    start_client(chat, "Mimi")  # the queue changes: its snapshot carries the first lines so far
    # The kind in the reader's language where the first words would be.
    entry = youth.locator(f'.waiting-item[data-conversation="{only_picture}"]')
    expect(entry.locator(".waiting-preview q")).to_have_text("[Kuva]")
    second = youth.locator(f'.waiting-item[data-conversation="{with_caption}"]')
    expect(second.locator(".waiting-preview q")).to_have_text("[Kuva] Mitä tää tarkoittaa?")
    no_violations(page, "queue with a picture's kind (fi, 360 px)")
    assert_no_page_errors(page)
