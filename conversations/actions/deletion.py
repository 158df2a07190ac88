"""The client deletes their own conversation at once.

A client may want their words gone now, not after the retention period (a
shared device, second thoughts). The deletion cannot be undone, by anybody:
the messages, the private notes and the nickname are deleted in the same
transaction (the purge's own `purge_conversations`), the conversation loses
its link to the client's browser, and what stays is what the statistics need
(desk, times, outcome) and `deleted_by_client_at`, so staff see only that the
client deleted it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from common.events import conversation_group, send_event
from conversations.actions.access import check_client_conversation, lock_conversation
from conversations.actions.closing import close_locked
from conversations.actions.queue import publish_desks, publish_state
from conversations.models import Client, Conversation, Outcome, Status
from conversations.outbound import deleted_event
from conversations.retention import purge_conversations


def do_client_delete(client: Client, conversation_id: int) -> Conversation:
    """Close the client's conversation if it is open (outcome "client left"), then delete its words at once.

    Everybody in the conversation gets `deleted` after the commit (staff
    consoles drop its lines and show that the client deleted it), and the
    desk's staff a fresh snapshot. The contact record (stats) keeps its
    figures; its link to the conversation is cut like the purge's.
    """
    with transaction.atomic():
        check_client_conversation(client, conversation_id)
        conversation = lock_conversation(conversation_id)
        now = timezone.now()
        if conversation.status != Status.CLOSED:
            close_locked(conversation, outcome=Outcome.CLIENT_LEFT, when=now, code="client_left", by_client=True)
        purge_conversations([conversation.pk], now)
        Conversation.objects.filter(pk=conversation.pk).update(deleted_by_client_at=now)
        unlink_contact_record(conversation.pk)
        conversation.refresh_from_db()
        send_event(conversation_group(conversation.pk), deleted_event(conversation.pk))
        publish_state(conversation)
        publish_desks([conversation.desk_id])
    return conversation


def unlink_contact_record(conversation_id: int) -> None:
    """Cut the contact record's link to a conversation whose words are gone (stats.ContactRecord.conversation).

    The record belongs to the statistics, a layer above; it is reached through
    the reverse relation so that this layer does not import it.
    """
    relation = next(
        (f for f in Conversation._meta.related_objects if f.name == "contact_record"),
        None,
    )
    if relation is not None and not isinstance(relation.related_model, str):
        relation.related_model._default_manager.filter(conversation_id=conversation_id).update(conversation=None)
