"""Reading py-spy's collapsed stacks (`--format raw`) into the hot spots that docs/performance.md lists."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str:
    """py-spy from the venv (requirements-dev.txt), else from PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else (shutil.which("py-spy") or "py-spy")


def summarise_raw(path: str, top: int = 20) -> str:
    """Top functions by own samples and by inclusive samples, as % of all samples, plus per-thread shares.

    A raw line is `thread;frame;frame;... count` (outermost first, with --threads
    the thread comes first), each frame `function (file:line)`.
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        threads[frames[0]] += count
        names = [_function(f) for f in frames[1:]]
        if names:
            own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
    if not total:
        return f"{path}: no samples"
    lines = [f"{path}: {total} samples", "threads:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in threads.most_common(8)]
    lines.append("own time:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines.append("inclusive time:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)


def _function(frame: str) -> str:
    """`name (path/to/file.py:123)` -> `name (file.py)`: lines differ per sample, the function does not."""
    name, _, where = frame.partition(" (")
    location = where.rstrip(")").rsplit(":", 1)[0]
    parts = location.split("/")
    short = "/".join(parts[-2:]) if len(parts) > 1 else location
    return f"{name} ({short})"
