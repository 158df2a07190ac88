"""The console's history shows a closed conversation's files, linked for the staff member reading it (issue 14)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from conversations.actions import assignment, clients, closing, messages, starting
from conversations.actions.attachments import client_uploader, do_upload, inspect_and_store
from demo.data import DEMO_PASSWORD
from tests.media import corpus
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def login(username: str) -> HttpClient:
    browser = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(browser, username, DEMO_PASSWORD)
    return browser


def test_a_closed_conversations_picture_opens_from_the_history_for_its_reader_only(demo: Any) -> None:
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="Mimi", person=True)
    assignment.do_take(demo.staff.counsellor, conversation_id=conversation_id)
    stored = inspect_and_store(SimpleUploadedFile("photo.jpg", corpus.jpeg_with_gps()))
    attachment, _created = do_upload(conversation_id, "u1", client_uploader(client), stored)
    messages.do_send_message(conversation_id, body="", client_msg_id="m1", client=client, attachment=attachment.pk)
    closing.do_close(demo.staff.counsellor, conversation_id, outcome="answered")

    counsellor = login("counsellor")
    page = counsellor.get(f"/console/history/{conversation_id}/").content.decode()
    assert "Picture: picture.jpg" in page
    links = sorted(set(re.findall(r'(?:href|src)="(/media/[^"]+)"', page)))
    assert len(links) == 2  # the picture and its thumbnail
    for link in links:
        got = counsellor.get(link)
        assert got.status_code == 200 and got["Content-Type"] in ("image/jpeg", "image/webp")
        assert b"".join(got.streaming_content)  # type: ignore[attr-defined]
    # The links are the reader's: a colleague of the same desk gets nothing from them.
    colleague = login("counsellor2")
    assert all(colleague.get(link).status_code == 404 for link in links)
