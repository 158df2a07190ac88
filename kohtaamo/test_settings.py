"""Settings for the test suite: the normal settings, with the development
defaults (plain HTTP on loopback) and a faster password hasher."""

import os
from typing import Any, cast

os.environ.setdefault("DEBUG", "1")

from kohtaamo.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests flood on purpose in their own tests; elsewhere they must not trip the limit.
CHAT_CLIENT_RATE_BURST = 200
CHAT_STAFF_RATE_BURST = 400
MEDIA_UPLOAD_RATE_BURST = 100
# Every get_bot() looks at BrainState, so a change made by a test is answered at once.
BOT_RELOAD_CHECK_SECONDS = 0
# Tests expect an edit to answer at once (tests/test_brain_reload.py covers the background build).
BOT_REBUILD_IN_BACKGROUND = False

# One SQLite test database file per run: two runs in one checkout (two engineers,
# or CI beside a developer) would otherwise recreate and flush each other's file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
# With REDIS_URL set, runs sharing one Redis keep their rate-limit buckets apart (staff ids repeat).
RATE_LIMIT_KEY_PREFIX = f"kohtaamo-test-{os.getpid()}:rl"
# Test workers (pytest-xdist) sharing one Redis each have their own test database, so their
# conversation ids repeat: their channel-layer groups are kept apart too (tests.processes.server_env
# gives server processes the same prefix).
_layer_config: dict[str, Any] = cast(dict[str, Any], CHANNEL_LAYERS["default"]).get("CONFIG", {})  # noqa: F405
if "prefix" in _layer_config:
    _layer_config["prefix"] = f"kohtaamo-test-{os.getpid()}"
# Attachments of one run in a folder of their own (tests list it to show nothing refused is left).
MEDIA_ROOT = private_dir(VAR_DIR / f"test-media-{os.getpid()}")  # noqa: F405
STORAGES["attachments"] = attachments_storage({}, MEDIA_ROOT)  # noqa: F405
