"""Two-step sign-in in a real browser: the set-up page's QR code passes the
CSP (no inline style) and the pages are accessible; then signing in asks for
the code (issue 17, finding 10)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticToken
from playwright.sync_api import Page, expect

from tests.e2e.test_study_journey import assert_accessible, collect_console_errors
from tests.test_second_factor import current_code

PASSWORD = "a long passphrase 42"


def sign_in(page: Page, site: str) -> None:
    page.goto(f"{site}/account/signin/")
    page.get_by_label("Username").fill("fern")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_learner_sets_up_two_step_sign_in_and_then_needs_a_code(live_server, content, page: Page):
    errors = collect_console_errors(page)
    fern = User.objects.create_user("fern", "fern@example.org", PASSWORD)
    site = live_server.url
    sign_in(page, site)
    page.goto(f"{site}/account/")
    page.get_by_role("link", name="Two-step sign-in settings").click()
    page.get_by_role("button", name="Set up two-step sign-in").click()
    expect(page.locator("svg.qr-code")).to_be_visible()
    box = page.locator("svg.qr-code").bounding_box()
    assert box is not None and box["width"] > 100
    assert_accessible(page)

    page.get_by_label("Code from the app").fill(current_code(fern))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, site)
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    # A recovery code: the app's code of this half-minute was used up by the set-up.
    page.get_by_label("Code").fill(StaticToken.objects.filter(device__user=fern).values_list("token", flat=True)[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site}/progress/")
    assert errors == []
