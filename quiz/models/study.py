"""Learners' progress: one card state per learner and question, and an
append-only log of every answer."""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from quiz import scheduling
from quiz.models.content import Question
from quiz.scheduling import Snapshot

NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Learner(models.Model):
    """Whoever studies: an account, or a visitor identified by their session.

    Also holds the study settings, so a visitor can change them too."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="learner")
    created_at = models.DateTimeField(auto_now_add=True)
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

    class Meta:
        verbose_name = _("learner")
        verbose_name_plural = _("learners")

    def __str__(self) -> str:
        return str(self.user) if self.user_id else f"guest {self.pk}"

    def extra_new_today(self, today: datetime.date) -> int:
        return self.extra_new if self.extra_new_on == today else 0

    @transaction.atomic
    def reset_progress(self) -> None:
        """Forget every card state, answer and quiz attempt; the settings stay."""
        self.cards.all().delete()
        self.reviews.all().delete()
        self.quiz_attempts.all().delete()
        self.extra_new, self.extra_new_on = 0, None
        self.save(update_fields=["extra_new", "extra_new_on"])

    @transaction.atomic
    def merge_into(self, other: Learner) -> None:
        """Move this (guest) learner's progress into `other`, then delete this learner.

        Every review is kept once. Where both studied the same question, the
        more recently reviewed card state wins."""
        if other.pk == self.pk:
            return
        theirs = {state.question_id: state for state in other.cards.select_for_update()}
        for state in self.cards.select_for_update():
            existing = theirs.get(state.question_id)
            if existing is None:
                state.learner = other
                state.save(update_fields=["learner"])
            elif (state.last_review or NEVER) > (existing.last_review or NEVER):
                existing.apply(state.snapshot())
                existing.save()
        known = set(other.reviews.values_list("review_id", flat=True))
        self.reviews.exclude(review_id__in=known).update(learner=other)
        self.quiz_attempts.update(learner=other)
        self.delete()


class CardStateQuerySet(models.QuerySet["CardState"]):
    def studied(self) -> CardStateQuerySet:
        return self.exclude(state=scheduling.NEW)

    def due_for(self, learner: Learner, now: datetime.datetime) -> CardStateQuerySet:
        """The learner's cards due at `now`, longest overdue first."""
        return (
            self.filter(learner=learner, due__lte=now, question__is_published=True, question__fact__is_published=True)
            .studied()
            .order_by("due", "id")
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
        return f"{self.learner} · {self.question.key}"

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
        after = scheduling.review(before, rating, now, self.learner.desired_retention)
        self.apply(after)
        self.save()
        return ReviewLog.objects.create(
            learner_id=self.learner_id,
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
    def counts_since(self, learner: Learner, start: datetime.datetime) -> dict[str, int]:
        """Answers since `start`: all of them, and how many introduced a new card."""
        return self.filter(learner=learner, reviewed_at__gte=start).aggregate(
            reviews=Count("id", filter=~Q(state_before__state=scheduling.NEW)),
            new=Count("id", filter=Q(state_before__state=scheduling.NEW)),
        )


class ReviewLog(models.Model):
    """Append-only record of each answer, with the states before and after
    (enough to undo it, and to fit an FSRS optimizer later)."""

    class Rating(models.IntegerChoices):
        AGAIN = 1
        HARD = 2
        GOOD = 3
        EASY = 4

    learner = models.ForeignKey(Learner, models.CASCADE, related_name="reviews")
    question = models.ForeignKey(Question, models.PROTECT, related_name="reviews")
    review_id = models.UUIDField()
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    language = models.CharField(max_length=10)
    state_before = models.JSONField()
    state_after = models.JSONField()

    objects = ReviewLogQuerySet.as_manager()

    class Meta:
        constraints = [
            # The same answer posted twice (double click, retry, back button) is written once.
            models.UniqueConstraint(fields=["learner", "review_id"], name="one_log_per_review_id"),
        ]
        indexes = [models.Index(fields=["learner", "reviewed_at"], name="log_learner_time")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.question_id} · {self.rating}"


def new_questions_for(learner: Learner, topic_slug: str | None = None):
    """Published questions the learner has not studied yet, in teaching order:
    when-to-see-a-doctor questions first, then topic by topic."""
    studied = CardState.objects.filter(learner=learner, question=OuterRef("pk")).studied()
    questions = Question.objects.published().filter(~Exists(studied))
    if topic_slug:
        questions = questions.filter(fact__topic__slug=topic_slug)
    return questions.order_by("-fact__is_warning_sign", "fact__topic__position", "fact__position", "position", "id")
