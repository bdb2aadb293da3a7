"""Migrate and load the content, one server at a time.

`make serve` runs this as every server starts. Several servers starting at once
would otherwise run migrations side by side and race to create the same content;
on PostgreSQL a session advisory lock makes them take turns (the second finds
the work done). SQLite serves one machine, where `make serve` runs once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

# Any fixed number, the same in every server of this app.
LOCK_ID = 7_461_726_001


@contextmanager
def advisory_lock(db: BaseDatabaseWrapper, lock_id: int = LOCK_ID) -> Iterator[None]:
    """Hold a PostgreSQL session advisory lock while the block runs (waiting for
    it if another server holds it); no lock on other databases."""
    if db.vendor != "postgresql":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock_id])
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


class Command(BaseCommand):
    help = "Apply migrations and load new content, holding a lock so servers starting together take turns."

    def handle(self, *args, **options) -> None:
        with advisory_lock(connection):
            call_command("migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout)
            call_command("load_content", stdout=self.stdout)
