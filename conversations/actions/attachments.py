"""Attachments (issue 14, item 1): uploading a file into a conversation, sending it, reading it, deleting it.

A file is uploaded over HTTP first (progress needs XHR), then sent with the
ordinary `send` frame that names it (`take_unsent`, called by the message
path). The upload:

1. `check_upload`: the uploader may write in the conversation now (a client
   its own conversation with a person or waiting for one, never the bot;
   staff as `access.check_staff_can_write`; guests by `UPLOAD_CHECKS`), within
   the uploaders' rate limit; the same upload id again answers the stored
   attachment (200) and nothing is read twice;
2. `inspect_and_store`: media.inspect checks and cleans the file in a
   temporary folder, media.files stores the clean copy and its thumbnail
   under random names; file work only, in a worker thread, never in the
   database thread the sockets share;
3. `do_upload`: the row, in a transaction under the conversation's lock,
   with the right checked again; if anything fails after the files were
   stored, they are deleted: an upload is stored whole or not at all.

`receive_upload` runs the three for the upload views of every party. Any
deletion of an `Attachment` row deletes its files after the commit
(`delete_files_with_rows`): the purge, the client's deletion, uploads never
sent (`do_delete_unsent`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Staff
from common.ratelimit import make_limiter
from conversations.actions.access import (
    check_client_conversation,
    check_staff_can_write,
    check_staff_conversation,
    closed_error,
    lock_conversation,
    not_found,
    peer_may_read,
    staff_may_see,
)
from conversations.errors import ChatError
from conversations.models import Attachment, Client, Conversation, Status
from media.errors import MediaError
from media.files import delete_after_commit, delete_files, store
from media.http import UploadForm
from media.inspect import Inspected, inspect_upload
from media.links import Link

UPLOAD_LIMITER = make_limiter("upload", settings.MEDIA_UPLOAD_RATE_BURST, settings.MEDIA_UPLOAD_RATE_PER_MINUTE / 60.0)


@dataclass(frozen=True)
class Uploader:
    """Who uploads or sends a file: a peer id (docs/protocol.md, "Peers") and the row behind it."""

    peer: str
    client: Client | None = None
    staff: Staff | None = None
    # A guest's row (issue 14, item 3) goes here; its check in UPLOAD_CHECKS["guest"].
    guest: Any = None

    @property
    def kind(self) -> str:
        return self.peer.partition(":")[0]

    @property
    def rate_key(self) -> str:
        # A client by its token's hash, as the socket's limit counts it (row ids are reused).
        if self.client is not None:
            return f"client:{self.client.token_hash}"
        return self.peer


def client_uploader(client: Client) -> Uploader:
    return Uploader("client", client=client)


def staff_uploader(staff: Staff) -> Uploader:
    return Uploader(f"staff:{staff.pk}", staff=staff)


def _client_may_upload(uploader: Uploader, conversation: Conversation) -> None:
    assert uploader.client is not None
    if uploader.client.pk is None or conversation.client_id != uploader.client.pk:
        raise not_found()
    if conversation.status == Status.CLOSED:
        raise closed_error()
    if conversation.status == Status.BOT:
        raise ChatError("forbidden", _("You can send files only to a person. Ask for a person first."))


def _staff_may_upload(uploader: Uploader, conversation: Conversation) -> None:
    assert uploader.staff is not None
    if not staff_may_see(uploader.staff, conversation):
        raise not_found()
    check_staff_can_write(uploader.staff, conversation)


# Who may put a file into a conversation, by the peer's kind: raise ChatError to refuse.
# The guests' part (issue 14, item 3) adds "guest".
UPLOAD_CHECKS: dict[str, Callable[[Uploader, Conversation], None]] = {
    "client": _client_may_upload,
    "staff": _staff_may_upload,
}


def check_may_upload(uploader: Uploader, conversation: Conversation) -> None:
    """Raise ChatError unless `uploader` may send a file in `conversation` now."""
    check = UPLOAD_CHECKS.get(uploader.kind)
    if check is None:
        raise not_found()
    check(uploader, conversation)


def check_upload(conversation_id: int, upload_id: str, uploader: Uploader) -> Attachment | None:
    """Authorise an upload before its file is read; the attachment already stored with this id, if any."""
    if uploader.client is not None:
        conversation = check_client_conversation(uploader.client, conversation_id)
    elif uploader.staff is not None:
        conversation = check_staff_conversation(uploader.staff, conversation_id)
    else:
        found = Conversation.objects.filter(pk=conversation_id).first()
        if found is None:
            raise not_found()
        conversation = found
    existing = Attachment.objects.filter(
        conversation_id=conversation_id, uploader=uploader.peer, upload_id=upload_id
    ).first()
    if existing is not None:
        return existing
    check_may_upload(uploader, conversation)
    return None


@dataclass(frozen=True)
class StoredUpload:
    """A file that passed media.inspect, stored: what the row records."""

    inspected: Inspected
    file_name: str
    thumb_name: str


def inspect_and_store(upload: UploadedFile) -> StoredUpload:
    """Check and clean the uploaded file, then store the clean copy and its thumbnail (file work only).

    Nothing is stored unless the whole file passed; a failure storing the
    thumbnail deletes the file stored before it.
    """
    with TemporaryDirectory(prefix="kohtaamo-upload-") as work:
        workdir = Path(work)
        if hasattr(upload, "temporary_file_path"):
            source = Path(upload.temporary_file_path())
        else:
            source = workdir / "upload"
            with source.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
        inspected = inspect_upload(source, workdir, upload.name or "")
        file_name = store(inspected.path, inspected.extension)
        try:
            thumb_name = store(inspected.thumb_path, "webp") if inspected.thumb_path else ""
        except BaseException:
            delete_files([file_name])
            raise
    return StoredUpload(inspected, file_name, thumb_name)


def do_upload(
    conversation_id: int, upload_id: str, uploader: Uploader, stored: StoredUpload
) -> tuple[Attachment, bool]:
    """Record a stored upload: (attachment, created). The same id already recorded keeps the first (its files go).

    The right is checked again under the conversation's lock: the file took a
    while, and the conversation may have closed or moved meanwhile. If the row
    cannot be written the stored files are deleted.
    """
    names = [stored.file_name, stored.thumb_name]
    try:
        with transaction.atomic():
            conversation = lock_conversation(conversation_id)
            check_may_upload(uploader, conversation)
            existing = Attachment.objects.filter(
                conversation=conversation, uploader=uploader.peer, upload_id=upload_id
            ).first()
            if existing is not None:
                delete_files(names)
                return existing, False
            info = stored.inspected
            attachment = Attachment.objects.create(
                conversation=conversation,
                uploader=uploader.peer,
                upload_id=upload_id,
                kind=info.kind,
                mime=info.mime,
                size=info.size,
                width=info.width,
                height=info.height,
                duration=info.duration,
                file_name=stored.file_name,
                thumb_name=stored.thumb_name,
                name=info.name,
            )
        return attachment, True
    except IntegrityError:
        # The same id raced in from another request: that one is the attachment.
        delete_files(names)
        existing = Attachment.objects.filter(
            conversation_id=conversation_id, uploader=uploader.peer, upload_id=upload_id
        ).first()
        if existing is None:
            raise
        return existing, False
    except BaseException:
        delete_files(names)
        raise


def _as_media_error(error: ChatError) -> MediaError:
    """An action's refusal in the upload's terms: "not found" stays; any other is "not allowed"."""
    if error.code == "not_found":
        return MediaError("not_found", error.message, status=404)
    return MediaError("not_allowed", error.message, status=403)


# Checking files is CPU work (decoding and re-encoding a phone's photo takes a core for a good part of
# a second): at most MEDIA_CONCURRENT_INSPECTIONS at once per process, in threads of their own, so a
# burst of uploads leaves the process's other cores to the chat; MEDIA_INSPECTION_QUEUE_MAX more wait
# their turn (without holding a thread), the rest are answered "busy" at once.
_line_lock = threading.Lock()
_admitted = 0
_pool: ThreadPoolExecutor | None = None


def inspection_pool() -> ThreadPoolExecutor:
    """This process's threads for checking files, MEDIA_CONCURRENT_INSPECTIONS of them."""
    global _pool
    with _line_lock:
        size = max(1, settings.MEDIA_CONCURRENT_INSPECTIONS)
        if _pool is None or _pool._max_workers != size:
            _pool = ThreadPoolExecutor(size, thread_name_prefix="media-inspect")
        return _pool


def _inspect_in_language(upload: UploadedFile, language: str | None) -> StoredUpload:
    """`inspect_and_store` with `language` active, so that a refusal is worded in the sender's language."""
    with translation.override(language):
        return inspect_and_store(upload)


async def inspect_in_line(upload: UploadedFile) -> StoredUpload:
    """`inspect_and_store` in the process's bounded line of file checks (see above); MediaError "busy" when full."""
    global _admitted
    with _line_lock:
        if _admitted >= max(1, settings.MEDIA_CONCURRENT_INSPECTIONS) + max(0, settings.MEDIA_INSPECTION_QUEUE_MAX):
            raise MediaError(
                "busy", _("Many files are being sent right now. Try again in a moment."), status=503, retry_after=5
            )
        _admitted += 1
    try:
        # In the sender's language: the pool's thread does not see the view's active language.
        return await asyncio.get_running_loop().run_in_executor(
            inspection_pool(), _inspect_in_language, upload, translation.get_language()
        )
    finally:
        with _line_lock:
            _admitted -= 1


async def receive_upload(uploader: Uploader, form: UploadForm) -> tuple[Attachment, bool]:
    """An upload from any party's view: rate limit, authorise, inspect and store, record.

    Only the short database steps run in the database thread; reading,
    checking and storing the file runs in the bounded line of file checks.
    """
    wait = await UPLOAD_LIMITER.ahit(uploader.rate_key)
    if wait:
        raise MediaError(
            "rate_limited", _("You are sending files too fast. Wait a moment."), status=429, retry_after=wait
        )
    try:
        existing = await sync_to_async(check_upload)(form.conversation, form.upload_id, uploader)
        if existing is not None:
            return existing, False
        stored = await inspect_in_line(form.file)
        return await sync_to_async(do_upload)(form.conversation, form.upload_id, uploader, stored)
    except ChatError as error:
        raise _as_media_error(error) from None
    finally:
        form.file.close()


# --- Sending --------------------------------------------------------------------------------------


def take_unsent(conversation: Conversation, attachment_id: int, peer: str) -> Attachment:
    """The attachment a `send` names, locked: the sender's own, unsent, in this conversation.

    Called by the message path (transcript.store_party_message) under the
    conversation's lock, after the sender was authorised; anything else is
    "not found", so an id reveals nothing of another's files.
    """
    attachment = (
        Attachment.objects.select_for_update()
        .filter(pk=attachment_id, conversation_id=conversation.pk, uploader=peer, message__isnull=True)
        .first()
    )
    if attachment is None:
        raise ChatError("not_found", _("No such file. Upload it again."), field="attachment")
    if conversation.status == Status.BOT:
        raise ChatError("forbidden", _("You can send files only to a person. Ask for a person first."))
    return attachment


def check_sent_attachment(conversation: Conversation, attachment_id: int) -> Attachment:
    """A sent attachment of a conversation its reader may see (the `file_link` frame); not_found otherwise."""
    attachment = Attachment.objects.filter(
        pk=attachment_id, conversation_id=conversation.pk, message__isnull=False
    ).first()
    if attachment is None:
        raise ChatError("not_found", _("No such file."), field="attachment")
    return attachment


# --- Deleting -------------------------------------------------------------------------------------


def delete_files_with_rows(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    """post_delete of Attachment: the row is gone, so its files go after the commit (connected in apps.py)."""
    delete_after_commit([instance.file_name, instance.thumb_name])


def connect() -> None:
    post_delete.connect(delete_files_with_rows, sender=Attachment, dispatch_uid="attachments.delete_files")


def purge_attachments(ids: list[int], now: dt.datetime) -> int:
    """A purger (conversations.retention.CONVERSATION_PURGERS): the conversations' attachments and their files."""
    return Attachment.objects.filter(conversation_id__in=ids).delete()[0]


def do_delete_unsent(now: dt.datetime | None = None) -> int:
    """Delete uploads never sent within MEDIA_UNSENT_HOURS (run by the purge); returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.MEDIA_UNSENT_HOURS)
    with transaction.atomic():
        return Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff).delete()[0]


# --- Reading --------------------------------------------------------------------------------------


def readable_attachment(link: Link, *, staff: Staff | None, guest_id: int | None = None) -> Attachment | None:
    """The attachment a signed link names, if the one asking is its reader and may read it now; else None (a 404).

    The link must match the row (attachment and conversation); the file must be
    sent, or be the reader's own upload not yet sent (a preview). The one asking
    must be the link's reader: the logged-in staff member it names, the guest
    of the session (`guest_id`), or for a client the conversation must still be
    the browser's the link was given to (`Link.client`: not moved by its code,
    not deleted). Then the reader must still have the right (`access.peer_may_read`).
    """
    attachment = (
        Attachment.objects.select_related("conversation", "message")
        .filter(pk=link.attachment, conversation_id=link.conversation)
        .first()
    )
    if attachment is None or (attachment.message_id is None and attachment.uploader != link.peer):
        return None
    if link.part == "thumb" and not attachment.thumb_name:
        return None
    conversation = attachment.conversation
    kind = link.peer.partition(":")[0]
    asking = {
        "client": link.client is not None and conversation.client_id == link.client,
        "staff": staff is not None and link.peer == f"staff:{staff.pk}",
        "guest": guest_id is not None and link.peer == f"guest:{guest_id}",
    }
    if not asking.get(kind, False):
        return None
    seq = attachment.message.seq if attachment.message is not None else None
    return attachment if peer_may_read(conversation, link.peer, seq) else None
