"""load_content never undoes an editor's work, updates choices in place, and
takes turns with other servers (issue 8, finding 6)."""

from __future__ import annotations

import datetime
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection

from quiz import content_file
from quiz.management.commands.prepare_database import advisory_lock
from quiz.models import Choice, Learner, LoadedKey, Question, QuizAnswer, QuizAttempt

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
FLASHCARD = "what-is-a-fasciculation"


def write(data: dict, tmp_path: Path) -> Path:
    path = tmp_path / "content.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def multiple_choice_item(data: dict) -> dict:
    return next(q for fact in data["facts"] for q in fact["questions"] if q["kind"] == "multiple_choice")


def test_a_question_deleted_in_admin_stays_deleted_after_load_content(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    assert client.post(f"/admin/quiz/question/{question.pk}/delete/", {"post": "yes"}).status_code == 302

    call_command("load_content")
    call_command("load_content", "--update")

    assert not Question.objects.filter(key=FLASHCARD).exists()


def test_a_renamed_key_is_not_created_again_beside_the_editors_copy(content):
    Question.objects.filter(key=FLASHCARD).update(key="what-a-fasciculation-is-asked", is_published=False)

    report = content_file.load(update=True)

    assert not Question.objects.filter(key=FLASHCARD).exists()
    assert Question.objects.filter(key="what-a-fasciculation-is-asked", is_published=False).exists()
    assert report.skipped["questions"] == 1


def test_a_new_key_in_the_file_is_still_created(content, tmp_path):
    data = content_file.read()
    question = dict(data["facts"][0]["questions"][0], key="a-brand-new-question")
    data["facts"][0]["questions"].append(question)

    content_file.load(write(data, tmp_path))

    assert Question.objects.filter(key="a-brand-new-question").exists()
    assert LoadedKey.objects.filter(kind="question", key="a-brand-new-question").exists()


def test_choices_get_stable_keys_in_the_files_order(content):
    item = multiple_choice_item(content_file.read())
    question = Question.objects.get(key=item["key"])
    by_key = {choice.key: choice for choice in question.choices.all()}
    assert [by_key[str(n)].text_en for n in range(1, len(by_key) + 1)] == [c["text"]["en"] for c in item["choices"]]
    true_false = Question.objects.filter(kind=Question.Kind.TRUE_FALSE).first()
    assert true_false is not None
    assert sorted(true_false.choices.values_list("key", flat=True)) == ["false", "true"]


def test_update_changes_choices_in_place_and_past_quiz_answers_keep_theirs(content, alice, tmp_path):
    data = content_file.read()
    item = multiple_choice_item(data)
    question = Question.objects.get(key=item["key"])
    picked = question.choices.get(key="2")
    attempt = QuizAttempt.objects.create(
        learner=Learner.objects.create(user=alice), question_ids=[question.pk], started_at=NOW
    )
    answer = QuizAnswer.objects.create(
        attempt=attempt, question=question, choice=picked, is_correct=False, answered_at=NOW
    )
    item["choices"][1]["text"]["es"] = "Un texto corregido."
    choice_ids = set(question.choices.values_list("pk", flat=True))

    content_file.load(write(data, tmp_path), update=True)

    answer.refresh_from_db()
    assert answer.choice_id == picked.pk
    assert Choice.objects.get(pk=picked.pk).text_es == "Un texto corregido."
    assert set(question.choices.values_list("pk", flat=True)) == choice_ids


def test_prepare_database_migrates_and_loads(no_content, capsys):
    call_command("prepare_database", verbosity=0)
    assert Question.objects.exists()
    assert "Created:" in capsys.readouterr().out


class RecordingCursor:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __enter__(self) -> RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, sql: str, params: list) -> None:
        self.log.append(sql % tuple(params))


class FakePostgres:
    vendor = "postgresql"

    def __init__(self) -> None:
        self.log: list[str] = []

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self.log)


def test_on_postgresql_the_work_runs_inside_an_advisory_lock():
    db = FakePostgres()
    with advisory_lock(db, 42):  # type: ignore[arg-type]
        db.log.append("work")
    assert db.log == ["SELECT pg_advisory_lock(42)", "work", "SELECT pg_advisory_unlock(42)"]


def test_the_lock_is_released_when_the_work_fails():
    db = FakePostgres()
    with pytest.raises(RuntimeError), advisory_lock(db, 42):  # type: ignore[arg-type]
        raise RuntimeError("migration failed")
    assert db.log[-1] == "SELECT pg_advisory_unlock(42)"


def test_the_lock_works_on_the_database_in_use(db):
    if connection.vendor == "postgresql":
        with advisory_lock(connection, 42), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 42")
            assert cursor.fetchone()[0] == 1
    else:
        with advisory_lock(connection, 42):
            pass
        assert connection.vendor == "sqlite"


def test_the_migration_gives_existing_choices_the_keys_the_loader_would(content):
    migration = importlib.import_module("quiz.migrations.0007_editorial_workflow")
    expected = dict(Choice.objects.values_list("pk", "key"))
    for pk in expected:  # keys the migration does not know (the real one adds the constraint after)
        Choice.objects.filter(pk=pk).update(key=f"old-{pk}")

    migration.key_choices(django_apps, None)

    assert dict(Choice.objects.values_list("pk", "key")) == expected
