"""A closed conversation's picture and voice message in the console's history, in a real browser.

The counsellor reads them back on a 360 px wide screen: the thumbnail loads
through its signed link, the voice message plays from its own, both reached by
keyboard, and the page passes axe.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from conversations.actions import assignment, clients, closing, messages, starting
from conversations.actions.attachments import client_uploader, do_upload, inspect_and_store
from tests.browser import check_staff_page
from tests.media import corpus

expect.set_options(timeout=10_000)


def send(client: Any, conversation_id: int, name: str, data: bytes, upload_id: str, body: str = "") -> None:
    stored = inspect_and_store(SimpleUploadedFile(name, data))
    attachment, _created = do_upload(conversation_id, upload_id, client_uploader(client), stored)
    messages.do_send_message(
        conversation_id, body=body, client_msg_id=upload_id, client=client, attachment=attachment.pk
    )


@pytest.mark.django_db(transaction=True)
def test_a_picture_and_a_voice_message_read_back_by_keyboard(
    live: Any, demo: Any, staff_browser: Callable[..., Page], tmp_path: Path
) -> None:
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="Mimi", person=True)
    assignment.do_take(demo.staff.counsellor, conversation_id=conversation_id)
    send(client, conversation_id, "kirje.jpg", corpus.jpeg_with_gps(width=1600, height=1200), "u1", "Mikä tämä on?")
    send(client, conversation_id, "voice.webm", corpus.opus_webm(tmp_path), "u2")
    closing.do_close(demo.staff.counsellor, conversation_id, outcome="answered")

    page = staff_browser("counsellor", f"/console/history/{conversation_id}/")
    picture = page.get_by_role("img", name="Picture: picture.jpg")
    expect(picture).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", picture.element_handle())
    audio = page.locator("audio")
    expect(audio).to_have_attribute("aria-label", "Voice message")
    # Played from its link (ranges and all): it reaches its end.
    page.evaluate("(audio) => { audio.muted = true; return audio.play(); }", audio.element_handle())
    page.wait_for_function("(audio) => audio.ended || audio.currentTime > 0.5", arg=audio.element_handle())
    # The file's own link is reached by keyboard.
    link = page.get_by_role("link", name="Voice message: voice-message.webm")
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("(element) => element === document.activeElement"):
            break
    else:
        raise AssertionError("the voice message's link was not reached with Tab")
    check_staff_page(page, "history with files")
