"""What a file really is, and its clean copy: the one gate every uploaded file passes.

The type comes from the content (libmagic), never from the name or the
browser's claim, and is then confirmed by the tool that reads that format:

- images are decoded by Pillow (the pixel count checked from the header
  before decoding, so a small file that would decode to gigabytes is refused;
  a truncated image fails to decode and is refused), turned upright by their
  orientation tag, and re-encoded from the pixels alone: EXIF (GPS, camera),
  XMP, comments and text chunks are gone. An ICC colour profile is applied
  (converted to sRGB) and then dropped too. A thumbnail is made
  (`kinds.THUMBNAIL_PIXELS`). Whatever was appended to the image (a ZIP or a
  script: a polyglot) does not survive the re-encoding;
- audio and video are probed by ffprobe (run without a shell, with a
  timeout) to be the container libmagic named with accepted codecs, remuxed
  by ffmpeg with `-map_metadata -1` (a phone's GPS in MP4 metadata is gone,
  and a recording without a duration in its header gets one), and probed
  again for their length;
- a PDF is parsed by pypdf: an encrypted one, or one carrying JavaScript, is
  refused. What is stored is a rewrite of its pages alone (`_clean_pdf`):
  the document information (author, title, creator tool), XMP packets on
  the document, its pages or images, page-piece data, outlines, attached
  files and earlier revisions kept by incremental saves are all gone, since
  a client's or a colleague's name is often in them. A PDF that cannot be
  rewritten is refused as broken. Its display name is kept (cleaned).

Everything here is file work: it runs in a worker thread, never in the
database thread the sockets share (conversations.actions.attachments).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import magic
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from media.errors import MediaError
from media.kinds import (
    CONTAINERS,
    IMAGE_OUTPUT,
    MEDIA_FORMATS,
    THUMBNAIL_PIXELS,
    Kind,
    family_max_bytes,
    largest_upload,
    max_bytes,
    max_seconds,
)

FFPROBE = shutil.which("ffprobe") or "ffprobe"
FFMPEG = shutil.which("ffmpeg") or "ffmpeg"


@dataclass(frozen=True)
class Inspected:
    """A file that passed: its kind, its clean copy (and thumbnail) in the work folder, what to show of it."""

    kind: Kind
    mime: str
    extension: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    path: Path
    thumb_path: Path | None
    name: str


# --- Refusals, each in the sender's language (the caller activates it) ---------------------------


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def too_large(limit: int) -> MediaError:
    return MediaError(
        "file_too_large",
        _("The file is too big. It can be at most %(megabytes)s MB.") % {"megabytes": _megabytes(limit)},
        status=413,
    )


def wrong_type() -> MediaError:
    return MediaError(
        "file_type",
        _(
            "This kind of file cannot be sent. You can send pictures (JPEG, PNG, WebP or GIF), "
            "voice messages, short videos and PDF documents."
        ),
        status=415,
    )


def broken() -> MediaError:
    return MediaError("file_broken", _("The file seems to be broken and cannot be opened. Try another file."))


def empty() -> MediaError:
    return MediaError("file_empty", _("The file is empty."))


def too_many_pixels() -> MediaError:
    return MediaError("file_too_large", _("The picture has too many pixels. Send a smaller picture."), status=413)


def too_long(limit: float) -> MediaError:
    minutes, seconds = divmod(int(limit), 60)
    return MediaError(
        "file_too_long",
        _("The recording is too long. It can be at most %(length)s (minutes:seconds).")
        % {"length": f"{minutes}:{seconds:02d}"},
    )


# --- The gate ---------------------------------------------------------------------------------


def inspect_upload(source: Path, workdir: Path, original_name: str) -> Inspected:
    """Check `source` and write its clean copy into `workdir`; raises MediaError for anything refused.

    `original_name` is used only for a PDF's display name; the type never
    depends on it.
    """
    size = source.stat().st_size
    if size == 0:
        raise empty()
    if size > largest_upload():
        raise too_large(largest_upload())
    mime = magic.Magic(mime=True).from_file(str(source))
    container = CONTAINERS.get(mime)
    if container is None:
        raise wrong_type()
    if size > family_max_bytes(mime):
        raise too_large(family_max_bytes(mime))
    if container.family == "image":
        return _clean_image(source, mime, workdir)
    if container.family == "pdf":
        return _check_pdf(source, workdir, original_name)
    return _clean_media(source, container.probe_format, workdir)


# --- Images -----------------------------------------------------------------------------------

_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}


def _clean_image(source: Path, mime: str, workdir: Path) -> Inspected:
    if source.stat().st_size > max_bytes("image"):
        raise too_large(max_bytes("image"))
    pillow_format, out_mime, extension = IMAGE_OUTPUT[mime]
    try:
        with Image.open(source) as opened:
            if opened.format != _PILLOW_FORMATS[mime]:
                raise wrong_type()
            width, height = opened.size
            # Before any decoding: the header's size alone tells a decompression bomb.
            if width * height > settings.MEDIA_IMAGE_MAX_PIXELS or width <= 0 or height <= 0:
                raise too_many_pixels()
            opened.seek(0)  # a GIF's first frame
            opened.load()  # a truncated image fails here (Pillow never loads truncated images by default)
            upright = ImageOps.exif_transpose(opened)
            icc = opened.info.get("icc_profile")
            pixels = _plain_pixels(upright, icc, jpeg=pillow_format == "JPEG")
            save_options = _save_options(opened, pillow_format)
    except MediaError:
        raise
    except Image.DecompressionBombError:
        # Pillow's own check, in `open`, of sizes far past ours.
        raise too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise broken() from None
    out = workdir / f"clean.{extension}"
    pixels.save(out, pillow_format, **save_options)
    thumb = workdir / "thumb.webp"
    _thumbnail(pixels, thumb)
    return Inspected(
        kind="image",
        mime=out_mime,
        extension=extension,
        size=out.stat().st_size,
        width=pixels.width,
        height=pixels.height,
        duration=None,
        path=out,
        thumb_path=thumb,
        name=f"picture.{extension}",
    )


def _save_options(opened: Image.Image, pillow_format: str) -> dict[str, Any]:
    """How to encode the clean copy: a JPEG with its own quantization tables (its quality, about its size).

    Re-encoding a phone's photo at a fixed quality made it larger than it came;
    its own tables keep it as it was. Tables are numbers, never metadata.
    """
    if pillow_format == "JPEG":
        tables = getattr(opened, "quantization", None)
        if opened.format == "JPEG" and tables:
            return {"qtables": tables, "optimize": False}
        return {"quality": 85}
    if pillow_format == "WEBP":
        return {"quality": 85}
    return {}


def _plain_pixels(image: Image.Image, icc: bytes | None, *, jpeg: bool) -> Image.Image:
    """A new image made of `image`'s pixels only (in sRGB): no EXIF, XMP, ICC, comments or text.

    Built from the raw bytes, so that no encoder can find a metadata field
    carried over in the image's `info` (Pillow's PNG and WebP savers read
    some from there).
    """
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if image.mode == "L" or (image.mode == "1"):
        mode = "L"
    elif has_alpha and not jpeg:
        mode = "RGBA"
    else:
        mode = "RGB"
    converted = image.convert(mode) if image.mode != mode else image
    if icc and mode in ("RGB", "RGBA"):
        try:
            converted = (
                ImageCms.profileToProfile(
                    converted,
                    ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                    ImageCms.createProfile("sRGB"),
                    outputMode=mode,
                )
                or converted
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _thumbnail(image: Image.Image, path: Path) -> None:
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    thumb.save(path, "WEBP", quality=75)


# --- Audio and video --------------------------------------------------------------------------


def _run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run ffprobe or ffmpeg on a file: no shell, no input, a timeout; a failure refuses the file."""
    try:
        return subprocess.run(  # noqa: S603 - fixed tools, arguments never through a shell
            args,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=settings.MEDIA_TOOL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise broken() from None


# The demuxer each accepted container is read with: named, never guessed by ffmpeg from the content,
# and only from the local file (a playlist inside could otherwise make ffmpeg open other files or URLs).
DEMUXERS = {"matroska,webm": "matroska", "ogg": "ogg", "mov,mp4,m4a,3gp,3g2,mj2": "mov"}


def _input(path: Path, probe_format: str) -> list[str]:
    return ["-protocol_whitelist", "file", "-f", DEMUXERS[probe_format], "-i", f"file:{path}"]


def probe(path: Path, probe_format: str) -> dict[str, Any]:
    """ffprobe's reading of a file as `probe_format` (its format and streams); file_broken when it cannot."""
    done = _run(
        [FFPROBE, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", *_input(path, probe_format)]
    )
    if done.returncode != 0:
        raise broken()
    try:
        data = json.loads(done.stdout)
    except ValueError:
        raise broken() from None
    if not isinstance(data, dict) or "format" not in data:
        raise broken()
    return data


def _clean_media(source: Path, probe_format: str, workdir: Path) -> Inspected:
    info = probe(source, probe_format)
    if info["format"].get("format_name") != probe_format:
        raise wrong_type()
    streams = info.get("streams") or []
    videos = [
        s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos and not audios:
        raise broken()
    kind: Kind = "video" if videos else "audio"
    spec = MEDIA_FORMATS.get((probe_format, kind))
    if spec is None:
        raise wrong_type()
    if (videos and videos[0].get("codec_name") not in spec.video_codecs) or (
        audios and audios[0].get("codec_name") not in spec.audio_codecs
    ):
        raise wrong_type()
    if source.stat().st_size > max_bytes(kind):
        raise too_large(max_bytes(kind))
    out = workdir / f"clean.{spec.extension}"
    maps = ["-map", "0:v:0", "-map", "0:a:0?"] if kind == "video" else ["-map", "0:a:0"]
    faststart = ["-movflags", "+faststart"] if spec.muxer in ("mp4", "ipod") else []
    strip = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact", *faststart]
    done = _run(
        [
            FFMPEG,
            "-nostdin",
            "-v",
            "error",
            *_input(source, probe_format),
            *maps,
            "-c",
            "copy",
            *strip,
            "-f",
            spec.muxer,
            "-y",
            str(out),
        ]
    )
    if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise broken()
    clean = probe(out, probe_format)
    duration = _duration(clean)
    if duration is None:
        raise broken()
    if duration > max_seconds(kind):
        raise too_long(max_seconds(kind))
    size = out.stat().st_size
    if size > max_bytes(kind):
        raise too_large(max_bytes(kind))
    width = height = None
    thumb = None
    if kind == "video":
        width, height = int(videos[0].get("width") or 0) or None, int(videos[0].get("height") or 0) or None
        thumb = _video_thumbnail(out, probe_format, workdir)
    name = "voice-message" if kind == "audio" else "video"
    return Inspected(
        kind=kind,
        mime=spec.mime,
        extension=spec.extension,
        size=size,
        width=width,
        height=height,
        duration=round(duration, 3),
        path=out,
        thumb_path=thumb,
        name=f"{name}.{spec.extension}",
    )


def _duration(info: dict[str, Any]) -> float | None:
    values = [info["format"].get("duration")] + [s.get("duration") for s in info.get("streams") or []]
    for value in values:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return seconds
    return None


def _video_thumbnail(video: Path, probe_format: str, workdir: Path) -> Path | None:
    """A still of the video's first frame, as an image thumbnail; none when it cannot be made."""
    frame = workdir / "frame.png"
    one_frame = ["-frames:v", "1", "-f", "image2", "-y", str(frame)]
    done = _run([FFMPEG, "-nostdin", "-v", "error", *_input(video, probe_format), *one_frame])
    if done.returncode != 0 or not frame.exists():
        return None
    thumb = workdir / "thumb.webp"
    try:
        with Image.open(frame) as still:
            still.load()
            _thumbnail(Image.frombytes("RGB", still.size, still.convert("RGB").tobytes()), thumb)
    except (OSError, ValueError):
        return None
    return thumb


# --- PDF --------------------------------------------------------------------------------------


def _check_pdf(source: Path, workdir: Path, original_name: str) -> Inspected:
    try:
        reader = PdfReader(source, strict=False)
        if reader.is_encrypted:
            raise MediaError(
                "file_type", _("A PDF with a password cannot be sent. Save it without the password first.")
            )
        if len(reader.pages) < 1:
            raise broken()
        if _has_javascript(reader) or _raw_javascript(source):
            raise MediaError("file_type", _("This PDF contains a script, so it cannot be sent."))
        out = workdir / "clean.pdf"
        _clean_pdf(reader, out)
    except MediaError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise broken() from None
    return Inspected(
        kind="pdf",
        mime="application/pdf",
        extension="pdf",
        size=out.stat().st_size,
        width=None,
        height=None,
        duration=None,
        path=out,
        thumb_path=None,
        name=pdf_name(original_name),
    )


# Keys that carry who made a document, or private data of the program that made it, wherever they sit.
_PDF_PRIVATE_KEYS = ("/Metadata", "/PieceInfo")


def _clean_pdf(reader: PdfReader, out: Path) -> None:
    """Write `reader`'s pages, and nothing else of the document, to `out`.

    Copying only the pages leaves the catalog's extras behind (XMP, outlines,
    names tree with attached files, forms' scripts), and a fresh writer
    writes no /Info (not even its own producer name). Pages and the images
    they use can carry their own XMP (/Metadata) and /PieceInfo, so those keys
    are removed from every object copied; what no longer has a reference is
    then dropped, so an XMP stream is not written at all.
    """
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.metadata = None
    for obj in writer._objects:
        if obj is not None:
            _drop_private_keys(obj, depth=0)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    with out.open("wb") as stream:
        writer.write(stream)


def _drop_private_keys(obj: object, *, depth: int) -> None:
    """Remove `_PDF_PRIVATE_KEYS` from a dictionary and the direct (not referenced) objects inside it."""
    if depth > 32:
        raise broken()
    if isinstance(obj, DictionaryObject):
        for key in _PDF_PRIVATE_KEYS:
            obj.pop(NameObject(key), None)
        for value in obj.values():
            _drop_private_keys(value, depth=depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _drop_private_keys(value, depth=depth + 1)


def _has_javascript(reader: PdfReader) -> bool:
    root: Any = reader.trailer["/Root"].get_object()
    names: Any = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        return True
    action: Any = root.get("/OpenAction")
    if action is not None:
        action = action.get_object()
        if isinstance(action, dict) and action.get("/S") == "/JavaScript":
            return True
    return "/AA" in root


def _raw_javascript(source: Path) -> bool:
    """A plain scan for JavaScript actions anywhere in the file (those outside compressed object streams)."""
    data = source.read_bytes()
    return bool(re.search(rb"/(JavaScript|JS)\b", data))


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def pdf_name(original: str) -> str:
    """A PDF's name as shown: the last part of what the browser sent, without control or path characters."""
    name = unicodedata.normalize("NFC", original or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" ._")
    if not name:
        return "document.pdf"
    if not name.lower().endswith(".pdf"):
        name = f"{name}.pdf"
    if len(name) > 100:
        name = name[:96].rstrip(" ._") + ".pdf"
    return name
