"""Where a sign-in goes, whichever step completed it (the password, or the
second factor's code): the question about a visitor's progress found in the
browser, the learner's own language, and the mark of a browser that signed in."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse, translate_url

from quiz.accounts import mark_device
from quiz.learners import pending_guest
from quiz.models import Learner


def signed_in(request: HttpRequest, user: AbstractBaseUser, url: str) -> HttpResponse:
    """The response to a completed sign-in of `user`, on its way to `url`."""
    if pending_guest(request) is not None:
        # The visitor's progress found in this browser waits for the learner's say.
        url = f"{reverse('quiz:account-merge')}?{urlencode({'next': url})}"
    response = HttpResponseRedirect(url)
    language = Learner.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    if language:
        response = HttpResponseRedirect(translate_url(url, language))
        set_language_cookie(response, language)
    # This browser may sign in as this user even while someone else's guesses lock the username.
    mark_device(response, user.get_username())
    return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The cookie Django's own language switcher sets, with the same options."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
