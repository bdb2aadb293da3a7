"""In a real browser, a 503 from a database outage shows its message in the
page's live region and leaves the card in place (htmx-config in base.html
lets htmx swap a 503, which it would otherwise drop)."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails
from playwright.sync_api import Page, Route, expect

from quiz.views.common import HtmxHttpRequest
from quiz.views.errors import database_unavailable
from tests.e2e.test_study_journey import assert_accessible


@pytest.fixture
def site(live_server, content):
    return live_server.url


def the_apps_503(route: Route) -> None:
    """Answer the intercepted post with exactly what the app sends during an outage."""
    request = cast(HtmxHttpRequest, RequestFactory().post("/study/reveal/", headers={"HX-Request": "true"}))
    request.htmx = HtmxDetails(request)
    response = database_unavailable(request)
    route.fulfill(
        status=response.status_code,
        headers=dict(response.items()),
        body=response.content,
    )


def test_an_htmx_post_during_an_outage_shows_the_message_and_keeps_the_card(site, page: Page):
    page.goto(f"{site}/study/")
    heading = page.locator("#card-heading").inner_text()
    page.route("**/study/*/", the_apps_503)
    page.locator("#card form button").first.click()
    expect(page.locator("#site-status")).to_have_text(
        "The service is not answering for a moment, so nothing was saved. Please try again."
    )
    expect(page.locator("#card-heading")).to_have_text(heading)
    assert_accessible(page)
