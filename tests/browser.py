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
