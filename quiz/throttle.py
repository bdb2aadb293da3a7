"""Request limits per client address (and, for some, per user), counted in
Django's cache: for the forms that create rows, send email or hash a password
(sign-up, password reset, password change) and the CSP report endpoint.
Sign-in has its own, django-axes (settings.AXES_*).

With the local-memory cache each gunicorn worker counts on its own, so the
real limit is the setting times the workers; REDIS_URL makes it exact."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from quiz.accounts import counting_address
from quiz.security_events import Event, Outcome, record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most `settings.<setting>` requests per client address (an IPv6 client's
    /64, quiz.accounts.counting_address) or other key in each fixed window of `seconds`."""

    name: str
    setting: str
    seconds: int

    def wait(self, address: str, now: float) -> int:
        """Count one request from `address` at `now` (Unix time); 0 if it is
        within the limit, otherwise the seconds until the window ends."""
        window = int(now // self.seconds)
        key = f"throttle:{self.name}:{address}:{window}"
        try:
            count = self.count(key)
        except (RedisError, OSError):
            # The shared cache is unreachable: let the request through rather
            # than fail it (sign-in keeps its own limit in the database).
            logger.warning("Request limit %s not counted: the cache is unreachable", self.name, exc_info=True)
            return 0
        if count <= getattr(settings, self.setting):
            return 0
        return math.ceil((window + 1) * self.seconds - now)

    def count(self, key: str) -> int:
        cache.add(key, 0, timeout=self.seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.seconds)
            return 1


class Throttled(Exception):
    """A limit reached deep inside a view (where a visitor's learner would be
    created), before anything was saved; `refuses_throttled` or the study
    views' `handles_problems` answer it with a 429."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"try again in {seconds} s")
        self.seconds = seconds


SIGNUPS = Limit("signup", "THROTTLE_SIGNUPS_PER_HOUR", 3600)
PASSWORD_RESETS = Limit("password-reset", "THROTTLE_PASSWORD_RESETS_PER_HOUR", 3600)
# Counted per address and, in the view, per account ("user:<id>").
EMAIL_CHANGES = Limit("email-change", "THROTTLE_EMAIL_CHANGES_PER_HOUR", 3600)
# Per target account, whoever asks: one learner's inbox cannot be flooded from many addresses.
PASSWORD_RESETS_PER_ACCOUNT = Limit("password-reset-account", "THROTTLE_PASSWORD_RESETS_PER_ACCOUNT_PER_DAY", 86400)
# Every code and password posted on the two-step pages (each device also
# throttles its own wrong codes, quiz/second_factor.py).
SECOND_FACTOR = Limit("second-factor", "THROTTLE_SECOND_FACTOR_PER_HOUR", 3600)
CSP_REPORTS = Limit("csp-report", "THROTTLE_CSP_REPORTS_PER_MINUTE", 60)
PASSWORD_CHANGES = Limit("password-change", "THROTTLE_PASSWORD_CHANGES_PER_HOUR", 3600)
# Every cookie-less POST that saves something creates a guest learner and a session (issue 17, finding 6).
NEW_GUESTS = Limit("new-guest", "THROTTLE_NEW_GUESTS_PER_HOUR", 3600)
# Counted per learner (key "learner:<id>"): each export reads a whole history (issue 17, finding 7).
EXPORTS = Limit("export", "THROTTLE_EXPORTS_PER_HOUR", 3600)


def too_many_requests(request: HttpRequest, seconds: int) -> HttpResponse:
    """429, in the learner's language, saying when to try again."""
    minutes = max(1, math.ceil(seconds / 60))
    response = render(request, "throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def retry_message(seconds: int) -> str:
    """The 429 page's sentence, for the live region of an htmx request."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many requests came from your connection. Please try again in %(minutes)s minute.",
        "Too many requests came from your connection. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def refuses_throttled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Answer a Throttled raised by the view with the 429 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except Throttled as throttled:
            return too_many_requests(request, throttled.seconds)

    return wrapped


def limit_posts(
    limit: Limit, *, per_user: bool = False, event: Event | None = None
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Count the view's POSTs per client address, and with `per_user` per
    signed-in user too; over either limit, a 429 instead (logged as a refused
    `event`, if given). Every POST counts, accepted or not, so a form cannot be
    used to probe at speed."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if request.method == "POST":
                now = time.time()
                keys = [counting_address(request)]
                user_id = request.user.pk if request.user.is_authenticated else None
                if per_user and user_id is not None:
                    keys.append(f"user:{user_id}")
                # Every key counts the request, even when an earlier one is already over.
                if seconds := max([limit.wait(key, now) for key in keys]):
                    if event is not None:
                        record(event, request, user_id=user_id, outcome=Outcome.REFUSED, limit=limit.name)
                    return too_many_requests(request, seconds)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
