"""Property-based fuzzing of the real-time protocol (point 4 of the hostile-input issue).

Every inbound frame type of both parties (read from `realtime.inbound.FRAMES`,
so a new frame type is fuzzed without touching this file) is sent with valid
random values and with broken ones: wrong types, missing and extra fields, huge
strings, unicode edge cases (NUL, lone surrogates written as JSON escapes, RTL
marks, emoji), out-of-range integers, nested junk, non-object JSON, invalid JSON
and binary frames. The frames go over real WebSockets to the live server, as a
client and as a logged-in counsellor, and after each one:

- the socket is still open and answers `ping` with `pong`;
- every frame the server sent follows `tests.support.protocol.outbound_problems`;
- every error carries a code from docs/protocol.md's table and a readable message;
- when an error answered the frame, nothing was stored.

`parse_frame` itself is fuzzed directly with many more examples: it raises
nothing but `ProtocolError`, and what it accepts is what FRAMES describes.

Hypothesis runs derandomized (the same examples on every run) with bounded
`max_examples`, so CI is reproducible and quick.
"""

from __future__ import annotations

import json
import os
import re
import string
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from common.languages import language_codes
from realtime.inbound import FRAMES, MAX_INT, Field, Party, ProtocolError, parse_frame
from tests.chat_helpers import Chat, new_id, rows
from tests.support.protocol import outbound_problems
from tests.wsclient import ProtocolClient

PROTOCOL_DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def documented_error_codes() -> set[str]:
    """The codes of the "Error codes" table of docs/protocol.md."""
    text = PROTOCOL_DOC.read_text(encoding="utf-8")
    table = text.split("### Error codes", 1)[1]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))


ERROR_CODES = documented_error_codes()

# Examples per frame type over the socket; parse_frame alone runs many more. FUZZ_SCALE=10
# (an environment variable) multiplies them for a longer hunt on a developer's machine.
SCALE = max(1, int(os.environ.get("FUZZ_SCALE", "1")))
LIVE_VALID_EXAMPLES = 20 * SCALE
LIVE_HOSTILE_EXAMPLES = 30 * SCALE
PARSE_EXAMPLES = 600 * SCALE


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


# --- Strategies -------------------------------------------------------------------------------

# Characters that break naive code: NUL and other controls, lone surrogates (sent as
# JSON escapes), bidirectional overrides and marks, zero-width and byte-order marks,
# combining marks, emoji sequences, the last code points, line and paragraph separators.
UNICODE_EDGES = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\ud800",
    "\udfff",
    "\udbff\udc00x",
    "\u202e",
    "\u202d",
    "\u200f",
    "\u200e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u0301\u0301\u0301",
    "😀",
    "👩\u200d👩\u200d👧\u200d👦",
    "🏳️\u200d🌈",
    "\uffff",
    "\U0010ffff",
    "\u2028",
    "\u2029",
    "\r\n\t",
    "\\u0000",
    "%s%(field)s{0}",
    "ﷺ",
    "<script>",
]

edge_text = st.lists(st.sampled_from(UNICODE_EDGES) | st.text(max_size=4), min_size=1, max_size=8).map("".join)
plain_text = st.text(max_size=40)
any_text = plain_text | edge_text

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=12,
)
out_of_range_ints = st.sampled_from([-1, -(2**31), MAX_INT + 1, 2**63, -(2**63), 10**30]) | st.integers(max_value=-1)
huge_strings = st.builds(
    lambda char, size: char * size, st.sampled_from(["x", "ä", "€", "😀", " "]), st.integers(4_001, 9_000)
)

printable_chars = st.characters(categories=["L", "M", "N", "P", "S"])


def wrong_type_for(spec: Field) -> st.SearchStrategy[Any]:
    """A JSON value that is not of the field's kind (None counts as missing, so it is left out)."""
    not_none = json_values.filter(lambda v: v is not None)
    if spec.kind == "bool":
        return not_none.filter(lambda v: not isinstance(v, bool))
    if spec.kind == "int":
        return not_none.filter(lambda v: isinstance(v, bool) or not isinstance(v, int))
    if spec.kind == "object":
        return not_none.filter(lambda v: not isinstance(v, dict))
    return not_none.filter(lambda v: not isinstance(v, str))


class Context:
    """What a party's valid frames refer to: its conversations, the desks, outcomes, topics."""

    def __init__(self, conversations: list[int], desks: dict[str, int], outcomes: list[str], topics: list[str]):
        self.conversations = conversations
        self.desks = desks
        self.outcomes = outcomes
        self.topics = topics

    def value(self, frame_type: str, name: str, spec: Field) -> st.SearchStrategy[Any]:
        """A valid value of one field: in range, often one that names something that exists."""
        if spec.kind == "bool":
            return st.booleans()
        if spec.kind == "int":
            anything = st.integers(min_value=0, max_value=MAX_INT)
            if name == "conversation":
                return st.sampled_from(self.conversations) | anything
            if name == "desk":
                return st.sampled_from(sorted(self.desks.values())) | anything
            if name in ("after", "seq", "delivered", "read"):
                return st.integers(min_value=0, max_value=12) | anything
            return st.integers(min_value=0, max_value=50) | anything
        if spec.kind == "id":
            return st.text(printable_chars, min_size=1, max_size=64)
        if spec.kind == "object":
            # A call's signal (conversations.actions.calls.clean_signal): a description, a candidate, or junk;
            # its text follows the protocol's rule for text (no NUL, no lone surrogate).
            clean = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=200)
            sdp = st.fixed_dictionaries({"type": st.sampled_from(["offer", "answer", "pranswer"]), "sdp": clean})
            candidate = st.fixed_dictionaries({"candidate": clean, "sdpMid": st.none() | clean})
            scalars = st.none() | st.booleans() | st.integers() | clean
            return (
                st.fixed_dictionaries({"sdp": sdp})
                | st.fixed_dictionaries({"candidate": candidate})
                | st.dictionaries(clean, scalars, max_size=4)
            )
        limit = spec.max_length or 300
        text = st.text(max_size=min(limit, 300)).filter(lambda s: "\x00" not in s)
        if name == "body":
            text = st.text(min_size=1, max_size=300).filter(lambda s: s.strip() and "\x00" not in s)
        elif not spec.allow_empty:
            text = text.filter(lambda s: s.strip())
        known: list[str] = {
            "desk": sorted(self.desks),
            "lang": list(language_codes()),
            "outcome": self.outcomes,
            "topic": self.topics,
            "reason": ["asked", "bot_unsure"],
            "age_group": ["16_17", "65_plus", "unknown", ""],
            "municipality": ["other", ""],
            "status": ["available", "busy", "away"],
            "role": ["interpreter", "sign_language_interpreter", "professional"],
        }.get(name, [])
        return st.sampled_from(known) | text if known else text

    def valid_frame(self, party: Party, frame_type: str) -> st.SearchStrategy[dict[str, Any]]:
        fields = FRAMES[party][frame_type]

        @st.composite
        def build(draw: st.DrawFn) -> dict[str, Any]:
            frame: dict[str, Any] = {"type": frame_type, "ref": new_id()}
            for name, spec in fields.items():
                if spec.required or draw(st.booleans()):
                    frame[name] = draw(self.value(frame_type, name, spec))
            return frame

        return build()

    def hostile_frame(self, party: Party, frame_type: str) -> st.SearchStrategy[dict[str, Any] | str | bytes]:
        """A broken version of a valid frame, or a frame that is not a JSON object at all."""
        fields = FRAMES[party][frame_type]
        other_party: Party = "staff" if party == "client" else "client"

        @st.composite
        def mutate(draw: st.DrawFn) -> dict[str, Any]:
            frame = dict(draw(self.valid_frame(party, frame_type)))
            for _step in range(draw(st.integers(1, 3))):
                names = sorted(fields)
                mutation = draw(
                    st.sampled_from(
                        ["missing", "wrong_type", "extra", "huge", "unicode", "out_of_range", "junk", "ref", "type"]
                    )
                )
                name = draw(st.sampled_from(names)) if names else None
                spec = fields[name] if name else None
                if mutation == "missing" and name:
                    frame.pop(name, None)
                elif mutation == "wrong_type" and name and spec:
                    frame[name] = draw(wrong_type_for(spec))
                elif mutation == "extra":
                    frame.update(draw(st.dictionaries(any_text, json_values, min_size=1, max_size=4)))
                elif mutation == "huge" and name:
                    frame[name] = draw(huge_strings)
                elif mutation == "unicode" and name:
                    frame[name] = draw(edge_text)
                elif mutation == "out_of_range" and name:
                    frame[name] = draw(out_of_range_ints)
                elif mutation == "junk" and name:
                    frame[name] = draw(json_values)
                elif mutation == "ref":
                    frame["ref"] = draw(json_values | st.text(min_size=65, max_size=100) | edge_text)
                elif mutation == "type":
                    frame["type"] = draw(
                        st.sampled_from(sorted(FRAMES[other_party])) | json_values | st.just(frame_type.upper())
                    )
            return frame

        not_objects = json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps)
        valid_text = self.valid_frame(party, frame_type).map(json.dumps)
        truncated = st.builds(lambda text, cut: text[: max(1, len(text) - cut)], valid_text, st.integers(1, 10))
        not_json = st.text(max_size=60).filter(lambda s: not parses(s))
        binary = st.binary(max_size=200) | valid_text.map(str.encode)
        deep = st.integers(200, 4000).map(lambda n: '{"type": "ping", "x": ' + "[" * n + "]" * n + "}")
        return st.one_of(
            mutate(),
            mutate(),
            mutate(),
            not_objects,
            truncated.filter(lambda s: not parses(s)),
            not_json,
            binary,
            deep,
        )


def parses(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def encode(frame: dict[str, Any] | str | bytes, ascii_only: bool) -> str | bytes:
    """The frame as sent: JSON text (with \\u escapes where needed, lone surrogates always) or bytes."""
    if isinstance(frame, (str, bytes)):
        if isinstance(frame, str) and not ascii_only:
            try:
                frame.encode("utf-8")
            except UnicodeEncodeError:
                return json.dumps(frame)[1:-1]  # a text frame must be UTF-8: escape what is not
        return frame
    text = json.dumps(frame, ensure_ascii=ascii_only)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(frame)  # lone surrogates travel as \u escapes only
    return text


# --- Checks ------------------------------------------------------------------------------------


def all_rows() -> dict[str, int]:
    """The chat tables (tests.chat_helpers.rows) and what the bot part writes."""
    from bot.models import AnswerVote, UnansweredQuestion

    return {**rows(), "votes": AnswerVote.objects.count(), "unanswered": UnansweredQuestion.objects.count()}


def check_error(error: dict[str, Any], frame: Any) -> None:
    assert error["code"] in ERROR_CODES, (error, frame)
    message = error.get("message")
    assert isinstance(message, str) and message.strip(), (error, frame)
    assert "%(" not in message and "%s" not in message, (error, frame)


class Exchange:
    """Sends a frame, then a ping; every reply up to the pong is the frame's answer."""

    def __init__(self, socket: ProtocolClient, party: Party) -> None:
        self.socket = socket
        self.party = party
        self.sent = 0
        self.codes: dict[str, int] = {}

    def __call__(self, frame: dict[str, Any] | str | bytes, *, ascii_only: bool = False) -> list[dict[str, Any]]:
        before = all_rows()
        start = len(self.socket.events)
        payload = encode(frame, ascii_only)
        size = len(payload) if isinstance(payload, bytes) else len(payload.encode("utf-8"))
        # Over 64 KiB the server closes the socket (1009), as documented: tested on its own below.
        assume(size < 65_000)
        self.socket.ws.send(payload)
        ping = f"alive-{uuid.uuid4().hex}"
        self.socket.send({"type": "ping", "ref": ping})
        # A closed socket raises ConnectionClosed here: only 1009 (> 64 KiB) may close it.
        self.socket.wait_for("pong", timeout=15, ref=ping)
        self.sent += 1
        replies = self.socket.events[start:]
        for event in replies:
            problems = outbound_problems(self.party, event)
            assert not problems, (problems, event, frame)
        errors = [e for e in replies if e.get("type") == "error"]
        for error in errors:
            check_error(error, frame)
            self.codes[error["code"]] = self.codes.get(error["code"], 0) + 1
        if errors:
            assert all_rows() == before, ("an error was returned but something was stored", errors, frame)
        return replies


# --- parse_frame on its own -----------------------------------------------------------------


def assert_parsed_follows_frames(party: Party, parsed: dict[str, Any]) -> None:
    fields = FRAMES[party][parsed["type"]]
    for name, spec in fields.items():
        value = parsed[name]
        if value is None:
            assert not spec.required, name
            continue
        if spec.kind == "bool":
            assert isinstance(value, bool)
        elif spec.kind == "int":
            assert isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT
        elif spec.kind == "object":
            assert isinstance(value, dict)
        else:
            assert isinstance(value, str) and "\x00" not in value
            if spec.kind == "id":
                assert 1 <= len(value) <= 64
            if spec.max_length is not None:
                assert len(value) <= spec.max_length
    # Whatever is accepted can be stored and echoed back as UTF-8.
    json.dumps(parsed, ensure_ascii=False).encode("utf-8")


PARSE_CONTEXT = Context(conversations=[1, 2], desks={"youth": 1}, outcomes=["answered"], topics=["housing"])


@pytest.mark.parametrize("party", ["client", "staff", "guest"])
def test_parse_frame_raises_nothing_but_protocol_errors(party: Party) -> None:
    types = sorted(FRAMES[party])
    frames = st.sampled_from(types).flatmap(
        lambda t: PARSE_CONTEXT.valid_frame(party, t) | PARSE_CONTEXT.hostile_frame(party, t)
    )
    raw = st.text(max_size=80) | st.text(alphabet=string.printable + '{}[]":,\\', max_size=120)

    @fuzz_settings(PARSE_EXAMPLES)
    @given(frame=frames | raw | st.none(), ascii_only=st.booleans())
    def check(frame: Any, ascii_only: bool) -> None:
        text = frame if frame is None else encode(frame, ascii_only)
        if isinstance(text, bytes):
            text = None  # a binary frame reaches parse_frame as no text
        try:
            parsed = parse_frame(party, text)
        except ProtocolError as error:
            assert error.code in ERROR_CODES
            assert error.message
            assert error.ref is None or isinstance(error.ref, str)
            return
        assert_parsed_follows_frames(party, parsed)

    check()


@pytest.mark.parametrize("party", ["client", "staff", "guest"])
def test_parse_frame_accepts_every_valid_frame(party: Party) -> None:
    for frame_type in sorted(FRAMES[party]):

        @fuzz_settings(60)
        @given(frame=PARSE_CONTEXT.valid_frame(party, frame_type), ascii_only=st.booleans())
        def check(frame: dict[str, Any], ascii_only: bool) -> None:
            parsed = parse_frame(party, json.dumps(frame, ensure_ascii=ascii_only))
            assert parsed["type"] == frame["type"] and parsed["ref"] == frame["ref"]
            assert_parsed_follows_frames(party, parsed)

        check()


def test_lone_surrogates_are_refused_not_echoed() -> None:
    """A lone surrogate cannot be encoded as UTF-8: the server must refuse it, not store or echo it."""
    for frame, field in [
        ('{"type": "ping", "ref": "\\ud800"}', "ref"),
        ('{"type": "send", "conversation": 1, "id": "a", "body": "hi \\udc00"}', "body"),
        ('{"type": "hello", "token": "\\udbff"}', "token"),
        ('{"type": "start", "desk": "youth", "nickname": "\\ud83d"}', "nickname"),
    ]:
        with pytest.raises(ProtocolError) as refused:
            parse_frame("client", frame)
        assert (refused.value.code, refused.value.field) == ("bad_message", field)
    # A surrogate pair written as escapes is one real character, and fine.
    assert parse_frame("client", '{"type": "ping", "ref": "\\ud83d\\ude00"}')["ref"] == "😀"


# --- Over real sockets ------------------------------------------------------------------------


@pytest.fixture
def unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """No rate limit during fuzzing (tests/protocol/test_protocol_bad_input.py tests the limit itself)."""
    from common.ratelimit import RateLimiter
    from realtime.consumers import ClientConsumer, GuestConsumer, StaffConsumer

    monkeypatch.setattr(ClientConsumer, "limiter", RateLimiter(10**9, 10**6))
    monkeypatch.setattr(StaffConsumer, "limiter", RateLimiter(10**9, 10**6))
    monkeypatch.setattr(GuestConsumer, "limiter", RateLimiter(10**9, 10**6))


def start(client: ProtocolClient, *, person: bool) -> int:
    ref = new_id()
    client.send({"type": "start", "desk": "youth", "nickname": "Fuzz", "person": person, "ref": ref})
    state = client.wait_for("conversation", ref=ref)["conversation"]
    client.wait_for("synced", conversation=state["id"])
    return int(state["id"])


def fuzz_each_type(
    party: Party, run: Callable[[str, st.SearchStrategy[Any], int], None], context: Context, exchange: Exchange
) -> None:
    # `delete` last: once it deletes the client's conversations, every later frame on them is not_found.
    for frame_type in sorted(FRAMES[party], key=lambda kind: (kind == "delete", kind)):
        run(frame_type, context.valid_frame(party, frame_type), LIVE_VALID_EXAMPLES)
        run(frame_type, context.hostile_frame(party, frame_type), LIVE_HOSTILE_EXAMPLES)
        # Over 16 KiB (but under the 64 KiB that closes the socket): too_large, and the socket goes on.
        padded = {"type": frame_type, "ref": "padded", "pad": "€" * 6_000}
        replies = exchange(padded)
        assert [(e["code"], e["ref"]) for e in replies if e["type"] == "error"] == [("too_large", None)]


@pytest.fixture
def client_setup(chat: Chat, unlimited: None) -> Iterator[tuple[ProtocolClient, Context]]:
    client = chat.client()
    person = start(client, person=True)
    bot = start(client, person=False)
    from bot.cache import get_bot

    topics = sorted(get_bot().slugs)[:5]
    context = Context(
        conversations=[person, bot, bot + 1000],
        desks={"youth": 0, "parents": 0, "homework": 0, "no-such": 0},
        outcomes=[],
        topics=topics,
    )
    yield client, context


def test_fuzz_every_client_frame_over_a_real_socket(chat: Chat, client_setup: tuple[ProtocolClient, Context]) -> None:
    client, context = client_setup
    token = client.token
    exchange = Exchange(client, "client")

    def run(frame_type: str, frames: st.SearchStrategy[Any], examples: int) -> None:
        @fuzz_settings(examples)
        @given(frame=frames, ascii_only=st.booleans())
        def check(frame: Any, ascii_only: bool) -> None:
            exchange(frame, ascii_only=ascii_only)
            # A hello, valid or not, never switches this socket to another client (one hello per socket).
            assert client.token == token

        check()

    fuzz_each_type("client", run, context, exchange)
    print(f"client: {exchange.sent} frames, errors {dict(sorted(exchange.codes.items()))}")
    assert exchange.sent >= len(FRAMES["client"]) * LIVE_VALID_EXAMPLES
    # Both kinds of answers were seen: refusals of broken frames and real work on valid ones.
    assert {"bad_json", "bad_message", "unknown_type", "too_large"} <= set(exchange.codes)


def test_fuzz_every_staff_frame_over_a_real_socket(chat: Chat, demo: Any, unlimited: None) -> None:
    client = chat.client()
    waiting = [start(client, person=True) for _ in range(3)]
    staff = chat.staff("counsellor")
    welcome = next(e for e in staff.events if e["type"] == "welcome")
    context = Context(
        conversations=[*waiting, waiting[-1] + 1000],
        desks={slug: desk.pk for slug, desk in demo["desks"].items()},
        outcomes=[o["value"] for o in welcome["outcomes"]],
        topics=[],
    )
    exchange = Exchange(staff, "staff")

    def run(frame_type: str, frames: st.SearchStrategy[Any], examples: int) -> None:
        @fuzz_settings(examples)
        @given(frame=frames, ascii_only=st.booleans())
        def check(frame: Any, ascii_only: bool) -> None:
            exchange(frame, ascii_only=ascii_only)

        check()

    fuzz_each_type("staff", run, context, exchange)
    print(f"staff: {exchange.sent} frames, errors {dict(sorted(exchange.codes.items()))}")
    assert {"bad_json", "bad_message", "unknown_type", "too_large"} <= set(exchange.codes)
    # The client's socket survived whatever the staff side did to its conversations.
    exchange_client = Exchange(client, "client")
    exchange_client({"type": "resume", "conversation": waiting[0], "after": 0, "ref": "after-fuzz"})


def test_fuzz_every_guest_frame_over_a_real_socket(chat: Chat, demo: Any, unlimited: None) -> None:
    """A guest (issue 14) in an active conversation: every guest frame, valid and broken.

    `leave` is tried on conversations that are not the guest's (a valid one would end the
    guest's part and close the socket), then once for real at the end.
    """
    from tests.guests.helpers import active_conversation, joined_guest

    scene = active_conversation(chat)
    other = start(chat.client(), person=True)
    _guest, socket, _browser = joined_guest(chat, scene)
    own = scene.conversation
    context = Context(conversations=[own, other, own + 1000], desks={}, outcomes=[], topics=[])
    elsewhere = Context(conversations=[other, own + 1000], desks={}, outcomes=[], topics=[])
    exchange = Exchange(socket, "guest")

    def run(frame_type: str, frames: st.SearchStrategy[Any], examples: int) -> None:
        @fuzz_settings(examples)
        @given(frame=frames, ascii_only=st.booleans())
        def check(frame: Any, ascii_only: bool) -> None:
            exchange(frame, ascii_only=ascii_only)

        check()

    for frame_type in sorted(FRAMES["guest"]):
        kind_context = elsewhere if frame_type == "leave" else context
        run(frame_type, kind_context.valid_frame("guest", frame_type), LIVE_VALID_EXAMPLES)
        run(frame_type, kind_context.hostile_frame("guest", frame_type), LIVE_HOSTILE_EXAMPLES)
        replies = exchange({"type": frame_type, "ref": "padded", "pad": "€" * 6_000})
        assert [(e["code"], e["ref"]) for e in replies if e["type"] == "error"] == [("too_large", None)]
    print(f"guest: {exchange.sent} frames, errors {dict(sorted(exchange.codes.items()))}")
    assert {"bad_json", "bad_message", "unknown_type", "too_large", "not_found"} <= set(exchange.codes)
    socket.send({"type": "leave", "conversation": own, "ref": "bye"})
    assert socket.wait_for("guest_ended")["reason"] == "left"


def test_acks_give_unique_seqs_and_a_resent_id_the_same_seq(chat: Chat, unlimited: None) -> None:
    client = chat.client()
    conversation = start(client, person=True)
    seqs: dict[str, int] = {}

    @fuzz_settings(40)
    @given(
        body=st.text(min_size=1, max_size=200).filter(lambda s: s.strip() and "\x00" not in s),
        resend=st.booleans(),
        other_body=st.text(min_size=1, max_size=50).filter(lambda s: s.strip() and "\x00" not in s),
    )
    def check(body: str, resend: bool, other_body: str) -> None:
        if resend and seqs:
            msg_id = sorted(seqs)[len(body) % len(seqs)]
            before = all_rows()
            # The same id again (even with another body) is the same message: same ack, nothing stored.
            ack = client.say(conversation, other_body, msg_id=msg_id)
            assert ack["seq"] == seqs[msg_id]
            assert all_rows() == before
            return
        msg_id = new_id()
        ack = client.say(conversation, body, msg_id=msg_id)
        assert ack["seq"] not in seqs.values()
        seqs[msg_id] = ack["seq"]

    check()
    assert len(set(seqs.values())) == len(seqs) >= 10
    from conversations.models import Message

    stored = list(Message.objects.filter(conversation_id=conversation).order_by("seq").values_list("seq", flat=True))
    assert stored == list(range(1, len(stored) + 1))
    assert set(seqs.values()) <= set(stored)


@pytest.mark.parametrize("party", ["client", "staff"])
def test_only_a_frame_over_64_kib_closes_the_socket(chat: Chat, party: Party) -> None:
    """The one documented close: 1009 from the server itself; nothing is stored."""
    from websockets.exceptions import ConnectionClosed

    socket = chat.client() if party == "client" else chat.staff("counsellor")
    before = all_rows()
    # Just under 64 KiB is still an answer (too_large), not a close.
    Exchange(socket, party)({"type": "ping", "pad": "x" * 64_000})
    socket.send({"type": "send", "conversation": 1, "id": new_id(), "body": "x" * 70_000})
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            socket.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert all_rows() == before
