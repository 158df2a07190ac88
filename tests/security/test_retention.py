"""Retention: messages go after the promised days, statistics stay, nothing links them to a browser."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organisation
from bot.feedback import do_record_unanswered
from bot.models import AnswerVote, UnansweredQuestion
from conversations.actions import assignment, clients, closing, messages, notes, starting, votes
from conversations.models import Client, Conversation, Message, Note, Status
from stats.purge import purge_expired

# The actions' after-commit events need a thread without a running event loop (conftest).


def closed_conversation(demo: Any, *, days_ago: float, bot: bool = False, desk: str = "youth") -> Conversation:
    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo["desks"][desk], nickname="Mimi", person=not bot)
    if bot:
        messages.do_send_message(conversation_id, client=client, body="miten haen asumistukea", client_msg_id="q1")
    else:
        messages.do_send_message(conversation_id, body="hei", client_msg_id="m1", client=client)
        counsellor = demo["staff"]["studycounsellor" if desk == "study" else "counsellor"]
        assignment.do_take(counsellor, conversation_id=conversation_id)
        notes.do_add_note(counsellor, conversation_id, body="muistiinpano", client_msg_id="n1")
    closing.do_client_end(client, conversation_id)
    Conversation.objects.filter(pk=conversation_id).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))
    return Conversation.objects.get(pk=conversation_id)


@pytest.mark.django_db(transaction=True)
def test_old_conversations_lose_their_messages_and_client_but_keep_their_statistics(demo: Any, settings: Any) -> None:
    Organisation.objects.update(retention_days=30)
    old = closed_conversation(demo, days_ago=31)
    old_bot = closed_conversation(demo, days_ago=40, bot=True)
    answer = Message.objects.get(conversation=old_bot, code="answer")
    votes.do_client_vote(old_bot.client, old_bot.pk, seq=answer.seq, helpful=True)  # type: ignore[arg-type]
    recent = closed_conversation(demo, days_ago=29)

    report = purge_expired()
    assert report.conversations_purged == 2 and report.messages_deleted > 0 and report.clients_deleted == 2

    for purged in (old, old_bot):
        purged.refresh_from_db()
        assert not Message.objects.filter(conversation=purged).exists()
        assert not Note.objects.filter(conversation=purged).exists()
        assert (purged.client_id, purged.nickname) == (None, "")
        assert purged.purged_at is not None and purged.closed_at is not None and purged.desk.slug == "youth"
    vote = AnswerVote.objects.get()
    assert (vote.topic, vote.helpful, vote.message_id) == ("housing-allowance", True, None)

    recent.refresh_from_db()
    assert recent.client_id is not None and recent.nickname == "Mimi"
    assert Message.objects.filter(conversation=recent).count() > 2
    assert Client.objects.count() == 1

    # Running again changes nothing.
    assert purge_expired().conversations_purged == 0


def age(conversation_id: int, hours: float) -> None:
    """Make `conversation_id` look started, and last written in, `hours` ago."""
    then = timezone.now() - dt.timedelta(hours=hours)
    Conversation.objects.filter(pk=conversation_id).update(created_at=then, queued_at=then)
    Message.objects.filter(conversation_id=conversation_id).update(created_at=then)


@pytest.mark.django_db(transaction=True)
def test_conversations_left_with_the_bot_are_closed(demo: Any, settings: Any) -> None:
    client, _token = clients.get_or_create_client(None)
    idle = starting.do_start(client, demo["desks"]["youth"])
    active = starting.do_start(client, demo["desks"]["youth"])
    age(idle, 48)
    age(active, 48)
    messages.do_send_message(active, client=client, body="miten haen asumistukea", client_msg_id="x")

    report = purge_expired()
    assert report.idle_conversations_closed == 1
    assert Conversation.objects.get(pk=idle).status == Status.CLOSED
    assert Conversation.objects.get(pk=active).status == Status.BOT


@pytest.mark.django_db(transaction=True)
def test_conversations_abandoned_in_the_queue_or_with_a_counsellor_are_closed_then_purged(
    demo: Any, settings: Any
) -> None:
    settings.CHAT_IDLE_CLOSE_HOURS = 24
    Organisation.objects.update(retention_days=30)
    counsellor = demo["staff"]["counsellor"]
    youth = demo["desks"]["youth"]

    def opened(body: str, *, taken: bool) -> int:
        client, _token = clients.get_or_create_client(None)
        conversation_id = starting.do_start(client, youth, nickname="Mimi", person=True)
        messages.do_send_message(conversation_id, client=client, body=body, client_msg_id="m1")
        if taken:
            assignment.do_take(counsellor, conversation_id=conversation_id)
            notes.do_add_note(counsellor, conversation_id, body="muistiinpano", client_msg_id="n1")
        return conversation_id

    queued = opened("onko ketään paikalla", taken=False)
    active = opened("tarviin apua", taken=True)
    quiet_but_recent = opened("palaan pian", taken=True)
    age(queued, 25)
    age(active, 25)
    age(quiet_but_recent, 23)

    # The purge run closes what was abandoned, like a client who left: a closing line, an outcome
    # where nobody answered (the counsellor records one otherwise), nothing purged yet.
    report = purge_expired()
    assert (report.idle_conversations_closed, report.conversations_purged) == (2, 0)
    for conversation_id, outcome in ((queued, "client_left"), (active, "")):
        closed = Conversation.objects.get(pk=conversation_id)
        assert closed.status == Status.CLOSED and closed.closed_at is not None and closed.outcome == outcome
        last = Message.objects.filter(conversation_id=conversation_id).order_by("-seq").first()
        assert last is not None and (last.sender_kind, last.code) == ("system", "closed")
        assert closed.client_id is not None and closed.nickname == "Mimi"
    assert Conversation.objects.get(pk=quiet_but_recent).status == Status.ACTIVE
    assert purge_expired().idle_conversations_closed == 0

    # The organisation's retention days after that close, their words go like any closed conversation's.
    later = timezone.now() + dt.timedelta(days=31)
    report = purge_expired(later)
    assert report.conversations_purged == 2
    for conversation_id in (queued, active):
        purged = Conversation.objects.get(pk=conversation_id)
        assert purged.purged_at is not None and (purged.client_id, purged.nickname) == (None, "")
        assert not Message.objects.filter(conversation_id=conversation_id).exists()
        assert not Note.objects.filter(conversation_id=conversation_id).exists()
    # The third was closed in that run (idle by then) and waits for its own retention.
    kept = Conversation.objects.get(pk=quiet_but_recent)
    assert kept.status == Status.CLOSED and kept.purged_at is None
    assert Message.objects.filter(conversation_id=quiet_but_recent, body="palaan pian").exists()


@pytest.mark.django_db(transaction=True)
def test_unanswered_questions_are_kept_as_long_as_messages(demo: Any, settings: Any) -> None:
    Organisation.objects.update(retention_days=30)
    do_record_unanswered("qwerty blorp", "fi")
    do_record_unanswered("zxcv vanha", "fi")
    do_record_unanswered("asked again", "en")
    days_ago = timezone.now() - dt.timedelta(days=31)
    UnansweredQuestion.objects.update(last_seen=days_ago, first_seen=days_ago)
    UnansweredQuestion.objects.filter(text="qwerty blorp").update(last_seen=timezone.now() - dt.timedelta(days=29))
    # Asked again today: the row keeps today's wording, not the first client's.
    do_record_unanswered("Asked AGAIN!", "en")

    assert purge_expired().unanswered_deleted == 1
    assert sorted(UnansweredQuestion.objects.values_list("text", "count")) == [("Asked AGAIN!", 2), ("qwerty blorp", 1)]


@pytest.mark.django_db(transaction=True)
def test_only_a_conversation_records_an_unanswered_question_not_the_http_api(demo: Any) -> None:
    from django.test import Client as HttpClient

    # Any web page can make its visitors' browsers call the anonymous API: nothing of theirs is kept.
    response = HttpClient().post("/api/bot/ask", {"text": "qwerty blorp aa@bb.fi"}, "application/json")
    assert response.status_code == 200 and response.json()["topic"] == "unknown"
    assert not UnansweredQuestion.objects.exists()

    client, _token = clients.get_or_create_client(None)
    conversation_id = starting.do_start(client, demo["desks"]["youth"])
    messages.do_send_message(conversation_id, client=client, body="qwerty blorp aa@bb.fi", client_msg_id="q")
    assert list(UnansweredQuestion.objects.values_list("text", flat=True)) == ["qwerty blorp [email]"]


@pytest.mark.django_db(transaction=True)
def test_the_command_reports_what_it_did(demo: Any) -> None:
    closed_conversation(demo, days_ago=365)
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "conversations purged: 1" in out.getvalue()


def test_a_client_left_waiting_sees_the_chat_end_and_the_queue_forgets_it(chat: Any, settings: Any) -> None:
    from tests.chat_helpers import messages as message_events

    settings.CHAT_IDLE_CLOSE_HOURS = 24
    counsellor = chat.staff("counsellor")
    client = chat.client()
    conversation_id = chat.start(client)
    age(conversation_id, 25)

    assert purge_expired().idle_conversations_closed == 1
    state = client.wait_for("conversation", timeout=10)["conversation"]
    assert (state["id"], state["status"]) == (conversation_id, "closed")
    assert [m["code"] for m in message_events(client.events, conversation_id)][-1] == "closed"
    snapshot = counsellor.read_until(
        lambda e: e["type"] == "desk" and conversation_id not in [w["id"] for w in e["waiting"]], "the queue without it"
    )
    assert snapshot["desk"]


def test_failed_login_counts_are_forgotten_by_the_purge_after_a_day(demo: Any) -> None:
    from accounts.models import LoginThrottle

    LoginThrottle.objects.create(key="old", failures=3, last_failure=timezone.now() - dt.timedelta(days=2))
    LoginThrottle.objects.create(key="recent", failures=3, last_failure=timezone.now() - dt.timedelta(hours=1))
    assert purge_expired().login_counts_deleted == 1
    assert list(LoginThrottle.objects.values_list("key", flat=True)) == ["recent"]


@pytest.mark.django_db(transaction=True)
def test_the_purge_keeps_records_feedback_and_the_audit_log_and_leaves_live_conversations(demo: Any) -> None:
    from audit.actions import record
    from audit.models import Action, AuditEvent, ObjectKind
    from stats.models import ContactRecord, Feedback

    Organisation.objects.update(retention_days=30)
    youth = demo.desks.youth
    old = closed_conversation(demo, days_ago=31)
    # The record made when the conversation closed (stats.records), completed by the counsellor.
    ContactRecord.objects.filter(conversation=old).update(age_group="16_17", gender="girl_woman", municipality="001")
    contact = ContactRecord.objects.get(conversation=old)
    Feedback.objects.create(
        organisation=youth.organisation, desk=youth, given_on=old.created_at.date(), rating=5, comment="kiitos"
    )
    record(demo.staff.counsellor, Action.HISTORY_OPEN, kind=ObjectKind.CONVERSATION, object_id=old.pk, desk=youth)
    # A live conversation: a client still writing to a counsellor.
    client, _token = clients.get_or_create_client(None)
    live = starting.do_start(client, youth, nickname="Nuppu", person=True)
    messages.do_send_message(live, client=client, body="vieläkö olet siellä", client_msg_id="l1")
    assignment.do_take(demo.staff.counsellor, conversation_id=live)
    notes.do_add_note(demo.staff.counsellor, live, body="jatkuu", client_msg_id="n1")
    Conversation.objects.filter(pk=live).update(created_at=timezone.now() - dt.timedelta(days=60))

    report = purge_expired()
    assert (report.conversations_purged, report.records_unlinked) == (1, 1)

    # The old conversation's words are gone from the database.
    old.refresh_from_db()
    assert not Message.objects.filter(conversation=old).exists()
    assert not Note.objects.filter(conversation=old).exists()
    assert (old.nickname, old.client_id) == ("", None) and old.purged_at is not None
    # Its statistics stay, no longer tied to it.
    contact.refresh_from_db()
    assert contact.conversation_id is None
    assert (contact.age_group, contact.gender, contact.municipality, contact.client_messages) == (
        "16_17",
        "girl_woman",
        "001",
        1,
    )
    assert contact.with_person and contact.started_at == old.created_at
    assert list(Feedback.objects.values_list("rating", "comment")) == [(5, "kiitos")]
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.staff_id) == (Action.HISTORY_OPEN, old.pk, demo.staff.counsellor.pk)

    # The live one is untouched, however long ago it began.
    conversation = Conversation.objects.get(pk=live)
    assert conversation.status == Status.ACTIVE and conversation.purged_at is None
    assert (conversation.nickname, conversation.client_id) == ("Nuppu", client.pk)
    assert Message.objects.filter(conversation_id=live, body="vieläkö olet siellä").exists()
    assert Note.objects.filter(conversation_id=live, body="jatkuu").exists()

    # A second run finds nothing more, and the command runs the whole purge.
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "conversations purged: 0" in out.getvalue() and "records unlinked: 0" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_each_organisation_purges_after_its_own_days(demo: Any) -> None:
    from django.test import Client as HttpClient

    from conversations.actions.history import history_for

    Organisation.objects.filter(slug="jokilaakso").update(retention_days=10)
    Organisation.objects.filter(slug="rantala-college").update(retention_days=60)
    youth_old = closed_conversation(demo, days_ago=11)
    youth_new = closed_conversation(demo, days_ago=9)
    study_kept = closed_conversation(demo, days_ago=11, desk="study")
    study_old = closed_conversation(demo, days_ago=61, desk="study")

    # The history shows only what each organisation still keeps, before the purge has run.
    assert set(history_for(demo.staff.counsellor).values_list("pk", flat=True)) == {youth_new.pk}
    assert set(history_for(demo.staff.studycounsellor).values_list("pk", flat=True)) == {study_kept.pk}

    assert purge_expired().conversations_purged == 2
    purged = set(Conversation.objects.filter(purged_at__isnull=False).values_list("pk", flat=True))
    assert purged == {youth_old.pk, study_old.pk}
    for kept in (youth_new, study_kept):
        assert Message.objects.filter(conversation=kept).exists()

    # Sixty days on, the study desk's conversation goes too.
    later = timezone.now() + dt.timedelta(days=50)
    assert purge_expired(later).conversations_purged == 2  # and the youth desk's newer one
    assert not Message.objects.filter(conversation=study_kept).exists()

    # Each desk promises its own organisation's days on the client page; the same days are said once.
    page = HttpClient(HTTP_ACCEPT_LANGUAGE="en").get("/", {"lang": "en"}).content.decode()
    assert page.count("The messages are deleted 10 days after the chat ends.") == 3  # Jokilaakso's three desks
    assert page.count("The messages are deleted 60 days after the chat ends.") == 1
    Organisation.objects.update(retention_days=45)
    page = HttpClient(HTTP_ACCEPT_LANGUAGE="en").get("/", {"lang": "en"}).content.decode()
    assert "The messages are deleted 45 days after the chat ends." in page
    assert "The messages are deleted 45 days after the chat ends.\n" not in page
    assert page.count("deleted 45 days") == 1


@pytest.mark.django_db(transaction=True)
def test_unanswered_questions_follow_the_shortest_days(demo: Any) -> None:
    Organisation.objects.filter(slug="jokilaakso").update(retention_days=60)
    Organisation.objects.filter(slug="rantala-college").update(retention_days=20)
    do_record_unanswered("qwerty blorp", "fi")
    UnansweredQuestion.objects.update(last_seen=timezone.now() - dt.timedelta(days=21))
    assert purge_expired().unanswered_deleted == 1


@pytest.mark.django_db(transaction=True)
def test_an_admin_sets_their_own_organisations_days_in_the_admin(demo: Any) -> None:
    from django.test import Client as HttpClient

    from demo.data import DEMO_PASSWORD
    from tests.wsclient import staff_cookie

    admin = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(admin, "admin", DEMO_PASSWORD, otp=True)
    own = Organisation.objects.get(slug="jokilaakso")
    other = Organisation.objects.get(slug="rantala-college")
    url = f"/admin/accounts/organisation/{own.pk}/change/"
    for days, error in (("0", "greater than or equal to 1"), ("3651", "less than or equal to 3650"), ("x", "whole")):
        page = admin.post(url, {"name": own.name, "slug": own.slug, "retention_days": days}).content.decode()
        assert error in page
    own.refresh_from_db()
    assert own.retention_days == 90
    response = admin.post(url, {"name": own.name, "slug": own.slug, "retention_days": "120"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.retention_days == 120
    # Another organisation's is out of reach, as if it did not exist.
    response = admin.post(
        f"/admin/accounts/organisation/{other.pk}/change/",
        {"name": other.name, "slug": other.slug, "retention_days": "1"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    other.refresh_from_db()
    assert other.retention_days == 90


@pytest.mark.django_db(transaction=True)
def test_a_kind_of_client_data_added_to_the_purgers_is_purged_with_the_rest(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook for attachments and call details (issue 14): each purger gets every expired conversation once."""
    from conversations import retention

    seen: list[list[int]] = []

    def purge_attachments(ids: list[int], now: dt.datetime) -> int:
        seen.append(list(ids))
        return 0

    purgers = [*retention.CONVERSATION_PURGERS]
    purgers.insert(-1, purge_attachments)
    monkeypatch.setattr(retention, "CONVERSATION_PURGERS", purgers)
    Organisation.objects.update(retention_days=30)
    old = closed_conversation(demo, days_ago=31)
    closed_conversation(demo, days_ago=29)
    assert purge_expired().conversations_purged == 1
    assert seen == [[old.pk]]
    assert purge_expired().conversations_purged == 0 and seen == [[old.pk]]
