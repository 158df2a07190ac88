"""The bot's JSON API: answers, bad input, rate limit, status and schema.

Nothing is written, except that a question the bot could not answer is counted
for the editors (masked).
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.test import Client

from bot import api, cache
from common.ratelimit import RateLimiter

ASK = "/api/bot/ask"


@pytest.fixture(autouse=True)
def fresh_bot():
    cache.reset_bot()
    yield
    cache.reset_bot()


def post(client: Client, body: object, *, raw: bool = False):
    data = body if raw else json.dumps(body)
    return client.post(ASK, data=data, content_type="application/json")


@pytest.mark.django_db
def test_good_request(client: Client) -> None:
    response = post(client, {"text": "tarviiks mä verokortin kesätöihin", "lang": "fi"})
    assert response.status_code == 200
    data = response.json()
    assert data["topic"] == "work-tax-card"
    assert 0 < data["confidence"] <= 1
    assert data["lang"] == "fi"
    assert data["crisis"] is False
    assert data["answer"].startswith("<")
    assert data["answer_markdown"]
    assert isinstance(data["suggestions"], list)
    assert all(set(s) == {"slug", "title"} for s in data["suggestions"])
    assert isinstance(data["referrals"], list)


@pytest.mark.django_db
def test_questions_it_cannot_answer_are_not_kept(client: Client) -> None:
    """Any web page can make its visitors' browsers ask: only a conversation's questions reach the editors."""
    from bot.models import UnansweredQuestion

    assert post(client, {"text": "qwerty blorp zxcv"}).json()["topic"] == "unknown"
    assert not UnansweredQuestion.objects.exists()


@pytest.mark.django_db
def test_crisis_answer(client: Client) -> None:
    data = post(client, {"text": "haluun kuolla"}).json()
    assert data["topic"] == "crisis"
    assert data["crisis"] is True
    assert "112" in data["answer"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": ""}, "empty_text"),
        ({"text": "   \n\t "}, "empty_text"),
        ({}, "missing_text"),
        ({"text": None}, "missing_text"),
        ({"text": 42}, "invalid_text"),
        ({"text": ["asumistuki"]}, "invalid_text"),
        ({"text": {"a": 1}}, "invalid_text"),
        ({"text": True}, "invalid_text"),
        ({"text": "x" * 1001}, "too_long"),
        ({"text": "asumistuki " * 1000}, "too_long"),
        ({"text": "asumistuki", "lang": "de"}, "invalid_lang"),
        ({"text": "asumistuki", "lang": 1}, "invalid_lang"),
        (["text", "asumistuki"], "invalid_body"),
        ("asumistuki", "invalid_body"),
        (None, "invalid_body"),
    ],
)
def test_bad_input(client: Client, body: object, code: str) -> None:
    response = post(client, body)
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == code
    assert data["message"]


@pytest.mark.django_db
def test_ten_kilobytes_of_text_is_too_long(client: Client) -> None:
    response = post(client, {"text": "a" * 10_000})
    assert response.status_code == 400
    assert response.json()["error"] == "too_long"
    # A huge body is refused before parsing.
    response = post(client, {"text": "a" * 200_000})
    assert response.status_code == 400
    assert response.json()["error"] == "too_long"


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["not json", "{'text': 'x'}", "", b"\xff\xfe\x00"])
def test_non_json_body(client: Client, body: str | bytes) -> None:
    response = post(client, body, raw=True)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


@pytest.mark.django_db
def test_html_in_text_is_not_reflected(client: Client) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> asumistuki'
    response = post(client, {"text": text})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script" not in body.lower()
    assert "onerror" not in body.lower()
    assert "<img" not in body.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post(client: Client, method: str) -> None:
    assert getattr(client, method)(ASK).status_code == 405


@pytest.mark.django_db
def test_status(client: Client) -> None:
    response = client.get("/api/bot/status")
    assert response.status_code == 200
    data = response.json()
    assert data["analyser"] in ("voikko", "snowball")
    assert data["topics"] >= 40
    assert data["languages"] == ["en", "fi", "sv"]
    assert data["questions"] > 300


@pytest.mark.django_db
def test_schema(client: Client) -> None:
    response = client.get("/api/schema")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["openapi"].startswith("3.1")
    assert set(data["paths"]) >= {"/api/bot/ask", "/api/bot/status"}
    ask = data["paths"]["/api/bot/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/AskRequest"
    assert {"200", "400", "429"} <= set(ask["responses"])
    schemas = data["components"]["schemas"]
    assert schemas["AskRequest"]["required"] == ["text"]
    assert schemas["AskRequest"]["properties"]["text"]["maxLength"] == 1000
    # Every reference resolves.
    refs = [part for part in response.content.decode().split('"') if part.startswith("#/components/schemas/")]
    assert refs
    for ref in refs:
        assert ref.rsplit("/", 1)[1] in schemas


@pytest.mark.django_db
def test_rate_limited_after_a_flood(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "limiter", RateLimiter(burst=3, per_second=0.1))
    cache.get_bot()  # built before the flood: building takes seconds, in which the bucket would refill
    codes = [post(client, {"text": "asumistuki"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    response = post(client, {"text": "asumistuki"})
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.django_db
def test_ask_writes_nothing(client: Client) -> None:
    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    before = {m._meta.label: m._default_manager.count() for m in models}
    for text in ["asumistuki", "haluun kuolla", "haluun puhua ihmiselle", "paras pizzatäyte", ""]:
        post(client, {"text": text})
    client.get("/api/bot/status")
    after = {m._meta.label: m._default_manager.count() for m in models}
    assert after == before
    assert "sessionid" not in client.cookies
    assert "csrftoken" not in client.cookies


@pytest.mark.django_db
def test_published_topics_in_the_database_replace_the_starter_brain(client: Client) -> None:
    from bot.models import ExampleQuestion, Topic, TopicStatus, TopicText

    topic = Topic.objects.create(slug="bike-repair", area="leisure", status=TopicStatus.PUBLISHED)
    TopicText.objects.create(topic=topic, language="fi", title="Pyörän korjaus", answer="Katso **pyöräpaja**.")
    ExampleQuestion.objects.create(topic=topic, language="fi", text="missä voi korjata polkupyörän")
    draft = Topic.objects.create(slug="secret-draft", area="leisure", status=TopicStatus.DRAFT)
    TopicText.objects.create(topic=draft, language="fi", title="Luonnos", answer="Ei vielä.")
    data = post(client, {"text": "polkupyörän korjaus"}).json()
    assert data["topic"] == "bike-repair"
    assert "<strong>pyöräpaja</strong>" in data["answer"]
    status = client.get("/api/bot/status").json()
    assert status["topics"] == 1
    assert status["questions"] == 1
    # An edit takes effect without a restart.
    ExampleQuestion.objects.create(topic=topic, language="fi", text="rengas puhki mitä teen")
    assert client.get("/api/bot/status").json()["questions"] == 2
