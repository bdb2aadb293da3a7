"""The study loop: htmx and plain requests, idempotency, undo, limits, bad input."""

from __future__ import annotations

import datetime
import re
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from quiz import scheduling
from quiz.models import CardState, Learner, Question, ReviewLog
from quiz.models.study import MAX_EXTRA_NEW
from quiz.published import published
from quiz.study import CardRow, Phase, Shown, counts_and_cards
from quiz.templatetags.study import interval
from tests.study_helpers import HTMX, answer_current_card, choice_ids, current_card, hidden_fields


def flashcard_page(client):
    """Move the queue so that the card on screen is a flashcard; return the page."""
    for _ in range(20):
        page = client.get("/study/").content.decode()
        if current_card(client, page).question.kind == Question.Kind.FLASHCARD:
            return page
        answer_current_card(client, rating=3)
    raise AssertionError("no flashcard reached")


def state_tuple(card: CardState) -> tuple:
    card.refresh_from_db()
    return (card.state, card.step, card.stability, card.difficulty, card.due, card.last_review)


def test_the_full_page_has_the_card_the_live_region_and_one_h1(alice_client):
    html = alice_client.get("/study/").content.decode()
    assert html.count("<h1") == 1
    assert '<div id="study-status" class="status" role="status" aria-live="polite">' in html
    assert '<section id="card"' in html
    assert '<h2 id="card-heading" tabindex="-1">' in html
    assert '<progress id="today-progress"' in html


def test_an_htmx_get_returns_only_the_fragments(alice_client):
    html = alice_client.get("/study/", headers=HTMX).content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="card"')
    assert 'id="study-progress" class="study-progress" hx-swap-oob="true"' in html
    assert '<div id="study-status" hx-swap-oob="innerHTML">' in html


def test_when_to_worry_questions_come_first(alice_client):
    card = current_card(alice_client, alice_client.get("/study/").content.decode())
    assert card.question.fact.is_warning_sign


def test_a_plain_reveal_redirects_to_the_answer_with_grade_intervals(alice_client):
    page = flashcard_page(alice_client)
    fields = hidden_fields(page)
    response = alice_client.post("/study/reveal/", fields)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/study/?show=")
    revealed = alice_client.get(response.headers["Location"]).content.decode()
    card = current_card(alice_client, page)
    assert card.question.answer_en in revealed
    for name in ("Again", "Hard", "Good", "Easy"):
        assert f'<span class="grade-name">{name}</span>' in revealed
    intervals = re.findall(r'<span class="interval">([^<]+)</span>', revealed)
    assert len(intervals) == 4 and all(intervals)
    assert not ReviewLog.objects.filter(question=card.question).exists()


def test_an_htmx_reveal_swaps_the_card_with_the_answer(alice_client):
    page = flashcard_page(alice_client)
    fields = hidden_fields(page)
    html = alice_client.post("/study/reveal/", fields, headers=HTMX).content.decode()
    assert html.lstrip().startswith('<section id="card"')
    assert current_card(alice_client, page).question.answer_en in html
    assert 'data-key="3"' in html


def test_the_interval_on_a_button_is_what_the_grade_then_gives(alice_client):
    page = flashcard_page(alice_client)
    fields = hidden_fields(page)
    fixed = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=fixed):
        revealed = alice_client.post("/study/reveal/", fields, headers=HTMX).content.decode()
        shown = re.findall(r'<span class="interval">([^<]+)</span>', revealed)[3]  # Easy
        alice_client.post("/study/grade/", {**fields, "rating": 4})
    card = current_card(alice_client, page)
    card.refresh_from_db()
    assert card.due is not None
    assert interval(card.due - fixed) == shown


def test_a_plain_grade_writes_one_log_and_redirects(alice_client):
    page = flashcard_page(alice_client)
    before = ReviewLog.objects.count()
    card = current_card(alice_client, page)
    response = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 3})
    assert response.status_code == 302
    assert response.headers["Location"] == "/study/"
    assert ReviewLog.objects.count() == before + 1
    log = ReviewLog.objects.latest("id")
    assert (log.question_id, log.rating, log.language) == (card.question_id, 3, "en")
    card.refresh_from_db()
    assert card.state == scheduling.LEARNING
    assert card.version == 1


def test_an_htmx_grade_returns_the_next_card_and_announces_the_outcome(alice_client):
    page = flashcard_page(alice_client)
    first = current_card(alice_client, page)
    html = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 3}, headers=HTMX).content.decode()
    assert html.lstrip().startswith('<section id="card"')
    assert current_card(alice_client, html).pk != first.pk
    assert re.search(r'<div id="study-status" hx-swap-oob="innerHTML">Graded Good\. This card comes back in', html)
    assert f"Today: {ReviewLog.objects.count()} of" in html


def test_the_same_post_twice_writes_one_log_row(alice_client):
    page = flashcard_page(alice_client)
    data = {**hidden_fields(page), "rating": 3}
    before = ReviewLog.objects.count()
    first = alice_client.post("/study/grade/", data, headers=HTMX)
    second = alice_client.post("/study/grade/", data, headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert "That answer was already saved." in second.content.decode()
    assert ReviewLog.objects.count() == before + 1
    card = current_card(alice_client, page)
    card.refresh_from_db()
    assert card.version == 1


def test_a_post_based_on_a_stale_state_is_409_and_changes_nothing(alice_client):
    page = flashcard_page(alice_client)
    fields = hidden_fields(page)
    alice_client.post("/study/grade/", {**fields, "rating": 3})
    card = current_card(alice_client, page)
    before = state_tuple(card)
    logs = ReviewLog.objects.count()
    stale = {**fields, "review": "4f0a4ad6-5a8e-4c59-9f44-3c7a5d1b0f00", "rating": 1}
    response = alice_client.post("/study/grade/", stale)
    assert response.status_code == 409
    assert "already answered" in response.content.decode()
    assert state_tuple(card) == before
    assert ReviewLog.objects.count() == logs


def test_a_post_only_ever_changes_the_posters_own_card(client, alice, bob, content):
    client.force_login(bob)
    bob_page = flashcard_page(client)
    bob_card = current_card(client, bob_page)
    answer_current_card(client)  # bob's card moves on
    before = state_tuple(bob_card)
    bob_logs = ReviewLog.objects.filter(learner__user=bob).count()
    client.force_login(alice)
    # The same form, posted by alice, can only mean alice's own card for that question.
    response = client.post("/study/grade/", {**hidden_fields(bob_page), "rating": 3})
    assert response.status_code == 302
    assert state_tuple(bob_card) == before
    assert ReviewLog.objects.filter(learner__user=bob).count() == bob_logs
    alice_log = ReviewLog.objects.get(learner__user=alice)
    assert alice_log.question_id == bob_card.question_id
    assert CardState.objects.get(learner__user=alice, question=bob_card.question).version == 1


def test_a_question_that_is_not_published_cannot_be_answered(alice_client):
    page = flashcard_page(alice_client)
    question = current_card(alice_client, page).question
    Question.objects.filter(pk=question.pk).update(is_published=False)
    CardState.objects.filter(question=question).delete()
    logs = ReviewLog.objects.count()
    response = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 3})
    assert response.status_code == 404
    assert ReviewLog.objects.count() == logs
    assert not CardState.objects.filter(question=question).exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"rating": "5"}, 400),
        ({"rating": "0"}, 400),
        ({"rating": "good"}, 400),
        ({"question": "abc"}, 400),
        ({"question": "999999"}, 404),
        ({"review": "not-a-uuid"}, 400),
        ({"version": "-1"}, 400),
        ({"shown_at": "yesterday"}, 400),
        ({"token": "forged"}, 400),
    ],
)
def test_malformed_grades_are_refused_and_change_nothing(alice_client, change, status):
    page = flashcard_page(alice_client)
    card = current_card(alice_client, page)
    before = state_tuple(card)
    logs = ReviewLog.objects.count()
    response = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 3, **change})
    assert response.status_code == status
    assert state_tuple(card) == before
    assert ReviewLog.objects.count() == logs


def test_a_malformed_htmx_post_shows_its_message_in_the_live_region(alice_client):
    page = flashcard_page(alice_client)
    response = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 9}, headers=HTMX)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#study-status"
    assert "Nothing was saved." in response.content.decode()


@pytest.mark.parametrize("path", ["/study/grade/", "/study/reveal/", "/study/answer/", "/study/undo/", "/study/more/"])
def test_get_on_a_post_endpoint_is_405(alice_client, path):
    assert alice_client.get(path).status_code == 405


def test_a_post_without_the_csrf_token_is_403_and_changes_nothing(alice, content):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/study/").content.decode()
    fields = {k: v for k, v in hidden_fields(page).items() if k != "csrfmiddlewaretoken"}
    response = client.post("/study/grade/", {**fields, "rating": 3})
    assert response.status_code == 403
    assert not ReviewLog.objects.exists()


def test_a_choice_from_another_question_is_refused(alice_client):
    page = alice_client.get("/study/").content.decode()
    card = current_card(alice_client, page)
    other = Question.objects.filter(kind="multiple_choice").exclude(pk=card.question_id).first()
    response = alice_client.post("/study/answer/", {**hidden_fields(page), "choice": other.choices.first().pk})
    assert response.status_code == 400
    assert not ReviewLog.objects.exists()


def test_a_wrong_pick_is_graded_again_and_shows_the_right_answer(alice_client):
    page = alice_client.get("/study/").content.decode()
    card = current_card(alice_client, page)
    assert card.question.kind != Question.Kind.FLASHCARD
    wrong = card.question.choices.filter(is_correct=False).first()
    html = alice_client.post("/study/answer/", {**hidden_fields(page), "choice": wrong.pk}, headers=HTMX).content
    html = html.decode()
    log = ReviewLog.objects.get()
    assert log.rating == 1
    assert "Not quite." in html
    assert card.question.choices.get(is_correct=True).text_en in html
    assert 'data-key="next"' in html


def test_a_wrong_pick_without_javascript_redirects_to_the_feedback(alice_client):
    page = alice_client.get("/study/").content.decode()
    card = current_card(alice_client, page)
    wrong = card.question.choices.filter(is_correct=False).first()
    response = alice_client.post("/study/answer/", {**hidden_fields(page), "choice": wrong.pk})
    assert response.status_code == 302
    feedback = alice_client.get(response.headers["Location"]).content.decode()
    assert "Not quite." in feedback
    assert ReviewLog.objects.get().rating == 1


def test_a_right_pick_offers_hard_good_easy_then_grades(alice_client):
    page = alice_client.get("/study/").content.decode()
    card = current_card(alice_client, page)
    right = card.question.choices.get(is_correct=True)
    html = alice_client.post("/study/answer/", {**hidden_fields(page), "choice": right.pk}, headers=HTMX).content
    html = html.decode()
    assert not ReviewLog.objects.exists()
    assert 'data-key="1"' not in html and 'data-key="3"' in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = alice_client.post("/study/grade/", {**hidden_fields(page), "token": token, "rating": 4})
    assert response.status_code == 302
    assert ReviewLog.objects.get().rating == 4


def test_a_choice_question_cannot_be_graded_without_picking(alice_client):
    page = alice_client.get("/study/").content.decode()
    response = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 4})
    assert response.status_code == 400
    assert not ReviewLog.objects.exists()


def test_undo_restores_the_exact_prior_state_and_removes_the_log(alice_client):
    for _ in range(3):
        answer_current_card(alice_client, rating=3)
    # Later, the first cards are due again: grade one, then undo that answer.
    later = timezone.now() + datetime.timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        card = current_card(alice_client, alice_client.get("/study/").content.decode())
        assert not card.is_new
        before = state_tuple(card)
        logs = ReviewLog.objects.count()
        answer_current_card(alice_client, rating=1)
        assert ReviewLog.objects.count() == logs + 1
        assert state_tuple(card) != before
        response = alice_client.post("/study/undo/", {"topic": ""}, headers=HTMX)
    assert response.status_code == 200
    assert "Your last answer was undone." in response.content.decode()
    assert ReviewLog.objects.count() == logs
    assert state_tuple(card) == before


def test_undo_of_a_new_card_makes_it_new_again(alice_client):
    page = alice_client.get("/study/").content.decode()
    card = current_card(alice_client, page)
    answer_current_card(alice_client, rating=3)
    alice_client.post("/study/undo/")
    card.refresh_from_db()
    assert card.state == scheduling.NEW and card.due is None and card.stability is None
    assert current_card(alice_client, alice_client.get("/study/").content.decode()).pk == card.pk


def test_undo_only_touches_the_learners_own_last_answer(client, alice, bob, content):
    client.force_login(alice)
    answer_current_card(client, rating=3)
    client.force_login(bob)
    assert client.post("/study/undo/").status_code == 409
    assert ReviewLog.objects.filter(learner__user=alice).count() == 1


def test_undo_with_nothing_to_undo_is_409(alice_client):
    assert alice_client.post("/study/undo/").status_code == 409


@pytest.mark.parametrize("path", ["/study/undo/", "/study/more/", "/study/grade/"])
def test_a_topic_that_is_not_a_slug_is_refused_and_changes_nothing(alice_client, alice, path, alice_learner):
    answer_current_card(alice_client)
    learner = Learner.objects.get(user=alice)
    logs, extra = ReviewLog.objects.count(), learner.extra_new
    page = alice_client.get("/study/").content.decode()
    response = alice_client.post(path, {**hidden_fields(page), "rating": 3, "topic": "../<x>"})
    assert response.status_code == 400
    assert "Back to studying" in response.content.decode()
    learner.refresh_from_db()
    assert (ReviewLog.objects.count(), learner.extra_new) == (logs, extra)


def test_asking_for_more_new_cards_again_and_again_stays_in_range(alice_client, alice, alice_learner):
    Learner.objects.filter(user=alice).update(new_per_day=200)
    for _ in range(200):
        assert alice_client.post("/study/more/", {"topic": ""}).status_code == 302
    learner = Learner.objects.get(user=alice)
    assert learner.extra_new == MAX_EXTRA_NEW
    assert alice_client.get("/study/").status_code == 200


def test_a_signed_card_survives_the_round_trip_and_a_forged_one_does_not(alice_client):
    card = current_card(alice_client, alice_client.get("/study/").content.decode())
    shown = Shown(Phase.PICKED_RIGHT, card.pk, card.version, str(uuid.uuid4()), 1_700_000_000_000, choice=7)
    assert Shown.load(shown.sign()) == shown
    token = shown.sign()
    assert Shown.load(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert Shown.load("") is None


def test_a_wrong_pick_shown_without_javascript_disappears_once_the_card_moves_on(alice_client):
    page = alice_client.get("/study/").content.decode()
    card = current_card(alice_client, page)
    wrong = card.question.choices.filter(is_correct=False).first()
    location = alice_client.post("/study/answer/", {**hidden_fields(page), "choice": wrong.pk}).headers["Location"]
    assert "Not quite." in alice_client.get(location).content.decode()
    alice_client.post("/study/undo/")
    assert "Not quite." not in alice_client.get(location).content.decode()


def test_a_token_from_a_right_pick_grades_only_its_own_review(alice_client):
    page = alice_client.get("/study/").content.decode()
    card = current_card(alice_client, page)
    right = card.question.choices.get(is_correct=True)
    html = alice_client.post("/study/answer/", {**hidden_fields(page), "choice": right.pk}, headers=HTMX).content
    token = re.search(r'name="token" value="([^"]+)"', html.decode()).group(1)
    other_review = {**hidden_fields(page), "review": str(uuid.uuid4()), "token": token, "rating": 4}
    response = alice_client.post("/study/grade/", other_review)
    assert response.status_code == 400
    assert "This grade does not match the answer you picked." in response.content.decode()
    assert not ReviewLog.objects.exists()


def test_daily_new_card_limit_then_done_then_more(alice_client, alice, alice_learner):
    Learner.objects.filter(user=alice).update(new_per_day=2)
    alice_client.get("/study/")
    Learner.objects.filter(user=alice).update(new_per_day=2)
    answer_current_card(alice_client, rating=4)
    answer_current_card(alice_client, rating=4)
    html = alice_client.get("/study/").content.decode()
    assert "Done for now" in html
    assert "Your next card is due in" in html
    response = alice_client.post("/study/more/", {"topic": ""}, headers=HTMX)
    assert "Done for now" not in response.content.decode()
    assert "2 more new cards for today." in response.content.decode()


def test_the_daily_limit_resets_at_midnight_in_the_learners_time_zone(alice_client, alice, alice_learner):
    alice_client.get("/study/")
    Learner.objects.filter(user=alice).update(new_per_day=1, time_zone="Asia/Tokyo")
    # 23:50 in Tokyo on 1 March.
    evening = datetime.datetime(2026, 3, 1, 14, 50, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=evening):
        answer_current_card(alice_client, rating=4)
        assert "Done for now" in alice_client.get("/study/").content.decode()
    # 00:10 in Tokyo on 2 March: a new day, a new allowance (but not in New York's day).
    with mock.patch("django.utils.timezone.now", return_value=evening + datetime.timedelta(minutes=20)):
        assert "Done for now" not in alice_client.get("/study/").content.decode()
        Learner.objects.filter(user=alice).update(time_zone="America/New_York")
        assert "Done for now" in alice_client.get("/study/").content.decode()


def test_due_cards_come_before_new_ones_longest_overdue_first(alice_client, alice, alice_learner):
    answer_current_card(alice_client, rating=4)
    answer_current_card(alice_client, rating=4)
    learner = Learner.objects.get(user=alice)
    older, newer = CardState.objects.filter(learner=learner).studied().order_by("id")
    later = timezone.now() + datetime.timedelta(days=12)  # within the session's lifetime
    CardState.objects.filter(pk=older.pk).update(due=later - datetime.timedelta(days=3))
    CardState.objects.filter(pk=newer.pk).update(due=later - datetime.timedelta(days=9))
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert current_card(alice_client, alice_client.get("/study/").content.decode()).pk == newer.pk


def test_a_topic_session_only_shows_that_topic(alice_client):
    for _ in range(3):
        page = alice_client.get("/study/triggers/").content.decode()
        assert current_card(alice_client, page).question.fact.topic.slug == "triggers"
        fields = hidden_fields(page)
        assert fields["topic"] == "triggers"
        answer_current_card(alice_client, rating=4, prefix="")  # default queue
    assert alice_client.get("/study/no-such-topic/").status_code == 404


def test_switching_language_keeps_the_card_and_the_progress(alice_client):
    answer_current_card(alice_client, rating=3)
    english = alice_client.get("/study/").content.decode()
    spanish = alice_client.get("/es/study/").content.decode()
    card = current_card(alice_client, english)
    assert current_card(alice_client, spanish).pk == card.pk
    assert card.question.prompt_es in spanish
    assert "Today: 1 of" in english
    assert 'id="study-progress"' in spanish and "1 " in spanish.split('for="today-progress">')[1][:40]


def test_the_language_a_card_was_answered_in_is_logged(alice_client):
    answer_current_card(alice_client, rating=3, prefix="/fr")
    page = alice_client.get("/fr/study/").content.decode()
    card = current_card(alice_client, page)
    if card.question.kind == Question.Kind.FLASHCARD:
        alice_client.post("/fr/study/grade/", {**hidden_fields(page), "rating": 3})
    else:
        wrong = card.question.choices.filter(is_correct=False).first()
        alice_client.post("/fr/study/answer/", {**hidden_fields(page), "choice": wrong.pk})
    assert ReviewLog.objects.latest("id").language == "fr"


def test_the_bilingual_option_shows_the_english_original(alice_client, alice, alice_learner):
    alice_client.get("/study/")
    Learner.objects.filter(user=alice).update(show_original=True)
    html = alice_client.get("/de/study/").content.decode()
    card = current_card(alice_client, html)
    assert card.question.prompt_de in html
    assert f'<p class="original" lang="en">{card.question.prompt_en}</p>' in html
    assert 'class="original"' not in alice_client.get("/study/").content.decode()


def test_shortcuts_can_be_turned_off(alice_client, alice, alice_learner):
    alice_client.get("/study/")
    assert 'data-shortcuts="on"' in alice_client.get("/study/").content.decode()
    response = alice_client.post(
        "/study/settings/",
        {"desired_retention": "0.9", "new_per_day": "10", "max_reviews_per_day": "200", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    learner = Learner.objects.get(user=alice)
    assert not learner.shortcuts_enabled and learner.time_zone == "Europe/Paris"
    assert 'data-shortcuts="off"' in alice_client.get("/study/").content.decode()


@pytest.mark.parametrize(
    "change",
    [{"desired_retention": "0.5"}, {"desired_retention": "0.99"}, {"new_per_day": "-1"}, {"time_zone": "Mars/Base"}],
)
def test_bad_settings_re_render_the_form_and_change_nothing(alice_client, alice, change, alice_learner):
    alice_client.get("/study/")
    data = {"desired_retention": "0.8", "new_per_day": "5", "max_reviews_per_day": "100", "time_zone": "UTC", **change}
    response = alice_client.post("/study/settings/", data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    learner = Learner.objects.get(user=alice)
    assert (learner.desired_retention, learner.new_per_day) == (0.9, 10)


def test_a_visitor_can_study_without_an_account(client, content):
    page = client.get("/study/").content.decode()
    answer_current_card(client, rating=3)
    learner = Learner.objects.get()
    assert learner.user is None
    assert ReviewLog.objects.filter(learner=learner).count() == 1
    assert "guest_learner_id" not in client.cookies  # only the session key is a cookie
    assert current_card(client, page).learner_id == learner.pk


GET_ONLY_PAGES = ["/", "/study/", "/study/causes/", "/es/study/", "/progress/", "/quiz/", "/study/settings/", "/learn/"]


def test_looking_leaves_no_rows_and_no_session(client, content):
    for path in GET_ONLY_PAGES:
        assert client.get(path).status_code == 200, path
        assert client.get(path, headers=HTMX).status_code == 200, path
    assert not Learner.objects.exists()
    assert not CardState.objects.exists()
    assert not Session.objects.exists()
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_a_signed_in_learner_who_only_looks_gets_no_rows(alice_client, alice):
    for path in GET_ONLY_PAGES:
        assert alice_client.get(path).status_code == 200, path
    assert not Learner.objects.exists()
    assert not CardState.objects.exists()


def test_a_visitors_first_answer_saves_the_learner_the_card_and_the_answer(client, content):
    page = client.get("/study/").content.decode()
    question = Question.objects.get(pk=int(hidden_fields(page)["question"]))
    answer_current_card(client, rating=3)
    learner = Learner.objects.get()
    assert client.session["guest_learner_id"] == learner.pk
    card = CardState.objects.get()
    assert (card.learner, card.question, card.version) == (learner, question, 1)
    assert ReviewLog.objects.get().question == question


def test_a_visitors_refused_answer_saves_nothing(client, content):
    page = client.get("/study/").content.decode()
    response = client.post("/study/grade/", {**hidden_fields(page), "version": "3", "rating": 3})
    assert response.status_code == 409
    assert not Learner.objects.exists() and not CardState.objects.exists() and not ReviewLog.objects.exists()


def test_a_visitors_settings_are_saved_only_when_valid(client, content):
    data = {"desired_retention": "0.5", "new_per_day": "5", "max_reviews_per_day": "100", "time_zone": "UTC"}
    assert client.post("/study/settings/", data).status_code == 400
    assert not Learner.objects.exists()
    assert client.post("/study/settings/", {**data, "desired_retention": "0.85"}).status_code == 302
    learner = Learner.objects.get()
    assert learner.user is None and learner.desired_retention == 0.85
    assert client.session["guest_learner_id"] == learner.pk
    assert "0.85" in client.get("/study/settings/").content.decode()


def test_a_visitors_progress_joins_their_account_when_they_sign_in(client, alice, content, alice_learner):
    answer_current_card(client, rating=3)
    answer_current_card(client, rating=1)
    guest = Learner.objects.get(user=None)
    client.force_login(alice)
    # Signing in asks before a visitor's progress joins the account (/account/merge/).
    assert client.post("/account/merge/", {"choice": "merge"}).status_code == 302
    assert not Learner.objects.filter(pk=guest.pk).exists()
    account = Learner.objects.get(user=alice)
    assert ReviewLog.objects.filter(learner=account).count() == 2
    assert CardState.objects.filter(learner=account).studied().count() == 2


def test_the_merge_keeps_every_review_once_and_replays_a_card_both_studied(alice, content):
    question, other = Question.objects.all()[:2]
    account = Learner.objects.create(user=alice)
    guest = Learner.objects.create()
    t0 = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)

    old = CardState.objects.create(learner=account, question=question)
    old.record_review(rating=3, review_id=uuid.uuid4(), now=t0, duration_ms=1, language="en")
    recent = CardState.objects.create(learner=guest, question=question)
    recent.record_review(
        rating=4, review_id=uuid.uuid4(), now=t0 + datetime.timedelta(hours=1), duration_ms=1, language="es"
    )
    only_guest = CardState.objects.create(learner=guest, question=other)
    only_guest.record_review(rating=2, review_id=uuid.uuid4(), now=t0, duration_ms=1, language="es")

    guest.merge_into(account)

    assert not Learner.objects.filter(pk=guest.pk).exists()
    assert ReviewLog.objects.filter(learner=account).count() == 3
    merged = CardState.objects.get(learner=account, question=question)
    # Not the guest's card (a first Easy) but both answers in time order (tests/test_merge.py).
    both = scheduling.replay([(t0, 3), (t0 + datetime.timedelta(hours=1), 4)], account.desired_retention)
    assert merged.snapshot() == both[-1][1]
    assert merged.snapshot() != recent.snapshot()
    assert CardState.objects.get(learner=account, question=other).state != scheduling.NEW
    assert CardState.objects.filter(learner=account).count() == 2


def seed_history(learner: Learner, count: int) -> None:
    """Give a learner many studied cards and log rows."""

    now = timezone.now()
    for question in Question.objects.all()[:count]:
        card, _created = CardState.objects.get_or_create(learner=learner, question=question)
        for _ in range(3):
            card.record_review(
                rating=3, review_id=uuid.uuid4(), now=now - datetime.timedelta(days=30), duration_ms=5, language="en"
            )
        CardState.objects.filter(pk=card.pk).update(due=now - datetime.timedelta(days=1))


@pytest.mark.parametrize("history", [0, 60])
def test_the_study_page_runs_at_most_8_queries(alice_client, alice, history, alice_learner):
    alice_client.get("/study/")
    seed_history(Learner.objects.get(user=alice), history)
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.get("/study/")
    assert response.status_code == 200
    assert len(queries) <= 8, [q["sql"][:80] for q in queries]


@pytest.mark.parametrize("history", [0, 60])
def test_a_grade_post_runs_at_most_12_queries(alice_client, alice, history, alice_learner):
    alice_client.get("/study/")
    seed_history(Learner.objects.get(user=alice), history)
    Learner.objects.filter(user=alice).update(max_reviews_per_day=0)  # only new cards: the costliest path
    page = flashcard_page(alice_client)
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.post("/study/grade/", {**hidden_fields(page), "rating": 3}, headers=HTMX)
    assert response.status_code == 200
    assert len(queries) <= 12, [q["sql"][:80] for q in queries]


def choice_card_page(client):
    """Move the queue so that the card on screen is a new card with choices; return the page."""
    for _ in range(20):
        page = client.get("/study/").content.decode()
        if choice_ids(page):
            return page
        answer_current_card(client, rating=3)
    raise AssertionError("no card with choices reached")


@pytest.mark.parametrize("pick", ["wrong", "right"])
def test_the_first_answer_to_a_card_with_choices_runs_at_most_12_queries(alice_client, alice, alice_learner, pick):
    """The costliest grade: the card's row is created, then the next card is shown.
    Counted inside the test's transaction, so the grade's own atomic block
    shows up as SAVEPOINT and RELEASE."""
    alice_client.get("/study/")
    Learner.objects.filter(user=alice).update(max_reviews_per_day=0)
    page = choice_card_page(alice_client)
    fields = hidden_fields(page)
    question = Question.objects.get(pk=fields["question"])
    right = question.choices.get(is_correct=True).pk
    if pick == "wrong":
        wrong = question.choices.exclude(is_correct=True).first().pk
        url, data = "/study/answer/", {**fields, "choice": wrong}
    else:
        picked = alice_client.post("/study/answer/", {**fields, "choice": right}, headers=HTMX).content.decode()
        url, data = "/study/grade/", {**fields, "rating": 3, "token": hidden_fields(picked)["token"]}
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.post(url, data, headers=HTMX)
    assert response.status_code == 200
    assert ReviewLog.objects.filter(learner__user=alice, question=question).count() == 1
    assert len(queries) <= 12, "\n".join(q["sql"][:100] for q in queries)


def test_a_visitors_first_answer_runs_at_most_12_queries(client, content):
    """It also saves the visitor's learner and creates their session (Django's
    session store: an existence check, then the insert in a savepoint)."""
    page = client.get("/study/").content.decode()
    fields = hidden_fields(page)
    question = Question.objects.get(pk=fields["question"])
    if question.is_flashcard:
        url, data = "/study/grade/", {**fields, "rating": 3}
    else:
        url, data = "/study/answer/", {**fields, "choice": question.choices.exclude(is_correct=True).first().pk}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200
    assert ReviewLog.objects.filter(question=question).count() == 1
    assert len(queries) <= 12, "\n".join(q["sql"][:100] for q in queries)


def test_the_daily_review_limit_is_said_plainly(alice_client, alice, alice_learner):
    answer_current_card(alice_client, rating=3)
    Learner.objects.filter(user=alice).update(max_reviews_per_day=1, new_per_day=1)
    later = timezone.now() + datetime.timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        answer_current_card(alice_client, rating=3)  # the learning card, now due: today's one review
        html = alice_client.get("/study/").content.decode()
    assert "Done for now" in html
    assert "You have reached today's review limit." in html


def test_the_study_page_speaks_every_language(alice_client):
    for code, word in [("hi", "अभ्यास"), ("ar", "الدراسة"), ("zh-hans", "复习")]:
        html = alice_client.get(f"/{code}/study/").content.decode()
        assert f'<html lang="{code}"' in html
        assert word in html
        assert "Choose an answer" not in html and "Show answer" not in html


def test_the_study_and_progress_pages_say_where_the_progress_is_kept(client, alice, content):
    for path in ("/study/", "/progress/"):
        assert "Your answers will be kept in this browser." in client.get(path).content.decode()
    answer_current_card(client, rating=3)
    until = client.session.get_expiry_date()
    assert until - timezone.now() > datetime.timedelta(days=360)
    expected = f"Your progress is kept in this browser until {date_format(until, 'DATE_FORMAT')}"
    for path in ("/study/", "/progress/"):
        html = client.get(path).content.decode()
        assert expected in html
        assert 'href="/account/signup/"' in html
    spanish = client.get("/es/study/").content.decode()
    assert "Su progreso se guarda en este navegador hasta el" in spanish
    client.force_login(alice)
    assert "Your progress is saved in your account" in client.get("/progress/").content.decode()


def test_todays_counts_tell_new_cards_from_reviews_by_the_state_before(alice_learner, content):
    now = timezone.now()
    card = CardState.objects.create(learner=alice_learner, question=Question.objects.earliest("id"))
    for minutes in (0, 1, 2):
        card.record_review(
            rating=3,
            review_id=uuid.uuid4(),
            now=now + datetime.timedelta(minutes=minutes),
            duration_ms=5,
            language="en",
        )
    introduced = list(
        ReviewLog.objects.filter(learner=alice_learner).order_by("reviewed_at").values_list("introduced", flat=True)
    )
    assert introduced == [True, False, False]
    counts, cards = counts_and_cards(alice_learner, now, published())
    assert counts == {"reviews": 2, "new": 1}
    assert cards[card.question_id].due == CardState.objects.get(pk=card.pk).due  # aware, as the ORM gives it
    assert counts_and_cards(alice_learner, now + datetime.timedelta(minutes=1), published())[0] == {
        "reviews": 2,
        "new": 0,
    }


def test_the_queue_reads_every_field_of_a_card_row():
    # A field added to CardState must be added to CardRow, or cards shown would lose it.
    assert CardRow._fields == tuple(f.attname for f in CardState._meta.concrete_fields)


def test_each_card_says_its_source_and_when_its_fact_was_last_reviewed(alice_client, alice_learner):
    page = alice_client.get("/study/").content.decode()
    fact = current_card(alice_client, page).question.fact
    start = page.index('class="provenance"')
    line = page[start : page.index("</p>", start)]
    assert f"Source: “{fact.source.title_en}” by {fact.source.author}." in line
    assert f"Content last reviewed on {date_format(fact.reviewed_on)}." in line


def test_the_revealed_card_fragment_keeps_its_source_and_review_date(alice_client, alice_learner):
    page = flashcard_page(alice_client)
    fact = current_card(alice_client, page).question.fact
    fragment = alice_client.post("/study/reveal/", hidden_fields(page), headers=HTMX).content.decode()
    assert "<h1" not in fragment
    assert f"Source: “{fact.source.title_en}” by {fact.source.author}." in fragment
    assert f"Content last reviewed on {date_format(fact.reviewed_on)}." in fragment
