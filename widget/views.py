"""The client's pages: the standalone client page, the page the widget embeds,
and a test page that embeds the widget as any outside web site would.

Nothing here knows who the client is: the pages are the same for everybody, and
the client's token lives only in their browser.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from desks.models import Desk


def _client_context(request: HttpRequest, *, embedded: bool) -> dict[str, Any]:
    desks = list(Desk.objects.filter(is_active=True).select_related("organisation").order_by("name"))
    return {
        "desks": desks,
        "embedded": embedded,
        "config": {
            "wsPath": "/ws/client/",
            "quickExitUrl": settings.QUICK_EXIT_URL,
            "maxMessageChars": settings.CHAT_MAX_MESSAGE_CHARS,
            "embedded": embedded,
            "retentionDays": settings.CHAT_RETENTION_DAYS,
        },
    }


@require_GET
def client_page(request: HttpRequest) -> HttpResponse:
    """The standalone client page: pick a desk and chat."""
    return render(request, "widget/client.html", _client_context(request, embedded=False))


@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed_page(request: HttpRequest) -> HttpResponse:
    """The same client UI inside the widget's iframe, embeddable on any site."""
    return render(request, "widget/client.html", _client_context(request, embedded=True))


@require_GET
def widget_test_page(request: HttpRequest) -> HttpResponse:
    """A plain page that embeds the widget with one script tag, as a municipality's site would."""
    return render(request, "widget/widget_test.html", {})
