"""Start the ASGI server (uvicorn) the way Kohtaamo needs it.

Why not plain `uvicorn ...`: uvicorn's access log and its WebSocket "accepted"
lines contain client IP addresses, which Kohtaamo never logs for clients. Here
both are off, frames over 64 KiB are refused by the server, and the address and
port come from HOST/PORT.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

# The project directory: `python scripts/serve.py` puts only scripts/ on sys.path,
# so uvicorn is told where the `kohtaamo` package lives.
BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        # uvicorn.error logs connection lines with the peer's address at INFO.
        "uvicorn.error": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "uvicorn": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}


def start_timer(name: str, every: int, job_path: str) -> None:
    """Run the function at `job_path` ("module.function") every `every` seconds in this process (0: never).

    Two jobs run so: the purge (`stats.purge.purge_expired`, which makes the
    missing contact records first, as `manage.py purge_expired` does: one entry
    point) and the reports' rollups (`stats.rollups.refresh_rollups`). The
    embedded set-up has no cron, yet the client page promises that messages
    are deleted after the retention period: this keeps the promise.
    """
    if every <= 0:
        return
    import importlib
    import threading
    import time

    import django

    django.setup()
    from django.db import close_old_connections

    module, function = job_path.rsplit(".", 1)
    job = getattr(importlib.import_module(module), function)
    log = logging.getLogger(f"kohtaamo.{name}")

    def loop() -> None:
        delay = min(every, 60)  # a first round soon after start, then every `every` seconds
        while True:
            time.sleep(delay)
            delay = every
            try:
                done = job()  # a report (its fields are figures) or a count
                figures = vars(done) if hasattr(done, "__dict__") else {"done": done}
                if any(figures.values()):
                    log.info("%s: %s", name, figures)
            except Exception:  # the next round tries again; the server keeps serving
                log.exception("%s failed", name)
            finally:
                close_old_connections()

    threading.Thread(target=loop, name=name, daemon=True).start()


def warm_up_bot() -> None:
    """Build the chatbot in the background now, so that the first client does not wait for it.

    Building analyses every example question and answer (a few seconds with Voikko).
    """
    import threading

    import django

    django.setup()
    from django.db import close_old_connections

    def build() -> None:
        from bot.cache import get_bot

        try:
            get_bot()
        except Exception:  # the first message builds it instead
            logging.getLogger("kohtaamo").exception("bot warm-up failed")
        finally:
            close_old_connections()

    threading.Thread(target=build, name="bot-warm-up", daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=1, help="processes (needs PostgreSQL and Redis when > 1)")
    args = parser.parse_args()
    # The event loop and the database thread share one GIL. Each SQL statement
    # releases it, and getting it back waits until the busy event loop lets go:
    # up to the switch interval, 5 ms by default, per statement. A shorter one
    # keeps the database thread, which every party's frames queue for, moving
    # (docs/performance.md).
    sys.setswitchinterval(float(os.environ.get("SWITCH_INTERVAL_SECONDS", "0.0005")))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kohtaamo.settings")
    logging.getLogger("kohtaamo").info("serving on %s:%s", args.host, args.port)
    sys.path.insert(0, BASE_DIR)
    start_timer("purge", int(os.environ.get("PURGE_EVERY_SECONDS", "3600")), "stats.purge.purge_expired")
    start_timer("rollups", int(os.environ.get("ROLLUPS_EVERY_SECONDS", "600")), "stats.rollups.refresh_rollups")
    if args.workers == 1:
        warm_up_bot()
    uvicorn.run(
        "kohtaamo.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_config=LOG_CONFIG,
        ws_max_size=65536,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        # Chat frames are a few hundred bytes: compressing them saves a client
        # little, while each socket's deflate state costs the server CPU on every
        # frame and tens of kilobytes of memory (docs/performance.md).
        ws_per_message_deflate=False,
        lifespan="off",
        proxy_headers=False,
        app_dir=BASE_DIR,
    )


if __name__ == "__main__":
    main()
