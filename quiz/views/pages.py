from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from quiz.models import Fact, Provenance, Topic


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.with_published_facts().order_by("position", "slug")
    warning_signs = Fact.objects.warning_signs().select_related("topic")
    return render(request, "quiz/home.html", {"topics": topics, "warning_signs": warning_signs})


@require_GET
def learn(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.with_published_facts().order_by("position", "slug")
    provenance = Provenance.of(Fact.objects.published().select_related("source"))
    return render(request, "quiz/learn.html", {"topics": topics, "provenance": provenance})


@require_GET
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    topic: Topic = get_object_or_404(
        Topic.objects.prefetch_related(
            Prefetch("facts", Fact.objects.published().select_related("source"), to_attr="published_facts")
        ),
        slug=slug,
    )
    facts = topic.published_facts
    return render(
        request,
        "quiz/topic.html",
        {
            "topic": topic,
            "warning_facts": [fact for fact in facts if fact.is_warning_sign],
            "facts": [fact for fact in facts if not fact.is_warning_sign],
            # The doctor page leads with the same bottom line as the home page.
            "bottom_line": topic.slug == Topic.WARNING_SIGNS,
            "provenance": Provenance.of(facts),
        },
    )


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    # The purge period is a setting (purge_guests); say what it is, not what it was.
    days = getattr(settings, "GUEST_RETENTION_DAYS", 365)
    return render(request, "quiz/privacy.html", {"guest_retention_days": days})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponsePermanentRedirect(static("favicon.svg"))
