"""The bare relay: the floor for our latency (`python -m bench.relay --port N`).

A minimal server in the `websockets` library that does only what any chat
server must: take a frame from one socket and write it to the paired socket.
No parsing after the first frame, no database, no channel layer, no Django. Our
server's latency divided by this one's shows what our own work costs on top of
moving the bytes under the same load on the same machine.

Sockets connect to /pair/<key>/client and /pair/<key>/staff. Each sends one
`{"type": "wait", "ref": ...}`; when both are there, each gets `paired` with its
ref. After that every frame goes to the partner as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed


class Relay:
    def __init__(self) -> None:
        self.sockets: dict[str, ServerConnection] = {}
        self.refs: dict[str, str] = {}

    async def handle(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "pair" or parts[2] not in ("client", "staff"):
            await ws.close(code=4404)
            return
        key, side = parts[1], parts[2]
        me, other = f"{key}/{side}", f"{key}/{'staff' if side == 'client' else 'client'}"
        try:
            first = json.loads(await ws.recv())
            self.sockets[me] = ws
            self.refs[me] = str(first.get("ref"))
            partner = self.sockets.get(other)
            if partner is not None:
                for name, sock in ((me, ws), (other, partner)):
                    await sock.send(json.dumps({"type": "paired", "ref": self.refs[name]}))
            async for frame in ws:
                partner = self.sockets.get(other)
                if partner is not None:
                    with contextlib.suppress(ConnectionClosed):
                        await partner.send(frame)
        except ConnectionClosed:
            pass
        finally:
            if self.sockets.get(me) is ws:
                del self.sockets[me]
                self.refs.pop(me, None)


async def main(host: str, port: int) -> None:
    relay = Relay()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    # The same frame limit and server pings as scripts/serve.py; deflate is offered like uvicorn does.
    async with serve(relay.handle, host, port, max_size=65536, ping_interval=20, ping_timeout=20):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    from bench.loadgen import install_fast_loop, raise_fd_limit

    raise_fd_limit()
    install_fast_loop()  # the server under test runs on uvloop too (uvicorn's default when installed)
    asyncio.run(main(args.host, args.port))
