"""Measuring the bot on labelled questions (``expected<TAB>lang<TAB>question[<TAB>note]``).

- A topic line (expected is a topic slug) counts for top-1 accuracy, overall
  and per language.
- ``crisis`` lines give crisis recall, per warning sign when the note names
  one (``evaluation/crisis-*.tsv``).
- ``everyday`` lines are harmless messages that use risky words: any answer
  but the crisis guidance is right, so they count false alarms.
- ``handoff`` lines: whether a request for a person is recognised.
- ``smalltalk`` lines must get the small-talk answer; ``unknown`` lines (off
  the service's subjects) are right when the bot answers with small talk or
  says it is not sure, never with a topic.

Times are wall-clock milliseconds per ``Bot.answer``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine import Bot

NON_TOPICS = ("crisis", "handoff", "unknown", "smalltalk", "everyday")

# What the bot may answer, for a line of each special label, to be right.
ACCEPTED = {"unknown": ("unknown", "smalltalk"), "smalltalk": ("smalltalk",)}


@dataclass(frozen=True)
class Row:
    expected: str
    lang: str
    question: str
    note: str = ""


@dataclass(frozen=True)
class Confusion:
    expected: str
    got: str
    question: str
    confidence: float


@dataclass
class Score:
    hits: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.hits}/{self.total} = {100 * self.rate:.1f}%"


@dataclass
class Report:
    topics: Score = field(default_factory=Score)
    crisis: Score = field(default_factory=Score)
    unknown: Score = field(default_factory=Score)
    handoff: Score = field(default_factory=Score)
    smalltalk: Score = field(default_factory=Score)
    everyday: Score = field(default_factory=Score)  # hits: not flagged as crisis
    topics_by_lang: dict[str, Score] = field(default_factory=dict)
    crisis_by_sign: dict[str, Score] = field(default_factory=dict)
    false_crisis: int = 0
    confusions: list[Confusion] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        """The p-th percentile (nearest rank) of the answer times, in ms."""
        if not self.times_ms:
            return 0.0
        ordered = sorted(self.times_ms)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)


def parse_rows(lines: Iterable[str]) -> list[Row]:
    """Rows from TSV lines; the header line and blank or malformed lines are skipped.

    A fourth column, when there is one, is the row's note (the warning sign of
    a crisis line, the kind of an everyday line).
    """
    rows = []
    for i, line in enumerate(lines):
        parts = line.rstrip("\r\n").split("\t")
        if len(parts) < 3 or (i == 0 and parts[0] == "expected"):
            continue
        expected, lang, question = parts[0].strip(), parts[1].strip(), parts[2].strip()
        note = parts[3].strip() if len(parts) > 3 else ""
        if expected and question:
            rows.append(Row(expected, lang, question, note))
    return rows


def evaluate(rows: Iterable[Row | str], bot: Bot) -> Report:
    """Answer every row with ``bot`` and score the answers."""
    items = [r for r in rows if isinstance(r, Row)]
    items += parse_rows(r for r in rows if isinstance(r, str))
    report = Report()
    for row in items:
        start = time.perf_counter()
        result = bot.answer(row.question, row.lang or None)
        report.times_ms.append((time.perf_counter() - start) * 1000)
        scores = [
            {
                "crisis": report.crisis,
                "unknown": report.unknown,
                "handoff": report.handoff,
                "smalltalk": report.smalltalk,
                "everyday": report.everyday,
            }.get(row.expected, report.topics)
        ]
        if row.expected not in NON_TOPICS:
            scores.append(report.topics_by_lang.setdefault(row.lang or "?", Score()))
        if row.expected == "crisis" and row.note:
            scores.append(report.crisis_by_sign.setdefault(row.note, Score()))
        if row.expected == "everyday":
            right = result.topic != "crisis"
        else:
            right = result.topic in ACCEPTED.get(row.expected, (row.expected,))
        for score in scores:
            score.total += 1
            score.hits += right
        if not right:
            report.confusions.append(Confusion(row.expected, result.topic, row.question, result.confidence))
        if result.topic == "crisis" and row.expected != "crisis":
            report.false_crisis += 1
    return report


def format_report(report: Report, *, summary: bool = False) -> str:
    """The report as text; with ``summary``, the scores only (for held-out sets, whose lines must stay unseen)."""
    lines = [f"top-1 accuracy (topics): {report.topics}"]
    lines += [f"  {lang}:                    {score}" for lang, score in sorted(report.topics_by_lang.items())]
    lines.append(f"crisis recall:           {report.crisis}")
    lines += [f"  {sign:<22} {score}" for sign, score in sorted(report.crisis_by_sign.items())]
    if report.everyday.total:
        lines.append(f"everyday, not flagged:   {report.everyday}")
    lines += [
        f"unknown rejected:        {report.unknown}",
        f"small talk answered:     {report.smalltalk}",
        f"handoff recognised:      {report.handoff}",
        f"false crisis alarms:     {report.false_crisis}",
        f"time per answer:         p50 {report.p50:.2f} ms, p95 {report.p95:.2f} ms ({len(report.times_ms)} answers)",
    ]
    if report.confusions and summary:
        lines.append(f"confusions: {len(report.confusions)} (lines not shown)")
    elif report.confusions:
        lines.append(f"confusions ({len(report.confusions)}):")
        lines.extend(
            f"  {c.expected} -> {c.got} ({c.confidence:.2f}): {c.question}"
            for c in sorted(report.confusions, key=lambda c: (c.expected, c.got))
        )
    return "\n".join(lines)


def evaluate_file(path: str | Path, bot: Bot | None = None) -> Report:
    """Evaluate the TSV file at ``path`` (with the starter brain unless ``bot`` is given).

    Meant for ``manage.py brain evaluate FILE.tsv``:
    ``self.stdout.write(format_report(evaluate_file(path, get_bot())))``.
    """
    with open(path, encoding="utf-8") as f:
        rows = parse_rows(f)
    if bot is None:
        from bot.brains import load_starter_brain

        bot = load_starter_brain()
    return evaluate(rows, bot)
