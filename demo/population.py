"""The demo region's population, so that the reach page compares the demo's clients with something.

The demo's municipalities are real (demo/data.py MUNICIPALITIES: Helsinki,
Espoo, Vantaa, Kauniainen), but THE FIGURES HERE ARE MADE UP, not Statistics
Finland's: each municipality's total is near its real size, spread over the
single years of age by one rough profile. They go in as a Statistics Finland
file would, through stats.population's reader and writer (a PxWeb CSV built
here, `check_population_file`, `do_import_population`), so the demo's figures
obey every rule a real file does. The shipped example file
(stats/data/population-example.csv, docs/population.md) is the format's
example and stays with its own made-up municipalities.
"""

from __future__ import annotations

from collections.abc import Iterable

from stats.models import PopulationCount
from stats.population import check_population_file, do_import_population

# The year the made-up figures stand for (the end of the year, as in table 11re).
DEMO_POPULATION_YEAR = 2024
# MADE UP: about each municipality's size, not an official figure.
TOTALS = {"091": 675_000, "049": 318_000, "092": 247_000, "235": 10_400}
# MADE UP: how many people of one year of age there are, relative to each other, by band of ages.
AGE_PROFILE = [
    (0, 6, 0.95),
    (7, 17, 1.0),
    (18, 24, 1.15),
    (25, 34, 1.55),
    (35, 44, 1.4),
    (45, 54, 1.25),
    (55, 64, 1.2),
    (65, 74, 1.1),
    (75, 84, 0.7),
    (85, 94, 0.25),
    (95, 100, 0.03),
]
# MADE UP: the capital has more young adults, the small town more families and older people.
YOUNG_ADULTS = {"091": 1.35, "049": 1.0, "092": 1.05, "235": 0.6}
OLDEST_AGE = 100  # PxWeb's open-ended last group, "100 -"


def _weight(code: str, age: int) -> float:
    base = next(weight for low, high, weight in AGE_PROFILE if low <= age <= high)
    return base * (YOUNG_ADULTS[code] if 20 <= age <= 34 else 1.0)


def _women_share(age: int) -> float:
    """Slightly fewer girls than boys are born; women outlive men."""
    return 0.49 if age < 50 else min(0.65, 0.49 + (age - 50) * 0.004)


def population_csv(municipalities: Iterable[tuple[str, str]]) -> bytes:
    """A table 11re CSV (semicolons, "KU091 Helsinki", single years, Miehet/Naiset) of the made-up figures."""
    lines = [f'"Alue";"Ikä";"Sukupuoli";"{DEMO_POPULATION_YEAR} Väestö 31.12. (lkm)"']
    for code, name in municipalities:
        weights = [_weight(code, age) for age in range(OLDEST_AGE + 1)]
        per_weight = TOTALS[code] / sum(weights)
        for age, weight in enumerate(weights):
            people = round(per_weight * weight)
            women = round(people * _women_share(age))
            label = f"{age} -" if age == OLDEST_AGE else str(age)
            lines.append(f'"KU{code} {name}";"{label}";"Miehet";{people - women}')
            lines.append(f'"KU{code} {name}";"{label}";"Naiset";{women}')
    return ("\n".join(lines) + "\n").encode()


def seed_population(municipalities: Iterable[tuple[str, str]]) -> int | None:
    """Import the made-up figures of `municipalities` (code, name) unless any of them has figures already.

    Returns the year imported, or None when nothing was done. A demo database
    from before this had the example file's made-up municipalities for the same
    year; importing replaces that year whole, so the page is coherent again.
    """
    municipalities = list(municipalities)
    if PopulationCount.objects.filter(municipality_id__in=[code for code, _name in municipalities]).exists():
        return None
    return do_import_population(check_population_file(population_csv(municipalities))).year
