"""Asserting how many SQL statements a block runs, with the statements shown when it is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext


def format_queries(context: CaptureQueriesContext) -> str:
    return "\n".join(f"  {i}. {query['sql']}" for i, query in enumerate(context.captured_queries, start=1))


@contextmanager
def assert_num_queries(expected: int, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[CaptureQueriesContext]:
    """Assert that the block runs exactly `expected` statements (transaction control included)."""
    with CaptureQueriesContext(connections[using]) as context:
        yield context
    count = len(context.captured_queries)
    assert count == expected, f"expected {expected} queries, ran {count}:\n{format_queries(context)}"
