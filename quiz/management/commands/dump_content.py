from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from quiz import content_file


class Command(BaseCommand):
    help = (
        "Write the database's content in the content file's format (same keys, stable order), "
        "so edits made in admin can be reviewed as a diff and committed. Loading the result changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, help="write here instead of to standard output")

    def handle(self, *args, file: Path | None, **options) -> None:
        text = content_file.dumps()
        if file is None:
            self.stdout.write(text, ending="")
        else:
            file.write_text(text, encoding="utf-8")
