"""Signals the conversations send to the apps above them.

The layers (docs/architecture.md) let an app import only those below it, so a
conversation's actions cannot call the statistics; they send a signal instead,
and `stats` connects to it (stats.apps.StatsConfig.ready).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by conversations.actions.closing inside the closing transaction, with the locked
# `conversation` (keyword argument), when a conversation closes and again when a counsellor
# records the outcome of a conversation that was already closed. Receivers must not fail the
# close: it is sent robustly, and each receiver works in a savepoint of its own.
conversation_closed = Signal()
