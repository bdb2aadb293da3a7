"""Two-step sign-in (issue 17, finding 10): a second factor for every staff
account to reach the admin, optional for learners, with recovery codes."""

from __future__ import annotations

import json
import logging
import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from quiz import second_factor
from tests.conftest import with_authenticator_app

PASSWORD = "correct horse battery"


def current_code(user: User) -> str:
    """The code `user`'s authenticator app shows now, computed as the app does."""
    return current_code_of(TOTPDevice.objects.get(user=user))


def current_code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "quiz.security"]


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="quiz.security")
    return caplog


@pytest.fixture
def dana(db) -> User:
    """A superuser who has not set up a second factor yet."""
    return User.objects.create_superuser("dana", "dana@example.org", PASSWORD)


@pytest.fixture
def alice_with_app(alice) -> User:
    """alice, with two-step sign-in on: an app and ten recovery codes."""
    with_authenticator_app(alice)
    second_factor.new_recovery_codes(alice)
    return alice


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def admin_sign_in(client: Client, username: str, code: str, password: str = PASSWORD):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password, "code": code})


# --- The admin ----------------------------------------------------------------


def test_staff_without_a_second_factor_are_refused_by_the_admin(client, dana):
    client.force_login(dana)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_sign_in_page_tells_staff_without_one_to_set_it_up_first(client, dana):
    client.force_login(dana)
    html = client.get("/admin/login/").content.decode()
    assert "Turn it on on your account page first" in html
    assert 'href="/account/two-step/"' in html


def test_the_admin_refuses_a_right_password_without_a_second_factor(client, dana):
    response = admin_sign_in(client, "dana", "123456")
    assert response.status_code == 200
    assert "The admin needs two-step sign-in" in response.content.decode()
    assert not is_signed_in(client)


def test_the_admin_signs_staff_in_with_their_password_and_a_code(client, root):
    page = client.get("/admin/login/").content.decode()
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    response = admin_sign_in(client, "root", current_code(root))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_refuses_a_wrong_code_logs_it_and_throttles_the_next(client, root, settings, security_log):
    # A long wait after one wrong code, so the right one just after it is surely refused.
    settings.OTP_TOTP_THROTTLE_FACTOR = 600
    wrong = f"{(int(current_code(root)) + 1) % 1_000_000:06d}"
    response = admin_sign_in(client, "root", wrong)
    assert response.status_code == 200
    assert "This code is not right." in response.content.decode()
    assert not is_signed_in(client)
    assert {"event": "second_factor", "user_id": root.pk, "outcome": "failure"}.items() <= events(security_log)[
        -1
    ].items()

    response = admin_sign_in(client, "root", current_code(root))
    assert "Too many wrong codes" in response.content.decode()
    assert not is_signed_in(client)
    assert events(security_log)[-1]["outcome"] == "refused"
    assert client.get("/admin/").status_code == 302


def test_the_admin_refuses_a_wrong_password_before_any_code(client, root):
    response = admin_sign_in(client, "root", current_code(root), password="wrong")
    assert response.status_code == 200
    assert not is_signed_in(client)
    assert TOTPDevice.objects.get(user=root).throttling_failure_count == 0


def test_a_staff_session_from_the_site_without_a_code_does_not_reach_the_admin(client, erin):
    # Signed in on the site with the password and code, the session is verified;
    # a session signed in some other way (an old one, from before) is not.
    client.post("/account/signin/", {"username": "erin", "password": PASSWORD})
    client.post("/account/signin/code/", {"code": current_code(erin)})
    assert client.get("/admin/").status_code == 200
    other = Client()
    other.force_login(User.objects.create_user("fred", "", PASSWORD, is_staff=True, is_superuser=True))
    assert other.get("/admin/").status_code == 302


# --- Setting it up ---------------------------------------------------------------


def test_setting_it_up_shows_the_secret_and_a_qr_code_and_a_right_code_confirms_it(alice_client, alice, security_log):
    response = alice_client.post("/account/two-step/start/")
    assert response["Location"] == "/account/two-step/setup/"
    page = alice_client.get("/account/two-step/setup/").content.decode()
    device = TOTPDevice.objects.get(user=alice)
    assert not device.confirmed
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
    assert secret and second_factor.grouped_secret(device) == secret.group(1)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<path" in svg and "style=" not in svg  # the CSP allows no inline style
    # Reloading shows the same secret: nothing is made twice.
    alice_client.get("/account/two-step/setup/")
    assert TOTPDevice.objects.filter(user=alice).count() == 1

    wrong = alice_client.post(
        "/account/two-step/setup/", {"code": "000000" if current_code(alice) != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.get(user=alice).confirmed

    # django-otp waits a second after the wrong code before it checks another.
    TOTPDevice.objects.filter(user=alice).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    response = alice_client.post("/account/two-step/setup/", {"code": current_code(alice)})
    assert response["Location"] == "/account/two-step/codes/new/"
    assert TOTPDevice.objects.get(user=alice).confirmed
    response = alice_client.get("/account/two-step/codes/new/")
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == set(codes)
    assert response["Cache-Control"] == "no-store, private"
    # Shown once: a reload goes back to the settings.
    assert alice_client.get("/account/two-step/codes/new/")["Location"] == "/account/two-step/"
    assert [e["action"] for e in events(security_log) if e["event"] == "second_factor"] == ["confirm", "enabled"]


def test_the_set_up_page_without_a_started_set_up_goes_back(alice_client):
    assert alice_client.get("/account/two-step/setup/")["Location"] == "/account/two-step/"
    assert alice_client.post("/account/two-step/setup/", {"code": "123456"})["Location"] == "/account/two-step/"


def test_the_account_page_links_to_the_two_step_settings(alice_client):
    assert 'href="/account/two-step/"' in alice_client.get("/account/").content.decode()


def test_new_recovery_codes_replace_the_old_ones(client, alice_with_app, security_log):
    client.force_login(alice_with_app)  # signed in with a code
    old = set(StaticToken.objects.values_list("token", flat=True))
    client.post("/account/two-step/codes/")
    new = set(client.get("/account/two-step/codes/new/").context["codes"])
    assert len(new) == 10 and not old & new
    assert set(StaticToken.objects.values_list("token", flat=True)) == new
    assert events(security_log)[-1]["action"] == "recovery_codes_renewed"


def test_a_new_phone_replaces_the_old_one(client, alice_with_app):
    client.force_login(alice_with_app)
    old = TOTPDevice.objects.get(user=alice_with_app)
    client.post("/account/two-step/start/")
    new = TOTPDevice.objects.get(user=alice_with_app, confirmed=False)
    client.post("/account/two-step/setup/", {"code": current_code_of(new)})
    assert list(TOTPDevice.objects.filter(user=alice_with_app)) == [new]
    assert TOTPDevice.objects.get(pk=new.pk).confirmed
    assert old.pk != new.pk


def test_a_session_signed_in_without_a_code_cannot_change_codes_or_phone(client, alice, alice_with_app):
    # Signed in before two-step sign-in was turned on (in another browser, say).
    client.force_login(alice)
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    tokens = set(StaticToken.objects.values_list("token", flat=True))
    assert "signed in without a code" in client.get("/account/two-step/").content.decode()
    assert client.post("/account/two-step/codes/").status_code == 403
    assert client.post("/account/two-step/start/").status_code == 403
    assert set(StaticToken.objects.values_list("token", flat=True)) == tokens
    assert TOTPDevice.objects.filter(user=alice).count() == 1


# --- Signing in with it on --------------------------------------------------------


def test_a_learner_with_it_on_needs_the_code_after_the_password(client, alice_with_app, security_log):
    response = client.post("/account/signin/", {"username": "alice", "password": PASSWORD, "next": "/study/"})
    assert response["Location"] == "/account/signin/code/"
    assert not is_signed_in(client)
    assert client.get("/account/two-step/")["Location"].startswith("/account/signin/")

    assert client.post("/account/signin/code/", {"code": "12"}).status_code == 400
    assert not is_signed_in(client)
    assert {"event": "second_factor", "outcome": "failure"}.items() <= events(security_log)[-1].items()

    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    response = client.post("/account/signin/code/", {"code": current_code(alice_with_app)})
    assert response["Location"] == "/study/"
    assert client.session["_auth_user_id"] == str(alice_with_app.pk)
    assert events(security_log)[-1]["event"] == "signin"


def test_a_learner_without_it_signs_in_with_the_password_alone(client, alice):
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert is_signed_in(client)


def test_a_recovery_code_signs_in_once(client, alice_with_app):
    code = StaticToken.objects.filter(device__user=alice_with_app).first().token
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    response = client.post("/account/signin/code/", {"code": code.upper()})
    assert response.status_code == 302 and is_signed_in(client)
    assert StaticToken.objects.filter(device__user=alice_with_app).count() == 9

    again = Client()
    again.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert again.post("/account/signin/code/", {"code": code}).status_code == 400
    assert not is_signed_in(again)


def test_the_code_step_without_a_password_step_sends_back_to_sign_in(client, alice_with_app):
    assert client.get("/account/signin/code/")["Location"] == "/account/signin/"
    response = client.post("/account/signin/code/", {"code": current_code(alice_with_app)})
    assert response["Location"] == "/account/signin/"
    assert not is_signed_in(client)


def test_the_password_step_expires(client, alice_with_app, settings):
    settings.SECOND_FACTOR_PENDING_SECONDS = -1
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    response = client.post("/account/signin/code/", {"code": current_code(alice_with_app)})
    assert response["Location"] == "/account/signin/"
    assert not is_signed_in(client)


def test_code_posts_are_limited_per_address(client, alice_with_app, settings):
    settings.THROTTLE_SECOND_FACTOR_PER_HOUR = 2
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    for _ in range(2):
        client.post("/account/signin/code/", {"code": "000000"})
    assert client.post("/account/signin/code/", {"code": current_code(alice_with_app)}).status_code == 429
    assert not is_signed_in(client)


# --- Turning it off ----------------------------------------------------------------


def test_turning_it_off_needs_the_password_and_a_code(alice_client, alice_with_app, security_log):
    response = alice_client.post("/account/two-step/off/", {"password": "wrong", "code": current_code(alice_with_app)})
    assert response.status_code == 400
    assert second_factor.is_enabled(alice_with_app)
    response = alice_client.post("/account/two-step/off/", {"password": PASSWORD, "code": "000000"})
    assert response.status_code == 400
    assert second_factor.is_enabled(alice_with_app)

    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    response = alice_client.post("/account/two-step/off/", {"password": PASSWORD, "code": current_code(alice_with_app)})
    assert response["Location"] == "/account/two-step/"
    assert not TOTPDevice.objects.filter(user=alice_with_app).exists()
    assert not StaticDevice.objects.filter(user=alice_with_app).exists()
    assert events(security_log)[-1]["action"] == "disabled"


def test_staff_cannot_turn_it_off(client, erin):
    client.force_login(erin)
    assert "ask an administrator to reset it" in client.get("/account/two-step/").content.decode()
    response = client.post("/account/two-step/off/", {"password": PASSWORD, "code": current_code(erin)})
    assert response.status_code == 403
    assert second_factor.is_enabled(erin)


# --- A lost phone --------------------------------------------------------------------


def test_reset_second_factor_deletes_the_users_devices_and_logs_it(alice_with_app, bob, security_log):
    with_authenticator_app(bob)
    out = StringIO()
    call_command("reset_second_factor", "alice", stdout=out)
    assert "Deleted 2 second-factor device(s) of alice" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=alice_with_app).exists()
    assert not StaticDevice.objects.filter(user=alice_with_app).exists()
    assert TOTPDevice.objects.filter(user=bob).exists()
    assert {"event": "second_factor", "user_id": alice_with_app.pk, "action": "reset"}.items() <= events(security_log)[
        -1
    ].items()
    # Afterwards the password alone signs alice in again.
    client = Client()
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert is_signed_in(client)


def test_reset_second_factor_says_when_there_was_nothing_to_reset(alice):
    out = StringIO()
    call_command("reset_second_factor", "alice", stdout=out)
    assert "had no second factor" in out.getvalue()


def test_reset_second_factor_refuses_an_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("reset_second_factor", "nobody")


# --- Every language ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["en", "es", "fr", "de", "pt-br", "ar", "zh-hans", "hi"])
def test_the_two_step_pages_render_in_every_language(client, alice_with_app, bob, code):
    prefix = "" if code == "en" else f"/{code}"
    client.force_login(alice_with_app)
    client.post(f"{prefix}/account/two-step/codes/")
    assert client.session.get("second_factor_new_codes"), "the codes page has codes to show"
    other = Client()
    other.force_login(bob)
    other.post(f"{prefix}/account/two-step/start/")
    signing_in = Client()
    signing_in.post(f"{prefix}/account/signin/", {"username": "alice", "password": PASSWORD})
    pages = [
        (client, "/account/two-step/"),
        (client, "/account/two-step/codes/new/"),
        (other, "/account/two-step/"),
        (other, "/account/two-step/setup/"),
        (signing_in, "/account/signin/code/"),
    ]
    for who, path in pages:
        response = who.get(prefix + path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'<html lang="{code}"' in html, path
        assert html.count("<h1") == 1, path
