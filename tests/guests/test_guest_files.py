"""A guest and the conversation's files (issue 14, items 1 and 3): only what was sent after joining, only while in.

The links a guest's socket gets are signed for the guest (`guest:<id>`); the
file view asks, at every fetch, whether that guest is still in the
conversation and whether the file was sent after they joined.
"""

from __future__ import annotations

import requests

from tests.chat_helpers import Chat, new_id
from tests.guests.helpers import active_conversation, joined_guest
from tests.media import corpus
from tests.media.test_uploads import client_upload, fetch, send_file


def test_a_guest_reads_files_sent_after_joining_and_none_after_removal(chat: Chat) -> None:
    scene = active_conversation(chat)
    before = client_upload(chat, scene.client, scene.conversation, corpus.jpeg_with_gps()).json()["attachment"]
    send_file(scene.client, scene.conversation, before["id"], "before the guest")

    guest_id, guest, browser = joined_guest(chat, scene)
    # The resume from the start shows nothing before the guest joined: not the earlier file either.
    assert not [e for e in guest.events if e.get("type") == "message" and e.get("attachment")]

    after = client_upload(chat, scene.client, scene.conversation, corpus.png()).json()["attachment"]
    send_file(scene.client, scene.conversation, after["id"], "for all of us")
    event = guest.wait_for("message", body="for all of us")
    shown = event["attachment"]
    assert shown["id"] == after["id"] and shown["url"].startswith("/media/")
    page = browser.get(shown["url"])
    assert page.status_code == 200 and page["Content-Type"] == "image/png"
    # The link is the guest's: without the guest's session it gives nothing.
    assert fetch(chat, shown["url"], requests.Session()).status_code == 404

    # Fresh links: for the file sent after joining; the earlier one is "not found", as a missing one.
    assert guest.answer({"type": "file_link", "conversation": scene.conversation, "attachment": after["id"]})[
        "attachment"
    ]["url"]
    refused = guest.answer({"type": "file_link", "conversation": scene.conversation, "attachment": before["id"]})
    assert (refused["type"], refused["code"]) == ("error", "not_found")

    # A guest sends no files, even one of the conversation's.
    refused = guest.answer(
        {"type": "send", "conversation": scene.conversation, "id": new_id(), "body": "", "attachment": after["id"]}
    )
    assert (refused["type"], refused["code"]) == ("error", "forbidden")

    # Removed: the link the guest already has gives nothing any more.
    scene.counsellor.answer({"type": "remove_guest", "conversation": scene.conversation, "guest": guest_id})
    assert browser.get(shown["url"]).status_code == 404
