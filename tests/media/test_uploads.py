"""Attachments end to end (issue 14): real uploads over HTTP, real sockets, real file links.

A client uploads, sends the file with `send`, the counsellor's `message` carries
a link that works for the counsellor alone; resend and resume; a counsellor
uploads with the session and CSRF; nothing refused is left in storage; nobody
reads another conversation's file; an expired link, a removed right, a
deleted conversation all stop a link.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import secrets
from typing import Any

import requests
from django.utils import timezone
from freezegun import freeze_time
from PIL import Image

from conversations.models import Attachment, Message
from media import links
from tests.chat_helpers import Chat, new_id
from tests.media import corpus
from tests.media.conftest import stored_files
from tests.wsclient import ProtocolClient


def client_upload(
    chat: Chat,
    client: ProtocolClient,
    conversation: int,
    data: bytes,
    *,
    name: str = "photo.jpg",
    upload_id: str | None = None,
    lang: str = "en",
) -> requests.Response:
    return requests.post(
        f"{chat.live.url}/chat/upload/",
        data={"conversation": str(conversation), "id": upload_id or new_id(), "lang": lang},
        files={"file": (name, data, "image/jpeg")},
        headers={"X-Kohtaamo-Token": client.token or ""},
        timeout=60,
    )


def staff_http(chat: Chat, username: str, *, csrf: bool = True) -> requests.Session:
    """A browser of a logged-in staff member: its session cookie and, with `csrf`, a CSRF cookie and header."""
    session = requests.Session()
    for pair in chat.login(username).split("; "):
        key, _sep, value = pair.partition("=")
        session.cookies.set(key, value)
    if csrf:
        token = secrets.token_hex(16)
        session.cookies.set("csrftoken", token)
        session.headers["X-CSRFToken"] = token
    return session


def staff_upload(
    chat: Chat, http: requests.Session, conversation: int, data: bytes, **fields: str
) -> requests.Response:
    return http.post(
        f"{chat.live.url}/console/upload/",
        data={"conversation": str(conversation), "id": new_id(), "lang": "en"},
        files={"file": ("x.pdf", data, "application/pdf")},
        timeout=60,
    )


def fetch(chat: Chat, url: str, http: Any = requests, **headers: str) -> requests.Response:
    return http.get(f"{chat.live.url}{url}", headers=headers, timeout=30)


def send_file(
    socket: ProtocolClient, conversation: int, attachment: int, body: str = "", msg_id: str = ""
) -> dict[str, Any]:
    msg_id = msg_id or new_id()
    return socket.answer(
        {"type": "send", "conversation": conversation, "id": msg_id, "body": body, "attachment": attachment}
    )


def client_pk(client: ProtocolClient) -> int:
    from conversations.actions.clients import hash_token
    from conversations.models import Client

    return Client.objects.get(token_hash=hash_token(client.token or "")).pk


def with_person(chat: Chat) -> tuple[ProtocolClient, ProtocolClient, int]:
    client = chat.client()
    conversation = chat.start(client)
    staff = chat.staff("counsellor")
    chat.take(staff, conversation)
    return client, staff, conversation


def test_a_photo_goes_from_client_to_counsellor_once_without_its_gps(chat: Chat) -> None:
    client, staff, conversation = with_person(chat)
    upload_id = new_id()
    first = client_upload(chat, client, conversation, corpus.jpeg_with_gps(), upload_id=upload_id)
    assert first.status_code == 201, first.text
    info = first.json()["attachment"]
    assert (info["kind"], info["mime"], info["width"], info["height"]) == ("image", "image/jpeg", 640, 480)
    assert info["url"].startswith("/media/") and info["thumb"].startswith("/media/")
    # The same upload again (a retry after a lost answer): the same attachment, stored once.
    again = client_upload(chat, client, conversation, corpus.jpeg_with_gps(), upload_id=upload_id)
    assert again.status_code == 200 and again.json()["attachment"]["id"] == info["id"]
    assert Attachment.objects.count() == 1 and len(stored_files()) == 2  # the picture and its thumbnail
    # The uploader sees its own upload before sending it (a preview).
    assert fetch(chat, info["url"]).status_code == 200

    msg_id = new_id()
    ack = send_file(client, conversation, info["id"], body="Mitä tämä kirje tarkoittaa?", msg_id=msg_id)
    assert ack["type"] == "ack"
    received = staff.wait_for("message", conversation=conversation, id=msg_id)
    assert received["body"] == "Mitä tämä kirje tarkoittaa?"
    staff_info = received["attachment"]
    assert staff_info["id"] == info["id"] and staff_info["url"] != info["url"]

    counsellor = staff_http(chat, "counsellor", csrf=False)
    got = fetch(chat, staff_info["url"], counsellor)
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {part.strip() for part in got.headers["Cache-Control"].split(",")}
    assert got.headers["Content-Disposition"].startswith("inline")
    with Image.open(io.BytesIO(got.content)) as picture:
        assert not picture.getexif() and picture.size == (640, 480)
    assert b"PhoneMaker" not in got.content
    thumb = fetch(chat, staff_info["thumb"], counsellor)
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/webp"
    # Seeking: one range of bytes.
    part = fetch(chat, staff_info["url"], counsellor, Range="bytes=0-9")
    assert part.status_code == 206 and len(part.content) == 10 and part.content == got.content[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{len(got.content)}"
    assert fetch(chat, staff_info["url"], counsellor, Range=f"bytes={len(got.content) + 5}-").status_code == 416
    # The counsellor's link is the counsellor's: without the session it is nothing.
    assert fetch(chat, staff_info["url"]).status_code == 404

    # A resend of the line stores nothing new.
    resent = send_file(client, conversation, info["id"], body="Mitä tämä kirje tarkoittaa?", msg_id=msg_id)
    assert resent["seq"] == ack["seq"]
    assert Message.objects.filter(client_msg_id=msg_id).count() == 1
    # A reload: resume replays the line with a working link of the client's own.
    again_client = chat.client(token=client.token)
    again_client.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "r"})
    replayed = again_client.wait_for("message", conversation=conversation, id=msg_id)
    assert fetch(chat, replayed["attachment"]["url"]).status_code == 200
    # And the counsellor's resume too.
    staff.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "s"})
    replayed = staff.wait_for("message", conversation=conversation, id=msg_id, ref="s")
    assert fetch(chat, replayed["attachment"]["url"], counsellor).status_code == 200


def test_the_refused_corpus_leaves_nothing_behind(chat: Chat, tmp_path: Any) -> None:
    client, _staff, conversation = with_person(chat)
    hostile = {
        "script.jpg": (corpus.SCRIPT, "file_type"),
        "drawing.svg": (corpus.SVG_WITH_SCRIPT, "file_type"),
        "page.html": (corpus.HTML, "file_type"),
        "voice.webm": (corpus.wav(tmp_path), "file_type"),
        "half.jpg": (corpus.truncated_jpeg(), "file_broken"),
        "bomb.png": (corpus.decompression_bomb(), "file_too_large"),
        "empty.jpg": (b"", "file_empty"),
        "letter.pdf": (corpus.pdf(javascript=True), "file_type"),
    }
    for name, (data, code) in hostile.items():
        response = client_upload(chat, client, conversation, data, name=name)
        assert response.status_code in (400, 413, 415), (name, response.status_code)
        assert response.json()["error"]["code"] == code, name
        assert response.json()["error"]["message"]
    assert Attachment.objects.count() == 0
    assert stored_files() == []
    # In the sender's language.
    finnish = client_upload(chat, client, conversation, corpus.SCRIPT, lang="fi").json()["error"]["message"]
    assert finnish.startswith("Tällaista tiedostoa ei voi lähettää")
    # (the file checks run in a thread of their own: the language goes with them)
    english = client_upload(chat, client, conversation, corpus.SCRIPT, lang="en").json()["error"]["message"]
    assert english.startswith("This kind of file cannot be sent")
    swedish = client_upload(chat, client, conversation, corpus.SCRIPT, lang="sv").json()["error"]["message"]
    assert swedish != finnish and swedish != english
    # A polyglot is accepted, as the picture alone.
    polyglot = client_upload(chat, client, conversation, corpus.jpeg_with_gps() + corpus.zip_bytes())
    assert polyglot.status_code == 201
    stored = fetch(chat, polyglot.json()["attachment"]["url"]).content
    assert b"PK\x03\x04" not in stored


def test_an_upload_body_over_the_limit_is_not_read(chat: Chat) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", chat.live.port, timeout=10)
    connection.putrequest("POST", "/chat/upload/")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(10 * 1024**3))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert b"file_too_large" in response.read()
    connection.close()
    assert stored_files() == []


def test_a_counsellor_uploads_with_the_session_and_its_csrf_token(chat: Chat) -> None:
    client, staff, conversation = with_person(chat)
    refused = staff_upload(chat, staff_http(chat, "counsellor", csrf=False), conversation, corpus.pdf())
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    counsellor = staff_http(chat, "counsellor")
    # A colleague who may see but not write in the conversation may not upload into it.
    colleague = staff_upload(chat, staff_http(chat, "counsellor2"), conversation, corpus.pdf())
    assert colleague.status_code == 403 and colleague.json()["error"]["code"] == "not_allowed"
    stored = staff_upload(chat, counsellor, conversation, corpus.pdf())
    assert stored.status_code == 201, stored.text
    info = stored.json()["attachment"]
    assert (info["kind"], info["name"], info["thumb"]) == ("pdf", "x.pdf", None)
    msg_id = new_id()
    assert send_file(staff, conversation, info["id"], msg_id=msg_id)["type"] == "ack"
    received = client.wait_for("message", conversation=conversation, id=msg_id)
    got = fetch(chat, received["attachment"]["url"])
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.content.startswith(b"%PDF")
    assert stored_files() != []


def test_nobody_reads_or_sends_another_conversations_file(chat: Chat) -> None:
    client, staff, conversation = with_person(chat)
    info = client_upload(chat, client, conversation, corpus.png()).json()["attachment"]
    msg_id = new_id()
    send_file(client, conversation, info["id"], msg_id=msg_id)
    staff_url = staff.wait_for("message", conversation=conversation, id=msg_id)["attachment"]["url"]
    other = chat.client()
    other_conversation = chat.start(other)

    # Another client cannot send it in its own conversation, nor ask for its links.
    error = send_file(other, other_conversation, info["id"])
    assert (error["type"], error["code"]) == ("error", "not_found")
    for conversation_id in (conversation, other_conversation):
        answer = other.answer({"type": "file_link", "conversation": conversation_id, "attachment": info["id"]})
        assert (answer["type"], answer["code"]) == ("error", "not_found")
    # Its upload cannot land in another's conversation; in its own, waiting for a person, it can.
    foreign = client_upload(chat, other, conversation, corpus.png())
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "not_found"
    assert client_upload(chat, other, other_conversation, corpus.png()).status_code == 201
    # A link signed for another conversation (ids swapped) or altered is nothing.
    swapped = links.sign(links.Link(info["id"], other_conversation, "client", "file", client_pk(other)))
    assert fetch(chat, swapped).status_code == 404
    altered = staff_url.replace("/media/", "/media/x")
    assert fetch(chat, altered, staff_http(chat, "counsellor", csrf=False)).status_code == 404
    # The counsellor's link in a colleague's session, even one of the same desk, and of another organisation.
    for username in ("counsellor2", "studycounsellor"):
        assert fetch(chat, staff_url, staff_http(chat, username, csrf=False)).status_code == 404
    # The same colleague asks for links of their own: they may see the conversation, so they get them.
    colleague = chat.staff("counsellor2")
    colleague.send({"type": "resume", "conversation": conversation, "after": 0, "ref": "c"})
    colleague.wait_for("synced", conversation=conversation)
    answer = colleague.answer({"type": "file_link", "conversation": conversation, "attachment": info["id"]})
    assert answer["type"] == "file_link"
    assert fetch(chat, answer["attachment"]["url"], staff_http(chat, "counsellor2", csrf=False)).status_code == 200
    outsider = chat.staff("studycounsellor")
    answer = outsider.answer({"type": "file_link", "conversation": conversation, "attachment": info["id"]})
    assert (answer["type"], answer["code"]) == ("error", "not_found")


def test_an_expired_link_answers_410_and_file_link_renews_it(chat: Chat) -> None:
    client, _staff, conversation = with_person(chat)
    info = client_upload(chat, client, conversation, corpus.png()).json()["attachment"]
    send_file(client, conversation, info["id"])
    with freeze_time(timezone.now() - dt.timedelta(seconds=901)):
        old = links.sign(links.Link(info["id"], conversation, "client", "file", client_pk(client)))
    assert fetch(chat, old).status_code == 410
    fresh = client.answer({"type": "file_link", "conversation": conversation, "attachment": info["id"]})
    assert fresh["type"] == "file_link" and fresh["attachment"]["id"] == info["id"]
    assert fetch(chat, fresh["attachment"]["url"]).status_code == 200
    with freeze_time(timezone.now() + dt.timedelta(seconds=901)):
        token = fresh["attachment"]["url"].split("/")[2]
        try:
            links.read(token)
        except links.LinkExpired:
            pass
        else:
            raise AssertionError("the link did not expire")


def test_a_removed_right_or_a_deleted_conversation_ends_the_links(chat: Chat, demo: Any) -> None:
    from desks.models import DeskMembership

    client, staff, conversation = with_person(chat)
    info = client_upload(chat, client, conversation, corpus.png()).json()["attachment"]
    msg_id = new_id()
    send_file(client, conversation, info["id"], msg_id=msg_id)
    staff_url = staff.wait_for("message", conversation=conversation, id=msg_id)["attachment"]["url"]
    counsellor = staff_http(chat, "counsellor", csrf=False)
    assert fetch(chat, staff_url, counsellor).status_code == 200
    DeskMembership.objects.filter(staff=demo.staff.counsellor, desk=demo.desks.youth).delete()
    assert fetch(chat, staff_url, counsellor).status_code == 404
    # The client deletes the conversation: its links stop and its files are gone.
    assert fetch(chat, info["url"]).status_code == 200
    assert len(stored_files()) == 2
    assert client.answer({"type": "delete", "conversation": conversation})["type"] == "done"
    assert fetch(chat, info["url"]).status_code == 404
    assert stored_files() == []
    assert Attachment.objects.count() == 0


def test_files_go_only_where_a_file_may_go(chat: Chat) -> None:
    client = chat.client()
    client.send({"type": "start", "desk": "youth", "nickname": "", "ref": "bot"})
    with_bot = client.wait_for("conversation", ref="bot")["conversation"]["id"]
    refused = client_upload(chat, client, with_bot, corpus.png())
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    stranger = requests.post(
        f"{chat.live.url}/chat/upload/",
        data={"conversation": str(with_bot), "id": "x", "lang": "en"},
        files={"file": ("a.png", corpus.png(), "image/png")},
        headers={"X-Kohtaamo-Token": "not-a-real-token-at-all-but-long-enough"},
        timeout=30,
    )
    assert stranger.status_code == 404
    missing = requests.post(
        f"{chat.live.url}/chat/upload/",
        data={"conversation": str(with_bot)},
        headers={"X-Kohtaamo-Token": client.token or ""},
        timeout=30,
    )
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "bad_request"
    # A closed conversation takes no more files.
    client2, _staff, conversation = with_person(chat)
    assert chat.staff("counsellor").answer({"type": "close", "conversation": conversation, "outcome": "answered"})
    closed = client_upload(chat, client2, conversation, corpus.png())
    assert closed.status_code == 403
    assert stored_files() == []


def test_uploads_are_rate_limited(chat: Chat, monkeypatch: Any) -> None:
    from common.ratelimit import make_limiter
    from conversations.actions import attachments

    monkeypatch.setattr(attachments, "UPLOAD_LIMITER", make_limiter(f"upload-test-{new_id()}", 2, 0.001))
    client, _staff, conversation = with_person(chat)
    answers = [client_upload(chat, client, conversation, b"").status_code for _ in range(3)]
    assert answers == [400, 400, 429]
    limited = client_upload(chat, client, conversation, b"")
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1


def test_a_caption_is_read_for_crisis_like_any_line(chat: Chat) -> None:
    from conversations.models import Conversation

    client, staff, conversation = with_person(chat)
    info = client_upload(chat, client, conversation, corpus.png()).json()["attachment"]
    msg_id = new_id()
    send_file(client, conversation, info["id"], body="en jaksa enää, haluan kuolla", msg_id=msg_id)
    alert = staff.wait_for("alert", conversation=conversation)
    assert alert["kind"] == "crisis"
    assert Conversation.objects.get(pk=conversation).crisis_at is not None
    # A file without a caption is a line too (nothing to read in it).
    second = client_upload(chat, client, conversation, corpus.png()).json()["attachment"]
    ack = send_file(client, conversation, second["id"])
    assert ack["type"] == "ack"
    # An upload is sent once: naming it again in a new line is "not found".
    again = send_file(client, conversation, second["id"])
    assert (again["type"], again["code"]) == ("error", "not_found")


def test_a_full_line_of_file_checks_answers_busy_at_once(chat: Chat, monkeypatch: Any, settings: Any) -> None:
    from conversations.actions import attachments

    settings.MEDIA_CONCURRENT_INSPECTIONS = 1
    settings.MEDIA_INSPECTION_QUEUE_MAX = 0
    client, _staff, conversation = with_person(chat)
    monkeypatch.setattr(attachments, "_admitted", 1)  # another upload is being checked
    busy = client_upload(chat, client, conversation, corpus.png())
    assert busy.status_code == 503 and busy.json()["error"]["code"] == "busy" and busy.headers["Retry-After"]
    monkeypatch.setattr(attachments, "_admitted", 0)
    assert client_upload(chat, client, conversation, corpus.png()).status_code == 201
    assert len(stored_files()) == 2
