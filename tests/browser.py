"""Browser fixtures for the tests: Debian's Chromium driven by Playwright, and an axe-core check.

Registered in tests/conftest.py with `pytest_plugins`. Playwright's own browsers
are never downloaded: the tests use /usr/bin/chromium (apt-get install chromium).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Voice and video messages and calls: a fake camera and microphone, allowed without asking.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
AXE_PATH = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# Violations of any impact fail a test (issue 11: "no violations of any impact on every page and state").
FAILING_IMPACTS = ("minor", "moderate", "serious", "critical")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session; tests open their own contexts."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@cache
def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm install` (make setup does it)")
    return AXE_PATH.read_text(encoding="utf-8")


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'][-1:]) if node['target'] else '?'}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def run_axe(target: Any, *, label: str = "") -> list[dict[str, Any]]:
    """Run axe-core in a page or frame and fail on any violation, whatever its impact.

    axe is injected with evaluate(), not a script tag: the pages' CSP forbids
    inline scripts. Frames are checked separately (call this on each frame).
    """
    target.evaluate(axe_source())
    result = target.evaluate(
        "async () => await axe.run(document, {iframes: false, resultTypes: ['violations']})",
    )
    violations = result["violations"]
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if violations and not failing:
        print(f"axe ({label or target.url}), not failing:\n{format_violations(violations)}")
    assert not failing, f"axe violations on {label or target.url}:\n{format_violations(failing)}"
    return violations


@pytest.fixture
def axe_check() -> Callable[..., list[dict[str, Any]]]:
    """`axe_check(page_or_frame)` asserts no accessibility violation of any impact."""
    return run_axe


class ClientLine:
    """A page's client WebSocket routed so that a test can cut it, like a train going into a tunnel."""

    def __init__(self, page: Any) -> None:
        self.sockets: list[Any] = []
        self.is_cut = False
        page.route_web_socket(re.compile(r".*/ws/client/$"), self._route)

    def _route(self, ws: Any) -> None:
        self.sockets.append(ws)
        if self.is_cut:
            ws.close()
            return
        ws.connect_to_server()

    def cut(self) -> None:
        """Close the open socket and refuse new ones until `restore`."""
        self.is_cut = True
        self.sockets[-1].close()

    def restore(self) -> None:
        self.is_cut = False


# A phone's width: every staff page is checked at it (no sideways scrolling).
NARROW = {"width": 360, "height": 740}
LOCALES = {"en": "en-US", "fi": "fi-FI", "sv": "sv-SE"}
# Roles that pass the TOTP step before they reach a page (accounts.models.ROLES_REQUIRING_2FA).
OTP_USERS = frozenset({"supervisor", "admin"})


@pytest.fixture
def staff_browser(browser: Any, live: Any, demo: Any) -> Iterator[Callable[..., Any]]:
    """`open(username, path, lang="en")`: a demo staff member's page, logged in by a session cookie, 360 px wide.

    The page records its own script errors and CSP refusals in `page.errors`
    (a missing favicon is not a page's fault), for `check_staff_page`. Other
    keywords go to the browser context (`viewport=...`); `route` handles the
    staff socket (`page.route_web_socket`) from before the page loads.
    """
    from django.test import Client as HttpClient

    from demo.data import DEMO_PASSWORD
    from tests.wsclient import staff_cookie

    contexts: list[Any] = []
    # One login per staff member and test: a TOTP code is accepted once, so a second login within
    # the same 30 seconds would be refused.
    sessions: dict[str, list[dict[str, str]]] = {}

    def open_page(
        username: str,
        path: str = "/console/",
        lang: str = "en",
        *,
        route: Callable[..., Any] | None = None,
        **options: Any,
    ) -> Any:
        if username not in sessions:
            http = HttpClient()
            staff_cookie(http, username, DEMO_PASSWORD, otp=username in OTP_USERS)
            sessions[username] = [{"name": k, "value": v.value, "url": live.url} for k, v in http.cookies.items()]
        context = browser.new_context(**{"locale": LOCALES[lang], "viewport": NARROW, **options})
        contexts.append(context)
        context.add_cookies(sessions[username])
        page = context.new_page()
        watch_errors(page)
        if route is not None:
            page.route_web_socket(re.compile(r"/ws/staff/$"), route)
        page.goto(live.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def watch_errors(page: Any) -> list[str]:
    """Record the page's own script errors and CSP refusals in `page.errors` (a missing favicon is not its fault)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "CSP" in msg.text else None)
    page.errors = errors
    return errors


def check_staff_page(page: Any, label: str) -> None:
    """No accessibility violation of any impact, no sideways scrolling at 360 px, no script or CSP error."""
    assert run_axe(page, label=label) == [], label
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{label}: {width}px wide at 360px"
    assert page.errors == []
