"""What-if settings for `bench chat --server-settings bench.settings_persistent`: the app's own
settings with persistent database connections (CONN_MAX_AGE=None).

Not used by the app. It measures one suspected cost without touching the app: with the
default CONN_MAX_AGE=0, Channels closes the database connection after every handler call,
and on SQLite in WAL mode closing the last connection checkpoints the WAL (fsyncs), then
the next call opens a new connection and runs the PRAGMAs again (docs/performance.md).
"""

from kohtaamo.settings import *  # noqa: F403
from kohtaamo.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = None
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
