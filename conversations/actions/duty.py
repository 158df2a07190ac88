"""Who answers now: presence, open consoles, the limit of simultaneous conversations, and a desk that answers.

The rules of item 2 of issue 13, in one place:
- on duty at a desk: works there (`desks.actions.staff_of_desk`), has the console
  open (a `duty.models.ConsoleSocket` seen within `DUTY_SOCKET_EXPIRY_SECONDS`)
  and is available or busy (`duty.models.Presence`; no row = available);
- may take a new conversation (`answering_staff`): on duty, available, and
  fewer conversations in progress than their own limit (`max_conversations_of`);
- a desk answers now (`desk_answers_now`): inside its hours (`desks.hours.is_open`)
  and somebody on duty there is available. Inside the hours with nobody
  available, clients are told so honestly instead of "open".

Changes are told after the commit: the desk's staff get a `duty` event, and
every client start page `desks_changed` when a desk's answering state changed
(sent only on a change, so that a counsellor's sockets opening and closing do
not reach thousands of clients each time); the pages then ask `desks` again,
whose `answering` is `desk_answers_now` (conversations.actions.desk_states).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import CHAT_ROLES, Staff
from audit.actions import record
from audit.models import Action, ObjectKind
from common.events import deliver, desk_group, desk_states_group, send_events_after_commit
from conversations.errors import ChatError
from conversations.models import Conversation, Status
from conversations.outbound import DutyEvent, desks_changed_event, duty_event
from desks.actions import desks_for_staff, staff_of_desk
from desks.hours import is_open, with_hours
from desks.models import Desk
from duty.models import ConsoleSocket, Presence, Shift
from duty.models import Status as PresenceStatus
from duty.shifts import check_shift_times

ON_DUTY_STATUSES = (PresenceStatus.AVAILABLE, PresenceStatus.BUSY)


@dataclass(frozen=True)
class OnDuty:
    """A staff member on duty at a desk, as the console shows them."""

    staff_id: int
    name: str
    status: str


def max_conversations_of(staff: Staff) -> int:
    """The staff member's own limit of simultaneous conversations, else `DUTY_DEFAULT_MAX_CONVERSATIONS`."""
    presence = Presence.objects.filter(staff=staff).first()
    if presence is not None and presence.max_conversations:
        return int(presence.max_conversations)
    return int(settings.DUTY_DEFAULT_MAX_CONVERSATIONS)


def status_of(staff: Staff) -> str:
    """The staff member's own status (available when they never set one)."""
    presence = Presence.objects.filter(staff=staff).first()
    return presence.status if presence is not None else PresenceStatus.AVAILABLE


def _live_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.DUTY_SOCKET_EXPIRY_SECONDS)


def present_staff() -> QuerySet[Staff]:
    """Staff with the console open now (a socket seen within `DUTY_SOCKET_EXPIRY_SECONDS`)."""
    return Staff.objects.filter(console_sockets__seen_at__gte=_live_cutoff()).distinct()


def _with_status(staff: QuerySet[Staff], statuses: Iterable[str]) -> QuerySet[Staff]:
    wanted = list(statuses)
    condition = Q(presence__status__in=wanted)
    if PresenceStatus.AVAILABLE in wanted:
        condition |= Q(presence__isnull=True)
    return staff.filter(condition)


def on_duty(desk: Desk) -> list[OnDuty]:
    """Who is on duty at `desk` now (console open, available or busy), by name."""
    people = _with_status(staff_of_desk(desk).filter(pk__in=present_staff()), ON_DUTY_STATUSES)
    rows = [
        OnDuty(person.pk, person.public_name, person.presence.status if _has_presence(person) else "available")
        for person in people.select_related("presence")
    ]
    return sorted(rows, key=lambda row: (row.name.casefold(), row.staff_id))


def _has_presence(staff: Staff) -> bool:
    try:
        staff.presence  # noqa: B018 - the reverse one-to-one raises when there is no row
    except Presence.DoesNotExist:
        return False
    return True


@dataclass(frozen=True)
class Load:
    """An available counsellor on duty at a desk: their own limit and their conversations in progress (any desk)."""

    staff: Staff
    limit: int
    in_progress: int


def available_loads(desk: Desk) -> list[Load]:
    """Everybody on duty and available at `desk` now, with their limit and load (one query)."""
    candidates = (
        _with_status(staff_of_desk(desk).filter(pk__in=present_staff()), [PresenceStatus.AVAILABLE])
        .select_related("presence")
        .annotate(in_progress=Count("conversations", filter=Q(conversations__status=Status.ACTIVE), distinct=True))
    )
    default = int(settings.DUTY_DEFAULT_MAX_CONVERSATIONS)
    loads: list[Load] = []
    for person in candidates:
        own = person.presence.max_conversations if _has_presence(person) else None
        loads.append(Load(person, int(own or default), int(person.in_progress)))
    return loads


def answering_staff(desk: Desk) -> list[Staff]:
    """Who can take a new conversation at `desk` now: on duty, available, under their own limit."""
    return [load.staff for load in available_loads(desk) if load.in_progress < load.limit]


def desk_capacity(desk: Desk) -> tuple[int, int]:
    """How many conversations the counsellors available at `desk` take at once, and how many of those places are free.

    The places are the sum of their own limits; a busy or away counsellor has
    none (they take no new conversations). The queue's wait estimate reads it
    (conversations.actions.queue.wait_estimates).
    """
    loads = available_loads(desk)
    return sum(load.limit for load in loads), sum(max(0, load.limit - load.in_progress) for load in loads)


def someone_available(desk: Desk) -> bool:
    """Somebody on duty at `desk` is available (their limit aside: a full counsellor frees up soon)."""
    return _with_status(staff_of_desk(desk).filter(pk__in=present_staff()), [PresenceStatus.AVAILABLE]).exists()


def desk_answers_now(desk: Desk, at: dt.datetime | None = None) -> bool:
    """Whether a person answers at `desk` now: inside its hours (`is_open`) and somebody available there."""
    return is_open(desk, at) and someone_available(desk)


def desk_availability(desk: Desk) -> tuple[bool, bool]:
    """What clients are told of a desk: open (inside its hours), and answering (and somebody available)."""
    open_now = is_open(desk)
    return open_now, open_now and someone_available(desk)


def check_at_limit(staff: Staff) -> None:
    """Refuse a new conversation to a staff member who has as many in progress as their limit."""
    limit = max_conversations_of(staff)
    in_progress = Conversation.objects.filter(assigned_to=staff, status=Status.ACTIVE).count()
    if in_progress >= limit:
        raise ChatError(
            "at_limit",
            ngettext(
                "You already have %(count)s conversation going, which is your limit. "
                "End it first, or raise your limit in your status.",
                "You already have %(count)s conversations going, which is your limit. "
                "End one first, or raise your limit in your status.",
                in_progress,
            )
            % {"count": in_progress},
        )


def check_may_be_offered(staff: Staff) -> None:
    """Refuse to pass a conversation to a colleague who is busy or away (they take no new conversations)."""
    if status_of(staff) != PresenceStatus.AVAILABLE:
        raise ChatError("bad_message", _("That colleague is not taking new conversations right now."), field="staff")


# --- Telling parties ------------------------------------------------------------------------------


def duty_snapshot(desk: Desk) -> DutyEvent:
    """The `duty` event of a desk: who is on duty there and their status."""
    people = on_duty(desk)
    return duty_event(
        desk.pk,
        [(person.staff_id, person.name, person.status) for person in people],
        answering=desk_answers_now(desk),
    )


class AvailabilityPublisher:
    """Tells clients' start pages when a desk starts or stops answering, and only then (`desks_changed`).

    Each process remembers what it last sent per desk; a presence change that
    does not change a desk's answering state sends nothing to clients. With
    several processes a change may be sent by each (harmless, the same state).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[int, tuple[bool, bool]] = {}

    def changed(self, desks: Iterable[Desk]) -> None:
        states = [(desk.pk, desk_availability(desk)) for desk in desks]
        news = False
        with self._lock:
            for desk_id, pair in states:
                if self._sent.get(desk_id) != pair:
                    self._sent[desk_id] = pair
                    news = True
        if news:
            # The pages ask `desks` again, each in its own language (conversations.actions.desk_states).
            deliver(desk_states_group(), desks_changed_event(), audience="client")

    def forget(self) -> None:
        """Forget what was sent (tests start from a fresh state)."""
        with self._lock:
            self._sent.clear()


AVAILABILITY = AvailabilityPublisher()


# The desks whose duty changed in this thread's transaction, published once at its commit.
_pending = threading.local()


def publish_duty(desk_ids: Iterable[int]) -> None:
    """After commit: a `duty` event to each desk's staff, and `desks_changed` to clients when answering changed.

    Coalesced per transaction: seeding the demo or a week's hours saves and
    deletes dozens of rows in one transaction, each of whose watchers calls
    this; the desks are gathered in this thread's pending set and published
    once, by the first of the commit's callbacks (the others find nothing left).
    A transaction that rolls back leaves its desks pending; the next commit in
    the thread publishes them too, which only refreshes what staff see.
    """
    ids = set(desk_ids)
    if not ids:
        return
    pending: set[int] | None = getattr(_pending, "desks", None)
    if pending is None:
        pending = _pending.desks = set()
    pending.update(ids)
    send_events_after_commit(_publish_pending)


def _publish_pending() -> None:
    # Lazily: the queue reads this module's desk_capacity for its wait estimates.
    from conversations.actions.queue import DESK_PUBLISHER

    pending: set[int] | None = getattr(_pending, "desks", None)
    if not pending:
        return
    ids = sorted(pending)
    pending.clear()
    desks = list(with_hours(Desk.objects.filter(pk__in=ids)))
    for desk in desks:
        deliver(desk_group(desk.pk), duty_snapshot(desk))
    AVAILABILITY.changed(desks)
    # Who answers changed: waiting clients get their estimated wait again (when it changed).
    DESK_PUBLISHER.changed(ids)


def _desk_ids_of(staff_ids: Iterable[int]) -> set[int]:
    ids: set[int] = set()
    for person in Staff.objects.filter(pk__in=set(staff_ids)):
        ids |= set(desks_for_staff(person).values_list("pk", flat=True))
    return ids


# --- Changing state -------------------------------------------------------------------------------


def check_presence(status: str, max_conversations: int | None) -> None:
    """A status from the list, and a limit from 1 to `DUTY_MAX_CONVERSATIONS_CAP`."""
    if status not in PresenceStatus.values:
        raise ChatError("bad_message", _("Choose available, busy or away."), field="status")
    if max_conversations is not None and not 1 <= max_conversations <= settings.DUTY_MAX_CONVERSATIONS_CAP:
        raise ChatError(
            "bad_message",
            _("The limit must be from 1 to %(cap)s conversations.") % {"cap": settings.DUTY_MAX_CONVERSATIONS_CAP},
            field="max_conversations",
        )


def do_set_presence(staff: Staff, status: str, *, max_conversations: int | None = None) -> Presence:
    """Set the staff member's status (and their limit, when given); their desks' staff and clients are told."""
    if not staff.may_answer:
        raise ChatError("forbidden", _("Your role does not answer conversations."))
    check_presence(status, max_conversations)
    with transaction.atomic():
        presence, _created = Presence.objects.select_for_update().get_or_create(staff=staff)
        presence.status = status
        if max_conversations is not None:
            presence.max_conversations = max_conversations
        presence.save()
        publish_duty(desks_for_staff(staff).values_list("pk", flat=True))
    return presence


def do_console_opened(staff: Staff, channel_name: str) -> None:
    """A staff socket opened: the staff member is in the console (on duty unless away)."""
    with transaction.atomic():
        ConsoleSocket.objects.update_or_create(
            channel_name=channel_name, defaults={"staff": staff, "seen_at": timezone.now()}
        )
        publish_duty(desks_for_staff(staff).values_list("pk", flat=True))


def do_console_closed(channel_name: str) -> None:
    """A staff socket closed: without another open console its staff member is no longer on duty."""
    with transaction.atomic():
        staff_ids = list(ConsoleSocket.objects.filter(channel_name=channel_name).values_list("staff_id", flat=True))
        ConsoleSocket.objects.filter(channel_name=channel_name).delete()
        publish_duty(_desk_ids_of(staff_ids))


def do_console_heartbeat(channel_name: str, staff: Staff) -> None:
    """The socket is alive: renew its row (writing it again if it expired), and expire other processes' dead rows."""
    now = timezone.now()
    with transaction.atomic():
        stale = list(ConsoleSocket.objects.filter(seen_at__lt=_live_cutoff()).values_list("staff_id", flat=True))
        if stale:
            ConsoleSocket.objects.filter(seen_at__lt=_live_cutoff()).delete()
        updated = ConsoleSocket.objects.filter(channel_name=channel_name).update(seen_at=now)
        if not updated:
            ConsoleSocket.objects.create(channel_name=channel_name, staff=staff, seen_at=now)
            stale.append(staff.pk)
        if stale:
            publish_duty(_desk_ids_of(stale))


# --- Shifts ---------------------------------------------------------------------------------------


def shift_desks(staff: Staff) -> QuerySet[Desk]:
    """The desks where `staff` may sign up for shifts: the desks they work at (`desks_for_staff`)."""
    return desks_for_staff(staff)


def planning_desks(staff: Staff) -> QuerySet[Desk]:
    """The desks whose shifts `staff` plans for others: a supervisor's (or admin's) own desks."""
    return desks_for_staff(staff) if staff.may_supervise else Desk.objects.none()


def desk_members(desk: Desk) -> QuerySet[Staff]:
    """Who a supervisor may plan shifts for at `desk`: its active members who answer clients."""
    return (
        Staff.objects.filter(is_active=True, desk_memberships__desk=desk, role__in=CHAT_ROLES)
        .distinct()
        .order_by("display_name", "first_name", "pk")
    )


def _when(shift: Shift) -> str:
    """A shift's times for the audit log (no names or words of anybody else)."""
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def do_add_shift(actor: Staff, *, desk: Desk, staff: Staff, starts_at: dt.datetime, ends_at: dt.datetime) -> Shift:
    """Store a shift: one's own at a desk one works at, or a member's at a desk one supervises (audited).

    Raises PermissionDenied for a desk or person out of the actor's reach and
    ShiftError for times that cannot be (duty.shifts.check_shift_times).
    """
    if staff.pk == actor.pk:
        if not shift_desks(actor).filter(pk=desk.pk).exists():
            raise PermissionDenied
    elif not planning_desks(actor).filter(pk=desk.pk).exists() or not desk_members(desk).filter(pk=staff.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        # The person's row locked: two sign-ups at once are checked for overlap one after the other.
        Staff.objects.select_for_update().filter(pk=staff.pk).values_list("pk", flat=True).get()
        check_shift_times(staff, starts_at, ends_at)
        shift = Shift.objects.create(staff=staff, desk=desk, starts_at=starts_at, ends_at=ends_at, created_by=actor)
        if staff.pk != actor.pk:
            record(
                actor,
                Action.SHIFT_PLAN,
                kind=ObjectKind.STAFF,
                object_id=staff.pk,
                desk=desk,
                detail=f"added {_when(shift)}",
            )
    return shift


def do_remove_shift(actor: Staff, shift_id: int) -> None:
    """Remove a shift: one's own that has not ended, or any at a desk one supervises (audited when not one's own).

    Raises Shift.DoesNotExist for a shift the actor may not change, as for a missing one.
    """
    with transaction.atomic():
        shift = Shift.objects.select_for_update().select_related("desk").get(pk=shift_id)
        own = shift.staff_id == actor.pk and shift.ends_at > timezone.now()
        supervised = planning_desks(actor).filter(pk=shift.desk_id).exists()
        if not (own or supervised):
            raise Shift.DoesNotExist
        if shift.staff_id != actor.pk:
            record(
                actor,
                Action.SHIFT_PLAN,
                kind=ObjectKind.STAFF,
                object_id=shift.staff_id,
                desk=shift.desk,
                detail=f"removed {_when(shift)}",
            )
        shift.delete()
