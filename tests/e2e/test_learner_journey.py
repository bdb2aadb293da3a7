"""A learner's whole journey in a real browser: study as a visitor, sign up and
keep those answers, see them on the dashboard, take a quiz in Spanish and study
the questions missed. Also takes the README's screenshots (docs/), when asked
with UPDATE_SCREENSHOTS=1 (`make screenshots`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from quiz.models import Learner, Question, QuizAttempt, ReviewLog
from tests.e2e.test_study_journey import (
    assert_accessible,
    card_on_screen,
    collect_console_errors,
    press_and_settle,
    right_choice_number,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
STUDIED = 4
MISSED = 2


@pytest.fixture
def site(live_server, content):
    return live_server.url


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: docs/ when updating the README's, else a scratch folder."""
    return DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path


def study_by_keyboard(page: Page, cards: int) -> None:
    """Answer the cards on screen by keyboard: reveal or pick the right choice, then Good."""
    for _ in range(cards):
        card = card_on_screen(page)
        if card.question.is_flashcard:
            press_and_settle(page, "Space")
        else:
            press_and_settle(page, str(right_choice_number(card)))
        press_and_settle(page, "3")
        expect(page.locator("#study-status")).not_to_be_empty()


def screenshot(page: Page, path: Path, *, full_page: bool = False) -> None:
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000  # a real picture of a page, not a blank one


def test_a_visitor_studies_signs_up_reviews_the_dashboard_and_studies_what_the_quiz_showed(
    site, browser: Browser, shots: Path
):
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    page = context.new_page()
    errors = collect_console_errors(page)

    # A visitor studies a few cards; nothing is stored until the first answer.
    page.goto(f"{site}/study/")
    assert not Learner.objects.exists()
    study_by_keyboard(page, STUDIED)
    expect(page.locator("#progress-kept")).to_contain_text("Your answers will be kept in this browser.")
    page.goto(f"{site}/study/")
    expect(page.locator("#progress-kept")).to_contain_text("Your progress is kept in this browser until")
    if card_on_screen(page).question.is_flashcard:
        press_and_settle(page, "Space")  # the answer with its grade buttons, for the picture
    screenshot(page, shots / "study.png")

    # Signing up keeps those answers.
    page.goto(f"{site}/account/signup/")
    page.locator("#id_username").fill("rosa")
    page.locator("#id_password1").fill("a long and quiet river")
    page.locator("#id_password2").fill("a long and quiet river")
    page.get_by_role("button", name="Create an account").click()
    expect(page).to_have_url(f"{site}/progress/")
    learner = Learner.objects.get(user__username="rosa")
    assert ReviewLog.objects.filter(learner=learner).count() == STUDIED
    assert not Learner.objects.filter(user__isnull=True).exists()

    # The dashboard shows them: today's count, the calendar and the stages.
    reviews_today = page.locator(".stat-grid > div", has_text="Reviews done today").locator("dd")
    expect(reviews_today).to_have_text(str(STUDIED))
    calendar = page.locator("#calendar-desc")
    expect(calendar).to_contain_text(f"Total reviews: {STUDIED}.")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("#progress-kept")).to_contain_text("Your progress is saved in your account")
    assert_accessible(page)
    screenshot(page, shots / "dashboard.png", full_page=True)

    # A quiz in Spanish: the first answers wrong, the rest right.
    page.goto(f"{site}/es/quiz/")
    page.get_by_role("button", name="Empezar el cuestionario").click()
    attempt = QuizAttempt.objects.get(learner=learner)
    for number, question_id in enumerate(attempt.question_ids):
        question = Question.objects.get(pk=question_id)
        choices = list(question.choices.order_by("position", "id"))
        pick = next(c for c in choices if c.is_correct == (number >= MISSED))
        page.locator(f'#quiz-question button[name="choice"][value="{pick.pk}"]').click()
        expect(page.locator("#quiz-status")).not_to_be_empty()
        page.locator('#quiz-question [data-key="next"]').click()
    expect(page.locator("#card-heading")).to_contain_text(f"{len(attempt.question_ids) - MISSED}")

    # Studying the missed ones: each once, in Spanish, as ordinary reviews.
    page.get_by_role("link", name="Estudiar las que fallé").click()
    expect(page.locator("h1")).to_have_text("Estudiar: las preguntas que falló")
    missed = attempt.question_ids[:MISSED]
    for question_id in missed:
        assert card_on_screen(page).question.pk == question_id
        study_by_keyboard(page, 1)
    expect(page.locator("#card")).to_contain_text("Ha estudiado todas las preguntas que falló")
    studied_again = ReviewLog.objects.filter(learner=learner, question_id__in=missed, language="es")
    assert studied_again.count() == MISSED
    assert errors == []
    context.close()
