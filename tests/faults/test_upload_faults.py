"""Faults during uploads (issue 14): a server killed in the middle of a file, and around a message with one.

Real `scripts/serve.py` processes (tests/processes.py), a raw HTTP upload cut
off by the kill, and the protocol parties of test_faults.py. The promises: an
upload is stored whole or not at all (nothing half-written is left in the
storage or the database), the retry with the same upload id stores it once,
and the message that carries it is stored once, however often it is resent.
"""

from __future__ import annotations

import json
import shutil
import socket
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from conversations.models import Attachment, Message
from tests.faults.test_faults import Party, catch_up, connect_and_take, login, stored_messages
from tests.media.corpus import jpeg_with_gps
from tests.processes import Processes, Server, server_env


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file())


def multipart(fields: dict[str, str], content: bytes) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="letter.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return f"multipart/form-data; boundary={boundary}", body + content + f"\r\n--{boundary}--\r\n".encode()


def upload(server: Server, token: str, conversation: int, upload_id: str, content: bytes) -> tuple[int, dict[str, Any]]:
    kind, body = multipart({"conversation": str(conversation), "id": upload_id, "lang": "en"}, content)
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
        server.url + "/chat/upload/",
        data=body,
        method="POST",
        headers={"Content-Type": kind, "X-Kohtaamo-Token": token},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def start_cut_upload(server: Server, token: str, conversation: int, upload_id: str, content: bytes) -> socket.socket:
    """Begin an upload and send only half of its body: the server is in the middle of reading it."""
    kind, body = multipart({"conversation": str(conversation), "id": upload_id, "lang": "en"}, content)
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = (
        f"POST /chat/upload/ HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {kind}\r\n"
        f"Content-Length: {len(body)}\r\nX-Kohtaamo-Token: {token}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[: len(body) // 2])
    return sock


def test_an_upload_cut_by_a_killed_server_is_stored_once_by_its_retry(
    transactional_db: Any, demo: Any, processes: Processes
) -> None:
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    server = Server(processes, "server", server_env()).start()
    client = Party(server.ws_url, "/ws/client/")
    counsellor = Party(server.ws_url, "/ws/staff/", cookie=login(server, "counsellor"))
    picture = jpeg_with_gps(width=2400, height=1800)
    try:
        conversation = connect_and_take(client, counsellor)
        assert client.token

        # The server dies with half a file read: nothing of it is kept.
        cut = start_cut_upload(server, client.token, conversation, "upload-1", picture)
        server.kill()
        cut.close()
        assert stored_files() == []
        assert not Attachment.objects.filter(conversation_id=conversation).exists()

        # The page tries again with the same upload id: stored once, and once more answers the same.
        server.start()
        status, first = upload(server, client.token, conversation, "upload-1", picture)
        assert status == 201, first
        status, again = upload(server, client.token, conversation, "upload-1", picture)
        assert (status, again["attachment"]["id"]) == (200, first["attachment"]["id"])
        assert Attachment.objects.filter(conversation_id=conversation).count() == 1
        assert len(stored_files()) == 2, "the picture and its thumbnail, nothing else"

        # The message that carries it: the server dies before the ack can be read; the resend stores it once.
        client.reconnect()
        counsellor.reconnect()
        frame = {
            "type": "send",
            "conversation": conversation,
            "id": uuid.uuid4().hex,
            "body": "This letter came from Kela",
            "attachment": first["attachment"]["id"],
        }
        msg_id = frame["id"]
        assert client.socket is not None
        client.socket.send({**frame, "ref": msg_id})
        server.kill()
        server.start()
        client.reconnect()
        # The page resends the frame as it was, with the same id and the same attachment.
        client.socket.send({**frame, "ref": msg_id})
        client.wait_for("ack", ref=msg_id)
        counsellor.reconnect()
        catch_up([counsellor], len(stored_messages(conversation)))

        carrying = Message.objects.filter(conversation_id=conversation, client_msg_id=msg_id)
        assert carrying.count() == 1
        assert Attachment.objects.get(conversation_id=conversation).message_id == carrying.get().pk
        # The counsellor has it once, with a link that gives the picture.
        copies = [m for m in counsellor.seen.values() if m.get("id") == msg_id]
        assert len(copies) == 1 and copies[0]["attachment"]["kind"] == "image"
        url = copies[0]["attachment"]["url"]
        assert url.startswith("/media/")
        request = urllib.request.Request(server.url + url, headers={"Cookie": counsellor.cookie or ""})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("image/")
            assert len(response.read()) > 1000
        assert len(stored_files()) == 2
    finally:
        client.close()
        counsellor.close()
