"""Running the generator's worker processes against a target and collecting their figures.

Workers are spawned (not forked): they must not inherit this Django process,
its database connections or its threads. Each gets a slice of the
conversations; all start sending at one common monotonic instant, after every
worker has finished its set-up, so the set-up never overlaps the measured load.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.loadgen import ChatJob, ConversationSpec, IdleJob, Mode, chat_worker, idle_worker
from bench.report import summarise
from bench.server import ServerSampler

SETUP_TIMEOUT = 900.0


class WorkerFailed(RuntimeError):
    pass


@dataclass
class Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection

    def receive(self, timeout: float) -> dict[str, Any]:
        if not self.conn.poll(timeout):
            raise WorkerFailed(f"a generator worker said nothing for {timeout:.0f} s")
        try:
            message: dict[str, Any] = self.conn.recv()
        except EOFError as exc:
            raise WorkerFailed(f"a generator worker died (exit code {self.process.exitcode})") from exc
        if "failed" in message:
            raise WorkerFailed(f"a generator worker failed: {message['failed']}")
        return message


@contextlib.contextmanager
def spawned(target: Callable[..., None], jobs: list[Any]) -> Iterator[list[Worker]]:
    """One spawned process per job, always reaped."""
    context = multiprocessing.get_context("spawn")
    workers = []
    try:
        for job in jobs:
            parent, child = context.Pipe()
            process = context.Process(target=target, args=(job, child), daemon=True)
            process.start()
            child.close()
            workers.append(Worker(process, parent))
        yield workers
    finally:
        for worker in workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)


class Profiler:
    """py-spy recording the server processes during the measured phase (--profile FILE)."""

    def __init__(self, path: str, pids: list[int], seconds: float, idle: bool = False) -> None:
        self.idle = idle  # also sample threads that wait (I/O, locks): where the wall-clock time goes
        self.path = path
        self.pids = pids
        self.seconds = seconds
        self.processes: list[subprocess.Popen[bytes]] = []
        self.outputs: list[str] = []

    def start(self) -> None:
        from bench.profile import py_spy

        fmt = "flamegraph" if self.path.endswith(".svg") else "raw"
        for n, pid in enumerate(self.pids):
            out = self.path if len(self.pids) == 1 else _numbered(self.path, n + 1)
            args = [py_spy(), "record", "--pid", str(pid), "--duration", str(int(self.seconds)), "--rate", "100"]
            args += ["--threads", "--nonblocking", "--format", fmt, "--output", out]
            if self.idle:
                args.append("--idle")
            args += os.environ.get("BENCH_PY_SPY_ARGS", "").split()  # e.g. --gil: only the GIL's holder
            self.processes.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))  # noqa: S603
            self.outputs.append(out)

    def wait(self) -> list[str]:
        for process in self.processes:
            try:
                process.wait(timeout=self.seconds + 60)
            except subprocess.TimeoutExpired:
                process.kill()
        return [o for o in self.outputs if Path(o).exists()]


def _numbered(path: str, n: int) -> str:
    p = Path(path)
    return str(p.with_name(f"{p.stem}-{n}{p.suffix}"))


def run_chat_load(
    *,
    mode: Mode,
    specs: list[ConversationSpec],
    rate: float,
    duration: float,
    grace: float,
    workers: int,
    compression: bool,
    sampler: ServerSampler | None,
    profile: str = "",
    profile_idle: bool = False,
    uploads: int = 0,
    upload_path: str = "",
    upload_at: float = 0.0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Set up every conversation, send `rate` messages per second in total for `duration` s, and summarise.

    With `uploads`, that many clients (spread over the workers) each post the file at
    `upload_path` at `upload_at` s into the sending, all at once (issue 14's benchmark).
    """
    interval = len(specs) / rate  # each conversation sends one message per interval
    count = max(1, min(workers, len(specs)))
    upload_shares = [uploads // count + (1 if w < uploads % count else 0) for w in range(count)]
    jobs = [
        ChatJob(
            worker=w,
            mode=mode,
            conversations=specs[w::count],
            interval=interval,
            duration=duration,
            grace=grace,
            compression=compression,
            uploads=upload_shares[w],
            upload_path=upload_path,
            upload_at=upload_at,
        )
        for w in range(count)
    ]
    if sampler is not None:
        sampler.reset_peak()
    rss_before = sampler.last if sampler else None
    with spawned(chat_worker, jobs) as running:
        ready = [w.receive(SETUP_TIMEOUT) for w in running]
        log(f"  {mode}: {sum(r['ready'] for r in ready)} conversations ready; sending for {duration:g} s")
        start = time.monotonic() + 1.0
        for w in running:
            w.conn.send(start)
        profiler = Profiler(profile, sampler.pids, duration, profile_idle) if profile and sampler else None
        time.sleep(max(0.0, start - time.monotonic()))
        cpu_before = sampler.cpu_seconds() if sampler else 0.0
        if profiler:
            profiler.start()
        time.sleep(max(0.0, start + duration - time.monotonic()))
        cpu_after = sampler.cpu_seconds() if sampler else 0.0
        results = [w.receive(duration + grace + 300)["result"] for w in running]
    summary = summarise(results, duration)
    if sampler is not None:
        summary["server"] = {
            "processes": len(sampler.processes),
            "rss_before": rss_before,
            "peak_rss": sampler.peak,
            "cpu_cores": round((cpu_after - cpu_before) / duration, 2),
        }
    if profiler:
        summary["profile"] = profiler.wait()
    return summary


def run_idle_load(
    *,
    url: str,
    clients: int,
    workers: int,
    hold: float,
    compression: bool,
    sampler: ServerSampler | None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Open `clients` idle client sockets, hold them `hold` s, and measure the server's memory per socket."""
    # Warm-up: the first sockets load code and caches that every later socket shares.
    with spawned(idle_worker, [IdleJob(0, url, 20, compression)]) as warm:
        warm[0].receive(SETUP_TIMEOUT)
        warm[0].conn.send("check")
        warm[0].receive(60)
        warm[0].conn.send("close")
        warm[0].receive(60)
    rss_before = sampler.settle() if sampler else None
    count = max(1, min(workers, clients))
    shares = [clients // count + (1 if w < clients % count else 0) for w in range(count)]
    jobs = [IdleJob(w, url, share, compression) for w, share in enumerate(shares)]
    with spawned(idle_worker, jobs) as running:
        connected = [w.receive(SETUP_TIMEOUT) for w in running]
        total = sum(c["connected"] for c in connected)
        log(f"  {total} clients connected; holding for {hold:g} s")
        time.sleep(hold)
        rss_after = sampler.rss() if sampler else None
        for w in running:
            w.conn.send("check")
        alive = sum(w.receive(120)["alive"] for w in running)
        for w in running:
            w.conn.send("close")
        results = [w.receive(120)["result"] for w in running]
    failures: dict[str, int] = {}
    for r in results:
        for text, n in r["failures"].items():
            failures[text] = failures.get(text, 0) + n
    per = (rss_after - rss_before) / total if rss_after is not None and rss_before is not None and total else 0.0
    return {
        "clients": clients,
        "connected": total,
        "connect_seconds": round(max(c["seconds"] for c in connected), 1),
        "hold_seconds": hold,
        "alive": alive,
        "failures": failures,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "bytes_per_connection": round(per),
    }
