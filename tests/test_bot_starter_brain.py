"""The starter brain shipped in bot/brain: complete, valid, and not fitted to the development questions."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
BRAIN = ROOT / "bot" / "brain"
SHARED = ROOT.parent / "shared" / "brain"
SPECIAL = {"crisis", "handoff"}


def read_tsv(name: str) -> list[dict[str, str]]:
    path = SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared chatbot material sits beside the checkout")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def starter_topics() -> dict[str, dict[str, Any]]:
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(BRAIN.glob("*.yaml"))}


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_every_listed_topic_and_the_special_ones_are_there() -> None:
    slugs = {row["slug"] for row in read_tsv("topics.tsv")}
    assert set(starter_topics()) == slugs | SPECIAL


@pytest.mark.parametrize("slug", sorted(starter_topics()))
def test_each_topic_speaks_three_languages(slug: str) -> None:
    topic = starter_topics()[slug]
    assert topic["slug"] == slug
    languages = topic["languages"]
    assert set(languages) == {"fi", "sv", "en"}
    minimum_fi = 5 if slug in SPECIAL else 8
    assert len(languages["fi"]["questions"]) >= minimum_fi
    for lang in ("fi", "sv", "en"):
        assert languages[lang]["answer"].strip(), f"{slug} has no {lang} answer"
        assert languages[lang]["title"].strip()


def test_no_development_question_is_copied_into_the_brain() -> None:
    dev = {normalise(row["question"]) for row in read_tsv("dev-questions.tsv")}
    copied = [
        (slug, question)
        for slug, topic in starter_topics().items()
        for text in topic["languages"].values()
        for question in text.get("questions", [])
        if normalise(question) in dev
    ]
    assert copied == []


def test_the_starter_brain_imports_cleanly(db: Any, capsys: Any) -> None:
    from desks.demo import seed_demo

    seed_demo()
    call_command("brain", "import", str(BRAIN))
    from bot.models import Topic

    assert Topic.objects.count() == len(starter_topics())
