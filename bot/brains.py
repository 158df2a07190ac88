"""Building a Bot from brain data: from the database, or from a folder of brain files.

Both sources go through one form, the canonical topic data of
``bot.brainfiles`` (docs/brain-format.md): the database's topics are turned
into it by ``topic_data``, a folder is read into it by ``read_brain_dir``, the
same strict reader ``manage.py brain import`` uses. So a folder the import
refuses cannot be evaluated either, and a brain answers the same from its files
as after importing them.
"""

from __future__ import annotations

from pathlib import Path

from bot.analysis import Analyser
from bot.brainfiles import TopicData, published_topics, read_brain_dir, topic_data
from bot.engine import Bot, BrainTopic
from bot.ranking import TopicDoc
from common.languages import is_supported

# The brain shipped with the code: answered when the database has no published topic.
STARTER_BRAIN_DIR = Path(__file__).resolve().parent / "brain"


def build_bot(data: list[TopicData], analyser: Analyser | None = None) -> Bot:
    """A Bot from topics in their canonical form, published ones only."""
    docs: list[TopicDoc] = []
    topics: list[BrainTopic] = []
    for item in data:
        if item["status"] != "published":
            continue
        slug = item["slug"]
        handoff_desk = item.get("handoff_desk", "")
        follow_ups = list(item.get("follow_ups", []))
        for lang, entry in item["languages"].items():
            if not is_supported(lang):
                continue
            referrals = [{k: str(v) for k, v in r.items()} for r in entry.get("referrals", [])]
            docs.append(TopicDoc(slug, lang, entry["title"], list(entry["questions"]), entry["answer"]))
            topics.append(
                BrainTopic(
                    slug,
                    lang,
                    entry["title"],
                    entry["answer"],
                    referrals,
                    follow_ups,
                    entry.get("plain_answer", ""),
                    handoff_desk,
                )
            )
    return Bot(docs, topics, analyser)


def load_brain_dir(path: str | Path, analyser: Analyser | None = None, *, standalone: bool = False) -> Bot:
    """A Bot from the brain files in ``path``, read as strictly as ``brain import`` reads them.

    Raises ``bot.brainfiles.BrainFileError`` listing every problem. By default
    follow-ups and hand-off desks are checked against the database, exactly as
    an import would; ``standalone`` reads no database: the folder must then be
    complete on its own (follow-ups only to its own topics), as the starter
    brain is; its hand-off desks are not checked (a desk the deployment does
    not have hands over to the conversation's own desk).
    """
    return build_bot(read_brain_dir(Path(path), standalone=standalone), analyser)


def load_brain_db(analyser: Analyser | None = None) -> Bot:
    """A Bot from the published topics in the database."""
    return build_bot(brain_db_data(), analyser)


def brain_db_data() -> list[TopicData]:
    """The published topics in the database, in their canonical form (empty if none)."""
    return [topic_data(topic) for topic in published_topics()]


def load_starter_brain(analyser: Analyser | None = None) -> Bot:
    """A Bot from the starter brain (``STARTER_BRAIN_DIR``), without the database."""
    return load_brain_dir(STARTER_BRAIN_DIR, analyser, standalone=True)
