"""A small synchronous protocol client for tests, over a real WebSocket."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin


class ProtocolClient:
    """Speaks docs/protocol.md: sends frames, collects events, waits for one by predicate."""

    def __init__(self, base_ws_url: str, path: str, *, cookie: str | None = None, origin: str | None = None) -> None:
        headers = {"Cookie": cookie} if cookie else None
        origin = origin or base_ws_url.replace("ws://", "http://")
        self.ws: ClientConnection = connect(
            base_ws_url + path,
            origin=Origin(origin),
            additional_headers=headers,
            open_timeout=10,
            max_size=2**20,
            # A plain connection object (not a context manager): tests close it themselves.
            legacy=True,
        )
        self.events: list[dict[str, Any]] = []
        self.token: str | None = None

    def send(self, frame: dict[str, Any] | str) -> None:
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def recv(self, timeout: float = 5) -> dict[str, Any]:
        event = json.loads(self.ws.recv(timeout=timeout))
        self.events.append(event)
        return event

    def wait_for(self, type_: str, timeout: float = 5, **match: Any) -> dict[str, Any]:
        """Read events until one of `type_` whose fields equal `match` arrives."""

        def wanted(event: dict[str, Any]) -> bool:
            return event.get("type") == type_ and all(event.get(k) == v for k, v in match.items())

        return self.read_until(wanted, f"{type_} {match}", timeout)

    def read_until(self, wanted: Callable[[dict[str, Any]], bool], what: str, timeout: float = 5) -> dict[str, Any]:
        """Read events until one that `wanted` accepts arrives; TimeoutError (naming `what`) after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {what}; got {[e.get('type') for e in self.events[-10:]]}")
            event = self.recv(timeout=remaining)
            if wanted(event):
                return event

    def answer(self, frame: dict[str, Any], timeout: float = 5) -> dict[str, Any]:
        """Send `frame` with a fresh `ref` and return the reply (or error) carrying that ref."""
        ref = uuid.uuid4().hex
        self.send({**frame, "ref": ref})
        return self.wait_for_ref(ref, timeout)

    def wait_for_ref(self, ref: str, timeout: float = 5) -> dict[str, Any]:
        """Read events until the one carrying `ref` (of any type: a reply or an error) arrives."""
        return self.read_until(lambda e: e.get("ref") == ref, f"reply to ref {ref}", timeout)

    def drain(self, timeout: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives within `timeout` seconds."""
        got = []
        try:
            while True:
                got.append(self.recv(timeout=timeout))
        except TimeoutError:
            return got

    def hello(self, **fields: Any) -> dict[str, Any]:
        if self.token and "token" not in fields:
            fields["token"] = self.token
        self.send({"type": "hello", **fields})
        welcome = self.wait_for("welcome")
        self.token = welcome.get("token", self.token)
        return welcome

    def say(self, conversation: int, body: str, msg_id: str | None = None) -> dict[str, Any]:
        msg_id = msg_id or uuid.uuid4().hex
        self.send({"type": "send", "conversation": conversation, "id": msg_id, "body": body})
        return self.wait_for("ack", id=msg_id)

    def close(self) -> None:
        self.ws.close()


def staff_cookie(client: Any, username: str, password: str, *, otp: bool = False) -> str:
    """Log a staff member in through the real login form and return their cookie header."""
    from demo.data import DEMO_PASSWORD

    response = client.post("/staff/login/", {"username": username, "password": password or DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if otp:
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user__username=username)
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        response = client.post("/staff/login/code/", {"token": f"{code:06d}"})
        assert response.status_code == 302
    return "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
