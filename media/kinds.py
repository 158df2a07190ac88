"""The kinds of file Kohtaamo accepts, and each kind's limits (from settings).

A file's kind is decided from its content (media.inspect, libmagic and then
Pillow, ffprobe or pypdf), never from its name or the browser's claim. What is
not listed here is refused: SVG (it can carry script), HTML, executables,
archives and anything libmagic does not recognise.

GIF: only its first frame is kept, stored as a PNG (an animation is many images
to check and re-encode, and a GIF is rarely what a young person sends; a still
of it is enough for homework or a letter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings

Kind = Literal["image", "audio", "video", "pdf"]
KINDS: tuple[Kind, ...] = ("image", "audio", "video", "pdf")


@dataclass(frozen=True)
class Container:
    """A file format libmagic names by its MIME type: what family it is and how it is checked."""

    family: Literal["image", "media", "pdf"]
    # For media: ffprobe's name of the format that must match what libmagic said.
    probe_format: str = ""


# libmagic's MIME type -> the format. Audio and video containers are told apart by their streams.
CONTAINERS: dict[str, Container] = {
    "image/jpeg": Container("image"),
    "image/png": Container("image"),
    "image/webp": Container("image"),
    "image/gif": Container("image"),
    "video/webm": Container("media", "matroska,webm"),
    "audio/webm": Container("media", "matroska,webm"),
    "audio/ogg": Container("media", "ogg"),
    "audio/x-m4a": Container("media", "mov,mp4,m4a,3gp,3g2,mj2"),
    "audio/mp4": Container("media", "mov,mp4,m4a,3gp,3g2,mj2"),
    "video/mp4": Container("media", "mov,mp4,m4a,3gp,3g2,mj2"),
    # A phone's own video (iPhone: QuickTime with H.264 and AAC) is remuxed into MP4.
    "video/quicktime": Container("media", "mov,mp4,m4a,3gp,3g2,mj2"),
    "application/pdf": Container("pdf"),
}


@dataclass(frozen=True)
class MediaFormat:
    """An accepted audio or video format: its codecs, what it is stored as and its MIME type."""

    kind: Kind
    mime: str
    extension: str
    muxer: str
    video_codecs: frozenset[str]
    audio_codecs: frozenset[str]


_WEBM_VIDEO = frozenset({"vp8", "vp9", "av1"})
MEDIA_FORMATS: dict[tuple[str, Kind], MediaFormat] = {
    # Chrome and Firefox record Opus in WebM; Firefox also in Ogg; Safari AAC in MP4.
    ("matroska,webm", "audio"): MediaFormat("audio", "audio/webm", "webm", "webm", frozenset(), frozenset({"opus"})),
    ("ogg", "audio"): MediaFormat("audio", "audio/ogg", "ogg", "ogg", frozenset(), frozenset({"opus"})),
    ("mov,mp4,m4a,3gp,3g2,mj2", "audio"): MediaFormat(
        "audio", "audio/mp4", "m4a", "ipod", frozenset(), frozenset({"aac"})
    ),
    ("matroska,webm", "video"): MediaFormat("video", "video/webm", "webm", "webm", _WEBM_VIDEO, frozenset({"opus"})),
    ("mov,mp4,m4a,3gp,3g2,mj2", "video"): MediaFormat(
        "video", "video/mp4", "mp4", "mp4", frozenset({"h264"}), frozenset({"aac"})
    ),
}

# Images are stored in the format they came in, GIF as PNG (its first frame): Pillow's name and the MIME type.
IMAGE_OUTPUT: dict[str, tuple[str, str, str]] = {
    "image/jpeg": ("JPEG", "image/jpeg", "jpg"),
    "image/png": ("PNG", "image/png", "png"),
    "image/webp": ("WEBP", "image/webp", "webp"),
    "image/gif": ("PNG", "image/png", "png"),
}
THUMBNAIL_PIXELS = 320


def max_bytes(kind: Kind) -> int:
    """The largest file of `kind` (settings MEDIA_<KIND>_MAX_BYTES)."""
    return {
        "image": settings.MEDIA_IMAGE_MAX_BYTES,
        "audio": settings.MEDIA_AUDIO_MAX_BYTES,
        "video": settings.MEDIA_VIDEO_MAX_BYTES,
        "pdf": settings.MEDIA_PDF_MAX_BYTES,
    }[kind]


def largest_upload() -> int:
    """The largest file of any kind: an upload's body is not read past this (and a little for its form)."""
    return max(max_bytes(kind) for kind in KINDS)


def max_seconds(kind: Kind) -> float:
    """The longest voice or video message in seconds."""
    return settings.MEDIA_VIDEO_MAX_SECONDS if kind == "video" else settings.MEDIA_AUDIO_MAX_SECONDS


def family_max_bytes(mime: str) -> int:
    """The size limit that applies to a file libmagic named `mime`, before its kind is known for sure."""
    family = CONTAINERS[mime].family
    if family == "image":
        return max_bytes("image")
    if family == "pdf":
        return max_bytes("pdf")
    return max(max_bytes("audio"), max_bytes("video"))
