"""Attachments in real browsers (issue 14, item 1): a client sends a picture and a recorded voice
message that the counsellor sees and plays; a refused file says why and sends nothing; an upload
that failed is retried with the same upload id and stored once; a counsellor sends a PDF the client
opens. Chromium has a fake camera and microphone (tests/browser.py), 360 px wide, axe on every state.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import expect

from conversations.models import Attachment, Message
from tests.browser import ClientLine, check_staff_page
from tests.widget.test_client_bot_browser import ask_the_bot
from tests.widget.test_client_browser import from_menu, start_chat
from tests.widget.test_client_phone_browser import no_violations

expect.set_options(timeout=15_000)

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
CLIP = "Add a picture, file or recording"


def picture(tmp_path: Path, name: str = "kirje.jpg") -> Path:
    """A small JPEG, as a phone's camera would make (only bigger there)."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 60, 40)).save(buffer, "JPEG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def pdf(tmp_path: Path, name: str = "ohjeet.pdf") -> Path:
    """A one-page PDF with its cross-reference table, as any PDF writer makes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path = tmp_path / name
    path.write_bytes(bytes(out))
    return path


def choose_file(page: Any, scope: Any, path: Path) -> None:
    """The paper clip, then "Add a picture or file", then the file in the browser's file chooser."""
    scope.get_by_role("button", name=CLIP).click()
    with page.expect_file_chooser() as chooser:
        scope.get_by_role("button", name="Add a picture or file").click()
    chooser.value.set_files(str(path))


def take(console: Any, nickname: str, conversation: int) -> Any:
    """The counsellor takes the client from the queue; their conversation's view."""
    console.get_by_role("button", name=f"Take {nickname}", exact=True).click()
    view = console.locator(f"#conv-{conversation}")
    expect(view.get_by_label("Message to the client")).to_be_visible()
    return view


def shown_picture(img: Any) -> None:
    """The picture is really drawn: its data arrived and decoded (naturalWidth > 0)."""
    expect(img).to_be_visible()
    img.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())


def plays(media: Any) -> None:
    """The voice message plays: it has data and a length, and its time runs (or it ended)."""
    media.evaluate("m => { m.muted = true; return m.play(); }")
    media.page.wait_for_function(
        "m => m.readyState >= 2 && m.duration > 0 && (m.currentTime > 0 || m.ended)", arg=media.element_handle()
    )


def test_a_client_sends_a_picture_and_a_voice_message_the_counsellor_sees_and_plays(
    new_page: Callable[..., Any], staff_browser: Callable[..., Any], live: Any, axe_check: Any, tmp_path: Path
) -> None:
    page = new_page(**PHONE)
    conversation = start_chat(page, live, nickname="Nea")
    console = staff_browser("counsellor")
    view = take(console, "Nea", conversation)
    log = page.locator("#k-log")

    # A photo of a letter, with a caption: chosen, shown before sending, sent with Enter.
    choose_file(page, page, picture(tmp_path))
    panel = page.get_by_role("group", name="Attachment")
    expect(panel.get_by_role("img", name="kirje.jpg")).to_be_visible()
    no_violations(axe_check, page, "a picture chosen")
    box = page.get_by_role("textbox", name="Your message")
    box.fill("Mitä tämä Kelan kirje tarkoittaa?")
    box.press("Enter")
    line = log.locator("li.k-msg--client").filter(has=page.locator(".k-attachment--image")).last
    expect(line.locator(".k-mark")).to_have_text(re.compile("Sent|Delivered|Read"))
    expect(panel).to_be_hidden()
    expect(box).to_have_value("")
    shown_picture(line.get_by_role("img", name="Mitä tämä Kelan kirje tarkoittaa?"))

    # The counsellor sees the picture, with the caption as its text; Enter on it opens the full picture.
    received = view.locator("li.msg-client").filter(has=console.locator(".k-attachment--image"))
    expect(received).to_contain_text("Mitä tämä Kelan kirje tarkoittaa?")
    thumb = received.get_by_role("img", name="Mitä tämä Kelan kirje tarkoittaa?")
    shown_picture(thumb)
    received.get_by_role("button", name="Mitä tämä Kelan kirje tarkoittaa?").press("Enter")
    viewer = console.get_by_role("dialog", name="Mitä tämä Kelan kirje tarkoittaa?")
    shown_picture(viewer.get_by_role("img"))
    check_staff_page(console, "the full picture")
    console.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    # A voice message: the timer runs, Stop, listen to it first, then send it without a caption.
    page.get_by_role("button", name=CLIP).click()
    page.get_by_role("button", name="Record a voice message").click()
    timer = page.get_by_role("timer")
    expect(timer).to_have_text("0:02")
    stop = page.get_by_role("button", name="Stop recording")
    expect(stop).to_be_focused()
    expect(page.locator(".k-att-recording")).to_contain_text("/ 5:00")  # the length limit, shown
    no_violations(axe_check, page, "recording a voice message")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Listen to your message before you send it.")).to_be_visible()
    preview = panel.locator("audio")
    expect(preview).to_have_attribute("src", re.compile("^blob:"))
    plays(preview)
    no_violations(axe_check, page, "a voice message to listen to")
    page.get_by_role("button", name="Send", exact=True).click()
    voice = log.locator("li.k-msg--client").filter(has=page.locator(".k-attachment--audio")).last
    expect(voice.locator(".k-mark")).to_have_text(re.compile("Sent|Delivered|Read"))

    # The counsellor receives it and it plays.
    heard = view.locator("li.msg-client .k-attachment--audio audio")
    expect(heard).to_have_count(1)
    plays(heard)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    no_violations(axe_check, page, "the transcript with a picture and a voice message")
    check_staff_page(console, "the console with a picture and a voice message")
    stored = Message.objects.filter(conversation_id=conversation, sender_kind="client")
    assert sorted(stored.values_list("attachment__kind", flat=True)) == ["audio", "image"]


def test_a_refused_file_says_why_and_nothing_is_sent(
    new_page: Callable[..., Any], live: Any, axe_check: Any, tmp_path: Path
) -> None:
    page = new_page(**PHONE)
    conversation = start_chat(page, live)
    script = tmp_path / "kuva.jpg"
    script.write_text("<script>alert(1)</script>\n", encoding="utf-8")  # a script named as a picture
    choose_file(page, page, script)
    box = page.get_by_role("textbox", name="Your message")
    box.fill("Katso tämä")
    box.press("Enter")
    error = page.get_by_role("group", name="Attachment").locator("xpath=following-sibling::p[@role='alert']")
    expect(error).not_to_be_empty()
    message = error.inner_text()
    assert message != "The file could not be sent. Check your connection and try again."  # the server's own words
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)  # the same file would be refused again
    expect(page.get_by_role("button", name="Remove")).to_be_focused()
    expect(box).to_have_value("Katso tämä")  # the caption is kept for another file
    no_violations(axe_check, page, "a refused file")
    page.get_by_role("button", name="Remove").press("Enter")
    expect(page.get_by_role("group", name="Attachment")).to_be_hidden()
    assert not Message.objects.filter(conversation_id=conversation, sender_kind="client").exists()
    assert not Attachment.objects.filter(conversation_id=conversation).exists()


def test_an_upload_shows_its_progress_can_be_cancelled_and_a_failed_one_is_retried_and_stored_once(
    new_page: Callable[..., Any], live: Any, axe_check: Any, tmp_path: Path
) -> None:
    page = new_page(**PHONE)
    conversation = start_chat(page, live)
    upload_ids: list[str] = []
    held: list[Any] = []

    def upload(route: Any) -> None:
        found = re.search(rb'name="id"\r\n\r\n([^\r]+)', route.request.post_data_buffer)
        assert found, "the upload names its id"
        upload_ids.append(found.group(1).decode())
        if len(upload_ids) == 1:
            held.append(route)  # the first try hangs (a slow network) until the client cancels it
        elif len(upload_ids) == 2:
            route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>")
        else:
            route.continue_()

    page.route("**/chat/upload/", upload)
    choose_file(page, page, picture(tmp_path))
    box = page.get_by_role("textbox", name="Your message")
    box.fill("Läksy")
    box.press("Enter")

    # Under way: a progress bar with its name, and Cancel.
    expect(page.get_by_role("progressbar", name="Uploading the file")).to_be_visible()
    no_violations(axe_check, page, "an upload under way")
    page.get_by_role("button", name="Cancel upload").press("Enter")
    expect(page.get_by_role("progressbar")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove")).to_be_focused()
    with contextlib.suppress(Exception):
        held[0].abort()  # the browser gave up on it already

    # Sent again: the server fails, the client is told plainly and tries again.
    box.press("Enter")
    expect(page.get_by_text("The file could not be sent. Check your connection and try again.")).to_be_visible()
    retry = page.get_by_role("button", name="Try again")
    expect(retry).to_be_focused()
    no_violations(axe_check, page, "a failed upload")
    retry.press("Enter")
    line = page.locator("#k-log li.k-msg--client").last
    expect(line.get_by_role("img", name="Läksy")).to_be_visible()
    expect(line.locator(".k-mark")).to_have_text(re.compile("Sent|Delivered|Read"))
    expect(box).to_have_value("")
    assert len(upload_ids) == 3 and len(set(upload_ids)) == 1  # the same upload id every time
    assert Message.objects.filter(conversation_id=conversation, sender_kind="client").count() == 1
    assert Attachment.objects.filter(conversation_id=conversation, upload_id=upload_ids[0]).count() == 1


def test_a_recorded_video_message_reaches_the_counsellor(
    new_page: Callable[..., Any], staff_browser: Callable[..., Any], live: Any, axe_check: Any
) -> None:
    page = new_page(**PHONE)
    conversation = start_chat(page, live, nickname="Vilja")
    console = staff_browser("counsellor")
    view = take(console, "Vilja", conversation)

    # By keyboard: the paper clip, "Record a video"; the camera is shown while it records, with the limit.
    clip = page.get_by_role("button", name=CLIP)
    clip.focus()
    clip.press("Enter")
    expect(clip).to_have_attribute("aria-expanded", "true")
    record = page.get_by_role("button", name="Record a video")
    expect(page.get_by_role("button", name="Add a picture or file")).to_be_focused()
    record.focus()
    record.press("Enter")
    camera = page.get_by_role("group", name="Attachment").locator("video.k-att-live")
    page.wait_for_function("v => v.videoWidth > 0", arg=camera.element_handle())
    expect(page.get_by_role("timer")).to_have_text("0:01")
    expect(page.locator(".k-att-recording")).to_contain_text("/ 2:00")
    no_violations(axe_check, page, "recording a video")
    page.get_by_role("button", name="Stop recording").press("Enter")
    expect(page.get_by_text("Watch your video before you send it.")).to_be_visible()
    page.get_by_role("textbox", name="Your message").fill("Näin se menee")
    page.get_by_role("textbox", name="Your message").press("Enter")
    sent = page.locator("#k-log li.k-msg--client").last
    expect(sent.locator(".k-mark")).to_have_text(re.compile("Sent|Delivered|Read"))

    # The counsellor's video has frames to show.
    video = view.locator("li.msg-client .k-attachment--video video")
    expect(video).to_have_count(1)
    expect(view.locator("li.msg-client").last).to_contain_text("Näin se menee")
    console.wait_for_function("v => v.readyState >= 2 && v.videoWidth > 0", arg=video.element_handle())
    check_staff_page(console, "the console with a video message")


def test_a_counsellor_sends_a_pdf_and_a_picture_the_client_opens(
    new_page: Callable[..., Any], staff_browser: Callable[..., Any], live: Any, axe_check: Any, tmp_path: Path
) -> None:
    page = new_page(**PHONE)
    conversation = start_chat(page, live, nickname="Oona")
    console = staff_browser("counsellor")
    view = take(console, "Oona", conversation)

    choose_file(console, view, pdf(tmp_path))
    expect(view.get_by_role("group", name="Attachment")).to_contain_text("ohjeet.pdf")
    check_staff_page(console, "the console with a PDF chosen")
    reply = view.get_by_label("Message to the client")
    reply.fill("Tässä ohjeet hakemukseen.")
    reply.press("Enter")
    expect(view.locator("li.msg-staff .k-attachment--pdf")).to_contain_text("ohjeet.pdf")

    choose_file(console, view, picture(tmp_path, "kartta.jpg"))
    view.get_by_role("button", name="Send", exact=True).click()
    expect(view.locator("li.msg-staff .k-attachment--image img")).to_be_visible()
    check_staff_page(console, "the console's transcript with a PDF and a picture")

    # The client sees both: the PDF's link with its name and size opens the document, the picture is drawn.
    log = page.locator("#k-log")
    link = log.get_by_role("link", name=re.compile(r"^ohjeet\.pdf \(PDF document, \d+ kB\)$"))
    expect(link).to_be_visible()
    expect(log).to_contain_text("Tässä ohjeet hakemukseen.")
    response = page.request.get(link.evaluate("a => a.href"))
    assert response.status == 200
    assert response.body().startswith(b"%PDF")
    shown_picture(log.get_by_role("img", name="Picture"))
    no_violations(axe_check, page, "the client's transcript with a PDF and a picture")
    # By keyboard: Enter on the picture opens it whole; Close (or Esc) puts focus back on it.
    thumbnail = log.get_by_role("button", name="Picture")
    thumbnail.focus()
    thumbnail.press("Enter")
    viewer = page.get_by_role("dialog", name="Picture")
    shown_picture(viewer.get_by_role("img", name="Picture"))
    no_violations(axe_check, page, "the full picture on a phone")
    viewer.get_by_role("button", name="Close").press("Enter")
    expect(viewer).to_be_hidden()
    expect(thumbnail).to_be_focused()
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


def test_an_expired_picture_link_is_renewed_once(new_page: Callable[..., Any], live: Any, tmp_path: Path) -> None:
    page = new_page(**PHONE)
    asked: list[dict[str, Any]] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda data: asked.append(json.loads(data))))
    start_chat(page, live)
    fetched: list[str] = []

    def expired_first(route: Any) -> None:
        fetched.append(route.request.url)
        if len(fetched) == 1:
            route.fulfill(status=410, content_type="text/plain", body="expired")
        else:
            route.continue_()

    page.route("**/media/**", expired_first)
    choose_file(page, page, picture(tmp_path))
    page.get_by_role("textbox", name="Your message").press("Enter")
    # The picture fails once (as an expired link does), fresh links are asked for once, and it is drawn.
    shown_picture(page.locator("#k-log .k-attachment--image img"))
    renewals = [frame for frame in asked if frame.get("type") == "file_link"]
    assert len(renewals) == 1
    assert len(fetched) >= 2


def test_files_are_offered_only_once_a_person_is_there_to_receive_them(new_page: Callable[..., Any], live: Any) -> None:
    page = new_page(**PHONE)
    ask_the_bot(page, live)
    # The chatbot takes no files (the server refuses them): no paper clip while it answers.
    expect(page.get_by_role("textbox", name="Your message")).to_be_visible()
    expect(page.get_by_role("button", name=CLIP)).to_be_hidden()
    page.locator("#k-handoff").click()  # "Talk to a person": into the queue
    expect(page.get_by_text(re.compile(r"You are number \d+ in the queue"))).to_be_visible()
    expect(page.get_by_role("button", name=CLIP)).to_be_visible()


def test_a_picture_sent_while_the_connection_is_down_waits_goes_once_and_comes_back_after_a_reload(
    new_page: Callable[..., Any], live: Any, tmp_path: Path
) -> None:
    page = new_page(**PHONE)
    line = ClientLine(page)
    conversation = start_chat(page, live)
    line.cut()
    expect(page.locator("#k-conn")).to_have_text("Connection lost. Reconnecting…")

    # The upload is plain HTTP and goes; the message waits in the outbox, picture and all.
    choose_file(page, page, picture(tmp_path))
    box = page.get_by_role("textbox", name="Your message")
    box.fill("Tunnelissa otettu")
    box.press("Enter")
    waiting = page.locator("#k-log li.k-msg--client").last
    expect(waiting.locator(".k-mark")).to_have_text("Sending…")
    shown_picture(waiting.get_by_role("img", name="Tunnelissa otettu"))
    assert '"attachment":' in page.evaluate("localStorage.getItem('kohtaamo.outbox')")

    line.restore()
    expect(waiting.locator(".k-mark")).to_have_text("Sent", timeout=20_000)
    assert page.evaluate("localStorage.getItem('kohtaamo.outbox')") is None

    # A reload replays the line with its picture (fresh links for this browser); stored once.
    page.reload()
    replayed = page.locator("#k-log li.k-msg--client")
    expect(replayed).to_have_count(1)
    shown_picture(replayed.get_by_role("img", name="Tunnelissa otettu"))
    assert Message.objects.filter(conversation_id=conversation, sender_kind="client").count() == 1
    assert Attachment.objects.filter(conversation_id=conversation).count() == 1

    # The transcript the client may download names the picture beside its caption (the file stays on the server).
    from_menu(page, "Download transcript")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download", exact=True).click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert re.search(r"You: Tunnelissa otettu \[Picture: [^\]]+\]", text), text


def test_a_voice_message_stops_by_itself_at_the_length_limit_and_is_accepted(
    new_page: Callable[..., Any], live: Any, settings: Any
) -> None:
    settings.MEDIA_AUDIO_MAX_SECONDS = 3
    page = new_page(**PHONE)
    conversation = start_chat(page, live)
    page.get_by_role("button", name=CLIP).click()
    page.get_by_role("button", name="Record a voice message").click()
    expect(page.locator(".k-att-recording")).to_contain_text("/ 0:03")
    # Nobody presses Stop: at the limit the recording ends and waits to be listened to.
    expect(page.get_by_text("Listen to your message before you send it.")).to_be_visible()
    page.get_by_role("button", name="Send", exact=True).click()
    line = page.locator("#k-log li.k-msg--client").last
    expect(line.locator(".k-attachment--audio audio")).to_have_count(1)
    expect(line.locator(".k-mark")).to_have_text(re.compile("Sent|Delivered|Read"))
    stored = Attachment.objects.get(conversation_id=conversation)
    assert stored.kind == "audio" and stored.duration is not None and stored.duration <= 3


def test_a_microphone_the_browser_refuses_is_said_plainly(
    new_page: Callable[..., Any], live: Any, axe_check: Any
) -> None:
    page = new_page(**PHONE)
    # As when the person said no to the browser's question.
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Denied', 'NotAllowedError'));"
    )
    start_chat(page, live)
    page.get_by_role("button", name=CLIP).click()
    page.get_by_role("button", name="Record a voice message").click()
    expect(page.get_by_role("alert").filter(has_text="The microphone or camera could not be used.")).to_be_visible()
    expect(page.get_by_role("timer")).to_have_count(0)
    expect(page.get_by_role("button", name=CLIP)).to_be_enabled()
    no_violations(axe_check, page, "the microphone refused")


def test_a_file_over_its_kinds_limit_is_refused_at_once_in_the_servers_words(
    new_page: Callable[..., Any], live: Any, axe_check: Any, settings: Any, tmp_path: Path
) -> None:
    """A photo too big for pictures is not uploaded for nothing: the page says at once what the server would."""
    import requests

    settings.MEDIA_IMAGE_MAX_BYTES = 1024 * 1024
    page = new_page(**PHONE)
    conversation = start_chat(page, live)
    uploads: list[str] = []
    page.on("request", lambda request: uploads.append(request.url) if "/upload/" in request.url else None)
    big = tmp_path / "iso-kuva.jpg"
    buffer = io.BytesIO()
    Image.effect_noise((1200, 1200), 120).convert("RGB").save(buffer, "JPEG", quality=100)
    big.write_bytes(buffer.getvalue())
    assert big.stat().st_size > 1024 * 1024
    choose_file(page, page, big)
    error = page.locator(".k-att-error[role='alert']")
    expect(error).to_have_text("The file is too big. It can be at most 1 MB.")
    expect(page.get_by_role("group", name="Attachment")).to_be_hidden()  # nothing waits to be sent
    expect(page.get_by_role("button", name=CLIP)).to_be_focused()
    no_violations(axe_check, page, "a file too big")
    # The same words as the server's, which still checks: the same file uploaded anyway is refused so.
    token = json.loads(
        page.evaluate("localStorage.getItem('kohtaamo.token') || sessionStorage.getItem('kohtaamo.token')")
    )
    answer = requests.post(
        f"{live.url}/chat/upload/",
        data={"conversation": str(conversation), "id": "too-big", "lang": "en"},
        files={"file": (big.name, big.read_bytes(), "image/jpeg")},
        headers={"X-Kohtaamo-Token": token},
        timeout=60,
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["message"] == error.inner_text()
    assert uploads == []  # the page itself sent nothing
    assert not Attachment.objects.filter(conversation_id=conversation).exists()
    # A picture within the limit goes as before.
    choose_file(page, page, picture(tmp_path))
    expect(page.get_by_role("group", name="Attachment").get_by_role("img", name="kirje.jpg")).to_be_visible()
    expect(error).to_be_empty()
