"""The fitted schedule (issue 12): training items, the fit and its evaluation,
the sets in force, and `manage.py fit_schedule`."""

from __future__ import annotations

import datetime
import io
import json
import math
import random
import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from quiz import fitting, scheduling
from quiz.fitting import Item, Result
from quiz.models import CardState, Learner, ParameterSet, Question, ReviewLog
from quiz.scheduling import DEFAULT_PARAMETERS
from quiz.study import build_queue
from tests.fitting_population import (
    EASY_FOR_ONE,
    HARD_FACTS,
    START,
    held_out_log,
    population,
    scripted_guests,
    simulate,
)

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def fit_schedule(*args: str) -> str:
    out = io.StringIO()
    call_command("fit_schedule", *args, stdout=out)
    return out.getvalue()


# --- Training items ----------------------------------------------------------


def test_training_items_count_days_in_the_learners_time_zone():
    # New York is UTC-5 in January: 03:00 UTC on the 6th is still the 5th there.
    rows = [
        (1, 10, at("2026-01-05T15:00"), 3),  # 5 Jan local
        (1, 10, at("2026-01-06T03:00"), 3),  # 5 Jan local: same day, gap 0
        (1, 10, at("2026-01-06T06:00"), 1),  # 6 Jan local (01:00): one day later
        (1, 10, at("2026-01-09T04:59"), 3),  # 8 Jan local (23:59)
    ]
    items = fitting.training_items(rows, {1: "America/New_York"})
    assert [item.reviews for item in items] == [
        ((3, 0), (3, 0), (1, 1)),
        ((3, 0), (3, 0), (1, 1), (3, 2)),
    ]
    # In UTC the same reviews fall on other days: the zone matters.
    assert [item.reviews[-1] for item in fitting.training_items(rows, {1: "UTC"})] == [(3, 1), (3, 3)]


def test_training_items_start_again_for_each_learner_and_question():
    rows = [
        (1, 10, at("2026-01-05T10:00"), 3),
        (1, 10, at("2026-01-07T10:00"), 3),
        (1, 11, at("2026-01-08T10:00"), 2),
        (2, 10, at("2026-01-09T10:00"), 4),
        (2, 10, at("2026-01-12T10:00"), 1),
    ]
    items = fitting.training_items(rows, {})
    assert [(item.learner_id, item.reviews) for item in items] == [
        (1, ((3, 0), (3, 2))),
        (2, ((4, 0), (1, 3))),
    ]
    assert items[1].reviewed_at == at("2026-01-12T10:00")


def test_an_undone_review_is_not_in_the_training_items(content):
    learner = Learner.objects.create(time_zone="Europe/Paris")
    card = CardState.objects.create(learner=learner, question=Question.objects.published().first())
    for when, rating in (("2026-01-05T10:00", 3), ("2026-01-08T10:00", 3), ("2026-01-20T10:00", 1)):
        card.record_review(rating=rating, review_id=uuid.uuid4(), now=at(when), duration_ms=10, language="en")
    assert learner.undo_last_review()
    items = fitting.items_from(ReviewLog.objects.all())
    assert [item.reviews for item in items] == [((3, 0), (3, 3))]


# --- Splits and metrics ------------------------------------------------------


def item(day: int) -> Item:
    return Item(1, at("2026-01-01T00:00") + datetime.timedelta(days=day), ((3, 0), (3, 1)))


def test_time_series_splits_test_each_slice_on_what_came_before():
    items = [item(day) for day in (5, 0, 3, 1, 4, 2, 7, 6)]  # out of order on purpose
    pairs = fitting.time_series_splits(items, splits=3)
    assert [
        ([i.reviewed_at.day - 1 for i in train], [i.reviewed_at.day - 1 for i in test]) for train, test in pairs
    ] == [
        ([0, 1], [2, 3]),
        ([0, 1, 2, 3], [4, 5]),
        ([0, 1, 2, 3, 4, 5], [6, 7]),
    ]
    assert fitting.time_series_splits(items[:3], splits=3) == []


def test_log_loss_and_rmse_over_bins():
    assert fitting.log_loss([0.9, 0.2], [True, False]) == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)
    # Bins 0.9 (two reviews: predicted 0.9, one of two recalled) and 0.2 (one, predicted 0.2, not recalled).
    assert fitting.rmse_bins([0.9, 0.9, 0.2], [True, False, False]) == pytest.approx(
        math.sqrt((2 * (0.9 - 0.5) ** 2 + (0.2 - 0.0) ** 2) / 3)
    )
    # Sure and wrong is bounded, not infinite.
    assert fitting.log_loss([1.0], [False]) < 20


# --- Who weighs how much in the deck-wide fit (issue 17, finding 8) --------------


def test_the_share_cap_keeps_every_learner_within_their_share_of_the_pooled_items():
    # Twenty learners with 100 items each and one with 5,000: they may keep 105 (5 % of 2,105).
    counts = [100] * 20 + [5000]
    cap = fitting.learner_cap(counts, 0.05)
    assert cap == 105
    assert cap <= 0.05 * sum(min(n, cap) for n in counts) < cap + 1
    # Nobody over the share: nothing is cut.
    assert fitting.learner_cap([100] * 20, 0.05) == 100
    # Too few learners for a 5 % share to bind: no one may keep anything.
    assert fitting.learner_cap([100] * 19, 0.05) == 0
    assert fitting.min_learners(0.05) == 20
    assert fitting.min_learners(0.03) == 34


def test_capped_items_keep_a_seeded_sample_of_a_heavy_learner_in_time_order():
    items = [
        Item(learner, at("2026-01-01T00:00") + datetime.timedelta(hours=n), ((3, 0), (3, 1)))
        for learner in range(1, 21)
        for n in range(10)
    ]
    heavy = [Item(99, at("2026-01-01T00:00") + datetime.timedelta(minutes=n), ((3, 0), (3, 1))) for n in range(500)]
    kept = fitting.capped_items(items + heavy, 0.05)
    theirs = [item for item in kept if item.learner_id == 99]
    assert len(theirs) == 10 == fitting.learner_cap([10] * 20 + [500], 0.05)
    assert len(kept) == 210
    assert kept == sorted(kept, key=lambda item: item.reviewed_at)
    # Not simply their earliest, and the same sample every run.
    assert theirs != heavy[:10]
    assert fitting.capped_items(items + heavy, 0.05) == kept


def test_young_one_grade_and_too_fast_learners_are_left_out():
    rules = RULES.screening
    now = at("2026-03-10T12:00")
    joined = now - datetime.timedelta(days=3)
    [log] = fitting.learner_logs([(7, 3, 900), (7, 3, 4000), (7, 4, 5000)], {7: joined})
    assert (log.reviews, log.grades, log.median_answer_ms) == (3, 2, 4000)
    assert fitting.left_out(log, now, rules) is None
    assert fitting.left_out(log, now - datetime.timedelta(seconds=1), rules) == fitting.LeftOut.YOUNG
    one_grade = fitting.LearnerLog(7, joined, reviews=50, grades=1, median_answer_ms=4000)
    assert fitting.left_out(one_grade, now, rules) == fitting.LeftOut.ONE_GRADE
    # A beginner with a few answers, all Good, still counts.
    assert fitting.left_out(fitting.LearnerLog(7, joined, 49, 1, 4000), now, rules) is None
    assert fitting.left_out(fitting.LearnerLog(7, joined, 200, 3, 1499), now, rules) == fitting.LeftOut.TOO_FAST


def test_the_first_intervals_of_a_new_card_answered_good_follow_the_weights():
    now = at("2026-03-02T10:00")
    defaults = fitting.good_intervals(None, now)
    hard = fitting.good_intervals(HARD_FACTS, now)
    assert len(defaults) == len(hard) == 4
    assert defaults[1] == second_interval(None) and hard[1] == second_interval(HARD_FACTS)
    assert hard[3] < defaults[3]


# --- Fitting the deck ----------------------------------------------------------


@pytest.fixture
def hard_population(content) -> list[Learner]:
    return population(60, HARD_FACTS)


RULES = fitting.DeckRules(
    fitting.Screening(min_age=datetime.timedelta(days=3), one_grade_reviews=50, min_answer_ms=1500), max_share=0.05
)


def test_a_population_with_other_weights_is_fitted_and_the_fit_is_stored(hard_population, root):
    outcome = fitting.fit_deck(min_items=1000, rules=RULES, now=timezone.now())
    assert outcome.result == Result.PENDING
    kept = ParameterSet.objects.get()
    assert kept.learner is None
    assert kept.log_loss_after < kept.log_loss_before
    assert kept.rmse_after <= kept.rmse_before
    assert kept.review_count == ReviewLog.objects.count() == 60 * 20 * 6
    assert kept.learner_count == 60
    assert len(kept.parameters) == 21
    # It learned that these facts are harder at first than the defaults say.
    assert kept.weights[2] < DEFAULT_PARAMETERS[2]
    assert kept.recommended_retention is not None and 0.70 <= kept.recommended_retention <= 0.97
    # Stored pending: it schedules once approved.
    assert ParameterSet.objects.deck_in_force() is None
    kept.approve(root.pk, timezone.now())
    assert ParameterSet.objects.deck_in_force() == kept


def test_a_second_run_without_new_reviews_changes_nothing(hard_population):
    first = fit_schedule()
    assert "stored as parameter set" in first
    second = fit_schedule()
    assert "no new reviews since parameter set" in second
    assert ParameterSet.objects.count() == 1


def test_a_fit_that_is_not_better_is_not_stored(hard_population, monkeypatch):
    in_force = parameter_set(HARD_FACTS)
    # Whatever the data, the "fit" returns the defaults: worse than the true weights in force.
    monkeypatch.setattr(fitting, "fit", lambda items: DEFAULT_PARAMETERS)
    output = fit_schedule("--deck-only")
    assert "Not better than the parameters in force: not stored." in output
    assert list(ParameterSet.objects.all()) == [in_force]


def test_the_command_on_an_empty_database_says_there_are_too_few_reviews(db):
    output = fit_schedule()
    assert "Deck-wide: too few reviews to fit (0 reviews from 0 learners" in output
    assert not ParameterSet.objects.exists()


# --- Per learner ---------------------------------------------------------------


def test_a_learner_with_enough_reviews_of_their_own_gets_their_own_set(hard_population, root):
    rng = random.Random(3)
    one = Learner.objects.create()
    questions = list(Question.objects.published().order_by("pk")[:70])
    # Scheduled as everyone else (facts hard to keep), they remember far better than predicted.
    rows = simulate(one, questions, EASY_FOR_ONE, reviews_per_card=12, rng=rng, scheduled_by=HARD_FACTS)
    ReviewLog.objects.bulk_create(rows)
    # The deck-wide set, approved, is what their own set must beat.
    fit_schedule("--deck-only")
    deck = newest_deck_set()
    assert deck is not None
    deck.approve(root.pk, timezone.now())
    output = fit_schedule("--learner-min-reviews", "400")
    one.refresh_from_db()
    assert one.parameter_set is not None and one.parameter_set.learner == one
    assert one.parameter_set.log_loss_after < one.parameter_set.log_loss_before
    assert one.parameter_set.review_count == 840
    assert one.parameter_set.weights != deck.weights
    # Everyone else has 120 reviews: below the threshold, they keep the deck's set.
    assert Learner.objects.filter(parameter_set__isnull=False).count() == 1
    assert "Learners with at least 400 reviews: 1; own parameters kept for 1" in output
    assert "no new reviews since the fit in force" in fit_schedule("--learner-min-reviews", "400")
    assert ParameterSet.objects.count() == 2


def test_the_parameters_in_force_are_the_learners_then_the_decks_then_the_defaults(content):
    learner = Learner.objects.create()
    assert learner.set_in_force() is None
    assert Learner.objects.get(pk=learner.pk).parameters is None
    deck = parameter_set(HARD_FACTS)
    assert Learner.objects.get(pk=learner.pk).set_in_force() == deck
    assert Learner.objects.get(pk=learner.pk).parameters == HARD_FACTS
    own = parameter_set(EASY_FOR_ONE, learner=learner)
    Learner.objects.filter(pk=learner.pk).update(parameter_set=own)
    assert Learner.objects.get(pk=learner.pk).parameters == EASY_FOR_ONE
    # A newer deck-wide set does not replace a learner's own.
    parameter_set(DEFAULT_PARAMETERS)
    assert Learner.objects.get(pk=learner.pk).set_in_force() == own


def test_a_learners_intervals_change_after_a_fit_and_the_log_says_which_set_scheduled(content):
    learner = Learner.objects.create()
    question = Question.objects.published().first()
    now = at("2026-03-02T10:00")
    card = CardState(learner=learner, question=question)
    # In review: stability 5 days, last seen 5 days ago, due now.
    card.apply(scheduling.Snapshot(scheduling.REVIEW, None, 5.0, 5.0, now, now - datetime.timedelta(days=5)))
    card.save()
    before = build_queue(Learner.objects.get(pk=learner.pk), now).intervals
    deck = parameter_set(HARD_FACTS)
    after = build_queue(Learner.objects.get(pk=learner.pk), now).intervals
    # A steeper forgetting curve: Good brings the card back sooner, and Easy does too.
    assert after[3] < before[3]
    assert after[4] < before[4]
    card = CardState.objects.select_related("learner").get(pk=card.pk)
    log = card.record_review(rating=3, review_id=uuid.uuid4(), now=now, duration_ms=10, language="en")
    assert ReviewLog.objects.get(pk=log.pk).parameter_set == deck
    assert card.due is not None and card.due - now == after[3]


def test_resetting_progress_forgets_the_learners_own_set(content):
    learner = Learner.objects.create()
    own = parameter_set(EASY_FOR_ONE, learner=learner)
    Learner.objects.filter(pk=learner.pk).update(parameter_set=own)
    Learner.objects.get(pk=learner.pk).reset_progress()
    assert not ParameterSet.objects.exists()
    assert Learner.objects.get(pk=learner.pk).parameter_set is None


def parameter_set(weights, learner: Learner | None = None, retention: float = 0.85) -> ParameterSet:
    """A stored set; a deck-wide one approved, so that it is in force."""
    return ParameterSet.objects.create(
        learner=learner,
        approved_at=timezone.now() if learner is None else None,
        parameters=list(weights),
        review_count=12400,
        learner_count=310,
        log_loss_before=0.4,
        log_loss_after=0.3,
        rmse_before=0.1,
        rmse_after=0.05,
        recommended_retention=retention,
    )


# --- Scripted guests cannot steer the deck-wide fit (issue 17, finding 8) ------


def second_interval(weights) -> datetime.timedelta:
    """A new card answered Good, then Good again when due: how long until it comes back the second time."""
    now = at("2026-03-02T10:00")
    first = scheduling.review(scheduling.Snapshot(), 3, now, 0.9, weights)
    assert first.due is not None
    second = scheduling.review(first, 3, first.due, 0.9, weights)
    assert second.due is not None
    return second.due - first.due


def newest_deck_set() -> ParameterSet | None:
    return ParameterSet.objects.filter(learner__isnull=True).order_by("-created_at", "-id").first()


@pytest.fixture
def poisoned(content) -> dict[str, list[Learner]]:
    """60 honest learners, 15 scripted guests answering to lengthen the intervals
    (5 that joined today, 5 that give one grade only, 5 that answer in 0.6 s),
    and one patient scripted guest that looks plausible but answers a lot."""
    aged = START - datetime.timedelta(days=1)
    return {
        "honest": population(60, HARD_FACTS),
        "young": scripted_guests(5, created_at=timezone.now(), seed=1),
        "one grade": scripted_guests(5, created_at=aged, grades=(3,), seed=2),
        "fast": scripted_guests(5, created_at=aged, duration_ms=600, seed=3),
        "plausible": scripted_guests(1, created_at=aged, cards=82, seed=4),
    }


def test_scripted_guests_barely_move_the_stored_deck_wide_set(poisoned):
    honest = [learner.pk for learner in poisoned["honest"]]
    honest_fit = fitting.fit(fitting.items_from(ReviewLog.objects.filter(learner_id__in=honest)))
    # Without the defences the guests more than double a new card's second interval.
    undefended = fitting.fit(fitting.items_from(ReviewLog.objects.all()))
    assert second_interval(undefended) >= 2 * second_interval(honest_fit)

    output = fit_schedule("--deck-only")
    stored = newest_deck_set()
    assert stored is not None
    assert "Left out of the deck-wide fit: 5 learners (3,000 reviews), younger than 3 days." in output
    assert "5 learners (3,000 reviews), every answer the same grade over at least 50 reviews." in output
    assert "5 learners (3,000 reviews), median answer time under 1,500 ms." in output
    assert "Left out by the share cap (no learner above 5% of the items)" in output
    assert stored.learner_count == 61

    # Judged on honest reviews no fit has seen (not on the poisoned log itself):
    # the stored set predicts them about as well as the honest-only fit...
    items = fitting.training_items(held_out_log(30, HARD_FACTS, seed=99), {})
    recalled = [item.reviews[-1][0] > 1 for item in items]
    honest_loss = fitting.log_loss(fitting.predict(items, honest_fit), recalled)
    stored_loss = fitting.log_loss(fitting.predict(items, stored.weights), recalled)
    undefended_loss = fitting.log_loss(fitting.predict(items, undefended), recalled)
    assert stored_loss <= honest_loss * 1.02 < undefended_loss
    # ... and moves a new card's second interval by at most a day.
    assert abs(second_interval(stored.weights) - second_interval(honest_fit)) <= datetime.timedelta(days=1)


def test_a_fit_from_fewer_learners_than_the_share_needs_stores_nothing(content):
    population(15, HARD_FACTS, cards=60)
    output = fit_schedule("--deck-only")
    assert "Deck-wide: too few learners to fit (5,400 reviews from 15 learners; at least 20 needed" in output
    assert not ParameterSet.objects.exists()


def test_a_new_deck_wide_set_schedules_no_one_until_it_is_approved(hard_population, client, root, caplog):
    output = fit_schedule("--deck-only")
    assert "pending: it schedules no one until it is approved in the admin" in output
    pending = newest_deck_set()
    assert pending is not None
    assert ParameterSet.objects.deck_in_force() is None
    assert Learner.objects.create().parameters is None
    # A second run finds the same reviews: no second pending set.
    assert "which awaits approval in the admin. Nothing to do." in fit_schedule("--deck-only")
    assert ParameterSet.objects.count() == 1

    client.force_login(root)
    page = client.get(f"/admin/quiz/parameterset/{pending.pk}/approve/").content.decode()
    assert "7,200 reviews from 60 learners" in page
    assert f"{pending.log_loss_before:.4f}" in page and f"{pending.log_loss_after:.4f}" in page
    assert "A new card answered Good each time it is due" in page
    response = client.post(f"/admin/quiz/parameterset/{pending.pk}/approve/")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.approved_by == root and pending.approved_at is not None
    assert ParameterSet.objects.deck_in_force() == pending
    assert Learner.objects.create().parameters == pending.weights
    assert LogEntry.objects.get(object_id=str(pending.pk)).user == root
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "quiz.security"]
    [event] = [found for found in events if found["event"] == "schedule_approved"]
    assert event | {"client": None} == {
        "event": "schedule_approved",
        "user_id": root.pk,
        "client": None,
        "outcome": "success",
        "parameter_set": pending.pk,
        "replaces": None,
    }
    # Approved sets are not approved again.
    assert client.get(f"/admin/quiz/parameterset/{pending.pk}/approve/").status_code == 404


def test_a_new_run_replaces_the_pending_set_instead_of_adding_one(hard_population):
    fit_schedule("--deck-only")
    first = newest_deck_set()
    more = population(5, HARD_FACTS, seed=5)
    assert more
    fit_schedule("--deck-only")
    [pending] = ParameterSet.objects.filter(learner__isnull=True)
    assert first is not None and pending.pk != first.pk
    assert pending.learner_count == 65
    assert ParameterSet.objects.deck_in_force() is None


def test_an_editor_cannot_approve_a_schedule(hard_population, client, erin):
    fit_schedule("--deck-only")
    pending = newest_deck_set()
    assert pending is not None
    client.force_login(erin)
    url = f"/admin/quiz/parameterset/{pending.pk}/approve/"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert ParameterSet.objects.deck_in_force() is None
    assert client.get("/admin/quiz/parameterset/").status_code == 403
