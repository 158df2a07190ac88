"""Attachments in an S3-compatible store (MEDIA_S3_BUCKET): a real S3 server on loopback, no mock inside the process.

moto's standalone server (`python -m moto.server`, pinned in requirements-dev.txt)
runs as a subprocess and speaks the S3 protocol over HTTP, so django-storages
and boto3 do here what they do against a real bucket: a client's upload is
stored in the bucket (nothing on the local disk), the counsellor reads it
through the file view (whole and by byte range), and the purge deletes its
objects (after the commit, in the deleting thread of media.files).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.utils import timezone

from accounts.models import Organisation
from bench.processes import free_port, port_open
from conversations.actions import closing
from conversations.models import Attachment, Client, Conversation
from kohtaamo.settings import attachments_storage
from media import files
from stats.purge import purge_expired
from tests.chat_helpers import Chat, new_id
from tests.media import corpus
from tests.media.conftest import stored_files
from tests.media.test_uploads import client_pk, client_upload, fetch, send_file, staff_http, with_person

BUCKET = "kohtaamo-files"
KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "eu-north-1"}


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server on a free loopback port, with an empty private bucket."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "moto_server did not start"
            time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        bucket_client(endpoint).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": KEYS["region_name"]}
        )
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def bucket_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, **KEYS)


def objects(endpoint: str) -> list[str]:
    listing = bucket_client(endpoint).list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture
def in_bucket(settings: Any, s3_endpoint: str) -> Iterator[str]:
    """STORAGES["attachments"] as an operator sets it with MEDIA_S3_* (read at each use, so the server follows)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": attachments_storage(
            {
                "MEDIA_S3_BUCKET": BUCKET,
                "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
                "MEDIA_S3_REGION": KEYS["region_name"],
                "MEDIA_S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
                "MEDIA_S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
            },
            Path("/unused"),
        ),
    }
    assert objects(s3_endpoint) == []
    yield s3_endpoint
    client = bucket_client(s3_endpoint)
    for key in objects(s3_endpoint):
        client.delete_object(Bucket=BUCKET, Key=key)


def test_a_photo_is_kept_in_the_bucket_read_through_the_file_view_and_purged(chat: Chat, in_bucket: str) -> None:
    client, staff, conversation = with_person(chat)
    uploaded = client_upload(chat, client, conversation, corpus.jpeg_with_gps())
    assert uploaded.status_code == 201, uploaded.text
    info = uploaded.json()["attachment"]
    attachment = Attachment.objects.get(pk=info["id"])
    # The picture and its thumbnail are objects in the bucket, under their random names; nothing on the disk.
    assert objects(in_bucket) == sorted([attachment.file_name, attachment.thumb_name])
    assert stored_files() == []
    stored = bucket_client(in_bucket).get_object(Bucket=BUCKET, Key=attachment.file_name)["Body"].read()
    assert b"PhoneMaker" not in stored  # the clean copy went there, without the camera's metadata

    msg_id = new_id()
    assert send_file(client, conversation, info["id"], msg_id=msg_id)["type"] == "ack"
    received = staff.wait_for("message", conversation=conversation, id=msg_id)["attachment"]
    counsellor = staff_http(chat, "counsellor", csrf=False)
    got = fetch(chat, received["url"], counsellor)
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
    assert got.content == stored
    part = fetch(chat, received["url"], counsellor, Range="bytes=0-9")
    assert part.status_code == 206 and part.content == stored[:10]
    assert fetch(chat, received["thumb"], counsellor).status_code == 200

    # The conversation ends and outlives its organisation's retention: the purge takes its files too.
    closing.do_client_end(Client.objects.get(pk=client_pk(client)), conversation)
    Organisation.objects.update(retention_days=30)
    Conversation.objects.filter(pk=conversation).update(closed_at=timezone.now() - dt.timedelta(days=31))
    purge_expired()
    files._remote_deletions.submit(lambda: None).result(timeout=30)  # the deletions so far are done
    assert not Attachment.objects.exists()
    assert objects(in_bucket) == []
    assert fetch(chat, received["url"], counsellor).status_code in (403, 404, 410)
