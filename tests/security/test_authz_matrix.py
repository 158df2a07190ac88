"""The authorisation matrix: every URL and every protocol frame, tried as every role.

HTTP: every URL pattern of the project (walked from the root resolver, the
Django admin included) must be in CLASSIFIED, with the outcome each role gets:
a new endpoint fails `test_every_url_pattern_is_classified` until somebody
decides who may use it. Patterns with parameters are tried with objects of the
counsellor's own desk and of the other organisation (and a counsellor's
personal canned reply). A refused POST must change nothing in the database.

WebSocket: every frame type of realtime.inbound.FRAMES must be in
CLIENT_FRAMES / STAFF_FRAMES, and is tried over real sockets by a client on its
own and on another client's conversation, and by staff on conversations of
their desk, of another desk and of another organisation (docs/protocol.md:
someone else's conversation answers `not_found`, exactly like a missing one;
what a role may see but not do answers `forbidden`). Nothing is stored on a refusal.

Roles (demo/data.py): anonymous (over HTTP every client is anonymous),
admin_no_otp (the admin after the password, before the TOTP code), counsellor
and counsellor2 (both at the youth desk), volunteer (homework desk only),
studycounsellor (the other organisation's study desk), partner (the other
organisation's counsellor, a member of Jokilaakso's homework desk: partner staff,
desks.members), editor, supervisor and admin (both with TOTP).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from demo.data import DEMO_PASSWORD
from tests.wsclient import staff_cookie

# --- Roles and outcomes ----------------------------------------------------------------

ROLES = (
    "anonymous",
    "admin_no_otp",
    "counsellor",
    "counsellor2",
    "volunteer",
    "studycounsellor",
    "partner",
    "editor",
    "supervisor",
    "admin",
)
# Outcomes: an HTTP status ("200", "403", "404", "405"), or where a redirect goes:
# "login" (the staff login), "otp" (the TOTP step), "admin-login" (the admin's
# login, which sends a visitor to the staff login and answers 403 to staff), or
# "302:<path>" for any other redirect. "200|503" for the health check.
# "302:/admin/" is the admin's answer to an object outside its queryset ("does not exist").
# "410": a guest's link that is used up or expired (widget/guest_views.py).
REFUSALS = {"login", "otp", "admin-login", "403", "404", "405", "410", "302:/admin/"}


def expect(default: str, **roles: str) -> dict[str, str]:
    """An outcome for every role: `default`, except the roles named."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, unknown
    return {role: roles.get(role, default) for role in ROLES}


# Pages anybody reaches. A half-logged-in admin is sent to the TOTP step from
# everything but the login steps (accounts.middleware), even from public pages.
PUBLIC = expect("200", admin_no_otp="otp")
# Pages that accept GET only, asked with POST.
GET_ONLY = expect("405", admin_no_otp="otp")
# The console: staff who answer clients.
CHAT_STAFF = expect("200", anonymous="login", admin_no_otp="otp", editor="403")
# The audit log: supervisors and admins (Staff.may_read_audit_log).
AUDIT_READERS = expect("403", anonymous="login", admin_no_otp="otp", supervisor="200", admin="200")
# The brain editor: editors and admins (bot.actions.BRAIN_EDITOR_ROLES).
BRAIN = expect("403", anonymous="login", admin_no_otp="otp", editor="200", admin="200")
# The Django admin: only the admin (is_staff, with every permission) after TOTP.
# The others are sent to the admin's login, which refuses logged-in staff with 403.
ADMIN = expect("admin-login", admin_no_otp="otp", admin="200")
ADMIN_FORBIDDEN = expect("admin-login", admin_no_otp="otp", admin="403")
# An object the admin may not see (another organisation's staff): as if it did not exist.
ADMIN_MISSING = expect("admin-login", admin_no_otp="otp", admin="302:/admin/")


@dataclass(frozen=True)
class Route:
    """How one URL pattern is tried: concrete paths (per variant) and the outcome per role.

    `paths` maps a variant name to a path template filled from the objects of
    `matrix_objects` (e.g. "/console/canned/{canned_youth}/"). `get` and `post`
    map a variant to the outcome per role; `post` is tried only for roles it
    refuses (a refused POST must change nothing), with `payload`.
    `logs_out`: tried after every other route, as it ends the session.
    """

    paths: dict[str, str]
    get: dict[str, dict[str, str]]
    post: dict[str, dict[str, str]] = field(default_factory=dict)
    payload: dict[str, str] = field(default_factory=dict)
    logs_out: bool = False


def route(
    path: str,
    get: dict[str, str],
    post: dict[str, str] | None = None,
    payload: dict[str, str] | None = None,
    logs_out: bool = False,
) -> Route:
    """A route tried with one concrete path."""
    return Route({"": path}, {"": get}, {"": post} if post else {}, payload or {}, logs_out)


def admin_model(
    app_model: str,
    objects: str | dict[str, str],
    *,
    add: bool = True,
    change: bool = True,
    delete: bool = True,
    hidden: tuple[str, ...] = (),
) -> dict[str, Route]:
    """The routes the Django admin registers per model, tried on `objects` (variant -> a key of the objects).

    `hidden`: variants whose object the admin may not see (another organisation's):
    the admin answers as for a missing object, back to its index.
    """
    variants = {"": objects} if isinstance(objects, str) else objects
    base = f"admin/{app_model}/"
    url = f"/{base}"

    def on_object(suffix: str, allowed: bool) -> Route:
        paths, get = {}, {}
        for variant, key in variants.items():
            paths[variant] = f"/{base}{{{key}}}/{suffix}"
            # Django asks for the permission first, then whether the object is there.
            get[variant] = ADMIN_FORBIDDEN if not allowed else (ADMIN_MISSING if variant in hidden else ADMIN)
        return Route(paths, get, post=dict(get))

    # A model the admin may only view (change False) still shows its change page, read-only.
    first = next(iter(variants.values()))
    routes = {
        base: route(url, ADMIN, post=ADMIN, payload={"action": "delete_selected", "_selected_action": f"{{{first}}}"}),
        f"{base}add/": route(url + "add/", ADMIN if add else ADMIN_FORBIDDEN, post=ADMIN if add else ADMIN_FORBIDDEN),
        f"{base}<path:object_id>/history/": on_object("history/", True),
        f"{base}<path:object_id>/delete/": on_object("delete/", delete),
        f"{base}<path:object_id>/change/": on_object("change/", True),
    }
    routes[f"{base}<path:object_id>/delete/"] = Route(
        **{**vars(routes[f"{base}<path:object_id>/delete/"]), "payload": {"post": "yes"}}
    )
    if not change:
        # Saving is refused before the object is looked up, so a hidden one answers the same.
        routes[f"{base}<path:object_id>/change/"].post.update({v: ADMIN_FORBIDDEN for v in variants})
    # The bare object URL redirects to its change page (which then decides).
    routes[f"{base}<path:object_id>/"] = Route(
        {v: f"/{base}{{{key}}}/" for v, key in variants.items()},
        {
            v: expect("admin-login", admin_no_otp="otp", admin=f"302:/{base}{{{key}}}/change/")
            for v, key in variants.items()
        },
    )
    return routes


CANNED_POST = {"title": "Changed by the matrix", "body": "Changed by the matrix", "language": "fi"}

# Canned replies (desks.actions): a shared reply is seen by everybody at its desk
# and changed only by supervisors and admins of the desk; a personal one is its
# owner's alone. What a role cannot even see looks missing (404).
CANNED_YOUTH = expect(
    "404",
    anonymous="login",
    admin_no_otp="otp",
    counsellor="403",
    counsellor2="403",
    editor="403",
    supervisor="200",
    admin="200",
)
CANNED_STUDY = expect("404", anonymous="login", admin_no_otp="otp", studycounsellor="403", editor="403")
CANNED_MINE = expect("404", anonymous="login", admin_no_otp="otp", counsellor="200", editor="403")
# POSTs that succeed redirect to the list.
CANNED_DONE = "302:/console/canned/"


def canned_route(suffix: str) -> Route:
    path = "/console/canned/{%s}/" + suffix

    def done(table: dict[str, str]) -> dict[str, str]:
        return {role: (CANNED_DONE if outcome == "200" else outcome) for role, outcome in table.items()}

    return Route(
        paths={"youth": path % "canned_youth", "study": path % "canned_study", "mine": path % "canned_mine"},
        get={"youth": CANNED_YOUTH, "study": CANNED_STUDY, "mine": CANNED_MINE},
        post={"youth": done(CANNED_YOUTH), "study": done(CANNED_STUDY), "mine": done(CANNED_MINE)},
        payload=CANNED_POST,
    )


# A closed conversation in the history: not found for whoever may not read it (as a missing one).
HISTORY_NONE = expect("404", anonymous="login", admin_no_otp="otp", editor="403")
# One at a desk of Jokilaakso: its supervisor and admin read every conversation of their desks.
HISTORY_SEES = HISTORY_NONE | {"supervisor": "200", "admin": "200"}

# Contact records (stats.records): its counsellor, and the supervisors and admins of its desk, fill one in;
# anybody else finds it missing. Saving goes back to the list of records to fill in. (A volunteer's own
# record: tests/stats/test_records_forms.py, kept out of this table as the history's is.)
RECORDS_DONE = "302:/console/records/"
RECORD_NONE = expect("404", anonymous="login", admin_no_otp="otp", editor="403")
RECORD_YOUTH = RECORD_NONE | {"counsellor": "200", "supervisor": "200", "admin": "200"}
RECORD_STUDY = RECORD_NONE | {"studycounsellor": "200"}


def record_saved(table: dict[str, str]) -> dict[str, str]:
    return {role: (RECORDS_DONE if got == "200" else got) for role, got in table.items()}


# The organisation's categories: its supervisors and admins; another organisation's category looks missing.
CATEGORIES = expect("403", anonymous="login", admin_no_otp="otp", supervisor="200", admin="200")
CATEGORY_OWN = expect(
    "403",
    anonymous="login",
    admin_no_otp="otp",
    supervisor="302:/console/categories/",
    admin="302:/console/categories/",
)
CATEGORY_OTHER = expect("403", anonymous="login", admin_no_otp="otp", supervisor="404", admin="404")
# A desk's members page: the admin of its organisation (and superusers).
DESK_MEMBERS = expect("403", anonymous="login", admin_no_otp="otp", admin="200")
# Desks and their opening hours (desks.actions.desks_supervised_by): supervisors their own desks, admins their
# organisation's; another organisation's desk looks missing; roles that supervise nothing are refused.
DESK_HOURS = expect("403", anonymous="login", admin_no_otp="otp", supervisor="200", admin="200")
DESK_HOURS_OTHER = DESK_HOURS | {"supervisor": "404", "admin": "404"}
# Reach (the reports' scope, stats.reports.report_scope) and the population import
# (stats.reach.may_import_population).
REACH = expect("403", anonymous="login", admin_no_otp="otp", supervisor="200", admin="200")
POPULATION = expect("403", anonymous="login", admin_no_otp="otp", admin="200")

# Reports (stats.reports.report_scope): supervisors their desks, admins their organisation; those who
# only answer or edit are refused. Another organisation's desk in the query answers as a missing page.
# Shifts (conversations.actions.duty): planning is for supervisors and admins of their desks.
SHIFT_PLANNERS = expect("403", anonymous="login", admin_no_otp="otp", supervisor="200", admin="200")
SHIFT_NONE = expect("404", anonymous="login", admin_no_otp="otp", editor="403")
SHIFTS_DONE = "302:/console/shifts/"

REPORTS = expect("403", anonymous="login", admin_no_otp="otp", supervisor="200", admin="200")
REPORTS_OTHER_DESK = REPORTS | {"supervisor": "404", "admin": "404"}


def report_route(path: str) -> Route:
    return Route(
        paths={"": path, "youth": path + "?desk={desk_youth}", "study": path + "?desk={desk_study}"},
        get={"": REPORTS, "youth": REPORTS, "study": REPORTS_OTHER_DESK},
        post={"": GET_ONLY},
    )


# The topic's buttons (publish, discard, archive, restore, revert) come back to the topic.
BRAIN_TOPIC_DONE = expect(
    "403", anonymous="login", admin_no_otp="otp", editor="302:/brain/matrix-topic/", admin="302:/brain/matrix-topic/"
)
BRAIN_POST_DONE = expect(
    "403", anonymous="login", admin_no_otp="otp", editor="302:/brain/unanswered/", admin="302:/brain/unanswered/"
)

# Surveys (surveys.actions): supervisors and admins build their organisation's; counsellors read
# the results of its open and closed ones; a draft is not a counsellor's to see, and another
# organisation's survey looks missing (404) to everybody.
SURVEY_NONE = expect("403", anonymous="login", admin_no_otp="otp")
# Partner staff are Rantala's: its surveys, never Jokilaakso's, whose desk they work at.
SURVEY_LIST = SURVEY_NONE | {"counsellor": "200", "counsellor2": "200", "studycounsellor": "200", "partner": "200"}
SURVEY_LIST |= {"supervisor": "200", "admin": "200"}
SURVEY_BUILD = SURVEY_NONE | {"supervisor": "200", "admin": "200"}
# A survey's own pages (build): Jokilaakso's open one, its draft, and Rantala's open one.
SURVEY_OWN = SURVEY_BUILD | {"studycounsellor": "404", "partner": "404"}
SURVEY_DRAFT = SURVEY_OWN | {"counsellor": "404", "counsellor2": "404"}
SURVEY_OTHER = SURVEY_NONE | {"supervisor": "404", "admin": "404", "counsellor": "404", "counsellor2": "404"}
# Results: also counsellors of the organisation.
RESULTS_OWN = SURVEY_OWN | {"counsellor": "200", "counsellor2": "200"}
RESULTS_OTHER = SURVEY_OTHER | {"studycounsellor": "200", "partner": "200"}


def survey_route(
    suffix: str, *, own: dict[str, str], draft: dict[str, str], other: dict[str, str], form: bool = False
) -> Route:
    """A survey's page, tried on the three surveys; `form`: it takes a POST too (the builder), else GET only."""
    path = "/surveys/{%s}/" + suffix
    return Route(
        paths={"own": path % "survey_own", "draft": path % "survey_draft", "other": path % "survey_study"},
        get={"own": own, "draft": draft, "other": other},
        post={"own": own, "draft": draft, "other": other} if form else {"own": GET_ONLY},
        payload={"title": "Matrix", "questions": "0"} if form else {},
    )


def survey_post_route(suffix: str) -> Route:
    """A button's POST (open, close, copy): GET is not allowed; refused roles change nothing."""
    path = "/surveys/{%s}/" + suffix

    def posts(table: dict[str, str]) -> dict[str, str]:
        return {role: ("302" if outcome == "200" else outcome) for role, outcome in table.items()}

    return Route(
        paths={"own": path % "survey_own", "draft": path % "survey_draft", "other": path % "survey_study"},
        get={"own": GET_ONLY, "draft": GET_ONLY, "other": GET_ONLY},
        post={"own": posts(SURVEY_OWN), "draft": posts(SURVEY_DRAFT), "other": posts(SURVEY_OTHER)},
    )


CLASSIFIED: dict[str, Route] = {
    # --- The client's pages (widget) ---
    "": route("/", PUBLIC, post=GET_ONLY),
    "embed/": route("/embed/", PUBLIC, post=GET_ONLY),
    "widget-test/": route("/widget-test/", PUBLIC, post=GET_ONLY),
    # A desk's members (desks.members): the admin of the desk's organisation; another organisation's
    # admin finds the desk missing; every other role is refused.
    "console/desks/<int:desk_id>/members/": Route(
        paths={"youth": "/console/desks/{desk_youth}/members/", "study": "/console/desks/{desk_study}/members/"},
        get={"youth": DESK_MEMBERS, "study": DESK_MEMBERS | {"admin": "404"}},
        post={"study": DESK_MEMBERS | {"admin": "404"}, "youth": DESK_MEMBERS},
        payload={"do": "remove", "staff": "1"},
    ),
    "widget-test/school/": route("/widget-test/school/", PUBLIC, post=GET_ONLY),
    # A deep link to one desk (desks.selection): the client page, whatever the slug.
    "d/<slug:desk_slug>/": Route(
        {"": "/d/homework/", "unknown": "/d/no-such-desk/"},
        {"": PUBLIC, "unknown": PUBLIC},
        post={"": GET_ONLY},
    ),
    # A conversation's guest (issue 14, widget/guest_views.py). The one-time link: shown to anybody
    # who has it (GET never uses it up), a dead one says so (410); only the guest's session opens
    # /guest/, which every role without one is refused (the guest's own tests: tests/guests).
    "g/<str:token>/": Route(
        paths={"valid": "/g/matrix-guest-token/", "dead": "/g/no-such-token/"},
        get={"valid": PUBLIC, "dead": expect("410", admin_no_otp="otp")},
        post={"dead": expect("410", admin_no_otp="otp")},
    ),
    "guest/": route("/guest/", expect("403", admin_no_otp="otp"), post=GET_ONLY),
    # The public notices (issue 12): the privacy notice and the accessibility statement.
    "privacy/": route("/privacy/", PUBLIC, post=GET_ONLY),
    "accessibility/": route("/accessibility/", PUBLIC, post=GET_ONLY),
    # --- Health check (kohtaamo/health.py): public, 200 when well, 503 when not ---
    "health": route("/health", expect("200|503", admin_no_otp="otp")),
    # --- Staff login (accounts) ---
    # Logged-in staff are sent on to their start page (editors: the brain).
    "staff/login/": route(
        "/staff/login/",
        expect("302:/console/", anonymous="200", admin_no_otp="otp", editor="302:/brain/"),
        payload={"username": "counsellor", "password": "wrong password"},
    ),
    # The TOTP step: for those who passed the password. Staff who have no device
    # are sent to enrol one (any role may add a second factor); those who passed it go on.
    "staff/login/code/": route(
        "/staff/login/code/",
        expect(
            "302:/staff/login/authenticator/",
            anonymous="login",
            admin_no_otp="200",
            supervisor="302:/console/",
            admin="302:/console/",
        ),
        post=expect(
            "302:/staff/login/authenticator/",
            anonymous="login",
            admin_no_otp="200",
            supervisor="302:/console/",
            admin="302:/console/",
        ),
        payload={"token": "000000"},
    ),
    "staff/login/authenticator/": route(
        "/staff/login/authenticator/",
        expect("200", anonymous="login", admin_no_otp="otp", supervisor="otp", admin="otp"),
        post=expect("200", anonymous="login", admin_no_otp="otp"),
        payload={"token": "000000"},
    ),
    "staff/logout/": route(
        "/staff/logout/", expect("405"), post=expect("login", admin_no_otp="302:/staff/login/"), logs_out=True
    ),
    # --- The staff console ---
    "console/": route("/console/", CHAT_STAFF, post=GET_ONLY),
    "console/keepalive/": route(
        "/console/keepalive/", GET_ONLY, post=expect("204", anonymous="login", admin_no_otp="otp", editor="403")
    ),
    "console/canned/": route("/console/canned/", CHAT_STAFF, post=GET_ONLY),
    "console/canned/new/": route(
        "/console/canned/new/",
        CHAT_STAFF,
        post=expect(CANNED_DONE, anonymous="login", admin_no_otp="otp", editor="403"),
        payload=CANNED_POST,
    ),
    "console/canned/<int:reply_id>/": canned_route(""),
    "console/canned/<int:reply_id>/delete/": canned_route("delete/"),
    # The history of closed conversations: everybody who answers clients, each sees their desks'
    # (a volunteer only the ones they answered themselves: tests/console/test_history.py, kept out of
    # this table so that a supervisor removed from every desk is still answered as the volunteer).
    "console/history/": route("/console/history/", CHAT_STAFF, post=GET_ONLY),
    # Clients' feedback: everybody who answers clients, each their own desks' (tests/console/test_feedback.py).
    "console/feedback/": route("/console/feedback/", CHAT_STAFF, post=GET_ONLY),
    "console/history/<int:conversation_id>/": Route(
        paths={
            "youth": "/console/history/{hist_youth}/",
            "homework_other": "/console/history/{hist_homework_supervisor}/",
            "study": "/console/history/{hist_study}/",
            "open": "/console/history/{conv_youth}/",
        },
        get={
            "youth": HISTORY_SEES | {"counsellor": "200", "counsellor2": "200"},
            # Partner staff read back the history of the desk they work at (desks.members).
            "homework_other": HISTORY_SEES | {"partner": "200"},
            "study": HISTORY_NONE | {"studycounsellor": "200"},
            # An open conversation is not history yet: not found, as a missing one.
            "open": HISTORY_NONE,
        },
        post={"youth": GET_ONLY},
    ),
    # --- Contact records (console/records_views.py) ---
    "console/records/": route("/console/records/", CHAT_STAFF, post=GET_ONLY),
    "console/records/new/": route(
        "/console/records/new/",
        CHAT_STAFF,
        post=expect(RECORDS_DONE, anonymous="login", admin_no_otp="otp", editor="403"),
        payload={"medium": "phone", "day": "1.11.2026", "people": "1", "referral_given": "no"},
    ),
    "console/records/<int:record_id>/": Route(
        paths={
            "youth": "/console/records/{record_youth}/",
            "study": "/console/records/{record_study}/",
        },
        get={"youth": RECORD_YOUTH, "study": RECORD_STUDY},
        post={"youth": record_saved(RECORD_YOUTH), "study": record_saved(RECORD_STUDY)},
        payload={
            "age_group": "unknown",
            "gender": "unknown",
            "mother_tongue": "unknown",
            "education": "unknown",
            "labour_status": "unknown",
            "referral_given": "no",
        },
    ),
    "console/records/conversation/<int:conversation_id>/": Route(
        paths={
            "youth": "/console/records/conversation/{hist_youth}/",
            "study": "/console/records/conversation/{hist_study}/",
        },
        get={
            "youth": {
                role: ("302:/console/records/{record_youth}/" if got == "200" else got)
                for role, got in RECORD_YOUTH.items()
            },
            "study": {
                role: ("302:/console/records/{record_study}/" if got == "200" else got)
                for role, got in RECORD_STUDY.items()
            },
        },
        post={"youth": GET_ONLY},
    ),
    "console/categories/": route(
        "/console/categories/",
        CATEGORIES,
        post=CATEGORIES | {"supervisor": "302:/console/categories/", "admin": "302:/console/categories/"},
        payload={"kind": "topic", "name": "Matrix topic"},
    ),
    "console/categories/<int:category_id>/": Route(
        paths={"own": "/console/categories/{category_youth}/", "other": "/console/categories/{category_study}/"},
        get={"own": GET_ONLY, "other": GET_ONLY},
        post={"own": CATEGORY_OWN, "other": CATEGORY_OTHER},
        payload={"do": "retire"},
    ),
    # The audit log: supervisors and admins, each their organisation's rows (audit.actions.audit_events_for,
    # tests/audit/test_log_page.py). GET only: no URL changes or deletes a row.
    "console/audit/": route("/console/audit/", AUDIT_READERS, post=GET_ONLY),
    "console/desks/": route("/console/desks/", DESK_HOURS, post=GET_ONLY),
    "console/desks/<int:desk_id>/hours/": Route(
        paths={"youth": "/console/desks/{desk_youth}/hours/", "study": "/console/desks/{desk_study}/hours/"},
        get={"youth": DESK_HOURS, "study": DESK_HOURS_OTHER},
        post={"youth": DESK_HOURS, "study": DESK_HOURS_OTHER},
        payload={"action": "add", "exception-kind": "closed", "exception-starts_on": "2099-01-01"},
    ),
    # --- Shifts (console/shift_views.py): one's own at one's desks; supervisors and admins plan their desks' ---
    # A POST without times shows the form again with its errors (nothing stored).
    "console/shifts/": route("/console/shifts/", CHAT_STAFF, post=CHAT_STAFF),
    "console/shifts/plan/": route("/console/shifts/plan/", SHIFT_PLANNERS, post=SHIFT_PLANNERS),
    "console/shifts/<int:shift_id>/remove/": Route(
        paths={"youth": "/console/shifts/{shift_youth}/remove/", "study": "/console/shifts/{shift_study}/remove/"},
        get={"youth": GET_ONLY, "study": GET_ONLY},
        post={
            # The counsellor's own, or a supervisor's or admin's desk; to anybody else it looks missing.
            "youth": SHIFT_NONE | {"counsellor": SHIFTS_DONE, "supervisor": SHIFTS_DONE, "admin": SHIFTS_DONE},
            "study": SHIFT_NONE | {"studycounsellor": SHIFTS_DONE},
        },
    ),
    "console/reports/": report_route("/console/reports/"),
    "console/reports/csv/": report_route("/console/reports/csv/"),
    "console/reports/xlsx/": report_route("/console/reports/xlsx/"),
    # --- The brain editor ---
    "brain/": route("/brain/", BRAIN, post=GET_ONLY),
    "brain/new/": route("/brain/new/", BRAIN, post=BRAIN, payload={"area": "general", "text-fi-title": "Matrix"}),
    "brain/try/": route("/brain/try/", BRAIN, post=GET_ONLY),
    "brain/signals/": route("/brain/signals/", BRAIN, post=GET_ONLY),
    "brain/words/": route("/brain/words/", BRAIN, post=GET_ONLY),
    "brain/unanswered/": route("/brain/unanswered/", BRAIN, post=GET_ONLY),
    "brain/unanswered/<int:pk>/add/": route(
        "/brain/unanswered/{unanswered}/add/", GET_ONLY, post=BRAIN_POST_DONE, payload={"topic": "{topic}"}
    ),
    "brain/unanswered/<int:pk>/dismiss/": route(
        "/brain/unanswered/{unanswered}/dismiss/", GET_ONLY, post=BRAIN_POST_DONE
    ),
    "brain/<slug:slug>/": route("/brain/{topic}/", BRAIN, post=BRAIN, payload={"slug": "renamed", "area": "x"}),
    "brain/preview/": route("/brain/preview/", GET_ONLY, post=BRAIN, payload={"lang": "fi", "answer": "**x**"}),
    "brain/<slug:slug>/publish/": route("/brain/{topic}/publish/", GET_ONLY, post=BRAIN_TOPIC_DONE),
    "brain/<slug:slug>/discard/": route("/brain/{topic}/discard/", GET_ONLY, post=BRAIN_TOPIC_DONE),
    "brain/<slug:slug>/archive/": route("/brain/{topic}/archive/", GET_ONLY, post=BRAIN_TOPIC_DONE),
    "brain/<slug:slug>/restore/": route("/brain/{topic}/restore/", GET_ONLY, post=BRAIN_TOPIC_DONE),
    "brain/<slug:slug>/history/": route("/brain/{topic}/history/", BRAIN, post=GET_ONLY),
    "brain/<slug:slug>/history/<int:pk>/revert/": route(
        "/brain/{topic}/history/{topic_version}/revert/", GET_ONLY, post=BRAIN_TOPIC_DONE
    ),
    # --- Surveys: the staff's pages and the public answering page ---
    "surveys/": route("/surveys/", SURVEY_LIST, post=GET_ONLY),
    "surveys/new/": route(
        "/surveys/new/", SURVEY_BUILD, post=SURVEY_BUILD, payload={"title": "Matrix", "questions": "0"}
    ),
    "surveys/<int:survey_id>/": survey_route("", own=SURVEY_OWN, draft=SURVEY_DRAFT, other=SURVEY_OTHER),
    # An open survey's builder sends its builders back to the survey: only a draft changes.
    "surveys/<int:survey_id>/edit/": survey_route(
        "edit/",
        own=SURVEY_OWN | {"supervisor": "302:/surveys/{survey_own}/", "admin": "302:/surveys/{survey_own}/"},
        draft=SURVEY_DRAFT,
        other=SURVEY_OTHER,
        form=True,
    ),
    "surveys/<int:survey_id>/preview/": survey_route(
        "preview/", own=SURVEY_OWN, draft=SURVEY_DRAFT, other=SURVEY_OTHER
    ),
    "surveys/<int:survey_id>/open/": survey_post_route("open/"),
    "surveys/<int:survey_id>/close/": survey_post_route("close/"),
    "surveys/<int:survey_id>/duplicate/": survey_post_route("duplicate/"),
    "surveys/<int:survey_id>/results/": survey_route(
        "results/", own=RESULTS_OWN, draft=SURVEY_DRAFT, other=RESULTS_OTHER
    ),
    "surveys/<int:survey_id>/results.csv": survey_route(
        "results.csv", own=RESULTS_OWN, draft=SURVEY_DRAFT, other=RESULTS_OTHER
    ),
    # Anybody with the link; a draft answers with the plain "not open" page.
    "s/<str:slug>/": Route(
        paths={"open": "/s/{survey_slug}/", "draft": "/s/{survey_draft_slug}/", "missing": "/s/no-such-survey/"},
        get={"open": PUBLIC, "draft": PUBLIC, "missing": expect("404", admin_no_otp="otp")},
    ),
    "s/<str:slug>/thanks/": route("/s/{survey_slug}/thanks/", PUBLIC, post=GET_ONLY),
    # --- Reach and the region's population (stats) ---
    # Reach: supervisors (their desks' records), admins (their organisation's), superusers (the region's).
    "stats/reach/": route("/stats/reach/", REACH, post=GET_ONLY),
    "stats/reach/export/": route("/stats/reach/export/", REACH, post=GET_ONLY),
    # The population is public and one for the region: any admin imports it (a POST without a file changes nothing).
    "stats/population/": route("/stats/population/", POPULATION, post=POPULATION, payload={"year": "2024"}),
    # --- The bot's public API ---
    "api/bot/ask": route("/api/bot/ask", expect("405", admin_no_otp="otp")),
    "api/bot/status": route("/api/bot/status", PUBLIC, post=GET_ONLY),
    "api/schema": route("/api/schema", PUBLIC, post=GET_ONLY),
    # --- Django's language switch (POST; GET redirects back) ---
    "i18n/setlang/": route("/i18n/setlang/", expect("302:/")),
    # --- The Django admin ---
    "admin/": route("/admin/", ADMIN),
    # The admin's own login is replaced (accounts.admin.admin_login): visitors go to the staff login.
    "admin/login/": route("/admin/login/", expect("403", anonymous="login", admin_no_otp="otp", admin="302:/admin/")),
    # GET does not log out (LogoutView takes POST); those without admin rights are sent to /admin/.
    "admin/logout/": route("/admin/logout/", expect("302:/admin/", admin_no_otp="otp", admin="405")),
    "admin/password_change/": route("/admin/password_change/", ADMIN, post=ADMIN, payload={"new_password1": "x"}),
    "admin/password_change/done/": route("/admin/password_change/done/", ADMIN),
    "admin/autocomplete/": route("/admin/autocomplete/", expect("admin-login", admin_no_otp="otp", admin="403")),
    "admin/jsi18n/": route("/admin/jsi18n/", ADMIN),
    "admin/r/<path:content_type_id>/<path:object_id>/": route(
        "/admin/r/{desk_ct}/{desk_study}/", expect("admin-login", admin_no_otp="otp", admin="404")
    ),
    "admin/^(?P<app_label>auth|otp_totp|otp_static|accounts|desks|audit|bot|conversations|stats)/$": route(
        "/admin/desks/", ADMIN
    ),
    "admin/(?P<url>.*)$": route("/admin/no-such-page/", expect("admin-login", admin_no_otp="otp", admin="404")),
    # Setting another organisation's staff member's password would be logging in as them.
    "admin/accounts/staff/<id>/password/": Route(
        {
            "own": "/admin/accounts/staff/{staff_own}/password/",
            "other": "/admin/accounts/staff/{staff_study}/password/",
        },
        {"own": ADMIN, "other": expect("admin-login", admin_no_otp="otp", admin="404")},
        post={"other": expect("admin-login", admin_no_otp="otp", admin="404")},
        payload={"password1": "Matrix-takeover-2026", "password2": "Matrix-takeover-2026", "usable_password": "true"},
    ),
    # No TOTP secret is ever shown again, to anybody (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin/otp_totp/totpdevice/<int:pk>/config/": route("/admin/otp_totp/totpdevice/{totp}/config/", ADMIN_FORBIDDEN),
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/": route("/admin/otp_totp/totpdevice/{totp}/qrcode/", ADMIN_FORBIDDEN),
    **admin_model("auth/group", "group"),
    **admin_model("otp_totp/totpdevice", {"own": "totp", "other": "totp_study"}, hidden=("other",)),
    **admin_model("otp_static/staticdevice", {"own": "static", "other": "static_study"}, hidden=("other",)),
    # An organisation's admin sees and changes its own organisation and staff only (accounts.admin).
    **admin_model(
        "accounts/organisation", {"own": "org_own", "other": "org_study"}, add=False, delete=False, hidden=("other",)
    ),
    **admin_model("accounts/staff", {"own": "staff_own", "other": "staff_study"}, hidden=("other",)),
    # Another organisation's desks (adding oneself as a member would open its
    # conversations), canned replies and conversations look missing to the admin.
    **admin_model("desks/desk", {"own": "desk_youth", "other": "desk_study"}, hidden=("other",)),
    **admin_model("desks/cannedreply", {"own": "canned_youth", "other": "canned_study"}, hidden=("other",)),
    **admin_model(
        "conversations/conversation", {"own": "conv_youth", "other": "conv_study"}, add=False, hidden=("other",)
    ),
    # The audit log: read-only for the admin, and only their own organisation's rows (audit.admin).
    **admin_model(
        "audit/auditevent",
        {"own": "audit_own", "other": "audit_study"},
        add=False,
        change=False,
        delete=False,
        hidden=("other",),
    ),
    # An organisation's categories: only its own admin's (stats.admin).
    **admin_model("stats/category", {"own": "category_youth", "other": "category_study"}, hidden=("other",)),
    **admin_model("bot/topic", "topic_pk"),
    **admin_model("bot/answervote", "vote", add=False, change=False, delete=False),
    **admin_model("bot/unansweredquestion", "unanswered", add=False),
    # --- Attachments (issue 14: conversations/actions/attachments.py, tests/media/) ---
    # Uploads are POST only. A client's (csrf_exempt: the token comes in a header the page sets, no cookie)
    # answers a POST without a file 400; the console's checks the session first (403), then its CSRF token.
    "chat/upload/": route("/chat/upload/", GET_ONLY),
    "console/upload/": route(
        "/console/upload/", GET_ONLY, post=expect("400", anonymous="403", admin_no_otp="otp", editor="403")
    ),
    # A file by its signed link: only for the reader it was signed for (the counsellor), still allowed now;
    # anything else, a link that is no link included, answers 404 (tests/media/test_uploads.py).
    "media/<str:token>/": Route(
        paths={"counsellor": "{link_counsellor}", "invalid": "/media/not-a-link/"},
        get={
            "counsellor": expect("404", admin_no_otp="otp", counsellor="200"),
            "invalid": expect("404", admin_no_otp="otp"),
        },
        post={"counsellor": GET_ONLY, "invalid": GET_ONLY},
    ),
}


# --- Walking the URL patterns ---------------------------------------------------------------


def all_url_patterns() -> list[str]:
    """The full route string of every URL pattern of the project, admin and included apps alike."""
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_url_pattern_is_classified() -> None:
    patterns = all_url_patterns()
    assert len(patterns) == len(set(patterns)), "two URL patterns with the same route"
    unclassified = [p for p in patterns if p not in CLASSIFIED]
    stale = [p for p in CLASSIFIED if p not in patterns]
    assert not unclassified, (
        "URL patterns without an entry in tests/security/test_authz_matrix.py CLASSIFIED (decide who may use them):\n"
        + "\n".join(unclassified)
    )
    assert not stale, "CLASSIFIED entries whose URL pattern no longer exists:\n" + "\n".join(stale)


# --- Objects the parameters are filled from -------------------------------------------------


def matrix_objects() -> dict[str, Any]:
    """The demo data plus one object of everything the admin lists; the keys fill the path templates."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Organisation, Staff
    from audit.actions import record
    from audit.models import Action
    from bot.brainfiles import topic_data
    from bot.models import AnswerVote, Topic, TopicEdit, TopicText, UnansweredQuestion
    from conversations.models import Conversation, Status
    from demo.data import seed_demo
    from demo.surveys import YOUTH_PANEL_TITLE
    from desks.models import CannedReply, Desk, OpeningException, OpeningPeriod
    from duty.models import Shift
    from stats.models import Category, ContactRecord
    from surveys.actions import do_save_survey
    from surveys.models import Question, Survey
    from tests.support.factories import ClientFactory
    from tests.surveys.helpers import youth_panel_draft

    seed_demo(brain=False)
    OpeningPeriod.objects.all().delete()  # every desk open, whatever the hour
    OpeningException.objects.all().delete()  # and whatever the day
    staff = {s.username: s for s in Staff.objects.all()}
    desks = {d.slug: d for d in Desk.objects.all()}
    topic = Topic.objects.create(slug="matrix-topic", area="general", status="published")
    TopicText.objects.create(topic=topic, language="fi", title="Matriisi", answer="Vastaus.")
    version = TopicEdit.objects.create(topic=topic, kind="baseline", data=topic_data(topic))
    client = ClientFactory.create()

    def closed_at(desk: str, counsellor: str) -> int:
        """A conversation of the history: closed just now at `desk`, answered by `counsellor`."""
        return Conversation.objects.create(
            desk=desks[desk],
            client=client,
            status=Status.CLOSED,
            assigned_to=staff[counsellor],
            outcome="answered",
            closed_at=timezone.now(),
        ).pk

    survey_own = Survey.objects.get(title=YOUTH_PANEL_TITLE)
    survey_draft = do_save_survey(staff["supervisor"], youth_panel_draft())
    survey_study = Survey.objects.create(
        organisation=Organisation.objects.get(slug="rantala-college"), title="Rantala", status="open"
    )
    Question.objects.create(survey=survey_study, position=1, kind="text", text="Mitä kuuluu?")

    def record_of(conversation_id: int, desk: str, counsellor: str) -> int:
        """The contact record of a closed conversation, not filled in yet."""
        return ContactRecord.objects.create(
            conversation_id=conversation_id,
            organisation_id=desks[desk].organisation_id,
            desk=desks[desk],
            started_at=timezone.now(),
            with_person=True,
            counsellor=staff[counsellor],
        ).pk

    hist_youth = closed_at("youth", "counsellor")
    hist_study = closed_at("study", "studycounsellor")

    def shift_of(desk: str, username: str) -> int:
        start = timezone.now() + dt.timedelta(days=1)
        return Shift.objects.create(
            desk=desks[desk], staff=staff[username], starts_at=start, ends_at=start + dt.timedelta(hours=2)
        ).pk

    return {
        "shift_youth": shift_of("youth", "counsellor"),
        "shift_study": shift_of("study", "studycounsellor"),
        "survey_own": survey_own.pk,
        "survey_slug": survey_own.slug,
        "survey_draft": survey_draft.pk,
        "survey_draft_slug": survey_draft.slug,
        "survey_study": survey_study.pk,
        "record_youth": record_of(hist_youth, "youth", "counsellor"),
        "record_study": record_of(hist_study, "study", "studycounsellor"),
        "category_youth": Category.objects.create(organisation=desks["youth"].organisation, name="Matrix").pk,
        "category_study": Category.objects.create(organisation=desks["study"].organisation, name="Matrix").pk,
        "canned_youth": CannedReply.objects.filter(desk=desks["youth"]).earliest("pk").pk,
        "canned_study": CannedReply.objects.filter(desk=desks["study"]).earliest("pk").pk,
        "canned_mine": CannedReply.objects.create(owner=staff["counsellor"], title="Mine", body="Only mine").pk,
        "topic": topic.slug,
        "topic_pk": topic.pk,
        "topic_version": version.pk,
        "unanswered": UnansweredQuestion.objects.create(language="fi", text="matriisi", normalised="matriisi").pk,
        "vote": AnswerVote.objects.create(topic=topic.slug, language="fi", helpful=True).pk,
        "conv_youth": Conversation.objects.create(desk=desks["youth"], client=client).pk,
        "guest": guest_with_link(desks["youth"], staff["counsellor"], client, "matrix-guest-token"),
        "conv_study": Conversation.objects.create(desk=desks["study"], client=client).pk,
        "hist_youth": hist_youth,
        "hist_homework_supervisor": closed_at("homework", "supervisor"),
        "hist_study": hist_study,
        "audit_own": record(staff["counsellor"], Action.HISTORY_SEARCH).pk,
        "audit_study": record(staff["studycounsellor"], Action.HISTORY_SEARCH).pk,
        "desk_study": desks["study"].pk,
        "desk_youth": desks["youth"].pk,
        "desk_ct": ContentType.objects.get_for_model(Desk).pk,
        "org_study": Organisation.objects.get(slug="rantala-college").pk,
        "org_own": Organisation.objects.get(slug="jokilaakso").pk,
        "staff_study": staff["studycounsellor"].pk,
        "staff_own": staff["counsellor2"].pk,
        "group": Group.objects.create(name="Matrix group").pk,
        "totp": TOTPDevice.objects.get(user=staff["supervisor"]).pk,
        "static": StaticDevice.objects.create(user=staff["admin"], name="backup").pk,
        "totp_study": TOTPDevice.objects.create(user=staff["studycounsellor"], name="phone", confirmed=False).pk,
        "static_study": StaticDevice.objects.create(user=staff["studycounsellor"], name="backup").pk,
        "link_counsellor": counsellor_link(staff["counsellor"], desks["youth"], client),
    }


def counsellor_link(counsellor: Any, desk: Any, client: Any) -> str:
    """A link to a file the counsellor uploaded into a conversation of their desk, signed for them (issue 14)."""
    from django.core.files.base import ContentFile

    from conversations.models import Attachment, Conversation
    from media import links
    from media.files import attachment_storage

    conversation = Conversation.objects.create(desk=desk, client=client, status="active", assigned_to=counsellor)
    name = attachment_storage().save("matrix/letter.pdf", ContentFile(b"%PDF-1.4 matrix"))
    attachment = Attachment.objects.create(
        conversation=conversation,
        uploader=f"staff:{counsellor.pk}",
        upload_id="matrix",
        kind="pdf",
        mime="application/pdf",
        size=15,
        file_name=name,
        name="letter.pdf",
    )
    return links.sign(links.Link(attachment.pk, conversation.pk, f"staff:{counsellor.pk}", "file"))


def guest_with_link(desk: Any, counsellor: Any, client: Any, token: str) -> int:
    """A guest the client agreed to, in an active conversation, whose one-time link is `token`."""
    from django.utils import timezone

    from conversations.actions.guests import token_hash
    from conversations.models import Conversation, Guest, GuestState, Status

    conversation = Conversation.objects.create(desk=desk, client=client, status=Status.ACTIVE, assigned_to=counsellor)
    return Guest.objects.create(
        conversation=conversation,
        role="interpreter",
        name="Matrix",
        invited_by=counsellor,
        state=GuestState.ACCEPTED,
        token_hash=token_hash(token),
        link_expires_at=timezone.now() + dt.timedelta(hours=1),
    ).pk


def fingerprint() -> str:
    """A digest of every row of every table but the sessions: a refused POST must leave it as it was.

    Read with plain SQL, a table at a time (a tenth of the ORM's time: the matrix takes it twice for
    every refused POST of every role).
    """
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model is Session or model._meta.proxy:
                continue
            table = connection.ops.quote_name(model._meta.db_table)  # a model's own table name, not input
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608
            digest.update(repr((model._meta.label, cursor.fetchall())).encode())
    return digest.hexdigest()


def http_for(role: str) -> HttpClient:
    """A test client logged in as `role` through the real login form.

    CSRF checks are off (the test client default): the views' own rules are what is tried.
    """
    from accounts.models import Staff

    http = HttpClient()
    if role == "anonymous":
        return http
    if role == "admin_no_otp":
        response = http.post("/staff/login/", {"username": "admin", "password": DEMO_PASSWORD})
        assert response.status_code == 302
        return http
    staff_cookie(http, role, DEMO_PASSWORD, otp=Staff.objects.get(username=role).requires_2fa)
    return http


def outcome(response: Any) -> str:
    if response.status_code in (301, 302):
        location = response["Location"].split("?")[0]
        for prefix, name in (
            ("/staff/login/code/", "otp"),
            ("/staff/login/authenticator/", None),
            ("/staff/login/", "login"),
            ("/admin/login/", "admin-login"),
        ):
            if location == prefix and name is not None:
                return name
        return f"302:{location}"
    return str(response.status_code)


def matches(expected: str, got: str) -> bool:
    return got in expected.split("|")


def fill(template: str, objects: dict[str, Any]) -> str:
    return template.format(**objects)


@dataclass
class Cell:
    route: str
    variant: str
    method: str
    path: str
    expected: str
    got: str

    def __str__(self) -> str:
        variant = f" [{self.variant}]" if self.variant else ""
        return f"{self.method} {self.path} ({self.route}{variant}): expected {self.expected}, got {self.got}"


def try_routes(
    role: str,
    objects: dict[str, Any],
    patterns: set[str],
    http: HttpClient | None = None,
    overrides: dict[str, str] | None = None,
) -> tuple[list[Cell], list[str]]:
    """Ask every classified route as `role` expects (with `http`, or a client logged in as `role`;
    `overrides` names another role's column for some routes); returns the cells that differ and
    refused POSTs that changed data."""
    http = http or http_for(role)
    overrides = overrides or {}
    wrong: list[Cell] = []
    changed: list[str] = []
    order = sorted(CLASSIFIED.items(), key=lambda item: item[1].logs_out)
    for pattern, spec in order:
        if pattern not in patterns:
            continue  # test_every_url_pattern_is_classified reports it
        for variant, template in spec.paths.items():
            path = fill(template, objects)
            # ResolverMatch.route drops the regex patterns' inner "^".
            assert resolve(path.split("?")[0]).route == pattern.replace("^", ""), (
                f"{path} does not resolve to {pattern}"
            )
            column = overrides.get(pattern, role)
            expected = fill(spec.get[variant][column], objects)
            got = outcome(http.get(path))
            if not matches(expected, got):
                wrong.append(Cell(pattern, variant, "GET", path, expected, got))
            post = spec.post.get(variant)
            if post is None or post[column] not in REFUSALS:
                continue
            payload = {k: fill(v, objects) for k, v in spec.payload.items()}
            before = fingerprint()
            got = outcome(http.post(path, payload))
            if not matches(post[column], got):
                wrong.append(Cell(pattern, variant, "POST", path, post[column], got))
            if fingerprint() != before:
                changed.append(f"POST {path} as {role} ({got}) changed the database")
    return wrong, changed


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_classified(role: str) -> None:
    objects = matrix_objects()
    wrong, changed = try_routes(role, objects, set(all_url_patterns()))
    assert not wrong, f"{len(wrong)} cells differ for {role}:\n" + "\n".join(map(str, wrong))
    assert not changed, "\n".join(changed)


# Views exempt from CSRF protection, and why (bot/api.py): the bot API is anonymous
# and keeps no session; `ask` changes no state a forged request could profit from,
# and the GET-only ones answer other methods with a plain 405 rather than a CSRF page.
CSRF_EXEMPT = {"api/bot/ask", "api/bot/status", "api/schema", "chat/upload/", "console/upload/"}
# Exempt from the middleware's check because they bound their body first, then check the token themselves
# (console/attachment_views.py: media.http.csrf_refusal): refused all the same.
OWN_CSRF_CHECK = {"console/upload/"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "counsellor"])
def test_every_post_without_a_csrf_token_is_refused(role: str) -> None:
    """With the browser's CSRF checks on, a POST without the token reaches no view and changes nothing."""
    objects = matrix_objects()
    http = http_for(role)
    http.handler.enforce_csrf_checks = True
    wrong = []
    for pattern, spec in CLASSIFIED.items():
        if spec.logs_out and role != "anonymous":
            continue  # would be refused too, but then the next requests would not be the counsellor's
        for template in spec.paths.values():
            path = fill(template, objects)
            payload = {k: fill(v, objects) for k, v in spec.payload.items()}
            before = fingerprint()
            got = outcome(http.post(path, payload))
            exempt = getattr(resolve(path.split("?")[0]).func, "csrf_exempt", False)
            if exempt != (pattern in CSRF_EXEMPT):
                wrong.append(f"{pattern}: csrf_exempt is {exempt}, CSRF_EXEMPT says otherwise")
            expected = "405|400|415" if exempt and pattern not in OWN_CSRF_CHECK else "403"
            if not matches(expected, got) or fingerprint() != before:
                wrong.append(f"POST {path} as {role}: {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_the_refused_post_check_would_see_a_change() -> None:
    """The payloads and the fingerprint are real: the same POST by a role allowed to make it changes the data."""
    objects = matrix_objects()
    http = http_for("supervisor")
    before = fingerprint()
    response = http.post(f"/console/canned/{objects['canned_youth']}/", CANNED_POST)
    assert outcome(response) == CANNED_DONE
    assert fingerprint() != before


# --- The WebSocket protocol --------------------------------------------------------------------
#
# Outcomes: "ok" (answered without an error), or the error code the frame gets.
# A conversation frame is tried on a conversation id the test fills in.

MISSING = 2**31 - 1  # a conversation id that does not exist

# Every client frame type, with the fields it is tried with, and its outcome on
# the client's own (queued) conversation. On another client's conversation and on
# a missing one every conversation frame gets `not_found`, the same error both times.
CLIENT_FRAMES: dict[str, tuple[dict[str, Any], str]] = {
    "hello": ({}, "bad_message"),  # on a socket past its hello: one hello per socket
    "ping": ({}, "ok"),
    # same_counsellor: the client's earlier counsellor first (none here: queued as usual).
    "start": ({"desk": "youth", "person": True, "same_counsellor": True}, "ok"),
    "resume": ({"after": 0}, "ok"),
    "send": ({"id": "matrix-1", "body": "hello"}, "ok"),
    "typing": ({"active": True}, "ok"),
    "seen": ({"read": 1}, "ok"),
    "end": ({}, "ok"),
    # While the conversation waits in the queue the bot still answers a chosen topic.
    "choose": ({"id": "matrix-2", "topic": "career-change"}, "ok"),
    "handoff": ({"same_counsellor": True}, "ok"),
    # Seq 1 is the "started" system line: no bot answer to vote on (refused only after
    # the conversation was found to be the client's own).
    "vote": ({"seq": 1, "helpful": True}, "bad_message"),
    "about": ({"age_group": "16_17", "municipality": "other"}, "ok"),
    # Feedback only once the conversation has ended (refused after it was found to be the client's own).
    "feedback": ({"rating": 5, "helped": True}, "forbidden"),
    "delete": ({}, "ok"),
    # The desks' state: public, the same for every client (desks.hours), no conversation involved.
    "desks": ({}, "ok"),
    # A code for one's own conversation (another's or a missing one: not_found, as every frame).
    "new_code": ({}, "ok"),
    # A code that is no conversation's (a right code opens only its own: tests/protocol/test_protocol_codes.py).
    "resume_code": ({"code": "kissa koira hevonen lehmä"}, "wrong_code"),
    # A message for any active desk, open or not (its inbox: tests/protocol/test_protocol_messages_left.py).
    "leave_message": ({"desk": "youth", "id": "matrix-m", "body": "a message"}, "ok"),
    # Issue 14: links to a file of one's own conversation (none here: not_found; the rest in tests/media/).
    "file_link": ({"attachment": MISSING}, "not_found"),
    # The answer to an invited guest (issue 14): no invitation waits in a fresh conversation.
    "guest_consent": ({"guest": 1, "accept": True}, "not_found"),
    # Calls (issue 14): only in a conversation with a person (this one waits in the queue), and only a call of
    # one's own conversation (call 1 is none of it).
    "call_start": ({"media": "video"}, "forbidden"),
    "call_answer": ({"call": 1, "accept": True}, "not_found"),
    "call_signal": ({"call": 1, "to": "staff:1", "signal": {"sdp": {"type": "offer", "sdp": "v=0"}}}, "not_found"),
    "call_end": ({"call": 1}, "not_found"),
}

# Staff sockets: who may not open one at all (close code before any frame).
STAFF_SOCKET_REFUSED = {"anonymous": 4401, "admin_no_otp": 4401, "editor": 4403}
STAFF_ROLES = ("counsellor", "counsellor2", "volunteer", "studycounsellor", "partner", "supervisor", "admin")
# The conversations staff frames are tried on: a youth conversation the counsellor
# answers (active), and a waiting one at the homework desk (same organisation)
# and at the study desk (the other organisation).
TARGETS = ("youth", "homework", "study")


def by_role(**cells: str) -> dict[str, tuple[str, ...]]:
    """Outcomes per staff role, each written "youth homework study"."""
    assert set(cells) == set(STAFF_ROLES), set(STAFF_ROLES) ^ set(cells)
    table = {role: tuple(text.split()) for role, text in cells.items()}
    assert all(len(row) == len(TARGETS) for row in table.values()), table
    return table


EVERYWHERE_OK = by_role(**{role: "ok ok ok" for role in STAFF_ROLES})
# Seeing a conversation: members of its desk, and admins at any desk of their organisation.
SEES = by_role(
    counsellor="ok not_found not_found",
    counsellor2="ok not_found not_found",
    volunteer="not_found ok not_found",
    studycounsellor="not_found not_found ok",
    partner="not_found ok not_found",
    supervisor="ok ok not_found",
    admin="ok ok not_found",
)
# Writing into it: only the staff member it is assigned to (the counsellor's youth
# conversation); the others who see it are refused with forbidden.
WRITES = by_role(
    counsellor="ok not_found not_found",
    counsellor2="forbidden not_found not_found",
    volunteer="not_found forbidden not_found",
    studycounsellor="not_found not_found forbidden",
    partner="not_found forbidden not_found",
    supervisor="forbidden forbidden not_found",
    admin="forbidden forbidden not_found",
)

# Closing and transferring: the assigned staff member, and supervisors and admins
# of the desk (Staff.may_supervise), e.g. to move a waiting one on.
MANAGES = by_role(
    counsellor="ok not_found not_found",
    counsellor2="forbidden not_found not_found",
    volunteer="not_found forbidden not_found",
    studycounsellor="not_found not_found forbidden",
    partner="not_found forbidden not_found",
    supervisor="ok ok not_found",
    admin="ok ok not_found",
)

# A conversation's guests (issue 14): only the counsellor it is assigned to invites and removes; the
# guest named in these cells does not exist, so even the counsellor finds nobody to remove.
GUEST_MANAGES = {**WRITES, "counsellor": ("not_found", "not_found", "not_found")}

# Every staff frame type: the fields it is tried with ({desk} is filled with the
# parents desk's id) and the outcome per role and target conversation.
# Frames without a conversation have one outcome for every role instead of a table.
STAFF_FRAMES: dict[str, tuple[dict[str, Any], dict[str, tuple[str, ...]] | str]] = {
    "hello": ({}, "bad_message"),  # on a socket past its hello: one hello per socket
    "ping": ({}, "ok"),
    "resume": ({"after": 0}, SEES),
    "take": (
        {},
        by_role(
            counsellor="taken not_found not_found",  # already the counsellor's own
            counsellor2="taken not_found not_found",
            volunteer="not_found ok not_found",
            studycounsellor="not_found not_found ok",
            partner="not_found ok not_found",  # partner staff take at the desk they work at
            supervisor="taken ok not_found",
            admin="taken ok not_found",
        ),
    ),
    "send": ({"id": "matrix-s", "body": "hello"}, WRITES),
    "typing": ({"active": True}, WRITES),
    "seen": ({"read": 1}, SEES),
    "note": ({"id": "matrix-n", "body": "a note"}, SEES),
    "transfer": ({"desk": "{desk}"}, MANAGES),
    # The desks a transfer may go to (every active desk of the region, as the welcome lists them).
    "transfer_desks": ({}, "ok"),
    "close": ({"outcome": "answered"}, MANAGES),
    # Stepping in is refused by role before any conversation is looked up, so a
    # counsellor gets forbidden whatever the id (no way to tell whether it exists).
    # A supervisor stepping into a waiting conversation takes it.
    "step_in": (
        {},
        by_role(
            counsellor="forbidden forbidden forbidden",
            counsellor2="forbidden forbidden forbidden",
            volunteer="forbidden forbidden forbidden",
            studycounsellor="forbidden forbidden forbidden",
            partner="forbidden forbidden forbidden",
            supervisor="ok ok not_found",
            admin="ok ok not_found",
        ),
    ),
    # Leaving only stops events to this socket: harmless whatever the conversation.
    "leave": ({}, EVERYWHERE_OK),
    # Suggestions only read what the staff member already sees: whoever sees the
    # conversation (a supervisor or admin watching, a colleague of the desk) may ask.
    "suggest": ({}, SEES),
    # One's own status: everybody who answers clients sets their own (conversations.actions.duty).
    "presence": ({"status": "available"}, "ok"),
    # Issue 14: links to a file (none here: not_found for everybody; who gets them: tests/media/).
    "file_link": ({"attachment": MISSING}, by_role(**{role: "not_found not_found not_found" for role in STAFF_ROLES})),
    "invite_guest": ({"role": "interpreter", "name": "Matrix"}, WRITES),
    "remove_guest": ({"guest": 1}, GUEST_MANAGES),
    "guest_link": ({"guest": 1}, GUEST_MANAGES),
    # Calls (issue 14): only the conversation's counsellor; the others who see it are refused with forbidden.
    # The counsellor passes the rights and is then refused by the set-up: a relay-only desk, no TURN server.
    "call_start": ({"media": "video"}, {**WRITES, "counsellor": ("call_unavailable", "not_found", "not_found")}),
    # A call that is not the conversation's (none is going on): not_found once the rights allow.
    "call_answer": ({"call": MISSING, "accept": True}, {**WRITES, "counsellor": ("not_found",) * 3}),
    "call_signal": (
        {"call": MISSING, "to": "client", "signal": {"candidate": {"candidate": ""}}},
        {**WRITES, "counsellor": ("not_found",) * 3},
    ),
    "call_end": ({"call": MISSING}, {**WRITES, "counsellor": ("not_found",) * 3}),
}

# A guest's frames (issue 14), tried by a guest in an active conversation on their own conversation
# (`leave` last, as it ends their part), on another conversation and on a missing one: the other and
# the missing one answer the same not_found.
GUEST_FRAMES: dict[str, tuple[dict[str, Any], str]] = {
    "hello": ({}, "bad_message"),  # on a socket past its hello: one hello per socket
    "ping": ({}, "ok"),
    "resume": ({"after": 0}, "ok"),
    "send": ({"id": "matrix-g", "body": "hello"}, "ok"),
    "typing": ({"active": True}, "ok"),
    "file_link": ({"attachment": MISSING}, "not_found"),
    "leave": ({}, "ok"),
    # Calls (issue 14): a guest is rung and joins like the others; on their own conversation a call
    # needs the relay (none in the tests), and a call that does not exist is not found.
    "call_start": ({"media": "video"}, "call_unavailable"),
    "call_answer": ({"call": MISSING, "accept": True}, "not_found"),
    "call_signal": ({"call": MISSING, "to": "client", "signal": {"sdp": {"type": "offer", "sdp": "v=0"}}}, "not_found"),
    "call_end": ({"call": MISSING}, "not_found"),
}


def test_every_frame_type_is_classified() -> None:
    from realtime.inbound import FRAMES

    for party, table in (("client", CLIENT_FRAMES), ("staff", STAFF_FRAMES), ("guest", GUEST_FRAMES)):
        frames = set(FRAMES[party])  # type: ignore[index]
        assert frames - set(table) == set(), (
            f"{party} frame types without an entry in the matrix: {frames - set(table)}"
        )
        assert set(table) - frames == set(), f"{party} entries for frame types that no longer exist"


def frame_outcome(socket: Any, frame: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """Send `frame` and read until a ping behind it is answered: ("ok", None) or (error code, the error)."""
    import uuid

    ref = uuid.uuid4().hex
    probe = uuid.uuid4().hex
    socket.send({**frame, "ref": ref})
    socket.send({"type": "ping", "ref": probe})
    error = None
    while True:
        event = socket.recv()
        if event.get("type") == "error" and event.get("ref") == ref:
            error = event
        if event.get("type") == "pong" and event.get("ref") == probe:
            return (error["code"], error) if error else ("ok", None)


def conversation_row(conversation_id: int) -> dict[str, Any]:
    from conversations.models import Conversation

    return dict(Conversation.objects.filter(pk=conversation_id).values().first() or {})


def test_every_client_frame_on_its_own_another_clients_and_a_missing_conversation(chat: Any) -> None:
    from realtime.inbound import FRAMES
    from tests.chat_helpers import rows

    victim = chat.client()
    theirs = chat.start(victim, desk="youth", nickname="Victim")
    wrong: list[str] = []
    for kind in sorted(FRAMES["client"]):
        fields, own_expected = CLIENT_FRAMES[kind]
        me = chat.client()
        frame = {"type": kind, **fields}
        if "conversation" not in FRAMES["client"][kind]:
            got, _error = frame_outcome(me, frame)
            if got != own_expected:
                wrong.append(f"{kind}: expected {own_expected}, got {got}")
            continue
        mine = chat.start(me, desk="youth")
        got, _error = frame_outcome(me, {**frame, "conversation": mine})
        if got != own_expected:
            wrong.append(f"{kind} on my own conversation: expected {own_expected}, got {got}")
        before, their_row = rows(), conversation_row(theirs)
        other, other_error = frame_outcome(me, {**frame, "conversation": theirs})
        missing, missing_error = frame_outcome(me, {**frame, "conversation": MISSING})
        if (other, missing) != ("not_found", "not_found"):
            wrong.append(f"{kind}: another client's conversation {other}, a missing one {missing}")
        elif {**other_error, "ref": None} != {**missing_error, "ref": None}:  # type: ignore[dict-item]
            wrong.append(f"{kind}: another client's conversation is told apart from a missing one")
        if rows() != before or conversation_row(theirs) != their_row:
            wrong.append(f"{kind} on another client's conversation changed something")
        me.close()
    assert not wrong, "\n".join(wrong)
    # The victim heard nothing of it.
    victim.drain(0.3)
    assert not [e for e in victim.events if e["type"] in ("typing", "receipt") or e.get("body") == "hello"]


def test_every_guest_frame_on_its_own_another_and_a_missing_conversation(chat: Any) -> None:
    from realtime.inbound import FRAMES
    from tests.chat_helpers import rows
    from tests.guests.helpers import active_conversation, joined_guest

    scene = active_conversation(chat)
    other = active_conversation(chat, nickname="Other")
    _guest, me, _browser = joined_guest(chat, scene)
    wrong: list[str] = []
    for kind in sorted(FRAMES["guest"], key=lambda k: (k == "leave", k)):
        fields, own_expected = GUEST_FRAMES[kind]
        frame = {"type": kind, **fields}
        if "conversation" not in FRAMES["guest"][kind]:
            got, _error = frame_outcome(me, frame)
            if got != own_expected:
                wrong.append(f"{kind}: expected {own_expected}, got {got}")
            continue
        before, their_row = rows(), conversation_row(other.conversation)
        theirs, their_error = frame_outcome(me, {**frame, "conversation": other.conversation})
        missing, missing_error = frame_outcome(me, {**frame, "conversation": MISSING})
        if (theirs, missing) != ("not_found", "not_found"):
            wrong.append(f"{kind}: another conversation {theirs}, a missing one {missing}")
        elif {**their_error, "ref": None} != {**missing_error, "ref": None}:  # type: ignore[dict-item]
            wrong.append(f"{kind}: another conversation is told apart from a missing one")
        if rows() != before or conversation_row(other.conversation) != their_row:
            wrong.append(f"{kind} on another conversation changed something")
        if kind == "leave":
            me.send({**frame, "conversation": scene.conversation})
            if me.wait_for("guest_ended")["reason"] != "left":
                wrong.append("leave on the guest's own conversation did not end their part")
            continue
        got, _error = frame_outcome(me, {**frame, "conversation": scene.conversation})
        if got != own_expected:
            wrong.append(f"{kind} on the guest's own conversation: expected {own_expected}, got {got}")
    assert not wrong, "\n".join(wrong)
    # The other conversation's parties heard nothing of it.
    other.client.drain(0.3)
    assert not [e for e in other.client.events if e["type"] == "typing" or e.get("body") == "hello"]


def test_every_guest_frame_after_removal(chat: Any) -> None:
    """One guest socket per frame type, opened before the counsellor removes the guest: each is
    closed at once (4403), nothing is acted on, and a new socket is refused before any frame."""
    from websockets.exceptions import ConnectionClosed

    from realtime.inbound import FRAMES
    from tests.chat_helpers import rows
    from tests.guests.helpers import active_conversation, guest_socket, joined_guest

    scene = active_conversation(chat)
    guest, first, browser = joined_guest(chat, scene)
    cookie = "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())
    sockets = {kind: guest_socket(chat, cookie) for kind in sorted(FRAMES["guest"])}
    scene.counsellor.answer({"type": "remove_guest", "conversation": scene.conversation, "guest": guest})
    first.wait_for("guest_ended")
    before, row = rows(), conversation_row(scene.conversation)
    wrong: list[str] = []
    for kind, socket in sockets.items():
        fields, _expected = GUEST_FRAMES[kind]
        with pytest.raises(ConnectionClosed) as closed:
            socket.send({"type": kind, "conversation": scene.conversation, "ref": kind, **fields})
            while True:
                event = socket.recv(timeout=5)
                if event.get("ref") == kind and event.get("type") != "error":
                    wrong.append(f"{kind} after the removal was answered: {event}")
        code = closed.value.rcvd.code if closed.value.rcvd is not None else None
        if code != 4403:
            wrong.append(f"{kind}: closed with {code}")
    assert not wrong, "\n".join(wrong)
    assert rows() == before and conversation_row(scene.conversation) == row
    with pytest.raises(ConnectionClosed) as refused:
        chat.connect("/ws/guest/", cookie=cookie).recv(timeout=5)
    assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403
    anonymous = chat.connect("/ws/guest/")
    with pytest.raises(ConnectionClosed) as nobody:
        anonymous.recv(timeout=5)
    assert nobody.value.rcvd is not None and nobody.value.rcvd.code == 4401


def test_who_may_not_open_the_staff_socket(chat: Any) -> None:
    from websockets.exceptions import ConnectionClosed

    cookies = {
        "anonymous": None,
        "admin_no_otp": "; ".join(f"{k}={v.value}" for k, v in http_for("admin_no_otp").cookies.items()),
        "editor": chat.login("editor"),
    }
    for role, code in STAFF_SOCKET_REFUSED.items():
        socket = chat.connect("/ws/staff/", cookie=cookies[role])
        with pytest.raises(ConnectionClosed) as closed:
            socket.send({"type": "hello"})
            socket.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code, role


# A message left for the youth desk (status `message`, its inbox): who sees it in the desk snapshot, and
# each staff frame in turn as every role. Whoever sees it may answer it (take, whoever had it), so each
# role gets a fresh one; the other organisation's counsellor gets not_found throughout.
MESSAGE_FRAMES: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("resume", {"after": 0}, {r: SEES[r][0] for r in STAFF_ROLES}),
    ("note", {"id": "inbox-n", "body": "a note"}, {r: SEES[r][0] for r in STAFF_ROLES}),
    # Before taking it nobody writes in it.
    (
        "send",
        {"id": "inbox-s1", "body": "hello"},
        {r: "forbidden" if SEES[r][0] == "ok" else "not_found" for r in STAFF_ROLES},
    ),
    ("take", {}, {r: SEES[r][0] for r in STAFF_ROLES}),
    ("send", {"id": "inbox-s2", "body": "hello"}, {r: SEES[r][0] for r in STAFF_ROLES}),
    ("transfer", {"desk": "{parents}"}, {r: SEES[r][0] for r in STAFF_ROLES}),
]


def test_a_message_in_the_inbox_as_every_role(chat: Any, demo: Any) -> None:
    parents = demo["desks"]["parents"].pk
    wrong: list[str] = []
    for role in STAFF_ROLES:
        staff = chat.staff(role)
        client = chat.client()
        reply = client.answer({"type": "leave_message", "desk": "youth", "id": f"m-{role}", "body": "anyone?"})
        conversation = int(reply["conversation"]["id"])
        staff.drain(0.6)
        in_inbox = any(
            m["id"] == conversation for e in staff.events if e["type"] == "desk" for m in e.get("messages", [])
        )
        if in_inbox != (SEES[role][0] == "ok"):
            wrong.append(f"{role}: in the youth inbox {in_inbox}")
        for kind, fields, expected in MESSAGE_FRAMES:
            filled = {k: parents if v == "{parents}" else v for k, v in fields.items()}
            got, _error = frame_outcome(staff, {"type": kind, "conversation": conversation, **filled})
            if got != expected[role]:
                wrong.append(f"{role} {kind}: expected {expected[role]}, got {got}")
    assert not wrong, "\n".join(wrong)


MUTATING = {"take", "send", "note", "transfer", "close", "step_in", "seen"}


def test_every_staff_frame_as_every_role_on_every_desk(chat: Any, demo: Any, settings: Any) -> None:
    # The matrix is about rights: the counsellor takes a fresh conversation for every frame that
    # changed the last one, far above a person's limit (conversations.actions.duty, tests/duty).
    settings.DUTY_DEFAULT_MAX_CONVERSATIONS = 1000
    from realtime.inbound import FRAMES
    from tests.chat_helpers import rows

    counsellor = chat.staff("counsellor")
    sockets = {role: chat.staff(role) for role in STAFF_ROLES}
    sockets["counsellor"] = counsellor
    parents = demo["desks"]["parents"].pk
    targets: dict[str, int] = {}

    def target(name: str) -> int:
        """A fresh conversation for `name` (youth: active with the counsellor; others waiting)."""
        if name not in targets:
            client = chat.client()
            targets[name] = chat.start(client, desk=name)
            if name == "youth":
                chat.take(counsellor, targets[name])
        return targets[name]

    wrong: list[str] = []
    for kind in sorted(FRAMES["staff"]):
        fields, table = STAFF_FRAMES[kind]
        frame = {"type": kind, **{k: (parents if v == "{desk}" else v) for k, v in fields.items()}}
        if isinstance(table, str):
            for role in STAFF_ROLES:
                got, _error = frame_outcome(sockets[role], frame)
                if got != table:
                    wrong.append(f"{kind} as {role}: expected {table}, got {got}")
            continue
        for role in STAFF_ROLES:
            for index, name in enumerate(TARGETS):
                expected = table[role][index]
                conversation = target(name)
                before, row = rows(), conversation_row(conversation)
                got, _error = frame_outcome(sockets[role], {**frame, "conversation": conversation})
                if got != expected:
                    wrong.append(f"{kind} as {role} on the {name} conversation: expected {expected}, got {got}")
                if got != "ok" and (rows() != before or conversation_row(conversation) != row):
                    wrong.append(f"{kind} as {role} on the {name} conversation was refused but changed something")
                if got == "ok" and kind in MUTATING:
                    del targets[name]  # the next cell gets a conversation in the starting state
        # A missing conversation answers as one of another organisation does (leave answers nothing).
        if kind != "leave":
            for role in STAFF_ROLES:
                got, _error = frame_outcome(sockets[role], {**frame, "conversation": MISSING})
                if got != table[role][TARGETS.index("study") if role != "studycounsellor" else 0]:
                    wrong.append(f"{kind} as {role} on a missing conversation: got {got}")
    assert not wrong, f"{len(wrong)} cells differ:\n" + "\n".join(wrong)


# --- The dimension of time: rights read again after each kind of change --------------------------
# A staff member is logged in (a page session, and a socket opened before the change);
# then an admin changes their access. From the next request and frame on they are
# answered by their rights as they are now, never as they were at login.


def change_access(username: str, change: str) -> None:
    """Make one change of access as an admin would (the Django admin saves the rows the same way)."""
    from accounts.models import Role, Staff
    from desks.models import DeskMembership

    staff = Staff.objects.get(username=username)
    if change == "removed_from_desks":
        DeskMembership.objects.filter(staff=staff).delete()
        return
    if change == "deactivated":
        staff.is_active = False
    elif change == "new_password":
        staff.set_password("a new password for the matrix 2026")
    elif change == "made_editor":
        staff.role = Role.EDITOR
    staff.save()


# The login steps answer by whether the role needs a second factor, not by desks.
SECOND_FACTOR_STEPS = ("staff/login/code/", "staff/login/authenticator/")
# Pages a supervisor or admin reaches by their organisation, not by their desks.
# Surveys are the organisation's too: built by its supervisors, whatever desks they work at.
ORGANISATION_ROUTES = (
    "console/categories/",
    "console/categories/<int:category_id>/",
    *(pattern for pattern in CLASSIFIED if pattern.startswith("surveys/")),
)
# (who, what changes, the matrix role whose column they are answered by afterwards)
HTTP_CHANGES = [
    ("counsellor", "deactivated", "anonymous"),
    ("counsellor", "new_password", "anonymous"),
    ("counsellor", "made_editor", "editor"),
    ("admin", "deactivated", "anonymous"),
    # A supervisor at no desk sees no desk's canned replies, as the volunteer sees neither youth nor study.
    ("supervisor", "removed_from_desks", "volunteer"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "change", "answered_as"), HTTP_CHANGES)
def test_every_url_answers_by_the_rights_after_a_change(username: str, change: str, answered_as: str) -> None:
    objects = matrix_objects()
    http = http_for(username)  # logged in before the change
    change_access(username, change)
    overrides = {step: username for step in SECOND_FACTOR_STEPS} if answered_as != "anonymous" else {}
    if change == "removed_from_desks":
        # The organisation's lists are kept by its supervisors, whatever desks they work at.
        overrides.update({route: username for route in ORGANISATION_ROUTES})
        # The audit log is the organisation's, read by role, not by desk: still the supervisor's.
        overrides["console/audit/"] = username
    wrong, changed = try_routes(answered_as, objects, set(all_url_patterns()), http=http, overrides=overrides)
    assert not wrong, f"{len(wrong)} cells differ for {username} {change}:\n" + "\n".join(map(str, wrong))
    assert not changed, "\n".join(changed)


SOCKET_CLOSED_AFTER = {"deactivated": 4401, "new_password": 4401, "made_editor": 4403}


@pytest.mark.parametrize("change", sorted(SOCKET_CLOSED_AFTER))
def test_every_staff_frame_after_a_change_that_ends_access(chat: Any, change: str) -> None:
    """One socket per frame type, opened before the change: each is closed and no frame is acted on."""
    from websockets.exceptions import ConnectionClosed

    from realtime.inbound import FRAMES
    from tests.chat_helpers import rows

    client = chat.client()
    conversation = chat.start(client, desk="youth")
    chat.take(chat.staff("counsellor"), conversation)
    sockets = {kind: chat.staff("counsellor") for kind in sorted(FRAMES["staff"])}
    before, row = rows(), conversation_row(conversation)
    change_access("counsellor", change)
    wrong: list[str] = []
    for kind, socket in sockets.items():
        fields, _table = STAFF_FRAMES[kind]
        fields = {k: (v if v != "{desk}" else 1) for k, v in fields.items()}
        with pytest.raises(ConnectionClosed) as closed:
            socket.send({"type": kind, "conversation": conversation, "ref": kind, **fields})
            while True:
                event = socket.recv(timeout=5)
                if event.get("ref") == kind:
                    wrong.append(f"{kind} after the change was answered: {event}")
        code = closed.value.rcvd.code if closed.value.rcvd is not None else None
        if code != SOCKET_CLOSED_AFTER[change]:
            wrong.append(f"{kind}: closed with {code}")
    assert not wrong, "\n".join(wrong)
    # Nothing done in the counsellor's name. One who may no longer answer loses the
    # conversation to the queue; a new password only ends the sessions made with the old one.
    after = conversation_row(conversation)
    if change == "new_password":
        assert after == row
    else:
        assert (after["status"], after["assigned_to_id"]) == ("queued", None)
    assert {k: v for k, v in after.items() if k not in ("status", "assigned_to_id", "queued_at", "last_seq")} == {
        k: v for k, v in row.items() if k not in ("status", "assigned_to_id", "queued_at", "last_seq")
    }
    assert rows()["notes"] == before["notes"]


def test_every_staff_frame_after_removal_from_the_desk(chat: Any, demo: Any) -> None:
    """The counsellor's socket stays open (he still answers at the parents desk); the youth
    conversation he was answering is answered as one of a desk he never worked at."""
    from realtime.inbound import FRAMES
    from tests.chat_helpers import rows

    client = chat.client()
    conversation = chat.start(client, desk="youth")
    counsellor = chat.staff("counsellor")
    chat.take(counsellor, conversation)
    change_access("counsellor", "removed_from_desks")
    counsellor.wait_for("gone", conversation=conversation)
    wrong: list[str] = []
    for kind in sorted(FRAMES["staff"]):
        fields, table = STAFF_FRAMES[kind]
        frame = {"type": kind, **{k: (demo["desks"]["parents"].pk if v == "{desk}" else v) for k, v in fields.items()}}
        if isinstance(table, str):
            expected = table
        else:
            # As the other organisation's counsellor is answered on the youth conversation.
            expected = table["studycounsellor"][TARGETS.index("youth")]
            frame["conversation"] = conversation
        before, row = rows(), conversation_row(conversation)
        got, _error = frame_outcome(counsellor, frame)
        if got != expected:
            wrong.append(f"{kind}: expected {expected}, got {got}")
        if got != "ok" and (rows() != before or conversation_row(conversation) != row):
            wrong.append(f"{kind} was refused but changed something")
    assert not wrong, "\n".join(wrong)
