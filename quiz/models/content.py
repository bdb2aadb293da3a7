"""The article's knowledge: sources, topics, facts, and the questions that test them.

Translated text fields are registered in quiz/translation.py; modeltranslation
adds one column per language (statement_en, statement_es, …).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname

from quiz import content_rules


class ContentVersion(models.Model):
    """One row whose token changes, in the same transaction, with every change
    to the content, so that each server's in-process copy of it (quiz.published)
    knows at once when it is stale. A random token rather than a counter: a
    rolled-back change must not leave a copy that a later change's number matches."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token

    @classmethod
    def bump(cls) -> None:
        token = uuid.uuid4().hex
        if not cls.objects.filter(pk=1).update(token=token):
            cls.objects.update_or_create(pk=1, defaults={"token": token})


class ContentQuerySet[M: models.Model](models.QuerySet[M]):
    """Bulk writes to the content bump the content version, as saves and deletes do (quiz.published)."""

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        ContentVersion.bump()
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        deleted = super().delete()
        ContentVersion.bump()
        return deleted

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[M]:
        created = super().bulk_create(*args, **kwargs)
        ContentVersion.bump()
        return created

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        count = super().bulk_update(*args, **kwargs)
        ContentVersion.bump()
        return count


def translated_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The fields of `model` stored once per language: those registered in
    quiz/translation.py, the one list that the admin, its filters and
    `check_content` all read."""
    return tuple(translator.get_options_for_model(model).all_fields)


def missing_languages(obj: models.Model, fields: Iterable[str]) -> list[str]:
    """Language codes in which any of `fields` is empty on `obj`."""
    return [
        code
        for code, _name in settings.LANGUAGES
        if any(not (getattr(obj, build_localized_fieldname(field, code)) or "").strip() for field in fields)
    ]


class Translated(models.Model):
    """Content whose text is stored once per language, in every language.

    `needs_review` maps a language code to the fields whose English text changed
    after that language was last written or confirmed: {"es": ["statement"]}.
    Learners keep seeing the old translation until a translator changes it or
    confirms it (`confirm_translation`)."""

    needs_review = models.JSONField(_("translations to review"), default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # modeltranslation adds a column per language at run time (statement_en, statement_es …).
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def required_translations(self) -> tuple[str, ...]:
        """The translated fields that must be filled in every language."""
        return translated_fields(type(self))

    def missing_languages(self) -> list[str]:
        return missing_languages(self, self.required_translations())

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            old = type(self)._default_manager.filter(pk=self.pk).values(*localized_fields(type(self))).first()
            if old is not None:
                self.needs_review = stale_after_edit(self, old)
        super().save(*args, **kwargs)

    def stale_languages(self) -> list[str]:
        """Languages with a translation to review, in the settings' order."""
        return [code for code, _name in settings.LANGUAGES if self.needs_review.get(code)]

    def confirm_translation(self, code: str) -> bool:
        """Mark language `code` as still right; True if it needed review."""
        if code not in self.needs_review:
            return False
        self.needs_review = {lang: fields for lang, fields in self.needs_review.items() if lang != code}
        # Straight to the row: saving through save() would compare with itself for nothing.
        type(self)._default_manager.filter(pk=self.pk).update(needs_review=self.needs_review)
        return True


def localized_fields(model: type[models.Model]) -> list[str]:
    return [build_localized_fieldname(f, code) for f in translated_fields(model) for code, _n in settings.LANGUAGES]


def stale_after_edit(obj: Translated, old: dict[str, Any]) -> dict[str, list[str]]:
    """The `needs_review` of `obj` after an edit from the `old` column values.

    A changed English field makes that field stale in every other language not
    changed in the same edit; a changed translation is fresh again."""
    english = settings.LANGUAGE_CODE
    stale = {code: set(fields) for code, fields in (obj.needs_review or {}).items()}
    for field in translated_fields(type(obj)):
        english_changed = (
            getattr(obj, build_localized_fieldname(field, english)) != old[build_localized_fieldname(field, english)]
        )
        for code, _name in settings.LANGUAGES:
            if code == english:
                continue
            name = build_localized_fieldname(field, code)
            if getattr(obj, name) != old[name]:
                stale.get(code, set()).discard(field)
            elif english_changed:
                stale.setdefault(code, set()).add(field)
    return {code: sorted(fields) for code, _name in settings.LANGUAGES if (fields := stale.get(code))}


class Source(Translated):
    key = models.SlugField(_("key"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200)
    expert_name = models.CharField(_("expert quoted"), max_length=200, blank=True)
    expert_credentials = models.CharField(_("expert's credentials"), max_length=500, blank=True)

    objects = ContentQuerySet["Source"].as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title


class TopicQuerySet(ContentQuerySet["Topic"]):
    def with_published_facts(self) -> TopicQuerySet:
        return self.filter(facts__is_published=True).distinct()

    def with_question_counts(self) -> TopicQuerySet:
        """Annotate `question_count`: how many of the topic's questions are published."""
        published = Q(facts__is_published=True, facts__questions__is_published=True)
        return self.annotate(question_count=Count("facts__questions", filter=published))


class Topic(Translated):
    # The topic on when to see a doctor, linked from every page.
    WARNING_SIGNS = "when-to-worry"

    slug = models.SlugField(_("slug"), unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("short description"), max_length=500)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("quiz:topic", args=[self.slug])


class FactQuerySet(ContentQuerySet["Fact"]):
    def published(self) -> FactQuerySet:
        return self.filter(is_published=True)

    def warning_signs(self) -> FactQuerySet:
        return self.published().filter(is_warning_sign=True)


class Fact(Translated):
    key = models.SlugField(_("key"), unique=True, help_text=_("Stable identifier used by the content file."))
    topic = models.ForeignKey(Topic, models.PROTECT, related_name="facts", verbose_name=_("topic"))
    source = models.ForeignKey(Source, models.PROTECT, related_name="facts", verbose_name=_("source"))
    paragraph = models.PositiveSmallIntegerField(
        _("paragraph"), help_text=_("Paragraph of the source, counted from 1.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    statement = models.TextField(_("statement"))
    explanation = models.TextField(_("explanation"))
    is_warning_sign = models.BooleanField(_("warning sign"), default=False)
    reviewed_on = models.DateField(_("reviewed on"))
    next_review_on = models.DateField(_("next review on"))
    is_published = models.BooleanField(_("published"), default=True)

    objects = FactQuerySet.as_manager()

    class Meta:
        verbose_name = _("fact")
        verbose_name_plural = _("facts")
        ordering = ["topic__position", "position", "key"]

    def __str__(self) -> str:
        return self.statement

    def get_absolute_url(self) -> str:
        return f"{self.topic.get_absolute_url()}#fact-{self.key}"

    def is_due_for_review(self, today: datetime.date) -> bool:
        return self.next_review_on < today

    def mark_reviewed(self, today: datetime.date) -> None:
        """Reviewed today: the next review comes after the same interval as before (a year if none)."""
        interval = self.next_review_on - self.reviewed_on
        if interval.days <= 0:
            interval = datetime.timedelta(days=365)
        self.reviewed_on, self.next_review_on = today, today + interval
        self.save(update_fields=["reviewed_on", "next_review_on"])

    def has_learner_data(self) -> bool:
        return any(question.has_learner_data() for question in self.questions.all())


@dataclass(frozen=True)
class Provenance:
    """Where the facts a page shows come from, and when their content was last
    reviewed (the newest review among them): what a reader checks before trusting it."""

    sources: tuple[Source, ...]
    reviewed_on: datetime.date | None

    @classmethod
    def of(cls, facts: Iterable[Fact]) -> Provenance:
        """From facts whose source is loaded with them (select_related)."""
        facts = list(facts)
        sources = tuple(dict.fromkeys(fact.source for fact in facts))
        return cls(sources, max((fact.reviewed_on for fact in facts), default=None))


class QuestionQuerySet(ContentQuerySet["Question"]):
    def published(self) -> QuestionQuerySet:
        return self.filter(is_published=True, fact__is_published=True)


class Question(Translated):
    class Kind(models.TextChoices):
        FLASHCARD = "flashcard", _("Flashcard")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        TRUE_FALSE = "true_false", pgettext_lazy("question kind", "True or false")

    key = models.SlugField(
        _("key"), unique=True, help_text=_("Stable identifier: progress and the content file refer to it.")
    )
    fact = models.ForeignKey(Fact, models.PROTECT, related_name="questions", verbose_name=_("fact"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    prompt = models.TextField(_("prompt"))
    answer = models.TextField(
        _("answer"), blank=True, help_text=_("Flashcards only: the answer revealed to the learner.")
    )
    explanation = models.TextField(
        _("explanation"), help_text=_("Why the right answer is right, in the article's terms.")
    )
    is_published = models.BooleanField(_("published"), default=True)

    # Translated fields that only a flashcard needs.
    FLASHCARD_ONLY = ("answer",)

    objects = QuestionQuerySet.as_manager()
    # Set by quiz.study.choices_prefetch: the choices in order, fetched with the question.
    ordered_choices: list[Choice]
    # When-to-see-a-doctor questions first, then topic by topic: the order new cards come in.
    TEACHING_ORDER = ("-fact__is_warning_sign", "fact__topic__position", "fact__position", "position", "id")

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["fact__topic__position", "fact__position", "position", "key"]

    def __str__(self) -> str:
        return self.prompt

    def get_absolute_url(self) -> str:
        return self.fact.get_absolute_url()

    @property
    def is_flashcard(self) -> bool:
        return self.kind == self.Kind.FLASHCARD

    def choice(self, pk: int) -> Choice | None:
        """One of the question's choices, from `ordered_choices` (quiz.study.choices_prefetch)."""
        return next((choice for choice in self.ordered_choices if choice.pk == pk), None)

    @property
    def correct_choice(self) -> Choice | None:
        return next((choice for choice in self.ordered_choices if choice.is_correct), None)

    def required_translations(self) -> tuple[str, ...]:
        fields = translated_fields(Question)
        return fields if self.is_flashcard else tuple(f for f in fields if f not in self.FLASHCARD_ONLY)

    def missing_languages(self) -> list[str]:
        """Languages missing in the question or any of its (prefetched) choices."""
        missing = set(super().missing_languages())
        for choice in self.choices.all():
            missing.update(choice.missing_languages())
        return [code for code, _name in settings.LANGUAGES if code in missing]

    def stale_languages(self) -> list[str]:
        """Languages to review in the question or any of its (prefetched) choices."""
        stale = set(super().stale_languages())
        for choice in self.choices.all():
            stale.update(choice.stale_languages())
        return [code for code, _name in settings.LANGUAGES if code in stale]

    def confirm_translation(self, code: str) -> bool:
        confirmed = super().confirm_translation(code)
        for choice in self.choices.all():
            confirmed = choice.confirm_translation(code) or confirmed
        return confirmed

    def has_learner_data(self) -> bool:
        """Whether any learner studied or was quizzed on this question."""
        from quiz.models import QuizAnswer

        return self.states.exists() or self.reviews.exists() or QuizAnswer.objects.filter(question=self).exists()

    def problems(self) -> list[str]:
        """Content errors in this question and its choices (see content_rules)."""
        return content_rules.choice_problems(
            self.kind, [choice.is_correct for choice in self.choices.all()]
        ) + content_rules.publication_problems(
            question_published=self.is_published, fact_published=self.fact.is_published
        )


class Choice(Translated):
    question = models.ForeignKey(Question, models.CASCADE, related_name="choices", verbose_name=_("question"))
    # Stable within its question ("true"/"false", or the file's order "1", "2" …), so
    # the content file updates a choice in place and past quiz answers keep pointing at it.
    key = models.SlugField(_("key"), max_length=20, blank=True)
    text = models.CharField(_("text"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ContentQuerySet["Choice"].as_manager()

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="choice_key_unique_per_question")]

    def __str__(self) -> str:
        return self.text

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.key:
            # A choice added in admin: the next free number.
            taken = set(Choice.objects.filter(question_id=self.question_id).values_list("key", flat=True))
            self.key = next(str(n) for n in range(1, len(taken) + 2) if str(n) not in taken)
        super().save(*args, **kwargs)


class LoadedKey(models.Model):
    """A key the content file once created. `load_content` never creates it
    again, so an item an editor deleted or renamed stays deleted or renamed."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=100)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="loaded_key_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
