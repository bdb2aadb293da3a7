"""Signing in or up brings a visitor's progress into the account faithfully:
every answer once, and a card both studied is what FSRS gives for all its answers."""

from __future__ import annotations

import datetime
import uuid

import pytest

from quiz import scheduling
from quiz.models import CardState, Learner, Question, QuizAttempt, ReviewLog
from quiz.scheduling import Snapshot
from tests.study_helpers import answer_current_card, question_on_screen

UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
MINUTES = datetime.timedelta(minutes=1)
DAYS = datetime.timedelta(days=1)


@pytest.fixture
def account(alice, content) -> Learner:
    return Learner.objects.create(user=alice, desired_retention=0.9)


@pytest.fixture
def guest(content) -> Learner:
    return Learner.objects.create()


@pytest.fixture
def questions(content) -> list[Question]:
    return list(Question.objects.order_by("id")[:3])


def answer(learner: Learner, question: Question, rating: int, at: datetime.datetime, review_id=None) -> ReviewLog:
    card, _created = CardState.objects.get_or_create(learner=learner, question=question)
    return card.record_review(
        rating=rating, review_id=review_id or uuid.uuid4(), now=at, duration_ms=1000, language="en"
    )


def due(card: CardState | Snapshot) -> datetime.datetime:
    assert card.due is not None  # a reviewed card is always due again
    return card.due


def stability(card: CardState | Snapshot) -> float:
    assert card.stability is not None
    return card.stability


def card_of(learner: Learner, question: Question) -> CardState:
    return CardState.objects.get(learner=learner, question=question)


def history(learner: Learner, question: Question) -> list[ReviewLog]:
    return list(ReviewLog.objects.filter(learner=learner, question=question).order_by("reviewed_at", "id"))


def well_learned(learner: Learner, question: Question, start: datetime.datetime) -> CardState:
    """A card answered Good on every due date until it stays away for months."""
    answer(learner, question, 3, start)
    card = card_of(learner, question)
    while stability(card) < 200:
        answer(learner, question, 3, due(card))
        card.refresh_from_db()
    return card


def assert_log_is_a_replay(logs: list[ReviewLog], card: CardState, retention: float) -> None:
    """Each row starts where the previous one ended, from a new card, and the
    card holds exactly what FSRS gives for the rows' answers in time order."""
    replayed = scheduling.replay([(log.reviewed_at, log.rating) for log in logs], retention)
    assert logs[0].state_before == Snapshot().to_json()
    for previous, log in zip(logs, logs[1:], strict=False):
        assert log.state_before == previous.state_after
    for log, (before, after) in zip(logs, replayed, strict=True):
        assert (log.state_before, log.state_after) == (before.to_json(), after.to_json())
    assert card.snapshot() == replayed[-1][1]


def test_a_card_only_the_visitor_studied_moves_over_unchanged(account, guest, questions):
    answer(guest, questions[0], 3, T0)
    answer(guest, questions[0], 3, T0 + 10 * MINUTES)
    card = card_of(guest, questions[0])
    logs_before = [(log.pk, log.state_before, log.state_after) for log in history(guest, questions[0])]

    guest.merge_into(account)

    moved = card_of(account, questions[0])
    assert moved.pk == card.pk
    assert moved.snapshot() == card.snapshot()
    assert [(log.pk, log.state_before, log.state_after) for log in history(account, questions[0])] == logs_before
    assert not Learner.objects.filter(pk=guest.pk).exists()


def test_a_card_only_the_account_studied_is_untouched(account, guest, questions):
    answer(account, questions[1], 4, T0)
    answer(guest, questions[0], 3, T0 + MINUTES)
    card = card_of(account, questions[1])
    logs_before = [(log.pk, log.state_before, log.state_after) for log in history(account, questions[1])]

    guest.merge_into(account)

    after = card_of(account, questions[1])
    assert (after.snapshot(), after.version) == (card.snapshot(), card.version)
    assert [(log.pk, log.state_before, log.state_after) for log in history(account, questions[1])] == logs_before


def test_a_card_both_studied_is_the_replay_of_both_histories_in_time_order(account, guest, questions):
    question = questions[0]
    answer(account, question, 3, T0)
    answer(guest, question, 1, T0 + 5 * MINUTES)
    answer(account, question, 3, T0 + 20 * MINUTES)
    answer(guest, question, 3, T0 + 2 * DAYS)
    answer(account, question, 2, T0 + 6 * DAYS)
    version = card_of(account, question).version

    guest.merge_into(account)

    logs = history(account, question)
    assert [(log.reviewed_at - T0, log.rating) for log in logs] == [
        (datetime.timedelta(0), 3),
        (5 * MINUTES, 1),
        (20 * MINUTES, 3),
        (2 * DAYS, 3),
        (6 * DAYS, 2),
    ]
    card = card_of(account, question)
    assert_log_is_a_replay(logs, card, 0.9)
    # The card changed, so a form showing the old version is recognised as stale.
    assert card.version > version
    assert CardState.objects.filter(learner=account, question=question).count() == 1


def test_an_answer_saved_on_both_sides_is_kept_once(account, guest, questions):
    question = questions[0]
    shared = uuid.uuid4()
    answer(account, question, 3, T0)
    answer(guest, question, 3, T0)
    answer(account, question, 3, T0 + 10 * MINUTES, review_id=shared)
    answer(guest, question, 3, T0 + 10 * MINUTES, review_id=shared)
    answer(guest, questions[1], 4, T0 + 11 * MINUTES)

    guest.merge_into(account)

    assert ReviewLog.objects.filter(review_id=shared).count() == 1
    assert ReviewLog.objects.filter(learner=account).count() == 4
    assert_log_is_a_replay(history(account, question), card_of(account, question), 0.9)


def test_undo_after_a_merge_puts_back_exactly_the_replayed_previous_state(client, alice, account, guest, questions):
    question = questions[0]
    answer(account, question, 3, T0)
    answer(guest, question, 3, T0 + 10 * MINUTES)
    answer(account, question, 3, T0 + 3 * DAYS)
    answer(guest, question, 1, T0 + 9 * DAYS)
    guest.merge_into(account)
    replayed = scheduling.replay([(log.reviewed_at, log.rating) for log in history(account, question)], 0.9)

    client.force_login(alice)
    assert client.post("/study/undo/").status_code == 302

    card = card_of(account, question)
    assert card.snapshot() == replayed[-2][1]
    assert len(history(account, question)) == 3
    assert_log_is_a_replay(history(account, question), card, 0.9)


@pytest.mark.parametrize("guest_again_at", ["before the account studied", "after the account's last review"])
def test_a_visitors_one_again_does_not_wreck_the_accounts_well_learned_card(account, guest, questions, guest_again_at):
    question = questions[0]
    if guest_again_at == "before the account studied":
        answer(guest, question, 1, T0 - DAYS)
        learned = well_learned(account, question, T0)
    else:
        learned = well_learned(account, question, T0)
        answer(guest, question, 1, due(learned))
    guests_card = card_of(guest, question).snapshot()

    guest.merge_into(account)

    card = card_of(account, question)
    assert_log_is_a_replay(history(account, question), card, 0.9)
    assert card.snapshot() != guests_card
    if guest_again_at == "before the account studied":
        # One early lapse, then months of Good answers: the card is still well learned.
        assert stability(card) > 100
        assert learned.last_review is not None
        assert due(card) > learned.last_review + 100 * DAYS
    else:
        # A real lapse of a well-learned card: relearning, but far from a brand-new card's memory.
        assert card.state == scheduling.RELEARNING
        assert stability(card) > 5 * stability(guests_card)


def test_the_accounts_settings_are_kept_and_used_for_the_replay_and_quiz_attempts_move(account, guest, questions):
    account.desired_retention = 0.95
    account.new_per_day = 3
    account.save()
    guest.desired_retention = 0.75
    guest.new_per_day = 40
    guest.save()
    answer(account, questions[0], 3, T0)
    answer(guest, questions[0], 3, T0 + 10 * MINUTES)
    attempt = QuizAttempt.start(guest, None, T0, seed=1)

    guest.merge_into(account)

    account.refresh_from_db()
    assert (account.desired_retention, account.new_per_day) == (0.95, 3)
    assert_log_is_a_replay(history(account, questions[0]), card_of(account, questions[0]), 0.95)
    attempt.refresh_from_db()
    assert attempt.learner_id == account.pk


def test_signing_in_replays_a_card_the_visitor_and_the_account_both_studied(client, alice, account):
    # The visitor studies in this browser first, then the account's older reviews of the same card exist too.
    page = client.get("/study/").content.decode()
    question = question_on_screen(page)
    answer(account, question, 3, T0)
    answer_current_card(client, rating=3)
    guests_card = CardState.objects.get(learner__user=None, question=question)

    response = client.post("/account/signin/", {"username": "alice", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.post(response.headers["Location"], {"choice": "merge"}).status_code == 302

    assert not Learner.objects.filter(pk=guests_card.learner_id).exists()
    logs = history(account, question)
    assert len(logs) == 2
    assert_log_is_a_replay(logs, card_of(account, question), 0.9)
