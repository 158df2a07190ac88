"""A site's choice of desks: `org`, `desks` and `desk` on the client page, and deep links to one desk.

The demo has Jokilaakso's youth, homework and parents desks and Rantala's study desk
(demo/data.py). The page's config carries the warnings the page shows in the console.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.models import Conversation
from desks.models import Desk
from desks.selection import MAX_DESKS, select_desks

ALL = ["youth", "homework", "parents", "study"]

pytestmark = pytest.mark.usefixtures("demo")


def listed(response: Any) -> list[str]:
    """The desks the page offers, by the slugs of their headings, in the page's order."""
    assert response.status_code == 200
    return re.findall(r'<h3 class="k-desk-name" id="k-desk-([-\w]+)">', response.content.decode())


def warnings_of(response: Any) -> list[str]:
    found = re.search(r'<script id="kohtaamo-config" type="application/json">(.*?)</script>', response.content.decode())
    assert found
    return list(json.loads(found.group(1))["deskWarnings"])


def test_without_parameters_every_desk_is_listed() -> None:
    response = HttpClient().get("/")
    assert listed(response) == ALL
    assert warnings_of(response) == []


@pytest.mark.parametrize("path", ["/", "/embed/"])
def test_named_desks_only_in_the_desks_own_order(path: str) -> None:
    response = HttpClient().get(path, {"desks": "study,youth"})
    assert listed(response) == ["youth", "study"]
    assert warnings_of(response) == []


def test_an_organisation_lists_its_own_desks() -> None:
    assert listed(HttpClient().get("/", {"org": "rantala-college"})) == ["study"]
    assert listed(HttpClient().get("/", {"org": "jokilaakso"})) == ["youth", "homework", "parents"]


def test_named_desks_may_be_of_another_organisation_than_the_one_given() -> None:
    # A municipality's site: its own youth line and a regional line run by someone else.
    response = HttpClient().get("/", {"org": "jokilaakso", "desks": "youth,study"})
    assert listed(response) == ["youth", "study"]


def test_organisation_desks_and_language_together_and_the_language_links_keep_the_choice() -> None:
    response = HttpClient().get("/embed/", {"org": "jokilaakso", "desks": "homework", "lang": "sv"})
    assert listed(response) == ["homework"]
    html = response.content.decode()
    assert '<html lang="sv"' in html
    assert "Läxhjälpen" in html
    # Switching the language keeps the site's desk.
    assert 'href="?desks=homework&amp;lang=fi"' in html


def test_unknown_slugs_are_ignored_with_a_warning_for_the_sites_developer() -> None:
    response = HttpClient().get("/", {"desks": "homework,no-such-desk"})
    assert listed(response) == ["homework"]
    assert warnings_of(response) == ["Kohtaamo: no active desk 'no-such-desk'; ignored."]


def test_nothing_matching_lists_every_desk() -> None:
    response = HttpClient().get("/", {"org": "nowhere", "desks": "nothing"})
    assert listed(response) == ALL
    assert len(warnings_of(response)) == 3  # the desk, the organisation, and that every desk is shown


def test_an_inactive_desk_is_not_listed_even_when_named() -> None:
    Desk.objects.filter(slug="homework").update(is_active=False)
    response = HttpClient().get("/", {"desks": "homework,parents"})
    assert listed(response) == ["parents"]
    assert "homework" in warnings_of(response)[0]


@pytest.mark.parametrize(
    "params",
    [
        {"desks": "<script>alert(1)</script>"},
        {"desks": "youth'; DROP TABLE"},
        {"desks": "a" * 51},
        {"desks": ",".join(["youth"] * 2000)},
        {"org": "jokilaakso/../x"},
        {"desk": "ääkkönen"},
        {"desks": " , ,"},
    ],
)
def test_bad_parameters_never_make_an_error_page(params: dict[str, str]) -> None:
    response = HttpClient().get("/", params)
    assert listed(response) == ALL
    assert "<script>alert" not in response.content.decode()


def test_a_bad_slug_is_named_in_the_warning_but_only_as_data() -> None:
    response = HttpClient().get("/", {"desks": "youth,bad slug!"})
    assert listed(response) == ["youth"]
    assert warnings_of(response) == ["Kohtaamo: desks 'bad slug!' is not a slug (letters, digits, - and _); ignored."]


def test_at_most_so_many_desks_are_read() -> None:
    many = [f"desk-{n}" for n in range(MAX_DESKS + 5)] + ["study"]
    selection = select_desks({"desks": ",".join(many)})
    assert any(f"more than {MAX_DESKS}" in w for w in selection.warnings)
    # "study" came after the cut: nothing matched, so every desk.
    assert sorted(selection.desks.values_list("slug", flat=True)) == sorted(ALL)
    assert not selection.narrowed


@pytest.mark.parametrize("path", ["/d/homework/", "/?desk=homework", "/embed/?desk=homework"])
def test_a_deep_link_opens_that_desks_start(path: str) -> None:
    response = HttpClient().get(path)
    assert listed(response) == ["homework"]
    html = response.content.decode()
    # The desk's start: its button, and the rest of the start form.
    assert 'data-desk="homework"' in html
    assert 'id="k-nickname"' in html


def test_a_deep_link_to_an_unknown_desk_shows_every_desk() -> None:
    response = HttpClient().get("/d/no-such-desk/")
    assert listed(response) == ALL
    assert warnings_of(response) == [
        "Kohtaamo: no active desk 'no-such-desk'; ignored.",
        "Kohtaamo: nothing matched; every desk is shown.",
    ]


def test_the_deep_link_wins_over_the_desks_parameter() -> None:
    assert listed(HttpClient().get("/d/study/", {"desks": "youth"})) == ["study"]


def test_the_choice_is_a_presentation_filter_start_takes_any_active_desk(chat: Any) -> None:
    # The page lists only homework, but the socket's `start` admits a client to any active desk:
    # the choice is not a security boundary (desks.selection, docs/widget.md).
    assert listed(HttpClient().get("/", {"desks": "homework"})) == ["homework"]
    conversation = chat.start(chat.client(), "youth")
    assert Conversation.objects.get(pk=conversation).desk.slug == "youth"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(org=st.text(max_size=80), desks=st.text(max_size=1200), desk=st.text(max_size=80))
def test_any_parameters_give_active_desks_and_only_slugs_reach_a_query(org: str, desks: str, desk: str) -> None:
    selection = select_desks({"org": org, "desks": desks, "desk": desk})
    listed_slugs = list(selection.desks.values_list("slug", flat=True))
    assert listed_slugs and set(listed_slugs) <= set(ALL)
    assert selection.narrowed or sorted(listed_slugs) == sorted(ALL)
    assert all(len(w) < 200 for w in selection.warnings)
