"""The client's optional answers about themselves: age group and municipality.

Asked before or after the chat, never required: "I'd rather not say" is always
an answer, and so is not answering. The answers go on the conversation
(`client_age_group`, `client_municipality`), from which the contact record is
filled when the conversation closes; given after the close, they go into the
record too, unless the counsellor has already completed its form (what the
counsellor recorded then stands).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.demographics import MUNICIPALITY_ELSEWHERE, MUNICIPALITY_UNKNOWN, AgeGroup
from conversations.actions.access import check_client_conversation, lock_conversation
from conversations.errors import ChatError
from conversations.models import Client, Conversation, Status
from stats.models import ContactRecord, Municipality


def client_age_groups() -> list[tuple[str, str]]:
    """The age groups a client may choose from (value, label), youngest first; "not known" is the skip."""
    return [(value, str(label)) for value, label in AgeGroup.choices if value != AgeGroup.UNKNOWN]


def client_municipalities() -> list[tuple[str, str]]:
    """The region's municipalities (code, name in the active language), then "another municipality"."""
    swedish = (get_language() or "").startswith("sv")
    rows = [(m.code, (m.name_sv if swedish and m.name_sv else m.name)) for m in Municipality.objects.all()]
    rows.sort(key=lambda row: row[1])
    return [*rows, (MUNICIPALITY_ELSEWHERE, _("Another municipality"))]


def check_about(age_group: str | None, municipality: str | None) -> tuple[str, str]:
    """The answers as stored: "" for "I'd rather not say" (or no answer); a value not on the lists is refused."""
    age = (age_group or "").strip()
    if age == AgeGroup.UNKNOWN:
        age = ""
    if age and age not in {value for value, _label in client_age_groups()}:
        raise ChatError("bad_message", _("Choose an age group from the list."), field="age_group")
    place = (municipality or "").strip()
    if place and place != MUNICIPALITY_ELSEWHERE and not Municipality.objects.filter(code=place).exists():
        raise ChatError("bad_message", _("Choose a municipality from the list."), field="municipality")
    return age, place or MUNICIPALITY_UNKNOWN


def do_client_about(client: Client, conversation_id: int, *, age_group: str | None, municipality: str | None) -> None:
    """Store the client's answers on their conversation, and on its contact record when that is still theirs to fill.

    An empty answer leaves an earlier one as it was: skipping a question the
    second time does not take back the first answer.
    """
    age, place = check_about(age_group, municipality)
    with transaction.atomic():
        check_client_conversation(client, conversation_id)
        conversation = lock_conversation(conversation_id)
        fields: dict[str, str] = {}
        if age:
            fields["client_age_group"] = age
        if place:
            fields["client_municipality"] = place
        if not fields:
            return
        Conversation.objects.filter(pk=conversation.pk).update(**fields)
        if conversation.status != Status.CLOSED:
            return  # the record is filled from the conversation when it closes
        record_fields: dict[str, str] = {}
        if age:
            record_fields["age_group"] = age
        if place:
            record_fields["municipality"] = place
        ContactRecord.objects.filter(conversation=conversation, completed_at__isnull=True).update(**record_fields)
