"""Spaced-repetition maths: a thin, pure layer over the `fsrs` package (FSRS-6).

No ORM, no request, no clock: every function takes the time it works with.
Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler, State

UTC = datetime.UTC
ONE_DAY = datetime.timedelta(days=1)
RATINGS = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)

# Our own state for a card never reviewed; fsrs starts such cards in Learning.
NEW = 0
LEARNING, REVIEW, RELEARNING = State.Learning.value, State.Review.value, State.Relearning.value


@dataclass(frozen=True)
class Snapshot:
    """A card's scheduling state, as stored per learner and question."""

    state: int = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime.datetime | None = None
    last_review: datetime.datetime | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("due", "last_review"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> Snapshot:
        values = dict(data)
        for key in ("due", "last_review"):
            if values.get(key):
                values[key] = datetime.datetime.fromisoformat(values[key])
        return cls(**values)


# FSRS-6's 21 weights. None everywhere below means the FSRS defaults.
Parameters = tuple[float, ...]
DEFAULT_PARAMETERS: Parameters = tuple(Scheduler().parameters)


@lru_cache(maxsize=64)
def scheduler(desired_retention: float, parameters: Parameters | None = None) -> Scheduler:
    # No fuzzing: the interval shown on a grade button must be exactly what that grade gives.
    return Scheduler(
        parameters=parameters or DEFAULT_PARAMETERS, desired_retention=desired_retention, enable_fuzzing=False
    )


def _to_card(snapshot: Snapshot, now: datetime.datetime) -> Card:
    if snapshot.state == NEW:
        return Card(card_id=1, state=State.Learning, step=0, due=now)
    return Card(
        card_id=1,
        state=State(snapshot.state),
        step=snapshot.step,
        stability=snapshot.stability,
        difficulty=snapshot.difficulty,
        due=snapshot.due,
        last_review=snapshot.last_review,
    )


def _check_utc(now: datetime.datetime) -> None:
    if now.tzinfo is None or now.utcoffset() != datetime.timedelta(0):
        raise ValueError("now must be a timezone-aware UTC datetime")


def review(
    snapshot: Snapshot,
    rating: int,
    now: datetime.datetime,
    desired_retention: float,
    parameters: Parameters | None = None,
) -> Snapshot:
    """The card's state after being graded `rating` (1–4) at `now`, with these FSRS weights."""
    _check_utc(now)
    card, _log = scheduler(desired_retention, parameters).review_card(
        _to_card(snapshot, now), Rating(rating), review_datetime=now.astimezone(UTC)
    )
    return Snapshot(
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def replay(
    reviews: Iterable[tuple[datetime.datetime, int]], desired_retention: float, parameters: Parameters | None = None
) -> list[tuple[Snapshot, Snapshot]]:
    """Grade a new card with each (time, rating) in turn: the states before and after each review.

    The reviews are taken in the order given (callers sort them by time), so the
    result is what one learner answering all of them would have reached."""
    states = []
    before = Snapshot()
    for reviewed_at, rating in reviews:
        after = review(before, rating, reviewed_at, desired_retention, parameters)
        states.append((before, after))
        before = after
    return states


def preview(
    snapshot: Snapshot, now: datetime.datetime, desired_retention: float, parameters: Parameters | None = None
) -> dict[int, datetime.timedelta]:
    """For each rating, how long until the card would be due again."""
    return {
        int(rating): review(snapshot, rating, now, desired_retention, parameters).due - now  # type: ignore[operator]
        for rating in RATINGS
    }


def day_start(now: datetime.datetime, time_zone: str) -> datetime.datetime:
    """Start (in UTC) of the learner's local day containing `now`: daily limits reset there."""
    local = now.astimezone(ZoneInfo(time_zone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def next_day_start(now: datetime.datetime, time_zone: str) -> datetime.datetime:
    """Start (in UTC) of the learner's next local day, whether today lasts 23, 24 or 25 hours."""
    zone = ZoneInfo(time_zone)
    tomorrow = now.astimezone(zone).date() + ONE_DAY
    return datetime.datetime.combine(tomorrow, datetime.time(), tzinfo=zone).astimezone(UTC)


def local_date(now: datetime.datetime, time_zone: str) -> datetime.date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def remaining_allowance(limit: int, used_today: int) -> int:
    return max(0, limit - used_today)


# --- For the progress dashboard ---------------------------------------------

# Anki's convention: a card whose interval has reached three weeks is "mature".
MATURE_INTERVAL = datetime.timedelta(days=21)
# A card counts as mastered while it would more likely than not be recalled at
# the usual target (90 %).
MASTERED_RETRIEVABILITY = 0.9


class Stage(enum.StrEnum):
    """Where a card is on its way to long-term memory."""

    NEW = "new"
    LEARNING = "learning"
    YOUNG = "young"
    MATURE = "mature"


def stage(snapshot: Snapshot) -> Stage:
    """New, learning (learning or relearning steps), or a review card that is
    young or mature by its current interval (due − last review)."""
    if snapshot.state == NEW:
        return Stage.NEW
    if snapshot.state != REVIEW or snapshot.due is None or snapshot.last_review is None:
        return Stage.LEARNING
    return Stage.MATURE if snapshot.due - snapshot.last_review >= MATURE_INTERVAL else Stage.YOUNG


def retrievability(snapshot: Snapshot, now: datetime.datetime, parameters: Parameters | None = None) -> float:
    """FSRS's probability (0–1) that the card would be recalled at `now`; 0 for a card never reviewed.

    It depends on the card's stability, the time since its last review and the
    forgetting curve's decay (a weight), not on the learner's desired retention."""
    _check_utc(now)
    if snapshot.state == NEW:
        return 0.0
    card = _to_card(snapshot, now)
    return float(scheduler(0.9, parameters).get_card_retrievability(card, current_datetime=now))


def streaks(days: Iterable[datetime.date], today: datetime.date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days among `days` (local dates with a review).

    Today still counts as open: a streak that reached yesterday is current until
    today ends without a review."""
    ordered = sorted(set(days))
    longest = run = 0
    previous: datetime.date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == ONE_DAY else 1
        longest = max(longest, run)
        previous = day
    current = run if previous is not None and today - previous <= ONE_DAY and previous <= today else 0
    return current, longest


def forecast(dues: Iterable[datetime.datetime], now: datetime.datetime, time_zone: str, days: int) -> list[int]:
    """How many cards fall due on each of the learner's next `days` local days,
    today first; cards already overdue are due today."""
    _check_utc(now)
    today = local_date(now, time_zone)
    counts = [0] * days
    for due in dues:
        offset = (local_date(max(due, now), time_zone) - today).days
        if offset < days:
            counts[offset] += 1
    return counts
