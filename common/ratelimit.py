"""Token buckets that limit how fast one client token, staff member or API caller may send.

`make_limiter(name, burst, per_second)` picks the backend from the settings;
callers see only `Limiter`:

- embedded (no `REDIS_URL`): `RateLimiter`, buckets in process memory (one
  process, so one bucket per key);
- scale-out (`REDIS_URL` set): `RedisRateLimiter`, one bucket per key in Redis
  that every server process shares, taken atomically by one Lua script, so N
  processes do not let a flood through N times. If Redis cannot be reached the
  call counts in an in-process bucket instead (a warning at most once a
  minute): nobody is refused for the outage and no frame fails because of it.

Both answer `hit(key)` (for the HTTP API, which runs in a thread) and
`await ahit(key)` (for the consumers: the event loop never blocks on Redis)
with 0.0 when allowed, else the seconds to wait (the `retry_after` the party
sees). The database is never touched to count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio
from django.conf import settings
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)


class Limiter(ABC):
    """Allow `burst` hits at once per key, refilled at `per_second`."""

    def __init__(self, burst: int, per_second: float) -> None:
        self.burst = burst
        self.per_second = per_second

    @abstractmethod
    def hit(self, key: str, now: float | None = None) -> float:
        """Take one token for `key`: 0.0 when allowed, else seconds to wait.

        `now` is a reading of the backend's clock (for tests); by default the
        backend reads its own.
        """

    @abstractmethod
    async def ahit(self, key: str, now: float | None = None) -> float:
        """`hit` for the event loop."""


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter(Limiter):
    """Buckets in this process's memory (time.monotonic), at most `max_keys` of them."""

    def __init__(self, burst: int, per_second: float, max_keys: int = 100_000) -> None:
        super().__init__(burst, per_second)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def hit(self, key: str, now: float | None = None) -> float:
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

    async def ahit(self, key: str, now: float | None = None) -> float:
        return self.hit(key, now)


# The same bucket as RateLimiter.hit, in one atomic step on the Redis server.
# KEYS[1]: the bucket (a hash: t = tokens, u = updated, in seconds).
# ARGV: burst, per_second, now ("" = the Redis server's clock, which every
# process shares; process clocks are not comparable between machines).
# The key expires when the bucket would be full again: a missing key is a full bucket.
# Returns the seconds to wait as a string (Lua numbers would come back as integers).
BUCKET_SCRIPT = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'u', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(1, math.ceil((burst - tokens) / rate * 1000))))
return string.format('%.17g', wait)
"""


class RedisRateLimiter(Limiter):
    """One bucket per key in Redis, shared by every process; an in-process bucket while Redis is away."""

    # Seconds a call waits for Redis before counting in this process instead.
    TIMEOUT = 0.5
    # After a failure, calls count in this process for this long without asking Redis.
    PAUSE_AFTER_FAILURE = 1.0
    WARN_EVERY = 60.0

    def __init__(self, name: str, burst: int, per_second: float, url: str, prefix: str) -> None:
        super().__init__(burst, per_second)
        self.name = name
        self.url = url
        self.key_prefix = f"{prefix}:{name}:"
        self.local = RateLimiter(burst, per_second)
        self._script = self._client(redis.Redis).register_script(BUCKET_SCRIPT)
        # redis.asyncio connections belong to the event loop that opened them.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ascript: Any = None
        self._paused_until = 0.0
        self._warned_at: float | None = None

    def _client(self, kind: type[redis.Redis] | type[redis.asyncio.Redis]) -> Any:
        # One retry without waiting: a pooled connection that a Redis restart broke is
        # replaced at once; the default backoff would hold the frame up for seconds.
        retry = Retry(NoBackoff(), 1) if kind is redis.Redis else AsyncRetry(NoBackoff(), 1)
        return kind.from_url(self.url, socket_timeout=self.TIMEOUT, socket_connect_timeout=self.TIMEOUT, retry=retry)

    def _args(self, key: str, now: float | None) -> tuple[list[str], list[str]]:
        clock = "" if now is None else repr(now)
        return [self.key_prefix + key], [str(self.burst), repr(float(self.per_second)), clock]

    def hit(self, key: str, now: float | None = None) -> float:
        if time.monotonic() < self._paused_until:
            return self.local.hit(key, now)
        keys, args = self._args(key, now)
        try:
            return float(self._script(keys=keys, args=args))
        except (RedisError, OSError) as error:
            return self._fall_back(key, now, error)

    async def ahit(self, key: str, now: float | None = None) -> float:
        if time.monotonic() < self._paused_until:
            return self.local.hit(key, now)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._ascript = self._client(redis.asyncio.Redis).register_script(BUCKET_SCRIPT)
            self._loop = loop
        keys, args = self._args(key, now)
        try:
            return float(await self._ascript(keys=keys, args=args))
        except (RedisError, OSError) as error:
            return self._fall_back(key, now, error)

    def _fall_back(self, key: str, now: float | None, error: Exception) -> float:
        moment = time.monotonic()
        self._paused_until = moment + self.PAUSE_AFTER_FAILURE
        if self._warned_at is None or moment - self._warned_at >= self.WARN_EVERY:
            self._warned_at = moment
            logger.warning(
                "rate limit %s: Redis unreachable (%s: %s); counting in this process meanwhile",
                self.name,
                type(error).__name__,
                error,
            )
        return self.local.hit(key, now)


def make_limiter(name: str, burst: int, per_second: float) -> Limiter:
    """The limiter for this set-up: shared through Redis when `REDIS_URL` is set, else in memory.

    `name` separates the buckets of different limits in Redis
    (`<RATE_LIMIT_KEY_PREFIX>:<name>:<key>`).
    """
    if settings.REDIS_URL:
        return RedisRateLimiter(name, burst, per_second, settings.REDIS_URL, settings.RATE_LIMIT_KEY_PREFIX)
    return RateLimiter(burst, per_second)
