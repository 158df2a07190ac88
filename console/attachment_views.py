"""A staff member's upload (issue 14): POST /console/upload/, the session and its CSRF token.

Thin: the rules live in conversations.actions.attachments, the HTTP parts in media.http.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import Staff
from common.languages import is_supported
from conversations.actions.attachments import receive_upload, staff_uploader
from conversations.outbound import signed_info
from media.errors import MediaError
from media.http import csrf_refusal, error_response, parse_upload, upload_form


# The CSRF check runs after the body is parsed with the bounded handler (media.http.csrf_refusal):
# Django's middleware would read the whole body first.
@csrf_exempt
@require_POST
async def staff_upload(request: HttpRequest) -> HttpResponse:
    """A file for a conversation the staff member answers (docs/protocol.md, "Uploads")."""
    user = await request.auser()
    if not isinstance(user, Staff) or not user.may_answer:
        error = MediaError("not_allowed", translation.gettext("Log in again."), status=403)
        return error_response(error)
    try:
        await parse_upload(request)
        if await sync_to_async(csrf_refusal)(request) is not None:
            raise MediaError(
                "not_allowed", translation.gettext("The page has expired. Reload it and try again."), status=403
            )
        form = upload_form(request)
    except MediaError as error:
        return error_response(error)
    lang = form.lang if is_supported(form.lang) else translation.get_language()
    with translation.override(lang):
        try:
            attachment, created = await receive_upload(staff_uploader(user), form)
        except MediaError as error:
            return error_response(error)
    info = await sync_to_async(signed_info)(attachment, f"staff:{user.pk}")
    return JsonResponse({"attachment": info}, status=201 if created else 200)
