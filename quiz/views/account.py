"""Accounts: sign up, sign in, sign out, passwords, and closing an account.
Studying needs none of them; an account keeps progress across devices.
Signing in brings a visitor's progress along (quiz/learners.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError, transaction
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import translation
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz.accounts import delete_account, lift_lockout, mark_device
from quiz.forms import (
    AdminPasswordChangeForm,
    AnkiForm,
    CheckedPasswordChangeForm,
    DeleteAccountForm,
    EmailForm,
    LanguageForm,
    LearnerPasswordResetForm,
    SignUpForm,
)
from quiz.learners import current_learner, get_learner, save_learner
from quiz.models import Learner
from quiz.security_events import Event, Outcome, record
from quiz.throttle import PASSWORD_CHANGES, PASSWORD_RESETS, PASSWORD_RESETS_PER_ACCOUNT, SIGNUPS, limit_posts

logger = logging.getLogger(__name__)


def account_context(request: HttpRequest, **forms: BaseForm) -> dict:
    """The account page's forms, unbound unless a bound one is passed in."""
    learner = get_learner(request, create=False)
    context: dict = {"learner": learner, "anki_form": AnkiForm(initial={"language": get_language()})}
    if request.user.is_authenticated:
        context["email_form"] = EmailForm(instance=request.user)
        context["language_form"] = LanguageForm(instance=learner)
    return {**context, **forms}


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "account/account.html", account_context(request))


@login_required
@require_POST
def account_details(request: HttpRequest) -> HttpResponse:
    """The account's email address and preferred language, saved together."""
    email_form = EmailForm(request.POST, instance=request.user)
    language_form = LanguageForm(request.POST, instance=current_learner(request))
    if not (email_form.is_valid() and language_form.is_valid()):
        context = account_context(request, email_form=email_form, language_form=language_form)
        return render(request, "account/account.html", context, status=400)
    email_form.save()
    language = save_learner(request, language_form.save(commit=False)).language
    if not language:
        messages.success(request, gettext("Your account details were saved."))
        return HttpResponseRedirect(reverse("quiz:account"))
    # Switch to the chosen language now, as signing in would, and say so in it.
    with translation.override(language):
        messages.success(request, gettext("Your account details were saved."))
    response = HttpResponseRedirect(translate_url(reverse("quiz:account"), language))
    set_language_cookie(response, language)
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


@require_http_methods(["GET", "POST"])
@limit_posts(SIGNUPS)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("quiz:account"))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # A savepoint: on PostgreSQL the failed insert must not spoil the request's transaction.
            with transaction.atomic():
                user = form.save()
        except IntegrityError:
            # Someone took the name between the form's check and this insert.
            form.add_error("username", form.instance.unique_error_message(User, ["username"]))
            return render(request, "account/signup.html", {"form": form}, status=400)
        # No authenticate() here: the password was just set, so there is nothing to throttle.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, gettext("Your account was created. Your progress so far is in it."))
        response = HttpResponseRedirect(reverse("quiz:progress"))
        mark_device(response, user.get_username())
        return response
    return render(request, "account/signup.html", {"form": form}, status=400 if form.errors else 200)


class SignInView(auth_views.LoginView):
    """Django's sign-in, then the learner's preferred language, if they chose one."""

    template_name = "account/signin.html"
    redirect_authenticated_user = True

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        # A `next` leading back to this page would send a signed-in user round
        # in circles (Django refuses with an error): go to the default page instead.
        request = request or self.request
        url = super().get_redirect_url(request)
        return "" if urlsplit(url).path == request.path else url

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        language = Learner.objects.filter(user=user).values_list("language", flat=True).first()
        if language:
            response = HttpResponseRedirect(translate_url(response["Location"], language))
            set_language_cookie(response, language)
        # This browser may sign in as this user even while someone else's guesses lock the username.
        mark_device(response, user.get_username())
        return response


class CheckedPasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, with the old password checked through
    django-axes (CheckedPasswordChangeForm), and logged."""

    form_class = CheckedPasswordChangeForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form) -> HttpResponse:
        record(Event.PASSWORD_CHANGE, self.request, user_id=self.request.user.pk, outcome=Outcome.SUCCESS)
        return super().form_valid(form)

    def form_invalid(self, form) -> HttpResponse:
        wrong = form.has_error("old_password", "password_incorrect")
        record(
            Event.PASSWORD_CHANGE,
            self.request,
            user_id=self.request.user.pk,
            outcome=Outcome.FAILURE,
            wrong_password=wrong,
        )
        return super().form_invalid(form)


class PasswordChangeView(SuccessMessageMixin, CheckedPasswordChangeView):
    template_name = "account/password_change.html"
    success_url = reverse_lazy("quiz:account")
    success_message = gettext_lazy("Your password was changed.")


class AdminPasswordChangeView(CheckedPasswordChangeView):
    form_class = AdminPasswordChangeForm


@limit_posts(PASSWORD_CHANGES, per_user=True, event=Event.PASSWORD_CHANGE)
def limited_admin_password_change(request: HttpRequest) -> HttpResponseBase:
    """What AdminSite.password_change does, with our form: the admin's own
    cannot be given the request that authenticate() needs."""
    site = admin.site
    request.current_app = site.name
    view = AdminPasswordChangeView.as_view(
        success_url=reverse("admin:password_change_done", current_app=site.name),
        extra_context=site.each_context(request),
        template_name=site.password_change_template or "registration/password_change_form.html",
    )
    return view(request)


def admin_password_change(request: HttpRequest) -> HttpResponseBase:
    """/admin/password_change/, in front of the admin's own: its checks
    (staff, second factor) come from whatever admin site is in use, at request time."""
    return admin.site.admin_view(limited_admin_password_change)(request)


signin = SignInView.as_view()
signout = auth_views.LogoutView.as_view()
password_change = limit_posts(PASSWORD_CHANGES, per_user=True, event=Event.PASSWORD_CHANGE)(
    PasswordChangeView.as_view()
)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request. Each mail is also limited per account, whoever
    asks; past the limit none goes, and the page says the same as ever."""

    form_class = LearnerPasswordResetForm
    template_name = "account/password_reset.html"
    email_template_name = "account/password_reset_email.txt"
    subject_template_name = "account/password_reset_subject.txt"
    success_url = reverse_lazy("quiz:password-reset-sent")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        for mail in form.mails:
            if PASSWORD_RESETS_PER_ACCOUNT.wait(f"user:{mail.user.pk}", time.time()):
                record(
                    Event.PASSWORD_RESET_REQUEST,
                    self.request,
                    user_id=mail.user.pk,
                    outcome=Outcome.REFUSED,
                    limit=PASSWORD_RESETS_PER_ACCOUNT.name,
                )
                continue
            record(Event.PASSWORD_RESET_REQUEST, self.request, user_id=mail.user.pk, outcome=Outcome.REQUESTED)
            # After the response, so it takes as long whether the address has an account or not.
            after_response(response, mail.send)
        if not form.mails:
            record(Event.PASSWORD_RESET_REQUEST, self.request, user_id=None, outcome=Outcome.REQUESTED)
        return response


def after_response(response: HttpResponseBase, work: Callable[[], None]) -> None:
    """Run `work` once the response has been sent: WSGI and ASGI servers call
    the response's close() after its last byte, and Django runs the response's
    closers there. Django swallows a closer's exception, so it is logged here."""

    def run() -> None:
        try:
            work()
        except Exception:
            logger.exception("Work after the response to %s failed", response)

    response._resource_closers.append(run)  # type: ignore[attr-defined]  # the list close() runs; no public API


# Each request sends an email: limited per address, so the form cannot flood an inbox.
password_reset = limit_posts(PASSWORD_RESETS, event=Event.PASSWORD_RESET_REQUEST)(PasswordResetView.as_view())
password_reset_sent = auth_views.PasswordResetDoneView.as_view(template_name="account/password_reset_sent.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset link, which also lifts a lockout of the username: the
    link proved the account's email, so its owner can always get back in."""

    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("quiz:password-reset-complete")

    def dispatch(self, *args, **kwargs) -> HttpResponseBase:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink:
            user_id = self.user.pk if self.user is not None else None
            record(Event.PASSWORD_RESET, self.request, user_id=user_id, outcome=Outcome.FAILURE)
        return response

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        lift_lockout(form.user)
        mark_device(response, form.user.get_username())
        record(Event.PASSWORD_RESET, self.request, user_id=form.user.pk, outcome=Outcome.SUCCESS)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="account/password_reset_complete.html"
)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = cast(User, request.user)  # @login_required
        # Sign out first: signing out writes to django-axes' log, which must go too.
        logout(request)
        delete_account(user)
        messages.success(request, gettext("Your account and all your progress were deleted."))
        return HttpResponseRedirect(reverse("quiz:home"))
    return render(request, "account/delete.html", {"form": form}, status=400 if form.errors else 200)
