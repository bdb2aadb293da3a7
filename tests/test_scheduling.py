"""The scheduling glue, with explicit times."""

from __future__ import annotations

import datetime

import pytest

from quiz import scheduling
from quiz.scheduling import NEW, RELEARNING, REVIEW, Snapshot

UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def due(card: Snapshot) -> datetime.datetime:
    """When a reviewed card is next due (a reviewed card always has a due time)."""
    assert card.due is not None
    return card.due


def last_review(card: Snapshot) -> datetime.datetime:
    assert card.last_review is not None
    return card.last_review


def stability(card: Snapshot) -> float:
    assert card.stability is not None
    return card.stability


def test_a_new_card_goes_to_learning_then_review_then_lapses_and_relearns():
    card = Snapshot()
    assert card.state == NEW
    card = scheduling.review(card, 3, T0, 0.9)
    assert card.state == scheduling.LEARNING
    assert due(card) - T0 == datetime.timedelta(minutes=10)
    card = scheduling.review(card, 3, due(card), 0.9)
    assert card.state == REVIEW
    review_due = due(card)
    assert review_due - last_review(card) >= datetime.timedelta(days=1)
    lapsed = scheduling.review(card, 1, review_due, 0.9)
    assert lapsed.state == RELEARNING
    assert due(lapsed) - review_due == datetime.timedelta(minutes=10)
    assert stability(lapsed) < stability(card)
    relearned = scheduling.review(lapsed, 3, due(lapsed), 0.9)
    assert relearned.state == REVIEW


@pytest.mark.parametrize("rating", [1, 2, 3, 4])
def test_the_interval_shown_on_a_button_is_what_that_grade_gives(rating):
    card = scheduling.review(scheduling.review(Snapshot(), 3, T0, 0.9), 3, T0 + datetime.timedelta(minutes=10), 0.9)
    now = due(card) + datetime.timedelta(days=2)
    shown = scheduling.preview(card, now, 0.9)[rating]
    assert due(scheduling.review(card, rating, now, 0.9)) - now == shown


def test_better_grades_never_give_shorter_intervals():
    card = scheduling.review(scheduling.review(Snapshot(), 3, T0, 0.9), 3, T0 + datetime.timedelta(minutes=10), 0.9)
    intervals = scheduling.preview(card, due(card), 0.9)
    assert intervals[1] < intervals[2] <= intervals[3] < intervals[4]


def test_a_lower_desired_retention_gives_longer_intervals():
    card = scheduling.review(scheduling.review(Snapshot(), 3, T0, 0.9), 3, T0 + datetime.timedelta(minutes=10), 0.9)
    strict = scheduling.preview(card, due(card), 0.95)[3]
    relaxed = scheduling.preview(card, due(card), 0.75)[3]
    assert relaxed > strict


def test_it_refuses_a_naive_or_non_utc_time():
    with pytest.raises(ValueError):
        scheduling.review(Snapshot(), 3, datetime.datetime(2026, 1, 1), 0.9)
    with pytest.raises(ValueError):
        scheduling.review(
            Snapshot(), 3, datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2))), 0.9
        )


def test_snapshots_survive_a_round_trip_through_json():
    card = scheduling.review(Snapshot(), 4, T0, 0.9)
    assert Snapshot.from_json(card.to_json()) == card
    assert Snapshot.from_json(Snapshot().to_json()) == Snapshot()


def test_the_day_starts_at_local_midnight():
    # 23:30 UTC on 1 March is already 2 March in Tokyo (UTC+9), still 1 March in New York (UTC-5).
    now = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert scheduling.day_start(now, "Asia/Tokyo") == datetime.datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert scheduling.day_start(now, "America/New_York") == datetime.datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    assert scheduling.local_date(now, "Asia/Tokyo") == datetime.date(2026, 3, 2)


def test_the_day_start_follows_daylight_saving_time():
    # New York switches to summer time on 8 March 2026.
    before = datetime.datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    after = datetime.datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert scheduling.day_start(before, "America/New_York").hour == 5
    assert scheduling.day_start(after, "America/New_York").hour == 4


def test_remaining_allowance_never_goes_negative():
    assert scheduling.remaining_allowance(10, 3) == 7
    assert scheduling.remaining_allowance(10, 12) == 0


def test_a_replay_grades_a_new_card_with_each_review_in_turn():
    reviews = [(T0, 3), (T0 + datetime.timedelta(minutes=10), 3), (T0 + datetime.timedelta(days=3), 1)]
    states = scheduling.replay(reviews, 0.9)
    expected = Snapshot()
    for (before, after), (at, rating) in zip(states, reviews, strict=True):
        assert before == expected
        expected = scheduling.review(expected, rating, at, 0.9)
        assert after == expected
    assert states[0][0] == Snapshot()
    assert states[-1][1].state == RELEARNING
    assert scheduling.replay([], 0.9) == []


# --- The progress dashboard's maths ------------------------------------------


def review_card(interval: datetime.timedelta) -> Snapshot:
    return Snapshot(state=REVIEW, stability=10.0, difficulty=5.0, due=T0 + interval, last_review=T0)


def test_a_cards_stage_follows_its_state_and_current_interval():
    learning = scheduling.review(Snapshot(), 3, T0, 0.9)
    relearning = scheduling.review(review_card(datetime.timedelta(days=30)), 1, T0 + datetime.timedelta(days=30), 0.9)
    assert scheduling.stage(Snapshot()) == scheduling.Stage.NEW
    assert scheduling.stage(learning) == scheduling.Stage.LEARNING
    assert scheduling.stage(relearning) == scheduling.Stage.LEARNING
    assert scheduling.stage(review_card(datetime.timedelta(days=20, hours=23))) == scheduling.Stage.YOUNG
    assert scheduling.stage(review_card(datetime.timedelta(days=21))) == scheduling.Stage.MATURE


def test_retrievability_falls_as_time_passes_since_the_last_review():
    card = review_card(datetime.timedelta(days=10))
    fresh = scheduling.retrievability(card, T0)
    at_due = scheduling.retrievability(card, T0 + datetime.timedelta(days=10))
    later = scheduling.retrievability(card, T0 + datetime.timedelta(days=60))
    assert fresh == 1.0
    # Stability is the time until recall probability falls to 90 %.
    assert at_due == pytest.approx(0.9, abs=0.001)
    assert later < at_due < fresh
    assert scheduling.retrievability(Snapshot(), T0) == 0.0


def test_streaks_are_runs_of_consecutive_days():
    day = datetime.date(2026, 3, 10)
    days = [day - datetime.timedelta(days=n) for n in (0, 1, 2, 10, 11, 12, 13, 20)]
    assert scheduling.streaks(days, today=day) == (3, 4)
    assert scheduling.streaks([], today=day) == (0, 0)


def test_a_streak_stays_current_until_a_whole_day_passes_without_a_review():
    days = [datetime.date(2026, 3, 8), datetime.date(2026, 3, 9)]
    assert scheduling.streaks(days, today=datetime.date(2026, 3, 9)) == (2, 2)
    assert scheduling.streaks(days, today=datetime.date(2026, 3, 10)) == (2, 2)
    assert scheduling.streaks(days, today=datetime.date(2026, 3, 11)) == (0, 2)


def test_the_next_day_starts_at_the_next_local_midnight_even_across_daylight_saving_time():
    # New York's 8 March 2026 lasts 23 hours.
    now = datetime.datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    assert scheduling.next_day_start(now, "America/New_York") == datetime.datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    assert scheduling.next_day_start(now, "Asia/Tokyo") == datetime.datetime(2026, 3, 8, 15, 0, tzinfo=UTC)


def test_the_forecast_puts_overdue_cards_today_and_counts_by_local_day():
    now = datetime.datetime(2026, 3, 1, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo
    dues = [
        now - datetime.timedelta(days=3),
        datetime.datetime(2026, 3, 1, 14, 59, tzinfo=UTC),  # 23:59 in Tokyo
        datetime.datetime(2026, 3, 1, 15, 0, tzinfo=UTC),  # midnight in Tokyo: tomorrow
        datetime.datetime(2026, 3, 4, 15, 0, tzinfo=UTC),  # beyond three days
    ]
    assert scheduling.forecast(dues, now, "Asia/Tokyo", days=3) == [2, 1, 0]
    assert scheduling.forecast(dues, now, "UTC", days=3) == [3, 0, 0]
