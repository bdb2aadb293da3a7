"""A learner with something to lose, and what "unchanged" means for them.

Used by the access-control matrix and the property-based input tests: both
give a learner progress, let others (or random input) at the app, and check
that nothing of the learner's moved."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.models import User
from django.test import Client

from quiz.learners import SESSION_KEY
from quiz.models import CardState, Learner, Question, QuizAnswer, QuizAttempt, ReviewLog

NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=datetime.UTC)


def give_progress(learner: Learner, *, now: datetime.datetime = NOW, cards_from: int = 0) -> QuizAttempt:
    """Two studied cards and a finished quiz with a missed question; returns the quiz."""
    for question in Question.objects.published().order_by("pk")[cards_from : cards_from + 2]:
        card = CardState.objects.create(learner=learner, question=question)
        card.record_review(rating=3, review_id=uuid.uuid4(), now=now, duration_ms=4000, language="en")
    attempt = QuizAttempt.start(learner, None, now, seed=8)
    for number, question_id in enumerate(attempt.question_ids):
        question = Question.objects.get(pk=question_id)
        # The first question is missed: "study the ones I missed" has one to show.
        choice = question.choices.filter(is_correct=number != 0)[0]
        attempt.record_answer(question_id, choice, now)
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    return attempt


def guest_client(learner: Learner, *, enforce_csrf_checks: bool = False) -> Client:
    """A visitor's browser whose session holds `learner`'s saved progress."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    session = client.session
    session[SESSION_KEY] = learner.pk
    session.save()
    return client


def snapshot(learner: Learner) -> dict:
    """Everything of one learner that an outsider must not be able to change.

    Not when they were last seen (last_login, last_active_at): any visit of
    theirs moves that, and a new client signing in as them is one."""
    user = User.objects.filter(pk=learner.user_id).values().first() if learner.user_id else None
    row = Learner.objects.filter(pk=learner.pk).values().first()
    return {
        "user": user and {name: value for name, value in user.items() if name != "last_login"},
        "learner": row and {name: value for name, value in row.items() if name != "last_active_at"},
        "cards": list(CardState.objects.filter(learner=learner).order_by("pk").values()),
        "reviews": list(ReviewLog.objects.filter(learner=learner).order_by("pk").values()),
        "attempts": list(QuizAttempt.objects.filter(learner=learner).order_by("pk").values()),
        "answers": list(QuizAnswer.objects.filter(attempt__learner=learner).order_by("pk").values()),
    }


def row_counts() -> dict[str, int]:
    """How many rows each learner-side table holds."""
    return {
        model.__name__: model.objects.count()
        for model in (User, Learner, CardState, ReviewLog, QuizAttempt, QuizAnswer)
    }


def log_row(learner: Learner, question: Question, *, review_id: str | uuid.UUID | None = None) -> ReviewLog:
    """A bare review-log row: someone answered `question` (its states do not matter here)."""
    return ReviewLog.objects.create(
        learner=learner,
        question=question,
        review_id=review_id or uuid.uuid4(),
        rating=3,
        reviewed_at=NOW,
        duration_ms=1000,
        language="en",
        state_before={},
        state_after={},
    )
