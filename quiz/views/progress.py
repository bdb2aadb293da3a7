"""A learner's progress: what they have studied, what is due, how well they remember."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from quiz import scheduling
from quiz.learners import get_learner
from quiz.models import CardState, Question, ReviewLog, Topic


@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    learner = get_learner(request, create=False)
    if learner is None:
        return render(request, "quiz/progress.html", {"learner": None})
    now = timezone.now()
    day_start = scheduling.day_start(now, learner.time_zone)
    published = Question.objects.published()

    # order_by() drops Question's default ordering, which would split the groups.
    total_per_topic = dict(
        published.order_by().values("fact__topic").annotate(n=Count("id")).values_list("fact__topic", "n")
    )
    cards = CardState.objects.filter(learner=learner, question__in=published).studied().order_by()
    studied_per_topic = dict(
        cards.values("question__fact__topic").annotate(n=Count("id")).values_list("question__fact__topic", "n")
    )
    due_per_topic = dict(
        cards.filter(due__lte=now)
        .values("question__fact__topic")
        .annotate(n=Count("id"))
        .values_list("question__fact__topic", "n")
    )
    topics = [
        {
            "topic": topic,
            "total": total_per_topic.get(topic.pk, 0),
            "studied": studied_per_topic.get(topic.pk, 0),
            "due": due_per_topic.get(topic.pk, 0),
        }
        for topic in Topic.objects.order_by("position", "slug")
        if total_per_topic.get(topic.pk)
    ]
    reviews = ReviewLog.objects.filter(learner=learner).aggregate(
        today=Count("id", filter=Q(reviewed_at__gte=day_start)),
        week=Count("id", filter=Q(reviewed_at__gte=day_start - datetime.timedelta(days=6))),
        # How often a card that had been learned was remembered, over 30 days.
        recalls=Count(
            "id",
            filter=Q(reviewed_at__gte=now - datetime.timedelta(days=30))
            & ~Q(state_before__state=scheduling.NEW)
            & Q(rating__gt=ReviewLog.Rating.AGAIN),
        ),
        recall_tries=Count(
            "id", filter=Q(reviewed_at__gte=now - datetime.timedelta(days=30)) & ~Q(state_before__state=scheduling.NEW)
        ),
    )
    context = {
        "learner": learner,
        "topics": topics,
        "studied": sum(row["studied"] for row in topics),
        "total": sum(row["total"] for row in topics),
        "due": sum(row["due"] for row in topics),
        "reviews": reviews,
        "recall_percent": (
            round(100 * reviews["recalls"] / reviews["recall_tries"]) if reviews["recall_tries"] else None
        ),
    }
    return render(request, "quiz/progress.html", context)
