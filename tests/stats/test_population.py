"""The population import: the example file, the variants PxWeb gives, and every kind of bad file.

Figures are checked against a direct reading of the file (the groups added up
here by hand, and the file's own total rows); a bad file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from common.demographics import AGE_BOUNDS
from stats.models import Municipality, PopulationCount
from stats.population import EXAMPLE_FILE, PopulationFileError, check_population_file, do_import_population

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The problems are read in English here (the site's default language is Finnish)."""
    with translation.override("en"):
        yield


EXAMPLE = EXAMPLE_FILE.read_bytes()
GENDER = {"Miehet": "boy_man", "Naiset": "girl_woman"}


def file_rows() -> list[dict[str, str]]:
    text = EXAMPLE.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text.split("\r\n\r\n", 1)[1]), delimiter=";"))


def expected(year: int) -> Counter[tuple[str, str, str]]:
    """The groups of the example file, added up here from its single years."""
    column = f"{year} Väestö 31.12. (lkm)"
    counts: Counter[tuple[str, str, str]] = Counter()
    for row in file_rows():
        if row["Ikä"] == "Yhteensä" or row["Sukupuoli"] == "Yhteensä":
            continue
        age = 100 if row["Ikä"] == "100 -" else int(row["Ikä"])
        group = next(g for g, (low, high) in AGE_BOUNDS.items() if low <= age <= high)
        counts[(row["Alue"][2:5], group, GENDER[row["Sukupuoli"]])] += int(row[column])
    return counts


def stored(year: int) -> Counter[tuple[str, str, str]]:
    return Counter(
        {(p.municipality_id, p.age_group, p.gender): p.count for p in PopulationCount.objects.filter(year=year)}
    )


def test_the_example_file_is_imported_group_by_group() -> None:
    summary = do_import_population(check_population_file(EXAMPLE))
    assert (summary.year, summary.municipalities, summary.replaced) == (2024, 3, False)
    assert stored(2024) == expected(2024)
    # Every group of every municipality is stored, zeros included: 3 municipalities × 9 age groups × 2 genders.
    assert PopulationCount.objects.count() == 3 * 9 * 2
    assert dict(Municipality.objects.values_list("code", "name")) == {
        "001": "Jokilaakso",
        "002": "Rantala",
        "003": "Koivumäki",
    }
    # The file's own totals agree with the groups added up.
    for row in file_rows():
        if row["Ikä"] == "Yhteensä" and row["Sukupuoli"] == "Yhteensä":
            code = row["Alue"][2:5]
            total = int(row["2024 Väestö 31.12. (lkm)"])
            assert sum(c for (m, _a, _g), c in stored(2024).items() if m == code) == total


def test_another_year_replaces_nothing_and_the_same_year_is_replaced_whole() -> None:
    do_import_population(check_population_file(EXAMPLE, 2023))
    do_import_population(check_population_file(EXAMPLE, 2024))
    assert stored(2023) == expected(2023) and stored(2024) == expected(2024)
    smaller = EXAMPLE.decode().replace('"KU003 Koivumäki"', '"KU002 Rantala"', 0)
    lines = [line for line in smaller.split("\r\n") if "KU003" not in line]
    summary = do_import_population(check_population_file("\r\n".join(lines).encode(), 2024))
    assert summary.replaced and summary.municipalities == 2
    assert {m for m, _a, _g in stored(2024)} == {"001", "002"}
    assert stored(2023) == expected(2023)
    # A municipality is never deleted: contact records name it.
    assert Municipality.objects.filter(code="003").exists()


def variant(text: str) -> str:
    """The example as PxWeb's English, comma-separated export without the title would write it."""
    english = (
        text.split("\r\n\r\n", 1)[1]
        .replace('"Alue";"Ikä";"Sukupuoli"', '"Area";"Age";"Sex"')
        .replace('"Yhteensä"', '"Total"')
        .replace('"Miehet"', '"Males"')
        .replace('"Naiset"', '"Females"')
        .replace("Väestö 31.12. (lkm)", "Population 31 Dec")
        .replace('"KU', '"')
    )
    return english.replace(";", ",")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(EXAMPLE.decode().encode("cp1252"), id="windows-1252"),
        pytest.param(EXAMPLE.decode().encode("latin-1"), id="latin-1"),
        pytest.param(b"\xef\xbb\xbf" + EXAMPLE, id="utf-8-bom"),
        pytest.param(EXAMPLE.replace(b"\r\n", b"\n"), id="unix-lines"),
        pytest.param(variant(EXAMPLE.decode()).encode("utf-8"), id="english-comma-no-title"),
        pytest.param(EXAMPLE.decode().replace(";", "\t").encode(), id="tabs"),
        pytest.param(EXAMPLE + b'\r\n"Footnote: made up."\r\n', id="footnote-after-blank-line"),
    ],
)
def test_the_variants_of_a_pxweb_file_give_the_same_figures(data: bytes) -> None:
    do_import_population(check_population_file(data))
    assert stored(2024) == expected(2024)
    assert Municipality.objects.get(code="003").name == "Koivumäki"


def bad(data: bytes | str, year: int | None = None) -> list[str]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(PopulationFileError) as error:
        check_population_file(raw, year)
    return error.value.problems


HEADER = '"Alue";"Ikä";"Sukupuoli";"2024 Väestö 31.12. (lkm)"\n'
GOOD = '"KU001 Jokilaakso";"15";"Naiset";120\n"KU001 Jokilaakso";"15";"Miehet";118\n'


def test_every_problem_is_named_with_its_line() -> None:
    assert bad(b"") == ["The file is empty."]
    assert bad(b"\n\n  \n") == ["The file is empty."]
    assert bad(EXAMPLE.decode().encode("utf-16")) == [
        "The file's characters cannot be read. Save it as CSV in UTF-8 (or as PxWeb gives it) and try again."
    ]
    assert bad(b'"Alue";"Ik\x81";"Sukupuoli";"2024"\n') == [
        "The file's characters cannot be read. Save it as CSV in UTF-8 (or as PxWeb gives it) and try again."
    ]
    assert bad('"Alue";"Sukupuoli";"x";"2024 Väestö"\n' + GOOD) == [
        "Line 1: the header row needs exactly one age column (Ikä, Age or Ålder)."
    ]
    assert bad('\n"Title"\n"Alue";"Ikä";"Ikä";"Sukupuoli";"2024"\n') == [
        "Line 3: the header row needs exactly one age column (Ikä, Age or Ålder)."
    ]
    assert bad('"Alue";"Ikä";"Sukupuoli";"Väestö"\n' + GOOD) == [
        "Line 1: the header row has no column of figures starting with a year, such as “2024 Väestö 31.12.”."
    ]
    assert bad("just some words\n") == [
        "The file has no header row with the columns Alue, Ikä, Sukupuoli and a year. See the instructions."
    ]
    assert bad(HEADER + GOOD + '"KU001 Jokilaakso";"16";"Naiset";12x\n') == ["Line 4: “12x” is not a number of people."]
    assert bad(HEADER + GOOD + '"KU001 Jokilaakso";"16";"Naiset";..\n') == ["Line 4: “..” is not a number of people."]
    assert bad(HEADER + GOOD + '"KU001 Jokilaakso";"16";"Muut";3\n') == [
        "Line 4: the gender “Muut” is unknown; use Naiset, Miehet or Yhteensä (or Females, Males, Total)."
    ]
    assert bad(HEADER + '"MK01 Uusimaa";"16";"Naiset";3\n') == [
        "Line 2: the area “MK01 Uusimaa” is not a municipality with its code (such as “KU091 Helsinki”)."
    ]
    assert bad(HEADER + '"KU001 Jokilaakso";"vauva";"Naiset";3\n') == [
        "Line 2: the age “vauva” is not a year of age (such as “0”, “45” or “100 -”)."
    ]
    assert bad(HEADER + GOOD + '"KU001 Jokilaakso";"15";"Naiset";3\n') == [
        "Line 4: the same municipality, age and gender are already on line 2."
    ]
    assert bad(HEADER + '"KU001 Jokilaakso";"15";"Naiset"\n') == [
        "Line 2: the line has 3 fields; the header row has 4."
    ]
    assert bad(HEADER + GOOD + '"KU001 Jokila";"16";"Naiset";3\n') == [
        "Line 4: the municipality 001 is named both “Jokilaakso” and “Jokila”."
    ]
    assert bad(HEADER + '"KU001 Jokilaakso";"Yhteensä";"Yhteensä";300\n') == [
        "The file has no figures by municipality, age and gender (only totals, or no lines at all)."
    ]
    assert bad(HEADER + GOOD, 2020) == ["The file has no figures for 2020; it has 2024."]
    # Several problems at once are all listed (up to twenty).
    many = HEADER + "".join(f'"KU001 Jokilaakso";"{age}";"Naiset";x\n' for age in range(30))
    assert len(bad(many)) == 20


def test_a_bad_file_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    do_import_population(check_population_file(EXAMPLE))
    before = stored(2024)
    # Only the last line is wrong: nothing of the lines before it is written.
    broken = EXAMPLE.decode().rstrip("\r\n") + '\r\n"KU001 Jokilaakso";"15";"Muut";3;3\r\n'
    assert bad(broken) == [
        "Line 922: the gender “Muut” is unknown; use Naiset, Miehet or Yhteensä (or Females, Males, Total)."
    ]
    assert stored(2024) == before
    # A write that fails half-way (after the year's old rows were deleted) leaves the old figures.
    table = check_population_file(EXAMPLE.replace(b"Jokilaakso", b"Uusilaakso"))

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(PopulationCount.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        do_import_population(table)
    assert stored(2024) == before
    assert Municipality.objects.get(code="001").name == "Jokilaakso"


def test_the_command_imports_and_refuses(tmp_path: Any) -> None:
    good = tmp_path / "population.csv"
    good.write_bytes(EXAMPLE.decode().encode("cp1252"))
    out = StringIO()
    call_command("import_population", str(good), "--year", "2023", stdout=out)
    assert out.getvalue().startswith("2023: ") and "in 3 municipalities" in out.getvalue()
    assert stored(2023) == expected(2023)
    broken = tmp_path / "broken.csv"
    broken.write_text(HEADER + '"KU001 Jokilaakso";"15";"Naiset";lots\n', encoding="utf-8")
    refused = re.escape("nothing was imported:\nLine 2: “lots” is not a number of people.")
    with pytest.raises(CommandError, match=refused):
        call_command("import_population", str(broken))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_population", str(tmp_path / "missing.csv"))
    assert set(PopulationCount.objects.values_list("year", flat=True)) == {2023}
