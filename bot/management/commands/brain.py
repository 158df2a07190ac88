"""`manage.py brain export DIR` and `manage.py brain import DIR`.

Subcommands, so that the brain's tools stay together: `evaluate` (accuracy
over a question file, issue 3) is to be added here as a third subparser with
its own `handle_evaluate`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bot.actions import check_brain_dir, do_import_topics
from bot.brainfiles import BrainFileError, export_brain


class Command(BaseCommand):
    help = "Export the chatbot's brain to YAML files, or import it from them (see docs/brain-format.md)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{export,import}")
        export = subcommands.add_parser("export", help="Write one <slug>.yaml per topic into DIR.")
        export.add_argument("directory", metavar="DIR")
        import_ = subcommands.add_parser(
            "import", help="Validate every DIR/*.yaml and, when all are valid, create or update the topics."
        )
        import_.add_argument("directory", metavar="DIR")
        # Future: subcommands.add_parser("evaluate", ...) with handle_evaluate.

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"])
        if options["subcommand"] == "export":
            self.handle_export(directory)
        elif options["subcommand"] == "import":
            self.handle_import(directory)
        else:  # pragma: no cover - argparse only lets the subcommands above through
            raise CommandError(f"unknown subcommand {options['subcommand']}")

    def handle_export(self, directory: Path) -> None:
        written = export_brain(directory)
        self.stdout.write(f"Exported {len(written)} topic(s) to {directory}.")

    def handle_import(self, directory: Path) -> None:
        try:
            topics = check_brain_dir(directory)
        except BrainFileError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} problem(s) found; nothing was imported.", returncode=1
            ) from error
        summary = do_import_topics(topics, source=str(directory))
        self.stdout.write(
            f"Imported {len(topics)} topic(s) from {directory}: {len(summary.created)} created, "
            f"{len(summary.updated)} updated, {len(summary.unchanged)} unchanged."
        )
