"""The brain's YAML files: export, import, and import's reports of everything wrong."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Organisation
from bot.brainfiles import BrainFileError, read_brain_dir
from bot.models import ExampleQuestion, Referral, Topic, TopicEdit, TopicText
from common.languages import language_codes
from desks.models import Audience, Desk

HOUSING = """\
slug: housing-allowance
area: housing
status: published
handoff_desk: youth
follow_ups: [money-budget]
languages:
  fi:
    title: Tuki asumiseen
    questions:
      - voiko opiskelija saada tukea asumiseen
      - paljonko asumistukea saa
      - vuokra liian kallis mitä teen
    answer: |
      Opiskelijana voit saada **yleistä asumistukea** Kelasta.

      - Hae tukea [Kelan sivuilta](https://www.kela.fi/asumisen-tuet).
      - Tarkista tulot ennen hakemista.
    plain_answer: |
      Kela voi maksaa osan vuokrasta.
    referrals:
      - name: Kela
        url: https://www.kela.fi/asumisen-tuet
        phone: "020 692 210"
        hours: "ma–pe 9–16"
      - name: Kunnan sosiaalitoimi
  sv:
    title: Stöd för boende
    questions:
      - kan en studerande få bostadsbidrag
    answer: Du kan ansöka om allmänt bostadsbidrag hos FPA.
  en:
    title: Help with rent
    questions:
      - can a student get housing allowance
    answer: |
      You can apply for general housing allowance from Kela.
"""

BUDGET = """\
slug: money-budget
area: money
status: draft
languages:
  fi:
    title: Rahat riittämään
    questions:
      - rahat loppuu aina kesken kuuta
    answer: Tee budjetti ja kysy apua talous- ja velkaneuvonnasta.
"""


@pytest.fixture
def youth_desk(db):
    organisation = Organisation.objects.create(name="Testikunta", slug="testikunta")
    return Desk.objects.create(
        organisation=organisation,
        slug="youth",
        name_fi="Nuoret",
        name_sv="Unga",
        name_en="Young people",
        audience=Audience.YOUTH,
    )


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def brain_dir(tmp_path, youth_desk):
    directory = tmp_path / "brain"
    write(directory, "housing-allowance.yaml", HOUSING)
    write(directory, "money-budget.yaml", BUDGET)
    return directory


def import_dir(directory: Path) -> str:
    out = StringIO()
    call_command("brain", "import", str(directory), stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(*args: str) -> tuple[list[str], str]:
    """Run a `brain` command that must fail: its problem lines and its final message."""
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("brain", *args, stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    return [line for line in err.getvalue().splitlines() if line], str(raised.value)


def import_errors(directory: Path) -> list[str]:
    """Run a failing import and return its problem lines; asserts it fails."""
    problems, message = refused("import", str(directory))
    assert "nothing was imported" in message
    return problems


def db_snapshot() -> tuple[int, ...]:
    return (
        Topic.objects.count(),
        TopicText.objects.count(),
        ExampleQuestion.objects.count(),
        Referral.objects.count(),
        TopicEdit.objects.count(),
    )


# --- Import and export ------------------------------------------------------------


def test_import_creates_topics(brain_dir, youth_desk):
    output = import_dir(brain_dir)
    assert "2 created, 0 updated, 0 unchanged" in output

    housing = Topic.objects.get(slug="housing-allowance")
    assert housing.area == "housing"
    assert housing.status == "published"
    assert housing.handoff_desk == youth_desk
    assert [t.slug for t in housing.follow_ups.all()] == ["money-budget"]
    # Follow-ups point one way only.
    assert list(Topic.objects.get(slug="money-budget").follow_ups.all()) == []
    assert sorted(housing.texts.values_list("language", flat=True)) == ["en", "fi", "sv"]
    fi = housing.texts.get(language="fi")
    assert fi.title == "Tuki asumiseen"
    assert fi.answer.startswith("Opiskelijana voit saada **yleistä asumistukea**")
    assert fi.plain_answer == "Kela voi maksaa osan vuokrasta.\n"
    assert housing.questions.filter(language="fi").count() == 3
    referrals = list(housing.referrals.filter(language="fi"))
    assert [r.name for r in referrals] == ["Kela", "Kunnan sosiaalitoimi"]
    assert referrals[0].phone == "020 692 210"
    assert referrals[0].hours == "ma–pe 9–16"
    assert referrals[1].url == ""
    edit = housing.edits.get()
    assert edit.staff is None
    assert "brain import" in edit.summary


def test_round_trip_is_a_no_op(brain_dir, tmp_path):
    import_dir(brain_dir)
    first = tmp_path / "first"
    out = StringIO()
    call_command("brain", "export", str(first), stdout=out)
    assert "Exported 2 topic(s)" in out.getvalue()
    assert sorted(p.name for p in first.iterdir()) == ["housing-allowance.yaml", "money-budget.yaml"]

    edits_before = TopicEdit.objects.count()
    output = import_dir(first)
    assert "0 created, 0 updated, 2 unchanged" in output
    assert TopicEdit.objects.count() == edits_before

    second = tmp_path / "second"
    call_command("brain", "export", str(second), stdout=StringIO())
    for path in first.iterdir():
        assert (second / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_export_format(brain_dir, tmp_path):
    import_dir(brain_dir)
    out_dir = tmp_path / "out"
    call_command("brain", "export", str(out_dir), stdout=StringIO())
    text = (out_dir / "housing-allowance.yaml").read_text(encoding="utf-8")
    # Stable key order as documented, readable Finnish, block style for multi-line answers.
    keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith(" ")]
    assert keys == ["slug", "area", "status", "handoff_desk", "follow_ups", "languages"]
    assert '        phone: "020 692 210"\n        hours: "ma–pe 9–16"\n' in text
    assert "yleistä" in text
    assert "    answer: |\n      Opiskelijana" in text
    data = yaml.safe_load(text)
    assert list(data["languages"]) == list(language_codes())
    assert list(data["languages"]["fi"]) == ["title", "questions", "answer", "plain_answer", "referrals"]
    assert data["languages"]["fi"]["referrals"][0] == {
        "name": "Kela",
        "url": "https://www.kela.fi/asumisen-tuet",
        "phone": "020 692 210",
        "hours": "ma–pe 9–16",
    }


def test_reimport_replaces_texts_questions_and_referrals(brain_dir):
    import_dir(brain_dir)
    changed = HOUSING.replace("      - paljonko asumistukea saa\n", "").replace("Tuki asumiseen", "Asumistuki")
    changed = changed.replace("follow_ups: [money-budget]\n", "")
    write(brain_dir, "housing-allowance.yaml", changed)
    output = import_dir(brain_dir)
    assert "0 created, 1 updated, 1 unchanged" in output
    housing = Topic.objects.get(slug="housing-allowance")
    assert housing.texts.get(language="fi").title == "Asumistuki"
    assert not housing.questions.filter(text="paljonko asumistukea saa").exists()
    assert housing.questions.filter(language="fi").count() == 2
    assert housing.referrals.filter(language="fi").count() == 2
    assert housing.follow_ups.count() == 0
    assert housing.edits.count() == 2


def test_follow_up_may_name_a_topic_already_in_the_database(brain_dir, tmp_path):
    import_dir(brain_dir)
    only_housing = tmp_path / "only"
    write(only_housing, "housing-allowance.yaml", HOUSING.replace("Tuki asumiseen", "Asumistuki"))
    assert "1 updated" in import_dir(only_housing)


# --- Errors -------------------------------------------------------------------------


def test_follow_up_to_unknown_slug(tmp_path, youth_desk):
    directory = tmp_path / "brain"
    write(directory, "housing-allowance.yaml", HOUSING)  # money-budget is missing
    problems = import_errors(directory)
    assert problems == [
        "housing-allowance.yaml:5: follow-up 'money-budget' is not a topic in this directory or the database"
    ]
    assert db_snapshot() == (0, 0, 0, 0, 0)


def test_broken_file_among_good_ones_changes_nothing(brain_dir):
    import_dir(brain_dir)
    before = db_snapshot()
    titles_before = list(TopicText.objects.order_by("pk").values_list("title", flat=True))
    # One good change and one new broken file: neither may land.
    write(brain_dir, "money-budget.yaml", BUDGET.replace("Rahat riittämään", "Budjetti"))
    write(brain_dir, "broken.yaml", "slug: broken\narea: x: y\nstatus: published\n")
    problems = import_errors(brain_dir)
    assert len(problems) == 1
    # libyaml says "in this context", the pure-Python reader "here".
    assert problems[0].startswith("broken.yaml:2: not valid YAML: mapping values are not allowed")
    assert db_snapshot() == before
    assert list(TopicText.objects.order_by("pk").values_list("title", flat=True)) == titles_before


BAD_TOPIC = """\
slug: Bad_Slug
area: ""
status: live
colour: blue
handoff_desk: nowhere
follow_ups: [ghost-topic, ghost-topic]
languages:
  de:
    title: Hallo
  sv:
    questions: []
    answer: Svar
    extra: 1
  en:
    title: Hi
    questions:
      - fine
      - ""
      - [nested]
      - fine
    answer: Hello
    referrals:
      - name: No scheme
        url: www.example.fi
      - name: Script
        url: javascript:alert(1)
      - url: https://ok.example
      - just a string
"""


def test_every_problem_reported_with_file_and_line(tmp_path, youth_desk):
    directory = tmp_path / "brain"
    write(directory, "bad.yaml", BAD_TOPIC)
    write(directory, "other-name.yaml", BUDGET)  # slug money-budget in the wrong file
    write(directory, "empty.yaml", "")
    write(directory, "list.yaml", "- just\n- a list\n")
    write(directory, "missing.yaml", "slug: missing\n")
    write(directory, "README.txt", "not a topic file: ignored")
    problems = import_errors(directory)
    expected = [
        "bad.yaml:4: topic: unknown key 'colour' (allowed: slug, area, status, handoff_desk, follow_ups, languages)",
        "bad.yaml:1: slug 'Bad_Slug' must be lowercase letters, digits and single hyphens",
        "bad.yaml:2: area must not be empty",
        "bad.yaml:3: status 'live' must be one of: draft, published",
        "bad.yaml:6: follow-up 'ghost-topic' is listed twice",
        "bad.yaml:8: languages: unknown key 'de' (allowed: fi, sv, en)",
        "bad.yaml:8: languages: missing required key 'fi'",
        "bad.yaml:13: languages.sv: unknown key 'extra' (allowed: title, questions, answer, plain_answer, referrals)",
        "bad.yaml:11: languages.sv: missing required key 'title'",
        "bad.yaml:11: languages.sv.questions must list at least one question",
        "bad.yaml:18: languages.en.questions: a question must not be empty",
        "bad.yaml:19: languages.en.questions: a question must be text",
        "bad.yaml:20: languages.en.questions: 'fine' is listed twice",
        "bad.yaml:24: languages.en.referrals: referral url 'www.example.fi' must be an http(s) address",
        "bad.yaml:26: languages.en.referrals: referral url 'javascript:alert(1)' must be an http(s) address",
        "bad.yaml:27: languages.en.referrals: a referral: missing required key 'name'",
        "bad.yaml:28: languages.en.referrals: a referral must be a mapping of keys to values",
        "empty.yaml:1: the file is empty",
        "list.yaml:1: topic must be a mapping of keys to values",
        "missing.yaml:1: topic: missing required key 'area'",
        "missing.yaml:1: topic: missing required key 'status'",
        "missing.yaml:1: topic: missing required key 'languages'",
        "other-name.yaml:1: slug 'money-budget' does not match the file name (expected money-budget.yaml)",
        "bad.yaml:6: follow-up 'ghost-topic' is not a topic in this directory or the database",
        "bad.yaml:5: handoff_desk 'nowhere' is not a desk",
    ]
    assert problems == expected
    assert db_snapshot() == (0, 0, 0, 0, 0)


def test_duplicate_keys_and_too_long_text(tmp_path, youth_desk):
    directory = tmp_path / "brain"
    long_title = "x" * 121
    text = BUDGET.replace("area: money\n", "area: money\narea: work\n").replace("Rahat riittämään", long_title)
    write(directory, "money-budget.yaml", text)
    problems = import_errors(directory)
    assert problems == [
        "money-budget.yaml:3: topic: duplicate key 'area'",
        "money-budget.yaml:7: languages.fi.title is longer than 120 characters",
    ]


def test_not_utf8(tmp_path, youth_desk):
    directory = tmp_path / "brain"
    directory.mkdir()
    (directory / "money-budget.yaml").write_bytes(BUDGET.replace("ä", "\xe4").encode("latin-1"))
    problems = import_errors(directory)
    assert len(problems) == 1
    assert problems[0].startswith("money-budget.yaml:1: not UTF-8 text")


def test_empty_or_missing_directory(tmp_path, db):
    (tmp_path / "empty").mkdir()
    assert import_errors(tmp_path / "empty") == [f"{tmp_path / 'empty'}:0: no topic files (*.yaml) found"]
    assert import_errors(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}:0: not a directory"]


def test_read_brain_dir_raises_with_problems(tmp_path, db):
    directory = tmp_path / "brain"
    write(directory, "money-budget.yaml", BUDGET.replace("status: draft", "status: maybe"))
    with pytest.raises(BrainFileError) as raised:
        read_brain_dir(directory)
    assert [str(p) for p in raised.value.problems] == [
        "money-budget.yaml:3: status 'maybe' must be one of: draft, published"
    ]


def test_command_needs_a_subcommand(db):
    with pytest.raises(CommandError):
        call_command("brain")


def test_brain_evaluate_reports_accuracy_and_timing(demo: Any, tmp_path: Path) -> None:
    """The starter brain hands over to the demo's homework and parents desks, which must exist (as for an import)."""
    questions = tmp_path / "questions.tsv"
    questions.write_text(
        "expected\tlang\tquestion\n"
        "crisis\tfi\ten jaksa enää elää\n"
        "handoff\tfi\thaluun puhua oikeen ihmisen kanssa\n"
        "work-tax-card\tfi\tmist mä saan verokortin kesätöihin\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("brain", "evaluate", str(questions), "--brain", "bot/brain", stdout=out)
    report = out.getvalue()
    assert "crisis recall:           1/1 = 100.0%" in report
    assert "top-1 accuracy (topics):" in report
    assert "p95" in report
    with pytest.raises(CommandError, match="no such file"):
        call_command("brain", "evaluate", str(tmp_path / "missing.tsv"))


def test_brain_evaluate_refuses_what_brain_import_refuses(tmp_path: Path, youth_desk: Desk) -> None:
    """One reader for brain folders: `evaluate --brain DIR` reports the very problems `import` does."""
    directory = tmp_path / "brain"
    write(directory, "bad.yaml", BAD_TOPIC)
    write(directory, "money-budget.yaml", BUDGET)
    questions = tmp_path / "questions.tsv"
    questions.write_text("money-budget\tfi\trahat loppuu aina kesken kuuta\n", encoding="utf-8")

    imported, import_message = refused("import", str(directory))
    evaluated, evaluate_message = refused("evaluate", str(questions), "--brain", str(directory))

    assert "bad.yaml:3: status 'live' must be one of: draft, published" in imported
    assert "bad.yaml:5: handoff_desk 'nowhere' is not a desk" in imported
    assert evaluated == imported
    assert import_message == f"{len(imported)} problem(s) found; nothing was imported."
    assert evaluate_message == f"{len(imported)} problem(s) found; nothing was evaluated."


def test_brain_evaluate_checks_follow_ups_and_desks_against_the_database(tmp_path: Path, youth_desk: Desk) -> None:
    """As for an import, a folder may name desks and topics that only the database holds."""
    directory = tmp_path / "brain"
    write(directory, "housing-allowance.yaml", HOUSING)  # hand-off desk "youth", follow-up money-budget
    write(tmp_path / "db", "money-budget.yaml", BUDGET)
    import_dir(tmp_path / "db")
    questions = tmp_path / "questions.tsv"
    questions.write_text("housing-allowance\tfi\tvoiko opiskelija saada tukea asumiseen\n", encoding="utf-8")
    out = StringIO()
    call_command("brain", "evaluate", str(questions), "--brain", str(directory), stdout=out)
    assert "top-1 accuracy (topics): 1/1 = 100.0%" in out.getvalue()


def test_more_example_questions_than_a_topic_may_have(tmp_path, youth_desk, settings):
    # The limit the brain editor accepts too (settings.BRAIN_MAX_QUESTIONS): a file over it is refused whole.
    settings.BRAIN_MAX_QUESTIONS = 2
    directory = tmp_path / "brain"
    extra = "      - rahat loppuu aina kesken kuuta\n      - budjetti ei pidä\n      - miten säästän\n"
    write(directory, "money-budget.yaml", BUDGET.replace("      - rahat loppuu aina kesken kuuta\n", extra))
    before = db_snapshot()
    assert import_errors(directory) == ["money-budget.yaml:8: languages.fi.questions: more than 2 questions"]
    assert db_snapshot() == before
