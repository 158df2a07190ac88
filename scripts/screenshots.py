"""Make the README's pictures again: the client page on a phone, the console and the brain editor.

    make screenshots        (or: .venv/bin/python scripts/screenshots.py [--out docs/screenshots])

Why a script: pictures in a README go stale the moment the pages change. This
one starts Kohtaamo on a throwaway SQLite database filled with the demo data
(`seed_demo`), plays one short conversation through the real pages in Debian's
Chromium (a client on a 390x844 phone, the counsellor Kalle in the console),
opens the brain editor as the content editor Eeva, and saves a PNG of each.
Nothing outside this machine is touched, and the project's own database in
var/ is left alone.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))  # `python scripts/screenshots.py` puts only scripts/ on the path

from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - the browser the tests use, started alike

DEMO_PASSWORD = "kohtaamo-demo-2026"  # noqa: S105 - the demo staff's published password (demo/data.py)
PHONE: Any = {"width": 390, "height": 844}
DESKTOP: Any = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603 - our own


def wait_healthy(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped before it answered /health")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:  # noqa: S310 - our URL
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer /health in time")


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # the first bot answer waits for the bot's first build
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        # The client, on a phone, asks the chatbot, then a person.
        phone = browser.new_context(
            locale="fi-FI", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        client = phone.new_page()
        client.goto(url + "/")
        client.get_by_label("Nimimerkki (ei pakollinen)").fill("Mimi")
        client.locator("li.k-desk").first.locator("button[data-desk]:not([data-person]):not([data-message])").click()
        box = client.locator("#k-text")
        expect(box).to_be_visible()
        box.fill("Miten haen kesätöitä?")
        box.press("Enter")
        expect(client.locator("#k-log li.k-msg--bot")).to_have_count(2)
        client.locator("#k-handoff").click()

        # The counsellor Kalle takes Mimi from the queue and answers.
        console = browser.new_context(locale="fi-FI", viewport=DESKTOP)
        staff = console.new_page()
        login(staff, url, "counsellor")
        staff.goto(url + "/console/")
        expect(staff.locator("#connection-status")).to_have_attribute("data-state", "connected")
        staff.locator(".take-next").first.click()
        composer = staff.locator("textarea.composer-input:visible")
        expect(composer).to_be_visible()
        composer.fill("Hei Mimi! Täällä Kalle. Kerro lisää: mihin kesätyöhön haluaisit?")
        composer.press("Enter")
        expect(client.locator("#k-log")).to_contain_text("Täällä Kalle")
        box.fill("Kiitos! Mietin kauppaa tai kahvilaa.")
        box.press("Enter")
        expect(staff.locator("main")).to_contain_text("kahvilaa")
        box.blur()
        client.wait_for_timeout(500)
        client.screenshot(path=str(out / "client-phone.png"))
        staff.wait_for_timeout(2000)  # the suggestions panel asks a second after a client line
        staff.screenshot(path=str(out / "console.png"))

        # The brain editor, as the content editor.
        editor_context = browser.new_context(locale="fi-FI", viewport=DESKTOP)
        editor = editor_context.new_page()
        login(editor, url, "editor")
        editor.goto(url + "/brain/")
        editor.locator("main table a").first.click()
        editor.wait_for_load_state("networkidle")
        # The language tabs with the answer and its live preview as the client will see it.
        editor.get_by_role("tablist").first.evaluate("tabs => window.scrollTo(0, tabs.offsetTop - 16)")
        editor.wait_for_timeout(1000)
        editor.screenshot(path=str(out / "brain-editor.png"))
        browser.close()


def login(page: Any, url: str, username: str) -> None:
    page.goto(url + "/staff/login/")
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(DEMO_PASSWORD)
    page.locator("form button[type='submit']").first.click()
    page.wait_for_load_state("networkidle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(BASE_DIR / "docs" / "screenshots"), help="folder for the PNG files")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kohtaamo-shots-") as tmp:
        env = dict(os.environ, DEBUG="1", SQLITE_PATH=str(Path(tmp) / "demo.sqlite3"))
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "scripts/serve.py", "--host", "127.0.0.1", "--port", str(port)], cwd=BASE_DIR, env=env
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, server)
            shoot(url, out)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"Screenshots written to {out}")


if __name__ == "__main__":
    main()
