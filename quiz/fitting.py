"""Fitting FSRS to this deck's review log (issue 12).

Everyone studies the same questions, so the pooled log says how hard each of
these facts is to keep. The fitting itself is fsrs-rs-python (the Rust FSRS
that Anki uses); scheduling stays with `fsrs` (quiz/scheduling.py), which takes
the fitted weights. Both are FSRS-6 with 21 weights.

The first part is pure: log rows in, training items, time-ordered splits,
predictions and the two metrics out. The last part reads the log and stores
sets; `manage.py fit_schedule` runs it.
"""

from __future__ import annotations

import datetime
import enum
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from zoneinfo import ZoneInfo

from django.db import models, transaction
from django.db.models import Count, Max
from fsrs_rs_python import FSRS, FSRSItem, FSRSReview, default_simulator_config, optimal_retention

from quiz import scheduling
from quiz.models import Learner, ParameterSet, Question, ReviewLog
from quiz.scheduling import DEFAULT_PARAMETERS, Parameters

# A time-series split of the items in (SPLITS + 1) consecutive slices: each
# slice after the first is predicted by weights fitted to the slices before it.
SPLITS = 5
RMSE_BINS = 20
# Predictions are kept away from 0 and 1, so one confident miss cannot make the log loss infinite.
EPSILON = 1e-6
# The settings form's range (Learner.desired_retention).
RETENTION_RANGE = (0.70, 0.97)

# (rating 1–4, whole days since the previous review in the learner's time zone; 0 for the first).
Review = tuple[int, int]
# What is read from the log: learner, question, when (UTC), rating.
LogRow = tuple[int, int, datetime.datetime, int]


@dataclass(frozen=True, slots=True)
class Item:
    """One review to predict (the last of `reviews`) from the card's history
    before it, and when it happened (splits are in time order)."""

    learner_id: int
    reviewed_at: datetime.datetime
    reviews: tuple[Review, ...]


def training_items(rows: Iterable[LogRow], time_zones: dict[int, str]) -> list[Item]:
    """FSRS training items from log rows sorted by learner, question and time.

    Day gaps are counted between the learner's local dates, as FSRS counts
    days. A review on the same day as the one before (a learning step, a lapse
    seen again) has a gap of 0: it stays in the history, where FSRS-6's
    short-term formula uses it, but is not itself an item to predict, since
    FSRS predicts recall after at least a day. Undone reviews are not in the
    log, so they are not here either."""
    items: list[Item] = []
    for (learner_id, _question_id), card_rows in groupby(rows, key=lambda row: (row[0], row[1])):
        zone = ZoneInfo(time_zones.get(learner_id, "UTC"))
        history: list[Review] = []
        previous: datetime.date | None = None
        for _learner, _question, reviewed_at, rating in card_rows:
            day = reviewed_at.astimezone(zone).date()
            gap = 0 if previous is None else (day - previous).days
            history.append((rating, gap))
            previous = day
            if gap > 0:
                items.append(Item(learner_id, reviewed_at, tuple(history)))
    return items


def time_series_splits(items: Sequence[Item], splits: int = SPLITS) -> list[tuple[list[Item], list[Item]]]:
    """(train, test) pairs: the items in time order cut into splits + 1 slices,
    each slice tested on weights fitted to all the slices before it."""
    ordered = sorted(items, key=lambda item: item.reviewed_at)
    size = len(ordered) // (splits + 1)
    if size == 0:
        return []
    pairs = []
    for k in range(1, splits + 1):
        end = len(ordered) if k == splits else (k + 1) * size
        pairs.append((ordered[: k * size], ordered[k * size : end]))
    return pairs


# --- Who weighs how much in the deck-wide fit (issue 17, finding 8) ---------
#
# The deck-wide set schedules every new learner, so a handful of scripted
# guests must not be able to steer it: learners too new or answering like a
# script are left out, and no one learner weighs more than a bounded share.


class LeftOut(enum.StrEnum):
    YOUNG = "younger than the minimum age"
    ONE_GRADE = "every answer the same grade"
    TOO_FAST = "answers faster than reading"


@dataclass(frozen=True)
class Screening:
    """The rules a learner's log must pass to count in the deck-wide fit."""

    min_age: datetime.timedelta
    # Every answer the same grade over at least this many reviews: a script, or someone not trying.
    one_grade_reviews: int
    # A median answer time below this is faster than one can read a question.
    min_answer_ms: int


@dataclass(frozen=True)
class LearnerLog:
    """What the screening looks at in one learner's log."""

    learner_id: int
    created_at: datetime.datetime
    reviews: int
    grades: int  # how many distinct grades they gave
    median_answer_ms: float


def learner_logs(rows: Iterable[tuple[int, int, int]], created: dict[int, datetime.datetime]) -> list[LearnerLog]:
    """One LearnerLog per learner from (learner, rating, duration in ms) rows sorted by learner."""
    logs = []
    for learner_id, learner_rows in groupby(rows, key=lambda row: row[0]):
        ratings: set[int] = set()
        durations: list[int] = []
        for _learner, rating, duration_ms in learner_rows:
            ratings.add(rating)
            durations.append(duration_ms)
        logs.append(
            LearnerLog(learner_id, created[learner_id], len(durations), len(ratings), statistics.median(durations))
        )
    return logs


def left_out(log: LearnerLog, now: datetime.datetime, rules: Screening) -> LeftOut | None:
    """Why this learner's reviews stay out of the deck-wide fit, or None when they count."""
    if now - log.created_at < rules.min_age:
        return LeftOut.YOUNG
    if log.grades == 1 and log.reviews >= rules.one_grade_reviews:
        return LeftOut.ONE_GRADE
    if log.median_answer_ms < rules.min_answer_ms:
        return LeftOut.TOO_FAST
    return None


def min_learners(max_share: float) -> int:
    """How many learners a pooled fit needs for the share cap to bind: with
    fewer, a share of 1/n each is more than `max_share`, whatever the cap."""
    return math.ceil(1 / max_share - 1e-9)


def learner_cap(counts: Iterable[int], max_share: float) -> int:
    """The most items one learner may keep so that nobody holds more than
    `max_share` of the pooled items after capping: the largest c with
    c <= max_share * sum(min(n, c)). 0 when there are too few learners."""
    ordered = sorted(counts)
    below = 0  # the items of the learners under the cap, kept whole
    for k, count in enumerate(ordered):
        capped = len(ordered) - k
        # For c between the previous count and this one: c <= share * (below + capped * c).
        if max_share * capped < 1:
            limit = max_share * below / (1 - max_share * capped)
            if limit < count:
                return math.floor(limit + 1e-9)
        below += count
    return ordered[-1] if ordered else 0


def capped_items(items: Sequence[Item], max_share: float) -> list[Item]:
    """`items` with each learner's beyond the cap left out, in time order.

    A learner over the cap keeps a sample seeded by their id rather than their
    earliest items: their later reviews, after the longer gaps, are the ones
    that say most about long-term memory, and an even sample keeps their mix of
    gaps. Seeded, so the same log gives the same fit."""
    by_learner: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_learner[item.learner_id].append(item)
    cap = learner_cap((len(own) for own in by_learner.values()), max_share)
    kept: list[Item] = []
    for learner_id, own in by_learner.items():
        kept += own if len(own) <= cap else random.Random(learner_id).sample(own, cap)
    return sorted(kept, key=lambda item: (item.reviewed_at, item.learner_id))


def log_loss(predicted: Sequence[float], recalled: Sequence[bool]) -> float:
    """Mean negative log-likelihood of what happened (recalled or not) under the predictions."""
    total = 0.0
    for p, y in zip(predicted, recalled, strict=True):
        p = min(max(p, EPSILON), 1 - EPSILON)
        total -= math.log(p if y else 1 - p)
    return total / len(predicted)


def rmse_bins(predicted: Sequence[float], recalled: Sequence[bool], bins: int = RMSE_BINS) -> float:
    """Calibration error: reviews grouped by predicted recall (equal-width bins),
    the root of the review-weighted mean squared gap between predicted and
    observed recall per bin."""
    sums: dict[int, list[float]] = {}
    for p, y in zip(predicted, recalled, strict=True):
        row = sums.setdefault(min(int(p * bins), bins - 1), [0.0, 0.0, 0.0])
        row[0] += p
        row[1] += y
        row[2] += 1
    squared = sum((p - y) ** 2 / n for p, y, n in sums.values())
    return math.sqrt(squared / len(predicted))


def _fsrs_item(reviews: Sequence[Review]) -> FSRSItem:
    return FSRSItem([FSRSReview(rating, gap) for rating, gap in reviews])


def predict(items: Sequence[Item], parameters: Parameters | None) -> list[float]:
    """FSRS's predicted recall for each item's last review, from the history before it."""
    weights = list(parameters or DEFAULT_PARAMETERS)
    states = FSRS(weights).memory_state_batch([_fsrs_item(item.reviews[:-1]) for item in items])
    decay = -weights[20]
    factor = 0.9 ** (1 / decay) - 1
    return [
        (1 + factor * item.reviews[-1][1] / max(state.stability, 0.001)) ** decay
        for item, state in zip(items, states, strict=True)
    ]


def fit(items: Sequence[Item]) -> Parameters:
    """FSRS-6 weights fitted to `items` (fsrs-rs, seeded, so the same items give the same weights)."""
    return tuple(FSRS(list(DEFAULT_PARAMETERS)).compute_parameters([_fsrs_item(item.reviews) for item in items]))


@dataclass(frozen=True)
class Evaluation:
    """Held-out log loss and RMSE of the set in force (before) and the candidate (after)."""

    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float
    held_out: int

    @property
    def better(self) -> bool:
        """Kept only when it predicts held-out reviews better on both counts: never make predictions worse."""
        return self.log_loss_after < self.log_loss_before and self.rmse_after <= self.rmse_before


def evaluate(items: Sequence[Item], in_force: Parameters | None, splits: int = SPLITS) -> Evaluation | None:
    """Time-series evaluation of fitting against the weights in force; None with too few items to split."""
    before: list[float] = []
    after: list[float] = []
    recalled: list[bool] = []
    pairs = time_series_splits(items, splits)
    for train, test in pairs:
        before += predict(test, in_force)
        after += predict(test, fit(train))
        recalled += [item.reviews[-1][0] > 1 for item in test]
    if not recalled:
        return None
    return Evaluation(
        log_loss_before=log_loss(before, recalled),
        log_loss_after=log_loss(after, recalled),
        rmse_before=rmse_bins(before, recalled),
        rmse_after=rmse_bins(after, recalled),
        held_out=len(recalled),
    )


def recommended_retention(parameters: Parameters | None, deck_size: int, new_per_day: int = 10) -> float:
    """The desired retention that keeps the most for the least review time over a
    year of this deck (fsrs-rs's simulation), within the settings' range, to 0.01."""
    config = default_simulator_config()
    config.deck_size = max(deck_size, 1)
    config.learn_span = 365
    config.learn_limit = max(new_per_day, 1)
    best = optimal_retention(config, list(parameters or DEFAULT_PARAMETERS))
    low, high = RETENTION_RANGE
    return round(min(max(best, low), high), 2)


def good_intervals(
    parameters: Parameters | None, now: datetime.datetime, count: int = 4, desired_retention: float = 0.9
) -> list[datetime.timedelta]:
    """The first `count` intervals of a new card answered Good each time it is
    due: what a new learner would see, and what a fit would change first."""
    snapshot = scheduling.Snapshot()
    intervals = []
    for _ in range(count):
        snapshot = scheduling.review(snapshot, 3, now, desired_retention, parameters)
        assert snapshot.due is not None
        intervals.append(snapshot.due - now)
        now = snapshot.due
    return intervals


# --- Reading the log and keeping sets (manage.py fit_schedule) --------------


class Result(enum.StrEnum):
    KEPT = "kept"
    # A deck-wide set stored, waiting for a person to approve it.
    PENDING = "pending"
    NOT_BETTER = "not better"
    UNCHANGED = "unchanged"
    TOO_FEW = "too few"
    TOO_FEW_LEARNERS = "too few learners"


@dataclass(frozen=True)
class DeckRules:
    """Who counts in the deck-wide fit and how much one learner may weigh."""

    screening: Screening
    max_share: float


@dataclass(frozen=True)
class Outcome:
    """What one fit did: for the deck (learner None) or one learner."""

    result: Result
    learner_id: int | None
    review_count: int
    learner_count: int
    items: int = 0
    evaluation: Evaluation | None = None
    # The set stored (or, when unchanged, the pending deck-wide set that saw the same reviews).
    kept: ParameterSet | None = None
    # Deck-wide only: learners and reviews left out, by reason; items left out by the share cap.
    left_out: dict[LeftOut, tuple[int, int]] = field(default_factory=dict)
    capped: int = 0
    min_learners: int = 0


def items_from(reviews: models.QuerySet[ReviewLog]) -> list[Item]:
    """Training items from these log rows, in each learner's time zone."""
    learners = reviews.values("learner_id")
    time_zones = dict(Learner.objects.filter(pk__in=learners).values_list("pk", "time_zone"))
    rows = (
        reviews.order_by("learner_id", "question_id", "reviewed_at", "id")
        .values_list("learner_id", "question_id", "reviewed_at", "rating")
        .iterator(chunk_size=20_000)
    )
    return training_items(rows, time_zones)


@dataclass(frozen=True)
class LogCounts:
    """How many log rows and learners a fit counts, and the newest row's id: a
    set fitted to the same counts saw the same log (rows are only ever added,
    or deleted by undo and reset; a learner coming of age changes the counts)."""

    reviews: int
    learners: int
    last_id: int


def _fitted(
    items: list[Item], *, learner_id: int | None, counts: LogCounts, in_force: ParameterSet | None, min_items: int
) -> tuple[Outcome, Parameters | None]:
    """Evaluate a fit of `items` against `in_force`; the weights when it is better."""
    outcome = Outcome(Result.TOO_FEW, learner_id, counts.reviews, counts.learners, len(items))
    if len(items) < min_items:
        return outcome, None
    evaluation = evaluate(items, in_force.weights if in_force is not None else None)
    if evaluation is None:
        return outcome, None
    if not evaluation.better:
        return Outcome(Result.NOT_BETTER, learner_id, counts.reviews, counts.learners, len(items), evaluation), None
    return Outcome(Result.KEPT, learner_id, counts.reviews, counts.learners, len(items), evaluation), fit(items)


def _new_set(learner_id: int | None, weights: Parameters, counts: LogCounts, evaluation: Evaluation) -> ParameterSet:
    return ParameterSet.objects.create(
        learner_id=learner_id,
        parameters=list(weights),
        review_count=counts.reviews,
        learner_count=counts.learners,
        last_review_log_id=counts.last_id,
        log_loss_before=evaluation.log_loss_before,
        log_loss_after=evaluation.log_loss_after,
        rmse_before=evaluation.rmse_before,
        rmse_after=evaluation.rmse_after,
        held_out_count=evaluation.held_out,
        recommended_retention=recommended_retention(weights, Question.objects.published().count()),
    )


def _unchanged(fitted: ParameterSet | None, counts: LogCounts) -> bool:
    """Whether `fitted` saw exactly these reviews (none added, none undone since)."""
    return fitted is not None and (fitted.review_count, fitted.last_review_log_id) == (counts.reviews, counts.last_id)


def screen(rules: Screening, now: datetime.datetime) -> dict[int, tuple[LeftOut, int]]:
    """The learners whose reviews stay out of the deck-wide fit: why, and how many reviews they have."""
    created = dict(
        Learner.objects.filter(pk__in=ReviewLog.objects.values("learner_id")).values_list("pk", "created_at")
    )
    rows = (
        ReviewLog.objects.order_by("learner_id")
        .values_list("learner_id", "rating", "duration_ms")
        .iterator(chunk_size=20_000)
    )
    found = {}
    for log in learner_logs(rows, created):
        reason = left_out(log, now, rules)
        if reason is not None:
            found[log.learner_id] = (reason, log.reviews)
    return found


def fit_deck(min_items: int, rules: DeckRules, now: datetime.datetime) -> Outcome:
    """Fit weights to the reviews of the learners who count; store them, pending
    approval, if better than the approved deck-wide set in force.

    A new pending set replaces any older one: the newest fit is the one worth
    a person's look, and runs while nobody approves do not pile up sets."""
    excluded = screen(rules.screening, now)
    left: dict[LeftOut, tuple[int, int]] = {}
    for reason, reviews in excluded.values():
        learners, total = left.get(reason, (0, 0))
        left[reason] = (learners + 1, total + reviews)
    row = ReviewLog.objects.aggregate(n=Count("id"), last=Max("id"), learners=Count("learner", distinct=True))
    counts = LogCounts(
        row["n"] - sum(reviews for _reason, reviews in excluded.values()),
        row["learners"] - len(excluded),
        row["last"] or 0,
    )
    needed = min_learners(rules.max_share)
    base: dict = {"left_out": left, "min_learners": needed}
    in_force = ParameterSet.objects.deck_in_force()
    pending = ParameterSet.objects.pending_deck()
    for fitted in (in_force, pending):
        if _unchanged(fitted, counts):
            return Outcome(Result.UNCHANGED, None, counts.reviews, counts.learners, kept=pending, **base)
    items = [item for item in items_from(ReviewLog.objects.all()) if item.learner_id not in excluded]
    if len(items) >= min_items and counts.learners < needed:
        return Outcome(Result.TOO_FEW_LEARNERS, None, counts.reviews, counts.learners, len(items), **base)
    pooled = capped_items(items, rules.max_share)
    outcome, weights = _fitted(pooled, learner_id=None, counts=counts, in_force=in_force, min_items=min_items)
    base["capped"] = len(items) - len(pooled)
    if weights is None or outcome.evaluation is None:
        return replace(outcome, **base)
    with transaction.atomic():
        ParameterSet.objects.pending_decks().delete()
        kept = _new_set(None, weights, counts, outcome.evaluation)
    return replace(outcome, **base, result=Result.PENDING, kept=kept)


def fit_learners(min_items: int) -> list[Outcome]:
    """Fit each learner with at least `min_items` log rows to their own reviews.

    Their set is kept, and schedules them, only when it beats the deck-wide set
    in force on their own held-out reviews; otherwise they go back to the
    deck-wide set. A learner whose reviews did not change since their own fit
    is left alone, unless a deck-wide set was approved since."""
    deck = ParameterSet.objects.deck_in_force()
    candidates = (
        ReviewLog.objects.order_by()
        .values("learner_id")
        .annotate(n=Count("id"), last=Max("id"))
        .filter(n__gte=min_items)
        .order_by("learner_id")
    )
    in_use = Learner.objects.filter(parameter_set__isnull=False).values("parameter_set")
    own_sets = {found.learner_id: found for found in ParameterSet.objects.filter(pk__in=in_use)}
    outcomes = []
    for row in candidates:
        learner_id, counts = row["learner_id"], LogCounts(row["n"], 1, row["last"])
        own = own_sets.get(learner_id)
        approved_at = deck.approved_at if deck is not None else None
        deck_changed = own is not None and approved_at is not None and own.created_at < approved_at
        if not deck_changed and _unchanged(own, counts):
            outcomes.append(Outcome(Result.UNCHANGED, learner_id, counts.reviews, 1))
            continue
        items = items_from(ReviewLog.objects.filter(learner_id=learner_id))
        outcome, weights = _fitted(items, learner_id=learner_id, counts=counts, in_force=deck, min_items=min_items)
        if weights is not None and outcome.evaluation is not None:
            with transaction.atomic():
                kept = _new_set(learner_id, weights, counts, outcome.evaluation)
                Learner.objects.filter(pk=learner_id).update(parameter_set=kept)
            outcome = replace(outcome, kept=kept)
        elif own is not None:
            Learner.objects.filter(pk=learner_id).update(parameter_set=None)
        outcomes.append(outcome)
    return outcomes
