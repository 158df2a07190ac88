"""The browser's view of the Permissions-Policy header (kohtaamo/headers.py)."""

from __future__ import annotations

from typing import Any


def test_permissions_policy_names_only_features_chromium_knows(new_page: Any, live: Any) -> None:
    """A misspelt feature is ignored (and logged) by the browser: every name in the header must be one it knows."""
    page = new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.goto(live.url + "/")
    page.wait_for_load_state("networkidle")
    assert not [text for text in problems if "Permissions-Policy" in text or "Permissions Policy" in text], problems
    allowed = page.evaluate("document.featurePolicy.allowedFeatures()")
    for feature in ("geolocation", "payment", "usb"):
        assert feature not in allowed, feature
    # Calls (docs/calls.md): the page itself may ask for the camera and the microphone.
    assert "camera" in allowed and "microphone" in allowed
    assert "fullscreen" in allowed  # features left out of the header keep the browser's default
