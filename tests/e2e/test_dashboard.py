"""The progress dashboard in a real browser: accessible in English and Arabic,
light and dark, and its charts fit a 320 px phone."""

from __future__ import annotations

import datetime
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, expect

from quiz import content_file
from quiz.models import CardState, Learner, Question, QuizAnswer, QuizAttempt, ReviewLog, Topic
from quiz.scheduling import REVIEW, Snapshot

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def site(live_server, transactional_db):
    """The live site with a learner who has studied for a few weeks and taken a quiz."""
    content_file.load()
    user = User.objects.create_user("fern", "fern@example.org", "correct horse battery")
    learner = Learner.objects.create(user=user)
    now = timezone.now()
    questions = list(Question.objects.published()[:30])
    for n, question in enumerate(questions):
        last = now - datetime.timedelta(days=n % 20, hours=2)
        state = Snapshot(
            state=REVIEW,
            stability=float(1 + n),
            difficulty=5.0,
            due=last + datetime.timedelta(days=1 + n),
            last_review=last,
        )
        card = CardState(learner=learner, question=question)
        card.apply(state)
        card.save()
        for day in range(0, 60, 1 + n % 5):
            ReviewLog.objects.create(
                learner=learner,
                question=question,
                review_id=uuid.uuid4(),
                rating=1 + (n + day) % 4,
                reviewed_at=now - datetime.timedelta(days=day, minutes=n),
                duration_ms=8000,
                language="en",
                state_before=state.to_json(),
                state_after=state.to_json(),
            )
    topic = Topic.objects.get(slug="bfs")
    chosen = list(Question.objects.published().filter(fact__topic=topic).exclude(kind=Question.Kind.FLASHCARD)[:3])
    attempt = QuizAttempt.objects.create(
        learner=learner, topic=topic, question_ids=[q.pk for q in chosen], started_at=now, finished_at=now
    )
    for number, question in enumerate(chosen):
        QuizAnswer.objects.create(attempt=attempt, question=question, is_correct=number > 0, answered_at=now)
    return live_server.url


def signed_in_page(browser: Browser, site: str, **context_options):
    """A browser page signed in as fern: the session a test client's login made, as a cookie."""
    client = Client()
    client.force_login(User.objects.get(username="fern"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(**context_options)
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])
    return context, context.new_page()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/progress/", "/ar/progress/"])
def test_the_dashboard_is_accessible(site, browser, color_scheme, path):
    context, page = signed_in_page(browser, site, color_scheme=color_scheme)
    page.goto(f"{site}{path}")
    expect(page.locator("svg.chart-svg")).to_have_count(3)
    # Open the tables too, so that axe checks them.
    for summary in page.locator("details.chart-table > summary").all():
        summary.click()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    context.close()


@pytest.mark.parametrize("path", ["/progress/", "/ar/progress/", "/de/progress/"])
def test_the_charts_fit_a_320_pixel_phone(site, browser, path):
    context, page = signed_in_page(browser, site, viewport={"width": 320, "height": 640})
    page.goto(f"{site}{path}")
    for chart in page.locator("svg.chart-svg").all():
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert box["height"] > 40
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
