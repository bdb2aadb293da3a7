"""Twelve learners studying at once, twenty answers each: no server error,
and every acknowledged answer is in the log exactly once.

Fixed amounts of work, not timings. In process on the suite's database (an
SQLite file, or PostgreSQL when DATABASE_URL names it), and in subprocesses
for each way of naming an SQLite file, so both are exercised in every run."""

from __future__ import annotations

import json

import pytest

from quiz import content_file
from quiz.models import ReviewLog
from tests.many_learners import ANSWERS, LEARNERS, inconsistent_cards, log_rows_by_learner, study_at_once
from tests.test_settings import run_django, sqlite_ways


@pytest.mark.django_db(transaction=True)
def test_twelve_learners_at_once_lose_no_answer_and_see_no_server_error():
    content_file.load()
    outcome = study_at_once()
    assert not outcome.errors, outcome.errors
    assert outcome.server_errors == []
    assert sorted(outcome.acknowledged.values()) == [ANSWERS] * LEARNERS
    assert log_rows_by_learner() == outcome.acknowledged
    assert ReviewLog.objects.count() == LEARNERS * ANSWERS
    assert inconsistent_cards() == []


STUDY_IN_A_FRESH_DATABASE = """
from django.core.management import call_command
from django.db import connection
from quiz import content_file
from tests.many_learners import inconsistent_cards, log_rows_by_learner, study_at_once
call_command("migrate", verbosity=0)
content_file.load()
outcome = study_at_once()
print(json.dumps({
    "name": connection.settings_dict["NAME"],
    "synchronous": connection.cursor().execute("PRAGMA synchronous").fetchone()[0],
    "errors": [repr(error) for error in outcome.errors],
    "server_errors": outcome.server_errors,
    "acknowledged": sorted(outcome.acknowledged.values()),
    "logged": {str(k): v for k, v in log_rows_by_learner().items()}
    == {str(k): v for k, v in outcome.acknowledged.items()},
    "inconsistent": inconsistent_cards(),
}))
"""


@pytest.mark.parametrize("way", ["SQLITE_PATH", "DATABASE_URL"])
def test_twelve_learners_at_once_on_an_sqlite_file_named_either_way_lose_nothing(tmp_path, way):
    result = run_django("import json\n" + STUDY_IN_A_FRESH_DATABASE, **sqlite_ways(tmp_path)[way])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["name"] == str(tmp_path / "db.sqlite3")
    assert report["synchronous"] == 2  # FULL
    assert report["errors"] == []
    assert report["server_errors"] == []
    assert report["acknowledged"] == [ANSWERS] * LEARNERS
    assert report["logged"] is True
    assert report["inconsistent"] == []
