"""The published content, held in each process as an immutable copy.

The content is small, read on every study request and changed only by editors
(the admin, `load_content`, a revert). The deck-wide FSRS parameter set rides
along: every study request needs it, and only its approval in the admin changes it. Each process keeps one copy of what
learners can study — published questions with their fact, topic, source and
choices, in teaching order — and checks it with one cheap query per request
against `ContentVersion`, whose token every change to the content replaces in
the same transaction. So an edit saved through one server is seen by every
server on its next request, and a study request reads only the learner's own rows.

The copy's model instances are shared by every request of the process: treat
them as read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from quiz.models import Choice, Fact, ParameterSet, Question, Source, Topic
from quiz.models.content import ContentVersion

CONTENT_MODELS = (Source, Topic, Fact, Question, Choice)


@dataclass(frozen=True)
class Published:
    token: str | None
    # Published questions by id, each with .fact (.topic, .source) and .ordered_choices.
    questions: Mapping[int, Question] = field(default_factory=dict)
    # Their ids in teaching order: when-to-see-a-doctor questions first, then topic by topic.
    order: tuple[int, ...] = ()
    # The deck-wide FSRS parameter set in force (the newest approved); None: the FSRS defaults.
    deck_set: ParameterSet | None = None

    def question(self, pk: int) -> Question | None:
        return self.questions.get(pk)

    def in_scope(self, pk: int, topic_slug: str | None) -> bool:
        """Whether question `pk` is published and, when a topic is given, in that topic."""
        question = self.questions.get(pk)
        return question is not None and (not topic_slug or question.fact.topic.slug == topic_slug)


def load(token: str | None) -> Published:
    questions = list(
        Question.objects.published()
        .select_related("fact__source", "fact__topic")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.all(), to_attr="ordered_choices"))
        .order_by(*Question.TEACHING_ORDER)
    )
    deck_set = ParameterSet.objects.newest_approved_deck()
    return Published(token, {q.pk: q for q in questions}, tuple(q.pk for q in questions), deck_set)


_copy = Published(token=None)
_checked = threading.local()


def current_token() -> str | None:
    # Plain SQL: this runs on every study request, and the ORM's compilation would cost more than the query.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {ContentVersion._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def published() -> Published:
    """The published content, as of this request's first call (checked once per request)."""
    global _copy
    copy = getattr(_checked, "copy", None)
    if copy is not None:
        return copy
    token = current_token()
    copy = _copy
    # The token is read before the content: a change committed in between makes
    # the copy newer than its token, never older, and the next request reloads it.
    if token is None or token != copy.token:
        copy = load(token)
        if token is not None:
            _copy = copy
    if getattr(_checked, "in_request", False):
        _checked.copy = copy
    return copy


@receiver(request_started, dispatch_uid="quiz.published.start")
def _start(**kwargs: object) -> None:
    _checked.in_request = True
    _checked.copy = None


@receiver(request_finished, dispatch_uid="quiz.published.finish")
def _finish(**kwargs: object) -> None:
    _checked.in_request = False
    _checked.copy = None


def _bump(sender: type, **kwargs: object) -> None:
    ContentVersion.bump()


for _model in CONTENT_MODELS:
    post_save.connect(_bump, sender=_model, dispatch_uid=f"quiz.published.save.{_model.__name__}")
    post_delete.connect(_bump, sender=_model, dispatch_uid=f"quiz.published.delete.{_model.__name__}")


def _bump_for_deck_set(sender: type, instance: ParameterSet, **kwargs: object) -> None:
    # A learner's own set is read with the learner; only the deck-wide one is in the copy.
    if instance.learner_id is None:
        ContentVersion.bump()


post_save.connect(_bump_for_deck_set, sender=ParameterSet, dispatch_uid="quiz.published.save.ParameterSet")
post_delete.connect(_bump_for_deck_set, sender=ParameterSet, dispatch_uid="quiz.published.delete.ParameterSet")
