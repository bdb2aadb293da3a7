"""Quizzes: ten choice questions, one at a time, then the score.

Like the study loop, every action is a real form POST: htmx swaps the
question region; without JavaScript the POST redirects back to the attempt.
"""

from __future__ import annotations

import math
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz import scheduling
from quiz.forms import QuizAnswerForm
from quiz.learners import get_learner
from quiz.models import Question, QuizAttempt, Topic
from quiz.study import choices_prefetch
from quiz.views.common import HtmxHttpRequest, Problem, handles_problems, owned_or_404


def back_to_quizzes(request: HtmxHttpRequest, *args: object, **kwargs: object) -> tuple[str, str]:
    return reverse("quiz:quiz"), gettext("Back to the quiz")


def back_to_attempt(request: HtmxHttpRequest, pk: int) -> tuple[str, str]:
    return reverse("quiz:quiz-attempt", args=[pk]), gettext("Back to the quiz")


def attempt_for_learner(request: HtmxHttpRequest, pk: int) -> QuizAttempt:
    """The requesting learner's attempt, or 404."""
    return owned_or_404(
        QuizAttempt.objects.select_related("topic", "learner"),
        request,
        gettext("This quiz was not found. Nothing was saved."),
        pk=pk,
    )


def start_attempt(request: HtmxHttpRequest, topic: Topic | None) -> QuizAttempt:
    """Start a quiz for the requesting learner (saved now if new), at most
    QUIZ_ATTEMPTS_PER_DAY a local day: far more than a person takes, so only a
    script meets the 429. The learner is locked so that parallel starts count
    one after the other."""
    now = timezone.now()
    with transaction.atomic():
        learner = get_learner(request)
        learner.lock()
        start = scheduling.day_start(now, learner.time_zone)
        if QuizAttempt.objects.filter(learner=learner, started_at__gte=start).count() >= settings.QUIZ_ATTEMPTS_PER_DAY:
            tomorrow = scheduling.next_day_start(now, learner.time_zone)
            raise Problem(
                429,
                gettext(
                    "You have started %(limit)s quizzes today, the most one day allows. You can start another tomorrow."
                )
                % {"limit": settings.QUIZ_ATTEMPTS_PER_DAY},
                retry_after=math.ceil((tomorrow - now).total_seconds()),
            )
        return QuizAttempt.start(learner, topic, now, seed=secrets.randbits(32))


@require_http_methods(["GET", "POST"])
@handles_problems(live_region="#quiz-status", back=back_to_quizzes)
def quiz_start(request: HtmxHttpRequest, topic: str | None = None) -> HttpResponse:
    topic_obj = get_object_or_404(Topic, slug=topic) if topic else None
    if request.method == "POST":
        attempt = start_attempt(request, topic_obj)
        return HttpResponseRedirect(reverse("quiz:quiz-attempt", args=[attempt.pk]))
    learner = get_learner(request, create=False)
    recent: list[tuple[QuizAttempt, int, int]] = []  # attempt, right, out of
    if learner is not None:
        published = Question.objects.published()
        attempts = list(QuizAttempt.objects.finished_by(learner).select_related("topic").order_by("-started_at")[:5])
        drawn = {pk for attempt in attempts for pk in attempt.question_ids}
        ids = set(published.filter(pk__in=drawn).values_list("pk", flat=True))
        recent = [(attempt, attempt.right, len(attempt.counted(ids))) for attempt in attempts]
    return render(request, "quiz/quiz.html", {"topic": topic_obj, "recent": recent})


def attempt_context(attempt: QuizAttempt, *, feedback_for: int | None = None, announce: str = "") -> dict:
    answers = {answer.question_id: answer for answer in attempt.answers.select_related("choice")}
    questions = {
        question.pk: question
        for question in Question.objects.published()
        .filter(pk__in=attempt.question_ids)
        .select_related("fact__source", "fact__topic")
        .prefetch_related(choices_prefetch())
    }
    # Questions unpublished since the attempt began are neither asked nor counted.
    order = attempt.counted(questions)
    # The question to show: the one just answered (with its feedback), else the next one, else none (the score).
    if feedback_for is not None and feedback_for in answers and feedback_for in questions:
        shown: int | None = feedback_for
    else:
        shown = next((pk for pk in order if pk not in answers), None)
    return {
        "attempt": attempt,
        "answered": len([pk for pk in order if pk in answers]),
        "total": len(order),
        "right": sum(1 for pk in order if pk in answers and answers[pk].is_correct),
        "announce": announce,
        "question": questions[shown] if shown is not None else None,
        "answer": answers[shown] if shown is not None and shown == feedback_for else None,
        "number": order.index(shown) + 1 if shown is not None else None,
        "missed": []
        if shown is not None
        else [questions[pk] for pk in order if pk in answers and not answers[pk].is_correct],
    }


@require_GET
@handles_problems(live_region="#quiz-status", back=back_to_quizzes)
def quiz_attempt(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    attempt = attempt_for_learner(request, pk)
    try:
        feedback_for = int(request.GET.get("answered", ""))
    except ValueError:
        feedback_for = None
    context = attempt_context(attempt, feedback_for=feedback_for)
    template = "quiz/quiz_attempt.html#swap" if request.htmx else "quiz/quiz_attempt.html"
    return render(request, template, context)


@require_POST
@handles_problems(live_region="#quiz-status", back=back_to_attempt)
def quiz_answer(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    attempt = attempt_for_learner(request, pk)
    form = QuizAnswerForm(request.POST)
    if not form.is_valid():
        raise Problem(400, gettext("This answer could not be read. Nothing was saved."))
    question_id, choice_id = form.cleaned_data["question"], form.cleaned_data["choice"]
    if question_id not in attempt.question_ids:
        raise Problem(404, gettext("This question is not part of this quiz. Nothing was saved."))
    question = Question.objects.filter(pk=question_id).prefetch_related(choices_prefetch()).first()
    choice = question.choice(choice_id) if question else None
    if choice is None:
        raise Problem(400, gettext("That choice does not belong to this question. Nothing was saved."))
    created = attempt.record_answer(question_id, choice, timezone.now())
    if not request.htmx:
        url = reverse("quiz:quiz-attempt", args=[attempt.pk])
        return HttpResponseRedirect(f"{url}?answered={question_id}")
    if not created:
        announce = gettext("You already answered this question; your first answer counts.")
    elif choice.is_correct:
        announce = gettext("Right.")
    else:
        announce = gettext("Not quite.")
    context = attempt_context(attempt, feedback_for=question_id, announce=announce)
    return render(request, "quiz/quiz_attempt.html#swap", context)
