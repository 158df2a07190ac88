"""The one error block of every form (console/_form_errors.html): what each page's form shows on a mistake.

Nine pages had their own copy of the block; the include keeps what they
showed: an alert read at once (role="alert"), the id #form-errors, tabindex="-1"
on the forms that post, the form's own errors beneath the first sentence.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.test import Client as HttpClient
from django.utils import translation

from demo.data import DEMO_PASSWORD
from tests.wsclient import staff_cookie


class Form(forms.Form):
    name = forms.CharField()

    def clean(self) -> dict[str, Any]:
        if self.data.get("name") == "both":
            raise forms.ValidationError("Not both at once.")
        return self.cleaned_data


def block(**context: Any) -> str:
    with translation.override("en"):
        html = render_to_string("console/_form_errors.html", context)
    return re.sub(r"\s+", " ", html).strip()


def test_nothing_is_shown_for_a_form_without_errors() -> None:
    assert block(form=Form()) == ""
    assert block(form=Form({"name": "ok"})) == ""


def test_a_form_with_errors_shows_the_alert_and_its_own_errors() -> None:
    assert block(form=Form({})) == (
        '<div class="form-error" role="alert" id="form-errors"> <p>Please correct the marked fields.</p> </div>'
    )
    assert block(form=Form({"name": "both"}), focus=True) == (
        '<div class="form-error" role="alert" id="form-errors" tabindex="-1"> '
        "<p>Please correct the marked fields.</p> <p>Not both at once.</p> </div>"
    )


def test_a_page_may_give_its_own_sentence_problems_and_error() -> None:
    html = block(form=Form(), show=True, message="Nothing was imported.", problems=["Line 2: x", "Line 3: y"])
    assert html == (
        '<div class="form-error" role="alert" id="form-errors"> <p>Nothing was imported.</p> '
        "<ul><li>Line 2: x</li><li>Line 3: y</li></ul> </div>"
    )
    assert "<p>The topic is locked.</p>" in block(form=Form(), show=True, error="The topic is locked.")


def test_the_finnish_block() -> None:
    with translation.override("fi"):
        html = render_to_string("console/_form_errors.html", {"form": Form({})})
    assert "<p>Korjaa merkityt kentät.</p>" in html


def test_the_pages_show_the_block(demo: Any) -> None:
    admin = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_cookie(admin, "admin", DEMO_PASSWORD, otp=True)
    for path, query in (
        ("/console/reports/", {"since": "32.1.2026"}),
        ("/console/feedback/", {"since": "32.1.2026"}),
        ("/stats/reach/", {"year": "1800"}),
    ):
        page = admin.get(path, query).content.decode()
        assert '<div class="form-error" role="alert" id="form-errors">' in page, path
        assert "<p>Please correct the marked fields.</p>" in page, path
    page = admin.post("/stats/population/", {"year": "2024"}).content.decode()
    assert '<div class="form-error" role="alert" id="form-errors" tabindex="-1">' in page
    assert "<p>Please correct the marked fields.</p>" in page
