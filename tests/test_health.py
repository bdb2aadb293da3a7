from __future__ import annotations

from unittest import mock

from django.db import OperationalError


def test_healthz_is_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_is_503_when_the_database_does_not_answer(client, db):
    with mock.patch("quiz.views.pages.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_not_redirected_to_https_for_a_plain_http_health_check(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    # Every other page still is.
    assert client.get("/").status_code == 301
