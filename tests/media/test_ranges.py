"""Byte ranges of a file (media/http.py): browsers seek in audio and video with them, one range at a time."""

from __future__ import annotations

import io

import pytest
from django.test import RequestFactory

from media.http import _byte_range, file_response


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-1000", (0, 99)),
        ("bytes=90-1000", (90, 99)),
        ("bytes=100-", False),
        ("bytes=20-10", False),
        ("bytes=-0", False),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file instead
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_a_range_header_is_read_as_one_range_or_refused(header: str, expected: object) -> None:
    assert _byte_range(header, 100) == expected


def test_the_response_streams_the_range_with_its_headers() -> None:
    data = bytes(range(100))
    request = RequestFactory().get("/media/x/", headers={"Range": "bytes=10-19"})
    response = file_response(
        request, lambda: io.BytesIO(data), size=100, mime="audio/webm", filename="voice.webm", inline=True
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[10:20]  # type: ignore[attr-defined]
    assert (response["Content-Range"], response["Content-Length"], response["Accept-Ranges"]) == (
        "bytes 10-19/100",
        "10",
        "bytes",
    )
    assert response["Content-Disposition"].startswith("inline")
    whole = file_response(
        RequestFactory().get("/media/x/"),
        lambda: io.BytesIO(data),
        size=100,
        mime="application/pdf",
        filename="kirje.pdf",
        inline=False,
    )
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data  # type: ignore[attr-defined]
    assert whole["Content-Disposition"].startswith("attachment")
    assert whole["X-Content-Type-Options"] == "nosniff"
