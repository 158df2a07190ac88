from typing import Any

from django.apps import AppConfig
from django.core.signals import request_finished
from django.db import connections


def close_request_connections(**kwargs: Any) -> None:
    """Close an HTTP request's database connections when it finishes.

    Connections persist (CONN_MAX_AGE, docs/performance.md) for the protocol's
    long-lived database thread. Under ASGI each HTTP request runs in a thread of
    its own, so a connection it kept would only wait for the garbage collector;
    it is closed here instead, as CONN_MAX_AGE=0 would. A connection inside an
    atomic block (a test's transaction) is left alone.
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class RealtimeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "realtime"

    def ready(self) -> None:
        request_finished.connect(close_request_connections, dispatch_uid="realtime.close_request_connections")
