"""The console header's statistics links: the count of contact records left to fill in
(stats.records.own_incomplete), and who sees the lists, reports and reach links."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Staff
from stats.categories import may_manage_categories
from stats.records import own_incomplete
from stats.reports import may_read_reports

register = template.Library()


@register.simple_tag
def records_to_fill(staff: Any) -> int:
    """How many of `staff`'s own contact records wait for the form (one count query; 0 for anyone else)."""
    if not isinstance(staff, Staff) or not staff.may_answer:
        return 0
    return own_incomplete(staff).count()


@register.filter
def keeps_categories(staff: Any) -> bool:
    """Whether `staff` keeps the organisation's lists of topics and fields of interest."""
    return isinstance(staff, Staff) and may_manage_categories(staff)


@register.filter
def reads_reports(staff: Any) -> bool:
    """Whether `staff` reads reports and reach (stats.reports.may_read_reports: the same rule as the pages)."""
    return isinstance(staff, Staff) and may_read_reports(staff)
