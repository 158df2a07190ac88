"""Settings for the test suite: the normal settings, with the development
defaults (plain HTTP on loopback) and a faster password hasher."""

import os

os.environ.setdefault("DEBUG", "1")

from kohtaamo.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests flood on purpose in their own tests; elsewhere they must not trip the limit.
CHAT_CLIENT_RATE_BURST = 200
CHAT_STAFF_RATE_BURST = 400
