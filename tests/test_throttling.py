"""Limits per client address and per username: sign-in (django-axes), sign-up
and password reset (quiz/throttle.py). A throttled request gets a 429 page in
the learner's language saying when to try again."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone

from quiz.models import CardState, Learner, Question, QuizAttempt, ReviewLog
from tests.html_forms import hidden_fields
from tests.study_helpers import answer_current_card

PASSWORD = "correct horse battery"
# 20 minutes into an hour's window: 40 minutes are left.
NOW = 1_800_000_000.0 - 1_800_000_000.0 % 3600 + 20 * 60
SETTINGS = {"desired_retention": "0.9", "new_per_day": "10", "max_reviews_per_day": "200", "time_zone": "UTC"}


@pytest.fixture
def at_a_fixed_time():
    with mock.patch("quiz.throttle.time.time", return_value=NOW):
        yield


def main_content(response) -> str:
    """The page's main region, without its CSRF token (new on every response)."""
    main = re.search(r"<main.*</main>", response.content.decode(), re.S).group()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def sign_up(client, username: str, **extra):
    data = {"username": username, "password1": "a long passphrase 42", "password2": "a long passphrase 4"}
    return client.post("/account/signup/", data, **extra)


def test_sign_ups_from_one_address_are_limited_and_told_when_to_try_again(client, db, settings, at_a_fixed_time):
    settings.THROTTLE_SIGNUPS_PER_HOUR = 2
    assert [sign_up(client, f"fern{n}").status_code for n in range(2)] == [400, 400]
    response = sign_up(client, "fern3")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(40 * 60)
    html = response.content.decode()
    assert "<h1>Too many attempts</h1>" in html
    assert "Please try again in 40 minutes." in html
    # Another address is not held up; looking at the form is not limited.
    assert sign_up(client, "fern4", REMOTE_ADDR="198.51.100.7").status_code == 400
    assert client.get("/account/signup/").status_code == 200


def test_a_throttled_sign_up_creates_nothing(client, db, settings, at_a_fixed_time):
    settings.THROTTLE_SIGNUPS_PER_HOUR = 0
    data = {"username": "fern", "password1": "a long passphrase 42", "password2": "a long passphrase 42"}
    assert client.post("/account/signup/", data).status_code == 429
    assert not User.objects.filter(username="fern").exists()


def test_the_throttled_page_speaks_the_learners_language(client, db, settings, at_a_fixed_time):
    settings.THROTTLE_SIGNUPS_PER_HOUR = 0
    response = client.post("/es/account/signup/", {"username": "fern"})
    assert response.status_code == 429
    assert '<html lang="es"' in response.content.decode()
    assert "Vuelva a intentarlo dentro de 40 minutos." in response.content.decode()


def test_sign_up_says_a_name_is_taken_only_as_often_as_the_limit_allows(client, alice, settings, at_a_fixed_time):
    """The decision: sign-up must say that a username is taken (the person
    choosing it has to pick another), which sign-in never says. Hiding it
    would make sign-up unusable, so instead every sign-up POST counts against
    the per-address limit: names can be checked a few times an hour, not
    enumerated. Past the limit, a taken and a free name get the same page."""
    settings.THROTTLE_SIGNUPS_PER_HOUR = 1
    taken = sign_up(client, "alice")
    assert "A user with that username already exists." in taken.content.decode()
    refused = [sign_up(client, name) for name in ("alice", "nobody-has-this")]
    assert [r.status_code for r in refused] == [429, 429]
    assert main_content(refused[0]) == main_content(refused[1])
    # Sign-in answers the same for a wrong password and an unknown name.
    wrong = main_content(client.post("/account/signin/", {"username": "alice", "password": "wrong"}))
    unknown = main_content(client.post("/account/signin/", {"username": "nobody-has-this", "password": "wrong"}))
    assert "Please enter a correct username and password." in wrong
    assert wrong.replace("alice", "nobody-has-this") == unknown


def test_password_reset_requests_are_limited_per_address(client, alice, settings, at_a_fixed_time):
    settings.THROTTLE_PASSWORD_RESETS_PER_HOUR = 2
    for _ in range(2):
        assert client.post("/account/password/reset/", {"email": "alice@example.org"}).status_code == 302
    response = client.post("/account/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 429
    assert "Please try again in 40 minutes." in response.content.decode()
    assert len(mail.outbox) == 2


def test_one_address_cannot_try_many_usernames(client, db, settings):
    """A wrong password for each of several names, from one address: that address is locked out."""
    User.objects.create_user("alice", "", PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/account/signin/", {"username": f"user{n}", "password": "wrong"}).status_code == 200
    assert client.post("/account/signin/", {"username": "someone", "password": "wrong"}).status_code == 429
    # Even alice's right password, from that address.
    locked = client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "too many wrong passwords, for this account or from your connection" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # From elsewhere alice signs in.
    assert (
        client.post(
            "/account/signin/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
        ).status_code
        == 302
    )


def test_one_username_cannot_be_tried_from_many_addresses(client, db, settings):
    User.objects.create_user("alice", "", PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/account/signin/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{n + 1}")
    response = client.post("/account/signin/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.50")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_up_still_works_while_the_shared_cache_is_down(client, db, settings, caplog):
    # Nothing listens on port 1: every cache call fails at once.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    data = {"username": "fern", "password1": "a long passphrase 42", "password2": "a long passphrase 42"}
    response = client.post("/account/signup/", data)
    assert response.status_code == 302
    assert User.objects.filter(username="fern").exists()
    assert "Request limit signup not counted" in caplog.text


def test_one_ipv6_network_cannot_try_many_usernames_from_many_of_its_addresses(client, db, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/account/signin/", {"username": f"user{n}", "password": "wrong"}, REMOTE_ADDR=f"2001:db8:1:2::{n + 1}"
        )
    response = client.post(
        "/account/signin/", {"username": "someone", "password": "wrong"}, REMOTE_ADDR="2001:db8:1:2:ffff::9"
    )
    assert response.status_code == 429
    # The next /64 is another client.
    other = client.post("/account/signin/", {"username": "someone", "password": "wrong"}, REMOTE_ADDR="2001:db8:1:3::1")
    assert other.status_code == 200


def test_sign_ups_from_one_ipv6_network_share_a_limit(client, db, settings, at_a_fixed_time):
    settings.THROTTLE_SIGNUPS_PER_HOUR = 1
    assert sign_up(client, "fern1", REMOTE_ADDR="2001:db8:1:2::1").status_code == 400
    assert sign_up(client, "fern2", REMOTE_ADDR="2001:db8:1:2::2").status_code == 429


def test_reset_mails_to_one_account_are_limited_silently_whoever_asks(client, alice, settings, at_a_fixed_time):
    settings.THROTTLE_PASSWORD_RESETS_PER_ACCOUNT_PER_DAY = 2
    responses = [
        client.post("/account/password/reset/", {"email": "alice@example.org"}, REMOTE_ADDR=f"198.51.100.{n}")
        for n in range(4)
    ]
    # Every request gets the same answer, so the limit tells nothing about the account.
    assert {(r.status_code, r.headers["Location"]) for r in responses} == {(302, "/account/password/reset/sent/")}
    assert len(mail.outbox) == 2


# --- Rows from anonymous POSTs (issue 17, finding 6) ---------------------------


def first_answer(client, **extra):
    """A visitor's first answer: a flashcard graded, or a wrong pick (both save a review)."""
    page = client.get("/study/").content.decode()
    fields = hidden_fields(page)
    question = Question.objects.get(pk=fields["question"])
    if question.is_flashcard:
        return client.post("/study/grade/", {**fields, "rating": 3}, **extra)
    wrong = question.choices.filter(is_correct=False).first()
    return client.post("/study/answer/", {**fields, "choice": wrong.pk}, **extra)


def test_new_guests_from_one_address_are_limited(db, content, settings, at_a_fixed_time):
    settings.THROTTLE_NEW_GUESTS_PER_HOUR = 2
    assert Client().post("/quiz/").status_code == 302
    assert Client().post("/study/settings/", SETTINGS).status_code == 302
    refused = Client()
    response = refused.post("/quiz/")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(40 * 60)
    assert "Please try again in 40 minutes." in response.content.decode()
    assert Learner.objects.count() == 2 and QuizAttempt.objects.count() == 1
    assert Session.objects.count() == 2  # the refused visitor has none
    assert refused.post("/study/more/", {}).status_code == 429
    # The study loop's htmx answer: the message in its live region, nothing saved.
    answered = first_answer(refused, headers={"HX-Request": "true"})
    assert answered.status_code == 429
    assert answered.headers["HX-Retarget"] == "#study-status"
    assert ReviewLog.objects.count() == 0 and Learner.objects.count() == 2
    # Another address is not held up, and a guest who exists goes on studying.
    assert Client(REMOTE_ADDR="198.51.100.7").post("/quiz/").status_code == 302
    assert Learner.objects.count() == 3


def test_answers_per_learner_per_day_are_limited_and_a_refused_one_saves_nothing(alice_client, alice, settings):
    settings.REVIEWS_PER_DAY_LIMIT = 3
    for _ in range(3):
        assert answer_current_card(alice_client, htmx=True).status_code == 200
    page = alice_client.get("/study/").content.decode()
    card_before = list(CardState.objects.filter(learner__user=alice).values())
    response = first_answer(alice_client, headers={"HX-Request": "true"})
    assert response.status_code == 429
    assert response.headers["HX-Retarget"] == "#study-status"
    assert "today" in response.content.decode()
    plain = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 3})
    assert plain.status_code == 429
    assert ReviewLog.objects.filter(learner__user=alice).count() == 3
    assert list(CardState.objects.filter(learner__user=alice).values()) == card_before
    # The learner's next local day starts afresh.
    Learner.objects.filter(user=alice).update(time_zone="America/New_York")
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        assert answer_current_card(alice_client, htmx=True).status_code == 200
    assert ReviewLog.objects.filter(learner__user=alice).count() == 4


def test_quiz_attempts_per_learner_per_day_are_limited(alice_client, alice, settings):
    settings.QUIZ_ATTEMPTS_PER_DAY = 2
    assert [alice_client.post("/quiz/").status_code for _ in range(2)] == [302, 302]
    response = alice_client.post("/quiz/")
    assert response.status_code == 429
    assert "<h1>" in response.content.decode()
    assert QuizAttempt.objects.filter(learner__user=alice).count() == 2
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        assert alice_client.post("/quiz/").status_code == 302


def test_a_persons_full_day_of_study_and_quizzes_passes_the_limits(client, content):
    """Under the default limits: the settings saved, every card of the deck answered, and five quizzes."""
    assert client.post("/study/settings/", {**SETTINGS, "new_per_day": "200"}).status_code == 302
    answered = Question.objects.published().count()
    for _ in range(answered):
        assert answer_current_card(client, htmx=True).status_code == 200
    for _ in range(5):
        assert client.post("/quiz/").status_code == 302
    assert ReviewLog.objects.count() == answered
    assert Learner.objects.count() == 1
