"""Password reset: the request answers in the same time whether the address
has an account (the mail goes after the response), and the request and the
reset are logged (issue 17, finding 17)."""

from __future__ import annotations

import json
import logging
import re
import statistics
import time
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.core.mail.backends.locmem import EmailBackend
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

MAIL_DELAY = 0.4  # seconds a slow mail server takes to accept a message


class SlowMailBackend(EmailBackend):
    def send_messages(self, messages):
        time.sleep(MAIL_DELAY)
        return super().send_messages(messages)


class BrokenMailBackend(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


class Handler(WSGIHandler):
    """Django as a WSGI server sees it, with no CSRF check (as the test client)."""

    def get_response(self, request):
        request._dont_enforce_csrf_checks = True
        return super().get_response(request)


def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], None]:
    return lambda data: None


def seconds_to_respond(rf, email: str) -> float:
    """How long until the response is ready to send; its close(), which a WSGI
    server calls after sending it, is not counted."""
    environ = rf.post("/account/password/reset/", {"email": email}).environ
    handler = Handler()
    start = time.perf_counter()
    response = handler(environ, start_response)
    elapsed = time.perf_counter() - start
    assert response.status_code == 302
    response.close()
    return elapsed


@pytest.fixture
def wsgi(settings):
    """The WSGI handler's connection handling would close the test's transaction."""
    settings.THROTTLE_PASSWORD_RESETS_PER_HOUR = 1000
    settings.THROTTLE_PASSWORD_RESETS_PER_ACCOUNT_PER_DAY = 1000
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_a_reset_answers_as_fast_for_an_address_with_an_account_as_without(rf, alice, settings, wsgi):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_password_reset.SlowMailBackend"}}
    known, unknown = [], []
    for _ in range(5):
        known.append(seconds_to_respond(rf, "alice@example.org"))
        unknown.append(seconds_to_respond(rf, "nobody@example.org"))
    ratio = statistics.median(known) / statistics.median(unknown)
    # The mail takes MAIL_DELAY, many times a response: sent before the response, the ratio would be far above 3.
    assert ratio < 3, (known, unknown)
    assert len(mail.outbox) == 5
    assert all(message.to == ["alice@example.org"] for message in mail.outbox)


def test_a_reset_mail_that_cannot_be_sent_is_logged_and_the_answer_is_the_same(client, alice, settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_password_reset.BrokenMailBackend"}}
    response = client.post("/account/password/reset/", {"email": "alice@example.org"})
    assert (response.status_code, response.headers["Location"]) == (302, "/account/password/reset/sent/")
    assert "Failed to send password reset email" in caplog.text


def security_events(caplog) -> list[dict]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "quiz.security"]


def test_reset_requests_and_the_reset_are_logged_without_the_address(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="quiz.security")
    client.post("/account/password/reset/", {"email": "nobody@example.org"}, REMOTE_ADDR="203.0.113.7")
    client.post("/account/password/reset/", {"email": "alice@example.org"}, REMOTE_ADDR="203.0.113.7")
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", str(mail.outbox[-1].body)).group(1)
    set_password = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        set_password, {"new_password1": "a brand new passphrase 17", "new_password2": "a brand new passphrase 17"}
    )
    logged = security_events(caplog)
    request = {"event": "password_reset_request", "client": "203.0.113.7", "outcome": "requested"}
    assert {**request, "user_id": None} in logged
    assert {**request, "user_id": alice.pk} in logged
    assert {"event": "password_reset", "user_id": alice.pk, "client": "127.0.0.1", "outcome": "success"} in logged
    assert "example.org" not in json.dumps(logged)
