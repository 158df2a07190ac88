"""Rate limits shared between processes through Redis (issue 8, point 8).

With `REDIS_URL` every server process takes from one bucket per key in Redis
(common/ratelimit.py), so N processes no longer let a flood through N times.
These tests use a private redis-server (no mocks): two limiter instances stand
for two processes, and two real server processes show it over the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.test import Client as HttpClient

from common.ratelimit import RateLimiter, RedisRateLimiter, make_limiter
from demo.data import DEMO_PASSWORD
from tests.processes import Processes, Redis, Server, free_port, server_env
from tests.wsclient import ProtocolClient, staff_cookie


@pytest.fixture
def redis_url(processes: Processes) -> str:
    return Redis(processes).start().url


def prefix() -> str:
    """A prefix of its own for each test: a shared REDIS_URL may hold other runs' buckets."""
    return f"kohtaamo-test-{uuid.uuid4().hex}:rl"


def test_two_limiters_share_one_bucket(redis_url: str) -> None:
    shared = prefix()
    one = RedisRateLimiter("client", 5, 1.0, redis_url, shared)
    two = RedisRateLimiter("client", 5, 1.0, redis_url, shared)
    assert [one.hit("client:abc") for _ in range(5)] == [0.0] * 5
    # The other "process" sees the same, empty bucket: refused, told to wait about a second.
    wait = two.hit("client:abc")
    assert 0.9 < wait <= 1.0
    assert 0.9 < asyncio.run(two.ahit("client:abc")) <= 1.0
    assert one.hit("client:abc") > 0
    # Other keys, and the same key under another limit, have buckets of their own.
    assert two.hit("client:other") == 0.0
    assert RedisRateLimiter("staff", 5, 1.0, redis_url, shared).hit("client:abc") == 0.0
    assert one.local._buckets == {}  # nothing was counted in the process


def test_the_async_hit_shares_the_bucket_across_event_loops(redis_url: str) -> None:
    shared = prefix()
    one = RedisRateLimiter("staff", 3, 1.0, redis_url, shared)
    two = RedisRateLimiter("staff", 3, 1.0, redis_url, shared)

    async def flood(limiter: RedisRateLimiter, times: int) -> list[float]:
        return [await limiter.ahit("staff:7") for _ in range(times)]

    assert asyncio.run(flood(one, 2)) == [0.0, 0.0]
    # A new event loop: the limiter opens new connections for it.
    first, second = asyncio.run(flood(two, 2))
    assert first == 0.0
    assert second > 0
    assert one.hit("staff:7") > 0


def test_a_refused_key_recovers_after_the_refill_time(redis_url: str) -> None:
    shared = prefix()
    limiter = RedisRateLimiter("api", 3, 2.0, redis_url, shared)
    start = 1_000_000.0
    assert [limiter.hit("k", now=start) for _ in range(3)] == [0.0] * 3
    assert limiter.hit("k", now=start) == pytest.approx(0.5)
    # Refused hits take nothing: the wait only shrinks as time passes.
    assert limiter.hit("k", now=start + 0.2) == pytest.approx(0.3)
    assert limiter.hit("k", now=start + 0.5) == 0.0
    assert limiter.hit("k", now=start + 0.5) == pytest.approx(0.5)
    # After burst / per_second the bucket is full again.
    assert [limiter.hit("k", now=start + 2.0) for _ in range(3)] == [0.0] * 3
    assert limiter.hit("k", now=start + 2.0) > 0

    # The same with Redis's own clock: wait as told (a tenth of a second), then allowed.
    fast = RedisRateLimiter("fast", 2, 10.0, redis_url, shared)
    assert [fast.hit("k"), fast.hit("k")] == [0.0, 0.0]
    wait = fast.hit("k")
    assert 0 < wait <= 0.1
    time.sleep(wait + 0.01)
    assert fast.hit("k") == 0.0


def test_a_bucket_expires_when_it_would_be_full_again(redis_url: str) -> None:
    shared = prefix()
    limiter = RedisRateLimiter("expiry", 10, 4.0, redis_url, shared)
    for _ in range(3):
        limiter.hit("k")
    connection = redis.Redis.from_url(redis_url)
    try:
        key = f"{shared}:expiry:k"
        # Three tokens taken, four a second back: full (and gone) after 0.75 s.
        assert 700 < connection.pttl(key) <= 750
        assert set(connection.hgetall(key)) == {b"t", b"u"}
        assert connection.keys(f"{shared}:*") == [key.encode()]
    finally:
        connection.close()


def test_an_unreachable_redis_falls_back_without_raising(
    processes: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens here
    limiter = RedisRateLimiter("client", 3, 1.0, f"redis://127.0.0.1:{port}/0", prefix())
    limiter.PAUSE_AFTER_FAILURE = 0  # ask Redis on every call, to see the warning kept to one
    with caplog.at_level(logging.WARNING, logger="common.ratelimit"):
        # Counted in the process meanwhile: allowed up to the burst, then refused, never an exception.
        assert [limiter.hit("k") for _ in range(3)] == [0.0] * 3
        assert limiter.hit("k") > 0
        assert asyncio.run(limiter.ahit("k")) > 0
        assert asyncio.run(limiter.ahit("other")) == 0.0
    warnings = [r for r in caplog.records if r.name == "common.ratelimit"]
    assert len(warnings) == 1
    assert "Redis unreachable" in warnings[0].getMessage()

    # Redis comes (back) on that port: the shared bucket is used again, by itself.
    url = Redis(processes, port=port).start().url
    assert limiter.hit("k") == 0.0  # a fresh bucket in Redis, not the exhausted one in the process
    connection = redis.Redis.from_url(url)
    try:
        assert connection.exists(f"{limiter.key_prefix}k") == 1
    finally:
        connection.close()


def test_the_factory_picks_the_backend_from_settings(settings: Any, redis_url: str) -> None:
    settings.REDIS_URL = ""
    assert isinstance(make_limiter("client", 5, 1.0), RateLimiter)
    settings.REDIS_URL = redis_url
    settings.RATE_LIMIT_KEY_PREFIX = shared = prefix()
    limiter = make_limiter("client", 5, 1.0)
    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.key_prefix == f"{shared}:client:"
    assert limiter.hit("x") == 0.0


# --- Two server processes -------------------------------------------------------------


@pytest.fixture
def servers(transactional_db: Any, demo: Any, processes: Processes) -> Iterator[list[Server]]:
    try:
        redis_url = os.environ.get("REDIS_URL", "") or Redis(processes).start().url
        env = server_env(redis_url=redis_url)
        # A small staff limit that hardly refills while the test floods.
        env.update(CHAT_STAFF_RATE_BURST="10", CHAT_STAFF_RATE_PER_SECOND="0.5", RATE_LIMIT_KEY_PREFIX=prefix())
        yield [Server(processes, f"server{n}", env).start() for n in (1, 2)]
    finally:
        print(processes.logs())  # shown by pytest when the test failed


def flood(socket: ProtocolClient, name: str, times: int) -> list[dict[str, Any]]:
    for n in range(times):
        socket.send({"type": "ping", "ref": f"{name}-{n}"})
    return [socket.recv() for _ in range(times)]


def test_a_flood_across_two_processes_is_limited_once(servers: list[Server]) -> None:
    one, two = servers
    cookie = staff_cookie(HttpClient(), "counsellor", DEMO_PASSWORD)
    first = ProtocolClient(one.ws_url, "/ws/staff/", cookie=cookie)
    second = ProtocolClient(two.ws_url, "/ws/staff/", cookie=cookie)
    try:
        answers = flood(first, "one", 10) + flood(second, "two", 10)
        pongs = [a for a in answers if a["type"] == "pong"]
        limited = [a for a in answers if a["type"] == "error"]
        # One bucket of 10 for the staff member, not 10 per process (a token may refill meanwhile).
        assert 10 <= len(pongs) <= 12
        assert {a["code"] for a in limited} == {"rate_limited"}
        assert all(a["retry_after"] > 0 for a in limited)
        assert len(limited) == 20 - len(pongs)
    finally:
        first.close()
        second.close()
