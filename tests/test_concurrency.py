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
from quiz.models import CardState, Question, ReviewLog
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
