"""The contact record's form: the counsellor's part after a conversation, and a contact outside Kohtaamo.

The choices are common.demographics' lists and the organisation's own
categories (stats.models.Category); the rules are stats.records'.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from common.demographics import (
    MUNICIPALITY_ELSEWHERE,
    MUNICIPALITY_UNKNOWN,
    AgeGroup,
    EducationLevel,
    Gender,
    LabourStatus,
    MotherTongue,
)
from console.history_forms import FinnishDateField
from desks.models import Desk
from stats.models import Category, CategoryKind, ContactRecord, Medium, Municipality
from stats.records import MAX_PEOPLE, Answers, categories_for

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class CategoryChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name) + ("" if obj.is_active else " " + str(_("(no longer in use)")))


def municipality_choices() -> list[tuple[str, str]]:
    """ "Not known" first, the region's municipalities in the page's language, then "another municipality"."""
    swedish = (get_language() or "").startswith("sv")
    rows = [(m.code, (m.name_sv or m.name) if swedish else m.name) for m in Municipality.objects.all()]
    rows.sort(key=lambda row: row[1])
    return [
        (MUNICIPALITY_UNKNOWN, str(_("Not known"))),
        *rows,
        (MUNICIPALITY_ELSEWHERE, str(_("Another municipality"))),
    ]


class RecordForm(forms.Form):
    """The counsellor's part of a contact record: what came up in the contact; every choice may be "not known"."""

    categories = CategoryChoiceField(
        label=_("Topics"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age_group = forms.ChoiceField(label=_("Age group"), choices=AgeGroup.choices, initial=AgeGroup.UNKNOWN)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN, widget=forms.RadioSelect
    )
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    mother_tongue = forms.ChoiceField(
        label=_("Mother tongue or language"), choices=MotherTongue.choices, initial=MotherTongue.UNKNOWN
    )
    education = forms.ChoiceField(
        label=_("Education level"), choices=EducationLevel.choices, initial=EducationLevel.UNKNOWN
    )
    labour_status = forms.ChoiceField(
        label=_("Labour-market status"), choices=LabourStatus.choices, initial=LabourStatus.UNKNOWN
    )
    interests = CategoryChoiceField(
        label=_("Field or interest"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    referral_given = forms.ChoiceField(
        label=_("Referral given"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you referred the client to another service.")},
    )

    def __init__(self, *args: Any, organisation_id: int | None, record: ContactRecord | None = None, **kwargs: Any):
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(record)
        super().__init__(*args, **kwargs)
        self.set_organisation(organisation_id, record)
        municipality = self.fields["municipality"]
        assert isinstance(municipality, forms.ChoiceField)
        municipality.choices = municipality_choices()
        self.fields["categories"].help_text = _("Choose every topic that came up.")

    def set_organisation(self, organisation_id: int | None, record: ContactRecord | None = None) -> None:
        """The lists of `organisation_id`; the categories the record already has stay even if retired."""
        keep = list(record.categories.values_list("pk", flat=True)) if record is not None and record.pk else []
        for name, kind in (("categories", CategoryKind.TOPIC), ("interests", CategoryKind.INTEREST)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            queryset: QuerySet[Category] = (
                categories_for(organisation_id, kind, keep=keep) if organisation_id else Category.objects.none()
            )
            field.queryset = queryset

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            categories=[*data["categories"], *data["interests"]],
            age_group=data["age_group"],
            gender=data["gender"],
            municipality=data.get("municipality") or MUNICIPALITY_UNKNOWN,
            mother_tongue=data["mother_tongue"],
            education=data["education"],
            labour_status=data["labour_status"],
            referral_given=data["referral_given"] == "yes",
        )


def initial_of(record: ContactRecord) -> dict[str, Any]:
    """A record's values as the form's first values (the client's own answers included)."""
    chosen = list(record.categories.all())
    initial: dict[str, Any] = {
        "categories": [c.pk for c in chosen if c.kind == CategoryKind.TOPIC],
        "interests": [c.pk for c in chosen if c.kind == CategoryKind.INTEREST],
        "age_group": record.age_group,
        "gender": record.gender,
        "municipality": record.municipality,
        "mother_tongue": record.mother_tongue,
        "education": record.education,
        "labour_status": record.labour_status,
    }
    if record.referral_given is not None:
        initial["referral_given"] = "yes" if record.referral_given else "no"
    return initial


class OutsideContactForm(RecordForm):
    """A contact outside Kohtaamo: how and when it happened, at which desk, how many people; then the same form."""

    medium = forms.ChoiceField(
        label=_("Contact method"),
        choices=[("", _("Choose…")), *((value, label) for value, label in Medium.choices if value != Medium.CHAT)],
        error_messages={"required": _("Choose how the contact happened.")},
    )
    day = FinnishDateField(label=_("Date"), help_text=_("day.month.year"))
    desk = forms.ChoiceField(label=_("Desk (optional)"), required=False)
    people = forms.IntegerField(
        label=_("Number of people"),
        min_value=1,
        max_value=MAX_PEOPLE,
        initial=1,
        error_messages={
            "required": _("Give the number of people."),
            "invalid": _("Give the number of people as a whole number."),
        },
    )

    field_order = ["medium", "day", "desk", "people"]

    def __init__(self, *args: Any, desks: list[Desk], organisation_id: int | None, **kwargs: Any):
        kwargs.setdefault("initial", {"day": timezone.localdate().strftime("%-d.%-m.%Y"), "people": 1})
        super().__init__(*args, organisation_id=organisation_id, **kwargs)
        self.desks = {str(desk.pk): desk for desk in desks}
        desk = self.fields["desk"]
        assert isinstance(desk, forms.ChoiceField)
        desk.choices = [("", _("No desk")), *((key, d.name) for key, d in self.desks.items())]
        self.fields["day"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "size": 12})
        self.fields["day"].error_messages["required"] = _("Give the date of the contact.")
        self.fields["people"].help_text = _("For a group session or a pop-up, how many people you reached.")
        # Formatted here, in the request's language (a lazy text formatted at import would be fixed in one).
        between = gettext("Give a number from 1 to %(max)s.") % {"max": MAX_PEOPLE}
        self.fields["people"].error_messages.update({"min_value": between, "max_value": between})
        self.fields["people"].widget.attrs.update({"inputmode": "numeric"})

    def chosen_desk(self) -> Desk | None:
        return self.desks.get(self.cleaned_data.get("desk") or "")
