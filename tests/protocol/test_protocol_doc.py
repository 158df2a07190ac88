"""docs/protocol.md is the contract: it lists exactly the frames and error codes the code has.

The frame tables (client frames, staff frames, server frames) and the error-code
table are read from the document and compared, both ways, with the types in
realtime/inbound.py and conversations/outbound.py and the codes in
conversations/errors.py. An inbound frame's row must also name each of its fields.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conversations.errors import ERROR_CODES
from conversations.outbound import CLIENT_EVENTS, EVENT_TYPES, GUEST_EVENTS, STAFF_EVENTS
from realtime.inbound import FRAMES

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def section_rows(heading: str) -> dict[str, str]:
    """The rows of the first table under `heading`: first cell's backticked names -> the rest of the row."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    rows: dict[str, str] = {}
    in_table = False
    for line in text[start + len(heading) + 2 :].splitlines():
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            if in_table:
                break
            continue
        in_table = True
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for name in re.findall(r"`([a-z_]+)`", cells[0]):
            rows[name] = " | ".join(cells[1:])
    return rows


@pytest.mark.parametrize(
    ("party", "heading"),
    [
        ("client", "## Client frames (client -> server)"),
        ("staff", "## Staff frames (staff -> server)"),
        ("guest", "## Guest frames (guest -> server)"),
    ],
)
def test_the_frames_a_party_sends_are_the_documented_ones(party: str, heading: str) -> None:
    documented = section_rows(heading)
    assert sorted(documented) == sorted(FRAMES[party])  # type: ignore[index]


@pytest.mark.parametrize(
    ("party", "heading"),
    [
        ("client", "## Client frames (client -> server)"),
        ("staff", "## Staff frames (staff -> server)"),
        ("guest", "## Guest frames (guest -> server)"),
    ],
)
def test_every_field_of_a_frame_is_documented(party: str, heading: str) -> None:
    documented = section_rows(heading)
    missing = [
        f"{frame}.{field}"
        for frame, fields in FRAMES[party].items()  # type: ignore[index]
        for field in fields
        if f"`{field}`" not in documented[frame] and not documented[frame].startswith("as for clients")
    ]
    assert missing == []


def test_the_server_frames_are_the_documented_ones() -> None:
    assert sorted(section_rows("## Server frames (server -> party)")) == sorted(EVENT_TYPES)


def test_staff_only_server_frames_say_so() -> None:
    rows = section_rows("## Server frames (server -> party)")
    staff_only = sorted(set(STAFF_EVENTS) - set(CLIENT_EVENTS) - set(GUEST_EVENTS) - {"welcome", "conversation"})
    assert [name for name in staff_only if not rows[name].startswith("(staff")] == []
    client_only = sorted(set(CLIENT_EVENTS) - set(STAFF_EVENTS) - set(GUEST_EVENTS))
    assert [name for name in client_only if not rows[name].startswith("(client")] == []
    guest_only = sorted(set(GUEST_EVENTS) - set(STAFF_EVENTS) - set(CLIENT_EVENTS))
    assert [name for name in guest_only if not rows[name].startswith("(guest")] == []


def test_the_error_codes_are_the_documented_ones() -> None:
    assert sorted(section_rows("### Error codes")) == sorted(ERROR_CODES)
