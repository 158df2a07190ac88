"""The HTTP side of attachments: a bounded upload body, the upload form, and serving a file with ranges.

Shared by the upload views of every party (widget, console, guests) and the
file view, so that each view stays a few lines.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from media.errors import MediaError
from media.inspect import too_large
from media.kinds import largest_upload

# The form's other fields and the multipart framing around the file.
FORM_OVERHEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]


def body_limit() -> int:
    return largest_upload() + FORM_OVERHEAD_BYTES


class UploadBodyLimit:
    """ASGI middleware: an upload's body is never read past the largest file allowed.

    Django's ASGI handler reads a whole body into a temporary file before any
    view runs; without this a 10 GB upload would fill the disk first. A
    declared Content-Length over the limit is answered 413 at once; a body that
    grows past it anyway ends the request as a disconnect.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").endswith("/upload/"):
            await self.app(scope, receive, send)
            return
        limit = body_limit()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            body = json.dumps({"error": {"code": "file_too_large", "message": too_large(largest_upload()).message}})
            headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                return {"type": "http.disconnect"}
            return message

        await self.app(scope, bounded_receive, send)


class BoundedUploadHandler(TemporaryFileUploadHandler):
    """Writes an uploaded file to a temporary file, and stops reading once it is larger than any allowed file."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > largest_upload():
            self.request.upload_too_large = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


@dataclass(frozen=True)
class UploadForm:
    conversation: int
    upload_id: str
    lang: str
    file: UploadedFile


def _parse(request: HttpRequest) -> None:
    request.upload_handlers = [BoundedUploadHandler(request)]
    request.POST  # noqa: B018 - parses the multipart body (into the bounded handler's temporary file)


async def parse_upload(request: HttpRequest) -> None:
    """Parse the multipart upload in a worker thread (never in the event loop or the database thread).

    The body goes through `BoundedUploadHandler`; too large a file is refused here.
    """
    await asyncio.to_thread(_parse, request)
    if getattr(request, "upload_too_large", False):
        raise too_large(largest_upload())


def upload_form(request: HttpRequest) -> UploadForm:
    """The parsed upload's fields, checked (see docs/protocol.md, "Uploads")."""
    conversation = request.POST.get("conversation", "")
    upload_id = request.POST.get("id", "")
    file = request.FILES.get("file")
    if (
        not conversation.isdigit()
        or len(conversation) > 10
        or not 1 <= len(upload_id) <= 64
        or not upload_id.isprintable()
        or file is None
    ):
        raise MediaError("bad_request", _("The upload is missing something. Try again."))
    return UploadForm(int(conversation), upload_id, request.POST.get("lang", ""), file)


async def read_upload_form(request: HttpRequest) -> UploadForm:
    """`parse_upload`, then `upload_form`."""
    await parse_upload(request)
    return upload_form(request)


def csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """The CSRF check of a view that must parse its body itself (csrf_exempt, then this after parsing).

    Django's middleware would read the body with the default upload handlers
    before the view could bound it.
    """
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, lambda r: HttpResponse(), (), {})


def error_response(error: MediaError) -> JsonResponse:
    """The refusal as the upload contract answers it: {"error": {"code", "message"}}."""
    response = JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(max(1, round(error.retry_after)))
    return response


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) of a single `Range: bytes=...`; None when absent or not one range; False when unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # The last N bytes.
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


def file_response(
    request: HttpRequest,
    open_file: Callable[[], IO[bytes]],
    *,
    size: int,
    mime: str,
    filename: str,
    inline: bool,
) -> HttpResponseBase:
    """Stream a stored file, whole or one byte range (audio and video need ranges to seek).

    Read in chunks in a worker thread under ASGI, so neither the event loop nor
    the database thread waits for the disk or the store.
    """
    wanted = _byte_range(request.headers.get("Range", ""), size)
    if wanted is False:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        _private_headers(refused)
        return refused
    start, end = wanted if isinstance(wanted, tuple) else (0, size - 1)
    length = max(0, end - start + 1)
    content: AsyncIterator[bytes] | Iterator[bytes]
    if isinstance(request, ASGIRequest):
        content = _read_async(open_file, start, length)
    else:
        content = _read(open_file, start, length)
    response = StreamingHttpResponse(content, content_type=mime, status=206 if isinstance(wanted, tuple) else 200)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if isinstance(wanted, tuple):
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    disposition = content_disposition_header(not inline, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    _private_headers(response)
    return response


def _private_headers(response: HttpResponseBase) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A file never runs anything, even opened on its own (a PDF viewer, a direct visit).
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"


def _read(open_file: Callable[[], IO[bytes]], start: int, length: int) -> Iterator[bytes]:
    with open_file() as handle:
        handle.seek(start)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


async def _read_async(open_file: Callable[[], IO[bytes]], start: int, length: int) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(open_file)
    try:
        await asyncio.to_thread(handle.seek, start)
        left = length
        while left > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)
