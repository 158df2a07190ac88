"""`manage.py brain export DIR`, `manage.py brain import DIR` and `manage.py brain evaluate FILE.tsv`.

Subcommands, so that the brain's tools stay together.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from bot.actions import check_brain_dir, do_import_topics
from bot.brainfiles import BrainFileError, export_brain


class Command(BaseCommand):
    help = "Export the chatbot's brain to YAML files, or import it from them (see docs/brain-format.md)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{export,import,evaluate}")
        export = subcommands.add_parser("export", help="Write one <slug>.yaml per topic into DIR.")
        export.add_argument("directory", metavar="DIR")
        import_ = subcommands.add_parser(
            "import", help="Validate every DIR/*.yaml and, when all are valid, create or update the topics."
        )
        import_.add_argument("directory", metavar="DIR")
        evaluate = subcommands.add_parser(
            "evaluate",
            help="Answer every line 'expected<TAB>lang<TAB>question' of the FILEs and report accuracy and timing.",
        )
        evaluate.add_argument("files", metavar="FILE", nargs="+")
        evaluate.add_argument(
            "--brain", metavar="DIR", help="evaluate the YAML brain in DIR instead of the published brain"
        )
        evaluate.add_argument(
            "--summary",
            action="store_true",
            help="print the scores only, not the misread lines (for held-out sets, which must stay unseen)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "evaluate":
            self.handle_evaluate([Path(f) for f in options["files"]], options.get("brain"), summary=options["summary"])
            return
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
            raise self.refused(error, "nothing was imported") from error
        summary = do_import_topics(topics, source=str(directory))
        self.stdout.write(
            f"Imported {len(topics)} topic(s) from {directory}: {len(summary.created)} created, "
            f"{len(summary.updated)} updated, {len(summary.unchanged)} unchanged."
        )

    def handle_evaluate(self, paths: list[Path], brain_dir: str | None, *, summary: bool = False) -> None:
        from bot.brains import load_brain_dir
        from bot.cache import get_bot
        from bot.evaluation import evaluate, format_report, parse_rows

        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        if brain_dir is None:
            bot = get_bot()
        else:
            # The reader of `brain import`: a folder it refuses is refused here too, with the same problems.
            try:
                try:
                    bot = load_brain_dir(Path(brain_dir))
                except DatabaseError:
                    # No brain tables (not migrated): nothing to check follow-ups and desks against
                    # but the folder itself, so it must stand on its own.
                    self.stderr.write("The database is not readable: the folder is checked on its own.")
                    bot = load_brain_dir(Path(brain_dir), standalone=True)
            except BrainFileError as error:
                raise self.refused(error, "nothing was evaluated") from error
        rows = [row for path in paths for row in parse_rows(path.read_text(encoding="utf-8").splitlines())]
        self.stdout.write(format_report(evaluate(rows, bot), summary=summary))

    def refused(self, error: BrainFileError, consequence: str) -> CommandError:
        """Every problem as `file:line: message` on stderr; the error to raise."""
        for problem in error.problems:
            self.stderr.write(str(problem))
        return CommandError(f"{len(error.problems)} problem(s) found; {consequence}.", returncode=1)
