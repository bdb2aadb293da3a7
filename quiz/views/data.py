"""Your data: export it, take the deck to Anki, or start again. For
accounts and visitors alike; closing an account is in views/account.py."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from quiz import exports
from quiz.forms import AnkiForm, ResetProgressForm
from quiz.learners import get_learner
from quiz.models import Learner
from quiz.throttle import EXPORTS, too_many_requests
from quiz.views.account import account_context


def attachment[R: HttpResponseBase](response: R, filename: str) -> R:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_limit_reached(request: HttpRequest, learner: Learner | None) -> HttpResponse | None:
    """The 429 page once the learner has exported THROTTLE_EXPORTS_PER_HOUR times
    this hour (either export counts): each reads their whole history. Whoever
    has no learner exports next to nothing and is not counted."""
    if learner is None:
        return None
    seconds = EXPORTS.wait(f"learner:{learner.pk}", time.time())
    return too_many_requests(request, seconds) if seconds else None


# Both exports are streamed: the history is read in chunks and written out as it
# is read, so a long one takes no more memory than a short one (issue 17, finding 7).
@never_cache
@require_GET
def export_json(request: HttpRequest) -> HttpResponseBase:
    now = timezone.now()
    learner = get_learner(request, create=False)
    if refused := export_limit_reached(request, learner):
        return refused
    user = request.user if request.user.is_authenticated else None
    pieces = exports.json_pieces(exports.learner_data(user, learner, now))
    response = StreamingHttpResponse(exports.buffered(pieces), content_type="application/json; charset=utf-8")
    return attachment(response, f"twitch-facts-{now:%Y-%m-%d}.json")


@never_cache
@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    now = timezone.now()
    learner = get_learner(request, create=False)
    if refused := export_limit_reached(request, learner):
        return refused
    body = exports.buffered(exports.review_csv(learner))
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    return attachment(response, f"twitch-facts-reviews-{now:%Y-%m-%d}.csv")


@require_GET
def anki(request: HttpRequest) -> HttpResponse:
    form = AnkiForm(request.GET or {"language": get_language()})
    if not form.is_valid():
        return render(request, "account/account.html", account_context(request, anki_form=form), status=400)
    language = form.cleaned_data["language"]
    response = HttpResponse(exports.cached_anki_package(language), content_type="application/apkg")
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
