"""Asserting how many SQL statements a block runs, with the statements shown when it is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

# SQLite's BEGIN IMMEDIATE and COMMIT are logged as queries, PostgreSQL's are not:
# left out of the count so that a number means the same on both.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(context: CaptureQueriesContext, *, transaction_control: bool = False) -> list[str]:
    sql = [query["sql"] for query in context.captured_queries]
    if transaction_control:
        return sql
    return [s for s in sql if not s.lstrip().upper().startswith(TRANSACTION_CONTROL)]


@contextmanager
def assert_num_queries(
    expected: int, *, using: str = DEFAULT_DB_ALIAS, transaction_control: bool = False
) -> Iterator[CaptureQueriesContext]:
    """Assert that the block runs exactly `expected` statements (BEGIN, COMMIT and savepoints not counted)."""
    with CaptureQueriesContext(connections[using]) as context:
        yield context
    counted = statements(context, transaction_control=transaction_control)
    shown = "\n".join(f"  {i}. {sql}" for i, sql in enumerate(statements(context, transaction_control=True), 1))
    assert len(counted) == expected, f"expected {expected} queries, ran {len(counted)}:\n{shown}"
