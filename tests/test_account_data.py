"""Your data: export, the Anki deck, reset, delete, passwords and the preferred language."""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import re
import sqlite3
import time
import zipfile
from contextlib import closing
from html import unescape as html_unescape
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape
from reversion.models import Revision

from quiz import exports
from quiz.models import CardState, Learner, Question, QuizAnswer, QuizAttempt, ReviewLog
from tests.learner_data import log_row
from tests.study_helpers import answer_current_card

PASSWORD = "correct horse battery"
NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def alice_client(client, alice, content):
    client.force_login(alice)
    return client


def study(client, cards: int) -> None:
    for number in range(cards):
        answer_current_card(client, rating=1 + number % 4)


def take_a_quiz(client, answers: int) -> QuizAttempt:
    client.post("/quiz/")
    attempt = QuizAttempt.objects.latest("id")
    for question_id in attempt.question_ids[:answers]:
        choice = Question.objects.get(pk=question_id).choices.first()
        client.post(f"/quiz/attempt/{attempt.pk}/answer/", {"question": question_id, "choice": choice.pk})
    return attempt


def download(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response


def streamed(response) -> bytes:
    """The body of a streamed export."""
    return b"".join(response.streaming_content)


# --- Export -------------------------------------------------------------------


def test_the_json_export_holds_every_review_exactly_once(alice_client, alice):
    study(alice_client, 6)
    take_a_quiz(alice_client, answers=3)
    data = json.loads(streamed(download(alice_client, "/account/export/")))
    logs = ReviewLog.objects.filter(learner__user=alice).select_related("question")
    assert len(data["reviews"]) == logs.count() >= 6
    exported = {row["review_id"]: row for row in data["reviews"]}
    assert len(exported) == len(data["reviews"])
    for log in logs:
        row = exported[str(log.review_id)]
        assert row["question"] == log.question.key
        assert row["rating"] == log.rating
        assert row["duration_ms"] == log.duration_ms
        assert row["language"] == log.language
        assert datetime.datetime.fromisoformat(row["reviewed_at"]) == log.reviewed_at
        assert row["state_before"] == log.state_before
        assert row["state_after"] == log.state_after
    assert data["account"]["username"] == "alice"
    assert data["settings"]["desired_retention"] == 0.9
    assert len(data["cards"]) == CardState.objects.filter(learner__user=alice).count()
    [attempt] = data["quiz_attempts"]
    assert len(attempt["questions"]) == 10
    assert len(attempt["answers"]) == 3 == QuizAnswer.objects.filter(attempt__learner__user=alice).count()


def test_the_csv_export_has_one_row_per_review_in_utc(alice_client, alice):
    study(alice_client, 5)
    response = download(alice_client, "/account/export/reviews.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(streamed(response).decode())))
    logs = {str(log.review_id): log for log in ReviewLog.objects.filter(learner__user=alice).select_related("question")}
    assert sorted(row["review_id"] for row in rows) == sorted(logs)
    for row in rows:
        log = logs[row["review_id"]]
        assert row["reviewed_at"].endswith("+00:00")
        assert datetime.datetime.fromisoformat(row["reviewed_at"]) == log.reviewed_at
        assert row["question"] == log.question.key
        assert int(row["rating"]) == log.rating
        assert int(row["duration_ms"]) == log.duration_ms
        assert row["language"] == log.language
        assert row["state_before"] == exports.STATE_NAMES[log.state_before["state"]]
        assert row["state_after"] == exports.STATE_NAMES[log.state_after["state"]]
        assert float(row["stability_after"]) == log.state_after["stability"]
        assert row["stability_before"] == str(log.state_before["stability"] or "")


def test_a_visitor_exports_the_progress_of_their_browser_only(client, bob, content):
    study(client, 3)
    bobs = Learner.objects.create(user=bob)
    data = json.loads(streamed(download(client, "/account/export/")))
    assert data["account"] is None
    assert len(data["reviews"]) == 3 == ReviewLog.objects.exclude(learner=bobs).count()
    rows = list(csv.DictReader(io.StringIO(streamed(download(client, "/account/export/reviews.csv")).decode())))
    assert len(rows) == 3


def test_a_visitor_who_never_studied_gets_an_empty_export_and_nothing_is_created(client, db):
    data = json.loads(streamed(download(client, "/account/export/")))
    assert data["reviews"] == [] and data["cards"] == [] and data["settings"] is None
    assert streamed(download(client, "/account/export/reviews.csv")).decode().strip() == ",".join(exports.CSV_COLUMNS)
    assert not Learner.objects.exists()


def test_an_account_that_never_studied_still_exports_its_account(alice_client):
    data = json.loads(streamed(download(alice_client, "/account/export/")))
    assert data["account"]["email"] == "alice@example.org"
    assert data["settings"] is None and data["reviews"] == []


@pytest.mark.parametrize("cards", [2, 8])
def test_the_export_runs_a_constant_number_of_queries(alice_client, cards):
    study(alice_client, cards)
    take_a_quiz(alice_client, answers=cards)
    for path in ("/account/export/", "/account/export/reviews.csv"):
        with CaptureQueriesContext(connection) as queries:
            streamed(download(alice_client, path))  # the queries run as the body is streamed
        # One of them is the session's check for a "sign out everywhere" (quiz/sessions.py).
        assert len(queries) <= 10, path


def test_the_streamed_json_is_byte_for_byte_what_json_dumps_writes(alice_client, alice):
    study(alice_client, 4)
    take_a_quiz(alice_client, answers=2)
    learner = Learner.objects.get(user=alice)
    pieces = "".join(exports.json_pieces(exports.learner_data(alice, learner, NOW)))
    whole = {
        key: list(value) if not isinstance(value, list | dict | str | type(None)) else value
        for key, value in exports.learner_data(alice, learner, NOW).items()
    }
    assert pieces == json.dumps(whole, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    # Empty lists and a visitor's empty export too.
    empty = exports.learner_data(None, None, NOW)
    assert "".join(exports.json_pieces(empty)) == json.dumps(empty, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("path", ["/account/export/", "/account/export/reviews.csv"])
def test_the_exports_are_streamed_and_not_cached(alice_client, path):
    study(alice_client, 3)
    response = download(alice_client, path)
    assert response.streaming
    assert "no-cache" in response.headers["Cache-Control"]
    body = b"".join(response.streaming_content)
    if path.endswith(".json") or path.endswith("/"):
        assert len(json.loads(body)["reviews"]) == 3
    else:
        assert len(body.decode().strip().splitlines()) == 4


def test_exports_are_limited_per_learner_per_hour(alice_client, alice, settings, client):
    settings.THROTTLE_EXPORTS_PER_HOUR = 2
    study(alice_client, 1)
    assert alice_client.get("/account/export/").status_code == 200
    assert alice_client.get("/account/export/reviews.csv").status_code == 200
    refused = alice_client.get("/account/export/")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert alice_client.get("/account/export/reviews.csv").status_code == 429
    # Counted per learner: another learner from the same address is not held up.
    other = type(client)()
    study(other, 1)
    assert other.get("/account/export/").status_code == 200


# --- Anki ---------------------------------------------------------------------


def read_apkg(data: bytes, tmp_path, sql: str) -> list[tuple]:
    """Run `sql` on the collection inside an .apkg, opened as Anki would."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "collection.anki2" in archive.namelist()
        path = tmp_path / "collection.anki2"
        path.write_bytes(archive.read("collection.anki2"))
    with closing(sqlite3.connect(path)) as database:
        rows = database.execute(sql).fetchall()
    path.unlink()
    return rows


def open_apkg(data: bytes, tmp_path) -> list[tuple[str, str]]:
    """The (guid, fields) of every note, each with exactly one card."""
    notes = read_apkg(data, tmp_path, "SELECT guid, flds FROM notes ORDER BY guid")
    assert read_apkg(data, tmp_path, "SELECT count(*) FROM cards") == [(len(notes),)]
    return notes


def test_the_anki_deck_has_one_note_per_published_question(client, content, tmp_path):
    Question.objects.filter(pk=Question.objects.order_by("pk").first().pk).update(is_published=False)
    response = download(client, "/account/anki/?language=en")
    assert response.headers["Content-Disposition"] == 'attachment; filename="twitch-facts-en.apkg"'
    notes = open_apkg(response.content, tmp_path)
    assert len(notes) == Question.objects.published().count() == Question.objects.count() - 1
    assert len({guid for guid, _fields in notes}) == len(notes)


def test_the_anki_note_ids_stay_the_same_from_one_download_to_the_next(content, tmp_path):
    first = open_apkg(exports.anki_package("es", NOW), tmp_path)
    later = open_apkg(exports.anki_package("es", NOW + datetime.timedelta(days=30)), tmp_path)
    assert [guid for guid, _ in first] == [guid for guid, _ in later]
    question = Question.objects.published().first()
    assert exports.anki_guid(question.key, "es") in {guid for guid, _ in first}
    # The deck and the note type keep their ids too, so Anki recognises them.
    [(decks, models)] = read_apkg(exports.anki_package("es", NOW), tmp_path, "SELECT decks, models FROM col")
    assert str(exports.anki_deck_id("es")) in json.loads(decks)
    assert list(json.loads(models)) == [str(exports.ANKI_MODEL_ID)]


def test_the_anki_deck_is_in_the_chosen_language_with_answer_explanation_and_source(client, content, tmp_path):
    question = Question.objects.published().filter(kind=Question.Kind.FLASHCARD).first()
    notes = dict(open_apkg(download(client, "/account/anki/?language=es").content, tmp_path))
    fields = notes[exports.anki_guid(question.key, "es")].split("\x1f")
    assert fields[0] == question.key
    assert fields[1] == escape(question.prompt_es)
    assert fields[2] == escape(question.answer_es)
    assert fields[3] == escape(question.explanation_es)
    with translation.override("es"):
        citation = render_to_string("includes/citation.html", {"fact": question.fact}).strip()
    assert fields[4] == citation
    assert question.fact.source.title_es in html_unescape(citation)
    assert "párrafo" in citation


def test_the_anki_deck_defaults_to_the_page_language(client, content, tmp_path):
    response = download(client, "/fr/account/anki/")
    assert response.headers["Content-Disposition"] == 'attachment; filename="twitch-facts-fr.apkg"'


def test_an_unknown_anki_language_is_refused(client, content):
    response = client.get("/account/anki/?language=xx")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


@pytest.fixture
def builds():
    """Count the Anki packages built (not served)."""
    with mock.patch.object(exports, "anki_package", wraps=exports.anki_package) as spy:
        yield spy


def test_the_anki_deck_is_built_once_per_language_and_content_version(client, content, builds):
    first = client.get("/account/anki/?language=es").content
    second = client.get("/account/anki/?language=es").content
    assert builds.call_count == 1
    assert first == second
    # Each language its own package.
    english = client.get("/account/anki/?language=en").content
    assert builds.call_count == 2 and english != first
    client.get("/account/anki/?language=en")
    assert builds.call_count == 2
    # An edit to the content makes a new version: the next download is built again.
    question = Question.objects.published().first()
    question.prompt_es = "¿Una pregunta editada?"
    question.save()
    edited = client.get("/account/anki/?language=es").content
    assert builds.call_count == 3 and edited != first


# --- Reset progress -------------------------------------------------------------


def test_resetting_shows_a_confirmation_first(alice_client, alice):
    study(alice_client, 2)
    html = alice_client.get("/account/reset-progress/").content.decode()
    assert 'type="checkbox"' in html
    assert ReviewLog.objects.count() == 2


def test_resetting_without_the_confirmation_changes_nothing(alice_client, alice):
    study(alice_client, 2)
    response = alice_client.post("/account/reset-progress/", {})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert ReviewLog.objects.count() == 2


def test_resetting_deletes_every_card_answer_and_quiz_attempt_but_not_the_settings(alice_client, alice, bob):
    Learner.objects.create(user=alice, new_per_day=5)
    study(alice_client, 3)
    take_a_quiz(alice_client, answers=2)
    other = Learner.objects.create(user=bob)
    CardState.objects.create(learner=other, question=Question.objects.all()[0])
    response = alice_client.post("/account/reset-progress/", {"confirm": "on"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    learner = Learner.objects.get(user=alice)
    assert learner.new_per_day == 5
    assert not CardState.objects.filter(learner=learner).exists()
    assert not ReviewLog.objects.exists()
    assert not QuizAttempt.objects.exists() and not QuizAnswer.objects.exists()
    assert CardState.objects.filter(learner=other).count() == 1


def test_a_visitor_can_reset_their_progress(client, content):
    study(client, 2)
    assert client.post("/es/account/reset-progress/", {"confirm": "on"}).headers["Location"] == "/es/account/"
    assert not ReviewLog.objects.exists()
    assert not CardState.objects.studied().exists()


# --- Delete the account -----------------------------------------------------------


def test_deleting_an_account_needs_to_be_signed_in(client, db):
    response = client.get("/account/delete/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/signin/?next=")


def test_a_wrong_password_deletes_nothing(alice_client, alice):
    response = alice_client.post("/account/delete/", {"password": "not it"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert User.objects.filter(username="alice").exists()


def test_deleting_the_account_leaves_nothing_that_refers_to_it(client, alice, bob, content):
    # A failed sign-in and a successful one leave django-axes records.
    client.post("/account/signin/", {"username": "alice", "password": "wrong"})
    client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    study(client, 4)
    take_a_quiz(client, answers=2)
    bobs = Learner.objects.create(user=bob)
    log_row(bobs, Question.objects.all()[0], review_id="00000000-0000-0000-0000-000000000001")
    learner = Learner.objects.get(user=alice)
    assert AccessLog.objects.filter(username="alice").exists()

    assert client.get("/account/delete/").status_code == 200
    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Learner.objects.filter(pk=learner.pk).exists()
    assert not CardState.objects.filter(learner_id=learner.pk).exists()
    assert not ReviewLog.objects.filter(learner_id=learner.pk).exists()
    assert not QuizAttempt.objects.filter(learner_id=learner.pk).exists()
    assert not QuizAnswer.objects.filter(attempt__learner_id=learner.pk).exists()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert not model.objects.filter(username="alice").exists(), model
    assert "_auth_user_id" not in client.session
    signin = client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert signin.status_code == 200
    assert "_auth_user_id" not in client.session
    assert ReviewLog.objects.filter(learner=bobs).count() == 1


@pytest.mark.parametrize("who", ["erin", "root"])
def test_staff_cannot_delete_their_own_account_and_their_audit_trail_stays(client, request, content, who):
    user = request.getfixturevalue(who)
    entry = LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Question),
        object_id=str(Question.objects.first().pk),
        object_repr="a question",
        action_flag=CHANGE,
    )
    revision = Revision.objects.create(user=user, comment="edited", date_created=NOW)
    client.force_login(user)

    page = client.get("/account/delete/")
    assert page.status_code == 403
    assert "A superuser removes staff accounts in the admin." in page.content.decode()
    assert 'type="password"' not in page.content.decode()
    response = client.post("/account/delete/", {"password": PASSWORD})

    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()
    assert LogEntry.objects.filter(pk=entry.pk, user=user).exists()
    revision.refresh_from_db()
    assert revision.user_id == user.pk
    assert client.session["_auth_user_id"] == str(user.pk)


# --- E-mail address ---------------------------------------------------------------

NEW = "alice@new.example"


def email_link(body: str) -> str:
    line = next(line for line in body.splitlines() if "/account/email/confirm/" in line)
    return line.strip().removeprefix("http://testserver")


def ask_for_new_email(client, email: str = NEW, password: str = PASSWORD):
    return client.post("/account/email/", {"email": email, "password": password})


def test_the_account_details_no_longer_change_the_email_address(alice_client, alice):
    response = alice_client.post("/account/details/", {"email": "taken@over.example", "language": "fr"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    assert 'href="/fr/account/email/"' in alice_client.get("/fr/account/").content.decode()


def test_a_new_email_address_takes_effect_only_through_the_link_sent_to_it(alice_client, alice, mailoutbox):
    assert alice_client.get("/account/email/").status_code == 200
    response = ask_for_new_email(alice_client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    [notice, confirmation] = sorted(mailoutbox, key=lambda message: message.to)
    assert notice.to == ["alice@example.org"] and confirmation.to == [NEW]
    assert "/account/email/confirm/" not in notice.body
    assert "If you did not ask for this" in notice.body
    link = email_link(confirmation.body)

    # Opening the link (as a mail scanner would) changes nothing; its button does.
    page = alice_client.get(link)
    assert page.status_code == 200
    assert NEW in page.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    done = alice_client.post(link)
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.email == NEW
    # The old address is told it is no longer the account's.
    assert mailoutbox[-1].to == ["alice@example.org"]
    # Used once, the link describes an old address: it is stale.
    assert alice_client.post(link).status_code == 400


def test_a_wrong_password_changes_nothing_sends_nothing_and_counts_like_a_sign_in(
    alice_client, alice, mailoutbox, settings
):
    settings.THROTTLE_EMAIL_CHANGES_PER_HOUR = 100  # django-axes' limit, not this form's
    response = ask_for_new_email(alice_client, password="not it")
    assert response.status_code == 400
    assert "This password is not right." in response.content.decode()
    assert mailoutbox == []
    assert AccessAttempt.objects.filter(username="alice").get().failures_since_start == 1
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        ask_for_new_email(alice_client, password="guess")
    assert ask_for_new_email(alice_client).status_code == 429
    assert mailoutbox == []


def test_a_link_for_another_account_a_changed_address_or_a_forged_one_is_refused(
    client, alice, bob, content, mailoutbox
):
    client.force_login(alice)
    ask_for_new_email(client)
    link = email_link(next(message for message in mailoutbox if message.to == [NEW]).body)
    forged = link[:-3] + ("AAA" if not link.endswith("AAA/") else "BBB") + "/"

    client.force_login(bob)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    client.force_login(alice)
    assert client.post(forged).status_code == 400
    User.objects.filter(pk=alice.pk).update(email="alice@other.example")
    assert client.post(link).status_code == 400
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.email, bob.email) == ("alice@other.example", "bob@example.org")


def test_an_expired_link_is_refused(alice_client, alice, mailoutbox, settings, monkeypatch):
    ask_for_new_email(alice_client)
    link = email_link(next(message for message in mailoutbox if message.to == [NEW]).body)
    # The clock the signature's age is read from moves past the link's lifetime.
    later = time.time() + settings.EMAIL_CHANGE_LINK_DAYS * 86400 + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert alice_client.post(link).status_code == 400
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_the_email_change_mails_are_in_the_learners_language(alice_client, alice, mailoutbox):
    Learner.objects.create(user=alice, language="fr")
    ask_for_new_email(alice_client)
    with translation.override("fr"):
        subject = translation.gettext("Confirm your new email address for Twitch Facts")
    assert subject != "Confirm your new email address for Twitch Facts"
    confirmation = next(message for message in mailoutbox if message.to == [NEW])
    assert confirmation.subject == subject
    assert "/fr/account/email/confirm/" in confirmation.body


def test_asking_for_email_changes_is_limited_per_account(alice_client, alice, settings, mailoutbox):
    settings.THROTTLE_EMAIL_CHANGES_PER_HOUR = 2
    for number in range(2):
        assert ask_for_new_email(alice_client, email=f"alice{number}@new.example").status_code == 302
    # From another address, the account's own limit still holds.
    response = alice_client.post("/account/email/", {"email": NEW, "password": PASSWORD}, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert len(mailoutbox) == 4


# --- Passwords ------------------------------------------------------------------


def test_changing_the_password(alice_client, alice):
    assert alice_client.get("/account/password/").status_code == 200
    new = "another long passphrase 7"
    wrong = alice_client.post(
        "/account/password/", {"old_password": "nope", "new_password1": new, "new_password2": new}
    )
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    response = alice_client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    alice.refresh_from_db()
    assert alice.check_password(new)


def reset_link(body: str) -> str:
    line = next(line for line in body.splitlines() if "/password/reset/" in line)
    return line.strip().removeprefix("http://testserver")


def test_the_reset_email_is_in_the_learners_language(client, alice, mailoutbox):
    Learner.objects.create(user=alice, language="fr")
    response = client.post("/account/password/reset/", {"email": "alice@example.org"})
    assert response.headers["Location"] == "/account/password/reset/sent/"
    [message] = mailoutbox
    with translation.override("fr"):
        assert message.subject == translation.gettext("Choose a new password for Twitch Facts")
        assert message.subject != "Choose a new password for Twitch Facts"
        assert (
            translation.gettext("If you did not ask for this, ignore this email: your password stays as it is.")[:30]
            in message.body
        )
    link = reset_link(message.body)
    assert link.startswith("/fr/account/password/reset/")

    # Following the link and choosing a new password lets alice sign in with it.
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new = "a brand new passphrase 9"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new)
    assert not alice.check_password(PASSWORD)


def test_without_a_preference_the_reset_email_follows_the_page_language(client, alice, mailoutbox):
    client.post("/es/account/password/reset/", {"email": "alice@example.org"})
    [message] = mailoutbox
    with translation.override("es"):
        assert message.subject == translation.gettext("Choose a new password for Twitch Facts")
    assert "/es/account/password/reset/" in message.body


def test_an_unknown_email_address_sends_nothing_and_says_the_same(client, alice, mailoutbox):
    response = client.post("/account/password/reset/", {"email": "nobody@example.org"})
    assert response.headers["Location"] == "/account/password/reset/sent/"
    assert mailoutbox == []


def test_a_used_or_forged_reset_link_says_it_no_longer_works(client, alice):
    response = client.get("/account/password/reset/MQ/forged-token/")
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_the_sign_in_page_links_to_the_password_reset(client, db):
    assert 'href="/account/password/reset/"' in client.get("/account/signin/").content.decode()


# --- Preferred language ------------------------------------------------------------


def test_signing_in_switches_to_the_preferred_language(client, alice, db):
    Learner.objects.create(user=alice, language="de")
    response = client.post("/account/signin/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/de/progress/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"


def test_signing_in_keeps_the_next_page_in_the_preferred_language(client, alice, db):
    Learner.objects.create(user=alice, language="ar")
    response = client.post("/es/account/signin/", {"username": "alice", "password": PASSWORD, "next": "/es/quiz/"})
    assert response.headers["Location"] == "/ar/quiz/"


def test_without_a_preference_signing_in_keeps_the_page_language(client, alice, db):
    response = client.post("/es/account/signin/", {"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/es/progress/"
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_saving_a_preferred_language_stores_it_and_switches_to_it(alice_client, alice):
    response = alice_client.post("/account/details/", {"language": "hi"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/hi/account/"
    assert Learner.objects.get(user=alice).language == "hi"
    with translation.override("hi"):
        saved = translation.gettext("Your account details were saved.")
    assert saved in alice_client.get("/hi/account/").content.decode()


def test_a_bad_language_saves_nothing(alice_client, alice):
    response = alice_client.post("/account/details/", {"language": "xx"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Learner.objects.filter(user=alice).exists()


def test_a_bad_new_email_address_or_the_current_one_is_refused(alice_client, alice, mailoutbox):
    for email in ("not an email", "ALICE@example.org", "x" * 300 + "@example.org"):
        response = ask_for_new_email(alice_client, email=email)
        assert response.status_code == 400, email
        assert 'role="alert"' in response.content.decode()
    assert mailoutbox == []


def test_the_details_need_a_post_and_an_account(client, alice):
    assert client.post("/account/details/", {"language": "fr"}).status_code == 302  # to sign in
    client.force_login(alice)
    assert client.get("/account/details/").status_code == 405


# --- Account page and privacy ---------------------------------------------------------


def test_the_account_page_gathers_everything_for_an_account(alice_client):
    html = alice_client.get("/account/").content.decode()
    for url in (
        "/study/settings/",
        "/account/details/",
        "/account/email/",
        "/account/password/",
        "/account/export/",
        "/account/export/reviews.csv",
        "/account/anki/",
        "/account/reset-progress/",
        "/account/delete/",
    ):
        assert f'"{url}"' in html, url
    assert '<option value="en" selected>' in html  # the Anki deck defaults to the page language
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_a_visitor_sees_export_and_reset_but_no_account_controls(client, db):
    html = client.get("/account/").content.decode()
    assert '"/account/export/"' in html and '"/account/reset-progress/"' in html
    assert '"/account/delete/"' not in html and '"/account/password/"' not in html


def test_the_privacy_page_states_the_guest_retention_setting(client, db, settings):
    settings.GUEST_RETENTION_DAYS = 30
    html = client.get("/privacy/").content.decode()
    assert "deleted after 30 days without activity" in html


def test_every_page_links_to_the_privacy_page(client, content):
    for path in ("/", "/learn/", "/study/", "/account/", "/es/privacy/"):
        html = client.get(path).content.decode()
        expected = "/es/privacy/" if path.startswith("/es/") else "/privacy/"
        assert f'href="{expected}"' in html, path


def test_guessing_the_password_on_the_delete_page_is_throttled_like_signing_in(alice_client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert alice_client.post("/account/delete/", {"password": "guess"}).status_code == 400
    assert alice_client.post("/account/delete/", {"password": "guess"}).status_code == 429
    assert alice_client.post("/account/delete/", {"password": PASSWORD}).status_code == 429
    assert User.objects.filter(username="alice").exists()


def test_email_changes_are_logged_without_the_addresses(alice_client, alice, caplog, mailoutbox):
    caplog.set_level(logging.INFO, logger="quiz.security")
    ask_for_new_email(alice_client, password="not it")
    ask_for_new_email(alice_client)
    alice_client.post(email_link(next(message for message in mailoutbox if message.to == [NEW]).body))
    lines = [record.getMessage() for record in caplog.records if record.name == "quiz.security"]
    outcomes = [json.loads(line)["outcome"] for line in lines if json.loads(line)["event"] == "email_change"]
    assert outcomes == ["failure", "requested", "success"]
    assert not any("example" in line for line in lines)
