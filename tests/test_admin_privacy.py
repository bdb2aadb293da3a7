"""Content pages of the admin never show who studied what (issue 8, finding 1)."""

from __future__ import annotations

import datetime

import pytest

from quiz.models import CardState, Fact, Learner, Question, QuizAnswer, QuizAttempt, ReviewLog
from tests.learner_data import log_row

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
KEY = "what-is-a-fasciculation"


@pytest.fixture
def studied(content, bob) -> Question:
    """A question bob has studied and answered in a quiz."""
    question = Question.objects.get(key=KEY)
    learner = Learner.objects.create(user=bob)
    CardState.objects.create(learner=learner, question=question)
    log_row(learner, question)
    attempt = QuizAttempt.objects.create(learner=learner, question_ids=[question.pk], started_at=NOW)
    QuizAnswer.objects.create(attempt=attempt, question=question, is_correct=True, answered_at=NOW)
    return question


REFUSAL = "Learners have studied this content, so it cannot be deleted. Unpublish it instead."


@pytest.mark.parametrize("person", ["erin", "root"])
def test_the_delete_page_of_a_studied_question_is_refused_without_naming_learners(client, studied, request, person):
    client.force_login(request.getfixturevalue(person))
    response = client.get(f"/admin/quiz/question/{studied.pk}/delete/", follow=True)
    page = response.content.decode()
    assert REFUSAL in page
    assert "bob" not in page
    assert response.redirect_chain[-1][0] == f"/admin/quiz/question/{studied.pk}/change/"


def test_posting_the_delete_of_a_studied_question_deletes_nothing(client, studied, erin):
    client.force_login(erin)
    client.post(f"/admin/quiz/question/{studied.pk}/delete/", {"post": "yes"})
    assert Question.objects.filter(pk=studied.pk).exists()


def test_deleting_a_studied_fact_is_refused_too(client, studied, erin):
    client.force_login(erin)
    page = client.get(f"/admin/quiz/fact/{studied.fact_id}/delete/", follow=True).content.decode()
    assert REFUSAL in page
    assert "bob" not in page
    assert Fact.objects.filter(pk=studied.fact_id).exists()


def test_the_bulk_delete_of_studied_questions_names_no_learner(client, studied, root):
    client.force_login(root)
    response = client.post(
        "/admin/quiz/question/", {"action": "delete_selected", "_selected_action": [studied.pk]}, follow=True
    )
    page = response.content.decode()
    assert "bob" not in page
    assert REFUSAL in page
    assert Question.objects.filter(pk=studied.pk).exists()


def test_learner_rows_are_described_without_a_username(studied):
    rows = [
        *CardState.objects.all(),
        *ReviewLog.objects.all(),
        *QuizAttempt.objects.all(),
        *QuizAnswer.objects.all(),
    ]
    assert len(rows) == 4
    assert all("bob" not in str(row) for row in rows)


def test_a_question_nobody_studied_can_still_be_deleted(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=KEY)
    assert "Are you sure" in client.get(f"/admin/quiz/question/{question.pk}/delete/").content.decode()
