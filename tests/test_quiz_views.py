"""Quizzes: start, answer (htmx and plain), score, and bad input."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from quiz import scheduling
from quiz.models import QUIZ_LENGTH, Question, QuizAnswer, QuizAttempt, ReviewLog
from tests.study_helpers import HTMX, hidden_fields


def start(client, path: str = "/quiz/") -> QuizAttempt:
    response = client.post(path)
    assert response.status_code == 302
    attempt = QuizAttempt.objects.latest("id")
    assert response.headers["Location"] == f"/quiz/attempt/{attempt.pk}/"
    return attempt


def question_on_screen(html: str) -> Question:
    return Question.objects.get(pk=int(re.search(r'name="question" value="(\d+)"', html).group(1)))


def test_the_quiz_page_offers_a_start_button(client, content):
    html = client.get("/quiz/").content.decode()
    assert "<h1>Quiz</h1>" in html
    assert 'type="submit"' in html
    assert not QuizAttempt.objects.exists()  # looking does not start anything


def test_a_quiz_draws_ten_choice_questions(alice_client):
    attempt = start(alice_client)
    questions = Question.objects.filter(pk__in=attempt.question_ids)
    assert len(attempt.question_ids) == QUIZ_LENGTH == questions.count()
    assert not questions.filter(kind=Question.Kind.FLASHCARD).exists()


def test_a_topic_quiz_only_asks_about_that_topic(alice_client):
    attempt = start(alice_client, "/quiz/bfs/")
    assert attempt.topic.slug == "bfs"
    assert set(Question.objects.filter(pk__in=attempt.question_ids).values_list("fact__topic__slug", flat=True)) == {
        "bfs"
    }


def test_a_whole_quiz_without_javascript_ends_with_the_score(alice_client):
    attempt = start(alice_client)
    for number in range(1, QUIZ_LENGTH + 1):
        html = alice_client.get(f"/quiz/attempt/{attempt.pk}/").content.decode()
        assert f"Question {number} of {QUIZ_LENGTH}" in html
        question = question_on_screen(html)
        # Right on even questions, wrong on odd ones.
        choice = question.choices.filter(is_correct=number % 2 == 0).first()
        answer = {"question": question.pk, "choice": choice.pk}
        response = alice_client.post(f"/quiz/attempt/{attempt.pk}/answer/", answer)
        assert response.status_code == 302
        feedback = alice_client.get(response.headers["Location"]).content.decode()
        assert ("Right:" in feedback) == (number % 2 == 0)
        assert escape_free(question.explanation_en) in feedback
    summary = alice_client.get(f"/quiz/attempt/{attempt.pk}/").content.decode()
    assert f"You answered {QUIZ_LENGTH // 2} of {QUIZ_LENGTH} questions correctly." in summary
    assert "Worth another look" in summary
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    recent = alice_client.get("/quiz/").content.decode()
    assert f"{QUIZ_LENGTH // 2} of {QUIZ_LENGTH} right" in recent


def escape_free(text: str) -> str:
    return text.replace("'", "&#x27;").replace('"', "&quot;")


def test_an_htmx_answer_swaps_the_question_and_announces(alice_client):
    attempt = start(alice_client)
    question = question_on_screen(alice_client.get(f"/quiz/attempt/{attempt.pk}/").content.decode())
    right = question.choices.get(is_correct=True)
    response = alice_client.post(
        f"/quiz/attempt/{attempt.pk}/answer/", {"question": question.pk, "choice": right.pk}, headers=HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="quiz-question"')
    assert "Right:" in html and 'data-key="next"' in html


def test_answering_twice_counts_once(alice_client):
    attempt = start(alice_client)
    question = question_on_screen(alice_client.get(f"/quiz/attempt/{attempt.pk}/").content.decode())
    right = question.choices.get(is_correct=True)
    wrong = question.choices.filter(is_correct=False).first()
    url = f"/quiz/attempt/{attempt.pk}/answer/"
    alice_client.post(url, {"question": question.pk, "choice": right.pk})
    second = alice_client.post(url, {"question": question.pk, "choice": wrong.pk}, headers=HTMX)
    assert "your first answer counts" in second.content.decode()
    answer = QuizAnswer.objects.get(attempt=attempt)
    assert answer.is_correct and answer.choice == right


def test_another_learners_quiz_is_404(client, alice, bob, content):
    client.force_login(alice)
    attempt = start(client)
    question = Question.objects.get(pk=attempt.question_ids[0])
    client.force_login(bob)
    assert client.get(f"/quiz/attempt/{attempt.pk}/").status_code == 404
    response = client.post(
        f"/quiz/attempt/{attempt.pk}/answer/", {"question": question.pk, "choice": question.choices.first().pk}
    )
    assert response.status_code == 404
    assert not QuizAnswer.objects.exists()


def test_under_htmx_a_missing_quiz_is_said_in_the_live_region_not_swapped_in(client, alice, bob, content):
    client.force_login(alice)
    attempt = start(client)
    question = Question.objects.get(pk=attempt.question_ids[0])
    client.force_login(bob)
    data = {"question": question.pk, "choice": question.choices.first().pk}
    response = client.post(f"/quiz/attempt/{attempt.pk}/answer/", data, headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#quiz-status"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert response.content.decode() == "This quiz was not found. Nothing was saved."
    response = client.get(f"/quiz/attempt/{attempt.pk}/", headers=HTMX)
    assert response.status_code == 404
    assert "<html" not in response.content.decode()
    assert not QuizAnswer.objects.exists()


def test_a_visitor_without_a_session_finds_no_quiz(client, alice, content):
    client.force_login(alice)
    attempt = start(client)
    client.logout()
    assert client.get(f"/quiz/attempt/{attempt.pk}/").status_code == 404


def answer_all(client, attempt: QuizAttempt) -> None:
    """Answer every question of the attempt rightly, without reading the attempt page."""
    for pk in attempt.question_ids:
        question = Question.objects.get(pk=pk)
        if question.is_published:
            right = question.choices.get(is_correct=True)
            client.post(f"/quiz/attempt/{attempt.pk}/answer/", {"question": pk, "choice": right.pk})


def test_the_last_answer_ends_the_quiz_and_reading_it_writes_nothing(alice_client):
    attempt = start(alice_client)
    answer_all(alice_client, attempt)
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    finished_at = attempt.finished_at
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(f"/quiz/attempt/{attempt.pk}/")
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert [sql for sql in writes if "quiz_" in sql] == []
    attempt.refresh_from_db()
    assert attempt.finished_at == finished_at


def test_an_unpublished_question_counts_nowhere(alice_client):
    attempt = start(alice_client)
    dropped = Question.objects.get(pk=attempt.question_ids[-1])
    Question.objects.filter(pk=dropped.pk).update(is_published=False)
    answer_all(alice_client, attempt)
    attempt.refresh_from_db()
    assert attempt.finished_at is not None  # the last published question ended it
    total = QUIZ_LENGTH - 1
    summary = alice_client.get(f"/quiz/attempt/{attempt.pk}/").content.decode()
    assert f"You answered {total} of {total} questions correctly." in summary
    assert f"{total} of {total} right" in alice_client.get("/quiz/").content.decode()


@pytest.mark.parametrize(
    ("data", "status"),
    [({"question": "x", "choice": "1"}, 400), ({"choice": "1"}, 400), ("other-question", 404), ("other-choice", 400)],
)
def test_bad_answers_are_refused_and_change_nothing(alice_client, data, status):
    attempt = start(alice_client)
    question = Question.objects.get(pk=attempt.question_ids[0])
    outside = Question.objects.exclude(pk__in=attempt.question_ids).exclude(kind="flashcard").first()
    if data == "other-question":
        data = {"question": outside.pk, "choice": outside.choices.first().pk}
    elif data == "other-choice":
        data = {"question": question.pk, "choice": outside.choices.first().pk}
    response = alice_client.post(f"/quiz/attempt/{attempt.pk}/answer/", data)
    assert response.status_code == status
    assert not QuizAnswer.objects.exists()


def test_get_on_the_answer_endpoint_is_405(alice_client):
    attempt = start(alice_client)
    assert alice_client.get(f"/quiz/attempt/{attempt.pk}/answer/").status_code == 405


def test_a_visitors_quizzes_join_their_account(client, alice, content):
    attempt = start(client)
    client.force_login(alice)
    # Signing in asks before a visitor's progress joins the account (/account/merge/).
    assert client.post("/account/merge/", {"choice": "merge"}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.learner.user == alice


@pytest.mark.parametrize("code", ["es", "ar", "hi"])
def test_the_quiz_speaks_every_language(alice_client, code):
    attempt = start(alice_client)
    html = alice_client.get(f"/{code}/quiz/attempt/{attempt.pk}/").content.decode()
    question = question_on_screen(html)
    # Escaped as the template escapes it: a prompt may hold quotation marks.
    assert escape(getattr(question, f"prompt_{code}")) in html
    assert "Choose an answer" not in html


def miss_some(client, attempt: QuizAttempt, wrong: int = 3) -> list[int]:
    """Answer the quiz: the first `wrong` questions wrongly, the rest rightly; return the missed ids."""
    for index, pk in enumerate(attempt.question_ids):
        question = Question.objects.get(pk=pk)
        choice = question.choices.filter(is_correct=index >= wrong).first()
        client.post(f"/quiz/attempt/{attempt.pk}/answer/", {"question": pk, "choice": choice.pk})
    return attempt.question_ids[:wrong]


def test_the_score_offers_to_study_the_questions_missed(alice_client):
    attempt = start(alice_client)
    miss_some(alice_client, attempt)
    summary = alice_client.get(f"/quiz/attempt/{attempt.pk}/").content.decode()
    assert f'href="/study/missed/{attempt.pk}/">Study the ones I missed</a>' in summary
    perfect = start(alice_client)
    miss_some(alice_client, perfect, wrong=0)
    assert "Study the ones I missed" not in alice_client.get(f"/quiz/attempt/{perfect.pk}/").content.decode()


def test_studying_the_missed_questions_goes_through_each_once_with_ordinary_reviews(alice_client):
    attempt = start(alice_client)
    missed = miss_some(alice_client, attempt)
    seen = []
    for number in range(len(missed)):
        page = alice_client.get(f"/study/missed/{attempt.pk}/").content.decode()
        assert "Study: the questions you missed" in page
        assert f"{len(missed) - number} missed question" in page
        fields = hidden_fields(page)
        assert fields["missed"] == str(attempt.pk)
        seen.append(int(fields["question"]))
        question = Question.objects.get(pk=fields["question"])
        right = question.choices.get(is_correct=True)
        picked = alice_client.post("/study/answer/", {**fields, "choice": right.pk}, headers=HTMX).content.decode()
        token = re.search(r'name="token" value="([^"]+)"', picked).group(1)
        response = alice_client.post("/study/grade/", {**fields, "token": token, "rating": 3}, headers=HTMX)
        assert response.status_code == 200
        assert f'name="missed" value="{attempt.pk}"' in response.content.decode()
    assert seen == missed  # in the quiz's order, each once, and only those
    done = alice_client.get(f"/study/missed/{attempt.pk}/").content.decode()
    assert "You have studied every question you missed in this quiz." in done
    logs = ReviewLog.objects.filter(learner__user__username="alice").order_by("id")
    assert [log.question_id for log in logs] == missed
    for log in logs:  # ordinary FSRS reviews: a new card, graded Good
        assert log.state_before["state"] == scheduling.NEW and log.rating == 3
        assert log.state_after["state"] == scheduling.LEARNING


def test_another_learners_missed_questions_are_404(client, alice, bob, content):
    client.force_login(alice)
    attempt = start(client)
    miss_some(client, attempt)
    client.force_login(bob)
    assert client.get(f"/study/missed/{attempt.pk}/").status_code == 404
    page = client.get("/study/").content.decode()
    response = client.post("/study/grade/", {**hidden_fields(page), "missed": attempt.pk, "rating": 3})
    assert response.status_code == 404
    assert not ReviewLog.objects.exists()
