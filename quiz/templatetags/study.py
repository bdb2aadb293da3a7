from __future__ import annotations

import datetime
import math

from django import template
from django.urls import reverse
from django.utils.translation import ngettext

from quiz.learners import kept_until
from quiz.models import Topic

register = template.Library()


@register.simple_tag
def quiz_url(topic_slug: str | None) -> str:
    """The quiz page of one topic (by slug), or of all of them."""
    return reverse("quiz:quiz-topic", args=[topic_slug]) if topic_slug else reverse("quiz:quiz")


@register.inclusion_tag("includes/kept.html", takes_context=True)
def progress_kept(context: template.Context) -> dict:
    """Where the learner's progress is kept: their account, or this browser until a date."""
    request = context["request"]
    return {"user": request.user, "kept_until": kept_until(request)}


@register.simple_tag
def warning_signs_url() -> str:
    """The topic page on when to see a doctor: one click away from every page."""
    return reverse("quiz:topic", args=[Topic.WARNING_SIGNS])


@register.filter
def interval(delta: datetime.timedelta | None) -> str:
    """A duration in words, rounded the way a learner thinks of it: "10 minutes", "3 days"."""
    if delta is None:
        return ""
    seconds = max(0, delta.total_seconds())
    minutes = seconds / 60
    if minutes < 60:
        n = max(1, math.ceil(minutes))
        return ngettext("%(count)d minute", "%(count)d minutes", n) % {"count": n}
    hours = minutes / 60
    if hours < 24:
        n = round(hours)
        return ngettext("%(count)d hour", "%(count)d hours", n) % {"count": n}
    days = hours / 24
    if days < 31:
        n = round(days)
        return ngettext("%(count)d day", "%(count)d days", n) % {"count": n}
    if days < 365:
        n = round(days / 30.4)
        return ngettext("%(count)d month", "%(count)d months", n) % {"count": n}
    n = round(days / 365)
    return ngettext("%(count)d year", "%(count)d years", n) % {"count": n}
