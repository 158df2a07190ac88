"""The shared per-process bot: built once, rebuilt when the brain changes.

One Bot per process, rebuilt when the brain changes. Two version numbers say when:
`_brain_version` is bumped in this process by brain_changed, so an edit made here is
answered at once; BrainState.version in the database is bumped by brain_changed in
the same transaction as the edit, and every process compares it with the version its
bot was built from, at most every settings.BOT_RELOAD_CHECK_SECONDS (one one-row query),
so an edit saved in another process (or by `manage.py brain import`) arrives too.

A rebuild of a bot that is already answering runs in a background thread
(``_start_background_build``): the thread that asks is the one that serves
every database call of the process, so it keeps answering with the old bot.

``brain_changed`` is connected to saves and deletes of the brain's models in
``BotConfig.ready()`` (``connect_signals``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from bot.brains import brain_db_data, build_bot, load_starter_brain
from bot.engine import Bot

logger = logging.getLogger(__name__)

# Saving or deleting one of these changes what the bot answers.
BRAIN_MODELS = ("bot.Topic", "bot.TopicText", "bot.ExampleQuestion", "bot.Referral")

_lock = threading.Lock()
_bot: Bot | None = None
_bot_version = -1  # the value of _brain_version the bot was built at
_bot_db_version: int | None = None  # BrainState.version the bot was built from (None: unknown)
_brain_version = 0
_db_checked_at = float("-inf")  # time.monotonic() of the last look at BrainState
_building = False  # a background build is running
# Called with the first bot this process builds (when_built): work that must not wait for it in its own thread.
_waiting: list[Callable[[Bot], None]] = []


def connect_signals() -> None:
    """Call brain_changed after every save or delete of the brain's models (from BotConfig.ready)."""
    for model in BRAIN_MODELS:
        post_save.connect(brain_changed, sender=model, dispatch_uid=f"bot-brain-changed-save-{model}")
        post_delete.connect(brain_changed, sender=model, dispatch_uid=f"bot-brain-changed-delete-{model}")


def _bump_local_version() -> None:
    global _brain_version
    with _lock:
        _brain_version += 1


def _bump_db_version() -> None:
    """BrainState.version + 1 (creating the row), inside the caller's transaction.

    In a savepoint, so that a failure (no table before migrate) cannot break the
    caller's transaction; a failure is logged, never raised, because a brain edit
    must not fail for the sake of other processes' caches.
    """
    from bot.models import BrainState

    for _attempt in range(2):
        try:
            with transaction.atomic():
                if not BrainState.objects.filter(pk=1).update(version=F("version") + 1):
                    BrainState.objects.create(pk=1, version=1)
            return
        except IntegrityError:
            continue  # Another process created the row just now: bump that one.
        except DatabaseError:
            logger.warning("bot: could not record the brain version (not migrated yet?)", exc_info=True)
            return


def _db_version() -> int | None:
    """BrainState.version (0 when the row does not exist yet); None when it cannot be read."""
    from bot.models import BrainState

    def read() -> int:
        return BrainState.objects.filter(pk=1).values_list("version", flat=True).first() or 0

    try:
        if connection.in_atomic_block:
            # A savepoint, so that a failing read does not break the caller's transaction.
            with transaction.atomic():
                return read()
        # Outside a transaction a plain read: atomic() would begin a writing
        # (IMMEDIATE) transaction on SQLite just to read one row.
        return read()
    except DatabaseError:
        return None


def brain_changed(*args: Any, **kwargs: Any) -> None:
    """Call after the brain in the database changes; the next get_bot() of every process rebuilds.

    Connected to saves and deletes of the brain's models (connect_signals), so
    edits in the admin, the editor or an import take effect at once in this
    process and within BOT_RELOAD_CHECK_SECONDS in the others (through
    BrainState). The local version goes up now and again after the commit: a
    bot built by another thread between the two (from the not yet committed
    data) is rebuilt once more.
    """
    _bump_db_version()
    _bump_local_version()
    transaction.on_commit(_bump_local_version)


def reset_bot() -> None:
    """Forget the cached bot (tests)."""
    global _bot, _bot_db_version, _db_checked_at
    with _lock:
        _bot, _bot_db_version, _db_checked_at = None, None, float("-inf")
        _waiting.clear()


def get_bot() -> Bot:
    """The default bot: published topics in the database, else the starter brain.

    Cheap on the hot path: without a local change it returns the cached bot and
    looks at BrainState at most once per BOT_RELOAD_CHECK_SECONDS (one thread
    does the look, the others keep answering with the cached bot meanwhile).
    """
    global _db_checked_at
    interval = float(getattr(settings, "BOT_RELOAD_CHECK_SECONDS", 5))
    with _lock:
        bot, built_at, built_from, version = _bot, _bot_version, _bot_db_version, _brain_version
        now = time.monotonic()
        fresh = bot is not None and built_at == version
        if bot is not None and fresh and now - _db_checked_at < interval:
            return bot
        _db_checked_at = now
    # Read before the brain: a change committed in between is then seen at the next check.
    db_version = _db_version()
    if bot is not None and fresh and (db_version is None or db_version == built_from):
        # Unchanged, or BrainState unreadable for a moment: keep the bot we have.
        return bot
    if bot is not None and getattr(settings, "BOT_REBUILD_IN_BACKGROUND", True):
        # Building takes a second or more, and the thread that asks is the one that
        # serves every database call of this process: keep answering with the bot
        # we have while a new one is built beside it.
        _start_background_build(version, db_version)
        return bot
    return _build(version, db_version)


def ready_bot() -> Bot | None:
    """The bot if one is built (a newer one may be building beside it), else None.

    For paths that must not wait for a build, such as storing a client's line
    before its ack: training the classifiers of a new process takes seconds.
    When there is no bot yet, the first build starts in the background.
    """
    with _lock:
        built = _bot is not None
    if built:
        return get_bot()
    _start_background_build(_brain_version, _db_version())
    return None


def when_built(callback: Callable[[Bot], None]) -> None:
    """Call ``callback(bot)`` with a built bot: at once if there is one, else when the first build ends.

    For work that needs the bot but must not wait for its training in the
    thread that asks, such as the bot's answer to a client's line in a new
    process: that thread serves every database call of the process. The
    callback then runs in the building thread, so it should only hand the
    work back (``common.capacity.Place.start``). If the build fails, the
    callback waits for the next one.
    """
    with _lock:
        bot = _bot
        if bot is None:
            _waiting.append(callback)
    if bot is not None:
        callback(bot)
        return
    _start_background_build(_brain_version, _db_version())


def _build(version: int, db_version: int | None) -> Bot:
    global _bot, _bot_version, _bot_db_version
    try:
        data = brain_db_data()
    except (ImportError, RuntimeError, DatabaseError):
        # The bot app or its tables are not there yet (before migrate): the starter brain still answers.
        logger.warning("bot: brain tables unavailable, answering from the starter brain", exc_info=True)
        data = []
    bot = build_bot(data) if data else load_starter_brain()
    with _lock:
        # Never replace a bot built from a newer brain with an older one.
        if _bot is None or version >= _bot_version:
            _bot, _bot_version, _bot_db_version = bot, version, db_version
        waiting = _waiting[:]
        _waiting.clear()
    for callback in waiting:
        try:
            callback(bot)
        except Exception:
            logger.exception("bot: work waiting for the first bot failed")
    return bot


def _start_background_build(version: int, db_version: int | None) -> None:
    global _building
    with _lock:
        if _building:
            return
        _building = True

    def run() -> None:
        global _building, _db_checked_at
        try:
            _build(version, db_version)
        except Exception:
            logger.exception("bot: rebuilding the brain failed; answering with the previous one")
        finally:
            close_old_connections()
            with _lock:
                _building = False
                _db_checked_at = float("-inf")  # look again at once: more edits may have come

    threading.Thread(target=run, name="bot-rebuild", daemon=True).start()
