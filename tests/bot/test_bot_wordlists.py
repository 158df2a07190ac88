"""The bot's word lists in bot/data/: every file loads, and a broken one says where it is broken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot import wordlists
from bot.wordlists import DATA_DIR, WordListError, load_mapping, load_table, load_words


def test_every_data_file_has_a_header_and_loads() -> None:
    files = sorted(DATA_DIR.glob("*.txt"))
    assert len(files) >= 10
    for path in files:
        assert path.read_text(encoding="utf-8").startswith("# "), path.name
        rows = load_table(path.name, unique=False) if "=" in path.read_text(encoding="utf-8") else load_words(path.name)
        assert rows, path.name


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(wordlists, "DATA_DIR", tmp_path)
    return tmp_path


def write(directory: Path, text: str) -> str:
    (directory / "list.txt").write_text(text, encoding="utf-8")
    return "list.txt"


def test_words_and_tables_keep_their_order_and_skip_comments(data_dir: Path) -> None:
    name = write(data_dir, "# What the list is for.\n\nyksi  # a comment\nkaksi\n# kolme\n")
    assert load_words(name) == ("yksi", "kaksi")
    name = write(data_dir, "# Table.\nkämppä = asunto\nduuni = työ, homma\n")
    assert load_table(name) == [("kämppä", ("asunto",)), ("duuni", ("työ", "homma"))]


@pytest.mark.parametrize(
    ("load", "text", "message"),
    [
        (load_words, "yksi\n", r"list.txt:1: must start with a '#' comment"),
        (load_words, "# header\n", r"list.txt: has no entries"),
        (load_words, "# header\nyksi\nYksi\n", r"list.txt:3: 'Yksi' must be lowercase"),
        (load_words, "# header\nyksi\nkaksi\nyksi\n", r"list.txt:4: 'yksi' is listed twice \(first at .*list.txt:2\)"),
        (load_words, "# header\nyksi kaksi\n", r"list.txt:2: 'yksi kaksi' is not one word"),
        (load_table, "# header\nkämppä asunto\n", r"list.txt:2: 'kämppä asunto' must read 'word = meaning'"),
        (load_table, "# header\nkämppä = \n", r"list.txt:2: .* must read 'word = meaning'"),
        (load_table, "# header\nkämppä = asunto,\n", r"list.txt:2: .* must read 'word = meaning'"),
        (load_table, "# header\na = b\na = c\n", r"list.txt:3: 'a' is listed twice"),
    ],
)
def test_a_broken_file_names_file_and_line(
    data_dir: Path, load: Callable[[str], object], text: str, message: str
) -> None:
    with pytest.raises(WordListError, match=message):
        load(write(data_dir, text))


def test_a_mapping_has_one_meaning_a_word(data_dir: Path) -> None:
    with pytest.raises(WordListError, match="'duuni' must have exactly one meaning, not 2"):
        load_mapping(write(data_dir, "# header\nduuni = työ, homma\n"))


def test_a_missing_file_is_a_clear_error(data_dir: Path) -> None:
    with pytest.raises(WordListError, match=r"missing\.txt: cannot be read"):
        load_words("missing.txt")
