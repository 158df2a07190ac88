"""The Django admin in Finnish and Swedish, with Kohtaamo's name (kohtaamo/admin_site.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from tests.languages.test_desk_languages import admin_client

HEADERS = {"fi": "Kohtaamon ylläpito", "sv": "Kohtaamos administration", "en": "Kohtaamo administration"}


def shown_models() -> list[Any]:
    """Every model the admin shows, with the models of its inlines."""
    models = []
    for model, model_admin in admin.site._registry.items():
        models.append(model)
        models += [inline.model for inline in model_admin.inlines]
    return models


def label_problems(lang: str) -> list[str]:
    """Labels of models and fields the admin shows that have no translation in `lang`."""
    catalog = trans_real.translation(lang)
    problems = []

    def check(what: str, label: Any) -> None:
        if not isinstance(label, Promise):
            problems.append(f"{what}: {label!r} is not marked for translation")
            return
        with translation.override("en"):
            english = str(label)
        if catalog.gettext(english) == english and english not in catalog._catalog:  # type: ignore[attr-defined]
            problems.append(f"{what}: {english!r} has no {lang} translation")

    for model in shown_models():
        meta = model._meta
        check(f"{meta.label}", meta.verbose_name)
        check(f"{meta.label} (plural)", meta.verbose_name_plural)
        for field in meta.get_fields():
            if getattr(field, "concrete", False) and not field.auto_created:
                # A language's field (name_sv) is labelled "<the original's label> [sv]" (modeltranslation).
                original = getattr(field, "translated_field", field)
                check(f"{meta.label}.{field.name}", original.verbose_name)
    return problems


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_model_and_field_the_admin_shows_is_translated(db: Any, lang: str) -> None:
    assert not label_problems(lang), "\n".join(label_problems(lang))


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_admin_carries_kohtaamos_name_in_the_staff_members_language(demo: Any, lang: str) -> None:
    http = admin_client(lang)
    index = http.get("/admin/").content.decode()
    assert HEADERS[lang] in index and "Django" not in index
    desks = http.get("/admin/desks/desk/").content.decode()
    assert "<title>" in desks and HEADERS[lang] in desks
    labels = {"fi": "Järjestys", "sv": "Ordning", "en": "Position"}
    assert labels[lang] in desks
