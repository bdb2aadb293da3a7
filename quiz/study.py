"""The study flow: which card comes next for a learner, today's counts, and
what the card region shows (a card in one of four phases).

Queries live on the models; this module puts them together for the views.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from django.core import signing
from django.db import connection
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from quiz import scheduling
from quiz.models import CardState, Choice, Learner, Question, QuizAttempt, ReviewLog
from quiz.published import Published, published

TOKEN_SALT = "quiz.study"
TOKEN_MAX_AGE = 24 * 3600
MAX_DURATION_MS = 60 * 60 * 1000


class Phase(enum.StrEnum):
    """What the card region shows of the current card."""

    # Templates compare with Phase.FRONT …: the class must not be called there.
    do_not_call_in_templates = enum.nonmember(True)

    FRONT = "front"  # the question, waiting for a reveal or a pick
    REVEALED = "revealed"  # a flashcard's answer, waiting for a grade
    PICKED_RIGHT = "picked-right"  # the right choice, waiting for Hard, Good or Easy
    PICKED_WRONG = "picked-wrong"  # a wrong choice, already graded Again: feedback only


def now_ms(now: datetime.datetime) -> int:
    return int(now.timestamp() * 1000)


@dataclass(frozen=True)
class Shown:
    """One card as the learner sees it: which question (a learner has one card
    per question, saved at their first answer), in which phase, at which version, for
    which review (the id that makes its answer count once), since when, and
    the choice picked. Signed into forms and redirects, so the server can
    trust it back without storing it."""

    phase: Phase
    question: int
    version: int
    review: str
    shown_at: int
    choice: int | None = None

    @classmethod
    def front(cls, card: CardState, now: datetime.datetime) -> Shown:
        return cls(Phase.FRONT, card.question_id, card.version, str(uuid.uuid4()), now_ms(now))

    def sign(self) -> str:
        return signing.dumps(asdict(self), salt=TOKEN_SALT, compress=True)

    @classmethod
    def load(cls, token: str) -> Shown | None:
        """The signed value, or None when it is forged, expired or unreadable."""
        try:
            data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
            return cls(**{**data, "phase": Phase(data["phase"])})
        except (signing.BadSignature, TypeError, ValueError, KeyError):
            return None

    def matches(self, card: CardState) -> bool:
        """Whether `card` is still as it was when this was shown."""
        return card.question_id == self.question and card.version == self.version

    def duration_ms(self, now: datetime.datetime) -> int:
        """How long the learner looked at the card, capped at an hour (a tab left open)."""
        if not self.shown_at:
            return 0
        return max(0, min(MAX_DURATION_MS, now_ms(now) - self.shown_at))


def choices_prefetch(lookup: str = "choices") -> Prefetch:
    """A question's choices in order (Choice's ordering is position, id), as `ordered_choices`."""
    return Prefetch(lookup, queryset=Choice.objects.all(), to_attr="ordered_choices")


class CardRow(NamedTuple):
    """A card's row as plain values: building a model instance for each of up
    to a deck's worth of rows costs more than the query; only the card shown
    needs one (`card_for`). The fields are CardState's, in its order."""

    id: int
    learner_id: int
    question_id: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime.datetime | None
    last_review: datetime.datetime | None
    version: int


def counts_and_cards(
    learner: Learner, since: datetime.datetime, content: Published
) -> tuple[dict[str, int], dict[int, CardRow]]:
    """Today's counts (answers since `since` that reviewed a card, and that
    introduced a new one) and the learner's cards for published questions, as
    rows by question id, in one statement: the study page's two reads of the
    learner's own rows (bounded by the deck's size however long the history),
    in one round trip to the database.

    Plain SQL: on every study request, the ORM's compilation of a grouped
    aggregate cost more than the query. The counts come from a one-row
    subquery joined to the cards, so they are there when there are no cards."""
    if learner.pk is None:
        return {"reviews": 0, "new": 0}, {}
    quote = connection.ops.quote_name
    card_columns = ", ".join(f"c.{quote(name)}" for name in CardRow._fields)
    sql = (
        f"SELECT t.reviews, t.introduced, {card_columns} FROM ("
        "SELECT COALESCE(SUM(CASE WHEN r.introduced THEN 0 ELSE 1 END), 0) AS reviews,"
        " COALESCE(SUM(CASE WHEN r.introduced THEN 1 ELSE 0 END), 0) AS introduced"
        f" FROM {quote(ReviewLog._meta.db_table)} r WHERE r.learner_id = %s AND r.reviewed_at >= %s"
        f") t LEFT JOIN {quote(CardState._meta.db_table)} c ON c.learner_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [learner.pk, connection.ops.adapt_datetimefield_value(since), learner.pk])
        rows = cursor.fetchall()
    counts = {"reviews": int(rows[0][0]), "new": int(rows[0][1])}
    cards = {}
    for values in rows:
        row = CardRow(*values[2:])
        if row.id is not None and row.question_id in content.questions:
            # SQLite gives naive datetimes (in UTC): as the ORM would, make them aware.
            cards[row.question_id] = row._replace(due=aware(row.due), last_review=aware(row.last_review))
    return counts, cards


def aware(value: datetime.datetime | None) -> datetime.datetime | None:
    return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def card_for(learner: Learner, question: Question, row: tuple | None) -> CardState:
    """The learner's card for `question` from its row (CardRow's fields), if they
    have one (for a new question, a row left by an undone first answer), else an
    unsaved one. Looking saves nothing; the first answer does (quiz.views.study.record)."""
    card = CardState.from_db(None, CardRow._fields, row) if row else CardState()
    card.learner, card.question = learner, question
    return card


@dataclass
class Queue:
    learner: Learner
    card: CardState | None
    due_count: int
    new_count: int
    done_today: int
    now: datetime.datetime
    intervals: dict[int, datetime.timedelta] = field(default_factory=dict)
    next_due: datetime.datetime | None = None
    review_limit_reached: bool = False
    # False for a queue of one card shown again (revealed, picked): its counts
    # were not computed, and the progress beside the card is left as it is.
    counted: bool = True

    @classmethod
    def of_one(cls, card: CardState, now: datetime.datetime) -> Queue:
        """A queue showing just `card` again, without counting anything."""
        queue = cls(learner=card.learner, card=None, due_count=0, new_count=0, done_today=0, now=now, counted=False)
        queue.show(card)
        return queue

    @property
    def next_due_in(self) -> datetime.timedelta | None:
        return None if self.next_due is None else self.next_due - self.now

    def show(self, card: CardState) -> Queue:
        """Make `card` the current one, with the interval each grade would give it."""
        self.card = card
        self.intervals = scheduling.preview(
            card.snapshot(), self.now, self.learner.desired_retention, self.learner.parameters
        )
        return self

    @property
    def remaining(self) -> int:
        return self.due_count + self.new_count

    @property
    def total_today(self) -> int:
        return self.done_today + self.remaining


@dataclass(frozen=True)
class Scope:
    """Which cards a study session draws from: all of them, one topic's (by
    slug), or the questions the learner missed in one of their quizzes."""

    topic: str = ""
    missed: QuizAttempt | None = None

    def url(self) -> str:
        if self.missed is not None:
            return reverse("quiz:study-missed", args=[self.missed.pk])
        if self.topic:
            return reverse("quiz:study-topic", args=[self.topic])
        return reverse("quiz:study")


def build_queue(learner: Learner, now: datetime.datetime, scope: Scope = Scope()) -> Queue:
    """The next card of the session and the counts shown beside it."""
    if scope.missed is not None:
        return build_missed_queue(learner, now, scope.missed)
    return build_scheduled_queue(learner, now, scope.topic or None)


def build_missed_queue(learner: Learner, now: datetime.datetime, attempt: QuizAttempt) -> Queue:
    """The questions missed in `attempt` (still published) that the learner has not
    reviewed since the quiz, in the quiz's order, whether due or not: studying them
    asks for them now. Each answer is an ordinary review, scheduled as any other."""
    content = published()
    missed = [pk for pk in attempt.missed_ids() if content.question(pk) is not None]
    since = attempt.finished_at or attempt.started_at
    reviewed = set(
        ReviewLog.objects.filter(learner_id=learner.pk, question_id__in=missed, reviewed_at__gte=since).values_list(
            "question_id", flat=True
        )
    )
    left = [pk for pk in missed if pk not in reviewed]
    queue = Queue(
        learner=learner, card=None, due_count=len(left), new_count=0, done_today=len(missed) - len(left), now=now
    )
    if left:
        row = CardState.objects.filter(learner_id=learner.pk, question_id=left[0]).values_list(*CardRow._fields)
        queue.show(card_for(learner, content.questions[left[0]], row.first()))
    return queue


def build_scheduled_queue(learner: Learner, now: datetime.datetime, topic_slug: str | None = None) -> Queue:
    """The next card (due cards first, longest overdue first; then new cards up
    to what is left of today's allowance) and the counts shown beside it.

    Two queries whatever the history: today's counts and the learner's cards;
    the content comes from the in-process copy (quiz.published)."""
    content = published()
    start = scheduling.day_start(now, learner.time_zone)
    counts, cards = counts_and_cards(learner, start, content)
    reviews_left = scheduling.remaining_allowance(learner.max_reviews_per_day, counts["reviews"])
    new_left = scheduling.remaining_allowance(
        learner.new_per_day + learner.extra_new_today(scheduling.local_date(now, learner.time_zone)), counts["new"]
    )

    # (due, id, question) of the studied cards in scope: due cards come longest overdue first.
    studied = [
        (row.due, row.id, row.question_id)
        for row in cards.values()
        if row.state != scheduling.NEW and row.due is not None and content.in_scope(row.question_id, topic_slug)
    ]
    due_cards = sorted(entry for entry in studied if entry[0] <= now)[:reviews_left]
    new_questions = [
        content.questions[pk]
        for pk in content.order
        if (pk not in cards or cards[pk].state == scheduling.NEW) and content.in_scope(pk, topic_slug)
    ][:new_left]

    queue = Queue(
        learner=learner,
        card=None,
        due_count=len(due_cards),
        new_count=len(new_questions),
        done_today=counts["reviews"] + counts["new"],
        now=now,
        review_limit_reached=reviews_left == 0,
    )
    if due_cards or new_questions:
        question = content.questions[due_cards[0][2]] if due_cards else new_questions[0]
        queue.show(card_for(learner, question, cards.get(question.pk)))
    else:
        queue.next_due = min((due for due, _id, _question in studied), default=None)
    return queue
