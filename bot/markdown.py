"""Answers are written in Markdown by editors and shown to clients as HTML.

Editors are trusted staff, but an account can be misused and a brain file can
come from elsewhere, so the rendered HTML is always sanitised with nh3: only a
small set of tags survives, links keep only http(s)/mailto/tel targets and get
rel="noopener noreferrer".
"""

from __future__ import annotations

from functools import lru_cache

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "h3", "h4", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


@lru_cache(maxsize=2048)
def render_answer(markdown_text: str) -> str:
    """Render `markdown_text` to HTML that is safe to put into a client's page.

    Cached: the bot gives the same few hundred answers over and over, and
    rendering one takes milliseconds.
    """
    # Raw HTML in the source is escaped rather than passed through; nh3 is the
    # second line of defence for whatever Markdown itself produces.
    html = markdown_lib.markdown(markdown_text, extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
