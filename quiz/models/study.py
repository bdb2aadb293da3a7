"""Learners' progress: one card state per learner and question, and an
append-only log of every answer."""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quiz import scheduling
from quiz.models.content import Question
from quiz.models.fitting import ParameterSet
from quiz.scheduling import Snapshot

# Far more than the deck holds, and within a small-integer column however often asked.
MAX_EXTRA_NEW = 1000


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LearnerQuerySet(models.QuerySet["Learner"]):
    def inactive_guests(self, since: datetime.datetime) -> LearnerQuerySet:
        """Visitors without an account whose session was last used before `since`."""
        return self.filter(user__isnull=True, last_active_at__lt=since)

    def to_purge(self, since: datetime.datetime, empty_since: datetime.datetime) -> LearnerQuerySet:
        """Visitors not seen since `since`, and those not seen since `empty_since`
        who have nothing worth keeping: no answer, in study or in a quiz (their
        settings alone are not worth a year of rows)."""
        from quiz.models.quizzes import QuizAnswer

        answered = Exists(ReviewLog.objects.filter(learner=OuterRef("pk"))) | Exists(
            QuizAnswer.objects.filter(attempt__learner=OuterRef("pk"))
        )
        return self.filter(
            Q(last_active_at__lt=since) | Q(last_active_at__lt=empty_since) & ~answered, user__isnull=True
        )


class Learner(models.Model):
    """Whoever studies: an account, or a visitor identified by their session.

    Also holds the study settings, so a visitor can change them too."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="learner")
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved forward (at most daily) while the learner's session is in use, so
    # `purge_guests` can tell which guests' sessions have run out.
    last_active_at = models.DateTimeField(default=timezone.now, db_index=True)
    desired_retention = models.FloatField(
        _("desired retention"),
        default=0.9,
        validators=[MinValueValidator(0.70), MaxValueValidator(0.97)],
        help_text=_("How likely you want to be to remember a card when it comes back (0.70 to 0.97)."),
    )
    new_per_day = models.PositiveSmallIntegerField(
        _("new cards per day"), default=10, validators=[MaxValueValidator(200)]
    )
    max_reviews_per_day = models.PositiveSmallIntegerField(
        _("maximum reviews per day"), default=200, validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    shortcuts_enabled = models.BooleanField(
        _("single-key shortcuts"),
        default=True,
        help_text=_("Space or Enter shows the answer, 1 to 4 grade, U undoes."),
    )
    show_original = models.BooleanField(_("show the English original under the translation"), default=False)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        choices=time_zone_choices,
        help_text=_("Daily limits start again at midnight in this time zone."),
    )
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The site switches to this language when you sign in. Leave empty to follow your browser."),
    )
    extra_new_on = models.DateField(null=True, blank=True)
    extra_new = models.PositiveSmallIntegerField(default=0)
    # The learner's own fitted set, while it predicts their reviews better than the deck-wide one.
    parameter_set = models.ForeignKey(
        "quiz.ParameterSet", models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = LearnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("learner")
        verbose_name_plural = _("learners")

    def __str__(self) -> str:
        return str(self.user) if self.user_id else f"guest {self.pk}"

    def set_in_force(self) -> ParameterSet | None:
        """The parameter set that schedules this learner: their own, else the
        deck-wide one, else None (the FSRS defaults)."""
        if self.parameter_set_id is not None:
            return self.parameter_set
        return ParameterSet.objects.deck_in_force()

    @property
    def parameters(self) -> scheduling.Parameters | None:
        """The FSRS weights in force for this learner (None: the defaults)."""
        found = self.set_in_force()
        return found.weights if found is not None else None

    def extra_new_today(self, today: datetime.date) -> int:
        return self.extra_new if self.extra_new_on == today else 0

    def allow_more_new(self, now: datetime.datetime) -> int:
        """Allow another batch of new cards today (a day's worth, or 10 for a
        learner who takes none a day); returns the size of the batch."""
        today = scheduling.local_date(now, self.time_zone)
        batch = self.new_per_day or 10
        # Capped: far more than the deck holds, and within the column's range however often it is asked.
        self.extra_new = min(self.extra_new_today(today) + batch, MAX_EXTRA_NEW)
        self.extra_new_on = today
        self.save(update_fields=["extra_new", "extra_new_on"])
        return batch

    def lock(self) -> None:
        """Lock this learner's row until the transaction ends.

        Every write to a learner's progress (grade, undo, reset, merge, delete)
        takes this lock first, then the card and log rows: one order, so two of
        them never interleave (an undo reading the newest answer while a grade
        adds a newer one) and never deadlock."""
        list(Learner.objects.select_for_update().filter(pk=self.pk).values_list("pk"))

    def newest_review(self) -> ReviewLog | None:
        """The newest answer in the order a merge replays answers (time, then
        id), so undo after a merge takes back the answer the state ended with."""
        return self.reviews.order_by("-reviewed_at", "-id").first()

    @transaction.atomic
    def undo_last_review(self) -> bool:
        """Take back the newest answer: its card gets back the state from before
        it, and its log row goes. False when there is nothing to undo."""
        self.lock()
        log = self.newest_review()
        if log is None:
            return False
        self.cards.select_for_update().get(question_id=log.question_id).undo(log)
        return True

    @transaction.atomic
    def reset_progress(self) -> None:
        """Forget every card state, answer, quiz attempt and own fitted set; the settings stay."""
        self.lock()
        self.cards.all().delete()
        self.reviews.all().delete()
        self.quiz_attempts.all().delete()
        # Weights fitted to the answers go with them: the deck-wide set schedules again.
        self.parameter_sets.all().delete()
        self.parameter_set = None
        self.extra_new, self.extra_new_on = 0, None
        self.save(update_fields=["extra_new", "extra_new_on"])

    @transaction.atomic
    def merge_into(self, other: Learner) -> None:
        """Move this (guest) learner's progress into `other`, then delete this learner.

        Every review is kept once (a review id both hold counts once). A card only
        one of them studied moves over as it is. A card both studied is rebuilt by
        replaying all its reviews in time order with `other`'s desired retention,
        and its log rows are rewritten to match, so undo stays exact. `other`'s
        settings are kept; quiz attempts move over."""
        if other.pk == self.pk:
            return
        # Lock both learners, then their cards, so no answer lands on either while
        # the histories are combined (grading locks the card row as well).
        locked = Learner.objects.select_for_update().filter(pk__in=[self.pk, other.pk]).order_by("pk")
        retention = {learner.pk: learner.desired_retention for learner in locked}[other.pk]
        parameters = other.parameters
        theirs = {state.question_id: state for state in other.cards.select_for_update()}
        mine = list(self.cards.select_for_update())

        # The same answer saved on both sides (one form posted before and after signing in) counts once.
        self.reviews.filter(review_id__in=other.reviews.values("review_id")).delete()
        both = [state.question_id for state in mine if state.question_id in theirs]
        self.cards.exclude(question_id__in=both).update(learner=other)
        studied_by_me = set(self.reviews.filter(question_id__in=both).values_list("question_id", flat=True))
        studied_by_them = set(other.reviews.filter(question_id__in=both).values_list("question_id", flat=True))
        for state in mine:
            if state.question_id in studied_by_me - studied_by_them:
                # Only this side answered it; the other side's card had merely been shown.
                theirs[state.question_id].apply(state.snapshot())
                theirs[state.question_id].save()

        histories: dict[int, list[ReviewLog]] = {}
        logs = ReviewLog.objects.filter(
            Q(learner=self) | Q(learner=other), question_id__in=studied_by_me & studied_by_them
        )
        for log in logs.order_by("reviewed_at", "id"):
            histories.setdefault(log.question_id, []).append(log)
        for question_id, history in histories.items():
            states = scheduling.replay([(log.reviewed_at, log.rating) for log in history], retention, parameters)
            for log, (before, after) in zip(history, states, strict=True):
                log.learner = other
                log.state_before, log.state_after = before.to_json(), after.to_json()
            theirs[question_id].apply(states[-1][1])
            theirs[question_id].save()
        ReviewLog.objects.bulk_update(
            [log for history in histories.values() for log in history], ["learner", "state_before", "state_after"]
        )
        self.reviews.update(learner=other)
        self.quiz_attempts.update(learner=other)
        self.delete()


class CardStateQuerySet(models.QuerySet["CardState"]):
    def studied(self) -> CardStateQuerySet:
        return self.exclude(state=scheduling.NEW)

    def dashboard_rows(self, learner: Learner) -> models.QuerySet[CardState, Any]:
        """The learner's studied, published cards as plain rows (scheduling fields and topic):
        one row per card, so bounded by the deck's size however long the history."""
        return (
            self.filter(learner=learner, question__is_published=True, question__fact__is_published=True)
            .studied()
            .order_by()
            .values("state", "step", "stability", "difficulty", "due", "last_review", "question__fact__topic_id")
        )


class CardState(models.Model):
    """One learner's FSRS state for one question. `version` changes on every
    write, so a form rendered from an older state can be recognised as stale."""

    learner = models.ForeignKey(Learner, models.CASCADE, related_name="cards")
    question = models.ForeignKey(Question, models.PROTECT, related_name="states")
    state = models.PositiveSmallIntegerField(default=scheduling.NEW)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(null=True, blank=True)
    last_review = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = CardStateQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "question"], name="one_state_per_question")]
        indexes = [models.Index(fields=["learner", "due"], name="card_due")]

    def __str__(self) -> str:
        # Never the learner's name: admin pages about content list these rows.
        return f"#{self.pk} · {self.question_id}"

    @property
    def is_new(self) -> bool:
        return self.state == scheduling.NEW

    def snapshot(self) -> Snapshot:
        return Snapshot(
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    def apply(self, snapshot: Snapshot) -> None:
        self.state = snapshot.state
        self.step = snapshot.step
        self.stability = snapshot.stability
        self.difficulty = snapshot.difficulty
        self.due = snapshot.due
        self.last_review = snapshot.last_review
        self.version += 1

    def record_review(
        self, *, rating: int, review_id: uuid.UUID, now: datetime.datetime, duration_ms: int, language: str
    ) -> ReviewLog:
        """Grade this card: apply FSRS, save the new state and append the log row.

        Call inside a transaction, with this row locked (select_for_update)."""
        before = self.snapshot()
        in_force = self.learner.set_in_force()
        weights = in_force.weights if in_force is not None else None
        after = scheduling.review(before, rating, now, self.learner.desired_retention, weights)
        self.apply(after)
        self.save()
        return ReviewLog.objects.create(
            learner_id=self.learner_id,
            parameter_set=in_force,
            question_id=self.question_id,
            review_id=review_id,
            rating=rating,
            reviewed_at=now,
            duration_ms=duration_ms,
            language=language,
            state_before=before.to_json(),
            state_after=after.to_json(),
        )

    def undo(self, log: ReviewLog) -> None:
        """Put back the state from before `log` and delete the log row."""
        self.apply(Snapshot.from_json(log.state_before))
        self.save()
        log.delete()


class ReviewLogQuerySet(models.QuerySet["ReviewLog"]):
    def dashboard_totals(
        self, learner: Learner, today: datetime.datetime, retention_since: datetime.datetime
    ) -> dict[str, int]:
        """In one query: today's answers (all, new cards introduced, milliseconds
        spent) and, since `retention_since`, the answers to cards in review state
        and how many of those were not Again (true retention)."""
        is_today = Q(reviewed_at__gte=today)
        was_review = Q(reviewed_at__gte=retention_since, state_before__state=scheduling.REVIEW)
        return self.filter(learner=learner, reviewed_at__gte=min(today, retention_since)).aggregate(
            answers_today=Count("id", filter=is_today),
            new_today=Count("id", filter=is_today & Q(introduced=True)),
            ms_today=Sum("duration_ms", filter=is_today, default=0),
            review_answers=Count("id", filter=was_review),
            remembered=Count("id", filter=was_review & Q(rating__gt=ReviewLog.Rating.AGAIN)),
        )

    def per_local_day(self, learner: Learner, time_zone: str) -> dict[datetime.date, int]:
        """The learner's number of answers on each local date they answered (one
        query, grouped in the database, so the history's length costs no queries)."""
        day = TruncDate("reviewed_at", tzinfo=zoneinfo.ZoneInfo(time_zone))
        rows = self.filter(learner=learner).annotate(day=day).order_by().values("day").annotate(n=Count("id"))
        return {row["day"]: row["n"] for row in rows}


class ReviewLog(models.Model):
    """Append-only record of each answer, with the states before and after
    (enough to undo it, and to fit an FSRS optimizer later)."""

    class Rating(models.IntegerChoices):
        AGAIN = 1, pgettext_lazy("grade button", "Again")
        HARD = 2, pgettext_lazy("grade button", "Hard")
        GOOD = 3, pgettext_lazy("grade button", "Good")
        EASY = 4, pgettext_lazy("grade button", "Easy")

    learner = models.ForeignKey(Learner, models.CASCADE, related_name="reviews")
    question = models.ForeignKey(Question, models.PROTECT, related_name="reviews")
    review_id = models.UUIDField()
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    language = models.CharField(max_length=10)
    state_before = models.JSONField()
    state_after = models.JSONField()
    # Whether this answer introduced a new card: a plain column, kept by the
    # database itself, so today's counts need no JSON lookup on every study request.
    introduced = models.GeneratedField(
        # A Q is a boolean expression to Django; django-stubs only types Expression.
        expression=Q(state_before__state=scheduling.NEW),  # type: ignore[arg-type]
        output_field=models.BooleanField(),
        db_persist=True,
    )
    # Which fitted set scheduled this answer; null: the FSRS defaults (or a set since deleted).
    parameter_set = models.ForeignKey(
        "quiz.ParameterSet", models.SET_NULL, null=True, blank=True, related_name="reviews", editable=False
    )

    objects = ReviewLogQuerySet.as_manager()

    class Meta:
        constraints = [
            # The same answer posted twice (double click, retry, back button) is written once.
            models.UniqueConstraint(fields=["learner", "review_id"], name="one_log_per_review_id"),
        ]
        indexes = [models.Index(fields=["learner", "reviewed_at"], name="log_learner_time")]

    def __str__(self) -> str:
        # Never the learner's name: admin pages about content list these rows.
        return f"#{self.pk} · {self.question_id} · {self.rating}"


def new_questions_for(learner: Learner, topic_slug: str | None = None):
    """Published questions the learner has not studied yet, in teaching order:
    when-to-see-a-doctor questions first, then topic by topic."""
    studied = CardState.objects.filter(learner_id=learner.pk, question=OuterRef("pk")).studied()
    questions = Question.objects.published().filter(~Exists(studied))
    if topic_slug:
        questions = questions.filter(fact__topic__slug=topic_slug)
    return questions.order_by(*Question.TEACHING_ORDER)
