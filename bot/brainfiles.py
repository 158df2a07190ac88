"""The brain on disk: one YAML file per topic (see docs/brain-format.md).

Files are how a brain is reviewed, versioned and moved between installations,
so reading them is strict: every file is parsed from YAML's node tree (which
keeps line numbers) and validated completely before anything is written, and
every problem is reported as `file:line: message`, not only the first one.
Writing is deterministic (fixed key order, block style for multi-line text), so
that importing, exporting and importing again changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from bot.models import SLUG_PATTERN, Topic, TopicStatus
from common.languages import language_codes
from desks.models import Desk

# Languages are written in the order of common.languages.language_codes(); fi is
# the one every topic must have.
REQUIRED_LANGUAGE = "fi"

TOPIC_KEYS = ["slug", "area", "status", "handoff_desk", "follow_ups", "languages"]
REQUIRED_TOPIC_KEYS = {"slug", "area", "status", "languages"}
LANGUAGE_KEYS = ["title", "questions", "answer", "plain_answer", "referrals"]
REQUIRED_LANGUAGE_KEYS = {"title", "questions", "answer"}
REFERRAL_KEYS = ["name", "url", "phone", "hours"]
REQUIRED_REFERRAL_KEYS = {"name"}

# Mirrors the model fields' max_length, so that a file too long fails validation
# rather than the database in the middle of an import.
MAX_LENGTHS = {
    "slug": 80,
    "area": 40,
    "title": 120,
    "question": 500,
    "name": 200,
    "url": 500,
    "phone": 60,
    "hours": 200,
}

SLUG_RE = re.compile(SLUG_PATTERN)
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"

# A topic in its canonical form: plain dicts and lists in the file's key order,
# optional keys left out when empty. Both import and export use this form, so
# comparing two of them tells whether an import would change a topic.
TopicData = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class BrainFileError(Exception):
    """The brain directory has problems; nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the brain files")
        self.problems = problems


@dataclass
class ParsedFile:
    path: Path
    data: TopicData | None = None
    # Where each follow-up was named, to report unknown slugs at their line.
    follow_up_lines: dict[str, int] = field(default_factory=dict)
    handoff_desk: str | None = None
    handoff_line: int = 0


# --- Reading -----------------------------------------------------------------------


# libyaml's loader when PyYAML was built with it: it reads the brain (10,000 lines and more)
# some ten times faster than the pure-Python one, with the same nodes and line marks.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class FileReader:
    """Turns one file's YAML node tree into canonical topic data, collecting problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, line, message))

    def read(self) -> ParsedFile:
        parsed = ParsedFile(self.path)
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            self.problem(1, f"not UTF-8 text ({error.reason})")
            return parsed
        try:
            root = yaml.compose(text, Loader=SAFE_LOADER)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = int(mark.line) + 1 if mark is not None else 1
            self.problem(line, f"not valid YAML: {error.problem or error.context}")
            return parsed
        except yaml.YAMLError as error:
            self.problem(1, f"not valid YAML: {error}")
            return parsed
        if root is None:
            self.problem(1, "the file is empty")
            return parsed
        parsed.data = self.topic(root, parsed)
        return parsed

    # Node helpers. Each returns None (after reporting) when the node is unusable.

    def mapping(
        self, node: yaml.Node, what: str, allowed: list[str], required: set[str]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(line_of(node), f"{what} must be a mapping of keys to values")
            return None
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(line_of(key_node), f"{what}: keys must be plain words")
            elif key in result:
                self.problem(line_of(key_node), f"{what}: duplicate key '{key}'")
            elif key not in allowed:
                self.problem(line_of(key_node), f"{what}: unknown key '{key}' (allowed: {', '.join(allowed)})")
            else:
                result[key] = value_node
        for key in allowed:
            if key in required and key not in result:
                self.problem(line_of(node), f"{what}: missing required key '{key}'")
        return result

    def string(self, node: yaml.Node, what: str, *, required: bool = True, max_length: int | None = None) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(line_of(node), f"{what} must be text")
            return None
        if node.tag == NULL_TAG:
            if required:
                self.problem(line_of(node), f"{what} must not be empty")
            return None
        value = str(node.value)
        if required and not value.strip():
            self.problem(line_of(node), f"{what} must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.problem(line_of(node), f"{what} is longer than {max_length} characters")
            return None
        return value

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(line_of(node), f"{what} must be a list")
            return None
        return list(node.value)

    # The topic and its parts.

    def topic(self, root: yaml.Node, parsed: ParsedFile) -> TopicData | None:
        before = len(self.problems)
        keys = self.mapping(root, "topic", TOPIC_KEYS, REQUIRED_TOPIC_KEYS)
        if keys is None:
            return None
        data: TopicData = {}
        if "slug" in keys:
            slug = self.string(keys["slug"], "slug", max_length=MAX_LENGTHS["slug"])
            if slug is not None:
                if not SLUG_RE.match(slug):
                    self.problem(
                        line_of(keys["slug"]), f"slug '{slug}' must be lowercase letters, digits and single hyphens"
                    )
                elif self.path.stem != slug or self.path.suffix != ".yaml":
                    self.problem(
                        line_of(keys["slug"]), f"slug '{slug}' does not match the file name (expected {slug}.yaml)"
                    )
                data["slug"] = slug
        if "area" in keys:
            area = self.string(keys["area"], "area", max_length=MAX_LENGTHS["area"])
            if area is not None:
                data["area"] = area.strip()
        if "status" in keys:
            status = self.string(keys["status"], "status")
            if status is not None:
                if status not in TopicStatus.values:
                    self.problem(
                        line_of(keys["status"]), f"status '{status}' must be one of: {', '.join(TopicStatus.values)}"
                    )
                data["status"] = status
        if "handoff_desk" in keys:
            desk = self.string(keys["handoff_desk"], "handoff_desk", required=False)
            if desk:
                data["handoff_desk"] = parsed.handoff_desk = desk.strip()
                parsed.handoff_line = line_of(keys["handoff_desk"])
        if "follow_ups" in keys:
            items = self.sequence(keys["follow_ups"], "follow_ups")
            follow_ups: list[str] = []
            for item in items or []:
                slug = self.string(item, "a follow-up")
                if slug is None:
                    continue
                slug = slug.strip()
                if slug in parsed.follow_up_lines:
                    self.problem(line_of(item), f"follow-up '{slug}' is listed twice")
                    continue
                if slug == data.get("slug"):
                    self.problem(line_of(item), "a topic cannot be its own follow-up")
                    continue
                parsed.follow_up_lines[slug] = line_of(item)
                follow_ups.append(slug)
            if follow_ups:
                data["follow_ups"] = sorted(follow_ups)
        if "languages" in keys:
            data["languages"] = self.languages(keys["languages"])
        return data if len(self.problems) == before else None

    def languages(self, node: yaml.Node) -> dict[str, Any]:
        keys = self.mapping(node, "languages", list(language_codes()), {REQUIRED_LANGUAGE})
        result: dict[str, Any] = {}
        for code in language_codes():
            if keys is not None and code in keys:
                text = self.language(keys[code], code)
                if text is not None:
                    result[code] = text
        return result

    def language(self, node: yaml.Node, code: str) -> dict[str, Any] | None:
        where = f"languages.{code}"
        keys = self.mapping(node, where, LANGUAGE_KEYS, REQUIRED_LANGUAGE_KEYS)
        if keys is None:
            return None
        data: dict[str, Any] = {}
        if "title" in keys:
            title = self.string(keys["title"], f"{where}.title", max_length=MAX_LENGTHS["title"])
            if title is not None:
                data["title"] = title.strip()
        if "questions" in keys:
            data["questions"] = self.questions(keys["questions"], where)
        if "answer" in keys:
            answer = self.string(keys["answer"], f"{where}.answer")
            if answer is not None:
                data["answer"] = answer
        if "plain_answer" in keys:
            plain = self.string(keys["plain_answer"], f"{where}.plain_answer", required=False)
            if plain and plain.strip():
                data["plain_answer"] = plain
        if "referrals" in keys:
            referrals = [
                referral
                for item in self.sequence(keys["referrals"], f"{where}.referrals") or []
                if (referral := self.referral(item, f"{where}.referrals")) is not None
            ]
            if referrals:
                data["referrals"] = referrals
        return data

    def questions(self, node: yaml.Node, where: str) -> list[str]:
        items = self.sequence(node, f"{where}.questions")
        if items is None:
            return []
        if not items:
            self.problem(line_of(node), f"{where}.questions must list at least one question")
        if len(items) > settings.BRAIN_MAX_QUESTIONS:
            self.problem(line_of(node), f"{where}.questions: more than {settings.BRAIN_MAX_QUESTIONS} questions")
        questions: list[str] = []
        for item in items:
            text = self.string(item, f"{where}.questions: a question", max_length=MAX_LENGTHS["question"])
            if text is None:
                continue
            text = text.strip()
            if text in questions:
                self.problem(line_of(item), f"{where}.questions: '{text}' is listed twice")
                continue
            questions.append(text)
        return questions

    def referral(self, node: yaml.Node, where: str) -> dict[str, str] | None:
        keys = self.mapping(node, f"{where}: a referral", REFERRAL_KEYS, REQUIRED_REFERRAL_KEYS)
        if keys is None:
            return None
        data: dict[str, str] = {}
        for key in REFERRAL_KEYS:
            if key not in keys:
                continue
            value = self.string(
                keys[key],
                f"{where}: referral {key}",
                required=key in REQUIRED_REFERRAL_KEYS,
                max_length=MAX_LENGTHS[key],
            )
            if value is None or not value.strip():
                continue
            value = value.strip()
            if key == "url" and not is_web_address(value):
                self.problem(line_of(keys[key]), f"{where}: referral url '{value}' must be an http(s) address")
                continue
            data[key] = value
        return data


def is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)


def read_brain_dir(directory: Path, *, standalone: bool = False) -> list[TopicData]:
    """Read and validate every `*.yaml` file in `directory`: the one reader of brain folders.

    Raises BrainFileError with every problem found when anything is wrong:
    files are checked on their own first, then against each other and the
    database (follow-ups, hand-off desks). `standalone` reads no database: the
    folder must name only its own topics as follow-ups and no hand-off desk
    (the starter brain, a bot built before the database is migrated).
    """
    if not directory.is_dir():
        raise BrainFileError([Problem(str(directory), 0, "not a directory")])
    paths = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))
    problems: list[Problem] = []
    if not paths:
        problems.append(Problem(str(directory), 0, "no topic files (*.yaml) found"))
    parsed_files: list[ParsedFile] = []
    for path in paths:
        reader = FileReader(path)
        parsed_files.append(reader.read())
        problems.extend(reader.problems)

    slugs_in_dir = {p.path.stem for p in parsed_files}
    known_slugs = set(slugs_in_dir)
    desks: set[str] = set()
    if not standalone:
        known_slugs |= set(Topic.objects.values_list("slug", flat=True))
        desks |= set(Desk.objects.values_list("slug", flat=True))
    # Checked for invalid files too, so that one run reports everything.
    for parsed in parsed_files:
        for slug, line in parsed.follow_up_lines.items():
            if slug not in known_slugs:
                problems.append(
                    Problem(
                        parsed.path.name, line, f"follow-up '{slug}' is not a topic in this directory or the database"
                    )
                )
        desk = parsed.handoff_desk
        # Standalone (the starter brain, no database): a hand-off desk that does not exist
        # where the brain is used hands over to the conversation's own desk (handoff_desk()).
        if desk is not None and not standalone and desk not in desks:
            problems.append(Problem(parsed.path.name, parsed.handoff_line, f"handoff_desk '{desk}' is not a desk"))
    if problems:
        raise BrainFileError(problems)
    return [p.data for p in parsed_files if p.data is not None]


# --- Writing -----------------------------------------------------------------------


def topic_data(topic: Topic) -> TopicData:
    """The canonical form of a topic as stored in the database: the one database-to-data function.

    Export writes it, import compares with it, and the bot is built from it (bot.brains).
    """
    data: TopicData = {"slug": topic.slug, "area": topic.area, "status": topic.status}
    if topic.handoff_desk is not None:
        data["handoff_desk"] = topic.handoff_desk.slug
    # Links to archived topics are kept in the database (they come back when the topic is
    # restored) but are no part of the topic meanwhile: not offered, not exported.
    follow_ups = sorted(t.slug for t in topic.follow_ups.all() if t.archived_at is None)
    if follow_ups:
        data["follow_ups"] = follow_ups
    texts = {t.language: t for t in topic.texts.all()}
    languages: dict[str, Any] = {}
    for code in language_codes():
        text = texts.get(code)
        if text is None:
            continue
        entry: dict[str, Any] = {
            "title": text.title,
            "questions": [q.text for q in topic.questions.all() if q.language == code],
            "answer": text.answer,
        }
        if text.plain_answer.strip():
            entry["plain_answer"] = text.plain_answer
        referrals = []
        for referral in topic.referrals.all():
            if referral.language != code:
                continue
            item: dict[str, str] = {"name": referral.name}
            if referral.url:
                item["url"] = referral.url
            # Quoted, as in docs/brain-format.md: "112" or "9-16" must stay text.
            if referral.phone:
                item["phone"] = Quoted(referral.phone)
            if referral.hours:
                item["hours"] = Quoted(referral.hours)
            referrals.append(item)
        if referrals:
            entry["referrals"] = referrals
        languages[code] = entry
    data["languages"] = languages
    return data


def topics_for_export() -> list[Topic]:
    """Every topic but the archived ones, with what `topic_data` reads fetched in a few queries."""
    return list(topics_with_parts().filter(archived_at__isnull=True))


def export_data(topic: Topic) -> TopicData:
    """What `brain export` writes for `topic`: what clients see, or the draft of a topic never published.

    A published topic is written as published, without its pending draft (the
    file says what the bot answers). A topic never published has nothing else
    than its draft, written with status draft so that the work moves with the
    brain (and an import keeps it out of the bot).
    """
    if topic.status == TopicStatus.DRAFT and topic.draft is not None:
        return {**topic.draft, "slug": topic.slug, "status": TopicStatus.DRAFT.value}
    return topic_data(topic)


def published_topics() -> list[Topic]:
    """The published topics that are not archived (what the bot answers from), fetched as for export."""
    return list(topics_with_parts().filter(status=TopicStatus.PUBLISHED, archived_at__isnull=True))


def topics_with_parts() -> QuerySet[Topic]:
    """Every topic (archived too) with what `topic_data` reads, for a few queries in all."""
    return Topic.objects.select_related("handoff_desk").prefetch_related(
        "follow_ups", "texts", "questions", "referrals"
    )


class Quoted(str):
    """Text always written in double quotes."""

    __slots__ = ()


class BrainDumper(yaml.SafeDumper):
    """Block style for multi-line text, so that answers read like the Markdown they are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as in docs/brain-format.md.
        super().increase_indent(flow, False)


def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar(STR_TAG, value, style="|")
    return dumper.represent_scalar(STR_TAG, value)


def represent_quoted(dumper: yaml.SafeDumper, value: Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar(STR_TAG, str(value), style='"')


BrainDumper.add_representer(str, represent_str)
BrainDumper.add_representer(Quoted, represent_quoted)


def dump_topic(data: TopicData) -> str:
    return yaml.dump(
        data, Dumper=BrainDumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1_000_000
    )


def export_brain(directory: Path) -> list[Path]:
    """Write every topic to `directory/<slug>.yaml` (see export_data); returns the files written.

    A draft that could not be published yet (bot.actions.check_publishable:
    the file format's rules) is left out, so that the folder always imports.
    """
    from bot.actions import check_publishable  # bot.actions builds on this module

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in topics_for_export():
        if topic.status == TopicStatus.DRAFT and topic.draft is not None:
            try:
                check_publishable(topic.draft)
            except ValidationError:
                continue
        path = directory / f"{topic.slug}.yaml"
        path.write_text(dump_topic(export_data(topic)), encoding="utf-8")
        written.append(path)
    return written
