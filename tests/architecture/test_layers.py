"""Every import between Kohtaamo's apps points one way: down the layers below.

docs/architecture.md ("Layers") draws the same order. An app may import from
the apps in the layers below its own, never from its own layer's neighbours or
from above; a new app must be placed here before it can import anything. The
check reads the source (imports inside functions count too), so a loop cannot
hide in a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Bottom first. Apps in one layer do not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("common",),  # event sending, rate limits, languages
    ("accounts",),  # organisations, staff, sessions
    ("desks",),  # desks, hours, canned replies
    ("audit", "duty", "calls"),  # the audit log: who looked at what; presence and shifts; calls' ICE settings
    ("bot", "media"),  # the brain and the chatbot; attachments' files: kinds, inspection, storage, links
    ("conversations",),  # clients, conversations, their actions
    ("stats",),  # contact records, feedback, reports, the region's population
    ("surveys",),  # anonymous surveys shared by link
    ("realtime",),  # the WebSocket protocol
    ("console", "widget"),  # the staff's and the clients' pages
    ("demo",),  # demo data and its commands
    ("bench",),  # the load benchmark
    ("kohtaamo",),  # settings, URLs, ASGI: the project
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}


def project_packages() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name not in {"tests", "scripts"})


def imports_of(app: str) -> list[tuple[str, str, int]]:
    """(imported top-level package, file, line) for every import in the app's code (migrations aside)."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            found += [(name.split(".")[0], str(path.relative_to(ROOT)), node.lineno) for name in names]
    return found


def test_every_app_has_a_layer() -> None:
    assert [app for app in project_packages() if app not in LEVEL] == [], "place the new app in LAYERS"


@pytest.mark.parametrize("app", [app for apps in LAYERS for app in apps])
def test_imports_point_down(app: str) -> None:
    wrong = [
        f"{path}:{line} imports {imported} (layer {LEVEL[imported]}, {app} is layer {LEVEL[app]})"
        for imported, path, line in imports_of(app)
        if imported in LEVEL and imported != app and LEVEL[imported] >= LEVEL[app]
    ]
    assert wrong == []
