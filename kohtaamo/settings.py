"""Django settings for Kohtaamo.

Every setting that differs between a laptop and a deployment comes from the
environment (see the README's configuration table). The defaults are the
embedded set-up that `make run` uses: SQLite in WAL mode, an in-process channel
layer, one process, DEBUG on.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

# Lets admin.ModelAdmin[Model] and friends be subscripted at run time (for mypy).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if needed; it is made 0700: only the service's user enters it.

    It holds the SQLite database with clients' messages and the secret key, which
    other local users must not read (docs/security.md).
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def private_sqlite_file(name: str) -> None:
    """Make the SQLite file `name` (created empty if missing) and its -wal and -shm files 0600.

    SQLite gives the -wal and -shm files it creates the mode of the database file,
    so a database file created here is private from its first connection on; an
    older one is made private too. A missing folder is left to SQLite's error.
    """
    database = Path(name)
    if not database.parent.is_dir():
        return
    os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in (database, Path(f"{name}-wal"), Path(f"{name}-shm")):
        if path.exists():
            path.chmod(0o600)


VAR_DIR = private_dir(Path(os.environ.get("KOHTAAMO_VAR_DIR", BASE_DIR / "var")))


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean from the environment ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # A per-installation key kept in var/, so that `make run` needs no set-up
    # and sessions survive restarts. Several machines must share SECRET_KEY.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    # Desks' names and texts per language (desks/translation.py); before the
    # admin, so that its admin classes and the migrations see the language fields.
    "modeltranslation",
    # The Django admin with Kohtaamo's branding (kohtaamo/apps.py, kohtaamo/admin_site.py).
    "kohtaamo.apps.KohtaamoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Kohtaamo's apps, bottom layer first: each imports only from those above it
    # in this list (docs/architecture.md, "Layers"; tests/…/test_layers.py).
    "common",
    "accounts",
    "desks",
    "audit",
    "duty",
    "calls",
    "bot",
    "media",
    "conversations",
    "stats",
    "surveys",
    "realtime",
    "console",
    "widget",
    "demo",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Staff pages never cached, Permissions-Policy on every response (kohtaamo/headers.py).
    "kohtaamo.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffSessionMiddleware",
    # Who made a change, for the audit log (audit/changes.py): the request's staff member.
    "audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "kohtaamo.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

ASGI_APPLICATION = "kohtaamo.asgi.application"
WSGI_APPLICATION = "kohtaamo.wsgi.application"

# --- Database -----------------------------------------------------------------
_conn_max_age = int(os.environ.get("DATABASE_CONN_MAX_AGE", "-1"))  # seconds; -1: for the process's life
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
else:
    # SQLITE_PATH points several processes at one file (the two-process test does).
    _sqlite_path = os.environ.get("SQLITE_PATH") or str(VAR_DIR / "kohtaamo.sqlite3")
    private_sqlite_file(_sqlite_path)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_path,
            "OPTIONS": {
                # WAL lets readers run beside the single writer; IMMEDIATE
                # transactions take the write lock up front so that two
                # writers never deadlock upgrading a read lock. secure_delete
                # overwrites deleted rows (purged messages) with zeros instead of
                # leaving them in free pages; set explicitly, as builds differ.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
                    "PRAGMA secure_delete=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
# Persistent connections. Channels runs every consumer's database work in one
# thread per process and closes "old" connections around each call: with
# CONN_MAX_AGE=0 that meant a new connection per protocol frame (a PostgreSQL
# backend forked each time; on SQLite the PRAGMAs again and a WAL checkpoint
# at each close), which capped a process at a few dozen messages a second
# (docs/performance.md). The health check replaces a connection that broke
# (a database restart) before it is used.
DATABASES["default"]["CONN_MAX_AGE"] = None if _conn_max_age < 0 else _conn_max_age
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer ------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer is the faster of channels_redis's two layers;
            # it delivers at most once, which the protocol allows for (every
            # party catches up from its sequence cursor).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Deployments (or test workers) sharing one Redis keep their groups apart by prefix.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi")},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "realtime.layers.ThrottledInMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    }
# With REDIS_URL the rate limits' buckets live in Redis under this prefix, shared
# by every process (common/ratelimit.py); deployments sharing one Redis need their own.
RATE_LIMIT_KEY_PREFIX = os.environ.get("RATE_LIMIT_KEY_PREFIX", "kohtaamo:rl")

# --- Authentication -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.Staff"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "accounts:login"
OTP_TOTP_ISSUER = "Kohtaamo"
# The Django admin never shows a TOTP secret or backup codes of an existing device
# (a staff member enrols their own authenticator at /staff/login/authenticator/).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Failed logins: after this many failed tries in a row (passwords and second-factor
# codes) a user name waits before its next try is checked, LOGIN_DELAY_SECONDS at
# first, doubling with each further failure up to LOGIN_DELAY_MAX_SECONDS; no lock
# (accounts/actions.py).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_DELAY_SECONDS = float(os.environ.get("LOGIN_DELAY_SECONDS", "1"))
LOGIN_DELAY_MAX_SECONDS = float(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "300"))
# Password checks (one hash each) at once per process, and how many more may wait
# for a turn; a try beyond that is answered "busy" with 503 (accounts/hashing.py).
LOGIN_CONCURRENT_CHECKS = int(os.environ.get("LOGIN_CONCURRENT_CHECKS", "2"))
LOGIN_QUEUE_MAX = int(os.environ.get("LOGIN_QUEUE_MAX", "20"))

# Staff sessions: expire after a working day at most and after idling.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(10 * 3600)))
STAFF_IDLE_TIMEOUT_SECONDS = int(os.environ.get("STAFF_IDLE_TIMEOUT_SECONDS", str(2 * 3600)))
# How often an open staff socket checks its session by itself (idle expiry closes it
# even when it sends nothing); logout closes it at once.
STAFF_SOCKET_CHECK_SECONDS = float(os.environ.get("STAFF_SOCKET_CHECK_SECONDS", "30"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: the console's fetch takes the token from the
# page's form (console.js), so the cookie can be hidden from scripts too.
CSRF_COOKIE_HTTPONLY = True
# The language cookie (client pages' ?lang=, Django's set_language) holds only "fi", "sv" or "en".
LANGUAGE_COOKIE_HTTPONLY = True

# --- Security -------------------------------------------------------------------
# Tested by tests/test_security_settings.py (`manage.py check --deploy` with no
# warnings, the CSP, cookies, HSTS, no addresses or user agents stored or logged).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    # The service has a host name of its own (chat.example.fi); its subdomains, if
    # any, are ours too. The header says `preload` (browsers may list the host as
    # HTTPS-only); an operator whose domain must not be submitted to the preload
    # list sets SECURE_HSTS_PRELOAD=0 (check --deploy then warns, security.W021).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Production runs behind a TLS-terminating reverse proxy (README), which must
    # set X-Forwarded-Proto itself and drop the client's own: only then may Django
    # believe it. Without a proxy (TLS in uvicorn) set TRUST_X_FORWARDED_PROTO=0.
    if env_bool("TRUST_X_FORWARDED_PROTO", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # blob: the preview of a picture, voice or video message before it is sent (attachments.js);
        # the files themselves come from our own origin through their signed links.
        "img-src": ["'self'", "data:", "blob:"],
        # ... and of a call's streams, shown from the browser's own media streams (docs/calls.md).
        "media-src": ["'self'", "blob:", "mediastream:"],
        # 'self' covers the WebSockets of our own origin too (ws: from an http page,
        # wss: from an https one: CSP Level 3); any other host is refused.
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Languages --------------------------------------------------------------------
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Translated model fields (django-modeltranslation, desks/translation.py): a
# field `name` gets `name_fi`, `name_sv` and `name_en`, and `desk.name` reads the
# active language's, falling back to Finnish where a text is left empty.
MODELTRANSLATION_DEFAULT_LANGUAGE = "fi"
MODELTRANSLATION_LANGUAGES = ("fi", "sv", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fi",)
LANGUAGE_COOKIE_SAMESITE: Literal["Lax"] = "Lax"  # typed for the client page's own set_cookie (widget/views.py)
# A chosen language is remembered for a year (the client page's ?lang= and set_language alike).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Helsinki"
# A Finnish service: a 24-hour clock and day.month. dates in every language
# version, English included (kohtaamo/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["kohtaamo.formats"]
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise looks here even before collectstatic
# WhiteNoise streams files with a synchronous iterator, which Django's ASGI
# handler reports on every static request. The files are small and cached by
# the browser (and by the reverse proxy in production); the note is noise.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
# Project-wide assets (static/kohtaamo/: the staff stylesheet) beside the apps' own static/ folders.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Attachments (issue 14: media/, conversations/actions/attachments.py) -------------------
# Clients' and staff's files are kept through the storage "attachments": the file system
# under MEDIA_ROOT (outside STATIC_ROOT, never served by WhiteNoise or any URL of its own:
# only the signed, expiring links of media/links.py reach a file), or an S3-compatible store
# when MEDIA_S3_BUCKET is set.
MEDIA_ROOT = private_dir(Path(os.environ.get("MEDIA_ROOT", str(VAR_DIR / "media"))))
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")


def attachments_storage(env: Mapping[str, str], media_root: Path) -> dict[str, object]:
    """The storage of attachments: S3 (private objects) when MEDIA_S3_BUCKET is set, else the file system."""
    if env.get("MEDIA_S3_BUCKET"):
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env["MEDIA_S3_BUCKET"],
                "endpoint_url": env.get("MEDIA_S3_ENDPOINT_URL") or None,
                "region_name": env.get("MEDIA_S3_REGION") or None,
                "access_key": env.get("MEDIA_S3_ACCESS_KEY_ID") or None,
                "secret_key": env.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
                # Never public: the service streams each file itself after checking the reader.
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(media_root), "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }


STORAGES["attachments"] = attachments_storage(os.environ, MEDIA_ROOT)
# Largest file of each kind, in bytes, after the browser's upload (media/kinds.py).
MEDIA_IMAGE_MAX_BYTES = int(os.environ.get("MEDIA_IMAGE_MAX_BYTES", str(15 * 1024 * 1024)))
MEDIA_AUDIO_MAX_BYTES = int(os.environ.get("MEDIA_AUDIO_MAX_BYTES", str(10 * 1024 * 1024)))
MEDIA_VIDEO_MAX_BYTES = int(os.environ.get("MEDIA_VIDEO_MAX_BYTES", str(50 * 1024 * 1024)))
MEDIA_PDF_MAX_BYTES = int(os.environ.get("MEDIA_PDF_MAX_BYTES", str(10 * 1024 * 1024)))
# Longest voice message and video message, in seconds; largest image in pixels (width x height),
# checked before an image is decoded, so a small "decompression bomb" never fills the memory.
MEDIA_AUDIO_MAX_SECONDS = float(os.environ.get("MEDIA_AUDIO_MAX_SECONDS", "300"))
MEDIA_VIDEO_MAX_SECONDS = float(os.environ.get("MEDIA_VIDEO_MAX_SECONDS", "120"))
MEDIA_IMAGE_MAX_PIXELS = int(os.environ.get("MEDIA_IMAGE_MAX_PIXELS", str(60_000_000)))
# A link to a file works this many seconds (an expired one is renewed with the `file_link` frame).
MEDIA_LINK_SECONDS = int(os.environ.get("MEDIA_LINK_SECONDS", "900"))
# Files uploaded but never sent in a message are deleted after this many hours (by the purge).
MEDIA_UNSENT_HOURS = float(os.environ.get("MEDIA_UNSENT_HOURS", "24"))
# Uploads one client token or staff member may make: a burst, then this many per minute.
MEDIA_UPLOAD_RATE_BURST = int(os.environ.get("MEDIA_UPLOAD_RATE_BURST", "10"))
MEDIA_UPLOAD_RATE_PER_MINUTE = float(os.environ.get("MEDIA_UPLOAD_RATE_PER_MINUTE", "10"))
# Files checked at once per process (decoding a photo takes a core), and how many more uploads may
# wait for a turn; beyond that an upload is answered "busy" (conversations.actions.attachments).
MEDIA_CONCURRENT_INSPECTIONS = int(os.environ.get("MEDIA_CONCURRENT_INSPECTIONS", "1"))
MEDIA_INSPECTION_QUEUE_MAX = int(os.environ.get("MEDIA_INSPECTION_QUEUE_MAX", "100"))
# Seconds ffprobe or ffmpeg may take for one file before it is refused.
MEDIA_TOOL_TIMEOUT_SECONDS = float(os.environ.get("MEDIA_TOOL_TIMEOUT_SECONDS", "30"))
WHITENOISE_USE_FINDERS = True

# --- Chat limits (documented in docs/protocol.md) -------------------------------------
CHAT_MAX_MESSAGE_CHARS = int(os.environ.get("CHAT_MAX_MESSAGE_CHARS", "4000"))
CHAT_MAX_FRAME_BYTES = int(os.environ.get("CHAT_MAX_FRAME_BYTES", "16384"))
CHAT_MAX_NICKNAME_CHARS = 40
# Token bucket: a client may send this many frames in a burst, refilled at the rate.
CHAT_CLIENT_RATE_BURST = int(os.environ.get("CHAT_CLIENT_RATE_BURST", "20"))
CHAT_CLIENT_RATE_PER_SECOND = float(os.environ.get("CHAT_CLIENT_RATE_PER_SECOND", "2"))
CHAT_STAFF_RATE_BURST = int(os.environ.get("CHAT_STAFF_RATE_BURST", "60"))
CHAT_STAFF_RATE_PER_SECOND = float(os.environ.get("CHAT_STAFF_RATE_PER_SECOND", "10"))
CHAT_MAX_OPEN_CONVERSATIONS_PER_CLIENT = 3
# A desk admits new conversations at a bounded rate (a token bucket per desk, shared
# through Redis with REDIS_URL; conversations.actions.starting.check_admission). A
# regional desk normally gets a few new chats a minute; the burst still admits a
# whole school class told about the service at once, and the rate is several
# times a busy hour's, so only a flood (one socket put 90 conversations into a
# queue in 11 s) is answered `busy`.
CHAT_DESK_ADMISSIONS_BURST = int(os.environ.get("CHAT_DESK_ADMISSIONS_BURST", "30"))
CHAT_DESK_ADMISSIONS_PER_MINUTE = float(os.environ.get("CHAT_DESK_ADMISSIONS_PER_MINUTE", "15"))
# At most this many conversations wait in one desk's queue; more are answered `busy`
# (a few counsellors answer about this many in a working day).
CHAT_DESK_QUEUE_MAX = int(os.environ.get("CHAT_DESK_QUEUE_MAX", "30"))
# A waiting client's estimated wait (conversations.actions.queue.estimate_wait) reads how long
# counsellors took with the desk's conversations closed in the last QUEUE_ESTIMATE_DAYS days
# (the latest QUEUE_ESTIMATE_SAMPLES of them); with fewer than QUEUE_ESTIMATE_MIN_SAMPLES it
# takes QUEUE_ESTIMATE_DEFAULT_MINUTES.
QUEUE_ESTIMATE_DAYS = int(os.environ.get("QUEUE_ESTIMATE_DAYS", "14"))
QUEUE_ESTIMATE_SAMPLES = int(os.environ.get("QUEUE_ESTIMATE_SAMPLES", "200"))
QUEUE_ESTIMATE_MIN_SAMPLES = int(os.environ.get("QUEUE_ESTIMATE_MIN_SAMPLES", "5"))
QUEUE_ESTIMATE_DEFAULT_MINUTES = float(os.environ.get("QUEUE_ESTIMATE_DEFAULT_MINUTES", "15"))
# Shifts and presence (duty/, conversations/actions/duty.py): a counsellor's limit of
# simultaneous conversations unless they set their own (1 to DUTY_MAX_CONVERSATIONS_CAP) ...
DUTY_DEFAULT_MAX_CONVERSATIONS = int(os.environ.get("DUTY_DEFAULT_MAX_CONVERSATIONS", "3"))
DUTY_MAX_CONVERSATIONS_CAP = int(os.environ.get("DUTY_MAX_CONVERSATIONS_CAP", "10"))
# ... and how long an open console counts without a sign of life (its socket renews it every
# STAFF_SOCKET_CHECK_SECONDS; a killed server process's consoles stop counting after this).
DUTY_SOCKET_EXPIRY_SECONDS = float(os.environ.get("DUTY_SOCKET_EXPIRY_SECONDS", "120"))
# Conversation codes (conversations/actions/codes.py, docs/conversation-codes.md): one socket may
# try CHAT_CODE_SOCKET_TRIES codes (one more every CHAT_CODE_WINDOW_SECONDS / that many seconds);
# the whole service CHAT_CODE_SERVICE_TRIES in CHAT_CODE_WINDOW_SECONDS, after which every
# socket is answered `code_locked` until tries refill: guessing is bounded whatever the sockets.
CHAT_CODE_SOCKET_TRIES = int(os.environ.get("CHAT_CODE_SOCKET_TRIES", "5"))
CHAT_CODE_SERVICE_TRIES = int(os.environ.get("CHAT_CODE_SERVICE_TRIES", "30"))
CHAT_CODE_WINDOW_SECONDS = float(os.environ.get("CHAT_CODE_WINDOW_SECONDS", "600"))
# A returning client may ask for their earlier counsellor: the new conversation waits for that
# counsellor (when on duty at the desk) this many seconds before anyone of the desk may take it.
SAME_COUNSELLOR_OFFER_SECONDS = float(os.environ.get("SAME_COUNSELLOR_OFFER_SECONDS", "300"))
# A third participant (conversations.actions.guests, issue 14): the one-time link a counsellor gives
# an interpreter or another professional works this many seconds; at most this many guests at once.
GUEST_LINK_SECONDS = float(os.environ.get("GUEST_LINK_SECONDS", "1800"))
GUEST_MAX_PER_CONVERSATION = int(os.environ.get("GUEST_MAX_PER_CONVERSATION", "3"))
# At most one desk snapshot per desk per this many seconds (the latest state,
# conversations.actions.queue.DeskPublisher); 0 sends every change at once.
CHAT_DESK_UPDATE_SECONDS = float(os.environ.get("CHAT_DESK_UPDATE_SECONDS", "0.5"))
# A crisis flag raised by a conversation's first client message within this many
# seconds of its start is grouped and sorted after urgent conversations with a
# history (conversations.models.fresh_crisis): throwaway tokens cannot bury real ones.
CHAT_CRISIS_FRESH_SECONDS = int(os.environ.get("CHAT_CRISIS_FRESH_SECONDS", "60"))
# WebSockets one server process holds open; beyond them a socket is closed at once with
# 4503 ("very busy", realtime/capacity.py). 5,000 idle ones took 259 MiB (docs/performance.md).
CHAT_MAX_CONNECTIONS_PER_PROCESS = int(os.environ.get("CHAT_MAX_CONNECTIONS_PER_PROCESS", "8000"))
# Where the quick-exit button sends the client: a neutral page.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.ilmatieteenlaitos.fi/")
# Messages of closed conversations are purged after their desk's organisation's
# retention days (accounts.Organisation.retention_days, default 90, set by its admin;
# manage.py purge_expired, also run by scripts/serve.py every PURGE_EVERY_SECONDS);
# shown to clients on the client page. Questions the bot could not answer are
# clients' words too: they are kept the shortest organisation's days after last
# asked (conversations.retention). Open conversations nobody writes in are
# closed (and so purged in time): with the chatbot after BOT_IDLE_CLOSE_HOURS,
# in a queue or with a counsellor after CHAT_IDLE_CLOSE_HOURS without messages.
BOT_IDLE_CLOSE_HOURS = int(os.environ.get("BOT_IDLE_CLOSE_HOURS", "24"))
CHAT_IDLE_CLOSE_HOURS = int(os.environ.get("CHAT_IDLE_CLOSE_HOURS", "24"))
# A message left for a desk (status `message`) nobody wrote in for this many days is closed like an
# abandoned chat, and so purged its organisation's retention days later.
CHAT_MESSAGE_IDLE_CLOSE_DAYS = int(os.environ.get("CHAT_MESSAGE_IDLE_CLOSE_DAYS", "30"))
PURGE_EVERY_SECONDS = int(os.environ.get("PURGE_EVERY_SECONDS", "3600"))
# The reports' monthly rollups of stale months are built again this often by scripts/serve.py
# (stats.rollups; manage.py refresh_report_rollups does the same); 0 to leave it to cron.
ROLLUPS_EVERY_SECONDS = int(os.environ.get("ROLLUPS_EVERY_SECONDS", "600"))
# Each server process looks for brain edits made by the others this often (bot.cache.get_bot).
BOT_RELOAD_CHECK_SECONDS = float(os.environ.get("BOT_RELOAD_CHECK_SECONDS", "5"))
# Where trained bot models are kept, named by a digest of their examples (bot.classifier.trained).
BOT_MODEL_DIR = Path(os.environ.get("BOT_MODEL_DIR", str(VAR_DIR / "bot-models")))
# After a brain edit, build the new bot beside the old one, which answers meanwhile.
BOT_REBUILD_IN_BACKGROUND = True
# Example questions a topic may have in one language (brain files and the editor alike): the
# crisis topic teaches the detector with well over a thousand. The editor posts a topic's
# every language at once, three fields a question, so Django's field limit follows from it.
BRAIN_MAX_QUESTIONS = int(os.environ.get("BRAIN_MAX_QUESTIONS", "3000"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 3 * 3 * BRAIN_MAX_QUESTIONS + 1000
# The bot answers a client's line after its ack (conversations.actions.messages): at most
# BOT_CONCURRENT_ANSWERS in the database thread's line at once per process, BOT_QUEUE_MAX more waiting; a
# question beyond that gets a "many people are asking" line at once. A question still
# unanswered after BOT_RECOVER_SECONDS (its process died, the database failed) is answered then.
BOT_CONCURRENT_ANSWERS = int(os.environ.get("BOT_CONCURRENT_ANSWERS", "1"))
BOT_QUEUE_MAX = int(os.environ.get("BOT_QUEUE_MAX", "100"))
BOT_RECOVER_SECONDS = float(os.environ.get("BOT_RECOVER_SECONDS", "30"))
# The anonymous HTTP API (bot/api.py) answers in request threads: at most BOT_API_CONCURRENT_ANSWERS
# at once per process, BOT_API_QUEUE_MAX more waiting, beyond that 503 "busy" (common.gates).
BOT_API_CONCURRENT_ANSWERS = int(os.environ.get("BOT_API_CONCURRENT_ANSWERS", "1"))
BOT_API_QUEUE_MAX = int(os.environ.get("BOT_API_QUEUE_MAX", "10"))

# --- Clients' feedback and the public notices (issue 12) ------------------------------
# A client's comment after a conversation (stats.feedback) is at most this long.
FEEDBACK_MAX_COMMENT_CHARS = int(os.environ.get("FEEDBACK_MAX_COMMENT_CHARS", "1000"))
# The privacy notice (/privacy/) and the accessibility statement (/accessibility/) are filled from these.
PRIVACY_CONTROLLER = os.environ.get("PRIVACY_CONTROLLER", "Kohtaamo-palvelun kunnat (esimerkki)")
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "tietosuoja@kohtaamo.example")
PRIVACY_CONTACT_ADDRESS = os.environ.get("PRIVACY_CONTACT_ADDRESS", "Esimerkkikatu 1, 00100 Helsinki")
DATA_PROTECTION_OFFICER = os.environ.get("DATA_PROTECTION_OFFICER", "Tietosuojavastaava, tietosuoja@kohtaamo.example")
ACCESSIBILITY_FEEDBACK_EMAIL = os.environ.get("ACCESSIBILITY_FEEDBACK_EMAIL", "saavutettavuus@kohtaamo.example")
# The day the accessibility statement was written or last reviewed (ISO date), and the day of the last check.
ACCESSIBILITY_STATEMENT_DATE = os.environ.get("ACCESSIBILITY_STATEMENT_DATE", "2026-12-07")

# --- Voice and video calls (issue 14, item 2; docs/calls.md) --------------------------
# STUN and TURN servers handed to the browsers (comma-separated URLs, e.g.
# "stun:turn.example.fi:3478" and "turn:turn.example.fi:3478?transport=udp,turns:turn.example.fi:5349").
CALL_STUN_URLS = [u.strip() for u in os.environ.get("CALL_STUN_URLS", "").split(",") if u.strip()]
CALL_TURN_URLS = [u.strip() for u in os.environ.get("CALL_TURN_URLS", "").split(",") if u.strip()]
# coturn's `static-auth-secret` (use-auth-secret): each call's TURN credentials are computed from it.
CALL_TURN_SECRET = os.environ.get("CALL_TURN_SECRET", "")
# How long one pair of TURN credentials is accepted by coturn (a call is expected to start well within it).
CALL_TURN_TTL_SECONDS = int(os.environ.get("CALL_TURN_TTL_SECONDS", "3600"))
# A call nobody answers is missed after this many seconds.
CALL_RING_SECONDS = float(os.environ.get("CALL_RING_SECONDS", "45"))
# A party whose socket closed during a call has this long to come back before the call ends as lost.
CALL_LOST_SECONDS = float(os.environ.get("CALL_LOST_SECONDS", "15"))
# The largest call signal (an SDP offer or answer) relayed between the parties, in characters.
CALL_MAX_SIGNAL_CHARS = int(os.environ.get("CALL_MAX_SIGNAL_CHARS", "12000"))

# --- Logging: no client IP addresses or user agents ----------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger writes the request line, never the address;
        # uvicorn's access log is turned off in scripts/serve (it logs addresses).
        "django.request": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING", "propagate": False, "handlers": []},
    },
}
