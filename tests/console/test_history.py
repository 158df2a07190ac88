"""The history of closed conversations: searching, opening one, who may read which, and the audit log."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.models import Staff
from audit.models import Action, AuditEvent
from conversations.actions.transcript import desk_args
from conversations.models import Client, Conversation, Message, Note, SenderKind, Status, Transfer
from conversations.retention import purge_expired
from demo.data import DEMO_PASSWORD
from desks.models import Desk, DeskMembership
from tests.support.factories import ClientFactory
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

OTP_ROLES = {"admin", "supervisor"}


def login(username: str, lang: str = "en") -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE=lang)
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return client


def closed(
    desk: Desk,
    *,
    counsellor: Staff | None = None,
    client: Client | None = None,
    started: dt.datetime | None = None,
    minutes: int = 25,
    outcome: str = "answered",
    crisis: bool = False,
    nickname: str = "",
    lines: tuple[tuple[str, str], ...] = (),
    notes: tuple[str, ...] = (),
) -> Conversation:
    """A closed conversation as the actions leave one: `lines` are (sender kind, body), staff lines by `counsellor`."""
    started = started or timezone.now() - dt.timedelta(days=1)
    conversation = Conversation.objects.create(
        desk=desk,
        client=client or ClientFactory.create(),
        nickname=nickname,
        status=Status.CLOSED,
        assigned_to=counsellor,
        outcome=outcome,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=started,
        closed_at=started + dt.timedelta(minutes=minutes),
        crisis_at=started + dt.timedelta(minutes=1) if crisis else None,
    )
    for seq, (kind, body) in enumerate(lines, start=1):
        message = Message.objects.create(
            conversation=conversation,
            seq=seq,
            sender_kind=kind,
            sender_staff=counsellor if kind == SenderKind.STAFF else None,
            sender_name=counsellor.public_name if counsellor and kind == SenderKind.STAFF else "",
            body=body,
        )
        Message.objects.filter(pk=message.pk).update(created_at=started + dt.timedelta(minutes=seq))
    for body in notes:
        Note.objects.create(conversation=conversation, author=counsellor, body=body)
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=len(lines))
    conversation.refresh_from_db()
    return conversation


def result_ids(html: str) -> list[int]:
    """The conversations a search page lists, in order."""
    return [int(pk) for pk in re.findall(r'href="/console/history/(\d+)/', html)]


def search(http: HttpClient, **query: str) -> list[int]:
    response = http.get("/console/history/", query)
    assert response.status_code == 200
    return result_ids(response.content.decode())


# --- Searching -------------------------------------------------------------------------------


def test_every_filter_narrows_the_search(demo: Any) -> None:
    kalle, youth, parents = demo.staff.counsellor, demo.desks.youth, demo.desks.parents
    today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    exam = closed(
        youth,
        counsellor=kalle,
        started=today - dt.timedelta(days=3),
        lines=(("client", "Jännittää KOEVIIKKO ihan hirveästi"), ("staff", "Kerro lisää")),
    )
    crisis = closed(
        youth,
        counsellor=kalle,
        started=today - dt.timedelta(days=2),
        outcome="referred",
        crisis=True,
        lines=(("client", "en jaksa enää"),),
        notes=("Ohjattu kriisipuhelimeen",),
    )
    family = closed(
        parents,
        counsellor=kalle,
        started=today - dt.timedelta(days=1),
        outcome="follow_up",
        nickname="Äiti",
        lines=(("client", "Teini ei puhu minulle"),),
    )
    http = login("counsellor")

    assert search(http) == [family.pk, crisis.pk, exam.pk]  # newest first
    assert search(http, desk=str(parents.pk)) == [family.pk]
    assert search(http, desk=str(youth.pk)) == [crisis.pk, exam.pk]
    assert search(http, outcome="referred") == [crisis.pk]
    assert search(http, crisis="yes") == [crisis.pk]
    assert search(http, crisis="no") == [family.pk, exam.pk]
    # Words in a message or a note, in any case; a nickname too.
    assert search(http, q="koeviikko") == [exam.pk]
    assert search(http, q="KRIISIPUHELIMEEN") == [crisis.pk]
    assert search(http, q="Äiti") == [family.pk]
    # ä, ö and å in any case too (SQLite's own LIKE folds only a-z: common.sqlite_like).
    assert search(http, q="äITI") == [family.pk]
    assert search(http, q="jÄNNITTÄÄ") == [exam.pk]
    assert search(http, q="nothing like this") == []
    # Dates as Finns write them, inclusive at both ends; a short year and no year work too.
    day = (today - dt.timedelta(days=2)).date()
    assert search(http, since=f"{day.day}.{day.month}.{day.year}") == [family.pk, crisis.pk]
    assert search(http, until=f"{day.day}.{day.month}.{day.year % 100}") == [crisis.pk, exam.pk]
    both = f"{day.day}.{day.month}."
    if day.year == timezone.localdate().year:
        assert search(http, since=both, until=both) == [crisis.pk]
    assert search(http, q="en jaksa", desk=str(youth.pk), crisis="yes", outcome="referred") == [crisis.pk]


def test_a_result_shows_date_desk_counsellor_outcome_length_and_first_words(demo: Any) -> None:
    started = dt.datetime(2026, 12, 3, 9, 5, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    conversation = closed(
        demo.desks.youth,
        counsellor=demo.staff.counsellor,
        started=started,
        minutes=65,
        outcome="follow_up",
        crisis=True,
        lines=(("bot", "Hei! Miten voin auttaa?"), ("client", "Mulla on " + "tosi " * 40 + "paha olo")),
    )
    now = started + dt.timedelta(days=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: now)
        page = login("counsellor").get("/console/history/").content.decode()
    item = page[page.index(f'href="/console/history/{conversation.pk}/') :]
    item = item[: item.index("</li>")]
    assert "3.12.2026 09.05" in item  # day.month.year, 24-hour clock
    assert "Youth chat" in item
    assert "Kalle" in item
    assert "Follow-up agreed" in item
    assert "1 h 5 min" in item
    assert "Possible crisis" in item
    assert "Mulla on tosi" in item and "paha olo" not in item  # only the first words


def test_the_search_pages_its_results_and_keeps_the_filters(demo: Any) -> None:
    youth = demo.desks.youth
    start = timezone.now() - dt.timedelta(days=5)
    made = [
        closed(
            youth,
            counsellor=demo.staff.counsellor,
            started=start + dt.timedelta(minutes=n),
            lines=(("client", "sivu"),),
        )
        for n in range(23)
    ]
    closed(demo.desks.parents, counsellor=demo.staff.counsellor, lines=(("client", "sivu"),))
    http = login("counsellor")
    first = http.get("/console/history/", {"q": "sivu", "desk": str(youth.pk)}).content.decode()
    newest = [c.pk for c in reversed(made)]
    assert result_ids(first) == newest[:20]
    assert "23 conversations" in first
    assert "Page 1 of 2" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next"', first)
    assert next_link is not None
    second = http.get("/console/history/" + next_link.group(1).replace("&amp;", "&")).content.decode()
    assert result_ids(second) == newest[20:]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end shows the last one, a page that is not a number the first.
    assert search(http, q="sivu", desk=str(youth.pk), page="99") == newest[20:]
    assert search(http, q="sivu", desk=str(youth.pk), page="x") == newest[:20]


def test_a_wrong_date_is_said_clearly_and_nothing_is_searched(demo: Any) -> None:
    closed(demo.desks.youth, counsellor=demo.staff.counsellor)
    http = login("counsellor")
    response = http.get("/console/history/", {"since": "31.2.2026"})
    page = response.content.decode()
    assert "Write the date as day.month.year, for example 24.12.2026." in page
    assert result_ids(page) == []
    page = http.get("/console/history/", {"since": "5.12.2026", "until": "1.12.2026"}).content.decode()
    assert "The end date is before the start date." in page
    assert result_ids(page) == []
    # Another organisation's desk is no choice at all.
    page = http.get("/console/history/", {"desk": str(demo.desks.study.pk)}).content.decode()
    assert "Select a valid choice." in page
    assert result_ids(page) == []
    assert not AuditEvent.objects.exists()  # nothing was shown, so nothing to audit
    fi = login("counsellor", "fi").get("/console/history/", {"until": "eilen"}).content.decode()
    assert "Kirjoita päivämäärä muodossa päivä.kuukausi.vuosi, esimerkiksi 24.12.2026." in fi


def test_what_retention_deleted_cannot_be_found_or_opened(demo: Any) -> None:
    kalle, youth = demo.staff.counsellor, demo.desks.youth
    days = youth.organisation.retention_days
    old = closed(
        youth, counsellor=kalle, started=timezone.now() - dt.timedelta(days=days + 1), lines=(("client", "vanha"),)
    )
    kept = closed(
        youth, counsellor=kalle, started=timezone.now() - dt.timedelta(days=days - 1), lines=(("client", "vanha"),)
    )
    http = login("counsellor")
    # Past retention it is gone for the history at once, before the purge job has run.
    assert search(http, q="vanha") == [kept.pk]
    assert search(http) == [kept.pk]
    assert http.get(f"/console/history/{old.pk}/").status_code == 404
    purge_expired()
    assert Conversation.objects.get(pk=old.pk).purged_at is not None
    assert search(http) == [kept.pk]
    assert http.get(f"/console/history/{old.pk}/").status_code == 404
    assert http.get(f"/console/history/{kept.pk}/").status_code == 200


# --- Opening one --------------------------------------------------------------------------------


def test_opening_shows_transcript_notes_outcome_and_transfers(demo: Any) -> None:
    kalle, youth, parents = demo.staff.counsellor, demo.desks.youth, demo.desks.parents
    conversation = closed(
        parents,
        counsellor=kalle,
        nickname="Mimi",
        outcome="referred",
        lines=(
            ("bot", "Hei! Olen **chatbot**. Miten voin auttaa?"),
            ("client", "Haluan puhua ihmiselle <b>nyt</b>"),
            ("staff", "Hei Mimi, täällä Kalle."),
        ),
        notes=("Ohjattu perheneuvolaan.",),
    )
    last = Message.objects.create(
        conversation=conversation,
        seq=4,
        sender_kind=SenderKind.SYSTEM,
        code="transferred",
        args=desk_args(conversation, parents),
        body="",
    )
    Message.objects.create(conversation=conversation, seq=5, sender_kind=SenderKind.SYSTEM, code="closed", args={})
    Transfer.objects.create(conversation=conversation, from_staff=kalle, from_desk=youth, to_desk=parents, note="Äiti")
    page = login("counsellor").get(f"/console/history/{conversation.pk}/").content.decode()
    assert "Mimi" in page
    assert "Haluan puhua ihmiselle &lt;b&gt;nyt&lt;/b&gt;" in page  # escaped, never markup
    assert "Hei Mimi, täällä Kalle." in page
    assert "Olen <strong>chatbot</strong>" in page  # the bot's answer as the client saw it
    assert "The conversation was transferred to Parents&#x27; line." in page
    assert "The conversation was closed." in page
    assert "Ohjattu perheneuvolaan." in page
    assert "Referred to another service" in page
    assert "from Youth chat to Parents&#x27; line" in page and "by Kalle" in page
    local = timezone.localtime(last.created_at)
    assert f"{local:%H.%M}" in page
    assert 'name="body"' not in page and "<textarea" not in page  # read-only
    # No transcript stays in a browser's or a proxy's cache.
    response = login("counsellor").get(f"/console/history/{conversation.pk}/")
    assert "no-store" in response["Cache-Control"]


def test_other_conversations_of_the_same_client_are_listed_as_far_as_the_reader_may_see(demo: Any) -> None:
    kalle, aino = demo.staff.counsellor, demo.staff.counsellor2
    client = ClientFactory.create()
    now = timezone.now()
    first = closed(demo.desks.youth, counsellor=aino, client=client, started=now - dt.timedelta(days=9))
    at_parents = closed(demo.desks.parents, counsellor=kalle, client=client, started=now - dt.timedelta(days=5))
    latest = closed(demo.desks.youth, counsellor=kalle, client=client, started=now - dt.timedelta(days=1))
    closed(demo.desks.youth, counsellor=kalle, started=now - dt.timedelta(days=2))  # another client
    Conversation.objects.create(desk=demo.desks.youth, client=client)  # open now: not history
    page = login("counsellor").get(f"/console/history/{latest.pk}/").content.decode()
    others = page[page.index('id="others-heading"') :]
    assert result_ids(others) == [at_parents.pk, first.pk]
    # Aino works at the youth desk only: the parents' conversation is not hers to see.
    page = login("counsellor2").get(f"/console/history/{latest.pk}/").content.decode()
    assert result_ids(page[page.index('id="others-heading"') :]) == [first.pk]
    assert login("counsellor2").get(f"/console/history/{at_parents.pk}/").status_code == 404
    # Each is openable from the list.
    assert login("counsellor").get(f"/console/history/{first.pk}/").status_code == 200


def test_another_organisations_or_desks_conversation_is_not_found(demo: Any) -> None:
    study = closed(demo.desks.study, counsellor=demo.staff.studycounsellor, lines=(("client", "opinnot"),))
    parents = closed(demo.desks.parents, counsellor=demo.staff.counsellor, lines=(("client", "opinnot"),))
    still_open = Conversation.objects.create(desk=demo.desks.youth, client=ClientFactory.create())
    aino = login("counsellor2")  # youth desk only
    missing = aino.get("/console/history/2147483647/")
    assert missing.status_code == 404
    for conversation in (study, parents, still_open):
        response = aino.get(f"/console/history/{conversation.pk}/")
        assert response.status_code == 404
        assert response.content == missing.content
    assert search(aino, q="opinnot") == []
    assert search(login("studycounsellor"), q="opinnot") == [study.pk]
    assert search(login("counsellor"), q="opinnot") == [parents.pk]
    assert not AuditEvent.objects.filter(action=Action.HISTORY_OPEN).exists()


def test_notes_kept_within_the_first_organisation_are_neither_shown_nor_found_by_the_next(demo: Any) -> None:
    """A conversation moved to another organisation without its notes (`share_notes` off) keeps them home."""
    moved = closed(
        demo.desks.study,
        counsellor=demo.staff.studycounsellor,
        lines=(("client", "haluan vaihtaa alaa"),),
        notes=("Kotona vaikeaa, isä juo",),
    )
    Note.objects.filter(conversation=moved).update(kept_within=demo.desks.youth.organisation)
    Note.objects.create(conversation=moved, author=demo.staff.studycounsellor, body="Ohjattu hakemaan")
    outi = login("studycounsellor")
    assert search(outi, q="isä juo") == []
    assert search(outi, q="ohjattu hakemaan") == [moved.pk]
    page = outi.get(f"/console/history/{moved.pk}/").content.decode()
    assert "Ohjattu hakemaan" in page
    assert "isä juo" not in page


def test_volunteers_read_back_only_their_own_conversations(demo: Any) -> None:
    ville, sanna = demo.staff.volunteer, demo.staff.supervisor
    homework = demo.desks.homework
    own = closed(homework, counsellor=ville, lines=(("client", "matikka"),))
    colleagues = closed(homework, counsellor=sanna, lines=(("client", "matikka"),))
    passed_on = closed(homework, counsellor=sanna, lines=(("client", "matikka"),))
    Message.objects.create(
        conversation=passed_on, seq=2, sender_kind=SenderKind.STAFF, sender_staff=ville, body="Kysyn Sannalta"
    )
    volunteer = login("volunteer")
    assert search(volunteer) == [passed_on.pk, own.pk]
    assert volunteer.get(f"/console/history/{own.pk}/").status_code == 200
    assert volunteer.get(f"/console/history/{passed_on.pk}/").status_code == 200
    assert volunteer.get(f"/console/history/{colleagues.pk}/").status_code == 404
    assert search(login("supervisor")) == [passed_on.pk, colleagues.pk, own.pk]


def test_rights_are_read_again_on_every_request(demo: Any) -> None:
    conversation = closed(demo.desks.youth, counsellor=demo.staff.counsellor2)
    http = login("counsellor")
    assert http.get(f"/console/history/{conversation.pk}/").status_code == 200
    DeskMembership.objects.filter(staff=demo.staff.counsellor, desk=demo.desks.youth).delete()
    assert http.get(f"/console/history/{conversation.pk}/").status_code == 404
    assert search(http) == []
    Staff.objects.filter(pk=demo.staff.counsellor.pk).update(role="editor")
    assert http.get("/console/history/").status_code == 403


# --- The audit log ----------------------------------------------------------------------------


def test_every_search_and_opening_is_audited_without_client_data(demo: Any) -> None:
    kalle, youth = demo.staff.counsellor, demo.desks.youth
    conversation = closed(youth, counsellor=kalle, nickname="Mimi", lines=(("client", "salaisuus"),))
    http = login("counsellor")
    before = timezone.now()
    search(http)
    search(http, q="salaisuus", desk=str(youth.pk))
    http.get(f"/console/history/{conversation.pk}/")
    http.get(f"/console/history/{conversation.pk}/")
    events = list(
        AuditEvent.objects.order_by("pk").values("action", "staff", "organisation", "object_kind", "object_id", "desk")
    )
    org = kalle.organisation_id
    assert events == [
        {
            "action": "history.search",
            "staff": kalle.pk,
            "organisation": org,
            "object_kind": "",
            "object_id": None,
            "desk": None,
        },
        {
            "action": "history.search",
            "staff": kalle.pk,
            "organisation": org,
            "object_kind": "",
            "object_id": None,
            "desk": youth.pk,
        },
        *[
            {
                "action": "history.open",
                "staff": kalle.pk,
                "organisation": org,
                "object_kind": "conversation",
                "object_id": conversation.pk,
                "desk": youth.pk,
            }
        ]
        * 2,
    ]
    assert all(event.at >= before for event in AuditEvent.objects.all())
    stored = repr(list(AuditEvent.objects.values_list()))
    assert "salaisuus" not in stored and "Mimi" not in stored
    # Nothing that could lead to the client: no client, no words, no address.
    assert {f.name for f in AuditEvent._meta.get_fields()} == {
        "id",
        "at",
        "staff",
        "organisation",
        "action",
        "object_kind",
        "object_id",
        "desk",
        "detail",
    }


def test_the_admin_reads_the_audit_log_of_their_organisation_only(demo: Any) -> None:
    from audit.actions import record

    own = record(demo.staff.counsellor, Action.HISTORY_SEARCH)
    other = record(demo.staff.studycounsellor, Action.HISTORY_SEARCH)
    admin = login("admin")
    listing = admin.get("/admin/audit/auditevent/").content.decode()
    assert f"/admin/audit/auditevent/{own.pk}/change/" in listing
    assert f"/admin/audit/auditevent/{other.pk}/change/" not in listing
    page = admin.get(f"/admin/audit/auditevent/{own.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # read-only: nothing to save
    assert admin.post(f"/admin/audit/auditevent/{own.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=own.pk).exists()


def test_the_header_links_to_the_history(demo: Any) -> None:
    page = login("counsellor").get("/console/canned/").content.decode()
    assert 'href="/console/history/"' in page
    history = login("counsellor").get("/console/history/").content.decode()
    assert re.search(r'href="/console/history/" aria-current="page"', history)
    assert not re.search(r'href="/console/canned/" aria-current="page"', history)


def test_pages_read_the_same_number_of_statements_however_much_they_show(demo: Any) -> None:
    """No statement per result, line, note or other conversation: a long history is not a slow page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kalle, youth = demo.staff.counsellor, demo.desks.youth
    client = ClientFactory.create()
    first = closed(youth, counsellor=kalle, client=client, lines=(("client", "a"), ("staff", "b")), notes=("c",))
    http = login("counsellor")

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert http.get(path).status_code == 200
        return len(context.captured_queries)

    search_few, open_few = count("/console/history/"), count(f"/console/history/{first.pk}/")
    for n in range(5):
        closed(
            demo.desks.parents if n % 2 else youth,
            counsellor=demo.staff.counsellor2 if n % 2 == 0 else kalle,
            client=client,
            lines=(("bot", "Hei!"), ("client", "x"), ("staff", "y"), ("system", "")),
            notes=("n1", "n2"),
        )
    more = closed(
        youth, counsellor=kalle, client=client, lines=tuple(("client", f"line {n}") for n in range(8)), notes=("m",) * 4
    )
    Transfer.objects.create(conversation=more, from_staff=kalle, from_desk=youth, to_desk=demo.desks.parents)
    Transfer.objects.create(conversation=more, from_staff=kalle, from_desk=demo.desks.parents, to_desk=youth)
    assert count("/console/history/") == search_few
    assert count(f"/console/history/{more.pk}/") == open_few


def test_like_is_sql_like_ignoring_case_in_any_letters() -> None:
    from common.sqlite_like import like

    assert like("%äiti%", "ÄITI soitti") and like("%ÅR%", "i år") and like("%Ö_%", "köö")
    assert not like("%äiti%", "isä") and not like("_", "") and like("a%", "a\nb")
    assert like("100\\%", "100%", "\\") and not like("100\\%", "1000", "\\")
    assert like(None, "x") is None and like("x", None) is None


def test_a_first_line_that_is_only_a_file_shows_its_kind_in_the_readers_language(demo: Any) -> None:
    from conversations.models import Attachment

    def with_file(kind: str, caption: str) -> Conversation:
        conversation = closed(demo.desks.youth, counsellor=demo.staff.counsellor, lines=(("client", caption),))
        Attachment.objects.create(
            conversation=conversation,
            message=conversation.messages.get(),
            uploader="client",
            upload_id=kind,
            kind=kind,
            mime="audio/webm" if kind == "audio" else "image/png",
            size=10,
            file_name=f"missing-{kind}",
            name=kind,
        )
        return conversation

    voice = with_file("audio", "")
    photo = with_file("image", "Kelan kirje")

    def item(page: str, conversation: Conversation) -> str:
        found = page[page.index(f'href="/console/history/{conversation.pk}/') :]
        return found[: found.index("</li>")]

    page = login("counsellor", "fi").get("/console/history/").content.decode()
    assert "[Ääniviesti]" in item(page, voice)
    assert "Asiakas ei kirjoittanut mitään" not in item(page, voice)
    assert "[Kuva] Kelan kirje" in item(page, photo)
    page = login("counsellor", "sv").get("/console/history/").content.decode()
    assert "[Röstmeddelande]" in item(page, voice)
