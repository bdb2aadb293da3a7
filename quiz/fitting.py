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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from zoneinfo import ZoneInfo

from django.db import models, transaction
from django.db.models import Count, Max
from fsrs_rs_python import FSRS, FSRSItem, FSRSReview, default_simulator_config, optimal_retention

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


# --- Reading the log and keeping sets (manage.py fit_schedule) --------------


class Result(enum.StrEnum):
    KEPT = "kept"
    NOT_BETTER = "not better"
    UNCHANGED = "unchanged"
    TOO_FEW = "too few"


@dataclass(frozen=True)
class Outcome:
    """What one fit did: for the deck (learner None) or one learner."""

    result: Result
    learner_id: int | None
    review_count: int
    learner_count: int
    items: int = 0
    evaluation: Evaluation | None = None
    kept: ParameterSet | None = None


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
    """How many log rows and learners a fit sees, and the newest row's id: a
    set fitted to the same counts saw the same log (rows are only ever added,
    or deleted by undo and reset)."""

    reviews: int
    learners: int
    last_id: int


def _fit_and_keep(
    reviews: models.QuerySet[ReviewLog],
    *,
    learner_id: int | None,
    counts: LogCounts,
    in_force: ParameterSet | None,
    min_items: int,
) -> Outcome:
    """Fit the reviews and keep the set if it beats `in_force` on held-out reviews."""
    items = items_from(reviews)
    outcome = Outcome(Result.TOO_FEW, learner_id, counts.reviews, counts.learners, len(items))
    if len(items) < min_items:
        return outcome
    evaluation = evaluate(items, in_force.weights if in_force is not None else None)
    if evaluation is None:
        return outcome
    if not evaluation.better:
        return Outcome(Result.NOT_BETTER, learner_id, counts.reviews, counts.learners, len(items), evaluation)
    weights = fit(items)
    with transaction.atomic():
        kept = ParameterSet.objects.create(
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
        if learner_id is not None:
            Learner.objects.filter(pk=learner_id).update(parameter_set=kept)
    return Outcome(Result.KEPT, learner_id, counts.reviews, counts.learners, len(items), evaluation, kept)


def _unchanged(fitted: ParameterSet | None, counts: LogCounts) -> bool:
    """Whether `fitted` saw exactly these reviews (none added, none undone since)."""
    return fitted is not None and (fitted.review_count, fitted.last_review_log_id) == (counts.reviews, counts.last_id)


def fit_deck(min_items: int) -> Outcome:
    """Fit weights to every learner's reviews; keep them if better than the deck-wide set in force."""
    row = ReviewLog.objects.aggregate(n=Count("id"), last=Max("id"), learners=Count("learner", distinct=True))
    counts = LogCounts(row["n"], row["learners"], row["last"] or 0)
    in_force = ParameterSet.objects.deck_in_force()
    if _unchanged(in_force, counts):
        return Outcome(Result.UNCHANGED, None, counts.reviews, counts.learners)
    return _fit_and_keep(
        ReviewLog.objects.all(), learner_id=None, counts=counts, in_force=in_force, min_items=min_items
    )


def fit_learners(min_items: int, deck_changed: bool) -> list[Outcome]:
    """Fit each learner with at least `min_items` log rows to their own reviews.

    Their set is kept, and schedules them, only when it beats the deck-wide set
    in force on their own held-out reviews; otherwise they go back to the
    deck-wide set. A learner whose reviews did not change since their own fit
    is left alone, unless the deck-wide set changed."""
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
        if not deck_changed and _unchanged(own, counts):
            outcomes.append(Outcome(Result.UNCHANGED, learner_id, counts.reviews, 1))
            continue
        reviews = ReviewLog.objects.filter(learner_id=learner_id)
        outcome = _fit_and_keep(reviews, learner_id=learner_id, counts=counts, in_force=deck, min_items=min_items)
        if outcome.result != Result.KEPT and own is not None:
            Learner.objects.filter(pk=learner_id).update(parameter_set=None)
        outcomes.append(outcome)
    return outcomes
