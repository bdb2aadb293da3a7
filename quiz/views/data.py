"""Your data: export it, take the deck to Anki, or start again. For
accounts and visitors alike; closing an account is in views/account.py."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from quiz import exports
from quiz.forms import AnkiForm, ResetProgressForm
from quiz.learners import get_learner
from quiz.views.account import account_context


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = request.user if request.user.is_authenticated else None
    data = exports.learner_data(user, get_learner(request, create=False), now)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    return attachment(response, f"twitch-facts-{now:%Y-%m-%d}.json")


@never_cache
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    body = exports.review_csv(get_learner(request, create=False))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    return attachment(response, f"twitch-facts-reviews-{now:%Y-%m-%d}.csv")


@require_GET
def anki(request: HttpRequest) -> HttpResponse:
    form = AnkiForm(request.GET or {"language": get_language()})
    if not form.is_valid():
        return render(request, "account/account.html", account_context(request, anki_form=form), status=400)
    language = form.cleaned_data["language"]
    response = HttpResponse(exports.anki_package(language, timezone.now()), content_type="application/apkg")
    return attachment(response, f"twitch-facts-{language}.apkg")


@require_http_methods(["GET", "POST"])
def reset_progress(request: HttpRequest) -> HttpResponse:
    form = ResetProgressForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        learner = get_learner(request, create=False)
        if learner is not None:
            learner.reset_progress()
        messages.success(request, gettext("Your progress was deleted. You can start again from the beginning."))
        return HttpResponseRedirect(reverse("quiz:account"))
    return render(request, "account/reset_progress.html", {"form": form}, status=400 if form.errors else 200)
