"""The console header's link to the desks and their opening hours, for those who keep any (desks.actions)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Staff
from desks.actions import may_keep_hours

register = template.Library()


@register.filter
def keeps_desk_hours(staff: Any) -> bool:
    """Whether `staff` keeps some desk's opening hours (the same rule as the pages: desks.actions.may_keep_hours)."""
    return isinstance(staff, Staff) and may_keep_hours(staff)
