"""A session that holds progress lives as long as it is used: its expiry slides
forward, renewed at most once a day."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from quiz.learners import SESSION_KEY, keep_session, kept_until
from quiz.models import Learner
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
