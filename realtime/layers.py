"""The embedded set-up's channel layer: Channels' in-memory layer with its clean-up throttled.

Channels' `InMemoryChannelLayer` walks every queued message and every group
membership on each `receive` and `group_send` to drop expired ones. With a few
thousand sockets, each in several groups, that walk cost more than everything
else the server did (docs/performance.md: 37 % of the server's time at 1,000
conversations). Expiry is a safety net for messages nobody reads (a channel
whose consumer died), measured in a minute (`expiry`) and a day
(`group_expiry`), so walking at most once a second changes nothing a party
would notice.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer


class ThrottledInMemoryChannelLayer(InMemoryChannelLayer):
    """`InMemoryChannelLayer` that cleans expired messages and memberships at most every `clean_every` seconds."""

    def __init__(self, clean_every: float = 1.0, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.clean_every = clean_every
        self._next_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_clean:
            return
        self._next_clean = now + self.clean_every
        super()._clean_expired()

    async def flush(self) -> None:
        await super().flush()
        self._next_clean = 0.0
