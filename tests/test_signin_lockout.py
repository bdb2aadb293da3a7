"""Sign-in lockouts (django-axes) that cannot be reset by signing in to
another account, and that do not hold an account's owner out: a browser that
signed in before is counted per (username, address) only, and a completed
password reset lifts the lock (issue 17, findings 1 and 5)."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase 17"


def sign_in(client: Client, username: str, password: str, **extra):
    return client.post("/account/signin/", {"username": username, "password": password}, **extra)


def browser(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def lock_out_from_elsewhere(username: str, failures: int) -> None:
    """An attacker's wrong guesses at `username`, each from an address of its own."""
    for n in range(failures):
        sign_in(browser(f"198.51.100.{n + 1}"), username, "a wrong guess")


def test_signing_in_to_ones_own_account_does_not_clear_guesses_at_another(alice, bob, settings):
    attacker = browser("203.0.113.5")
    for _round in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            sign_in(attacker, "bob", "a wrong guess")
        sign_in(browser("203.0.113.5"), "alice", PASSWORD)
    # Twelve guesses at bob: his username is locked, whoever tries it from wherever.
    assert sign_in(browser("192.0.2.77"), "bob", PASSWORD).status_code == 429


def test_signing_in_forgives_ones_own_mistakes(alice, settings):
    mine = browser("192.0.2.10")
    for _round in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(mine, "alice", "a typo").status_code == 200
        assert sign_in(mine, "alice", PASSWORD).status_code == 302
        mine.post("/account/signout/")


def test_an_attacker_cannot_lock_the_owner_out_of_a_browser_she_signed_in_from(alice, settings):
    mine = browser("192.0.2.10")
    assert sign_in(mine, "alice", PASSWORD).status_code == 302
    mine.post("/account/signout/")
    lock_out_from_elsewhere("alice", 2 * settings.AXES_FAILURE_LIMIT)
    # A new browser is locked out, even with the right password...
    assert sign_in(browser("192.0.2.11"), "alice", PASSWORD).status_code == 429
    # ... the one she signed in from before is not.
    assert sign_in(mine, "alice", PASSWORD).status_code == 302


def test_a_completed_password_reset_lifts_the_lock_on_a_new_browser(alice, settings):
    lock_out_from_elsewhere("alice", 2 * settings.AXES_FAILURE_LIMIT)
    new = browser("192.0.2.11")
    locked = sign_in(new, "alice", PASSWORD)
    assert locked.status_code == 429
    assert 'href="/account/password/reset/"' in locked.content.decode()
    new.post("/account/password/reset/", {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", str(mail.outbox[-1].body)).group(1)
    form = new.get(link, follow=True)
    set_password = form.redirect_chain[-1][0]
    done = new.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert sign_in(new, "alice", NEW_PASSWORD).status_code == 302


def test_a_device_cookie_lifts_only_its_own_usernames_lock(alice, bob, settings):
    mine = browser("192.0.2.10")
    assert sign_in(mine, "alice", PASSWORD).status_code == 302
    mine.post("/account/signout/")
    lock_out_from_elsewhere("bob", 2 * settings.AXES_FAILURE_LIMIT)
    assert sign_in(mine, "bob", PASSWORD).status_code == 429


def test_a_forged_device_cookie_is_ignored(alice, settings):
    from quiz.accounts import DEVICE_COOKIE

    lock_out_from_elsewhere("alice", 2 * settings.AXES_FAILURE_LIMIT)
    forged = browser("192.0.2.10")
    forged.cookies[DEVICE_COOKIE] = "alice:nonce:forged-signature"
    assert sign_in(forged, "alice", PASSWORD).status_code == 429


def test_the_device_cookie_is_http_only_and_names_no_secret(alice):
    from quiz.accounts import DEVICE_COOKIE

    mine = browser("192.0.2.10")
    response = sign_in(mine, "alice", PASSWORD)
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"]
    assert PASSWORD not in cookie.value


def test_wrong_passwords_from_a_known_browser_still_lock_that_browser(alice, settings):
    mine = browser("192.0.2.10")
    assert sign_in(mine, "alice", PASSWORD).status_code == 302
    mine.post("/account/signout/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(mine, "alice", "a wrong guess")
    assert sign_in(mine, "alice", PASSWORD).status_code == 429
