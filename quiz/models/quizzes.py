"""Quizzes: a short, scored run through multiple-choice and true/false
questions, separate from the spaced-repetition schedule."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from quiz.models.content import Choice, Question, Topic
from quiz.models.study import Learner

QUIZ_LENGTH = 10


class QuizAttemptQuerySet(models.QuerySet["QuizAttempt"]):
    def finished_by(self, learner: Learner) -> QuizAttemptQuerySet:
        """The learner's finished quizzes, each with `right`: how many answers
        to questions still published were correct (see QuizAttempt.counted)."""
        published = Q(answers__question__is_published=True, answers__question__fact__is_published=True)
        return self.filter(learner=learner, finished_at__isnull=False).annotate(
            right=Count("answers", filter=Q(answers__is_correct=True) & published)
        )

    def topic_scores(self, learner: Learner) -> QuizAttemptQuerySet:
        """The learner's finished topic quizzes, oldest first, with `right`."""
        return self.finished_by(learner).filter(topic__isnull=False).order_by("finished_at", "id")


class QuizAttempt(models.Model):
    learner = models.ForeignKey(Learner, models.CASCADE, related_name="quiz_attempts")
    topic = models.ForeignKey(Topic, models.SET_NULL, null=True, blank=True, related_name="+")
    # The questions drawn for this attempt, in the order they are asked.
    question_ids = models.JSONField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = QuizAttemptQuerySet.as_manager()
    # Set by QuizAttemptQuerySet.finished_by: the right answers to questions still published.
    right: int

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        indexes = [models.Index(fields=["learner", "-started_at"], name="quiz_learner_recent")]

    def __str__(self) -> str:
        # Never the learner's name: admin pages about content list these rows.
        return f"#{self.pk} · {self.started_at:%Y-%m-%d %H:%M}"

    @classmethod
    def start(cls, learner: Learner, topic: Topic | None, now: datetime.datetime, seed: int) -> QuizAttempt:
        """Draw up to QUIZ_LENGTH published choice questions (from one topic, or all)."""
        questions = Question.objects.published().exclude(kind=Question.Kind.FLASHCARD)
        if topic is not None:
            questions = questions.filter(fact__topic=topic)
        ids = list(questions.values_list("pk", flat=True))
        random.Random(seed).shuffle(ids)
        return cls.objects.create(learner=learner, topic=topic, question_ids=ids[:QUIZ_LENGTH], started_at=now)

    def counted(self, published: Iterable[int]) -> list[int]:
        """The questions this attempt asks and scores, in order: those drawn that
        are still published (given the ids of published questions). The number
        of questions, the score and the end of the quiz all come from here."""
        published = set(published)
        return [pk for pk in self.question_ids if pk in published]

    def missed_ids(self) -> list[int]:
        """The questions answered wrongly in this attempt and still published, in order."""
        wrong = set(self.answers.filter(is_correct=False).values_list("question_id", flat=True))
        return [pk for pk in self.published_ids() if pk in wrong]

    def published_ids(self) -> list[int]:
        """The ids of this attempt's questions that are still published, in order."""
        return self.counted(Question.objects.published().filter(pk__in=self.question_ids).values_list("pk", flat=True))

    def record_answer(self, question_id: int, choice: Choice, now: datetime.datetime) -> bool:
        """Save the learner's answer to one question, once: a repeated answer is
        ignored (False). The last answer ends the attempt."""
        try:
            with transaction.atomic():
                # The learner first, as every write to their progress (Learner.lock):
                # a reset deleting this attempt waits, or comes after.
                self.learner.lock()
                _answer, created = self.answers.get_or_create(
                    question_id=question_id,
                    defaults={"choice": choice, "is_correct": choice.is_correct, "answered_at": now},
                )
                if created and self.finished_at is None:
                    answered = set(self.answers.values_list("question_id", flat=True))
                    if answered.issuperset(self.published_ids()):
                        self.finished_at = now
                        self.save(update_fields=["finished_at"])
                return created
        except IntegrityError:
            # Two identical POSTs at once: the unique constraint kept the first.
            return False


class QuizAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, models.PROTECT, related_name="+")
    # Editors may replace choices; the answer keeps whether it was right.
    choice = models.ForeignKey(Choice, models.SET_NULL, null=True, related_name="+")
    is_correct = models.BooleanField()
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            # One answer per question per attempt: a repeated POST never counts twice.
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_quiz_question"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.question_id} · {self.is_correct}"
