"""Desks in every language: names required in fi, sv and en, texts shown in the reader's language,
and the organisation's order of desks (the youth desk first)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.data import DESKS
from desks.models import DESK_LANGUAGES, Audience, Desk, desk_names
from tests.accounts.test_accounts import HttpClient, code_for, log_in
from tests.chat_helpers import Chat
from tests.support.demo import DESK_NAMES
from tests.support.factories import DeskFactory, OrganisationFactory


def admin_client(lang: str = "en") -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=lang)
    log_in(http, "admin")
    device = TOTPDevice.objects.get(user__username="admin")
    assert http.post("/staff/login/code/", {"token": code_for(device)})["Location"] == "/console/"
    return http


def test_every_demo_desk_has_its_texts_in_every_language() -> None:
    for desk in DESKS:
        assert all(desk.name.get(lang, "").strip() for lang in DESK_LANGUAGES), desk.slug
        for texts in (desk.description, desk.closed_message):
            # A text is written in all three languages or in none.
            assert {bool(texts.get(lang, "").strip()) for lang in DESK_LANGUAGES} in ({True}, {False}), desk.slug
    assert DESKS[0].slug == "youth"


def test_every_stored_desk_is_named_in_every_language(demo: Any) -> None:
    for desk in Desk.objects.all():
        names = {lang: getattr(desk, f"name_{lang}") for lang in DESK_LANGUAGES}
        assert all(names.values()) and desk_names(desk) == names, desk.slug


@pytest.mark.parametrize("missing", ["name_sv", "name_en"])
def test_a_desk_without_a_swedish_or_english_name_cannot_be_saved(db: Any, missing: str) -> None:
    organisation = OrganisationFactory.create()
    fields = {"name_fi": "Testilinja", "name_sv": "Testlinjen", "name_en": "Test desk", missing: ""}
    desk = Desk(organisation=organisation, slug="test", audience=Audience.YOUTH, **fields)
    with pytest.raises(ValidationError) as refused:
        desk.full_clean()
    assert missing in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        desk.save()
    fields[missing] = None  # type: ignore[assignment]
    with pytest.raises(IntegrityError), transaction.atomic():
        Desk.objects.create(organisation=organisation, slug="test2", audience=Audience.YOUTH, **fields)
    assert not Desk.objects.filter(slug__startswith="test").exists()


def test_the_admin_asks_for_every_name_and_saves_a_desk_with_them(demo: Any) -> None:
    http = admin_client()
    form = http.get("/admin/desks/desk/add/").content.decode()
    for lang in DESK_LANGUAGES:
        assert f'name="name_{lang}"' in form and f'name="description_{lang}"' in form
    data = {
        "organisation": str(demo["desks"]["youth"].organisation_id),
        "slug": "evening",
        "name_fi": "Iltalinja",
        "name_sv": "",
        "name_en": "Evening desk",
        "audience": Audience.YOUTH,
        "languages": "fi,sv,en",
        "is_active": "on",
        "position": "5",
        **{
            f"{prefix}-{key}": value
            for prefix in ("opening_periods", "opening_exceptions", "memberships")
            for key, value in EMPTY_FORMSET
        },
    }
    refused = http.post("/admin/desks/desk/add/", data)
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert not Desk.objects.filter(slug="evening").exists()

    saved = http.post("/admin/desks/desk/add/", {**data, "name_sv": "Kvällslinjen"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    desk = Desk.objects.get(slug="evening")
    assert desk_names(desk) == {"fi": "Iltalinja", "sv": "Kvällslinjen", "en": "Evening desk"}
    # Position 5 puts it before the youth desk (10) everywhere desks are listed.
    assert list(Desk.objects.values_list("slug", flat=True))[:2] == ["evening", "youth"]


EMPTY_FORMSET = [("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000")]


def desk_headings(html: str) -> list[str]:
    return [unescape(name) for name in re.findall(r'<h3 class="k-desk-name"[^>]*>([^<]+)</h3>', html)]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_client_page_lists_desks_in_the_organisations_order_and_the_clients_language(demo: Any, lang: str) -> None:
    page = HttpClient(HTTP_ACCEPT_LANGUAGE=lang).get(f"/?lang={lang}").content.decode()
    slugs = [desk.slug for desk in DESKS]
    assert desk_headings(page) == [DESK_NAMES[slug][lang] for slug in slugs]
    youth = next(desk for desk in DESKS if desk.slug == "youth")
    assert youth.description[lang] in unescape(page)
    for other in set(DESK_LANGUAGES) - {lang}:
        assert youth.description[other] not in unescape(page)

    # The organisation moves the study desk first: the page follows.
    Desk.objects.filter(slug="study").update(position=1)
    page = HttpClient(HTTP_ACCEPT_LANGUAGE=lang).get(f"/?lang={lang}").content.decode()
    assert desk_headings(page)[0] == DESK_NAMES["study"][lang]


def test_the_console_lists_desks_in_the_organisations_order(chat: Chat, demo: Any) -> None:
    Desk.objects.filter(slug="parents").update(position=1)
    welcome = chat.staff("supervisor", hello=False).hello(lang="sv")
    assert [d["slug"] for d in welcome["desks"]] == ["parents", "youth", "homework"]
    assert [d["name"] for d in welcome["desks"]] == [DESK_NAMES[s]["sv"] for s in ("parents", "youth", "homework")]


def test_a_desk_reads_its_texts_in_the_active_language_with_finnish_for_a_missing_one(db: Any) -> None:
    desk = DeskFactory.create(
        name_fi="Linja", name_sv="Linjen", name_en="Line", description_fi="Kuvaus", description_sv=""
    )
    for lang, name in (("fi", "Linja"), ("sv", "Linjen"), ("en", "Line")):
        with translation.override(lang):
            assert desk.name == name and desk.description == "Kuvaus"


def test_seeding_again_translates_a_demo_desk_left_finnish_by_the_migration(demo: Any) -> None:
    from demo.data import seed_demo

    Desk.objects.filter(slug="youth").update(name_sv="Nuorten chat", name_en="Nuorten chat", description_sv="")
    seed_demo(brain=False)
    assert desk_names(Desk.objects.get(slug="youth")) == DESK_NAMES["youth"]
    # A desk an admin has translated is left as it is.
    Desk.objects.filter(slug="parents").update(name_en="Parents' chat")
    seed_demo(brain=False)
    assert desk_names(Desk.objects.get(slug="parents"))["en"] == "Parents' chat"


def test_desks_are_written_in_the_service_s_languages(settings: Any) -> None:
    """One list of languages: the desks' fields, the constraint and modeltranslation follow settings.LANGUAGES."""
    languages = tuple(code for code, _label in settings.LANGUAGES)
    assert DESK_LANGUAGES == languages == tuple(settings.MODELTRANSLATION_LANGUAGES)
