"""What clients tell the editors: votes on answers and questions the bot missed.

Both are anonymous counts. A vote keeps only the topic, the language and the
verdict; an unanswered question keeps the text with numbers and e-mail
addresses masked, because clients put phone numbers and names in questions,
and only as long as a chat's messages are kept (conversations.retention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from bot.models import AnswerVote, UnansweredQuestion

MAX_QUESTION_CHARS = 300

_EMAIL_RE = re.compile(r"\S+@\S+")
# Runs of 4 or more digits, with spaces or dashes inside (phone numbers, personal ids).
_NUMBER_RE = re.compile(r"\+?\d(?:[\d\s-]{2,}\d)")
_SPACE_RE = re.compile(r"\s+")
_NORMALISE_RE = re.compile(r"[^\w]+")


def mask_personal(text: str) -> str:
    """`text` with e-mail addresses and long numbers replaced by placeholders."""
    text = _EMAIL_RE.sub("[email]", text)
    text = _NUMBER_RE.sub(lambda m: "[number]" if sum(c.isdigit() for c in m.group()) >= 4 else m.group(), text)
    return _SPACE_RE.sub(" ", text).strip()


def normalise(text: str) -> str:
    """The form in which two askings of the same question are counted as one."""
    return _NORMALISE_RE.sub(" ", text.casefold()).strip()[:MAX_QUESTION_CHARS]


def do_record_unanswered(text: str, language: str, best_guess: str = "") -> UnansweredQuestion | None:
    """Count a question the bot could not answer (masked; nothing for empty text).

    Asked again, the row keeps the newest wording: the question is deleted when
    the messages of a chat are (the shortest retention of any organisation after it
    was last asked, conversations.retention), so no earlier client's words outlive that. Called
    only from a conversation (conversations.actions.bot), never from the
    anonymous HTTP API, which any web page can make a visitor's browser call.
    """
    masked = mask_personal(text)[:MAX_QUESTION_CHARS]
    key = normalise(masked)
    if not key:
        return None
    for _attempt in range(2):
        try:
            with transaction.atomic():
                updated = UnansweredQuestion.objects.filter(language=language, normalised=key).update(
                    count=F("count") + 1, last_seen=timezone.now(), best_guess=best_guess, text=masked
                )
                if updated:
                    return UnansweredQuestion.objects.get(language=language, normalised=key)
                return UnansweredQuestion.objects.create(
                    language=language, text=masked, normalised=key, best_guess=best_guess
                )
        except IntegrityError:
            continue  # Another process created it between our update and create: count again.
    return None


def do_vote(message_id: int, *, topic: str, language: str, helpful: bool) -> AnswerVote:
    """Record (or change) the client's vote on one bot answer."""
    vote, _created = AnswerVote.objects.update_or_create(
        message_id=message_id, defaults={"topic": topic, "language": language, "helpful": helpful}
    )
    return vote


@dataclass(frozen=True)
class VoteCounts:
    helpful: int = 0
    not_helpful: int = 0

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


def vote_counts(key: str = "topic", **filters: Any) -> dict[str, VoteCounts]:
    """Helpful and not-helpful votes grouped by `key` ("topic" or "language"), in one query."""
    # The annotations must not be named like the `helpful` field, or the filter counts the count.
    rows = (
        AnswerVote.objects.filter(**filters)
        .values(key)
        .annotate(n_helpful=Count("pk", filter=Q(helpful=True)), n_not_helpful=Count("pk", filter=Q(helpful=False)))
        .order_by(key)
    )
    return {row[key]: VoteCounts(row["n_helpful"], row["n_not_helpful"]) for row in rows}
