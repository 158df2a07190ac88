"""The message path's SQL: the statements every chat message needs, in plain SQL.

Storing a message is the service's hot path: at a thousand messages a second
the ORM's query building (not the database) was most of the cost
(docs/performance.md). These functions do the same as the ORM code they
replace, for both SQLite and PostgreSQL, and return ordinary model instances,
so the rules in conversations.actions.transcript read the same either way. Anything not
on the hot path uses the ORM.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from conversations.models import Conversation, Message

# The conversation fields the message path reads (others load lazily if touched).
CONVERSATION_FIELDS = (
    "id",
    "status",
    "last_seq",
    "client_id",
    "assigned_to_id",
    "desk_id",
    "language",
    "crisis_at",
    "urgent",
)
_MESSAGE_COLUMNS = (
    "conversation_id",
    "seq",
    "sender_kind",
    "sender_staff_id",
    "sender_name",
    "client_msg_id",
    "body",
    "code",
    "args",
    "created_at",
)


def _fields(model: type[Any], attnames: tuple[str, ...]) -> list[Any]:
    """The fields named, in the model's own field order (what Model.from_db expects)."""
    return [f for f in model._meta.concrete_fields if f.attname in attnames]


def _column_list(fields: list[Any]) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


# Built once from the models' own table and column names (never from input).
_CONVERSATION_FIELDS = _fields(Conversation, CONVERSATION_FIELDS)
_MESSAGE_FIELDS = _fields(Message, _MESSAGE_COLUMNS)
_CONVERSATION = connection.ops.quote_name(Conversation._meta.db_table)
_MESSAGE = connection.ops.quote_name(Message._meta.db_table)
SELECT_CONVERSATION = f"SELECT {_column_list(_CONVERSATION_FIELDS)} FROM {_CONVERSATION} WHERE id = %s"  # noqa: S608
SELECT_DUPLICATE = f"SELECT id FROM {_MESSAGE} WHERE conversation_id = %s AND sender_kind = %s AND client_msg_id = %s"  # noqa: S608
UPDATE_LAST_SEQ = f"UPDATE {_CONVERSATION} SET last_seq = %s WHERE id = %s"  # noqa: S608
INSERT_MESSAGE = (
    f"INSERT INTO {_MESSAGE} ({_column_list(_MESSAGE_FIELDS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(_MESSAGE_FIELDS))}) RETURNING id"
)


def lock_for_message(conversation_id: int) -> Conversation | None:
    """The conversation row, locked for update (PostgreSQL; SQLite's transaction already is), or None."""
    sql = SELECT_CONVERSATION + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, field in enumerate(_CONVERSATION_FIELDS):
        # The database's own conversions (SQLite keeps times as text and booleans as 0/1).
        col = field.get_col(Conversation._meta.db_table)
        for converter in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
            values[i] = converter(values[i], col, connection)
    return Conversation.from_db(connection.alias, [f.attname for f in _CONVERSATION_FIELDS], values)


def find_duplicate(conversation_id: int, sender_kind: str, client_msg_id: str) -> Message | None:
    """The message already stored with this client-made id, if any (rare: a resend)."""
    with connection.cursor() as cursor:
        cursor.execute(SELECT_DUPLICATE, [conversation_id, sender_kind, client_msg_id])
        row = cursor.fetchone()
    return Message.objects.get(pk=row[0]) if row else None


def insert_message(conversation: Conversation, values: dict[str, Any], created_at: dt.datetime) -> Message:
    """Take the next sequence number of a locked conversation and store the message with it."""
    seq = conversation.last_seq + 1
    row = {**values, "conversation_id": conversation.pk, "seq": seq, "created_at": created_at}
    params = [field.get_db_prep_save(row[field.attname], connection) for field in _MESSAGE_FIELDS]
    assert len(params) == len(_MESSAGE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(UPDATE_LAST_SEQ, [seq, conversation.pk])
        cursor.execute(INSERT_MESSAGE, params)
        (message_id,) = cursor.fetchone()
    # Only once stored: a refused insert leaves the conversation as it was.
    conversation.last_seq = seq
    message = Message(id=message_id, **row)
    message._state.adding = False
    message._state.db = connection.alias
    return message
