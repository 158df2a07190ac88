"""The browser side of attachments: the texts and limits both pages give
static/kohtaamo/attachments.js (the client page and the console sit in one
layer and may not import each other, so their shared part lives here).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from media.inspect import too_large
from media.kinds import KINDS, largest_upload, max_bytes


def attachment_texts() -> dict[str, str]:
    """The texts of static/kohtaamo/attachments.js (its TEXT_KEYS), for both pages: no placeholders.

    Both pages' catalogues take them from here (widget.views.client_texts and
    console.views.console_strings), so a picture is called the same on both sides.
    """
    return {
        "attMenu": _("Add a picture, file or recording"),
        "attFile": _("Add a picture or file"),
        "attPhoto": _("Take a photo"),
        "attVoice": _("Record a voice message"),
        "attVideo": _("Record a video"),
        "attRecording": _("Recording"),
        "attStop": _("Stop recording"),
        "attListen": _("Listen to your message before you send it."),
        "attWatch": _("Watch your video before you send it."),
        "attRemove": _("Remove"),
        "attCancel": _("Cancel upload"),
        "attRetry": _("Try again"),
        "attUploading": _("Uploading the file"),
        "attFailed": _("The file could not be sent. Check your connection and try again."),
        "attNoDevice": _("The microphone or camera could not be used. Check that your browser allows it."),
        "attPicture": _("Picture"),
        "attVoiceMessage": _("Voice message"),
        "attVideoMessage": _("Video message"),
        "attPdf": _("PDF document"),
        "attClose": _("Close"),
        "attCamera": _("Camera"),
        "attAttached": _("Attachment"),
    }


# Each kind's name among attachment_texts(): attachments.js (kindLabel) reads the same keys.
KIND_TEXT_KEYS = {"image": "attPicture", "audio": "attVoiceMessage", "video": "attVideoMessage", "pdf": "attPdf"}


def kind_label(kind: str) -> str:
    """A file's kind as a line that is only a file shows it where a line's first words go: "[Picture]".

    Server-rendered pages (the history's results) call this in the reader's
    language; the console's queue builds the same from the same texts
    (attachments.js kindLabel), since one `desk` event goes to staff of
    different languages.
    """
    key = KIND_TEXT_KEYS.get(kind, "attAttached")
    return f"[{attachment_texts()[key]}]"


def attachment_config() -> dict[str, Any]:
    """What attachments.js needs to know of the server's limits: the longest recordings, how long a link lasts,
    the largest file of each kind."""
    return {
        "maxRecordSeconds": {
            "audio": int(settings.MEDIA_AUDIO_MAX_SECONDS),
            "video": int(settings.MEDIA_VIDEO_MAX_SECONDS),
        },
        "mediaLinkSeconds": settings.MEDIA_LINK_SECONDS,
        "uploadLimits": upload_limits(),
    }


def upload_limits() -> dict[str, dict[str, int | str]]:
    """Each kind's largest file (`maxBytes`) and the server's own refusal of a bigger one (`tooLarge`), in
    the page's language; `any` for a file whose kind the browser cannot tell.

    attachments.js refuses a file over its kind's limit at once, with these
    words, instead of uploading it for nothing (a phone's video on a slow
    connection); the server still checks every upload (media.inspect).
    """
    limits: dict[str, int] = {kind: max_bytes(kind) for kind in KINDS}
    limits["any"] = largest_upload()
    return {"maxBytes": dict(limits), "tooLarge": {kind: too_large(size).message for kind, size in limits.items()}}
