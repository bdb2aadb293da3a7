"""What study and quiz views share: refusing a request clearly, and finding
what belongs to the requesting learner."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from quiz.learners import learner_filter
from quiz.security_events import Event, Outcome, record
from quiz.throttle import Throttled, retry_message, too_many_requests

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (for the type checker)."""

    htmx: HtmxDetails


class Problem(Exception):
    """A request we refuse with a clear message; nothing has been changed."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # Seconds until a refused request (429) may succeed, for the Retry-After header.
        self.retry_after = retry_after


def problem_response(
    request: HtmxHttpRequest, problem: Problem, *, back: str, back_label: str, live_region: str
) -> HttpResponse:
    """A refused request, explained to the learner.

    With htmx the message goes into the page's live region instead of
    replacing the card; without JavaScript it gets a page of its own."""
    if request.htmx:
        response = reswap(retarget(HttpResponse(problem.message, status=problem.status), live_region), "innerHTML")
    else:
        context = {"message": problem.message, "back": back, "back_label": back_label}
        response = render(request, "quiz/problem.html", context, status=problem.status)
    if problem.retry_after is not None:
        response["Retry-After"] = str(problem.retry_after)
    return response


def handles_problems(*, live_region: str, back: Callable[..., tuple[str, str]]) -> Callable[[View], View]:
    """Turn a Problem raised by the view into its 4xx response, and a request
    limit reached (Throttled) into the 429 page, or with htmx its message.

    `back(request, *args, **kwargs)` gives the address and label of the link
    back, for the page shown without JavaScript."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Throttled as throttled:
                if not request.htmx:
                    return too_many_requests(request, throttled.seconds)
                problem = Problem(429, retry_message(throttled.seconds), retry_after=throttled.seconds)
                return problem_response(request, problem, back="", back_label="", live_region=live_region)
            except Problem as problem:
                url, label = back(request, *args, **kwargs)
                return problem_response(request, problem, back=url, back_label=label, live_region=live_region)

        return wrapper

    return decorator


def owned_or_404[M: Model](queryset: QuerySet[M], request: HttpRequest, message: str = "", **lookup: Any) -> M:
    """The object matching `lookup` that belongs to the requesting learner.

    Another learner's object, or one that does not exist, is a 404: nobody
    learns whether it exists. The queryset's model must have a `learner`."""
    owner = learner_filter(request)
    obj = queryset.filter(**lookup, **owner).first() if owner is not None else None
    if obj is None:
        if queryset.filter(**lookup).exists():
            # Someone else's: the same 404 for the client, a line for whoever watches the logs.
            user_id = request.user.pk if request.user.is_authenticated else None
            model = queryset.model._meta.label
            record(Event.OWNERSHIP_REFUSED, request, user_id=user_id, outcome=Outcome.REFUSED, model=model)
        raise Problem(404, message or gettext("This was not found. Nothing was saved."))
    return obj
