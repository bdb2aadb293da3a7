"""`purge_guests`: what visitors left behind goes once their session is gone, and nothing else."""

from __future__ import annotations

import datetime
import io
import uuid
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command

from quiz.models import CardState, Learner, Question, QuizAnswer, QuizAttempt, ReviewLog
from tests.study_helpers import answer_current_card

UTC = datetime.UTC
NOW = datetime.datetime(2027, 6, 1, 4, 0, tzinfo=UTC)
DAYS = datetime.timedelta(days=1)


def studied(learner: Learner, questions: list[Question], at: datetime.datetime) -> None:
    for question in questions:
        card = CardState.objects.create(learner=learner, question=question)
        card.record_review(rating=3, review_id=uuid.uuid4(), now=at, duration_ms=1, language="en")


@pytest.fixture
def people(alice, content):
    """A guest gone for over a year, one seen yesterday, and an account unused for two years."""
    questions = list(Question.objects.order_by("id")[:3])
    gone = Learner.objects.create(last_active_at=NOW - 366 * DAYS)
    studied(gone, questions, NOW - 400 * DAYS)
    attempt = QuizAttempt.start(gone, None, NOW - 400 * DAYS, seed=1)
    QuizAnswer.objects.create(
        attempt=attempt, question_id=attempt.question_ids[0], is_correct=True, answered_at=NOW - 400 * DAYS
    )
    recent = Learner.objects.create(last_active_at=NOW - DAYS)
    studied(recent, questions[:1], NOW - 400 * DAYS)
    account = Learner.objects.create(user=alice, last_active_at=NOW - 730 * DAYS)
    studied(account, questions[:2], NOW - 730 * DAYS)
    Session.objects.create(session_key="expired", session_data="", expire_date=NOW - DAYS)
    Session.objects.create(session_key="live", session_data="", expire_date=NOW + DAYS)
    return {"gone": gone, "recent": recent, "account": account}


def purge(*args: str) -> str:
    out = io.StringIO()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        call_command("purge_guests", *args, stdout=out)
    return out.getvalue()


EXPECTED = """guests not seen since 2026-06-01 04:00 UTC (with no answer: since 2027-05-29 04:00 UTC), \
and sessions expired by now:
  guest learners: 1
  card states: 3
  review-log rows: 3
  quiz attempts: 1
  quiz answers: 1
  expired sessions: 1
"""


def test_it_deletes_guests_not_seen_for_the_retention_period_and_says_what_went(people):
    output = purge()

    assert output == "Deleted " + EXPECTED
    assert not Learner.objects.filter(pk=people["gone"].pk).exists()
    assert not CardState.objects.filter(learner_id=people["gone"].pk).exists()
    assert not ReviewLog.objects.filter(learner_id=people["gone"].pk).exists()
    assert not QuizAttempt.objects.filter(learner_id=people["gone"].pk).exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_it_keeps_recent_guests_and_every_account(people):
    purge()

    assert set(Learner.objects.values_list("pk", flat=True)) == {people["recent"].pk, people["account"].pk}
    assert ReviewLog.objects.filter(learner=people["recent"]).count() == 1
    assert ReviewLog.objects.filter(learner=people["account"]).count() == 2


def test_a_dry_run_counts_and_deletes_nothing(people):
    output = purge("--dry-run")

    assert output == "Would delete " + EXPECTED + "Dry run: nothing was deleted.\n"
    assert Learner.objects.count() == 3
    assert ReviewLog.objects.count() == 6
    assert Session.objects.count() == 2


def test_running_it_again_deletes_nothing_more(people):
    purge()
    output = purge()

    assert "guest learners: 0" in output
    assert "expired sessions: 0" in output
    assert Learner.objects.count() == 2


def test_the_retention_period_is_a_setting(people, settings):
    settings.GUEST_RETENTION_DAYS = 367

    assert "guest learners: 0" in purge()
    assert Learner.objects.filter(pk=people["gone"].pk).exists()


def test_a_guest_using_the_site_is_never_old_enough_to_purge(client, content):
    """Using the session moves the guest's last activity, so a returning visitor's progress stays."""
    start = NOW - 500 * DAYS
    with mock.patch("django.utils.timezone.now", return_value=start):
        client.get("/study/")
        answer_current_card(client, rating=3)
    with mock.patch("django.utils.timezone.now", return_value=NOW - 200 * DAYS):
        client.get("/study/")

    assert "guest learners: 0" in purge()
    assert ReviewLog.objects.count() == 1


def test_guests_with_no_answer_go_after_a_few_days_without_a_visit(people, settings):
    settings.GUEST_EMPTY_RETENTION_DAYS = 3
    # Settings alone, four days ago: nothing worth keeping.
    settings_only = Learner.objects.create(last_active_at=NOW - 4 * DAYS, new_per_day=5)
    # A quiz started but never answered is nothing either; a quiz answer is something.
    unanswered = Learner.objects.create(last_active_at=NOW - 4 * DAYS)
    QuizAttempt.start(unanswered, None, NOW - 4 * DAYS, seed=1)
    quizzed = Learner.objects.create(last_active_at=NOW - 4 * DAYS)
    attempt = QuizAttempt.start(quizzed, None, NOW - 4 * DAYS, seed=1)
    QuizAnswer.objects.create(
        attempt=attempt, question_id=attempt.question_ids[0], is_correct=False, answered_at=NOW - 4 * DAYS
    )
    fresh = Learner.objects.create(last_active_at=NOW - 2 * DAYS)

    purge()

    kept = set(Learner.objects.values_list("pk", flat=True))
    assert settings_only.pk not in kept and unanswered.pk not in kept
    assert {quizzed.pk, fresh.pk, people["recent"].pk, people["account"].pk} <= kept
    assert QuizAttempt.objects.filter(learner_id=unanswered.pk).count() == 0
