"""The spaced-repetition study loop.

Every action is a real form POST. With htmx it swaps only the card region
(plus the counters and the live region, out of band); without JavaScript it
redirects back to the study page, carrying what to show in a signed token.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz import scheduling
from quiz.forms import AnswerForm, CardForm, GradeForm, SettingsForm
from quiz.learners import get_learner, learner_filter
from quiz.models import CardState, Question, ReviewLog, Topic
from quiz.study import CARD_RELATED, Queue, build_queue
from quiz.templatetags.study import interval
from quiz.views import common

TOKEN_SALT = "quiz.study"
TOKEN_MAX_AGE = 24 * 3600
MAX_DURATION_MS = 60 * 60 * 1000


def grade_names() -> dict[int, str]:
    return {
        1: pgettext("grade button", "Again"),
        2: pgettext("grade button", "Hard"),
        3: pgettext("grade button", "Good"),
        4: pgettext("grade button", "Easy"),
    }


class Problem(Exception):
    """A request we refuse with a clear message; nothing has been changed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def problem_response(request: HttpRequest, problem: Problem) -> HttpResponse:
    return common.problem_response(
        request,
        problem.status,
        problem.message,
        back=study_url(request.POST.get("topic") or None),
        back_label=gettext("Back to studying"),
        live_region="#study-status",
    )


def study_url(topic: str | None) -> str:
    return reverse("quiz:study-topic", args=[topic]) if topic else reverse("quiz:study")


def now_ms(now: datetime.datetime) -> int:
    return int(now.timestamp() * 1000)


def duration_ms(shown_at: int | None, now: datetime.datetime) -> int:
    if not shown_at:
        return 0
    return max(0, min(MAX_DURATION_MS, now_ms(now) - shown_at))


def valid_form(form_class: type[CardForm], request: HttpRequest) -> dict:
    form = form_class(request.POST)
    if not form.is_valid():
        fields = ", ".join(sorted(form.errors))
        raise Problem(
            400, gettext("This answer could not be read (%(fields)s). Nothing was saved.") % {"fields": fields}
        )
    return form.cleaned_data


def card_for_learner(request: HttpRequest, card_id: int, *, lock: bool = False) -> CardState:
    """The requesting learner's card, or 404: another learner's card does not exist for them."""
    cards = CardState.objects.select_related("learner", *CARD_RELATED)
    if lock:
        cards = cards.select_for_update(of=("self",))
    card = cards.filter(pk=card_id, **learner_filter(request)).first()
    if card is None:
        raise Problem(404, gettext("This card was not found. Nothing was saved."))
    return card


def check_version(card: CardState, data: dict) -> None:
    if card.version != data["version"]:
        raise Problem(409, gettext("This card was already answered, perhaps in another tab. Nothing was saved."))


def sign(**values) -> str:
    return signing.dumps(values, salt=TOKEN_SALT, compress=True)


def unsign(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None


def card_context(
    queue: Queue,
    *,
    topic: Topic | None,
    phase: str = "front",
    review: str | None = None,
    shown_at: int | None = None,
    token: str = "",
    picked=None,
    announce: str = "",
) -> dict:
    now = timezone.now()
    names = grade_names()
    grades = [
        {"rating": rating, "name": names[rating], "interval": queue.intervals.get(rating)}
        for rating in (1, 2, 3, 4)
        if phase != "picked-right" or rating != 1
    ]
    return {
        "queue": queue,
        "learner": queue.learner,
        "card": queue.card,
        "question": queue.card.question if queue.card else None,
        "topic": topic,
        "phase": phase,
        "review": review or str(uuid.uuid4()),
        "shown_at": shown_at or now_ms(now),
        "token": token,
        "picked": picked,
        "grades": grades,
        "announce": announce,
        "show_original": queue.learner.show_original and get_language() != "en",
        "grade_names": names,
    }


def respond(request: HttpRequest, context: dict, *, topic_slug: str | None) -> HttpResponse:
    if request.htmx:
        return render(request, "quiz/study.html#swap", context)
    return HttpResponseRedirect(study_url(topic_slug))


def single_card_queue(card: CardState, now: datetime.datetime, base: Queue | None = None) -> Queue:
    """A queue whose current card is `card` (to show it revealed or with feedback)."""
    queue = base or Queue(learner=card.learner, card=None, due_count=0, new_count=0, done_today=0)
    queue.show(card, now)
    return queue


@require_GET
def study(request: HttpRequest, topic: str | None = None) -> HttpResponse:
    topic_obj = get_object_or_404(Topic, slug=topic) if topic else None
    learner = get_learner(request)
    now = timezone.now()
    queue = build_queue(learner, now, topic)
    extra = revealed_from_query(request, queue)
    context = card_context(queue, topic=topic_obj, **extra)
    if request.htmx:
        return render(request, "quiz/study.html#swap", context)
    return render(request, "quiz/study.html", context)


def revealed_from_query(request: HttpRequest, queue: Queue) -> dict:
    """After a plain (no-JavaScript) reveal or answer, the redirect carries a
    signed token saying what to show; ignore it if the card has moved on."""
    data = unsign(request.GET.get("show", ""))
    if not data:
        return {}
    if data["phase"] == "picked-wrong":
        # The card was graded Again already; show the feedback for it once.
        card = (
            CardState.objects.select_related("learner", *CARD_RELATED)
            .filter(pk=data["card"], **learner_filter(request))
            .first()
        )
        if card is None:
            return {}
        single_card_queue(card, timezone.now(), queue)
        picked = next((c for c in card.question.ordered_choices if c.pk == data["choice"]), None)
        return {"phase": "picked-wrong", "picked": picked}
    if queue.card is None or queue.card.pk != data["card"] or queue.card.version != data["version"]:
        return {}
    picked = None
    if data.get("choice"):
        picked = next((c for c in queue.card.question.ordered_choices if c.pk == data["choice"]), None)
    return {
        "phase": data["phase"],
        "review": data["review"],
        "shown_at": data["shown_at"],
        "token": request.GET["show"],
        "picked": picked,
    }


def handle(view):
    """Turn a Problem raised by a study action into its 4xx response."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Problem as problem:
            return problem_response(request, problem)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_POST
@handle
def reveal(request: HttpRequest) -> HttpResponse:
    """Show a flashcard's answer (no write: grading comes next)."""
    data = valid_form(CardForm, request)
    card = card_for_learner(request, data["card"])
    check_version(card, data)
    if card.question.kind != Question.Kind.FLASHCARD:
        raise Problem(400, gettext("Pick one of the answers for this card."))
    shown_at = data["shown_at"] or now_ms(timezone.now())
    token = sign(phase="revealed", card=card.pk, version=card.version, review=str(data["review"]), shown_at=shown_at)
    if not request.htmx:
        return HttpResponseRedirect(f"{study_url(data['topic'])}?show={token}")
    queue = single_card_queue(card, timezone.now())
    topic = card.question.fact.topic if data["topic"] else None
    context = card_context(
        queue,
        topic=topic,
        phase="revealed",
        review=str(data["review"]),
        shown_at=shown_at,
        token=token,
        announce=gettext("Answer shown. Grade how well you remembered it."),
    )
    return render(request, "quiz/study.html#swap", {**context, "progress_unchanged": True})


@require_POST
@handle
def answer(request: HttpRequest) -> HttpResponse:
    """Pick a choice: a wrong pick is graded Again now; a right one offers Hard, Good, Easy."""
    data = valid_form(AnswerForm, request)
    now = timezone.now()
    card = card_for_learner(request, data["card"])
    if card.question.kind == Question.Kind.FLASHCARD:
        raise Problem(400, gettext("This card has no choices: show the answer instead."))
    choice = card.question.choices.filter(pk=data["choice"]).first()
    if choice is None:
        raise Problem(400, gettext("That choice does not belong to this card. Nothing was saved."))
    shown_at = data["shown_at"] or now_ms(now)
    if choice.is_correct:
        check_version(card, data)
        token = sign(
            phase="picked-right",
            card=card.pk,
            version=card.version,
            review=str(data["review"]),
            shown_at=shown_at,
            choice=choice.pk,
        )
        if not request.htmx:
            return HttpResponseRedirect(f"{study_url(data['topic'])}?show={token}")
        queue = single_card_queue(card, now)
        return render(
            request,
            "quiz/study.html#swap",
            {"progress_unchanged": True}
            | card_context(
                queue,
                topic=card.question.fact.topic if data["topic"] else None,
                phase="picked-right",
                review=str(data["review"]),
                shown_at=shown_at,
                token=token,
                picked=choice,
                announce=gettext("Right. Now grade how easily you knew it."),
            ),
        )

    card, _saved = record(request, data, rating=1, now=now)
    if not request.htmx:
        token = sign(phase="picked-wrong", card=card.pk, choice=choice.pk)
        return HttpResponseRedirect(f"{study_url(data['topic'])}?show={token}")
    queue = build_queue(card.learner, now, data["topic"] or None)
    single_card_queue(card, now, queue)
    context = card_context(
        queue,
        topic=card.question.fact.topic if data["topic"] else None,
        phase="picked-wrong",
        picked=choice,
        announce=gettext("Not quite. Graded Again: this card comes back soon."),
    )
    return render(request, "quiz/study.html#swap", context)


def record(
    request: HttpRequest, data: dict, *, rating: int, now: datetime.datetime, token: dict | None = None
) -> tuple[CardState, bool]:
    """Grade the card in one transaction, exactly once per review id.

    Returns the card and whether this request saved the answer (False when it
    repeats one already saved). The card row is locked, so of two identical
    POSTs (double click, retry, back button) the second sees the new version
    and finds the first's log row."""
    try:
        with transaction.atomic():
            card = card_for_learner(request, data["card"], lock=True)
            if card.version != data["version"]:
                if ReviewLog.objects.filter(learner_id=card.learner_id, review_id=data["review"]).exists():
                    return card, False
                check_version(card, data)
            if card.question.kind != Question.Kind.FLASHCARD and rating != 1:
                if not token or token.get("phase") != "picked-right" or token.get("card") != card.pk:
                    raise Problem(400, gettext("Pick the right answer before grading. Nothing was saved."))
                if token.get("review") != str(data["review"]):
                    raise Problem(400, gettext("This grade does not match the answer you picked. Nothing was saved."))
            card.record_review(
                rating=rating,
                review_id=data["review"],
                now=now,
                duration_ms=duration_ms(data["shown_at"], now),
                language=get_language(),
            )
            return card, True
    except IntegrityError:
        # The unique (learner, review id) constraint caught a duplicate the lock did not.
        return card_for_learner(request, data["card"]), False


@require_POST
@handle
def grade(request: HttpRequest) -> HttpResponse:
    data = valid_form(GradeForm, request)
    token = unsign(data["token"]) if data["token"] else None
    if data["token"] and token is None:
        raise Problem(
            400, gettext("This answer could not be read (%(fields)s). Nothing was saved.") % {"fields": "token"}
        )
    now = timezone.now()
    card, saved = record(request, data, rating=data["rating"], now=now, token=token)
    if not request.htmx:
        return HttpResponseRedirect(study_url(data["topic"] or None))
    queue = build_queue(card.learner, now, data["topic"] or None)
    if not saved:
        announce = gettext("That answer was already saved.")
    else:
        announce = gettext("Graded %(grade)s. This card comes back in %(interval)s.") % {
            "grade": grade_names()[data["rating"]],
            "interval": interval(card.due - now),
        }
    topic = card.question.fact.topic if data["topic"] else None
    return render(request, "quiz/study.html#swap", card_context(queue, topic=topic, announce=announce))


@require_POST
@handle
def undo(request: HttpRequest) -> HttpResponse:
    """Take back the learner's own most recent answer: the card's state is put back exactly."""
    topic_slug = request.POST.get("topic") or None
    learner = get_learner(request, create=False)
    if learner is None:
        raise Problem(409, gettext("There is no answer to undo."))
    with transaction.atomic():
        log = ReviewLog.objects.select_for_update().filter(learner=learner).order_by("-id").first()
        if log is None:
            raise Problem(409, gettext("There is no answer to undo."))
        card = CardState.objects.select_for_update().get(learner=learner, question_id=log.question_id)
        card.undo(log)
    if not request.htmx:
        return HttpResponseRedirect(study_url(topic_slug))
    now = timezone.now()
    queue = build_queue(learner, now, topic_slug)
    topic = Topic.objects.filter(slug=topic_slug).first() if topic_slug else None
    return render(
        request,
        "quiz/study.html#swap",
        card_context(queue, topic=topic, announce=gettext("Your last answer was undone.")),
    )


@require_POST
@handle
def more_new(request: HttpRequest) -> HttpResponse:
    """Allow another batch of new cards today."""
    topic_slug = request.POST.get("topic") or None
    learner = get_learner(request)
    today = scheduling.local_date(timezone.now(), learner.time_zone)
    batch = learner.new_per_day or 10
    learner.extra_new = learner.extra_new_today(today) + batch
    learner.extra_new_on = today
    learner.save(update_fields=["extra_new", "extra_new_on"])
    if not request.htmx:
        return HttpResponseRedirect(study_url(topic_slug))
    queue = build_queue(learner, timezone.now(), topic_slug)
    topic = Topic.objects.filter(slug=topic_slug).first() if topic_slug else None
    announce = ngettext("%(count)d more new card for today.", "%(count)d more new cards for today.", batch) % {
        "count": batch
    }
    return render(request, "quiz/study.html#swap", card_context(queue, topic=topic, announce=announce))


@require_http_methods(["GET", "POST"])
def study_settings(request: HttpRequest) -> HttpResponse:
    learner = get_learner(request)
    form = SettingsForm(request.POST or None, instance=learner)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("Your study settings were saved."))
        return HttpResponseRedirect(reverse("quiz:study-settings"))
    return render(request, "quiz/settings.html", {"form": form}, status=400 if form.errors else 200)
