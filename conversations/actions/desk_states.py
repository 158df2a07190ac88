"""What clients' start pages are told of the desks: open or closed now, and when that changes.

The rules of hours live in desks.hours (`desk_status`); this module turns them
into the protocol's `desks` event and announces changes to every start page.
A page asks with the `desks` frame (after its welcome, when told
`desks_changed`, and at the `changes_at` moment of a desk), so each answer is
in that page's language.
"""

from __future__ import annotations

from django.db.models import QuerySet

from common.events import desk_states_group, send_event
from conversations.actions.duty import someone_available
from conversations.actions.queue import arrival_wait
from conversations.outbound import DesksEvent, DeskState, desks_changed_event, desks_event
from desks.hours import desk_status, with_hours
from desks.models import Desk


def client_desks() -> QuerySet[Desk]:
    """The desks a client may contact, in the organisations' order, with their hours (three queries)."""
    return with_hours(Desk.objects.filter(is_active=True).select_related("organisation"))


def desk_state(desk: Desk) -> DeskState:
    """One desk's state now, in the active language."""
    status = desk_status(desk)
    answering = status.open and someone_available(desk)
    return {
        "slug": desk.slug,
        "open": status.open,
        # Inside the hours with nobody available the page says so (conversations.actions.duty.desk_answers_now).
        "answering": answering,
        # Roughly how long a client who starts now waits (conversations.actions.queue.arrival_wait).
        "wait_seconds": arrival_wait(desk) if answering else None,
        "status": status.status,
        "hours": status.hours,
        "changes_at": status.changes_at.isoformat() if status.changes_at else None,
    }


def desk_states_event(ref: str | None) -> DesksEvent:
    """The answer to a client's `desks` frame: every desk of the client page, as it is now."""
    return desks_event([desk_state(desk) for desk in client_desks()], ref)


def announce_desk_hours_changed() -> None:
    """After the commit, tell every start page that the desks' hours or state changed (they ask again).

    Called by the watchers of desks, opening periods and exceptions
    (conversations.access_changes), so an edit in the console or the admin
    reaches the clients alike. Several changes in one save send several
    events; the page waits a moment before it asks, so it asks once.
    """
    send_event(desk_states_group(), desks_changed_event(), audience="client")
