"""Request wrappers: send a first-time visitor to their browser's language, keep
a session that holds progress alive and its pages out of caches, end a
signed-in session past its lifetime, and answer 503 when the database is down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import is_valid_path
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language_from_path, get_language_from_request, gettext
from django_htmx.http import HttpResponseClientRedirect

from quiz import sessions
from quiz.learners import SESSION_KEY, holds_progress, keep_session
from quiz.security_events import Event, Outcome, record
from quiz.views.errors import UNAVAILABLE, database_unavailable

logger = logging.getLogger(__name__)


def first_visit_language(get_response: Callable[[HttpRequest], HttpResponse]):
    """English pages are unprefixed, so LocaleMiddleware alone never honours
    Accept-Language there. On a first visit (no language cookie yet) redirect a
    GET of an unprefixed page to the browser's preferred supported language.
    Choosing a language in the switcher sets the cookie, which ends this."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and "HTTP_ACCEPT_LANGUAGE" in request.META
            and not get_language_from_path(request.path_info)
        ):
            language = get_language_from_request(request)
            if language != settings.LANGUAGE_CODE:
                path = f"/{language}{request.path_info}"
                # The language prefix only resolves while that language is active.
                with translation.override(language):
                    valid = is_valid_path(path)
                if valid:
                    query = request.META.get("QUERY_STRING", "")
                    response = HttpResponseRedirect(f"{path}?{query}" if query else path)
                    response["Vary"] = "Accept-Language, Cookie"
                    return response
        return get_response(request)

    return middleware


def keep_progress(get_response: Callable[[HttpRequest], HttpResponse]):
    """Keep a session that holds progress alive while it is used: after a view that
    read the session, slide its expiry forward (at most once a day, see
    quiz.learners.keep_session). Comes after SessionMiddleware, which then saves
    the session and re-sends the cookie with the new expiry."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        # A view that never touched the session did not use the progress in it;
        # checking `accessed` does not load the session. After a server error
        # (a database outage among them) leave it alone: reading it may fail too.
        if request.session.accessed and response.status_code < 500:
            keep_session(request.session, timezone.now())
        return response

    return middleware


def session_lifetimes(get_response: Callable[[HttpRequest], HttpResponse]):
    """Sign out a session past its lifetime or ended by "sign out everywhere"
    (quiz/sessions.py) before the view sees it, and send the browser to sign
    in again. After AuthenticationMiddleware (it reads the user) and the
    message middleware (it leaves a message)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        # Without a session cookie there is no sign-in to check, and no session to load.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return get_response(request)
        try:
            user = request.user
            ended = sessions.ended(request.session, user, timezone.now()) if user.is_authenticated else None
        except UNAVAILABLE as error:
            # Before the view, so DatabaseUnavailableMiddleware cannot see it: answer as it would.
            return unavailable(request, error)
        if ended is None:
            return get_response(request)
        record(Event.SESSIONS_ENDED, request, user_id=user.pk, outcome=Outcome.SUCCESS, reason=str(ended))
        logout(request)
        messages.info(request, gettext("Your session has ended. Please sign in again."))
        htmx = request.headers.get("HX-Request") == "true"
        response: HttpResponse
        if request.method == "GET" and not htmx:
            response = redirect_to_login(request.get_full_path())
        else:
            # After an action (a POST, an htmx swap) signing in starts from the default page.
            sign_in = resolve_url(settings.LOGIN_URL)
            response = HttpResponseClientRedirect(sign_in) if htmx else HttpResponseRedirect(sign_in)
        response["Clear-Site-Data"] = sessions.CLEAR_SITE_DATA
        return response

    return middleware


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    """A response that read a session holding progress or a sign-in shows that
    learner's data (a page, an htmx fragment, an export): no cache may keep it,
    shared or the browser's own. Pages that never read it (the public pages for
    a first-time visitor) keep their caching; static files never come this far
    (whitenoise answers them above, with their far-future caching)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        # After a server error (a database outage among them) reading the session may fail too.
        if request.session.accessed and response.status_code < 500 and holds_progress(request.session):
            patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware


class DatabaseUnavailableMiddleware:
    """A view that meets a database outage answers 503 instead of Django's bare 500.

    The transaction the view was in has been rolled back by then. (A grade
    committed just before the outage is kept; posting it again, with the same
    review id, answers "already saved", so it is never counted twice.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        return unavailable(request, exception)


def unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    logger.error("Database unavailable: %s %s", request.method, request.path, exc_info=exception)
    return database_unavailable(request)


def reporting_endpoints(get_response: Callable[[HttpRequest], HttpResponse]):
    """Name the endpoint the policy's report-to directive sends violations to
    (Reporting API); report-uri, for older browsers, gives the address itself."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if "Content-Security-Policy" in response.headers:
            response.headers["Reporting-Endpoints"] = f'csp-endpoint="{settings.CSP_REPORT_PATH}"'
        return response

    return middleware


def adopt_legacy_session(get_response: Callable[[HttpRequest], HttpResponse]):
    """Keep a visitor's progress across the move to the __Host- session cookie.

    A visitor's session cookie is the only key to their progress, so a browser
    that still sends the cookie under its old name (LEGACY_SESSION_COOKIE_NAME)
    and not yet the new one keeps its session: the old cookie is read once,
    the session is sent back under the new name and the old cookie deleted.
    Only a visitor's session is adopted, never a signed-in one: a cookie planted
    by a neighbouring subdomain could otherwise sign the browser in as someone
    else (a signed-in user just signs in again). Comes before SessionMiddleware."""

    def middleware(request: HttpRequest) -> HttpResponse:
        legacy, name = settings.LEGACY_SESSION_COOKIE_NAME, settings.SESSION_COOKIE_NAME
        adopted = None
        if legacy and legacy != name and name not in request.COOKIES and legacy in request.COOKIES:
            # One read of the old session, once per browser: only a visitor's progress moves.
            old = import_module(settings.SESSION_ENGINE).SessionStore(request.COOKIES[legacy])
            if SESSION_KEY in old and USER_SESSION_KEY not in old:
                adopted = request.COOKIES[name] = request.COOKIES[legacy]
        response = get_response(request)
        if legacy and legacy != name and legacy in request.COOKIES:
            response.delete_cookie(legacy, path="/", samesite=settings.SESSION_COOKIE_SAMESITE)
        session = request.session
        if adopted is None or name in response.cookies or session.session_key != adopted:
            return response  # nothing adopted, or SessionMiddleware sent a cookie of its own
        response.set_cookie(
            name,
            adopted,
            max_age=session.get_expiry_age(),
            path=settings.SESSION_COOKIE_PATH,
            domain=settings.SESSION_COOKIE_DOMAIN,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=settings.SESSION_COOKIE_HTTPONLY,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )
        return response

    return middleware
