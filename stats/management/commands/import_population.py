"""manage.py import_population FILE [--year YEAR]: the region's population from a Statistics Finland CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.population import MAX_FILE_BYTES, PopulationFileError, check_population_file, do_import_population


class Command(BaseCommand):
    help = (
        "Import one year of the region's population by municipality, age and gender from a CSV file of "
        "Statistics Finland's table 11re (docs/population.md). The year's earlier figures are replaced whole; "
        "a file with any problem changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8 or Windows-1252, ; or , separated)")
        parser.add_argument("--year", type=int, help="the year's column to import (default: the newest in the file)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path}: the file is larger than {MAX_FILE_BYTES // 2**20} MB")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            table = check_population_file(data, options["year"])
        except PopulationFileError as error:
            raise CommandError(f"{path}: nothing was imported:\n" + "\n".join(error.problems)) from None
        summary = do_import_population(table)
        self.stdout.write(
            f"{summary.year}: {summary.people} people in {summary.municipalities} municipalities"
            + (" (replaced the earlier figures)" if summary.replaced else "")
        )
