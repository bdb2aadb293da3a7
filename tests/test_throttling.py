"""Limits per client address and per username: sign-in (django-axes), sign-up
and password reset (quiz/throttle.py). A throttled request gets a 429 page in
the learner's language saying when to try again."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail

PASSWORD = "correct horse battery"
# 20 minutes into an hour's window: 40 minutes are left.
NOW = 1_800_000_000.0 - 1_800_000_000.0 % 3600 + 20 * 60


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
