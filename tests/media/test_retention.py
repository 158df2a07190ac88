"""Attachments follow their conversation (issue 14, item 4): purged, deleted or never sent, their files are gone.

Direct calls to the actions, with real files in the test's storage folder,
committed transactions (the files go after the commit).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Organisation
from conversations.actions import assignment, clients, closing, deletion, messages, starting
from conversations.actions.attachments import (
    client_uploader,
    do_delete_unsent,
    do_upload,
    inspect_and_store,
)
from conversations.errors import ChatError
from conversations.models import Attachment, Client, Conversation
from stats.purge import purge_expired
from tests.media import corpus
from tests.media.conftest import stored_files

pytestmark = pytest.mark.django_db(transaction=True)


def upload(client: Client, conversation_id: int, upload_id: str) -> Attachment:
    stored = inspect_and_store(SimpleUploadedFile("photo.jpg", corpus.jpeg_with_gps()))
    attachment, created = do_upload(conversation_id, upload_id, client_uploader(client), stored)
    assert created
    return attachment


def conversation_with_a_photo(demo: Any) -> tuple[Client, int]:
    """A client's conversation with the counsellor, a photo sent in it and a second one uploaded, not sent."""
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="Mimi", person=True)
    assignment.do_take(demo.staff.counsellor, conversation_id=conversation_id)
    sent = upload(client, conversation_id, "u1")
    messages.do_send_message(conversation_id, body="", client_msg_id="m1", client=client, attachment=sent.pk)
    upload(client, conversation_id, "u2")
    return client, conversation_id


def test_the_purge_deletes_the_files_of_old_conversations(demo: Any) -> None:
    Organisation.objects.update(retention_days=30)
    client, old = conversation_with_a_photo(demo)
    _other, recent = conversation_with_a_photo(demo)
    for conversation_id, days in ((old, 31), (recent, 29)):
        closing.do_client_end(client if conversation_id == old else _other, conversation_id)
        Conversation.objects.filter(pk=conversation_id).update(closed_at=timezone.now() - dt.timedelta(days=days))
    kept = {name for a in Attachment.objects.filter(conversation_id=recent) for name in (a.file_name, a.thumb_name)}
    assert len(stored_files()) == 8  # two pictures and their thumbnails in each

    purge_expired()

    assert not Attachment.objects.filter(conversation_id=old).exists()
    assert set(stored_files()) == kept


def test_the_clients_deletion_deletes_the_files_at_once(demo: Any) -> None:
    client, conversation_id = conversation_with_a_photo(demo)
    deletion.do_client_delete(client, conversation_id)
    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_uploads_never_sent_go_after_their_hours(demo: Any, settings: Any) -> None:
    settings.MEDIA_UNSENT_HOURS = 24
    conversation_with_a_photo(demo)
    unsent = Attachment.objects.get(message__isnull=True)
    sent = Attachment.objects.get(message__isnull=False)
    assert do_delete_unsent() == 0  # uploaded just now

    Attachment.objects.filter(pk__in=[unsent.pk, sent.pk]).update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert purge_expired().unsent_attachments_deleted == 1

    assert list(Attachment.objects.values_list("pk", flat=True)) == [sent.pk]
    assert set(stored_files()) == {sent.file_name, sent.thumb_name}


def test_a_failed_row_leaves_no_file(demo: Any) -> None:
    """Stored whole or not at all: the files of an upload whose row cannot be written are deleted."""
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo.desks.youth, nickname="Mimi", person=True)
    stored = inspect_and_store(SimpleUploadedFile("photo.jpg", corpus.jpeg_with_gps()))
    assert len(stored_files()) == 2
    closing.do_client_end(client, conversation_id)  # closed while the file was being checked
    with pytest.raises(ChatError) as refused:
        do_upload(conversation_id, "late", client_uploader(client), stored)
    assert refused.value.code == "closed"
    assert stored_files() == []
    assert Attachment.objects.count() == 0
