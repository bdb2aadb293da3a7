"""Accounts: sign up, sign in, sign out, passwords, and closing an account.
Studying needs none of them; an account keeps progress across devices.
Signing in brings a visitor's progress along (quiz/learners.py)."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.messages.views import SuccessMessageMixin
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz.accounts import delete_account
from quiz.forms import AnkiForm, DeleteAccountForm, EmailForm, LanguageForm, LearnerPasswordResetForm, SignUpForm
from quiz.learners import current_learner, get_learner, save_learner
from quiz.models import Learner, SessionCutoff
from quiz.security_events import Event, Outcome, record
from quiz.sessions import CLEAR_SITE_DATA
from quiz.throttle import PASSWORD_RESETS, SIGNUPS, limit_posts


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
        user = form.save()
        # No authenticate() here: the password was just set, so there is nothing to throttle.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, gettext("Your account was created. Your progress so far is in it."))
        return HttpResponseRedirect(reverse("quiz:progress"))
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
        language = Learner.objects.filter(user=form.get_user()).values_list("language", flat=True).first()
        if not language:
            return response
        response = HttpResponseRedirect(translate_url(response["Location"], language))
        set_language_cookie(response, language)
        return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
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


password_change = PasswordChangeView.as_view()
# Each request sends an email: limited per address, so the form cannot flood an inbox.
password_reset = limit_posts(PASSWORD_RESETS)(
    auth_views.PasswordResetView.as_view(
        form_class=LearnerPasswordResetForm,
        template_name="account/password_reset.html",
        email_template_name="account/password_reset_email.txt",
        subject_template_name="account/password_reset_subject.txt",
        success_url=reverse_lazy("quiz:password-reset-sent"),
    )
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(template_name="account/password_reset_sent.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="account/password_reset_confirm.html", success_url=reverse_lazy("quiz:password-reset-complete")
)
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
        response = HttpResponseRedirect(reverse("quiz:home"))
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
    return render(request, "account/delete.html", {"form": form}, status=400 if form.errors else 200)
