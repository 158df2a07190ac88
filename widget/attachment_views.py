"""Attachments over HTTP (issue 14): a client's upload, and every party's file view.

Thin: the rules live in conversations.actions.attachments, the HTTP parts in
media.http. Async views, so that a slow upload or download never holds the
database thread the chat sockets share; file work runs in worker threads.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Staff
from common.languages import is_supported
from conversations.actions.attachments import client_uploader, readable_attachment, receive_upload
from conversations.actions.clients import find_client
from conversations.actions.guests import guest_of_session
from conversations.outbound import signed_info
from media import links
from media.errors import MediaError
from media.files import attachment_storage, opener
from media.http import error_response, file_response, read_upload_form


def _language(request: HttpRequest, lang: str | None) -> str:
    if lang and is_supported(lang):
        return lang
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


# No ambient credential: the client's token comes in a header the page sets itself, so no CSRF.
@csrf_exempt
@require_POST
async def client_upload(request: HttpRequest) -> HttpResponse:
    """POST /chat/upload/: a client's file for its conversation (docs/protocol.md, "Uploads")."""
    with translation.override(_language(request, None)):
        try:
            form = await read_upload_form(request)
        except MediaError as error:
            return error_response(error)
    with translation.override(_language(request, form.lang)):
        try:
            client = await sync_to_async(find_client)(request.headers.get("X-Kohtaamo-Token"))
            if client is None:
                raise MediaError("not_found", translation.gettext("No such conversation."), status=404)
            attachment, created = await receive_upload(client_uploader(client), form)
        except MediaError as error:
            return error_response(error)
    info = await sync_to_async(signed_info)(attachment, "client", client.pk)
    return JsonResponse({"attachment": info}, status=201 if created else 200)


@require_GET
async def attachment_file(request: HttpRequest, token: str) -> HttpResponseBase:
    """GET /media/<signed>/: a file or thumbnail, for the reader its link was signed for, if they still may.

    An expired link answers 410 (the page asks for a fresh one with `file_link`),
    any other refusal 404: never the file.
    """
    try:
        link = links.read(token)
    except links.LinkExpired:
        return HttpResponse(status=410)
    except links.LinkInvalid:
        raise Http404 from None
    user = await request.auser()
    staff = user if isinstance(user, Staff) else None
    # A guest's browser is known by the session its link set (widget.guest_views).
    guest_id = await sync_to_async(guest_of_session)(request.session)
    attachment = await sync_to_async(readable_attachment)(link, staff=staff, guest_id=guest_id)
    if attachment is None:
        raise Http404
    if link.part == "thumb":
        size = await sync_to_async(attachment_storage().size, thread_sensitive=False)(attachment.thumb_name)
        return file_response(
            request, opener(attachment.thumb_name), size=size, mime="image/webp", filename="thumbnail.webp", inline=True
        )
    return file_response(
        request,
        opener(attachment.file_name),
        size=attachment.size,
        mime=attachment.mime,
        filename=attachment.name,
        inline=attachment.kind != "pdf",
    )
