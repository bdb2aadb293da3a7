"""Simulated learners whose memory follows known FSRS weights (issue 12's fit tests).

Each simulated learner studies some questions: a first answer, then reviews
one or more days apart, remembered with the probability the *true* weights
give. Seeded, so every run writes the same log.
"""

from __future__ import annotations

import datetime
import random
import uuid

from fsrs_rs_python import FSRS, MemoryState

from quiz.models import Learner, Question, ReviewLog
from quiz.scheduling import DEFAULT_PARAMETERS, Parameters

START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
GRADES = {1: "again", 2: "hard", 3: "good", 4: "easy"}

# Clearly not the defaults: these facts are much harder to keep (first
# stabilities a quarter of the defaults', stability growing more slowly after
# each success) and forgotten along a steeper curve.
CHANGED = {0: 0.053, 1: 0.323, 2: 0.577, 3: 2.074, 8: 1.2, 20: 0.45}
HARD_FACTS: Parameters = tuple(CHANGED.get(i, w) for i, w in enumerate(DEFAULT_PARAMETERS))
# And a learner for whom they are much easier than for everyone else.
EASY_FOR_ONE: Parameters = tuple(w * 4 if i < 4 else (0.1 if i == 20 else w) for i, w in enumerate(DEFAULT_PARAMETERS))


def recall_probability(weights: Parameters, stability: float, days: int) -> float:
    decay = -weights[20]
    factor = 0.9 ** (1 / decay) - 1
    return (1 + factor * days / stability) ** decay


def simulate(
    learner: Learner,
    questions: list[Question],
    weights: Parameters,
    *,
    reviews_per_card: int,
    rng: random.Random,
    scheduled_by: Parameters | None = None,
    start: datetime.datetime = START,
) -> list[ReviewLog]:
    """Unsaved log rows of `learner` answering each question `reviews_per_card`
    times. Their memory follows `weights`; the intervals follow the stability
    that `scheduled_by` (the same weights unless given) would estimate."""
    truth, schedule = FSRS(list(weights)), FSRS(list(scheduled_by or weights))
    rows = []
    for question in questions:
        when = start + datetime.timedelta(hours=rng.randint(0, 24 * 20))
        rating = rng.choice((1, 2, 3, 3, 3, 4))
        memory: MemoryState | None = None
        estimate: MemoryState | None = None
        days = 0
        for _ in range(reviews_per_card):
            rows.append(
                ReviewLog(
                    learner=learner,
                    question=question,
                    review_id=uuid.uuid4(),
                    rating=rating,
                    reviewed_at=when,
                    duration_ms=4000,
                    language="en",
                    state_before={},
                    state_after={},
                )
            )
            memory = getattr(truth.next_states(memory, 0.9, days), GRADES[rating]).memory
            estimate = getattr(schedule.next_states(estimate, 0.9, days), GRADES[rating]).memory
            # Reviews come back early and late, so the forgetting curve is seen over a wide range.
            days = max(1, round(estimate.stability * rng.uniform(0.2, 4.0)))
            when += datetime.timedelta(days=days, minutes=rng.randint(-90, 90))
            remembered = rng.random() < recall_probability(weights, memory.stability, days)
            rating = rng.choice((2, 3, 3, 3, 3, 4)) if remembered else 1
    return rows


def population(
    learners: int, weights: Parameters, *, cards: int = 20, reviews_per_card: int = 6, seed: int = 12
) -> list[Learner]:
    """`learners` guest learners with simulated logs, saved; they joined the day before their first review."""
    rng = random.Random(seed)
    questions = list(Question.objects.published().order_by("pk"))
    people = Learner.objects.bulk_create(Learner() for _ in range(learners))
    rows: list[ReviewLog] = []
    for learner in people:
        rows += simulate(learner, rng.sample(questions, cards), weights, reviews_per_card=reviews_per_card, rng=rng)
    ReviewLog.objects.bulk_create(rows, batch_size=2000)
    backdate(people, START - datetime.timedelta(days=1))
    return people


def held_out_log(learners: int, weights: Parameters, *, seed: int) -> list[tuple[int, int, datetime.datetime, int]]:
    """Log rows (learner, question, when, rating) of `learners` more learners
    like the population's, never saved: reviews no fit has seen."""
    rng = random.Random(seed)
    questions = list(Question.objects.published().order_by("pk"))
    rows = []
    for n in range(learners):
        learner = Learner(pk=10_000_000 + n)
        for row in simulate(learner, rng.sample(questions, 20), weights, reviews_per_card=6, rng=rng):
            rows.append((learner.pk, row.question_id, row.reviewed_at, row.rating))
    return sorted(rows, key=lambda row: (row[0], row[1], row[2]))


def backdate(people: list[Learner], created_at: datetime.datetime) -> None:
    Learner.objects.filter(pk__in=[learner.pk for learner in people]).update(created_at=created_at)


def scripted_guests(
    count: int,
    *,
    created_at: datetime.datetime,
    grades: tuple[int, ...] = (3, 3, 3, 4),
    duration_ms: int = 4000,
    cards: int = 60,
    reviews_per_card: int = 10,
    seed: int = 17,
) -> list[Learner]:
    """`count` scripted guests, saved, who answer to lengthen the intervals
    (issue 17, finding 8): every card "remembered" (`grades`) after ever
    longer gaps, starting at a week, on many cards each."""
    rng = random.Random(seed)
    questions = list(Question.objects.published().order_by("pk"))
    guests = Learner.objects.bulk_create(Learner() for _ in range(count))
    rows = []
    for guest in guests:
        for question in rng.sample(questions, min(cards, len(questions))):
            when = START + datetime.timedelta(hours=rng.randint(0, 24 * 20))
            gap = 7.0
            for _ in range(reviews_per_card):
                rows.append(
                    ReviewLog(
                        learner=guest,
                        question=question,
                        review_id=uuid.uuid4(),
                        rating=rng.choice(grades),
                        reviewed_at=when,
                        duration_ms=duration_ms,
                        language="en",
                        state_before={},
                        state_after={},
                    )
                )
                when += datetime.timedelta(days=round(gap))
                gap *= 2.5
    ReviewLog.objects.bulk_create(rows, batch_size=2000)
    backdate(guests, created_at)
    return guests
