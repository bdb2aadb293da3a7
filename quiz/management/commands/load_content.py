from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz import content_file


class Command(BaseCommand):
    help = (
        "Load the article's content (topics, facts, questions) from the content file. "
        "Creates what is missing; only with --update does it overwrite existing items."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=content_file.DEFAULT_PATH, help="content file (JSON)")
        parser.add_argument(
            "--update",
            action="store_true",
            help="overwrite existing items with the file's text (discards edits made in admin)",
        )

    def handle(self, *args, file: Path, update: bool, **options) -> None:
        try:
            report = content_file.load(file, update=update)
        except content_file.ContentFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(report.summary())
