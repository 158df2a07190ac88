"""Relay-only calls: the server keeps every address but the TURN relays' out of what it relays.

A browser told `iceTransportPolicy: "relay"` offers only relay candidates, but
a modified browser (or a page changed in the developer tools) could still put
its host or server-reflexive candidates, and so its addresses, into an offer or
a trickled candidate. On a relay-only call the server therefore drops every
candidate whose type is not `relay`, blanks a relay candidate's related address
(`raddr`/`rport`: the client's own mapped address), and blanks the connection
and origin addresses of the SDP (`c=`, `a=rtcp:`, `o=`), which ICE does not use.
"""

from __future__ import annotations

import re

_CANDIDATE_TYPE = re.compile(r"\btyp\s+(\S+)")
_RELATED = re.compile(r"\braddr\s+\S+\s+rport\s+\d+")
_CONNECTION = re.compile(r"^c=IN IP([46]) \S+", re.IGNORECASE)
_RTCP = re.compile(r"^a=rtcp:(\d+) IN IP([46]) \S+", re.IGNORECASE)
_ORIGIN = re.compile(r"^(o=\S+ \S+ \S+ IN IP)([46]) \S+", re.IGNORECASE)
_BLANK = {"4": "0.0.0.0", "6": "::"}  # noqa: S104 - an address that names nobody, never listened on


def is_relay_candidate(candidate: str) -> bool:
    """Whether an ICE candidate line (`candidate:...`, with or without `a=`) is a TURN relay candidate."""
    match = _CANDIDATE_TYPE.search(candidate)
    return match is not None and match.group(1).lower() == "relay"


def relay_candidate(candidate: str) -> str | None:
    """A trickled candidate as relayed on a relay-only call: None to drop it, else with no related address.

    An empty candidate (the end of candidates) passes as it is.
    """
    if not candidate.strip():
        return candidate
    if not is_relay_candidate(candidate):
        return None
    return _RELATED.sub("raddr 0.0.0.0 rport 0", candidate)


def relay_only_sdp(sdp: str) -> str:
    """An SDP offer or answer with only relay candidates and no addresses outside them."""
    lines = sdp.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        if line.lower().startswith("a=candidate:"):
            relayed = relay_candidate(line)
            if relayed is None:
                continue
            line = relayed
        line = _CONNECTION.sub(lambda m: f"c=IN IP{m.group(1)} {_BLANK[m.group(1)]}", line)
        line = _RTCP.sub(lambda m: f"a=rtcp:{m.group(1)} IN IP{m.group(2)} {_BLANK[m.group(2)]}", line)
        line = _ORIGIN.sub(lambda m: f"{m.group(1)}{m.group(2)} {'127.0.0.1' if m.group(2) == '4' else '::1'}", line)
        kept.append(line)
    return "\r\n".join(kept)
