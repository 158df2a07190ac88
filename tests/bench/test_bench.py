"""The load benchmark runs end to end at a tiny size (docs/performance.md).

It starts its own server like `make run`, speaks the real protocol, and runs
the bare relay under the same load. Only the report's shape and the absence of
lost or duplicated messages are checked: timings depend on the machine and on
whatever else runs on it, so no speed is ever asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_chat_benchmark_runs_and_loses_nothing(tmp_path: Path) -> None:
    """`bench chat`: the protocol's load, the same load with uploads, and the bare relay."""
    out = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL"))}
    env["DEBUG"] = "1"
    args = [sys.executable, "manage.py", "bench", "chat", "--conversations", "5", "--rate", "10", "--duration", "3"]
    args += ["--grace", "5", "--per-staff", "2", "--relay", "--json", str(out)]
    # The same load again with pictures posted at once (issue 14's benchmark).
    args += ["--uploads", "3", "--upload-mb", "0.5", "--upload-at", "0.5"]
    done = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = json.loads(out.read_text())
    assert set(report) >= {"app", "app_uploads", "relay", "ratios", "upload_ratios", "setup", "load_average_before"}
    for name in ("app", "app_uploads", "relay"):
        run = report[name]
        assert run["conversations"] == 5, run["setup_errors"]
        assert run["sent"] > 0
        assert run["received"] == run["sent"]
        assert (run["lost"], run["duplicated"], run["unacked"], run["errored"]) == (0, 0, 0, 0)
        assert run["errors"] == {}
        assert set(run["latency_ms"]) == {"p50", "p95", "p99", "max"}
        assert run["server"]["peak_rss"] > 0
        assert run["generator"]["processes"] >= 1
    assert report["app"]["acked"] == report["app"]["sent"]
    assert set(report["ratios"]) == set(report["upload_ratios"]) == {"p50", "p99"}
    assert "uploads" not in report["app"]
    assert report["app_uploads"]["uploads"]["count"] == 3
    assert report["app_uploads"]["uploads"]["statuses"] == {"201": 3}, "every picture was stored"
    assert "with uploads / without" in done.stdout
    # The printed report names the ratios and the rate limits the server ran with.
    assert "ratio to the bare relay" in done.stdout
    assert "CHAT_STAFF_RATE_PER_SECOND" in done.stdout


def test_the_attack_benchmark_runs_within_the_documented_limits(tmp_path: Path) -> None:
    """`bench attack` (issue 9, item 4): clients at their rate limit, /health and a login flood meanwhile."""
    out = tmp_path / "attack.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL"))}
    env["DEBUG"] = "1"
    # The server is a new process: it trains its bot first (about 20 s, longer on a busy machine).
    # Acknowledgements never wait for that (bot.cache.when_built); the first answers do.
    args = [sys.executable, "manage.py", "bench", "attack", "--clients", "3", "--duration", "2", "--grace", "60"]
    args += ["--chars", "100", "--login-flood", "1", "--json", str(out)]
    done = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = json.loads(out.read_text())
    assert report["clients"] == 3, report["setup_errors"]
    assert report["sent"] > 0 and report["acked"] == report["sent"] == report["answered"]
    assert report["errors"] == {}, "no frame went over the limits"
    assert set(report["ack_ms"]) == set(report["answer_ms"]) == {"p50", "p99", "max"}
    assert report["health"]["requests"] > 0 and report["health"]["failures"] == {}
    assert sum(report["login_flood"]["statuses"].values()) > 0
    assert "the documented rate limits" in done.stdout and "/health" in done.stdout
