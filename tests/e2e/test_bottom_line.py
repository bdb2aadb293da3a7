"""A worried reader on a phone sees the bottom line without scrolling, in every language."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext

from tests.e2e.test_study_journey import WCAG_TAGS


def phone(browser: Browser) -> BrowserContext:
    """A 390 × 844 phone with a touch screen (PITFALLS, "Phones")."""
    return browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES])
def test_the_home_page_shows_the_bottom_line_above_the_fold_on_a_phone(browser: Browser, live_server, content, code):
    context = phone(browser)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    prefix = "" if code == settings.LANGUAGE_CODE else f"/{code}"
    page.goto(f"{live_server.url}{prefix}/")
    assert page.locator("html").get_attribute("lang") == code
    box = page.evaluate(
        """() => {
            const rect = document.getElementById('bottom-line').getBoundingClientRect();
            return {top: rect.top, bottom: rect.bottom, height: window.innerHeight, scrolled: window.scrollY,
                    width: document.documentElement.scrollWidth, viewport: window.innerWidth};
        }"""
    )
    assert box["scrolled"] == 0
    assert 0 < box["top"] < box["bottom"] <= box["height"], box
    # Nothing wider than the phone pushes the line sideways.
    assert box["width"] <= box["viewport"], box
    assert errors == []
    context.close()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_home_page_with_its_bottom_line_is_accessible_on_a_phone(browser: Browser, live_server, content, code):
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}{'' if code == 'en' else f'/{code}'}/")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    context.close()
