"""The upload corpus, made by the tests themselves: real pictures, clips and documents, and hostile files.

Pillow writes the images (with GPS in EXIF, XMP, a comment), ffmpeg the clips,
pypdf the documents; the hostile ones are written byte by byte.
"""

from __future__ import annotations

import io
import struct
import subprocess
import zlib
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, TextStringObject

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description GPSLatitude="60,10.2N"/></rdf:RDF></x:xmpmeta>'


def jpeg_with_gps(*, width: int = 640, height: int = 480, orientation: int = 1) -> bytes:
    """A photo as a phone saves it: EXIF with the camera, GPS position and orientation, and XMP."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    for x in range(0, width, 7):
        image.putpixel((x, x % height), (255, 255, 0))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (60.0, 10.0, 12.0)
    gps[3] = "E"
    gps[4] = (24.0, 56.0, 30.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=XMP, comment=b"secret comment")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 200, 10, 128)).save(out, "PNG")
    return out.getvalue()


def gif() -> bytes:
    frames = [Image.new("P", (64, 64), color) for color in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def decompression_bomb() -> bytes:
    """A PNG whose header says 100 000 x 100 000 pixels (10 gigapixels) in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * (100_000 // 8)
    body = zlib.compress(row * 10, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    data = jpeg_with_gps(width=1200, height=900)
    return data[: len(data) // 2]


def zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.html", "<script>alert(1)</script>")
    return out.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>\n"
)
HTML = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n"
SCRIPT = b"#!/bin/sh\nrm -rf / --no-preserve-root\necho done\n"


def clip(path: Path, *args: str) -> bytes:
    """A tiny clip made by ffmpeg from its test sources (`args` between the inputs and the output)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(path)],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


def opus_webm(folder: Path, seconds: float = 1) -> bytes:
    return clip(folder / "voice.webm", "-f", "lavfi", "-i", f"sine=d={seconds}", "-c:a", "libopus")


def opus_webm_without_duration(folder: Path) -> bytes:
    """Opus in WebM as a browser's MediaRecorder writes it: streamed, with no duration in its header."""
    return clip(folder / "live.webm", "-f", "lavfi", "-i", "sine=d=2", "-c:a", "libopus", "-f", "webm", "-live", "1")


def opus_ogg(folder: Path) -> bytes:
    return clip(folder / "voice.ogg", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libopus")


def aac_m4a(folder: Path) -> bytes:
    return clip(folder / "voice.m4a", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac")


def wav(folder: Path) -> bytes:
    return clip(folder / "voice.wav", "-f", "lavfi", "-i", "sine=d=1")


def mp4_with_location(folder: Path, seconds: float = 1) -> bytes:
    """A phone's video: H.264 and AAC in MP4, with the place it was shot in its metadata."""
    return clip(
        folder / "video.mp4",
        *("-f", "lavfi", "-i", f"testsrc=d={seconds}:s=96x64", "-f", "lavfi", "-i", f"sine=d={seconds}"),
        *("-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"),
        *("-metadata", "location=+60.1699+024.9384/", "-metadata", "title=At home"),
    )


def vp8_webm(folder: Path) -> bytes:
    return clip(
        folder / "video.webm",
        *("-f", "lavfi", "-i", "testsrc=d=1:s=96x64", "-f", "lavfi", "-i", "sine=d=1"),
        *("-c:v", "libvpx", "-c:a", "libopus", "-shortest"),
    )


def pdf(*, javascript: bool = False, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        # A document-level script in the names tree, as Acrobat writes one.
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
        scripts = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(action)])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(scripts)}
        )
    if password:
        writer.encrypt(password)
    writer.add_metadata({"/Title": "A letter"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_open_action() -> bytes:
    """JavaScript as the document's open action (not in the names tree)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    writer._root_object[NameObject("/OpenAction")] = action
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_AUTHOR = "Maija Meikäläinen"
PDF_DRAWING = b"0 0 m 150 150 l S"


def _xmp_stream(writer: PdfWriter, creator: str) -> object:
    packet = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()
    stream = StreamObject()
    stream.set_data(packet)
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    return writer._add_object(stream)


def pdf_with_author() -> bytes:
    """A letter as office programs save one: its author in /Info and in XMP on the document and the page.

    The page also has a drawing (`PDF_DRAWING`), which must survive the cleaning,
    and private data of the program that made it (/PieceInfo). Saved twice
    (an incremental update changes the title), so the first revision's /Info
    is still in the bytes.
    """
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    drawing = StreamObject()
    drawing.set_data(PDF_DRAWING)
    page[NameObject("/Contents")] = writer._add_object(drawing)
    page[NameObject("/Metadata")] = _xmp_stream(writer, f"{PDF_AUTHOR} (page)")
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Word"): DictionaryObject({NameObject("/Private"): TextStringObject(PDF_AUTHOR)})}
    )
    writer._root_object[NameObject("/Metadata")] = _xmp_stream(writer, PDF_AUTHOR)
    writer.add_metadata({"/Author": PDF_AUTHOR, "/Title": "Kelan kirje", "/Creator": "Word"})
    first = io.BytesIO()
    writer.write(first)
    update = PdfWriter(io.BytesIO(first.getvalue()), incremental=True)
    update.add_metadata({"/Title": "Kelan kirje, korjattu"})
    second = io.BytesIO()
    update.write(second)
    return second.getvalue()
