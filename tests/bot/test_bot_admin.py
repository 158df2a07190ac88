"""The brain in the Django admin: topics with their texts, questions and referrals inline."""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from bot.models import Topic, TopicEdit
from tests.accounts.test_accounts import HttpClient, code_for, log_in, page_text


def admin_client() -> HttpClient:
    http = HttpClient()
    log_in(http, "admin")
    device = TOTPDevice.objects.get(user__username="admin")
    assert http.post("/staff/login/code/", {"token": code_for(device)})["Location"] == "/console/"
    return http


def formset(prefix: str, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_an_admin_creates_a_topic_with_inlines_and_the_edit_is_recorded(demo: Any) -> None:
    http = admin_client()
    assert http.get("/admin/bot/topic/").status_code == 200
    add_page = http.get("/admin/bot/topic/add/")
    assert add_page.status_code == 200
    for inline in ("Topic texts", "Example questions", "Referrals"):
        assert inline in page_text(add_page)

    data = {"slug": "money-budget", "area": "money", "status": "published", "handoff_desk": ""}
    data |= formset("texts", [{"language": "fi", "title": "Rahat", "answer": "Tee **budjetti**."}])
    data |= formset("questions", [{"language": "fi", "text": "rahat loppuu"}])
    data |= formset(
        "referrals", [{"language": "fi", "name": "Takuusäätiö", "url": "https://www.takuusaatio.fi", "order": "0"}]
    )
    data |= formset("edits", [])
    response = http.post("/admin/bot/topic/add/", data)
    assert response.status_code == 302, page_text(response)

    topic = Topic.objects.get(slug="money-budget")
    assert topic.texts.get().title == "Rahat"
    assert topic.questions.get().text == "rahat loppuu"
    assert topic.referrals.get().name == "Takuusäätiö"
    edit = TopicEdit.objects.get(topic=topic)
    assert edit.staff == demo["staff"]["admin"]
    assert topic.updated_by == demo["staff"]["admin"]
    assert http.get(f"/admin/bot/topic/{topic.pk}/change/").status_code == 200
