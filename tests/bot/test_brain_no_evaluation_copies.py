"""No line of an evaluation set is in the brain, not even nearly: the scores would measure memory, not understanding.

Near copies count too: a question whose letter triples are 80% those of an
evaluation line (Dice), or 70% of a development question's, is one, whatever
its punctuation, case or ä/ö. Only questions of more than three words (two
for the development set) are compared: short lines ("moi", "kiitos paljon")
are bound to meet.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EVALUATION_FILES = [*sorted((ROOT / "evaluation").glob("*.tsv")), ROOT / "tests" / "data" / "heldout-fi.tsv"]
DEV_QUESTIONS = ROOT.parent / "shared" / "brain" / "dev-questions.tsv"
NEAR = 0.8
NEAR_DEV = 0.7


def fold(text: str) -> str:
    text = text.lower().translate(str.maketrans("äöå", "aoa"))
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


def triples(text: str) -> frozenset[str]:
    padded = f" {fold(text)} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def evaluation_lines() -> list[tuple[bool, str]]:
    """(from the development set, question) of every evaluation file there is."""
    files = [(False, path) for path in EVALUATION_FILES]
    if DEV_QUESTIONS.is_file():  # beside the repository on the project's machines only
        files.append((True, DEV_QUESTIONS))
    lines = []
    for dev, path in files:
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 3:
                lines.append((dev, parts[2]))
    return lines


def brain_questions() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "bot" / "brain").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for lang, entry in data["languages"].items():
            out += [(f"{path.name} ({lang})", q) for q in entry.get("questions", [])]
    return out


def test_no_evaluation_line_is_copied_into_the_brain() -> None:
    lines = evaluation_lines()
    assert len(lines) > 1500
    grams = [triples(q) for _, q in lines]
    index: defaultdict[str, list[int]] = defaultdict(list)
    for number, g in enumerate(grams):
        for gram in g:
            index[gram].append(number)
    copies = []
    for where, question in brain_questions():
        words = len(fold(question).split())
        if words <= 2:
            continue
        mine = triples(question)
        shared = Counter(n for gram in mine for n in index.get(gram, ()))
        for number, common in shared.items():
            dev, line = lines[number]
            dice = 2 * common / (len(mine) + len(grams[number]))
            if (dev and dice >= NEAR_DEV) or (words > 3 and dice >= NEAR):
                copies.append(f"{where}: {question!r} ~ {line!r} ({dice:.2f})")
    assert not copies, "evaluation lines copied into the brain:\n" + "\n".join(copies)
