"""A session that holds progress lives as long as it is used: its expiry slides
forward, renewed at most once a day."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory

from quiz.learners import SESSION_KEY, keep_session, kept_until
from quiz.models import Learner
from quiz.sessions import SIGNED_IN_AT
from tests.study_helpers import answer_current_card

UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOURS = datetime.timedelta(hours=1)
DAYS = datetime.timedelta(days=1)
YEAR = 365 * DAYS


class Clock:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now


@pytest.fixture
def clock():
    clock = Clock(T0)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock.now):
        yield clock


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_a_visitors_first_saved_answer_keeps_the_session_for_a_year(client, content, clock):
    answer_current_card(client, rating=3)

    # The cookie as last sent (whether the learner was made on the first look or the first answer).
    assert int(client.cookies["sessionid"]["max-age"]) == YEAR.total_seconds()
    assert session_row(client).expire_date == T0 + YEAR
    assert Learner.objects.get().last_active_at == T0


def test_the_cookie_is_sent_again_after_a_day_of_use_but_not_on_every_request(client, content, clock):
    answer_current_card(client, rating=3)
    learner = Learner.objects.get()

    clock.now = T0 + 23 * HOURS
    response = client.get("/study/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert session_row(client).expire_date == T0 + YEAR
    learner.refresh_from_db()
    assert learner.last_active_at == T0

    clock.now = T0 + 25 * HOURS
    response = client.get("/study/")
    assert int(response.cookies["sessionid"]["max-age"]) == YEAR.total_seconds()
    assert session_row(client).expire_date == T0 + 25 * HOURS + YEAR
    learner.refresh_from_db()
    assert learner.last_active_at == T0 + 25 * HOURS

    clock.now = T0 + 26 * HOURS
    assert "sessionid" not in client.get("/study/").cookies


def test_a_visitor_who_keeps_coming_back_keeps_their_progress_past_the_old_two_weeks(client, content, clock):
    answer_current_card(client, rating=3)
    learner = Learner.objects.get()
    for day in range(1, 60, 10):
        clock.now = T0 + day * DAYS
        assert client.get("/study/").status_code == 200
    clock.now = T0 + 400 * DAYS
    client.get("/study/")
    assert client.session[SESSION_KEY] == learner.pk
    assert session_row(client).expire_date == T0 + 400 * DAYS + YEAR


def test_a_signed_in_users_session_slides_too(client, alice, alice_learner, content, clock):
    client.force_login(alice)
    response = client.get("/study/")
    assert int(response.cookies["sessionid"]["max-age"]) == YEAR.total_seconds()
    assert session_row(client).expire_date == T0 + YEAR
    assert Learner.objects.get(user=alice).last_active_at == T0


def test_a_visitor_who_saved_nothing_keeps_the_default_session(client, content, clock, settings):
    client.get("/")
    assert "sessionid" not in client.cookies
    session = SessionStore()
    session["something"] = "else"
    assert not keep_session(session, T0)
    assert session.get_expiry_age(modification=T0) == settings.SESSION_COOKIE_AGE


def test_renewal_follows_the_setting_even_when_it_was_lowered(db, settings):
    learner = Learner.objects.create(last_active_at=T0)
    session = SessionStore()
    session[SESSION_KEY] = learner.pk
    assert keep_session(session, T0)
    assert not keep_session(session, T0 + 12 * HOURS)

    settings.GUEST_SESSION_DAYS = 30
    assert keep_session(session, T0 + 13 * HOURS)
    assert session.get_expiry_date() == T0 + 13 * HOURS + 30 * DAYS
    learner.refresh_from_db()
    assert learner.last_active_at == T0 + 13 * HOURS


def test_a_session_meant_to_end_with_the_browser_is_left_alone(db):
    session = SessionStore()
    session[SESSION_KEY] = Learner.objects.create().pk
    session.set_expiry(0)
    assert not keep_session(session, T0)
    assert session.get_expire_at_browser_close()


def test_kept_until_tells_the_date_the_progress_is_kept_until(client, content, clock):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    assert kept_until(request) is None

    answer_current_card(client, rating=3)
    request.session = SessionStore(client.cookies["sessionid"].value)
    assert kept_until(request) == T0 + YEAR


# --- Lifetimes of signed-in sessions (issue 17, finding 11) -------------------
# Staff sessions end after STAFF_SESSION_IDLE_MINUTES (30) without a request and
# STAFF_SESSION_HOURS (12) after sign-in; a learner's signed-in session after
# ACCOUNT_SESSION_MAX_DAYS (400), however often it is used. Sign-in is at T0.
MINUTES = datetime.timedelta(minutes=1)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/account/signin/?next=")


@pytest.mark.parametrize("person", ["charlie", "root"])
def test_a_staff_session_ends_after_thirty_idle_minutes(client, clock, person, request):
    client.force_login(request.getfixturevalue(person))
    clock.now = T0 + 29 * MINUTES
    assert client.get("/account/").status_code == 200
    clock.now = T0 + 58 * MINUTES  # 29 minutes after the last request
    assert client.get("/account/").status_code == 200
    clock.now = T0 + 89 * MINUTES  # 31 minutes after it
    response = client.get("/account/")
    assert sent_to_sign_in(response)
    assert not signed_in(client)


def test_a_staff_session_in_constant_use_ends_twelve_hours_after_sign_in(client, clock, root):
    client.force_login(root)
    for minute in range(20, 12 * 60, 20):
        clock.now = T0 + minute * MINUTES
        assert client.get("/account/").status_code == 200, minute
    clock.now = T0 + 12 * HOURS + MINUTES
    assert sent_to_sign_in(client.get("/account/"))
    assert not signed_in(client)


def test_a_learners_session_in_use_ends_four_hundred_days_after_sign_in(client, clock, alice, content):
    client.force_login(alice)
    client.get("/study/")  # as the sign-in page's redirect would
    for day in (200, 399):
        clock.now = T0 + day * DAYS
        assert client.get("/study/").status_code == 200
        assert signed_in(client), day
    # Never past the absolute end: not even the cookie and the session row.
    assert session_row(client).expire_date == T0 + 400 * DAYS
    clock.now = T0 + 400 * DAYS + MINUTES
    client.get("/study/")
    assert not signed_in(client)


def test_a_learner_is_not_asked_to_sign_in_again_after_an_idle_hour(client, clock, alice, content):
    client.force_login(alice)
    clock.now = T0 + 13 * HOURS
    assert client.get("/study/").status_code == 200
    assert signed_in(client)


def test_a_visitors_session_keeps_only_its_sliding_expiry(client, content, clock):
    answer_current_card(client, rating=3)
    learner = Learner.objects.get()
    for day in (300, 600, 900):
        clock.now = T0 + day * DAYS
        assert client.get("/study/").status_code == 200
        assert client.session[SESSION_KEY] == learner.pk
    assert session_row(client).expire_date == T0 + 900 * DAYS + YEAR


def test_sign_out_everywhere_ends_every_session_of_the_user_and_no_one_elses(
    client, clock, alice, bob, content, caplog
):
    caplog.set_level("INFO", logger="quiz.security")
    phone, laptop, bobs = Client(), Client(), Client()
    phone.force_login(alice)
    laptop.force_login(alice)
    bobs.force_login(bob)

    clock.now = T0 + 5 * MINUTES
    response = laptop.post("/account/signout/everywhere/")
    assert response.status_code == 302
    assert not signed_in(laptop)
    phone.get("/account/")
    assert not signed_in(phone)
    bobs.get("/account/")
    assert signed_in(bobs)
    assert f'"event": "sessions_ended", "user_id": {alice.pk}' in caplog.text

    # Signing in again afterwards works as before.
    clock.now = T0 + 6 * MINUTES
    phone.force_login(alice)
    assert phone.get("/account/").status_code == 200
    assert signed_in(phone)


def test_sign_out_everywhere_is_for_signed_in_users_and_only_by_post(client, alice, db):
    response = client.post("/account/signout/everywhere/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/signin/")
    client.force_login(alice)
    assert client.get("/account/signout/everywhere/").status_code == 405
    assert signed_in(client)


def move_sign_in_back(client, when: datetime.datetime | None) -> None:
    session = client.session
    if when is None:
        del session[SIGNED_IN_AT]
    else:
        session[SIGNED_IN_AT] = when.isoformat()
    session.save()


def test_a_learners_session_signed_in_too_long_ago_is_signed_out_with_a_message(client, clock, alice, content):
    client.force_login(alice)
    move_sign_in_back(client, T0 - 400 * DAYS)
    response = client.get("/progress/", follow=True)
    assert response.redirect_chain[0][0] == "/account/signin/?next=/progress/"
    assert "Your session has ended. Please sign in again." in response.content.decode()
    assert not signed_in(client)


def test_an_htmx_request_of_an_ended_session_is_sent_to_sign_in_as_a_whole_page(client, clock, root):
    client.force_login(root)
    clock.now = T0 + 31 * MINUTES
    response = client.post("/study/more/", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/account/signin/"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert not signed_in(client)


def test_a_session_signed_in_before_sign_in_times_were_kept_counts_from_its_next_request(client, clock, alice, db):
    client.force_login(alice)
    move_sign_in_back(client, None)
    clock.now = T0 + 2 * DAYS
    assert client.get("/account/").status_code == 200
    assert client.session[SIGNED_IN_AT] == (T0 + 2 * DAYS).isoformat()


def test_sign_out_everywhere_also_ends_a_session_from_before_sign_in_times_were_kept(client, clock, alice, db):
    client.force_login(alice)
    move_sign_in_back(client, None)
    laptop = Client()
    laptop.force_login(alice)
    clock.now = T0 + MINUTES
    laptop.post("/account/signout/everywhere/")
    client.get("/account/")
    assert not signed_in(client)


def test_a_staff_session_notes_its_requests_at_most_once_a_minute(client, clock, root):
    client.force_login(root)
    clock.now = T0 + 30 * datetime.timedelta(seconds=1)
    assert session_saved(client.get("/account/")) is False
    clock.now = T0 + 61 * datetime.timedelta(seconds=1)
    assert session_saved(client.get("/account/")) is True


def session_saved(response) -> bool:
    """Whether the response saved the session (and so sent its cookie again)."""
    return "sessionid" in response.cookies


# --- The move to the __Host- session cookie --------------------------------
HOST_COOKIES = {"SESSION_COOKIE_NAME": "__Host-sessionid", "LEGACY_SESSION_COOKIE_NAME": "sessionid"}


def legacy_browser(session_data: dict) -> tuple[Client, str]:
    """A browser that holds its session only under the cookie's old name."""
    session = SessionStore()
    session.update(session_data)
    session.create()
    key = session.session_key
    assert key is not None  # create() made one
    client = Client()
    client.cookies["sessionid"] = key
    return client, key


def test_a_visitors_progress_under_the_old_cookie_name_moves_to_the_new_cookie(content, settings):
    learner = Learner.objects.create()
    settings.SESSION_COOKIE_NAME, settings.LEGACY_SESSION_COOKIE_NAME = HOST_COOKIES.values()
    client, key = legacy_browser({SESSION_KEY: learner.pk})
    response = client.get("/progress/")
    assert response.status_code == 200
    assert response.cookies["__Host-sessionid"].value == key
    assert response.cookies["__Host-sessionid"]["max-age"]
    assert response.cookies["sessionid"].value == ""  # deleted
    # From now on the new cookie alone names the same progress.
    del client.cookies["sessionid"]
    assert client.session[SESSION_KEY] == learner.pk


def test_a_signed_in_session_under_the_old_cookie_name_is_not_carried_over(alice, db, settings):
    from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY

    settings.SESSION_COOKIE_NAME, settings.LEGACY_SESSION_COOKIE_NAME = HOST_COOKIES.values()
    client, key = legacy_browser({USER_SESSION_KEY: str(alice.pk)})
    response = client.get("/account/")
    assert b"Sign out everywhere" not in response.content  # not signed in
    assert response.cookies["sessionid"].value == ""
    # Whatever new cookie comes back names another, empty session, never the old one.
    assert response.cookies.get("__Host-sessionid") is None or response.cookies["__Host-sessionid"].value != key


def test_without_a_legacy_name_the_old_cookie_is_ignored(content, settings):
    learner = Learner.objects.create()
    settings.SESSION_COOKIE_NAME, settings.LEGACY_SESSION_COOKIE_NAME = "__Host-sessionid", ""
    client, _key = legacy_browser({SESSION_KEY: learner.pk})
    response = client.get("/progress/")
    assert "__Host-sessionid" not in response.cookies
    assert "sessionid" not in response.cookies
