"""Accounts: sign up, sign in, sign out, passwords, and closing an account.
Studying needs none of them; an account keeps progress across devices.
Signing up brings a visitor's progress along; signing in asks first (`merge`,
quiz/learners.py)."""

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
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz import second_factor
from quiz.accounts import EmailChange, delete_account, lift_lockout, mark_device, send_account_mail
from quiz.forms import (
    AdminPasswordChangeForm,
    AnkiForm,
    CheckedPasswordChangeForm,
    DeleteAccountForm,
    EmailChangeForm,
    LanguageForm,
    LearnerPasswordResetForm,
    MergeForm,
    SignUpForm,
)
from quiz.learners import current_learner, get_learner, pending_guest, save_learner, settle_pending_guest
from quiz.models import SessionCutoff
from quiz.security_events import Event, Outcome, record
from quiz.sessions import CLEAR_SITE_DATA
from quiz.throttle import (
    EMAIL_CHANGES,
    PASSWORD_CHANGES,
    PASSWORD_RESETS,
    PASSWORD_RESETS_PER_ACCOUNT,
    SIGNUPS,
    limit_posts,
    too_many_requests,
)
from quiz.views import second_factor as second_factor_views
from quiz.views.signed_in import set_language_cookie, signed_in

logger = logging.getLogger(__name__)


def account_context(request: HttpRequest, **forms: BaseForm) -> dict:
    """The account page's forms, unbound unless a bound one is passed in."""
    learner = get_learner(request, create=False)
    context: dict = {"learner": learner, "anki_form": AnkiForm(initial={"language": get_language()})}
    if request.user.is_authenticated:
        context["language_form"] = LanguageForm(instance=learner)
    return {**context, **forms}


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "account/account.html", account_context(request))


@login_required
@require_POST
def account_details(request: HttpRequest) -> HttpResponse:
    """The account's preferred language. (The e-mail address has its own form,
    with the password and a confirmation: `email_change`.)"""
    language_form = LanguageForm(request.POST, instance=current_learner(request))
    if not language_form.is_valid():
        context = account_context(request, language_form=language_form)
        return render(request, "account/account.html", context, status=400)
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
        # A new account has nothing a planted session could mix into: no need to ask.
        settle_pending_guest(request, keep=True)
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
        # Two-step sign-in on: the password alone signs nobody in; the code step does.
        if second_factor.is_enabled(form.get_user()):
            return second_factor_views.ask_for_code(self.request, form.get_user(), self.get_success_url())
        response = super().form_valid(form)
        return signed_in(self.request, form.get_user(), response["Location"])


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest) -> HttpResponse:
    """After sign-in: add the progress this browser held as a visitor to the
    account, or discard it; then on to where signing in was going."""
    form = MergeForm(request.POST if request.method == "POST" else None, initial={"next": request.GET.get("next")})
    guest = pending_guest(request)
    if guest is None:
        return HttpResponseRedirect(after_merge(request, request.POST.get("next") or request.GET.get("next")))
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["choice"] == MergeForm.MERGE
        settle_pending_guest(request, keep=keep)
        if keep:
            messages.success(request, gettext("The progress from this browser is now in your account."))
        else:
            messages.success(request, gettext("The progress from this browser was discarded."))
        return HttpResponseRedirect(after_merge(request, form.cleaned_data["next"]))
    context = {"form": form, "cards": guest.cards.count(), "answers": guest.reviews.count()}
    return render(request, "account/merge.html", context, status=400 if form.errors else 200)


def after_merge(request: HttpRequest, url: str | None) -> str:
    """The sign-in's `next`, if it is a page of this site, in the page's language."""
    allowed = url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure())
    if not url or not allowed or urlsplit(url).path == request.path:
        url = reverse(settings.LOGIN_REDIRECT_URL)
    return translate_url(url, get_language())


@login_required
@require_http_methods(["GET", "POST"])
@limit_posts(EMAIL_CHANGES)
def email_change(request: HttpRequest) -> HttpResponse:
    """Ask for a new e-mail address, with the password. Nothing changes yet: the
    new address gets a link to confirm it, the current one a notice."""
    user = cast(User, request.user)  # @login_required
    if request.method == "POST" and (seconds := EMAIL_CHANGES.wait(f"user:{user.pk}", time.time())):
        # Per account too, so that many addresses cannot flood the account's inbox.
        record(Event.EMAIL_CHANGE, request, user_id=user.pk, outcome=Outcome.REFUSED)
        return too_many_requests(request, seconds)
    form = EmailChangeForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            if form.has_error("password"):
                record(Event.EMAIL_CHANGE, request, user_id=user.pk, outcome=Outcome.FAILURE, reason="password")
            return render(request, "account/email_change.html", {"form": form}, status=400)
        change = EmailChange(user, form.cleaned_data["email"])
        send_account_mail(request, user, change.new, "email_change_confirm", token=change.token())
        if user.email:
            send_account_mail(request, user, user.email, "email_change_notice")
        record(Event.EMAIL_CHANGE, request, user_id=user.pk, outcome=Outcome.REQUESTED)
        messages.success(
            request,
            gettext("We sent a link to %(email)s. Your address changes when you open it and confirm.")
            % {"email": change.new},
        )
        return HttpResponseRedirect(reverse("quiz:account"))
    return render(request, "account/email_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to the new address: a page with a button, and the change
    only on its POST, so a mail scanner opening the link changes nothing."""
    user = cast(User, request.user)  # @login_required
    change = EmailChange.load(token, user)
    if change is None:
        record(Event.EMAIL_CHANGE, request, user_id=user.pk, outcome=Outcome.FAILURE, reason="link")
        return render(request, "account/email_change_confirm.html", {"change": None}, status=400)
    if request.method == "GET":
        return render(request, "account/email_change_confirm.html", {"change": change})
    old = user.email
    change.apply()
    if old:
        send_account_mail(request, user, old, "email_changed")
    record(Event.EMAIL_CHANGE, request, user_id=user.pk, outcome=Outcome.SUCCESS)
    messages.success(request, gettext("Your email address was changed."))
    return HttpResponseRedirect(reverse("quiz:account"))


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


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response


signin = SignInView.as_view()
signout = SignOutView.as_view()


@login_required
@require_POST
def signout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user, on every device, this one too: each is
    signed out at its next request (quiz/sessions.py)."""
    user_id = cast(User, request.user).pk  # @login_required
    SessionCutoff.objects.end_sessions(user_id, timezone.now())
    record(Event.SESSIONS_ENDED, request, user_id=user_id, outcome=Outcome.SUCCESS, reason="everywhere")
    logout(request)
    messages.success(request, gettext("You were signed out on every device."))
    response = HttpResponseRedirect(reverse(settings.LOGOUT_REDIRECT_URL))
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


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
    user = cast(User, request.user)  # @login_required
    if user.is_staff or user.is_superuser:
        # Deleting a staff account would take its admin log and its name in the
        # content history with it: a superuser removes staff in the admin instead.
        if request.method == "POST":
            record(Event.ACCOUNT_DELETED, request, user_id=user.pk, outcome=Outcome.REFUSED, staff=True)
        return render(request, "account/delete_staff.html", status=403)
    form = DeleteAccountForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # Sign out first: signing out writes to django-axes' log, which must go too.
        user_id = user.pk  # delete() clears it
        logout(request)
        delete_account(user)
        record(Event.ACCOUNT_DELETED, request, user_id=user_id, outcome=Outcome.SUCCESS)
        messages.success(request, gettext("Your account and all your progress were deleted."))
        response = HttpResponseRedirect(reverse("quiz:home"))
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
    return render(request, "account/delete.html", {"form": form}, status=400 if form.errors else 200)
