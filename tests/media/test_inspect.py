"""The file gate (media/inspect.py) on the generated corpus: what is accepted comes out clean, the rest is refused.

Direct calls, no database: each file is checked from its content, whatever its
name says, and a refusal carries its code and a clear text.
"""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from media.errors import MediaError
from media.inspect import Inspected, inspect_upload, pdf_name
from tests.media import corpus


def check(tmp_path: Path, data: bytes, name: str) -> Inspected:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    source = folder / "upload"
    source.write_bytes(data)
    work = folder / "work"
    work.mkdir()
    return inspect_upload(source, work, name)


def refused(tmp_path: Path, data: bytes, name: str) -> MediaError:
    with pytest.raises(MediaError) as caught:
        check(tmp_path, data, name)
    assert caught.value.message  # always a text for the sender
    return caught.value


def ffprobe_tags(path: Path) -> dict[str, dict[str, str]]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        check=True,
    )
    data = json.loads(done.stdout)
    tags = {"format": data["format"].get("tags", {})}
    for stream in data["streams"]:
        tags[f"stream{stream['index']}"] = stream.get("tags", {})
    return tags


def test_a_photo_with_gps_comes_out_without_any_metadata(tmp_path: Path) -> None:
    original = corpus.jpeg_with_gps()
    with Image.open(__import__("io").BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the corpus really has GPS
    result = check(tmp_path, original, "IMG_0001.jpg")
    assert (result.kind, result.mime, result.width, result.height) == ("image", "image/jpeg", 640, 480)
    with Image.open(result.path) as after:
        assert not after.getexif()
        assert "exif" not in after.info
        assert "xmp" not in after.info and "XML:com.adobe.xmp" not in after.info
        assert "comment" not in after.info
        assert "icc_profile" not in after.info
    raw = result.path.read_bytes()
    assert b"PhoneMaker" not in raw and b"GPS" not in raw and b"secret comment" not in raw
    assert result.thumb_path is not None
    with Image.open(result.thumb_path) as thumb:
        assert max(thumb.size) <= 320 and thumb.format == "WEBP"
    # Never the sender's file name.
    assert "IMG_0001" not in result.name


def test_the_orientation_is_applied_before_the_tag_goes(tmp_path: Path) -> None:
    # Orientation 6: the camera was turned; the stored picture is upright, taller than wide.
    result = check(tmp_path, corpus.jpeg_with_gps(width=640, height=480, orientation=6), "turned.jpg")
    assert (result.width, result.height) == (480, 640)


def test_a_png_named_jpg_is_accepted_as_a_png(tmp_path: Path) -> None:
    result = check(tmp_path, corpus.png(), "holiday.jpg")
    assert (result.kind, result.mime, result.extension) == ("image", "image/png", "png")
    with Image.open(result.path) as image:
        assert image.format == "PNG" and image.mode == "RGBA"


def test_a_gif_keeps_its_first_frame_as_a_png(tmp_path: Path) -> None:
    result = check(tmp_path, corpus.gif(), "funny.gif")
    assert result.mime == "image/png"
    with Image.open(result.path) as image:
        assert getattr(image, "n_frames", 1) == 1


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (corpus.SCRIPT, "photo.jpg"),
        (corpus.SVG_WITH_SCRIPT, "drawing.svg"),
        (corpus.SVG_WITH_SCRIPT, "drawing.png"),
        (corpus.HTML, "page.jpg"),
        (corpus.zip_bytes(), "homework.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "game.jpg"),
        (b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n", "clip.mp4"),
    ],
    ids=[
        "script-named-jpg",
        "svg-with-script",
        "svg-named-png",
        "html-named-jpg",
        "zip-named-pdf",
        "exe-named-jpg",
        "playlist-named-mp4",
    ],
)
def test_scripts_markup_archives_and_programs_are_refused_whatever_their_name(
    tmp_path: Path, data: bytes, name: str
) -> None:
    assert refused(tmp_path, data, name).code == "file_type"


def test_a_wav_named_webm_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, corpus.wav(tmp_path), "voice.webm").code == "file_type"


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, b"", "empty.jpg").code == "file_empty"


def test_a_truncated_image_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, corpus.truncated_jpeg(), "half.jpg").code == "file_broken"


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    error = refused(tmp_path, corpus.decompression_bomb(), "small.png")
    assert error.code == "file_too_large"


@override_settings(MEDIA_IMAGE_MAX_BYTES=2000)
def test_an_oversize_file_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, corpus.jpeg_with_gps(), "big.jpg")
    assert error.code == "file_too_large" and error.status == 413


@pytest.mark.parametrize("appended", [corpus.zip_bytes(), corpus.HTML], ids=["jpeg+zip", "jpeg+html"])
def test_a_polyglot_is_normalised_by_re_encoding(tmp_path: Path, appended: bytes) -> None:
    result = check(tmp_path, corpus.jpeg_with_gps() + appended, "poly.jpg")
    raw = result.path.read_bytes()
    assert result.mime == "image/jpeg"
    assert b"PK\x03\x04" not in raw and b"<script" not in raw


def test_voice_messages_of_every_browser_are_accepted(tmp_path: Path) -> None:
    webm = check(tmp_path, corpus.opus_webm(tmp_path), "a.webm")
    ogg = check(tmp_path, corpus.opus_ogg(tmp_path), "b.ogg")
    m4a = check(tmp_path, corpus.aac_m4a(tmp_path), "c.m4a")
    assert [(r.kind, r.mime) for r in (webm, ogg, m4a)] == [
        ("audio", "audio/webm"),
        ("audio", "audio/ogg"),
        ("audio", "audio/mp4"),
    ]
    assert all(r.duration is not None and 0.9 < r.duration < 1.2 for r in (webm, ogg, m4a))
    assert all(r.thumb_path is None and r.width is None for r in (webm, ogg, m4a))


def test_a_recording_without_a_duration_gets_one(tmp_path: Path) -> None:
    result = check(tmp_path, corpus.opus_webm_without_duration(tmp_path), "recorded.webm")
    assert result.duration is not None and 1.9 < result.duration < 2.2


def test_a_phone_video_loses_its_location_and_title(tmp_path: Path) -> None:
    original = tmp_path / "original.mp4"
    original.write_bytes(corpus.mp4_with_location(tmp_path))
    assert "location" in json.dumps(ffprobe_tags(original))  # the corpus really has it
    result = check(tmp_path, original.read_bytes(), "clip.mp4")
    assert (result.kind, result.mime, result.width, result.height) == ("video", "video/mp4", 96, 64)
    tags = json.dumps(ffprobe_tags(result.path))
    assert (
        "location" not in tags
        and "At home" not in tags
        and "+60.1699" not in result.path.read_bytes().decode("latin-1")
    )
    assert result.thumb_path is not None


def test_a_webm_video_is_accepted(tmp_path: Path) -> None:
    result = check(tmp_path, corpus.vp8_webm(tmp_path), "v.webm")
    assert (result.kind, result.mime) == ("video", "video/webm")


@override_settings(MEDIA_AUDIO_MAX_SECONDS=1.5)
def test_a_voice_message_over_the_length_limit_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, corpus.opus_webm(tmp_path, seconds=3), "long.webm")
    assert error.code == "file_too_long"
    assert "0:01" in error.message


def test_a_pdf_comes_out_without_its_author_or_any_metadata(tmp_path: Path) -> None:
    original = corpus.pdf_with_author()
    before = PdfReader(io.BytesIO(original))
    assert before.metadata is not None and before.metadata.author == corpus.PDF_AUTHOR  # the corpus has them
    assert before.xmp_metadata is not None
    assert original.count(b"%%EOF") == 2  # and an earlier revision
    result = check(tmp_path, original, "Kelan kirje.pdf")
    data = result.path.read_bytes()
    after = PdfReader(io.BytesIO(data))
    assert not after.metadata
    assert after.xmp_metadata is None
    assert "/Metadata" not in after.pages[0] and "/PieceInfo" not in after.pages[0]
    for trace in (b"Meik", corpus.PDF_AUTHOR.encode("utf-16-be"), b"Kelan", b"Word", b"xmpmeta", b"pypdf"):
        assert trace not in data
    # The letter itself is intact: one page, its size, its drawing.
    assert len(after.pages) == 1
    assert after.pages[0].mediabox.width == 200
    assert after.pages[0].get_contents().get_data() == corpus.PDF_DRAWING  # type: ignore[union-attr]
    assert result.size == len(data)


def test_a_pdf_keeps_its_cleaned_name(tmp_path: Path) -> None:
    result = check(tmp_path, corpus.pdf(), "../../Kelan kirje.pdf")
    assert (result.kind, result.mime, result.name) == ("pdf", "application/pdf", "Kelan kirje.pdf")
    assert pdf_name('a<b>:"c"\x00.PDF') == "a_b_c_.PDF"
    assert pdf_name("letter") == "letter.pdf"


@pytest.mark.parametrize(
    "data",
    [corpus.pdf(javascript=True), corpus.pdf_with_open_action(), corpus.pdf(password="secret")],
    ids=["javascript-names", "javascript-open-action", "encrypted"],
)
def test_pdfs_with_scripts_or_passwords_are_refused(tmp_path: Path, data: bytes) -> None:
    assert refused(tmp_path, data, "doc.pdf").code == "file_type"


def test_a_broken_pdf_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "broken.pdf").code == "file_broken"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_refusals_speak_the_senders_language(tmp_path: Path, lang: str) -> None:
    with translation.override(lang):
        texts = {
            refused(tmp_path, corpus.SCRIPT, "a.jpg").message,
            refused(tmp_path, b"", "b.jpg").message,
            refused(tmp_path, corpus.truncated_jpeg(), "c.jpg").message,
        }
    english = {
        "This kind of file cannot be sent. You can send pictures (JPEG, PNG, WebP or GIF), voice messages, "
        "short videos and PDF documents.",
        "The file is empty.",
        "The file seems to be broken and cannot be opened. Try another file.",
    }
    assert (texts == english) == (lang == "en")
