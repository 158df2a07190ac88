"""Changes of rights and desks, and the Django admin's actions, written to the audit log.

Who: the staff member of the request being answered (`acting_staff`, set by
audit.middleware.AuditActorMiddleware for every request of a logged-in staff
member). A change made outside a request (a management command, the shell, a
migration, the demo data) has nobody to name and is not audited: whoever can
run commands on the server can also write to the database directly, so a row
would prove nothing; the log answers what the application's users did.

What: the model signals are watched once, by conversations.access_changes,
which also tells open sockets about changes of access; it asks
`remember_before` for the stored values before a save and calls the `audit_*`
functions here after it. Only names of fields and their codes are written
(roles, languages, weekdays and times, user names of staff): never a text a
client wrote, nor a desk's texts for clients (only that they changed).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models

from accounts.models import Staff
from audit.actions import record
from audit.models import Action, ObjectKind
from desks.models import Desk, DeskMembership, OpeningException, OpeningPeriod

# A getter of the request's staff member (read lazily: most requests change nothing).
_actor: contextvars.ContextVar[Callable[[], object] | None] = contextvars.ContextVar("audit_actor", default=None)


@contextmanager
def acting(get_user: Callable[[], object]) -> Iterator[None]:
    """Changes made inside are audited as made by `get_user()` (a Staff member; anything else: nobody)."""
    token = _actor.set(get_user)
    try:
        yield
    finally:
        _actor.reset(token)


def acting_staff() -> Staff | None:
    """The logged-in staff member whose request is being answered; None outside a request."""
    get_user = _actor.get()
    user = get_user() if get_user is not None else None
    return user if isinstance(user, Staff) and user.pk is not None else None


# --- Staff members ----------------------------------------------------------------------------

# Fields whose change is a change of rights: role (STAFF_ROLE) and the others (STAFF_ACCESS).
STAFF_ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser", "organisation_id")
STAFF_FIELDS = ("role", *STAFF_ACCESS_FIELDS, "password")

# Desks: fields written as old -> new, and texts for clients said to have changed (not what they say).
DESK_FIELDS = (
    "organisation_id",
    "slug",
    "audience",
    "languages",
    "is_active",
    "bot_enabled",
    "queue_limit",
    # Calls through the relay only (docs/calls.md): who turned a privacy safeguard off, and when.
    "calls_relay_only",
)
DESK_TEXT_FIELDS = ("name", "description", "closed_message")

_BEFORE = "_audit_before"
# Weekdays as codes (desks.models.Weekday), so that the row reads the same in every language.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _desk_text_fields() -> list[str]:
    """The desk's texts per language (name_fi, name_sv, ... from desks/translation.py).

    Not the plain `name`: django-modeltranslation reads it in the active language.
    """
    names = {f.attname for f in Desk._meta.concrete_fields}
    return sorted(n for n in names if any(n.startswith(base + "_") for base in DESK_TEXT_FIELDS))


def _watched(instance: models.Model) -> list[str]:
    if isinstance(instance, Staff):
        return list(STAFF_FIELDS)
    if isinstance(instance, Desk):
        return [*DESK_FIELDS, *_desk_text_fields()]
    return []


def remember_before(instance: models.Model, **kwargs: Any) -> None:
    """Before a save of a staff member or desk: keep its stored values, to say afterwards what changed.

    Only when somebody is acting (otherwise nothing is audited) and the row exists.
    """
    if kwargs.get("raw") or instance.pk is None or acting_staff() is None:
        return
    fields = _watched(instance)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {f.removesuffix("_id") for f in fields} & {
        f.removesuffix("_id") for f in update_fields
    }:
        return  # e.g. the login stamp
    before = type(instance)._default_manager.filter(pk=instance.pk).values(*fields).first()
    setattr(instance, _BEFORE, before)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "–"
    return str(value)


def _changes(before: dict[str, Any], instance: models.Model, fields: Iterable[str]) -> list[tuple[str, str, str]]:
    """(field, old, new) for each of `fields` that differs; an organisation is named by its id."""
    changed = []
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if old != new:
            changed.append((name.removesuffix("_id"), _value(old), _value(new)))
    return changed


def audit_staff_saved(instance: Staff, created: bool) -> None:
    """After a staff member's save: a STAFF_ROLE row if the role changed, a STAFF_ACCESS row for the rest.

    A new account is audited as the admin's addition (ADMIN_ADD), not here.
    """
    before = instance.__dict__.pop(_BEFORE, None)
    actor = acting_staff()
    if created or before is None or actor is None:
        return
    role = _changes(before, instance, ["role"])
    if role:
        record(
            actor,
            Action.STAFF_ROLE,
            kind=ObjectKind.STAFF,
            object_id=instance.pk,
            detail=f"{instance.username}: role: {role[0][1]} → {role[0][2]}",
            organisation_id=instance.organisation_id or actor.organisation_id,
        )
    access = [f"{name}: {old} → {new}" for name, old, new in _changes(before, instance, STAFF_ACCESS_FIELDS)]
    if before.get("password") != instance.password:
        access.append("password changed by themselves" if actor.pk == instance.pk else "password set by an admin")
    if access:
        record(
            actor,
            Action.STAFF_ACCESS,
            kind=ObjectKind.STAFF,
            object_id=instance.pk,
            detail=f"{instance.username}: " + "; ".join(access),
            organisation_id=instance.organisation_id or actor.organisation_id,
        )


# --- Desks, their staff and opening hours -----------------------------------------------------


def audit_desk_saved(instance: Desk, created: bool) -> None:
    """After a desk's save: one DESK_CHANGE row naming what changed (a new desk: the admin's addition)."""
    before = instance.__dict__.pop(_BEFORE, None)
    actor = acting_staff()
    if created or before is None or actor is None:
        return
    parts = [f"{name}: {old} → {new}" for name, old, new in _changes(before, instance, DESK_FIELDS)]
    texts = sorted({name for name, _old, _new in _changes(before, instance, _desk_text_fields())})
    parts += [f"{name} changed" for name in texts]
    if parts:
        _record_desk(actor, Action.DESK_CHANGE, instance, "; ".join(parts))


def _record_desk(actor: Staff, action: Action, desk: Desk, detail: str) -> None:
    record(
        actor,
        action,
        kind=ObjectKind.DESK,
        object_id=desk.pk,
        desk=desk,
        detail=detail,
        organisation_id=desk.organisation_id,
    )


def _deleted_with_its_desk(kwargs: dict[str, Any]) -> bool:
    """A row deleted because its desk or staff member is (the admin's deletion is audited instead).

    The desk's own row is about to go: a row naming it would stop the deletion.
    """
    origin = kwargs.get("origin")
    return isinstance(origin, Desk | Staff) or (isinstance(origin, models.QuerySet) and origin.model in (Desk, Staff))


def audit_membership_changed(instance: DeskMembership, deleted: bool, **kwargs: Any) -> None:
    """A staff member added to or removed from a desk: one DESK_MEMBERS row."""
    actor = acting_staff()
    if actor is None or kwargs.get("raw") or (deleted and _deleted_with_its_desk(kwargs)):
        return
    if not deleted and not kwargs.get("created"):
        return  # saved again unchanged (a membership has nothing else to change)
    username = Staff.objects.filter(pk=instance.staff_id).values_list("username", flat=True).first() or ""
    desk = instance.desk
    _record_desk(actor, Action.DESK_MEMBERS, desk, f"{'removed' if deleted else 'added'}: {username}")


def audit_opening_changed(instance: OpeningPeriod, deleted: bool, **kwargs: Any) -> None:
    """An opening period added, changed or removed: one DESK_CHANGE row ("opening hours: added Mon 09:00-16:00")."""
    actor = acting_staff()
    if actor is None or kwargs.get("raw") or (deleted and _deleted_with_its_desk(kwargs)):
        return
    verb = "removed" if deleted else ("added" if kwargs.get("created") else "changed to")
    period = f"{WEEKDAYS[instance.weekday]} {instance.opens:%H:%M}-{instance.closes:%H:%M}"
    _record_desk(actor, Action.DESK_CHANGE, instance.desk, f"opening hours: {verb} {period}")


def audit_exception_changed(instance: OpeningException, deleted: bool, **kwargs: Any) -> None:
    """A dated exception added, changed or removed: one DESK_CHANGE row
    ("opening exception: added 06.12.2026 Closed"), whether made in the console or the admin."""
    actor = acting_staff()
    if actor is None or kwargs.get("raw") or (deleted and _deleted_with_its_desk(kwargs)):
        return
    verb = "removed" if deleted else ("added" if kwargs.get("created") else "changed to")
    days = f"{instance.starts_on:%d.%m.%Y}"
    if instance.ends_on != instance.starts_on:
        days += f"-{instance.ends_on:%d.%m.%Y}"
    what = instance.kind
    if instance.opens is not None and instance.closes is not None:
        what += f" {instance.opens:%H:%M}-{instance.closes:%H:%M}"
    _record_desk(actor, Action.DESK_CHANGE, instance.desk, f"opening exception: {verb} {days} {what}")


# --- The Django admin ---------------------------------------------------------------------------

_OBJECT_KINDS: dict[str, ObjectKind] = {
    "accounts.staff": ObjectKind.STAFF,
    "desks.desk": ObjectKind.DESK,
    "bot.topic": ObjectKind.TOPIC,
    "conversations.conversation": ObjectKind.CONVERSATION,
}


def admin_change_summary(message: str | list[dict[str, Any]]) -> str:
    """The admin's change message with only the names of fields and of kinds of rows.

    Django's message names the inline rows added or deleted by their text
    (a note, a message, a canned reply): that could be a client's words, so
    only the kind of row is kept ("added: desk membership"), never its text.
    """
    if isinstance(message, str):
        try:
            message = json.loads(message) if message else []
        except ValueError:
            return ""
    if not isinstance(message, list):
        return ""
    parts = []
    for entry in message:
        if not isinstance(entry, dict):
            continue
        for verb, what in entry.items():
            if not isinstance(what, dict):
                parts.append(verb)
                continue
            fields = ", ".join(str(f) for f in what.get("fields", []))
            name = str(what.get("name", ""))
            said = " ".join(p for p in (name, f"({fields})" if fields and name else fields) if p)
            parts.append(f"{verb}: {said}" if said else verb)
    return "; ".join(parts)


def audit_admin_action(staff: object, action: Action, obj: models.Model, message: object = "") -> None:
    """One admin addition, change or deletion of `obj`: its model and id, and what the admin's form changed.

    The row names the object by its model and id only: its text (a
    conversation's nickname, a message) never enters the log.
    """
    if not isinstance(staff, Staff):
        return
    label = obj._meta.label_lower
    kind = _OBJECT_KINDS.get(label, ObjectKind.OTHER)
    pk = obj.pk
    object_id = pk if isinstance(pk, int) else None
    summary = admin_change_summary(message) if isinstance(message, str | list) else ""
    detail = f"{label} {pk}" + (f": {summary}" if summary else "")
    record(
        staff,
        action,
        kind=kind if object_id is not None else None,
        object_id=object_id,
        detail=detail,
    )
