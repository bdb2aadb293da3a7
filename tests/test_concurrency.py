"""Answers posted at the same moment: exactly one is written.

These run against the real database with real threads: on PostgreSQL the card
row is locked with SELECT … FOR UPDATE; on SQLite BEGIN IMMEDIATE serialises
writers (the SQLite test database is a file, so threads share it).
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from quiz import content_file
from quiz.models import CardState, Learner, Question, ReviewLog
from quiz.scheduling import Snapshot
from tests.study_helpers import current_card, hidden_fields

THREADS = 8


def post_at_once(cookies, payloads: list[dict]) -> list[int]:
    """POST each payload to the grade endpoint from its own thread, all released together."""
    barrier = threading.Barrier(len(payloads))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(data: dict) -> None:
        try:
            worker = Client()
            worker.cookies = cookies
            barrier.wait(timeout=10)
            statuses.append(worker.post("/study/grade/", data).status_code)
        except BaseException as error:  # collected and re-raised below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(data,)) for data in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


@pytest.fixture
def flashcard_on_screen(transactional_db, django_user_model):
    """A signed-in learner whose current card is a flashcard (graded in one step)."""
    content_file.load()
    Question.objects.exclude(kind=Question.Kind.FLASHCARD).update(is_published=False)
    user = django_user_model.objects.create_user("dana", password="x" * 12)
    client = Client()
    client.force_login(user)
    page = client.get("/study/").content.decode()
    return client, hidden_fields(page), current_card(client, page)


def test_eight_identical_grades_at_once_write_one_log_row_and_one_state_change(flashcard_on_screen):
    client, fields, card = flashcard_on_screen
    statuses = post_at_once(client.cookies, [{**fields, "rating": "3"}] * THREADS)
    assert statuses == [302] * THREADS
    assert ReviewLog.objects.filter(question=card.question).count() == 1
    assert CardState.objects.get(pk=card.pk).version == 1
    assert ReviewLog.objects.get().rating == 3


def test_eight_tabs_grading_the_same_card_differently_one_wins_the_rest_are_409(flashcard_on_screen):
    """Different review ids on the same card version: no answer overwrites another."""
    client, fields, card = flashcard_on_screen
    payloads = [{**fields, "review": str(uuid.uuid4()), "rating": str(1 + n % 4)} for n in range(THREADS)]
    statuses = post_at_once(client.cookies, payloads)
    assert sorted(statuses) == [302] + [409] * (THREADS - 1)
    assert ReviewLog.objects.filter(question=card.question).count() == 1
    assert CardState.objects.get(pk=card.pk).version == 1


def test_an_undo_and_a_grade_at_once_leave_every_card_matching_its_log(flashcard_on_screen, monkeypatch):
    """Undo reads the newest answer; a grade of the same card lands before undo
    has locked the card. Undo must not then restore the card from the older
    answer while the newer one stays in the log. Both lock the learner first,
    so the grade waits for the undo (or comes first and is undone)."""
    client, fields, card = flashcard_on_screen
    assert client.post("/study/grade/", {**fields, "rating": "1"}).status_code == 302
    regrade = {**fields, "version": "1", "review": str(uuid.uuid4()), "rating": "3"}
    undo_has_read, grade_is_done = threading.Event(), threading.Event()
    newest_review = Learner.newest_review

    def newest_review_then_let_the_grade_in(learner: Learner) -> ReviewLog | None:
        log = newest_review(learner)
        undo_has_read.set()
        # Without the learner lock the grade commits meanwhile; with it, it waits for this undo.
        grade_is_done.wait(timeout=3)
        return log

    monkeypatch.setattr(Learner, "newest_review", newest_review_then_let_the_grade_in)
    statuses: dict[str, int] = {}
    errors: list[BaseException] = []

    def post(name: str, path: str, data: dict, before: threading.Event | None, after: threading.Event | None) -> None:
        try:
            worker = Client()
            worker.cookies = client.cookies
            if before is not None:
                assert before.wait(timeout=30)
            statuses[name] = worker.post(path, data).status_code
        except BaseException as error:  # collected and re-raised below
            errors.append(error)
        finally:
            if after is not None:
                after.set()
            connection.close()

    threads = [
        threading.Thread(target=post, args=("undo", "/study/undo/", {"topic": ""}, None, None)),
        threading.Thread(target=post, args=("grade", "/study/grade/", regrade, undo_has_read, grade_is_done)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert statuses["undo"] == 302
    card.refresh_from_db()
    logs = list(ReviewLog.objects.filter(question=card.question).order_by("reviewed_at", "id"))
    if logs:
        assert card.snapshot() == Snapshot.from_json(logs[-1].state_after)
    else:
        assert card.is_new
    # Either the grade waited and found its card changed (409), or it came first and was undone.
    assert (statuses["grade"], len(logs)) in {(409, 0), (302, 1)}
