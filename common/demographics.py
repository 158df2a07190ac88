"""The vocabularies of an anonymous contact record: age groups, genders, education, work, languages.

One list each, read by the client's optional questions (conversations), the
counsellor's form and the reports (stats) and the population import (reach).
Each list ends with "not known": nothing is ever required of a client, and a
counsellor records only what came up. The groups follow what funders ask for:
an ESF+ participant report needs under 30 and 55 or over, ISCED 0-2 / 3-4 / 5-8
and employed / unemployed / long-term unemployed / inactive.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgeGroup(models.TextChoices):
    UNDER_13 = "under_13", _("Under 13")
    AGE_13_15 = "13_15", _("13–15")
    AGE_16_17 = "16_17", _("16–17")
    AGE_18_24 = "18_24", _("18–24")
    AGE_25_29 = "25_29", _("25–29")
    AGE_30_44 = "30_44", _("30–44")
    AGE_45_54 = "45_54", _("45–54")
    AGE_55_64 = "55_64", _("55–64")
    AGE_65_PLUS = "65_plus", _("65 or over")
    UNKNOWN = "unknown", _("Not known")


# The ages (inclusive) each group covers, for adding up a population by single years of age.
AGE_BOUNDS: dict[str, tuple[int, int]] = {
    AgeGroup.UNDER_13: (0, 12),
    AgeGroup.AGE_13_15: (13, 15),
    AgeGroup.AGE_16_17: (16, 17),
    AgeGroup.AGE_18_24: (18, 24),
    AgeGroup.AGE_25_29: (25, 29),
    AgeGroup.AGE_30_44: (30, 44),
    AgeGroup.AGE_45_54: (45, 54),
    AgeGroup.AGE_55_64: (55, 64),
    AgeGroup.AGE_65_PLUS: (65, 200),
}


def age_group_of(age: int) -> str:
    """The group of a single year of age."""
    for group, (low, high) in AGE_BOUNDS.items():
        if low <= age <= high:
            return group
    return AgeGroup.UNKNOWN


class Gender(models.TextChoices):
    GIRL_WOMAN = "girl_woman", _("Girl or woman")
    BOY_MAN = "boy_man", _("Boy or man")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class EducationLevel(models.TextChoices):
    BASIC = "basic", _("Basic education or less")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary (general or vocational)")
    HIGHER = "higher", _("Higher education")
    UNKNOWN = "unknown", _("Not known")


class LabourStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed or self-employed")
    UNEMPLOYED = "unemployed", _("Unemployed")
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", _("Long-term unemployed (over 12 months)")
    STUDENT = "student", _("In education")
    INACTIVE = "inactive", _("Outside the labour force (at home, on leave, retired)")
    UNKNOWN = "unknown", _("Not known")


class MotherTongue(models.TextChoices):
    """A client's mother tongue or the language they prefer, as the counsellor heard it."""

    FI = "fi", _("Finnish")
    SV = "sv", _("Swedish")
    SE = "se", _("Sámi")
    EN = "en", _("English")
    RU = "ru", _("Russian")
    UK = "uk", _("Ukrainian")
    ET = "et", _("Estonian")
    AR = "ar", _("Arabic")
    SO = "so", _("Somali")
    FA = "fa", _("Persian or Dari")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


# A municipality not in the region's list, and one nobody knows.
MUNICIPALITY_ELSEWHERE = "other"
MUNICIPALITY_UNKNOWN = ""
