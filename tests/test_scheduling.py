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
