"""The system check of calls: production without TURN refuses calls on relay-only desks (docs/calls.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from calls.ice import turn_configured


@checks.register(checks.Tags.security)
def turn_for_relay_only(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when production has no TURN server: every relay-only desk (the default) then refuses calls."""
    if settings.DEBUG or turn_configured():
        return []
    return [
        checks.Warning(
            "No TURN server is configured (CALL_TURN_URLS and CALL_TURN_SECRET).",
            hint="Calls at relay-only desks (the default) are refused until one is; see docs/calls.md.",
            id="calls.W001",
        )
    ]
