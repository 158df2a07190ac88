"""A desk's members page `/console/desks/<id>/members/` and what partner staff then see.

Demo (demo/data.py): Jokilaakso's admin runs the youth, homework and parents desks;
`studycounsellor` and `partner` are Rantala college's counsellors, `partner` already a member
of Jokilaakso's homework desk.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, Role, Staff
from audit.models import Action, AuditEvent
from conversations.actions.history import history_for
from conversations.actions.notes import notes_of
from conversations.models import Conversation, Note
from demo.data import DEMO_PASSWORD, DEMO_TOTP_KEY
from desks.actions import desks_for_staff
from desks.members import MemberError, find_staff
from desks.models import Desk, DeskMembership
from stats.reports import report_scope
from tests.support.demo import Demo
from tests.wsclient import staff_cookie


def url(desk: Desk) -> str:
    return f"/console/desks/{desk.pk}/members/"


def logged_in(username: str) -> HttpClient:
    """A test client of `username`, reading the pages in English."""
    http = HttpClient(headers={"accept-language": "en"})
    staff_cookie(http, username, DEMO_PASSWORD, otp=Staff.objects.get(username=username).requires_2fa)
    return http


def make_staff(username: str, role: str, organisation: str, **fields: Any) -> Staff:
    staff = Staff.objects.create(
        username=username, role=role, organisation=Organisation.objects.get(slug=organisation), **fields
    )
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    if staff.requires_2fa:
        TOTPDevice.objects.create(user=staff, name="test", key=DEMO_TOTP_KEY, confirmed=True)
    return staff


def members(desk: Desk) -> set[str]:
    return set(DeskMembership.objects.filter(desk=desk).values_list("staff__username", flat=True))


def member_rows(desk: Desk) -> list[str]:
    return list(
        AuditEvent.objects.filter(action=Action.DESK_MEMBERS, desk=desk).order_by("pk").values_list("detail", flat=True)
    )


# --- Who may open the page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("counsellor", 403),
        ("volunteer", 403),
        ("supervisor", 403),
        ("editor", 403),
        ("studycounsellor", 403),
        ("partner", 403),
        ("collegeadmin", 404),  # another organisation's admin: as if the desk did not exist
        ("admin", 200),
        ("root", 200),  # a superuser
    ],
)
def test_who_may_open_the_members_page(demo: Demo, username: str, expected: int) -> None:
    make_staff("collegeadmin", Role.ADMIN, "rantala-college")
    make_staff("root", Role.COUNSELLOR, "rantala-college", is_superuser=True)
    http = logged_in(username)
    assert http.get(url(demo.desks.homework)).status_code == expected
    before = members(demo.desks.homework)
    response = http.post(url(demo.desks.homework), {"do": "remove", "staff": demo.staff.volunteer.pk})
    assert response.status_code == (302 if expected == 200 else expected)
    if expected != 200:
        assert members(demo.desks.homework) == before


def test_anonymous_is_sent_to_the_login(demo: Demo) -> None:
    response = HttpClient().get(url(demo.desks.youth))
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_a_missing_desk_is_not_found(demo: Demo) -> None:
    assert logged_in("admin").get("/console/desks/999999/members/").status_code == 404


def test_the_admin_of_the_college_chooses_the_colleges_desks_only(demo: Demo) -> None:
    make_staff("collegeadmin", Role.ADMIN, "rantala-college")
    http = logged_in("collegeadmin")
    assert http.get(url(demo.desks.study)).status_code == 200
    assert http.get(url(demo.desks.youth)).status_code == 404


# --- Adding and removing -----------------------------------------------------------------------------


def test_the_page_lists_members_with_partner_staff_marked(demo: Demo) -> None:
    html = logged_in("admin").get(url(demo.desks.homework)).content.decode()
    assert "volunteer" in html and "partner" in html
    assert "Rantalan aikuisopisto" in html
    assert html.count('class="tag"') == 1  # only the partner is marked as one


def test_admin_adds_own_staff_from_the_list(demo: Demo) -> None:
    http = logged_in("admin")
    response = http.post(url(demo.desks.homework), {"do": "add_own", "own-staff": demo.staff.counsellor2.pk})
    assert response.status_code == 302
    assert "counsellor2" in members(demo.desks.homework)
    assert member_rows(demo.desks.homework) == ["added: counsellor2"]
    page = http.get(url(demo.desks.homework)).content.decode()
    assert "counsellor2 now works at this desk." in page


def test_the_own_list_offers_only_own_staff_who_answer_and_are_not_members(demo: Demo) -> None:
    http = logged_in("admin")
    form = http.get(url(demo.desks.homework)).context["own_form"]
    offered = {s.username for s in form.fields["staff"].queryset}
    assert offered == {"counsellor", "counsellor2"}  # not the editor, not members, not the college's
    response = http.post(url(demo.desks.homework), {"do": "add_own", "own-staff": demo.staff.studycounsellor.pk})
    assert response.status_code == 200
    assert "studycounsellor" not in members(demo.desks.homework)


def test_admin_adds_partner_staff_by_login_name(demo: Demo) -> None:
    http = logged_in("admin")
    response = http.post(url(demo.desks.youth), {"do": "add_partner", "partner-identifier": " studycounsellor "})
    assert response.status_code == 302
    assert "studycounsellor" in members(demo.desks.youth)
    # In the desk's organisation's log, naming the admin.
    row = AuditEvent.objects.get(action=Action.DESK_MEMBERS, desk=demo.desks.youth)
    assert (row.staff.username, row.organisation_id, row.detail) == (
        "admin",
        demo.desks.youth.organisation_id,
        "added: studycounsellor",
    )


def test_admin_adds_partner_staff_by_e_mail(demo: Demo) -> None:
    Staff.objects.filter(username="studycounsellor").update(email="outi@rantala.example")
    http = logged_in("admin")
    response = http.post(url(demo.desks.youth), {"do": "add_partner", "partner-identifier": "OUTI@rantala.example"})
    assert response.status_code == 302
    assert "studycounsellor" in members(demo.desks.youth)


@pytest.mark.parametrize(
    ("identifier", "error"),
    [
        ("", "This field is required."),
        ("study", "No staff member has this login name or e-mail address."),  # exact names only, no search
        ("nobody@nowhere.example", "No staff member has this login name or e-mail address."),
        ("editor", "Only staff who answer clients can work at a desk. Content editors cannot be added."),
        ("counsellor", "counsellor already works at this desk."),
        ("gone", "This staff member&#x27;s account is not active."),
        ("x" * 300, "Ensure this value has at most 254 characters"),
    ],
)
def test_clear_errors_and_nothing_changed(demo: Demo, identifier: str, error: str) -> None:
    make_staff("gone", Role.COUNSELLOR, "rantala-college", is_active=False)
    http = logged_in("admin")
    before = members(demo.desks.youth)
    response = http.post(url(demo.desks.youth), {"do": "add_partner", "partner-identifier": identifier})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert 'aria-invalid="true"' in html
    assert members(demo.desks.youth) == before
    assert member_rows(demo.desks.youth) == []


def test_two_staff_with_one_e_mail_must_be_named_by_login(demo: Demo) -> None:
    Staff.objects.filter(username__in=["studycounsellor", "partner"]).update(email="shared@rantala.example")
    with pytest.raises(MemberError, match="More than one"):
        find_staff("shared@rantala.example")


def test_admin_removes_partner_staff(demo: Demo) -> None:
    http = logged_in("admin")
    response = http.post(url(demo.desks.homework), {"do": "remove", "staff": demo.staff.partner.pk})
    assert response.status_code == 302
    assert "partner" not in members(demo.desks.homework)
    assert member_rows(demo.desks.homework) == ["removed: partner"]
    assert not desks_for_staff(Staff.objects.get(username="partner")).exists()


def test_removing_someone_who_is_no_member_says_so(demo: Demo) -> None:
    http = logged_in("admin")
    for value in (str(demo.staff.studycounsellor.pk), "x", ""):
        response = http.post(url(demo.desks.homework), {"do": "remove", "staff": value})
        assert response.status_code == 200
        assert "This staff member does not work at this desk." in response.content.decode()
    assert member_rows(demo.desks.homework) == []


# --- What partner staff see --------------------------------------------------------------------------


def test_partner_staff_see_that_desk_only(demo: Demo) -> None:
    partner = Staff.objects.get(username="partner")
    assert [d.slug for d in desks_for_staff(partner)] == ["homework"]


def test_partner_staff_read_that_desks_history_only(demo: Demo) -> None:
    from django.utils import timezone

    from tests.support.factories import ClientFactory

    client = ClientFactory.create()
    for desk in (demo.desks.homework, demo.desks.youth, demo.desks.study):
        Conversation.objects.create(
            desk=desk, client=client, status="closed", assigned_to=demo.staff.partner, closed_at=timezone.now()
        )
    readable = history_for(Staff.objects.get(username="partner"))
    assert {c.desk.slug for c in readable} == {"homework"}


def test_notes_kept_within_the_desks_organisation_stay_hidden_from_partner_staff(demo: Demo) -> None:
    from tests.support.factories import ClientFactory

    conversation = Conversation.objects.create(desk=demo.desks.homework, client=ClientFactory.create())
    Note.objects.create(conversation=conversation, author=demo.staff.volunteer, body="for everyone at the desk")
    Note.objects.create(
        conversation=conversation,
        author=demo.staff.volunteer,
        body="kept within Jokilaakso",
        kept_within=demo.desks.homework.organisation,
    )
    partner = Staff.objects.get(username="partner")
    assert [n.body for n in notes_of(conversation, partner)] == ["for everyone at the desk"]
    volunteer = Staff.objects.get(username="volunteer")
    assert len(notes_of(conversation, volunteer)) == 2


def test_a_partner_supervisor_reports_on_their_own_organisations_desks_only(demo: Demo) -> None:
    lead = make_staff("collegelead", Role.SUPERVISOR, "rantala-college")
    DeskMembership.objects.create(desk=demo.desks.study, staff=lead)
    DeskMembership.objects.create(desk=demo.desks.homework, staff=lead)
    scope = report_scope(lead)
    assert [d.slug for d in scope.desks] == ["study"]
    assert {o.slug for o in scope.organisations} == {"rantala-college"}


def test_partner_staff_take_a_conversation_at_that_desk_but_not_at_others(chat: Any, demo: Demo) -> None:
    partner = chat.staff("partner")
    welcome = next(e for e in partner.events if e.get("type") == "welcome")
    assert [d["slug"] for d in welcome["desks"]] == ["homework"]
    homework = chat.start(chat.client(), desk="homework", nickname="Läksy")
    youth = chat.start(chat.client(), desk="youth", nickname="Nuori")
    chat.take(partner, homework)
    assert Conversation.objects.get(pk=homework).assigned_to == demo.staff.partner
    partner.send({"type": "take", "conversation": youth, "ref": "t-youth"})
    assert partner.wait_for("error", ref="t-youth")["code"] == "not_found"
    assert Conversation.objects.get(pk=youth).assigned_to is None


def test_a_partner_supervisors_reports_page_refuses_the_partners_desk(demo: Demo) -> None:
    lead = make_staff("collegelead", Role.SUPERVISOR, "rantala-college")
    DeskMembership.objects.create(desk=demo.desks.study, staff=lead)
    DeskMembership.objects.create(desk=demo.desks.homework, staff=lead)
    http = logged_in("collegelead")
    assert http.get("/console/reports/", {"desk": demo.desks.study.pk}).status_code == 200
    assert http.get("/console/reports/", {"desk": demo.desks.homework.pk}).status_code == 404


def test_an_open_console_gets_the_desk_as_soon_as_the_admin_adds_partner_staff(chat: Any, demo: Demo) -> None:
    outi = chat.staff("studycounsellor")
    response = logged_in("admin").post(
        url(demo.desks.youth), {"do": "add_partner", "partner-identifier": "studycounsellor"}
    )
    assert response.status_code == 302
    welcome = outi.wait_for("welcome")
    assert [d["slug"] for d in welcome["desks"]] == ["youth", "study"]
    conversation = chat.start(chat.client(), desk="youth", nickname="Nuori")
    chat.take(outi, conversation)
    assert Conversation.objects.get(pk=conversation).assigned_to == demo.staff.studycounsellor
