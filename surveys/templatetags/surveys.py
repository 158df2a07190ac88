"""Template filters of the surveys: the console's header asks whether to show its "Surveys" link."""

from __future__ import annotations

from django import template

from accounts.models import Staff
from surveys.actions import may_read_surveys

register = template.Library()


@register.filter(name="may_read_surveys")
def may_read_surveys_filter(staff: object) -> bool:
    """`{% if staff|may_read_surveys %}`: the rule of surveys.actions.may_read_surveys, for a template."""
    return isinstance(staff, Staff) and may_read_surveys(staff)
