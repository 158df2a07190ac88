"""Schemathesis against the bot's HTTP API, as the live server describes it at /api/schema.

Every operation of the hand-written OpenAPI 3.1 schema (bot/openapi.py) is
called with generated requests, valid and invalid (schemathesis' positive and
negative modes, and its coverage phase of edge cases), over real HTTP to the
live server; every check is on: no 5xx, only documented status codes, responses
and their headers and content types as documented, invalid input refused and
valid input accepted. Derandomized with bounded examples, so CI is reproducible.

The API is rate-limited per process; the limit is raised here so that fuzzing
sees answers, not only 429s (tests/bot/test_bot_api.py tests the limit).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from bot import api, cache, openapi
from common.ratelimit import RateLimiter

# FUZZ_SCALE=10 (an environment variable) multiplies the examples for a longer hunt.
MAX_EXAMPLES = 200 * max(1, int(os.environ.get("FUZZ_SCALE", "1")))


# The schema as the code builds it; the test below checks that /api/schema serves exactly this.
schema = schemathesis.openapi.from_dict(openapi.schema())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)


@pytest.fixture
def fuzzable(live: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The live server, with the bot API's rate limit out of the way."""
    monkeypatch.setattr(api, "limiter", RateLimiter(burst=10**9, per_second=10**6))
    cache.reset_bot()
    yield live
    cache.reset_bot()


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the server is the same for every case
def test_the_api_follows_its_schema(case: Any, fuzzable: Any) -> None:
    # All checks: not_a_server_error, status_code_conformance, content_type_conformance,
    # response_schema_conformance, response_headers_conformance, negative_data_rejection,
    # positive_data_acceptance, unsupported_method, missing_required_header, ...
    case.call_and_validate(base_url=fuzzable.url, timeout=30)


def test_the_served_schema_is_the_one_fuzzed(live: Any) -> None:
    assert requests.get(live.url + "/api/schema", timeout=10).json() == openapi.schema()


def test_the_schema_documents_what_the_api_answers_outside_generated_cases(live: Any) -> None:
    """Methods, content types and sizes that the generators rarely reach."""
    spec = requests.get(live.url + "/api/schema", timeout=10).json()
    ask = spec["paths"]["/api/bot/ask"]["post"]["responses"]
    status = spec["paths"]["/api/bot/status"]["get"]["responses"]
    codes = spec["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
    json_type = {"Content-Type": "application/json"}
    cases: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("GET", "/api/bot/ask", {}, ask),
        ("PUT", "/api/bot/ask", {"json": {"text": "x"}}, ask),
        ("POST", "/api/bot/status", {}, status),
        ("DELETE", "/api/bot/status", {}, status),
        ("POST", "/api/bot/ask", {"data": b"x" * (70 * 1024), "headers": json_type}, ask),
        # Over Django's DATA_UPLOAD_MAX_MEMORY_SIZE: still the API's JSON error, not Django's HTML page.
        ("POST", "/api/bot/ask", {"data": b"x" * (3 * 1024 * 1024), "headers": json_type}, ask),
        ("POST", "/api/bot/ask", {"data": "text=asumistuki", "headers": {"Content-Type": "text/plain"}}, ask),
        ("POST", "/api/bot/ask", {"data": b"\xff\xfe\x00", "headers": json_type}, ask),
        ("POST", "/api/bot/ask", {"data": '{"text": "\\ud800 qwerty blorp zzz"}', "headers": json_type}, ask),
        ("POST", "/api/bot/ask", {"data": '{"text": "NUL \\u0000 qwerty blorp"}', "headers": json_type}, ask),
    ]
    for method, path, kwargs, documented in cases:
        response = requests.request(method, live.url + path, timeout=30, **kwargs)
        assert response.status_code < 500, (method, path, response.status_code)
        assert str(response.status_code) in documented, (path, response.status_code, response.text[:200])
        if response.status_code != 405:
            assert response.headers["Content-Type"].startswith("application/json")
            body = response.json()
            assert body["error"] in codes and body["message"], body


def test_the_rate_limit_answer_follows_the_schema(live: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzzing runs with the limit raised, so the 429 (and its Retry-After) is checked here."""
    monkeypatch.setattr(api, "limiter", RateLimiter(burst=1, per_second=0.01))
    case = schema["/api/bot/ask"]["POST"].Case(body={"text": "asumistuki"}, media_type="application/json")
    first = case.call(base_url=live.url, timeout=30)
    assert first.status_code == 200
    case.validate_response(first)
    second = case.call(base_url=live.url, timeout=30)
    assert second.status_code == 429
    assert int(second.headers["retry-after"][0]) >= 1
    case.validate_response(second)


def test_a_busy_answer_follows_the_schema_and_the_api_answers_again_after(live: Any, settings: Any) -> None:
    """Every answer place taken (here: the one slot held, no line): 503 busy at once, no bot work done."""
    import threading

    from schemathesis.checks import not_a_server_error

    from common.gates import gate

    settings.BOT_API_CONCURRENT_ANSWERS, settings.BOT_API_QUEUE_MAX = 1, 0
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with gate("bot-api", 1, 0).slot():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        case = schema["/api/bot/ask"]["POST"].Case(body={"text": "asumistuki"}, media_type="application/json")
        busy = case.call(base_url=live.url, timeout=30)
        assert busy.status_code == 503 and busy.json()["error"] == "busy"
        assert int(busy.headers["retry-after"][0]) >= 1
        # A documented 503 is a designed answer, not a crash: every other check still applies.
        case.validate_response(busy, excluded_checks=[not_a_server_error])
    finally:
        release.set()
        holder.join()
    assert case.call(base_url=live.url, timeout=30).status_code == 200
