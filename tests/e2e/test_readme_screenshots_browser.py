"""The README's pictures can be made again: `make screenshots` runs through the real pages with the demo data."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def test_the_screenshot_script_makes_the_three_pictures_of_the_readme(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "scripts/screenshots.py", "--out", str(tmp_path)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    for name, width in (("client-phone.png", 780), ("console.png", 1280), ("brain-editor.png", 1280)):
        assert f"docs/screenshots/{name}" in readme
        png = (tmp_path / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">I", png[16:20])[0] == width  # the phone at two device pixels per CSS pixel
