"""Errors that are not the learner's fault: the database did not answer."""

from __future__ import annotations

import re
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import context_processors
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views import debug, defaults
from django_htmx.http import reswap, retarget

# Lock timeouts, lost connections, a server that is down or restarting. An
# IntegrityError or a DataError is a bug in our code, not an outage: those stay 500.
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
# The site-wide live region in base.html, present on every page.
LIVE_REGION = "#site-status"


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503, in the learner's language: nothing was saved, try again.

    The page is rendered without the usual context processors: they read the
    session, the user and the messages, that is, they query the database
    that has just failed."""
    message = gettext("The service is not answering for a moment, so nothing was saved. Please try again.")
    if getattr(request, "htmx", False):
        response = reswap(retarget(HttpResponse(escape(message), status=503), LIVE_REGION), "innerHTML")
    else:
        context = {
            "request": request,
            "message": message,
            "again": again_url(request),
            **context_processors.csrf(request),
            **context_processors.csp(request),
        }
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def again_url(request: HttpRequest) -> str:
    """Where "Try again" leads: the same page for a GET; for a form post, the
    page the form was on (posting again is the learner's choice)."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure()):
        return referer
    return reverse("quiz:home")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage met outside a view (a session saved on
    the way out) still gets the 503 page; anything else is Django's 500.
    Django has logged the error with its cause already."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return database_unavailable(request)
    return defaults.server_error(request)


class SecretURLFilter(debug.SafeExceptionReporterFilter):
    """Django's filter for error pages and reports, also masking the settings
    (and environment variables) that hold a URL with a password in it: the
    database's and the cache's, and the cache's LOCATION, built from REDIS_URL."""

    hidden_settings = re.compile(
        debug.SafeExceptionReporterFilter.hidden_settings.pattern + "|^DATABASE_URL$|^REDIS_URL$|^LOCATION$",
        flags=re.IGNORECASE,
    )
