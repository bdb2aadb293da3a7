"""Quizzes: ten choice questions, one at a time, then the score.

Like the study loop, every action is a real form POST: htmx swaps the
question region; without JavaScript the POST redirects back to the attempt.
"""

from __future__ import annotations

import secrets

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz.learners import get_learner
from quiz.models import Choice, Question, QuizAnswer, QuizAttempt, Topic
from quiz.views.common import problem_response


class QuizAnswerForm(forms.Form):
    question = forms.IntegerField(min_value=1)
    choice = forms.IntegerField(min_value=1)


def attempt_for_learner(request: HttpRequest, pk: int) -> QuizAttempt:
    """The requesting learner's attempt, or 404."""
    learner = get_learner(request, create=False)
    return get_object_or_404(QuizAttempt.objects.select_related("topic", "learner"), pk=pk, learner=learner)


@require_http_methods(["GET", "POST"])
def quiz_start(request: HttpRequest, topic: str | None = None) -> HttpResponse:
    topic_obj = get_object_or_404(Topic, slug=topic) if topic else None
    if request.method == "POST":
        learner = get_learner(request)
        attempt = QuizAttempt.start(learner, topic_obj, timezone.now(), seed=secrets.randbits(32))
        return HttpResponseRedirect(reverse("quiz:quiz-attempt", args=[attempt.pk]))
    learner = get_learner(request, create=False)
    recent = (
        QuizAttempt.objects.filter(learner=learner, finished_at__isnull=False)
        .select_related("topic")
        .order_by("-started_at")[:5]
        if learner
        else []
    )
    scores = dict(
        QuizAnswer.objects.filter(attempt__in=[a.pk for a in recent], is_correct=True)
        .values("attempt")
        .annotate(right=Count("id"))
        .values_list("attempt", "right")
    )
    recent = [(attempt, scores.get(attempt.pk, 0)) for attempt in recent]
    return render(request, "quiz/quiz.html", {"topic": topic_obj, "recent": recent})


def attempt_context(attempt: QuizAttempt, *, feedback_for: int | None = None, announce: str = "") -> dict:
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    questions = {
        question.pk: question
        for question in Question.objects.filter(pk__in=attempt.question_ids)
        .select_related("fact__source", "fact__topic")
        .prefetch_related("choices")
    }
    # Questions unpublished since the attempt began are skipped.
    order = [pk for pk in attempt.question_ids if pk in questions]
    context = {
        "attempt": attempt,
        "answered": len([pk for pk in order if pk in answers]),
        "total": len(order),
        "right": sum(1 for pk in order if pk in answers and answers[pk].is_correct),
        "announce": announce,
        "question": None,
        "answer": None,
        "missed": [],
    }
    if feedback_for in answers and feedback_for in questions:
        context["question"] = questions[feedback_for]
        context["answer"] = answers[feedback_for]
    else:
        pending = next((pk for pk in order if pk not in answers), None)
        if pending is not None:
            context["question"] = questions[pending]
    if context["question"] is not None:
        context["choices"] = list(context["question"].choices.all())  # ordered by (position, id)
        context["number"] = order.index(context["question"].pk) + 1
    else:
        context["missed"] = [
            (questions[pk], next((c for c in questions[pk].choices.all() if c.is_correct), None))
            for pk in order
            if pk in answers and not answers[pk].is_correct
        ]
    return context


def finish_if_done(attempt: QuizAttempt, context: dict) -> None:
    if context["question"] is None and attempt.finished_at is None:
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["finished_at"])


@require_GET
def quiz_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = attempt_for_learner(request, pk)
    try:
        feedback_for = int(request.GET.get("answered", ""))
    except ValueError:
        feedback_for = None
    context = attempt_context(attempt, feedback_for=feedback_for)
    finish_if_done(attempt, context)
    template = "quiz/quiz_attempt.html#swap" if request.htmx else "quiz/quiz_attempt.html"
    return render(request, template, context)


@require_POST
def quiz_answer(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = attempt_for_learner(request, pk)
    form = QuizAnswerForm(request.POST)
    if not form.is_valid():
        return problem(request, attempt, 400, gettext("This answer could not be read. Nothing was saved."))
    question_id, choice_id = form.cleaned_data["question"], form.cleaned_data["choice"]
    if question_id not in attempt.question_ids:
        return problem(request, attempt, 404, gettext("This question is not part of this quiz. Nothing was saved."))
    choice = Choice.objects.filter(pk=choice_id, question_id=question_id).first()
    if choice is None:
        return problem(
            request, attempt, 400, gettext("That choice does not belong to this question. Nothing was saved.")
        )
    try:
        with transaction.atomic():
            _answer, created = QuizAnswer.objects.get_or_create(
                attempt=attempt,
                question_id=question_id,
                defaults={"choice": choice, "is_correct": choice.is_correct, "answered_at": timezone.now()},
            )
    except IntegrityError:
        # Two identical POSTs at once: the unique constraint kept the first.
        created = False
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


def problem(request: HttpRequest, attempt: QuizAttempt, status: int, message: str) -> HttpResponse:
    return problem_response(
        request,
        status,
        message,
        back=reverse("quiz:quiz-attempt", args=[attempt.pk]),
        back_label=gettext("Back to the quiz"),
        live_region="#quiz-status",
    )
