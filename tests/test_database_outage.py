"""A database that does not answer: the learner gets a 503 in their language,
nothing is written, and the error is logged with its cause.

The outage is injected where Django runs SQL (`connection.execute_wrapper`),
so the request goes through the real middleware, views and transactions."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import DataError, OperationalError, connection
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from quiz.models import CardState, Question, ReviewLog
from tests.study_helpers import HTMX, current_card, hidden_fields
from tests.test_settings import run_django

ENGLISH_MESSAGE = "The service is not answering for a moment, so nothing was saved. Please try again."
SPANISH_MESSAGE = "El servicio no responde por un momento"


def fail_when(matches: Callable[[str], bool], error: Exception):
    """An execute wrapper that raises `error` for the SQL `matches` selects."""

    def wrapper(execute, sql, params, many, context):
        if matches(sql):
            raise error
        return execute(sql, params, many, context)

    return wrapper


def inserting_a_log_row(sql: str) -> bool:
    return sql.startswith("INSERT") and ReviewLog._meta.db_table in sql


@pytest.fixture
def flashcard_on_screen(client, alice, content):
    """alice, signed in, with a flashcard on screen (graded in one step)."""
    Question.objects.exclude(kind=Question.Kind.FLASHCARD).update(is_published=False)
    client.force_login(alice)
    page = client.get("/es/study/").content.decode()
    return client, hidden_fields(page), current_card(client, page)


def test_a_grade_cut_off_by_an_outage_gets_a_translated_503_page_and_writes_nothing(flashcard_on_screen):
    client, fields, card = flashcard_on_screen
    # The card row is updated first, then the log row fails: the whole grade must roll back.
    with connection.execute_wrapper(fail_when(inserting_a_log_row, OperationalError("server closed the connection"))):
        response = client.post(
            "/es/study/grade/", {**fields, "rating": "3"}, HTTP_REFERER="http://testserver/es/study/"
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert SPANISH_MESSAGE in html
    assert "<title>No disponible temporalmente" in html
    assert html.count("<h1") == 1
    assert 'href="http://testserver/es/study/"' in html
    assert ReviewLog.objects.count() == 0
    assert CardState.objects.get(pk=card.pk).version == card.version == 0


def test_an_htmx_grade_cut_off_by_an_outage_puts_the_message_in_the_live_region(flashcard_on_screen):
    client, fields, card = flashcard_on_screen
    with connection.execute_wrapper(fail_when(inserting_a_log_row, OperationalError("database is locked"))):
        response = client.post("/es/study/grade/", {**fields, "rating": "3"}, headers=HTMX)
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#site-status"
    assert response["HX-Reswap"] == "innerHTML"
    assert SPANISH_MESSAGE in response.content.decode()
    assert ReviewLog.objects.count() == 0
    assert CardState.objects.get(pk=card.pk).version == 0


def test_every_page_has_the_live_region_the_message_goes_to(client, content):
    html = client.get("/").content.decode()
    assert '<div id="site-status" class="status" role="alert"></div>' in html


def test_the_503_page_renders_when_every_query_fails(client, alice, content):
    """Not even the session or the user can be read: the page must not query at all."""
    client.force_login(alice)
    with connection.execute_wrapper(fail_when(lambda sql: True, OperationalError("connection refused"))):
        response = client.get("/fr/study/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "Le service ne répond pas pour le moment" in html
    assert 'href="/fr/study/"' in html


def test_the_outage_is_logged_with_its_cause(flashcard_on_screen, caplog):
    client, fields, _card = flashcard_on_screen
    with (
        caplog.at_level(logging.ERROR, logger="quiz"),
        connection.execute_wrapper(fail_when(inserting_a_log_row, OperationalError("server closed the connection"))),
    ):
        client.post("/es/study/grade/", {**fields, "rating": "3"})
    (record,) = [r for r in caplog.records if r.name == "quiz.middleware"]
    assert record.levelno == logging.ERROR
    assert "POST /es/study/grade/" in record.getMessage()
    assert isinstance(record.exc_info[1], OperationalError)
    assert "server closed the connection" in str(record.exc_info[1])


def test_an_outage_while_saving_the_session_on_the_way_out_is_a_503_too(content):
    # A new visitor's session is first written by the session middleware, after
    # the view: here after their first saved settings.
    client = Client(raise_request_exception=False)
    data = {"desired_retention": "0.85", "new_per_day": "5", "max_reviews_per_day": "100", "time_zone": "UTC"}
    with connection.execute_wrapper(fail_when(lambda sql: "django_session" in sql, OperationalError("gone away"))):
        response = client.post("/de/study/settings/", data)
    assert response.status_code == 503
    assert "Der Dienst antwortet gerade nicht" in response.content.decode()


def test_a_data_error_is_a_bug_and_is_not_disguised_as_an_outage(client, content):
    with (
        connection.execute_wrapper(fail_when(lambda sql: True, DataError("value too long"))),
        pytest.raises(DataError),
    ):
        client.get("/study/")


def test_healthz_is_503_while_every_query_fails(client, db):
    with connection.execute_wrapper(fail_when(lambda sql: True, OperationalError("connection refused"))):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_with_postgresql_unreachable_pages_and_healthz_answer_503():
    """A real outage: nothing listens on the database port."""
    result = run_django(
        "from django.test import Client\n"
        "client = Client()\n"
        "print(client.get('/healthz').status_code)\n"
        "response = client.get('/es/study/')\n"
        "print(response.status_code, 'El servicio no responde' in response.content.decode())\n"
        "grade = {'question': 1, 'version': 0, 'review': '6f1c9a52-4b8e-4f0e-9a43-3c1f0b0d2e11', 'rating': 3}\n"
        "print(client.post('/study/grade/', grade, headers={'HX-Request': 'true'}).status_code)",
        DATABASE_URL="postgres://twitch@127.0.0.1:9/nowhere",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["503", "503", "True", "503"]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_503_page_speaks_every_language(client, content, language):
    prefix = "" if language == "en" else f"/{language}"
    with connection.execute_wrapper(fail_when(lambda sql: True, OperationalError("connection refused"))):
        response = client.get(f"{prefix}/learn/")
    with translation.override(language):
        message = gettext(ENGLISH_MESSAGE)
        title = gettext("Temporarily unavailable")
    assert language == "en" or message != ENGLISH_MESSAGE
    html = response.content.decode()
    assert response.status_code == 503
    assert escape(message) in html
    assert f"<h1>{escape(title)}</h1>" in html
