"""Security events (issue 17, finding 16): one structured line each on the
`quiz.security` logger, with the event, the user id, the client's address and
the outcome. The lines go to the log stream, so deleting an account does not
delete the record of what happened to it."""

from __future__ import annotations

import json
import logging

import pytest

PASSWORD = "correct horse battery"


def events(caplog) -> list[dict]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "quiz.security"]


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="quiz.security")
    return caplog


def test_a_sign_in_is_logged_with_the_user_id_and_address(client, alice, security_log):
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert {"event": "signin", "user_id": alice.pk, "client": "203.0.113.7", "outcome": "success"} in events(
        security_log
    )


def test_a_failed_sign_in_is_logged_with_the_accounts_id_but_never_the_password(client, alice, security_log):
    client.post("/account/signin/", {"username": "alice", "password": "wrong guess"}, REMOTE_ADDR="203.0.113.7")
    logged = events(security_log)
    assert {"event": "signin", "user_id": alice.pk, "client": "203.0.113.7", "outcome": "failure"} in logged
    assert "wrong guess" not in security_log.text


def test_a_failed_sign_in_to_no_account_is_logged_without_a_user_id(client, db, security_log):
    client.post("/account/signin/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="203.0.113.7")
    assert {"event": "signin", "user_id": None, "client": "203.0.113.7", "outcome": "failure"} in events(security_log)


def test_a_lockout_is_logged(client, alice, settings, security_log):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/account/signin/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    lockouts = [event for event in events(security_log) if event["event"] == "lockout"]
    assert lockouts and lockouts[0]["client"] == "203.0.113.7" and lockouts[0]["outcome"] == "refused"


def test_asking_for_another_learners_quiz_is_logged_as_refused(client, alice, bob, content, security_log):
    from django.utils import timezone

    from quiz.models import Learner, Question, QuizAttempt

    question_ids = [Question.objects.first().pk]
    learner = Learner.objects.create(user=alice)
    attempt = QuizAttempt.objects.create(learner=learner, question_ids=question_ids, started_at=timezone.now())
    client.force_login(bob)
    assert client.get(f"/quiz/attempt/{attempt.pk}/").status_code == 404
    refused = [event for event in events(security_log) if event["event"] == "ownership_refused"]
    assert refused == [
        {
            "event": "ownership_refused",
            "user_id": bob.pk,
            "client": "127.0.0.1",
            "outcome": "refused",
            "model": "quiz.QuizAttempt",
        }
    ]


def test_an_account_deletion_is_logged_with_the_id_it_had(client, alice, security_log):
    client.force_login(alice)
    user_id = alice.pk
    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert {"event": "account_deleted", "user_id": user_id, "client": "127.0.0.1", "outcome": "success"} in events(
        security_log
    )


def test_a_staff_members_refused_self_deletion_is_logged(client, erin, security_log):
    client.force_login(erin)
    assert client.post("/account/delete/", {"password": PASSWORD}).status_code == 403
    refused = [event for event in events(security_log) if event["event"] == "account_deleted"]
    assert refused and refused[0]["outcome"] == "refused" and refused[0]["user_id"] == erin.pk
