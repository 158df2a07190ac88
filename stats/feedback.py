"""Clients' feedback after a conversation: giving it, and staff reading it per desk.

Feedback is anonymous by construction: a `Feedback` row names a desk and a day,
never the conversation, so a comment cannot be read beside the words of the
chat it came from. The conversation keeps only when it was rated
(`feedback_at`), which makes one rating per conversation, and its contact
record keeps the rating and "got help" for the reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Staff
from conversations.actions.access import check_client_conversation, lock_conversation
from conversations.errors import ChatError
from conversations.models import Client, Conversation, Status
from desks.actions import desks_for_staff
from desks.models import Desk
from stats.models import ContactRecord, Feedback
from stats.suppression import SMALL_TEXT, figure

RATINGS = (1, 2, 3, 4, 5)


def check_feedback(rating: int | None, helped: bool | None, comment: str | None) -> tuple[int | None, str]:
    """A rating from 1 to 5 (or none), a comment of at most FEEDBACK_MAX_COMMENT_CHARS; something must be given."""
    if rating is not None and rating not in RATINGS:
        raise ChatError("bad_message", _("Choose a rating from 1 to 5."), field="rating")
    text = (comment or "").strip()
    if len(text) > settings.FEEDBACK_MAX_COMMENT_CHARS:
        raise ChatError(
            "too_large",
            _("The comment can be at most %(count)s characters long.") % {"count": settings.FEEDBACK_MAX_COMMENT_CHARS},
            field="comment",
        )
    if rating is None and helped is None and not text:
        raise ChatError("bad_message", _("Choose a rating or write a comment first."), field="rating")
    return rating, text


def do_give_feedback(
    client: Client, conversation_id: int, *, rating: int | None, helped: bool | None, comment: str | None
) -> Feedback:
    """The client rates their ended conversation, once.

    Refused (nothing stored) for a conversation that is not the client's
    (not_found), still open, or already rated (already_given).
    """
    rating, text = check_feedback(rating, helped, comment)
    with transaction.atomic():
        check_client_conversation(client, conversation_id)
        conversation = lock_conversation(conversation_id)
        if conversation.status != Status.CLOSED:
            raise ChatError("forbidden", _("You can give feedback once the chat has ended."))
        if conversation.feedback_at is not None:
            raise ChatError("already_given", _("You have already given feedback on this chat. Thank you!"))
        now = timezone.now()
        feedback = Feedback.objects.create(
            organisation_id=conversation.desk.organisation_id,
            desk_id=conversation.desk_id,
            given_on=timezone.localdate(now),
            rating=rating,
            helped=helped,
            comment=text,
        )
        Conversation.objects.filter(pk=conversation.pk).update(feedback_at=now)
        ContactRecord.objects.filter(conversation=conversation).update(feedback_rating=rating, feedback_helped=helped)
    return feedback


# --- Staff reading feedback -------------------------------------------------------------------


def feedback_desks(staff: Staff) -> QuerySet[Desk]:
    """The desks whose feedback `staff` reads: the desks they work at (desks.actions.desks_for_staff)."""
    return desks_for_staff(staff)


@dataclass
class DeskFeedback:
    """One desk's feedback in a period: figures only when enough ratings make them anonymous."""

    desk: Desk
    ratings: int
    average: float | None
    helped_share: float | None  # of those who answered "did you get help?"
    suppressed: bool
    comments: list[Feedback] = field(default_factory=list)

    @property
    def ratings_text(self) -> str:
        """The number of answers as the page shows it: "<5" when hidden (stats.suppression)."""
        return SMALL_TEXT if self.suppressed else str(self.ratings)

    @property
    def hidden_text(self) -> str:
        """What a hidden average or share reads."""
        return SMALL_TEXT


def feedback_summary(desks: QuerySet[Desk], start: dt.date, end: dt.date) -> list[DeskFeedback]:
    """Per desk, from `start` to `end` (both included): how many rated, the average, the share helped, the comments.

    The small-cell rule is stats.suppression's: a desk with fewer than 5 answers
    in the period (none included) shows "<5" (`figure`), and neither the average,
    the share nor the comments are given (rule 4: no average over a small sample): with two ratings a
    day a counsellor could tell whose a comment was. One figure per desk and
    period and no totals across desks, so no complementary suppression is needed.
    """
    rows = Feedback.objects.filter(desk__in=desks, given_on__gte=start, given_on__lte=end)
    figures = {
        row["desk"]: row
        for row in rows.values("desk").annotate(
            ratings=Count("pk", filter=Q(rating__isnull=False)),
            given=Count("pk"),
            average=Avg("rating"),
            answered=Count("pk", filter=Q(helped__isnull=False)),
            helped=Count("pk", filter=Q(helped=True)),
        )
    }
    summary: list[DeskFeedback] = []
    for desk in desks:
        row = figures.get(desk.pk)
        if row is None:
            summary.append(DeskFeedback(desk, 0, None, None, figure(0).hidden))
            continue
        suppressed = figure(row["given"]).hidden
        answered = row["answered"]
        summary.append(
            DeskFeedback(
                desk=desk,
                ratings=row["given"],
                average=None if suppressed or row["average"] is None else round(row["average"], 1),
                helped_share=None if suppressed or not answered else round(100 * row["helped"] / answered),
                suppressed=suppressed,
                comments=[]
                if suppressed
                else list(rows.filter(desk=desk).exclude(comment="").order_by("-given_on", "-pk")[:200]),
            )
        )
    return summary
