"""The counsellor's part of a contact record in the console: the form, who may fill which, the incomplete
records and the reminder, contacts outside Kohtaamo, and the organisation's categories."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.models import Staff
from conversations.actions.assignment import do_take
from conversations.actions.clients import get_or_create_client
from conversations.actions.closing import do_close
from conversations.actions.messages import do_send_message
from conversations.actions.starting import do_start
from conversations.models import Conversation
from demo.data import DEMO_PASSWORD
from desks.models import Desk
from stats.models import Category, ContactRecord
from tests.wsclient import staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

OTP_ROLES = {"admin", "supervisor"}


def login(username: str, lang: str = "en") -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=lang)
    staff_cookie(http, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return http


def answered(desk: Desk, counsellor: Staff, *, words: str = "Hei", age: str = "", municipality: str = "") -> int:
    """A conversation `counsellor` answered and closed; returns its record's id."""
    client = get_or_create_client(None)[0]
    conversation_id = do_start(client, desk, person=True)
    Conversation.objects.filter(pk=conversation_id).update(client_age_group=age, client_municipality=municipality)
    do_send_message(conversation_id, body=words, client_msg_id=uuid.uuid4().hex, client=client)
    do_take(counsellor, conversation_id=conversation_id)
    do_send_message(conversation_id, body="Moi", client_msg_id=uuid.uuid4().hex, staff=counsellor)
    do_close(counsellor, conversation_id, outcome="answered")
    return ContactRecord.objects.get(conversation_id=conversation_id).pk


def category(organisation_id: int, name: str, kind: str = "topic") -> Category:
    return Category.objects.get(organisation_id=organisation_id, kind=kind, name=name)


def valid_post(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "age_group": "16_17",
        "gender": "girl_woman",
        "municipality": "049",
        "mother_tongue": "fi",
        "education": "basic",
        "labour_status": "student",
        "referral_given": "no",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- The form ------------------------------------------------------------------------


def test_the_form_starts_with_the_clients_answers_and_saving_completes_the_record(demo: Any) -> None:
    kalle = demo.staff.counsellor
    org = demo.desks.youth.organisation_id
    record_id = answered(demo.desks.youth, kalle, words="Minulla on salaisuus", age="13_15", municipality="092")
    http = login("counsellor")
    page = http.get(f"/console/records/{record_id}/").content.decode()
    assert 'value="13_15" selected' in page
    assert 'value="092" selected' in page
    assert "Vantaa" in page and "Kauniainen" in page and "Another municipality" in page
    assert "Koulu ja opiskelu" in page and "Liikunta" in page  # the organisation's lists
    assert "Opintojen rahoitus" not in page  # the other organisation's
    assert "salaisuus" not in page  # never the client's words

    school, sport = category(org, "Koulu ja opiskelu"), category(org, "Liikunta", "interest")
    response = http.post(
        f"/console/records/{record_id}/",
        valid_post(categories=[school.pk], interests=[sport.pk], referral_given="yes"),
    )
    assert response.status_code == 302 and response["Location"] == "/console/records/"
    record = ContactRecord.objects.get(pk=record_id)
    assert record.completed_at is not None
    assert (record.age_group, record.gender, record.municipality) == ("16_17", "girl_woman", "049")
    assert (record.mother_tongue, record.education, record.labour_status) == ("fi", "basic", "student")
    assert record.referral_given is True
    assert set(record.categories.all()) == {school, sport}
    assert "The contact record was saved." in http.get("/console/records/").content.decode()


def test_a_form_with_errors_says_what_is_wrong_and_saves_nothing(demo: Any) -> None:
    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    other_org = category(demo.desks.study.organisation_id, "Työnhaku")
    http = login("counsellor")
    response = http.post(
        f"/console/records/{record_id}/",
        valid_post(referral_given=None, gender="nobody", municipality="999", categories=[other_org.pk]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the marked fields." in page
    assert "Choose whether you referred the client to another service." in page
    assert page.count("Select a valid choice.") >= 3  # gender, municipality, the other organisation's topic
    record = ContactRecord.objects.get(pk=record_id)
    assert record.completed_at is None and record.gender == "unknown" and not record.categories.exists()


def test_a_retired_category_is_not_offered_but_a_record_keeps_it(demo: Any) -> None:
    org = demo.desks.youth.organisation_id
    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    drugs = category(org, "Päihteet")
    http = login("counsellor")
    http.post(f"/console/records/{record_id}/", valid_post(categories=[drugs.pk]))
    Category.objects.filter(pk=drugs.pk).update(is_active=False)
    assert "Päihteet (no longer in use)" in http.get(f"/console/records/{record_id}/").content.decode()
    fresh = answered(demo.desks.youth, demo.staff.counsellor)
    assert "Päihteet" not in http.get(f"/console/records/{fresh}/").content.decode()
    response = http.post(f"/console/records/{fresh}/", valid_post(categories=[drugs.pk]))
    assert response.status_code == 200 and "Select a valid choice." in response.content.decode()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("counsellor", 200),  # its counsellor
        ("supervisor", 200),  # a supervisor of the desk
        ("admin", 200),  # the organisation's admin
        ("counsellor2", 404),  # a colleague at the same desk
        ("volunteer", 404),  # another desk
        ("studycounsellor", 404),  # another organisation
        ("editor", 403),  # answers no one
    ],
)
def test_who_may_open_a_record(demo: Any, username: str, status: int) -> None:
    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    http = login(username)
    assert http.get(f"/console/records/{record_id}/").status_code == status
    response = http.post(f"/console/records/{record_id}/", valid_post())
    assert response.status_code == (302 if status == 200 else status)
    if status != 200:
        assert ContactRecord.objects.get(pk=record_id).completed_at is None


def test_a_volunteer_fills_only_their_own(demo: Any) -> None:
    own = answered(demo.desks.homework, demo.staff.volunteer)
    supervisors = answered(demo.desks.homework, demo.staff.supervisor)
    http = login("volunteer")
    assert http.get(f"/console/records/{own}/").status_code == 200
    assert http.get(f"/console/records/{supervisors}/").status_code == 404
    assert http.get("/console/records/999999/").status_code == 404


def test_the_console_link_of_a_closed_conversation_leads_to_its_record(demo: Any) -> None:
    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    conversation_id = ContactRecord.objects.get(pk=record_id).conversation_id
    response = login("counsellor").get(f"/console/records/conversation/{conversation_id}/")
    assert response.status_code == 302 and response["Location"] == f"/console/records/{record_id}/"
    assert login("counsellor2").get(f"/console/records/conversation/{conversation_id}/").status_code == 404
    assert login("studycounsellor").get(f"/console/records/conversation/{conversation_id}/").status_code == 404


# --- Incomplete records and the reminder -------------------------------------------------


def record_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/console/records/(\d+)/"', html)]


def test_the_list_shows_own_incomplete_records_and_a_supervisor_their_desks(demo: Any) -> None:
    kalles = answered(demo.desks.youth, demo.staff.counsellor, words="Tämä on yksityistä")
    ainos = answered(demo.desks.youth, demo.staff.counsellor2)
    done = answered(demo.desks.youth, demo.staff.counsellor)
    login("counsellor").post(f"/console/records/{done}/", valid_post())

    page = login("counsellor").get("/console/records/").content.decode()
    assert record_ids(page) == [kalles]
    assert "1 record to fill in" in page
    assert "Youth chat" in page and "Answered" in page
    assert "yksityistä" not in page
    assert '<span class="nav-count-number">1<' in page  # the header's count

    supervisor_page = login("supervisor").get("/console/records/").content.decode()
    assert set(record_ids(supervisor_page)) == {kalles, ainos}
    assert "Incomplete at my desks" in supervisor_page
    assert "Incomplete at my desks" not in page
    assert record_ids(login("studycounsellor").get("/console/records/").content.decode()) == []


def test_the_console_reminds_of_records_older_than_an_hour(demo: Any) -> None:
    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    http = login("counsellor")
    assert "contact record from over an hour ago" not in http.get("/console/").content.decode()
    ContactRecord.objects.filter(pk=record_id).update(started_at=timezone.now() - dt.timedelta(hours=2))
    page = http.get("/console/").content.decode()
    assert "You have 1 contact record from over an hour ago to fill in." in page
    assert '<span class="nav-count-number">1<' in page


# --- Contacts outside Kohtaamo ---------------------------------------------------------------


def outside(**changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    defaults = {"medium": "phone", "day": f"{today.day}.{today.month}.{today.year}", "desk": "", "people": "1"}
    return valid_post(**{**defaults, **changes})


def test_a_contact_outside_kohtaamo_is_recorded_complete(demo: Any) -> None:
    http = login("studycounsellor")
    page = http.get("/console/records/new/").content.decode()
    assert "Phone call" in page and "Group session" in page and 'value="chat"' not in page
    assert "Työnhaku" in page
    org = demo.desks.study.organisation_id
    response = http.post(
        "/console/records/new/",
        outside(
            medium="group",
            day="3.11.2026",
            desk=str(demo.desks.study.pk),
            people="25",
            categories=[category(org, "Työnhaku").pk],
        ),
    )
    assert response.status_code == 302
    record = ContactRecord.objects.get()
    assert (record.medium, record.people, record.desk, record.organisation_id) == ("group", 25, demo.desks.study, org)
    assert timezone.localtime(record.started_at).date() == dt.date(2026, 11, 3)
    assert record.completed_at is not None and record.counsellor == demo.staff.studycounsellor
    assert record.conversation is None
    assert list(record.categories.values_list("name", flat=True)) == ["Työnhaku"]
    # Complete at once: nothing to fill in.
    assert record_ids(http.get("/console/records/").content.decode()) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"medium": "chat"}, "Select a valid choice."),
        ({"medium": ""}, "Choose how the contact happened."),
        ({"people": "0"}, "Give a number from 1 to 10000."),
        ({"people": "10001"}, "Give a number from 1 to 10000."),
        ({"people": "many"}, "Give the number of people as a whole number."),
        ({"day": "31.2.2026"}, "Write the date as day.month.year"),
        ({"day": "1.1.2099"}, "The date cannot be in the future."),
        ({"desk": "study"}, "Select a valid choice."),
    ],
)
def test_an_outside_contact_with_a_wrong_value_is_refused(demo: Any, changes: dict[str, str], message: str) -> None:
    if changes.get("desk") == "study":
        changes = {"desk": str(demo.desks.study.pk)}  # another organisation's desk
    response = login("counsellor").post("/console/records/new/", outside(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ContactRecord.objects.exists()


# --- The organisation's categories ------------------------------------------------------------


def names(organisation_id: int, kind: str = "topic") -> list[str]:
    return list(
        Category.objects.filter(organisation_id=organisation_id, kind=kind)
        .order_by("position", "name", "pk")
        .values_list("name", flat=True)
    )


def test_a_supervisor_adds_renames_reorders_and_retires_categories(demo: Any) -> None:
    org = demo.desks.youth.organisation_id
    http = login("supervisor")
    page = http.get("/console/categories/").content.decode()
    assert "Koulu ja opiskelu" in page and "Työnhaku" not in page

    response = http.post("/console/categories/", {"kind": "topic", "name": "  Ilmastoahdistus  "})
    assert response.status_code == 302
    assert names(org)[-1] == "Ilmastoahdistus"
    duplicate = http.post("/console/categories/", {"kind": "topic", "name": "ilmastoahdistus"})
    assert "The list already has “ilmastoahdistus”." in duplicate.content.decode()
    assert "Write a name." in http.post("/console/categories/", {"kind": "interest", "name": " "}).content.decode()

    new = category(org, "Ilmastoahdistus")
    http.post(f"/console/categories/{new.pk}/", {"do": "rename", "name": "Ilmasto"})
    http.post(f"/console/categories/{new.pk}/", {"do": "up"})
    assert names(org)[-2:] == ["Ilmasto", "Harrastukset ja vapaa-aika"]
    first = category(org, "Koulu ja opiskelu")
    http.post(f"/console/categories/{first.pk}/", {"do": "up"})  # already first: stays
    assert names(org)[0] == "Koulu ja opiskelu"
    http.post(f"/console/categories/{first.pk}/", {"do": "down"})
    assert names(org)[:2] == ["Kaverit ja yksinäisyys", "Koulu ja opiskelu"]

    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    login("counsellor").post(f"/console/records/{record_id}/", valid_post(categories=[new.pk]))
    http.post(f"/console/categories/{new.pk}/", {"do": "retire"})
    assert Category.objects.get(pk=new.pk).is_active is False
    assert list(ContactRecord.objects.get(pk=record_id).categories.all()) == [Category.objects.get(pk=new.pk)]
    assert "Retired" in http.get("/console/categories/").content.decode()
    http.post(f"/console/categories/{new.pk}/", {"do": "restore"})
    assert Category.objects.get(pk=new.pk).is_active is True


def test_only_supervisors_and_admins_of_the_organisation_keep_its_categories(demo: Any) -> None:
    study_topic = category(demo.desks.study.organisation_id, "Työnhaku")
    youth_topic = category(demo.desks.youth.organisation_id, "Päihteet")
    for username in ("counsellor", "volunteer", "studycounsellor", "editor"):
        http = login(username)
        assert http.get("/console/categories/").status_code == 403
        assert http.post(f"/console/categories/{youth_topic.pk}/", {"do": "retire"}).status_code == 403
    admin = login("admin")
    assert admin.get("/console/categories/").status_code == 200
    assert admin.post(f"/console/categories/{study_topic.pk}/", {"do": "retire"}).status_code == 404
    assert Category.objects.get(pk=study_topic.pk).is_active is True
    assert Category.objects.get(pk=youth_topic.pk).is_active is True


def test_the_admin_lists_only_the_organisations_categories_and_never_deletes_a_used_one(demo: Any) -> None:
    http = login("admin")
    page = http.get("/admin/stats/category/").content.decode()
    assert "Koulu ja opiskelu" in page and "Työnhaku" not in page
    used = category(demo.desks.youth.organisation_id, "Päihteet")
    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    login("counsellor").post(f"/console/records/{record_id}/", valid_post(categories=[used.pk]))
    assert http.get(f"/admin/stats/category/{used.pk}/delete/").status_code == 403
    unused = category(demo.desks.youth.organisation_id, "Pelit", "interest")
    assert http.get(f"/admin/stats/category/{unused.pk}/delete/").status_code == 200


def test_the_form_speaks_swedish_with_the_swedish_names_of_municipalities(demo: Any) -> None:
    record_id = answered(demo.desks.youth, demo.staff.counsellor)
    page = login("counsellor", lang="sv").get(f"/console/records/{record_id}/").content.decode()
    assert "Kontaktregistrering" in page
    assert "Esbo" in page and "Grankulla" in page and "En annan kommun" in page
    assert "Flicka eller kvinna" in page and "Hänvisad till en annan tjänst" in page
    finnish = login("counsellor", lang="fi").get(f"/console/records/{record_id}/").content.decode()
    assert "Tilastomerkintä" in finnish and "Espoo" in finnish and "Tyttö tai nainen" in finnish
