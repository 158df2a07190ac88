"""Logging in as demo staff, and posting a Django admin form as a browser would (every field as shown)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client as HttpClient

from demo.data import DEMO_PASSWORD
from tests.wsclient import staff_cookie

OTP_ROLES = {"admin", "supervisor"}


def login(username: str, lang: str = "en") -> HttpClient:
    client = HttpClient(HTTP_ACCEPT_LANGUAGE=lang)
    staff_cookie(client, username, DEMO_PASSWORD, otp=username in OTP_ROLES)
    return client


class _FormFields(HTMLParser):
    """The values a browser would send from the page's main form (the one with `csrfmiddlewaretoken`)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"submit", "button", "file", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select is not None and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.data[self._textarea] = [self._text.removeprefix("\n")]
            self._textarea = None


def admin_form(http: HttpClient, path: str) -> dict[str, Any]:
    """The admin page's form fields as they stand, ready to be changed and posted back."""
    response = http.get(path)
    assert response.status_code == 200, path
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {k: v if len(v) != 1 else v[0] for k, v in parser.data.items() if not k.startswith("_")}
