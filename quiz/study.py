"""The study queue: which card comes next for a learner, and today's counts.

Queries live on the models; this module puts them together for the views.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.db.models import OuterRef, Subquery

from quiz import scheduling
from quiz.models import CardState, Learner, Question, ReviewLog, new_questions_for

CARD_RELATED = ("question__fact__source", "question__fact__topic")


@dataclass
class Queue:
    learner: Learner
    card: CardState | None
    due_count: int
    new_count: int
    done_today: int
    next_due: datetime.datetime | None = None
    intervals: dict[int, datetime.timedelta] = field(default_factory=dict)
    now: datetime.datetime | None = None
    review_limit_reached: bool = False

    @property
    def next_due_in(self) -> datetime.timedelta | None:
        if self.next_due is None or self.now is None:
            return None
        return self.next_due - self.now

    def show(self, card: CardState, now: datetime.datetime) -> None:
        """Make `card` the current one: load its choices and the interval each grade would give."""
        self.card = card
        if card.question.kind != Question.Kind.FLASHCARD:
            # Choice's default ordering is (position, id).
            card.question.ordered_choices = list(card.question.choices.all())
        self.intervals = scheduling.preview(card.snapshot(), now, self.learner.desired_retention)

    @property
    def remaining(self) -> int:
        return self.due_count + self.new_count

    @property
    def total_today(self) -> int:
        return self.done_today + self.remaining


def build_queue(learner: Learner, now: datetime.datetime, topic_slug: str | None = None) -> Queue:
    """The next card (due cards first, longest overdue first; then new cards up
    to what is left of today's allowance) and the counts shown beside it."""
    start = scheduling.day_start(now, learner.time_zone)
    counts = ReviewLog.objects.counts_since(learner, start)
    reviews_left = scheduling.remaining_allowance(learner.max_reviews_per_day, counts["reviews"])
    new_left = scheduling.remaining_allowance(
        learner.new_per_day + learner.extra_new_today(scheduling.local_date(now, learner.time_zone)), counts["new"]
    )

    due = CardState.objects.due_for(learner, now).select_related(*CARD_RELATED)
    if topic_slug:
        due = due.filter(question__fact__topic__slug=topic_slug)
    due_cards = list(due[:reviews_left]) if reviews_left else []

    new_questions: list[Question] = []
    if new_left:
        existing = CardState.objects.filter(learner=learner, question=OuterRef("pk"))
        new_questions = list(
            new_questions_for(learner, topic_slug)
            .select_related("fact__source", "fact__topic")
            .annotate(
                state_id=Subquery(existing.values("pk")[:1]), state_version=Subquery(existing.values("version")[:1])
            )[:new_left]
        )

    queue = Queue(
        learner=learner,
        card=None,
        due_count=len(due_cards),
        new_count=len(new_questions),
        done_today=counts["reviews"] + counts["new"],
        now=now,
        review_limit_reached=reviews_left == 0,
    )
    if due_cards:
        queue.show(due_cards[0], now)
    elif new_questions:
        queue.show(new_card(learner, new_questions[0]), now)
    else:
        queue.next_due = next_due(learner, topic_slug)
    return queue


def new_card(learner: Learner, question: Question) -> CardState:
    """The learner's state row for a question they have not studied, created on first sight."""
    if question.state_id is not None:
        return CardState(pk=question.state_id, learner=learner, question=question, version=question.state_version)
    try:
        # Plain autocommit insert: the view runs outside any transaction, so a
        # concurrent insert by another tab just fails here and we read its row.
        return CardState.objects.create(learner=learner, question=question)
    except IntegrityError:
        card = CardState.objects.get(learner=learner, question=question)
        card.question = question
        return card


def next_due(learner: Learner, topic_slug: str | None) -> datetime.datetime | None:
    cards = CardState.objects.filter(learner=learner).studied()
    if topic_slug:
        cards = cards.filter(question__fact__topic__slug=topic_slug)
    return cards.order_by("due").values_list("due", flat=True).first()
