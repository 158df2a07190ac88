"""Token buckets that limit how fast one client token or staff member may send frames.

Kept in process memory: with several server processes each enforces its own
limit, which still bounds a flood to a small multiple; the database is never
touched to count.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allow `burst` frames at once, refilled at `per_second`, per key."""

    def __init__(self, burst: int, per_second: float, max_keys: int = 100_000) -> None:
        self.burst = burst
        self.per_second = per_second
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def hit(self, key: str, now: float | None = None) -> float:
        """Take one token for `key`. Returns 0 when allowed, else seconds to wait."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = Bucket(tokens=float(self.burst), updated=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second
