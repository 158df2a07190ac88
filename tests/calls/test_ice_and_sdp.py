"""ICE settings and relay-only filtering (calls.ice, calls.sdp): what coturn and a browser get."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from calls.ice import ice_settings, turn_credentials
from calls.sdp import relay_candidate, relay_only_sdp

BASE_DIR = Path(__file__).resolve().parents[2]

HOST = "candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host generation 0 ufrag abcd network-id 1"
SRFLX = "candidate:2 1 udp 1686052607 84.250.10.20 54400 typ srflx raddr 192.168.1.20 rport 54400 generation 0"
RELAY = "candidate:3 1 udp 41885439 198.51.100.7 61000 typ relay raddr 84.250.10.20 rport 54400 generation 0"
MDNS = "candidate:4 1 udp 2122260223 1f0e2b1c-aaaa-bbbb-cccc-0123456789ab.local 54401 typ host generation 0"

OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 192.168.1.20",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "m=audio 54400 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 84.250.10.20",
        "a=rtcp:9 IN IP4 84.250.10.20",
        f"a={HOST}",
        f"a={SRFLX}",
        f"a={RELAY}",
        f"a={MDNS}",
        "a=end-of-candidates",
        "a=mid:0",
        "",
    ]
)


def coturn_password(secret: str, username: str) -> str:
    """What coturn computes in use-auth-secret mode (turn_server's hmac over the username, SHA-1, base64)."""
    return base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def test_turn_credentials_are_coturns_shared_secret_ones() -> None:
    username, credential = turn_credentials("s3cret", "ab12", ttl=600, now=1_800_000_000)
    assert username == "1800000600:ab12"
    assert credential == coturn_password("s3cret", username)
    # The same from another implementation: OpenSSL's HMAC-SHA1, as coturn itself links it.
    openssl = subprocess.run(
        ["openssl", "dgst", "-sha1", "-hmac", "s3cret", "-binary"],
        input=username.encode(),
        capture_output=True,
        check=True,
    )
    assert credential == base64.b64encode(openssl.stdout).decode()


def test_ice_settings_from_the_environment(settings: Any) -> None:
    settings.CALL_STUN_URLS = ["stun:turn.example.fi:3478"]
    settings.CALL_TURN_URLS = ["turn:turn.example.fi:3478?transport=udp", "turns:turn.example.fi:5349"]
    settings.CALL_TURN_SECRET = "shared"
    settings.CALL_TURN_TTL_SECONDS = 300
    ice = ice_settings(relay_only=True)
    assert ice["iceTransportPolicy"] == "relay"
    stun, turn = ice["iceServers"]
    assert stun == {"urls": ["stun:turn.example.fi:3478"]}
    assert turn["urls"] == settings.CALL_TURN_URLS
    expiry, tag = turn["username"].split(":")
    assert int(expiry) > 0 and len(tag) == 12
    assert turn["credential"] == coturn_password("shared", turn["username"])
    # Each call gets its own: nothing ties two calls (or a person) together.
    assert ice_settings(relay_only=True)["iceServers"][1]["username"] != turn["username"]
    assert ice_settings(relay_only=False)["iceTransportPolicy"] == "all"


def test_without_turn_there_are_no_credentials(settings: Any) -> None:
    settings.CALL_STUN_URLS = []
    settings.CALL_TURN_URLS = []
    settings.CALL_TURN_SECRET = ""
    ice = ice_settings(relay_only=False)
    assert ice["iceServers"] == [] and ice["iceTransportPolicy"] == "all"


def test_a_relay_only_offer_keeps_only_the_relay_and_no_address_of_the_client() -> None:
    filtered = relay_only_sdp(OFFER)
    for address in ("192.168.1.20", "84.250.10.20", ".local"):
        assert address not in filtered
    assert "typ relay" in filtered and "198.51.100.7 61000" in filtered
    assert "typ host" not in filtered and "typ srflx" not in filtered
    assert "raddr 0.0.0.0 rport 0" in filtered
    assert "c=IN IP4 0.0.0.0" in filtered and "a=rtcp:9 IN IP4 0.0.0.0" in filtered
    # The rest of the description is untouched.
    assert "m=audio 54400 UDP/TLS/RTP/SAVPF 111" in filtered and "a=mid:0" in filtered


def test_trickled_candidates_on_a_relay_only_call() -> None:
    assert relay_candidate(HOST) is None
    assert relay_candidate(SRFLX) is None
    assert relay_candidate(MDNS) is None
    relayed = relay_candidate(RELAY)
    assert relayed is not None and "198.51.100.7" in relayed and "84.250.10.20" not in relayed
    assert relay_candidate("") == ""  # the end of candidates passes


def test_production_without_turn_warns(tmp_path: Path) -> None:
    """calls.W001: a relay-only desk refuses calls until TURN is configured (tests/security checks it with TURN)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CALL_TURN_URLS", "CALL_TURN_SECRET")}
    env.update(SECRET_KEY="x" * 60, KOHTAAMO_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="kohtaamo.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "security"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "calls.W001" in result.stdout + result.stderr
