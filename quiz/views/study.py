"""The spaced-repetition study loop.

Every action is a real form POST. With htmx it swaps only the card region
(plus the counters and the live region, out of band); without JavaScript it
redirects back to the study page, carrying what to show in a signed token.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz import scheduling
from quiz.forms import AnswerForm, CardForm, GradeForm, RetentionForm, ScopeForm, SettingsForm
from quiz.learners import current_learner, get_learner, learner_filter, lock_learner, save_learner
from quiz.models import CardState, Learner, Provenance, Question, QuizAttempt, ReviewLog, Topic
from quiz.published import published
from quiz.study import Phase, Queue, Scope, Shown, build_queue
from quiz.templatetags.study import interval
from quiz.throttle import refuses_throttled
from quiz.views.common import HtmxHttpRequest, Problem, handles_problems, owned_or_404

Rating = ReviewLog.Rating


def back_to_studying(request: HtmxHttpRequest, *args: object, **kwargs: object) -> tuple[str, str]:
    """The study page the refused request came from (the whole deck if that cannot be read)."""
    form = ScopeForm(request.POST)
    scope = Scope()
    if form.is_valid():
        missed = form.cleaned_data["missed"]
        # Only a link: whose quiz it is was checked, or will be, where it is used.
        scope = Scope(topic=form.cleaned_data["topic"], missed=QuizAttempt(pk=missed) if missed else None)
    return scope.url(), gettext("Back to studying")


def scope_for(request: HtmxHttpRequest, topic: str = "", missed: int | None = None) -> Scope:
    """The session's scope; a quiz that is not the requesting learner's is a 404."""
    attempt = None
    if missed:
        attempt = owned_or_404(
            QuizAttempt.objects.all(), request, gettext("This quiz was not found. Nothing was saved."), pk=missed
        )
    return Scope(topic=topic or "", missed=attempt)


def valid_scope(form: ScopeForm, request: HtmxHttpRequest) -> Scope:
    return scope_for(request, form.cleaned_data["topic"], form.cleaned_data["missed"])


handles_problems_here = handles_problems(live_region="#study-status", back=back_to_studying)


def valid_form[FormT: forms.Form](form_class: type[FormT], request: HtmxHttpRequest) -> FormT:
    form = form_class(request.POST)
    if not form.is_valid():
        if errors := form.non_field_errors():
            raise Problem(400, str(errors[0]))
        fields = ", ".join(sorted(form.errors))
        raise Problem(
            400, gettext("This answer could not be read (%(fields)s). Nothing was saved.") % {"fields": fields}
        )
    return form


def published_question(question_id: int) -> Question:
    """The published question `question_id`, from the in-process content; 404 if there is none to study."""
    question = published().question(question_id)
    if question is None:
        raise Problem(404, gettext("This card was not found. Nothing was saved."))
    return question


def card_for_learner(request: HtmxHttpRequest, question_id: int) -> CardState:
    """The requesting learner's card for a published question: its row, or, for a
    question they never answered, an unsaved card. 404 for a question that is
    not there to study."""
    question = published_question(question_id)
    owner = learner_filter(request)
    card = None
    if owner is not None:
        cards = CardState.objects.select_related("learner__parameter_set")
        card = cards.filter(question_id=question_id, **owner).first()
    if card is None:
        return CardState(learner=current_learner(request), question=question)
    card.question = question
    return card


def check_version(card: CardState, version: int) -> None:
    if card.version != version:
        raise Problem(409, gettext("This card was already answered, perhaps in another tab. Nothing was saved."))


def already_saved(card: CardState, data: dict) -> bool:
    """Whether the posted answer was saved before (a double click, a retry);
    any other answer to a card that has changed since it was shown is stale."""
    if card.version == data["version"]:
        return False
    if ReviewLog.objects.filter(learner_id=card.learner_id, review_id=data["review"]).exists():
        return True
    check_version(card, data["version"])
    return False


def card_context(queue: Queue, *, scope: Scope, shown: Shown | None = None, announce: str = "") -> dict:
    """What the card region and the progress beside it show."""
    card = queue.card
    if shown is None and card is not None:
        shown = Shown.front(card, queue.now)
    phase = shown.phase if shown else Phase.FRONT
    return {
        "queue": queue,
        "learner": queue.learner,
        "card": card,
        "question": card.question if card else None,
        "scope": scope,
        "shown": shown,
        "phase": phase,
        "Phase": Phase,
        # Only a right pick needs proof at grading time; a flashcard can be graded as it is.
        "token": shown.sign() if shown and phase == Phase.PICKED_RIGHT else "",
        "picked": card.question.choice(shown.choice) if card and shown and shown.choice else None,
        "grades": [
            {"rating": rating, "name": rating.label, "interval": queue.intervals.get(rating)}
            for rating in Rating
            if not (phase == Phase.PICKED_RIGHT and rating == Rating.AGAIN)
        ],
        "announce": announce,
        # The card's fact comes with its source in the published copy: no query.
        "provenance": Provenance.of([card.question.fact]) if card else None,
        "show_original": queue.learner.show_original and get_language() != "en",
    }


def card_region(
    request: HtmxHttpRequest,
    scope: Scope,
    queue: Callable[[], Queue],
    *,
    shown: Shown | None = None,
    announce: str = "",
) -> HttpResponse:
    """The answer to every study action: with htmx, the card region (and, when
    counted, the progress); without, a redirect to the study page carrying
    what to show. `queue` is only built when something is rendered."""
    if not request.htmx:
        url = scope.url()
        return HttpResponseRedirect(f"{url}?show={shown.sign()}" if shown and shown.phase != Phase.FRONT else url)
    context = card_context(queue(), scope=scope, shown=shown, announce=announce)
    return render(request, "quiz/study.html#swap", context)


@require_GET
@handles_problems_here
def study(request: HtmxHttpRequest, topic: str | None = None, missed: int | None = None) -> HttpResponse:
    topic_obj = get_object_or_404(Topic, slug=topic) if topic else None
    scope = scope_for(request, topic or "", missed)
    queue = build_queue(current_learner(request), timezone.now(), scope)
    shown = shown_from_query(request, queue)
    context = card_context(queue, scope=scope, shown=shown) | {"topic": topic_obj}
    return render(request, "quiz/study.html#swap" if request.htmx else "quiz/study.html", context)


def shown_from_query(request: HtmxHttpRequest, queue: Queue) -> Shown | None:
    """After a plain (no-JavaScript) reveal or pick, the redirect carries what
    to show; it is ignored once the card has moved on."""
    shown = Shown.load(request.GET.get("show", ""))
    if shown is None:
        return None
    card = queue.card
    if card is None or card.question_id != shown.question:
        # A card graded Again after a wrong pick has left the front of the queue.
        try:
            card = card_for_learner(request, shown.question)
        except Problem:
            return None
    if not shown.matches(card):
        return None
    queue.show(card)
    return shown


@require_POST
@handles_problems_here
def reveal(request: HtmxHttpRequest) -> HttpResponse:
    """Show a flashcard's answer (no write: grading comes next)."""
    form = valid_form(CardForm, request)
    scope = valid_scope(form, request)
    now = timezone.now()
    card = card_for_learner(request, form.cleaned_data["question"])
    check_version(card, form.cleaned_data["version"])
    if not card.question.is_flashcard:
        raise Problem(400, gettext("Pick one of the answers for this card."))
    return card_region(
        request,
        scope,
        lambda: Queue.of_one(card, now),
        shown=form.shown(Phase.REVEALED, now),
        announce=gettext("Answer shown. Grade how well you remembered it."),
    )


@require_POST
@handles_problems_here
def answer(request: HtmxHttpRequest) -> HttpResponse:
    """Pick a choice: a wrong pick is graded Again now; a right one offers Hard, Good, Easy."""
    form = valid_form(AnswerForm, request)
    data = form.cleaned_data
    scope = valid_scope(form, request)
    now = timezone.now()
    question = published_question(data["question"])
    if question.is_flashcard:
        raise Problem(400, gettext("This card has no choices: show the answer instead."))
    choice = question.choice(data["choice"])
    if choice is None:
        raise Problem(400, gettext("That choice does not belong to this card. Nothing was saved."))
    if choice.is_correct:
        card = card_for_learner(request, question.pk)
        check_version(card, data["version"])
        return card_region(
            request,
            scope,
            lambda: Queue.of_one(card, now),
            shown=form.shown(Phase.PICKED_RIGHT, now, choice=choice.pk),
            announce=gettext("Right. Now grade how easily you knew it."),
        )
    card, _saved = record(request, form, rating=Rating.AGAIN, now=now)
    # The card has its new version now: the feedback shows it as it was graded.
    shown = Shown(
        Phase.PICKED_WRONG, card.question_id, card.version, str(data["review"]), data["shown_at"] or 0, choice.pk
    )
    return card_region(
        request,
        scope,
        lambda: build_queue(card.learner, now, scope).show(card),
        shown=shown,
        announce=gettext("Not quite. Graded Again: this card comes back soon."),
    )


def record(
    request: HtmxHttpRequest, form: CardForm, *, rating: Rating, now: datetime.datetime
) -> tuple[CardState, bool]:
    """Grade the card in one transaction, exactly once per review id.

    Returns the card and whether this request saved the answer (False when it
    repeats one already saved). The learner's row is locked first, as by every
    write to their progress, so of two identical POSTs (double click, retry,
    back button) the second sees the card's new version and finds the first's
    log row."""
    data = form.cleaned_data
    question = published_question(data["question"])
    try:
        with transaction.atomic():
            learner = lock_learner(request)
            first_answer = learner is None and not request.user.is_authenticated
            if first_answer:
                # A visitor's first answer: their learner is saved now, so no card of theirs exists yet.
                learner, card = get_learner(request), None
            else:
                if learner is None:
                    # A new account's first answer: a parallel request may save its learner too.
                    learner = get_learner(request)
                    learner.lock()
                card = learner.cards.filter(question_id=question.pk).first()
            card = card or CardState()
            card.learner, card.question = learner, question
            if already_saved(card, data):
                return card, False
            if not first_answer:  # a learner saved just now has answered nothing
                refuse_beyond_daily_answers(learner, now)
            # GradeForm has checked that a token, if any, proves a right pick of this card.
            if not question.is_flashcard and rating != Rating.AGAIN and not data.get("token"):
                raise Problem(400, gettext("Pick the right answer before grading. Nothing was saved."))
            card.record_review(
                rating=rating,
                review_id=data["review"],
                now=now,
                duration_ms=form.shown(now=now).duration_ms(now),
                language=get_language(),
            )
            return card, True
    except IntegrityError:
        # The unique (learner, review id) constraint caught a duplicate the lock did not.
        return card_for_learner(request, data["question"]), False


def refuse_beyond_daily_answers(learner: Learner, now: datetime.datetime) -> None:
    """A 429 once the learner has answered REVIEWS_PER_DAY_LIMIT times today (their
    local day, as the study page counts it): far more than a person studies, so
    only a script reaches it. Call with the learner locked, so parallel answers
    are counted one after the other."""
    start = scheduling.day_start(now, learner.time_zone)
    if ReviewLog.objects.filter(learner=learner, reviewed_at__gte=start).count() < settings.REVIEWS_PER_DAY_LIMIT:
        return
    tomorrow = scheduling.next_day_start(now, learner.time_zone)
    raise Problem(
        429,
        gettext("You have reached today's limit of %(limit)s answers. Nothing was saved: you can go on tomorrow.")
        % {"limit": settings.REVIEWS_PER_DAY_LIMIT},
        retry_after=math.ceil((tomorrow - now).total_seconds()),
    )


@require_POST
@handles_problems_here
def grade(request: HtmxHttpRequest) -> HttpResponse:
    form = valid_form(GradeForm, request)
    rating = Rating(form.cleaned_data["rating"])
    scope = valid_scope(form, request)
    now = timezone.now()
    card, saved = record(request, form, rating=rating, now=now)
    if saved:
        assert card.due is not None  # a graded card is always due again
        announce = gettext("Graded %(grade)s. This card comes back in %(interval)s.") % {
            "grade": rating.label,
            "interval": interval(card.due - now),
        }
    else:
        announce = gettext("That answer was already saved.")
    return card_region(request, scope, lambda: build_queue(card.learner, now, scope), announce=announce)


@require_POST
@handles_problems_here
def undo(request: HtmxHttpRequest) -> HttpResponse:
    """Take back the learner's own most recent answer: the card's state is put back exactly."""
    scope = valid_scope(valid_form(ScopeForm, request), request)
    learner = get_learner(request, create=False)
    if learner is None or not learner.undo_last_review():
        raise Problem(409, gettext("There is no answer to undo."))
    return card_region(
        request,
        scope,
        lambda: build_queue(learner, timezone.now(), scope),
        announce=gettext("Your last answer was undone."),
    )


@require_POST
@handles_problems_here
def more_new(request: HtmxHttpRequest) -> HttpResponse:
    """Allow another batch of new cards today."""
    scope = valid_scope(valid_form(ScopeForm, request), request)
    learner = get_learner(request)
    now = timezone.now()
    batch = learner.allow_more_new(now)
    announce = ngettext("%(count)d more new card for today.", "%(count)d more new cards for today.", batch) % {
        "count": batch
    }
    return card_region(request, scope, lambda: build_queue(learner, now, scope), announce=announce)


def settings_page(request: HtmxHttpRequest, learner: Learner, form: SettingsForm, status: int = 200) -> HttpResponse:
    """The settings form, and the target retention suggested by the parameters in force, if any was computed."""
    in_force = learner.set_in_force()
    suggested = in_force.recommended_retention if in_force is not None else None
    context = {"form": form, "suggested": suggested, "suggested_percent": round(100 * suggested) if suggested else None}
    return render(request, "quiz/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@refuses_throttled
def study_settings(request: HtmxHttpRequest) -> HttpResponse:
    learner = current_learner(request)
    form = SettingsForm(request.POST or None, instance=learner)
    if request.method == "POST" and form.is_valid():
        save_learner(request, form.save(commit=False))
        messages.success(request, gettext("Your study settings were saved."))
        return HttpResponseRedirect(reverse("quiz:study-settings"))
    return settings_page(request, learner, form, status=400 if form.errors else 200)


@require_POST
@refuses_throttled
def apply_retention(request: HtmxHttpRequest) -> HttpResponse:
    """Set the desired retention to the suggested one (the value the button showed)."""
    learner = current_learner(request)
    form = RetentionForm(request.POST, instance=learner)
    if not form.is_valid():
        # An invalid value is not set on the instance: the page shows the settings as they are.
        messages.error(request, gettext("This target could not be used (0.70 to 0.97). Nothing was saved."))
        return settings_page(request, learner, SettingsForm(instance=learner), status=400)
    learner = save_learner(request, form.save(commit=False))
    messages.success(
        request,
        gettext("Your target retention is now %(percent)s%%.") % {"percent": round(100 * learner.desired_retention)},
    )
    return HttpResponseRedirect(reverse("quiz:study-settings"))
