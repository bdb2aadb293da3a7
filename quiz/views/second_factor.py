"""Two-step sign-in (quiz/second_factor.py): the code step after the password,
and the account pages that set it up, renew the recovery codes and turn it off.

Signing in with it on takes two requests: the password step (SignInView)
keeps only the account's id in the session, for a few minutes; the code step
signs the session in."""

from __future__ import annotations

import time
from typing import cast

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from quiz import second_factor
from quiz.forms import ConfirmAppForm, SecondFactorForm, TurnOffSecondFactorForm
from quiz.security_events import Event, Outcome, record
from quiz.throttle import SECOND_FACTOR, limit_posts
from quiz.views.signed_in import signed_in

# The session key of a password step waiting for its code.
PENDING = "second_factor_pending"


def ask_for_code(request: HttpRequest, user: AbstractBaseUser, next_url: str) -> HttpResponse:
    """After a right password: remember who, not signed in yet, and ask for the code."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "next": next_url,
        "until": time.time() + settings.SECOND_FACTOR_PENDING_SECONDS,
    }
    return HttpResponseRedirect(reverse("quiz:signin-code"))


def pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


@require_http_methods(["GET", "POST"])
@limit_posts(SECOND_FACTOR)
def signin_code(request: HttpRequest) -> HttpResponse:
    user = pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, gettext("Please sign in again."))
        return HttpResponseRedirect(reverse("quiz:signin"))
    form = SecondFactorForm(request, user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        pending = request.session.pop(PENDING)
        login(request, user, backend=pending["backend"])
        django_otp.login(request, form.device)
        return signed_in(request, user, pending["next"])
    status = 400 if form.errors else 200
    return render(request, "account/signin_code.html", {"form": form}, status=status)


def is_verified(request: HttpRequest) -> bool:
    """Whether this session passed a code (django-otp's OTPMiddleware): one
    signed in before two-step sign-in was turned on, elsewhere, did not."""
    return request.user.is_verified()  # type: ignore[union-attr]


def two_step_page(request: HttpRequest, form: TurnOffSecondFactorForm | None = None, status: int = 200) -> HttpResponse:
    """Whether it is on, how many recovery codes are left, and the form to turn it off."""
    user = cast(User, request.user)  # @login_required
    context = {
        "enabled": second_factor.is_enabled(user),
        "codes_left": StaticToken.objects.filter(device__user=user).count(),
        "verified": is_verified(request),
        "form": form or TurnOffSecondFactorForm(request),
    }
    return render(request, "account/two_step.html", context, status=status)


@login_required
@require_GET
def two_step(request: HttpRequest) -> HttpResponse:
    return two_step_page(request)


@login_required
@require_POST
@limit_posts(SECOND_FACTOR)
def two_step_start(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    # A new phone replaces the app only from a session that showed a code.
    if second_factor.is_enabled(user) and not is_verified(request):
        return two_step_page(request, status=403)
    second_factor.pending_app(user)
    return HttpResponseRedirect(reverse("quiz:two-step-setup"))


@login_required
@require_http_methods(["GET", "POST"])
@limit_posts(SECOND_FACTOR)
def two_step_setup(request: HttpRequest) -> HttpResponse:
    """The new app's secret and QR code; a code from the app confirms it."""
    user = cast(User, request.user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        return HttpResponseRedirect(reverse("quiz:two-step"))
    form = ConfirmAppForm(device, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            record(Event.SECOND_FACTOR, request, user_id=user.pk, outcome=Outcome.FAILURE, action="confirm")
        else:
            device.refresh_from_db()
            # This session just showed a code: it counts as verified, as a sign-in with one would.
            django_otp.login(request, device)
            record(Event.SECOND_FACTOR, request, user_id=user.pk, outcome=Outcome.SUCCESS, action="enabled")
            return show_new_codes(request, user)
    context = {
        "form": form,
        "secret": second_factor.grouped_secret(device),
        "qr_code": second_factor.qr_code_svg(device),
    }
    return render(request, "account/two_step_setup.html", context, status=400 if form.errors else 200)


# The session key of new recovery codes, until their page shows them (once).
NEW_CODES = "second_factor_new_codes"


def show_new_codes(request: HttpRequest, user: User) -> HttpResponse:
    """New recovery codes, to be shown once on the next page."""
    request.session[NEW_CODES] = second_factor.new_recovery_codes(user)
    return HttpResponseRedirect(reverse("quiz:two-step-recovery-codes"))


@login_required
@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        return HttpResponseRedirect(reverse("quiz:two-step"))
    response = render(request, "account/recovery_codes.html", {"codes": codes})
    # Shown this once: neither the browser's cache nor its history keeps them.
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_POST
@limit_posts(SECOND_FACTOR)
def two_step_codes(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not second_factor.is_enabled(user):
        return HttpResponseRedirect(reverse("quiz:two-step"))
    if not is_verified(request):
        return two_step_page(request, status=403)
    record(Event.SECOND_FACTOR, request, user_id=user.pk, outcome=Outcome.SUCCESS, action="recovery_codes_renewed")
    return show_new_codes(request, user)


@login_required
@require_POST
@limit_posts(SECOND_FACTOR)
def two_step_off(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not second_factor.is_enabled(user):
        return HttpResponseRedirect(reverse("quiz:two-step"))
    # The admin requires it of staff (quiz/admin_site.py).
    if user.is_staff:
        record(Event.SECOND_FACTOR, request, user_id=user.pk, outcome=Outcome.REFUSED, action="disable")
        return two_step_page(request, status=403)
    form = TurnOffSecondFactorForm(request, request.POST)
    if not form.is_valid():
        return two_step_page(request, form, status=400)
    second_factor.remove(user)
    record(Event.SECOND_FACTOR, request, user_id=user.pk, outcome=Outcome.SUCCESS, action="disabled")
    messages.success(request, gettext("Two-step sign-in is off. Signing in needs only your password again."))
    return HttpResponseRedirect(reverse("quiz:two-step"))
