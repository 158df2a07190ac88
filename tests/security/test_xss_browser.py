"""Hostile input rendered in Chromium: a corpus of XSS payloads in every place a party can put text.

The payloads go in as client messages, counsellor messages, private notes, a
client's nickname, canned replies (made in the canned-reply UI and used from the
console's picker), the brain's answers, plain-language answers, titles, example
questions and referrals (follow-up suggestions too), and unanswered questions;
then the client page, the staff console, the brain editor and the Django admin
render them. On every page:

- no dialog opened and the marker the payloads set (`window.__xss`, or a title
  of "XSS") is unset, in every frame;
- no Content Security Policy violation was reported (an injected inline script,
  handler or `javascript:` URL would be refused by the CSP and reported; a clean
  page has nothing to refuse);
- the DOM holds nothing a payload could have injected: no inline script, no
  `on*` attribute, no iframe, object, embed, base, math or style element, no
  `javascript:` (or `data:`) URL as the browser reads it;
- text is text: the client sees the literal `<script>` characters of a message.

The same pages are then loaded once more with the CSP switched off in the
browser (`bypass_csp`), so the escaping is shown to hold on its own and the CSP
is the second line of defence, not the only one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client as HttpClient
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from tests.wsclient import ProtocolClient, staff_cookie

expect.set_options(timeout=10_000)

MARK = "window.__xss=1"

# Classic payloads; each one's script part sets the marker (or opens a dialog).
PAYLOADS = [
    f"<script>{MARK}</script>",
    f"<img src=x onerror={MARK}>",
    f'<img src="x" onerror="{MARK}">',
    f"<svg onload={MARK}>",
    f"<svg><script>{MARK}</script></svg>",
    f'"><script>{MARK}</script>',
    "'><img src=x onerror=alert(1)>",
    f"javascript:{MARK}",
    f"[click me](javascript:{MARK})",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f'<a href="javascript:{MARK}">link</a>',
    f"<a href=' java\tscript:{MARK}'>tabbed</a>",
    "{{7*7}} ${7*7} #{7*7} <%= 7*7 %>",
    "{{constructor.constructor('window.__xss=1')()}}",
    f"</textarea><script>{MARK}</script>",
    f"</title><script>{MARK}</script>",
    f"</script><script>{MARK}</script>",
    f'<div style="width: expression({MARK})">css</div>',
    f"<style>@import 'javascript:{MARK}';</style>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<iframe src=javascript:parent.__xss=1>",
    f"&lt;script&gt;{MARK}&lt;/script&gt; &#60;b&#62;",
    f"<ScRiPt>{MARK}</sCrIpT>",
    f"<scr\x00ipt>{MARK}</scr\x00ipt>",
    '<img src=x onerror="&#119;indow.__xss=1">',
    f"<body onload={MARK}>",
    f"<details open ontoggle={MARK}>",
    f"<input autofocus onfocus={MARK}>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
    f'<noscript><p title="</noscript><img src=x onerror={MARK}>">',
    f'<!--<img src="--><img src=x onerror={MARK}//">',
    f"<object data=javascript:{MARK}>",
    f"<embed src=javascript:{MARK}>",
    f"<form><button formaction=javascript:{MARK}>x</button></form>",
    f'<meta http-equiv="refresh" content="0;url=javascript:{MARK}">',
    '<base href="javascript:/">',
    "\u202e<script>document.title='XSS'</script>\u200f",
    "<img src=x onerror=alert`1`> 😀",
]
assert len(PAYLOADS) >= 30


# What the server keeps of a payload: NUL is refused by the protocol and the forms, so it is left out.
def kept(payload: str) -> str:
    return payload.replace("\x00", "").strip()


def short(limit: int) -> list[str]:
    """The payloads that fit a field of `limit` characters (nicknames, titles)."""
    return [kept(p) for p in PAYLOADS if len(kept(p)) <= limit]


WATCH_SCRIPT = """
(() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI} ${event.sample || ""}`);
  }, true);
})();
"""

DOM_SCAN = """
() => {
  const bad = [];
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"];
  // (The admin draws its icons with inline SVG: an SVG is flagged only for a script or a handler in it.)
  const forbidden = ["iframe", "frame", "frameset", "object", "embed", "applet", "base", "math", "style"];
  for (const element of document.querySelectorAll("*")) {
    const tag = element.tagName.toLowerCase();
    if (forbidden.includes(tag)) bad.push(`<${tag}>`);
    const inline = !element.src || element.src.startsWith("javascript:");
    if (tag === "script" && inline && element.type !== "application/json") {
      bad.push(`inline <script>: ${element.textContent.slice(0, 60)}`);
    }
    if (tag === "meta" && (element.httpEquiv || "").toLowerCase() === "refresh") bad.push("<meta refresh>");
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (name.startsWith("on")) bad.push(`<${tag} ${name}>`);
      if (name === "srcdoc") bad.push(`<${tag} srcdoc>`);
      if (name === "style" && /expression|javascript:/.test(value)) bad.push(`<${tag} style=${value.slice(0, 40)}>`);
      if (urlAttributes.includes(name)) {
        // As the browser reads the URL (leading spaces and controls stripped, tabs and newlines removed).
        let protocol = "";
        try {
          protocol = new URL(attribute.value, document.baseURI).protocol;
        } catch {
          protocol = "";
        }
        const image = tag === "img" && value.startsWith("data:image/");
        if (["javascript:", "vbscript:", "data:"].includes(protocol) && !image) {
          bad.push(`<${tag} ${name}=${attribute.value.slice(0, 40)}>`);
        }
      }
    }
  }
  return bad;
}
"""


class Watched:
    """A page with listeners for dialogs, CSP reports and script errors."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.reports: list[str] = []
        page.add_init_script(WATCH_SCRIPT)
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.reports.append(f"page error: {error}"))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.reports.append(message.text)

    def check(self, label: str) -> None:
        page = self.page
        # Give image errors, autofocus and toggles, which fire asynchronously, time to happen.
        page.wait_for_timeout(400)
        assert not self.dialogs, f"{label}: a dialog opened: {self.dialogs}"
        for frame in page.frames:
            marker, title = frame.evaluate("() => [window.__xss, document.title]")
            assert marker is None, f"{label}: a payload ran in {frame.url}"
            assert title != "XSS", f"{label}: a payload set the title in {frame.url}"
        violations = page.evaluate("() => window.__cspViolations || []")
        assert not violations, f"{label}: CSP violations: {violations}"
        assert not self.reports, f"{label}: {self.reports}"
        injected = page.evaluate(DOM_SCAN)
        assert not injected, f"{label}: injected into the DOM: {injected[:10]}"


class Browsers:
    """Browser contexts for the test (CSP enforced, or bypassed to test the escaping alone)."""

    def __init__(self, browser: Any, live: Any, bypass_csp: bool) -> None:
        self.browser = browser
        self.live = live
        self.bypass_csp = bypass_csp
        self.contexts: list[Any] = []

    def page(self, cookies: dict[str, str] | None = None) -> Watched:
        context = self.browser.new_context(locale="en-US", bypass_csp=self.bypass_csp)
        self.contexts.append(context)
        if cookies:
            context.add_cookies([{"name": k, "value": v, "url": self.live.url} for k, v in cookies.items()])
        return Watched(context.new_page())

    def staff(self, username: str) -> Watched:
        """A page logged in as a demo staff member (with the second factor where the role needs it)."""
        http = HttpClient()
        assert http.post("/staff/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
        from accounts.models import Staff

        if Staff.objects.get(username=username).requires_2fa:
            from django_otp.oath import totp
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.get(user__username=username)
            code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
            assert http.post("/staff/login/code/", {"token": f"{code:06d}"}).status_code == 302
        return self.page({k: v.value for k, v in http.cookies.items()})

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(params=["csp", "bypass_csp"])
def browsers(request: Any, browser: Any, live: Any, demo: Any) -> Iterator[Browsers]:
    made = Browsers(browser, live, bypass_csp=request.param == "bypass_csp")
    yield made
    made.close()


@pytest.fixture
def sockets(live: Any) -> Iterator[Callable[..., ProtocolClient]]:
    opened: list[ProtocolClient] = []

    def connect(path: str, cookie: str | None = None) -> ProtocolClient:
        socket = ProtocolClient(live.ws_url, path, cookie=cookie)
        opened.append(socket)
        return socket

    yield connect
    for socket in opened:
        try:
            socket.close()
        except Exception:
            pass


def texts(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).evaluate_all("nodes => nodes.map(n => n.textContent)")]


def open_console(browsers: Browsers, username: str = "counsellor") -> Watched:
    console = browsers.staff(username)
    console.page.goto(browsers.live.url + "/console/")
    expect(console.page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    return console


def counsellor_socket(sockets: Callable[..., ProtocolClient]) -> ProtocolClient:
    staff = sockets("/ws/staff/", staff_cookie(HttpClient(), "counsellor", DEMO_PASSWORD))
    staff.hello()
    return staff


# --- The chat: messages, notes, nicknames, canned replies ---------------------------------------


def test_chat_payloads_are_text_in_the_client_page_and_the_console(
    browsers: Browsers, live: Any, sockets: Callable[..., ProtocolClient]
) -> None:
    from accounts.models import Staff
    from conversations.actions.canned import do_create_canned_reply

    nickname = short(40)[1]  # <img src=x onerror=...>
    kalle = Staff.objects.get(username="counsellor")
    for payload in PAYLOADS[:10]:
        do_create_canned_reply(kalle, title=kept(payload)[:80], body=kept(payload), language="fi")

    # A canned reply made in the canned-reply UI, with a payload as title and text.
    console = open_console(browsers)
    page = console.page
    canned_title, canned_body = "UI " + kept(PAYLOADS[5]), kept(PAYLOADS[1]) + " " + kept(PAYLOADS[8])
    page.goto(live.url + "/console/canned/new/")
    page.locator("#id_title").fill(canned_title)
    page.locator("#id_body").fill(canned_body)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/canned/$"))
    expect(page.locator("main")).to_contain_text(canned_title)
    console.check("canned reply list")

    # The client starts in Chromium with a payload as nickname ...
    client = browsers.page()
    client.page.goto(live.url + "/")
    client.page.get_by_label("Nickname (optional)").fill(nickname)
    person = re.compile("Chat with a person|Start chat")
    client.page.locator("li.k-desk", has_text="Youth chat").get_by_role("button", name=person).click()
    expect(client.page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    conversation = int(client.page.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))
    token = client.page.evaluate("JSON.parse(localStorage.getItem('kohtaamo.token'))")
    # ... and one message typed into the page; the rest over a second socket of the same client.
    box = client.page.get_by_role("textbox", name="Your message")
    box.fill(kept(PAYLOADS[0]))
    box.press("Enter")
    expect(client.page.locator("#k-log li.k-msg--client")).to_have_count(1)
    same_client = sockets("/ws/client/")
    same_client.token = token
    same_client.hello()
    for payload in PAYLOADS[1:]:
        try:
            same_client.say(conversation, payload.replace("\x00", ""))
        except TimeoutError:
            raise AssertionError((payload, same_client.events[-5:])) from None

    # The counsellor sees the nickname in the queue, takes the conversation and answers.
    page.goto(live.url + "/console/")
    waiting = page.locator(f'.waiting-item[data-conversation="{conversation}"]')
    expect(waiting.locator(".waiting-name")).to_have_text(nickname)
    console.check("console queue")
    waiting.locator("button.take").click()
    view = page.locator(f"#conv-{conversation}")
    composer = view.get_by_label("Message to the client")
    expect(composer).to_be_visible()
    # The canned replies' list (opened by "/") shows the title and text as text; a click puts the reply in.
    composer.fill("/")
    view.get_by_role("option").filter(has_text=canned_title).click()
    expect(composer).to_have_value(canned_body)
    composer.press("Enter")
    client_staff_lines = client.page.locator("#k-log li.k-msg--staff")
    expect(client_staff_lines).to_have_count(1)
    composer.fill(kept(PAYLOADS[2]))
    composer.press("Enter")
    expect(client_staff_lines).to_have_count(2)
    view.get_by_label("New note").fill(kept(PAYLOADS[3]))
    view.get_by_role("button", name="Save note").click()
    staff = counsellor_socket(sockets)
    for payload in PAYLOADS[3:]:
        staff.say(conversation, kept(payload))
        staff.send({"type": "note", "conversation": conversation, "id": uuid.uuid4().hex, "body": kept(payload)})
        staff.wait_for("ack")

    client_bodies = [kept(p) for p in PAYLOADS]
    staff_bodies = [canned_body, kept(PAYLOADS[2]), *[kept(p) for p in PAYLOADS[3:]]]
    note_bodies = [kept(p) for p in PAYLOADS[3:]]

    def check_client(label: str) -> None:
        expect(client.page.locator("#k-log li.k-msg--staff")).to_have_count(len(staff_bodies))
        assert texts(client.page, "#k-log li.k-msg--client .k-body") == client_bodies
        assert texts(client.page, "#k-log li.k-msg--staff .k-body") == staff_bodies
        expect(client.page.locator("#k-log")).to_contain_text(f"<script>{MARK}</script>")
        client.check(label)

    def check_console(label: str) -> None:
        pane = page.locator(f"#conv-{conversation}")
        expect(pane.locator(".msg-staff .msg-body")).to_have_count(len(staff_bodies))
        expect(pane.locator(".note .note-body")).to_have_count(len(note_bodies) + 1)
        assert texts(page, f"#conv-{conversation} .msg-client .msg-body") == client_bodies
        assert texts(page, f"#conv-{conversation} .msg-staff .msg-body") == staff_bodies
        assert sorted(texts(page, f"#conv-{conversation} .note .note-body")) == sorted(
            [kept(PAYLOADS[3]), *note_bodies]
        )
        expect(pane.locator(".msg-client .msg-author").first).to_have_text(nickname)
        console.check(label)

    check_client("client page, live")
    check_console("console, live")
    # From the history (resume) as well as live.
    client.page.reload()
    check_client("client page, reloaded")
    page.reload()
    page.get_by_role("region", name="My conversations").get_by_role("button").first.click()
    check_console("console, reloaded")


# --- The brain: answers, titles, questions, referrals, unanswered questions ----------------------


WORDS = ["kirahvi", "pingviini", "sarvikuono", "flamingo", "koala"]


def seed_hostile_brain(directory: Path) -> list[str]:
    """Published topics whose every text is a payload; returns the question that reaches each one.

    They arrive as brain files (a brain may come from elsewhere), validated and
    imported through bot.actions like `manage.py brain import`.
    """
    from bot.actions import check_brain_dir, do_import_topics
    from bot.brainfiles import dump_topic
    from bot.feedback import do_record_unanswered
    from bot.models import Referral, Topic

    chunks = [PAYLOADS[i : i + 12] for i in range(0, len(PAYLOADS), 12)]
    slugs = [f"hostile-{n}" for n in range(len(chunks))]
    questions = []
    for n, chunk in enumerate(chunks):
        question = f"missä {WORDS[n]} asuu"
        questions.append(question)
        data = {
            "slug": slugs[n],
            "area": kept(chunk[0])[:40],
            "status": "published",
            "follow_ups": sorted(s for s in slugs if s != slugs[n]),
            "languages": {
                "fi": {
                    "title": kept(chunk[-1])[:120],
                    "questions": [question, *(f"{WORDS[n]} {kept(p)}"[:500] for p in chunk[:4])],
                    # The topic's word first: raw HTML in a payload may swallow what follows it.
                    "answer": f"**{WORDS[n]}** [ok](https://example.org/{n})\n\n" + "\n\n".join(kept(p) for p in chunk),
                    "plain_answer": "\n\n".join(kept(p) for p in reversed(chunk)),
                    "referrals": [
                        {"name": kept(chunk[1])[:200], "url": f'https://example.org/"><script>{MARK}</script>'},
                        {"name": kept(chunk[2])[:200], "url": "https://example.org/"},
                    ],
                }
            },
        }
        (directory / f"{slugs[n]}.yaml").write_text(dump_topic(data), encoding="utf-8")
    summary = do_import_topics(check_brain_dir(directory), source="hostile corpus")
    assert sorted(summary.created) == slugs
    # A referral address the brain files refuse, as the Django admin could still store it.
    Referral.objects.create(topic=Topic.objects.get(slug=slugs[0]), language="fi", name="js", url=f"javascript:{MARK}")
    for payload in PAYLOADS:
        do_record_unanswered(kept(payload), "fi")
    return questions


def test_brain_payloads_are_sanitised_for_the_client_the_counsellor_and_the_editor(
    browsers: Browsers, live: Any, tmp_path: Path
) -> None:
    from bot.cache import reset_bot

    questions = seed_hostile_brain(tmp_path)
    reset_bot()
    nickname = short(40)[0]

    # The client asks the chatbot each topic's question in Chromium.
    client = browsers.page()
    page = client.page
    page.goto(live.url + "/")
    page.get_by_label("Nickname (optional)").fill(nickname)
    page.locator("li.k-desk", has_text="Youth chat").get_by_role("button", name="Ask the chatbot").click()
    bot_lines = page.locator("#k-log li.k-msg--bot")
    expect(bot_lines.first).to_be_visible()
    conversation = int(page.evaluate("sessionStorage.getItem('kohtaamo.conversation')"))
    box = page.get_by_role("textbox", name="Your message")
    for n, question in enumerate(questions):
        box.fill(question)
        box.press("Enter")
        expect(bot_lines).to_have_count(n + 2)
        expect(bot_lines.nth(n + 1)).to_contain_text(WORDS[n])
    # The answers' payload links were neutralised; the good link is kept.
    links = page.locator("#k-log li.k-msg--bot a[href]")
    hrefs = links.evaluate_all("links => links.map(a => [a.getAttribute('href'), a.protocol])")
    assert ["https://example.org/0", "https:"] in hrefs
    # As the browser reads them: a payload's href may survive only as a harmless relative address.
    assert {protocol for _href, protocol in hrefs} <= {"https:", "http:", "mailto:", "tel:"}, hrefs
    # Suggestion buttons show the payload titles as text.
    chips = texts(page, "#k-log li.k-msg--bot .k-chip")
    assert kept(PAYLOADS[11]) in chips or kept(PAYLOADS[11])[:120] in chips, chips
    client.check("client page with the bot's answers")
    # The plain-language answers (payloads too) in their turn.
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Easy-to-read answers").check()
    page.keyboard.press("Escape")  # closes the menu
    expect(bot_lines.nth(1).locator(".k-body")).not_to_contain_text(WORDS[0])
    client.check("client page with plain-language answers")

    # Hand-off: the counsellor reads the bot part in the console.
    page.get_by_role("button", name="Talk to a person").first.click()
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    console = open_console(browsers)
    waiting = console.page.locator(f'.waiting-item[data-conversation="{conversation}"]')
    expect(waiting.locator(".waiting-name")).to_have_text(nickname)
    waiting.locator("button.take").click()
    pane = console.page.locator(f"#conv-{conversation}")
    expect(pane.locator(".msg-bot .msg-html")).to_have_count(len(questions) + 1)
    for button in pane.locator("button.msg-more").all():
        button.click()
    console.check("console with the bot part")

    # The editor's pages.
    editor = browsers.staff("editor")
    field_values = "() => [...document.querySelectorAll('main textarea, main input')].map(e => e.value)"
    for path, shows, in_fields in [
        ("/brain/", kept(PAYLOADS[11])[:120], None),
        ("/brain/hostile-0/", None, kept(PAYLOADS[1])),
        ("/brain/hostile-1/", None, kept(PAYLOADS[13])),
        ("/brain/try/?text=" + questions[0].replace(" ", "+"), "hostile-0", None),
        ("/brain/unanswered/", None, None),
    ]:
        editor.page.goto(live.url + path)
        if shows is not None:
            expect(editor.page.locator("main")).to_contain_text(shows)
        if in_fields is not None:
            # The editor's own texts come back as they were written, in the form's fields.
            assert in_fields in editor.page.evaluate(field_values)
        editor.check(f"brain editor {path}")
    # An edit in the editor's own form: a payload as title and answer, previewed and answered sanitised.
    edited_title, edited_answer = kept(PAYLOADS[3]), "\n\n".join(kept(p) for p in PAYLOADS[::-3])
    editor.page.goto(live.url + "/brain/hostile-1/")
    editor.page.locator("#id_text-fi-title").fill(edited_title)
    editor.page.locator("#id_text-fi-answer").fill(f"**{WORDS[1]}**\n\n{edited_answer}")
    editor.page.locator("form.topic-form button[type=submit]").click()
    expect(editor.page.locator(".form-error")).to_have_count(0)
    editor.page.get_by_role("button", name="Publish").click()  # a draft reaches the bot once published
    expect(editor.page.locator(".messages")).to_contain_text("Published")
    editor.page.goto(live.url + "/brain/hostile-1/")
    expect(editor.page.locator("#id_text-fi-title")).to_have_value(edited_title)
    expect(editor.page.locator(".answer-preview strong").first).to_have_text(WORDS[1])
    editor.check("brain editor after an edit")
    editor.page.goto(live.url + "/brain/try/?text=" + quote(questions[1]))
    expect(editor.page.locator(".try-facts")).to_contain_text("hostile-1")
    expect(editor.page.locator(".answer-preview strong").first).to_have_text(WORDS[1])
    editor.check("try the bot after an edit")

    # Reflected input: payloads in the query string of the try page, the signals page and the topic search.
    for payload in (PAYLOADS[0], PAYLOADS[5], PAYLOADS[17], PAYLOADS[19], PAYLOADS[25]):
        for path, field in (
            ("/brain/try/?text=", "#id_text"),
            ("/brain/signals/?text=", "#id_text"),
            ("/brain/?q=", "#id_q"),
        ):
            editor.page.goto(live.url + path + quote(kept(payload)))
            expect(editor.page.locator(field)).to_have_value(kept(payload))
            editor.check(f"brain editor {path}{kept(payload)}")
    editor.page.goto(live.url + "/brain/unanswered/")
    # The unanswered questions are listed as text (numbers in them are masked).
    expect(editor.page.locator("main table")).to_contain_text("<script>window.__xss=")
    expect(editor.page.locator("main table")).to_contain_text("<svg onload=window.__xss=")

    # The Django admin's list of conversations and the conversation's page.
    admin = browsers.staff("admin")
    admin.page.goto(live.url + "/admin/conversations/conversation/")
    expect(admin.page.locator("#result_list")).to_be_visible()
    admin.check("admin conversation list")
    admin.page.goto(live.url + f"/admin/conversations/conversation/{conversation}/change/")
    expect(admin.page.locator("#content")).to_contain_text(nickname)
    admin.check("admin conversation page")


# --- The watch itself -----------------------------------------------------------------------------


def test_the_watch_sees_an_injection(browsers: Browsers, live: Any) -> None:
    """Were a payload ever put into a page as HTML, the checks above would fail."""
    watched = browsers.page()
    watched.page.goto(live.url + "/")
    watched.check("the client page as it is")
    watched.page.evaluate(f"() => document.body.insertAdjacentHTML('beforeend', '<img src=x onerror={MARK}>')")
    with pytest.raises(AssertionError) as caught:
        watched.check("the client page with an injected image")
    # With the CSP, the handler is refused and reported; without it, it runs.
    expected = "a payload ran" if browsers.bypass_csp else "CSP violations"
    assert expected in str(caught.value)
