"""The whole purge: conversations' words past retention, then what the layers above them keep of those.

`conversations.retention.purge_expired` deletes clients' words (messages,
notes, nicknames, its list `CONVERSATION_PURGERS`) but cannot reach the apps
above it. This module runs it and then `PURGE_STEPS`, the later steps of apps
that may import conversations, so the layer rule holds. It is what
`manage.py purge_expired` (cron) and the timer in scripts/serve.py run.

Missing contact records are made first (`stats.records.fill_missing_records`):
a conversation's words must still be there to count it, and the catch-up job
leaves purged conversations alone, so a record not made before the purge
would never be made. With this, cron alone keeps the records.

What stays: contact records (without their link to the conversation),
feedback (never linked), the audit log (no client data; append-only).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from conversations.retention import PurgeReport
from conversations.retention import purge_expired as purge_conversations
from stats.models import ContactRecord
from stats.records import fill_missing_records

log = logging.getLogger("kohtaamo.purge")


@dataclass
class FullPurgeReport(PurgeReport):
    records_made: int = 0
    records_unlinked: int = 0


def unlink_purged_records(report: FullPurgeReport, now: dt.datetime) -> None:
    """Cut contact records' link to conversations whose words are gone; the records stay.

    Looks for every purged conversation still linked, not only this run's: a
    run that stopped between the two steps is finished by the next.
    """
    report.records_unlinked = ContactRecord.objects.filter(conversation__purged_at__isnull=False).update(
        conversation=None
    )


# The steps after the conversations' purge, in order; issue 14's apps above stats add theirs in a layer
# that may import them (see docs/architecture.md, "Retention").
PURGE_STEPS: list[Callable[[FullPurgeReport, dt.datetime], None]] = [unlink_purged_records]


def purge_expired(now: dt.datetime | None = None) -> FullPurgeReport:
    """Make missing contact records, purge everything past retention (conversations.retention), then run
    `PURGE_STEPS`; idempotent.

    A failure to make records is logged and the purge goes on: the retention
    promise made to clients comes before a count in the statistics.
    """
    now = now or timezone.now()
    made = 0
    try:
        made = fill_missing_records()
    except Exception:
        log.exception("making the missing contact records failed; purging anyway")
    report = FullPurgeReport(**vars(purge_conversations(now)), records_made=made)
    for step in PURGE_STEPS:
        step(report, now)
    return report
