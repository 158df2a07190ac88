"""Answers are Markdown from editors; what reaches a client's page must be harmless HTML."""

from __future__ import annotations

import pytest

from bot.markdown import render_answer


def test_formatting_survives():
    html = render_answer(
        "### Asuminen\n\nKysy **Kelasta** tai *kunnasta*.\n\n- yksi\n- kaksi\n\n1. a\n2. b\n\n> lainaus\n\n`koodi`"
    )
    for fragment in (
        "<h3>Asuminen</h3>",
        "<strong>Kelasta</strong>",
        "<em>kunnasta</em>",
        "<ul>",
        "<ol>",
        "<li>yksi</li>",
        "<blockquote>",
        "<code>koodi</code>",
    ):
        assert fragment in html


def test_links_get_rel_and_keep_href():
    html = render_answer("Katso [Kela](https://www.kela.fi/asumisen-tuet).")
    assert '<a href="https://www.kela.fi/asumisen-tuet" rel="noopener noreferrer">Kela</a>' in html


def test_line_break_kept():
    assert "<br" in render_answer("rivi  \ntoinen")


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "ennen <script>alert(1)</script> jälkeen",
        "<img src=x onerror=alert(1)>",
        '<a href="https://x.fi" onclick="alert(1)">x</a>',
        "[klikkaa](javascript:alert(1))",
        "[klikkaa](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "![kuva](https://evil.example/x.png)",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_xss_payloads_are_neutralised(payload):
    html = render_answer(payload).lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "onload" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "<svg" not in html
    assert "style=" not in html


def test_only_allowed_tags_remain():
    html = render_answer("<div><table><tr><td>x</td></tr></table></div>\n\n# iso otsikko")
    assert "<div" not in html
    assert "<table" not in html
    assert "<h1" not in html
