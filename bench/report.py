"""Turning the workers' raw results into the figures the benchmark prints and saves."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

COUNTS = (
    "staff_sockets",
    "sent",
    "acked",
    "received",
    "lost",
    "unacked",
    "errored",
    "duplicated",
    "closed_sockets",
    "conversations",
)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def summarise(results: list[dict[str, Any]], duration: float) -> dict[str, Any]:
    """Merge the workers' results into one run's figures (latencies in ms)."""
    latencies = [x for r in results for x in r["latencies_ms"]]
    lags = [x for r in results for x in r["send_lag_ms"]]
    errors: dict[str, int] = {}
    setup_errors: dict[str, int] = {}
    for r in results:
        for code, n in r["errors"].items():
            errors[code] = errors.get(code, 0) + n
        for text, n in r["setup_errors"].items():
            setup_errors[text] = setup_errors.get(text, 0) + n
    summary: dict[str, Any] = {name: sum(r[name] for r in results) for name in COUNTS}
    uploads = [u for r in results for u in r.get("uploads", [])]
    if uploads:
        statuses: dict[str, int] = {}
        for u in uploads:
            statuses[str(u["status"])] = statuses.get(str(u["status"]), 0) + 1
        seconds = [u["seconds"] for u in uploads]
        summary["uploads"] = {
            "count": len(uploads),
            "statuses": statuses,
            "seconds_p50": _round(percentile(seconds, 50)),
            "seconds_max": _round(max(seconds)),
        }
    cpu = sum(r["cpu_seconds"] for r in results)
    wall = max((r["wall_seconds"] for r in results), default=duration) or duration
    summary.update(
        {
            "setup_errors": setup_errors,
            "setup_seconds": round(max((r["setup_seconds"] for r in results), default=0.0), 2),
            # Until no set-up event (queue places, desk snapshots) was still arriving.
            "settle_seconds": round(max((r["settle_seconds"] for r in results), default=0.0), 2),
            "errors": errors,
            "messages_per_second": round(summary["received"] / wall, 1) if wall else 0.0,
            "latency_ms": {
                "p50": _round(percentile(latencies, 50)),
                "p95": _round(percentile(latencies, 95)),
                "p99": _round(percentile(latencies, 99)),
                "max": _round(max(latencies, default=None)),
            },
            "generator": {
                "processes": len(results),
                "cpu_seconds": round(cpu, 2),
                # Cores the generator kept busy while sending (1.0 = one core of this machine).
                "cpu_cores": round(cpu / wall, 2) if wall else 0.0,
                "send_lag_ms_p99": _round(percentile(lags, 99)),
            },
        }
    )
    return summary


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def ratios(ours: dict[str, Any], relay: dict[str, Any]) -> dict[str, float | None]:
    """Our p50 and p99 latency divided by the bare relay's under the same load."""

    def ratio(q: str) -> float | None:
        a, b = ours["latency_ms"][q], relay["latency_ms"][q]
        return round(a / b, 2) if a is not None and b else None

    return {"p50": ratio("p50"), "p99": ratio("p99")}


def mib(value: int | float | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f} MiB"


def format_run(name: str, summary: dict[str, Any]) -> list[str]:
    lat = summary["latency_ms"]
    gen = summary["generator"]
    lines = [
        f"{name}:",
        f"  conversations ready  {summary['conversations']}, counsellor sockets {summary['staff_sockets']} "
        f"(set-up {summary['setup_seconds']} s, then {summary['settle_seconds']} s until quiet)",
        f"  messages             sent {summary['sent']}, received {summary['received']}, "
        f"{summary['messages_per_second']} msg/s",
        f"  latency ms           p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}",
        f"  lost {summary['lost']}  duplicated {summary['duplicated']}  unacked {summary['unacked']}  "
        f"errored {summary['errored']}  closed sockets {summary['closed_sockets']}",
        f"  error frames         {summary['errors'] or 'none'}",
        f"  generator            {gen['processes']} processes, {gen['cpu_cores']} cores busy, "
        f"send lag p99 {gen['send_lag_ms_p99']} ms",
    ]
    if summary["setup_errors"]:
        lines.append(f"  set-up errors        {summary['setup_errors']}")
    if "uploads" in summary:
        up = summary["uploads"]
        lines.append(
            f"  uploads              {up['count']} at once, answers {up['statuses']}, "
            f"each took p50 {up['seconds_p50']} s, max {up['seconds_max']} s"
        )
    if "server" in summary:
        server = summary["server"]
        lines.append(
            f"  server               peak RSS {mib(server['peak_rss'])} (before {mib(server['rss_before'])}), "
            f"CPU {server['cpu_cores']} cores while sending"
        )
    return lines


def format_chat(report: dict[str, Any]) -> str:
    lines = [
        f"bench chat: {report['conversations']} conversations, {report['rate']} msg/s in total, "
        f"{report['duration']} s; load average before {report['load_average_before']}, "
        f"after {report['load_average_after']}",
        f"set-up: {report['setup']}",
    ]
    lines += format_run("Kohtaamo", report["app"])
    if report.get("app_uploads"):
        lines += format_run("Kohtaamo, the same load with uploads", report["app_uploads"])
        r = report["upload_ratios"]
        lines.append(f"with uploads / without: p50 {r['p50']}x, p99 {r['p99']}x")
    if report.get("relay"):
        lines += format_run("bare relay (websockets)", report["relay"])
        r = report["ratios"]
        lines.append(f"ratio to the bare relay: p50 {r['p50']}x, p99 {r['p99']}x")
    return "\n".join(lines)


def format_idle(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"bench idle: {report['clients']} clients; load average before {report['load_average_before']}, "
            f"after {report['load_average_after']}",
            f"set-up: {report['setup']}",
            f"  connected {report['connected']} in {report['connect_seconds']} s, still answering after "
            f"{report['hold_seconds']} s: {report['alive']}",
            f"  server RSS before {mib(report['rss_before'])}, with the clients {mib(report['rss_after'])}, "
            f"per connection {report['bytes_per_connection'] / 1024:.1f} KiB",
            f"  failures {report['failures'] or 'none'}",
        ]
    )


def write_json(path: str, report: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(report, indent=2, sort_keys=True))
