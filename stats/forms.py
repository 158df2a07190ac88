"""Forms of the statistics pages: the reach page's choices and the population upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from desks.models import Desk
from stats.population import MAX_FILE_BYTES


class ReachForm(forms.Form):
    """Which year's contacts, of which desk (or all in scope), against which year's population."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    desk = forms.ChoiceField(label=_("Desk"), required=False)
    population_year = forms.TypedChoiceField(
        label=_("Population figures of"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: Any, years: list[int], desks: list[Desk], population_years: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.desks = {str(desk.pk): desk for desk in desks}
        self._set_choices("year", [(y, str(y)) for y in years])
        self._set_choices("desk", [("", _("All")), *((key, d.name) for key, d in self.desks.items())])
        self._set_choices(
            "population_year",
            [("", _("The same year, or the newest before it")), *((y, str(y)) for y in population_years)],
        )

    def _set_choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def chosen_desk(self) -> Desk | None:
        return self.desks.get(self.cleaned_data.get("desk") or "")


class PopulationUploadForm(forms.Form):
    """A CSV file of Statistics Finland's table 11re and, optionally, which year's column to import."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Statistics Finland's table 11re saved as CSV, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1900,
        max_value=2100,
        help_text=_("Leave empty to import the newest year in the file."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 10 MB)."))
        return upload
