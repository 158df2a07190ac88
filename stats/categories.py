"""An organisation's own lists of topics and fields of interest for the counsellor's form.

Supervisors and admins of the organisation keep them (`may_manage_categories`):
add, rename, reorder and retire. A category is never deleted from the
application: old records keep their categories, and a retired one is only left
out of new forms (it can be taken back into use).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Staff
from stats.models import Category, CategoryKind

NAME_MAX_CHARS = 100


class CategoryError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def may_manage_categories(staff: Staff) -> bool:
    """Supervisors and admins of an organisation keep its lists."""
    return staff.may_supervise and staff.organisation_id is not None


def categories_of(staff: Staff) -> QuerySet[Category]:
    """The categories of `staff`'s organisation, in their order; none for anyone who may not keep them."""
    if not may_manage_categories(staff) or staff.organisation_id is None:
        return Category.objects.none()
    return Category.objects.filter(organisation_id=staff.organisation_id).order_by("kind", "position", "name", "pk")


def check_name(organisation_id: int, kind: str, name: str, *, exclude: int | None = None) -> str:
    """A category's name, its spaces tidied; unique within the organisation's list of its kind."""
    name = " ".join(name.split())
    if not name:
        raise CategoryError(_("Write a name."))
    if len(name) > NAME_MAX_CHARS:
        raise CategoryError(_("At most %(count)s characters.") % {"count": NAME_MAX_CHARS})
    same = Category.objects.filter(organisation_id=organisation_id, kind=kind, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise CategoryError(_("The list already has “%(name)s”.") % {"name": name})
    return name


def do_add_category(staff: Staff, kind: str, name: str) -> Category:
    """Add a category at the end of its list."""
    if kind not in CategoryKind.values:
        raise CategoryError(_("Choose a list."))
    assert staff.organisation_id is not None
    with transaction.atomic():
        name = check_name(staff.organisation_id, kind, name)
        last = Category.objects.filter(organisation_id=staff.organisation_id, kind=kind).aggregate(m=Max("position"))
        return Category.objects.create(
            organisation_id=staff.organisation_id, kind=kind, name=name, position=(last["m"] or 0) + 1
        )


def do_rename_category(category: Category, name: str) -> Category:
    """A new name: the records that have it show the new one too (a correction, not a new category)."""
    with transaction.atomic():
        category.name = check_name(category.organisation_id, category.kind, name, exclude=category.pk)
        category.save(update_fields=["name"])
    return category


def do_move_category(category: Category, step: int) -> None:
    """Move a category one place up (-1) or down (+1) in its list; the ends stay put."""
    with transaction.atomic():
        siblings = list(
            Category.objects.select_for_update()
            .filter(organisation_id=category.organisation_id, kind=category.kind)
            .order_by("position", "name", "pk")
        )
        index = next(i for i, c in enumerate(siblings) if c.pk == category.pk)
        other = index + step
        if not 0 <= other < len(siblings):
            return
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position"])


def do_set_category_active(category: Category, active: bool) -> None:
    """Retire a category (new forms leave it out; records keep it) or take it back into use."""
    category.is_active = active
    category.save(update_fields=["is_active"])
