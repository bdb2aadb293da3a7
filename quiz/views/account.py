"""Accounts: sign up, sign in, sign out. Studying needs none of them; an
account keeps progress across devices. Signing in brings a visitor's
progress along (quiz/learners.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "account/account.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("quiz:account"))
    form: UserCreationForm = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # No authenticate() here: the password was just set, so there is nothing to throttle.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, gettext("Your account was created. Your progress so far is in it."))
        return HttpResponseRedirect(reverse("quiz:progress"))
    return render(request, "account/signup.html", {"form": form}, status=400 if form.errors else 200)


signin = auth_views.LoginView.as_view(template_name="account/signin.html", redirect_authenticated_user=True)
signout = auth_views.LogoutView.as_view()
