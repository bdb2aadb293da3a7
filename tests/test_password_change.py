"""Password change on the account page and in the admin: the old password is
checked through django-axes, as at sign-in, and the forms are limited per user
and per address, since every POST costs a password hash (issue 17, finding 3)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

PASSWORD = "correct horse battery"
NEW_PASSWORD = "another 42 passphrase"
URLS = ["/account/password/", "/admin/password_change/"]


def change(client: Client, url: str, old: str, **extra):
    data = {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    return client.post(url, data, **extra)


@pytest.mark.parametrize("url", URLS)
def test_wrong_old_passwords_count_toward_the_sign_in_lockout(client, charlie, settings, url):
    client.force_login(charlie)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        change(client, url, "a wrong guess")
    signin = Client().post("/account/signin/", {"username": "charlie", "password": PASSWORD})
    assert signin.status_code == 429
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)


@pytest.mark.parametrize("url", URLS)
def test_password_changes_are_limited_per_user_wherever_they_come_from(client, charlie, settings, url):
    settings.THROTTLE_PASSWORD_CHANGES_PER_HOUR = 2
    settings.AXES_FAILURE_LIMIT = 100
    client.force_login(charlie)
    statuses = [change(client, url, "a wrong guess", REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    # Even the right password is refused until the window ends.
    assert change(client, url, PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 429
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)


def test_password_changes_are_limited_per_address_whoever_is_signed_in(alice, bob, settings):
    settings.THROTTLE_PASSWORD_CHANGES_PER_HOUR = 2
    settings.AXES_FAILURE_LIMIT = 100
    first, second = Client(), Client()
    first.force_login(alice)
    second.force_login(bob)
    url = "/account/password/"
    statuses = [change(first, url, "wrong").status_code, change(second, url, "wrong").status_code]
    assert statuses + [change(first, url, "wrong").status_code] == [200, 200, 429]


@pytest.mark.parametrize(("url", "done"), [(URLS[0], "/account/"), (URLS[1], "/admin/password_change/done/")])
def test_a_password_change_and_a_wrong_old_password_are_logged(client, charlie, caplog, url, done):
    caplog.set_level(logging.INFO, logger="quiz.security")
    client.force_login(charlie)
    change(client, url, "a wrong guess")
    response = change(client, url, PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, done)
    charlie.refresh_from_db()
    assert charlie.check_password(NEW_PASSWORD)
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "quiz.security"]
    changes = [(e["outcome"], e.get("wrong_password")) for e in logged if e["event"] == "password_change"]
    assert changes == [("failure", True), ("success", None)]
    assert "a wrong guess" not in caplog.text
