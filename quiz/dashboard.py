"""The progress dashboard's numbers for one learner at one moment.

A fixed handful of queries, whatever the length of the history: per-day counts
are grouped in the database, and card states are fetched once (one row per
card, so bounded by the deck). The maths is in quiz/scheduling.py.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from quiz import scheduling
from quiz.models import CardState, Learner, ParameterSet, Question, QuizAttempt, ReviewLog, Topic
from quiz.scheduling import Snapshot, Stage

RETENTION_WINDOW = datetime.timedelta(days=30)
FORECAST_DAYS = 30


@dataclass(frozen=True)
class QuizScore:
    """A finished quiz: right answers out of its questions still published
    (QuizAttempt.counted, the one definition the quiz pages use too)."""

    attempt: QuizAttempt
    right: int
    total: int

    @property
    def fraction(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class TopicProgress:
    topic: Topic
    total: int
    studied: int = 0
    due: int = 0
    mastered: int = 0
    # Sum over the studied cards of their predicted recall now (parameters in force).
    recall: float = 0.0
    best_quiz: QuizScore | None = None
    latest_quiz: QuizScore | None = None

    @property
    def mastered_percent(self) -> int:
        return round(100 * self.mastered / self.total) if self.total else 0

    @property
    def recall_percent(self) -> int | None:
        """Mean predicted recall of the topic's studied cards now; None before any is studied."""
        return round(100 * self.recall / self.studied) if self.studied else None


@dataclass
class Dashboard:
    learner: Learner
    now: datetime.datetime
    today: datetime.date
    due_now: int
    due_later_today: int
    new_left_today: int
    answers_today: int
    ms_today: int
    current_streak: int
    longest_streak: int
    # Share of answers to cards in review state that were not Again; None without any.
    retention: float | None
    retention_answers: int
    stages: dict[Stage, int]
    forecast: list[tuple[datetime.date, int]]
    per_day: dict[datetime.date, int]
    topics: list[TopicProgress] = field(default_factory=list)
    # What the schedule is fitted to: the learner's own set, the deck's, or None (FSRS defaults).
    parameter_set: ParameterSet | None = None

    @property
    def fitted_to_own(self) -> bool:
        return self.parameter_set is not None and self.parameter_set.learner_id is not None

    @property
    def has_history(self) -> bool:
        return bool(self.per_day) or any(row.latest_quiz for row in self.topics)

    @property
    def minutes_today(self) -> int:
        return round(self.ms_today / 60_000)

    @property
    def retention_percent(self) -> int | None:
        return None if self.retention is None else round(100 * self.retention)

    @property
    def desired_retention_percent(self) -> int:
        return round(100 * self.learner.desired_retention)


def build_dashboard(learner: Learner, now: datetime.datetime) -> Dashboard:
    """Everything /progress/ shows, as of `now`, in five queries (six with quizzes);
    the deck-wide parameter set comes from the process's copy (quiz.published)."""
    time_zone = learner.time_zone
    today = scheduling.local_date(now, time_zone)
    tomorrow_start = scheduling.next_day_start(now, time_zone)
    totals = ReviewLog.objects.dashboard_totals(learner, scheduling.day_start(now, time_zone), now - RETENTION_WINDOW)
    per_day = ReviewLog.objects.per_local_day(learner, time_zone)
    cards = list(CardState.objects.dashboard_rows(learner))
    in_force = learner.set_in_force()
    parameters = in_force.weights if in_force is not None else None
    topics = {
        topic.pk: TopicProgress(topic=topic, total=topic.question_count)
        for topic in Topic.objects.with_question_counts().order_by("position", "slug")
        if topic.question_count
    }
    attempts = list(QuizAttempt.objects.topic_scores(learner).only("topic", "question_ids", "finished_at"))
    published = set(Question.objects.published().values_list("pk", flat=True)) if attempts else set()
    for attempt in attempts:
        row = topics.get(attempt.topic_id)
        if row is None:
            continue
        score = QuizScore(attempt, attempt.right, len(attempt.counted(published)))
        # Oldest first, so the latest attempt, and the latest of equal best scores, wins.
        row.latest_quiz = score
        if row.best_quiz is None or score.fraction >= row.best_quiz.fraction:
            row.best_quiz = score

    stages: Counter[Stage] = Counter()
    dues: list[datetime.datetime] = []
    for values in cards:
        topic_id = values.pop("question__fact__topic_id")
        snapshot = Snapshot(**values)
        stages[scheduling.stage(snapshot)] += 1
        row = topics.get(topic_id)
        if row is not None:
            recall = scheduling.retrievability(snapshot, now, parameters)
            row.studied += 1
            row.recall += recall
            row.mastered += recall >= scheduling.MASTERED_RETRIEVABILITY
        if snapshot.due is None:  # never written by record_review; only a hand-edited row
            continue
        dues.append(snapshot.due)
        if row is not None:
            row.due += snapshot.due <= now
    unstudied = sum(row.total for row in topics.values()) - len(cards)
    stages[Stage.NEW] = unstudied

    # The same allowance the study queue uses (quiz/study.py's build_queue).
    allowance = learner.new_per_day + learner.extra_new_today(today)
    new_left = min(scheduling.remaining_allowance(allowance, totals["new_today"]), unstudied)
    current, longest = scheduling.streaks(per_day, today)
    counts = scheduling.forecast(dues, now, time_zone, FORECAST_DAYS)
    return Dashboard(
        learner=learner,
        now=now,
        today=today,
        due_now=sum(1 for due in dues if due <= now),
        due_later_today=sum(1 for due in dues if now < due < tomorrow_start),
        new_left_today=new_left,
        answers_today=totals["answers_today"],
        ms_today=totals["ms_today"],
        current_streak=current,
        longest_streak=longest,
        retention=totals["remembered"] / totals["review_answers"] if totals["review_answers"] else None,
        retention_answers=totals["review_answers"],
        stages={stage: stages[stage] for stage in Stage},
        forecast=[(today + datetime.timedelta(days=offset), n) for offset, n in enumerate(counts)],
        per_day=per_day,
        topics=list(topics.values()),
        parameter_set=in_force,
    )
