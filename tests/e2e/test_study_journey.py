"""A new visitor studies in a real browser: by keyboard with JavaScript, and by
clicking without it. Playwright drives Chromium against the live server."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from quiz.models import CardState, Question, ReviewLog

CARDS = 5
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def site(live_server, content):
    return live_server.url


def collect_console_errors(page: Page) -> list[str]:
    """Console errors (CSP violations included) of `page`, collected from now on."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors of the test's page."""
    return collect_console_errors(page)


def card_on_screen(page: Page) -> CardState:
    question_id = page.locator('#card input[name="question"]').first.get_attribute("value")
    return CardState(question=Question.objects.get(pk=int(question_id or 0)))


def right_choice_number(card: CardState) -> int:
    choices = list(card.question.choices.order_by("position", "id"))
    return next(index for index, choice in enumerate(choices, start=1) if choice.is_correct)


def press_and_settle(page: Page, key: str) -> None:
    """Press a key and wait until htmx has settled the swap it causes: focus then
    lands on the new card's heading (a full page load would not focus it)."""
    old = page.evaluate_handle("document.getElementById('card-heading')")
    page.keyboard.press(key)
    page.wait_for_function(
        "old => document.activeElement.id === 'card-heading' && document.activeElement !== old", arg=old
    )


def assert_accessible(page: Page) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()


def test_a_visitor_studies_five_cards_by_keyboard_without_a_page_reload(site, page: Page, console_errors):
    page.goto(f"{site}/study/")
    # A marker that a full page load would wipe out: only htmx swaps may happen.
    page.evaluate("window.__noReload = true")
    assert_accessible(page)
    status = page.locator("#study-status")

    for number in range(1, CARDS + 1):
        card = card_on_screen(page)
        if card.question.kind == Question.Kind.FLASHCARD:
            press_and_settle(page, "Space")
            expect(page.locator("#card .answer")).to_be_visible()
        else:
            press_and_settle(page, str(right_choice_number(card)))
            expect(status).to_contain_text("Right.")
        expect(page.locator('#card [data-key="3"]')).to_be_visible()
        if number == 1:
            assert_accessible(page)  # the revealed card with its grade buttons
        press_and_settle(page, "3")
        expect(status).to_contain_text("Graded")
        assert ReviewLog.objects.count() == number

    press_and_settle(page, "u")
    expect(status).to_contain_text("Your last answer was undone.")
    assert ReviewLog.objects.count() == CARDS - 1
    assert page.evaluate("window.__noReload") is True
    assert_accessible(page)
    assert console_errors == []


def test_the_same_journey_works_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    console_errors = collect_console_errors(page)
    page.goto(f"{site}/study/")

    for number in range(1, CARDS + 1):
        card = card_on_screen(page)
        if card.question.kind == Question.Kind.FLASHCARD:
            page.get_by_role("button", name="Show answer").click()
            expect(page.locator("#card .answer")).to_be_visible()
        else:
            right = card.question.choices.get(is_correct=True)
            page.locator(f'#card button[name="choice"][value="{right.pk}"]').click()
            expect(page.locator("#card .right")).to_be_visible()
        page.locator('#card button[name="rating"][value="3"]').click()
        expect(page.get_by_text(f"Today: {number} of")).to_be_visible()
        assert ReviewLog.objects.count() == number

    page.get_by_role("button", name="Undo last answer").click()
    expect(page.get_by_text(f"Today: {CARDS - 1} of")).to_be_visible()
    assert ReviewLog.objects.count() == CARDS - 1
    assert console_errors == []
    context.close()


def test_every_language_renders_the_study_page_accessibly(site, page: Page, console_errors):
    for code in ["ar", "zh-hans", "hi"]:
        page.goto(f"{site}/{code}/study/")
        expect(page.locator("html")).to_have_attribute("lang", code)
        assert_accessible(page)
    assert console_errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/learn/when-to-worry/",
        "/study/settings/",
        "/quiz/",
        "/progress/",
        "/account/signup/",
        "/account/",
        "/account/reset-progress/",
        "/privacy/",
    ],
)
def test_other_pages_are_accessible(site, page: Page, console_errors, path):
    page.goto(f"{site}{path}")
    assert_accessible(page)
    assert console_errors == []


def test_a_quiz_by_keyboard(site, page: Page, console_errors):
    page.goto(f"{site}/quiz/")
    page.get_by_role("button", name="Start the quiz").click()
    page.evaluate("window.__noReload = true")
    status = page.locator("#quiz-status")
    for _ in range(3):
        question_id = page.locator('#quiz-question input[name="question"]').get_attribute("value")
        question = Question.objects.get(pk=int(question_id or 0))
        choices = list(question.choices.order_by("position", "id"))
        number = next(i for i, choice in enumerate(choices, start=1) if choice.is_correct)
        press_and_settle(page, str(number))
        expect(status).to_have_text("Right.")
        assert_accessible(page)
        press_and_settle(page, "Enter")
    assert page.evaluate("window.__noReload") is True
    assert console_errors == []


def test_the_dark_theme_is_accessible_too(site, browser):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    for path in ["/", "/study/", "/learn/when-to-worry/"]:
        page.goto(f"{site}{path}")
        assert_accessible(page)
    context.close()


def test_pages_fit_a_320_pixel_phone_without_sideways_scrolling(site, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in ["/", "/study/", "/learn/causes/", "/ar/study/", "/de/progress/", "/quiz/", "/study/settings/"]:
        page.goto(f"{site}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    context.close()


def test_a_signed_in_learners_account_pages_are_accessible(site, page: Page, console_errors):
    User.objects.create_user("fern", "fern@example.org", "a long passphrase 42")
    page.goto(f"{site}/account/signin/")
    page.get_by_label("Username").fill("fern")
    page.get_by_label("Password").fill("a long passphrase 42")
    page.get_by_role("button", name="Sign in").click()
    for path in ["/account/", "/account/email/", "/account/password/", "/account/delete/", "/ar/account/"]:
        page.goto(f"{site}{path}")
        assert_accessible(page)
    assert console_errors == []
