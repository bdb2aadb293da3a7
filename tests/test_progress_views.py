"""The progress dashboard: its numbers at explicit times, in a time zone far
from UTC, its charts, and its fixed number of queries."""

from __future__ import annotations

import datetime
import re
import uuid
from unittest import mock

import pytest

from quiz import scheduling
from quiz.dashboard import build_dashboard
from quiz.models import CardState, Learner, Question, QuizAnswer, QuizAttempt, ReviewLog, Topic
from quiz.scheduling import LEARNING, NEW, RELEARNING, REVIEW, Snapshot, Stage

UTC = datetime.UTC
TOKYO = "Asia/Tokyo"  # UTC+9, no daylight saving time
DAY = datetime.timedelta(days=1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def review_snapshot(last_review: datetime.datetime, interval_days: float, stability: float = 10.0) -> Snapshot:
    return Snapshot(
        state=REVIEW,
        stability=stability,
        difficulty=5.0,
        due=last_review + datetime.timedelta(days=interval_days),
        last_review=last_review,
    )


def log(
    learner: Learner,
    question: Question,
    when: datetime.datetime,
    *,
    rating: int = 3,
    before: Snapshot | None = None,
    duration_ms: int = 6000,
) -> ReviewLog:
    before = before or Snapshot()
    return ReviewLog.objects.create(
        learner=learner,
        question=question,
        review_id=uuid.uuid4(),
        rating=rating,
        reviewed_at=when,
        duration_ms=duration_ms,
        language="en",
        state_before=before.to_json(),
        state_after=before.to_json(),
    )


def card(learner: Learner, question: Question, snapshot: Snapshot) -> CardState:
    state = CardState(learner=learner, question=question)
    state.apply(snapshot)
    state.save()
    return state


@pytest.fixture
def questions(content) -> list[Question]:
    return list(Question.objects.published())


@pytest.fixture
def learner(alice) -> Learner:
    return Learner.objects.create(user=alice, time_zone=TOKYO)


@pytest.fixture
def alice_client(client, alice, learner):
    client.force_login(alice)
    return client


def test_a_visitor_who_never_studied_is_invited_to_start(client, content):
    html = client.get("/progress/").content.decode()
    assert "Your dashboard fills in as you study" in html
    assert 'href="/study/"' in html
    assert "<svg" not in html
    assert not Learner.objects.exists()  # looking creates nothing


def test_today_is_the_learners_day_in_their_time_zone(learner, questions):
    # 15:30 UTC on 10 March is already 00:30 on 11 March in Tokyo.
    now = at(10, 15, 30)
    log(learner, questions[0], at(10, 14, 50), duration_ms=600_000)  # 23:50 on the 10th in Tokyo: yesterday
    log(learner, questions[1], at(10, 15, 10), duration_ms=90_000)  # 00:10 on the 11th: today
    log(learner, questions[2], at(10, 15, 20), duration_ms=60_000, before=review_snapshot(at(1, 0), 9))
    dashboard = build_dashboard(learner, now)
    assert dashboard.today == datetime.date(2026, 3, 11)
    assert dashboard.answers_today == 2
    assert dashboard.minutes_today == 2  # 150 seconds, rounded
    assert dashboard.new_left_today == learner.new_per_day - 1


def test_new_cards_left_today_agree_with_the_study_queue(learner, questions):
    from quiz.study import build_queue

    now = at(10, 15, 30)
    learner.extra_new, learner.extra_new_on = 5, datetime.date(2026, 3, 11)
    learner.save()
    for question in questions[:3]:
        log(learner, question, at(10, 15, 10))
        card(learner, question, scheduling.review(Snapshot(), 3, at(10, 15, 10), 0.9))
    dashboard = build_dashboard(learner, now)
    assert dashboard.new_left_today == learner.new_per_day + 5 - 3
    assert dashboard.new_left_today == build_queue(learner, now).new_count


def test_new_cards_left_today_are_capped_by_the_cards_not_yet_studied(learner, questions):
    now = at(10, 15, 30)
    learner.new_per_day = 200
    learner.save()
    dashboard = build_dashboard(learner, now)
    assert dashboard.new_left_today == len(questions) == dashboard.stages[Stage.NEW]


def test_a_streak_counts_days_in_the_learners_time_zone(learner, questions):
    question = questions[0]
    # In UTC these are 7 and 9 March (no streak); in Tokyo 8, 9 and 10 March.
    for when in (at(7, 16), at(9, 14, 50), at(9, 15, 10)):
        log(learner, question, when)
    # An older, longer run: 1–5 February (Tokyo), from 15:00 UTC the day before.
    for day in range(1, 6):
        log(
            learner,
            question,
            datetime.datetime(2026, 1 if day == 1 else 2, 31 if day == 1 else day - 1, 15, tzinfo=UTC),
        )
    dashboard = build_dashboard(learner, at(10, 10))  # 19:00 on 10 March in Tokyo
    assert (dashboard.current_streak, dashboard.longest_streak) == (3, 5)
    # The next local day, before any review: the streak still stands until that day ends.
    assert build_dashboard(learner, at(11, 10)).current_streak == 3
    # A whole local day without a review breaks it.
    assert build_dashboard(learner, at(11, 15, 30)).current_streak == 0  # 00:30 on 12 March in Tokyo


def test_retention_counts_reviews_of_cards_in_review_state_over_30_days(learner, questions):
    now = at(31, 12)
    reviewed = review_snapshot(at(1, 0), 10)
    for rating in (3, 3, 4, 2, 1):
        log(learner, questions[0], at(20, 12), rating=rating, before=reviewed)
    # Not counted: a learning step graded Again, a new card, a review from more than 30 days ago.
    log(learner, questions[1], at(20, 12), rating=1, before=Snapshot(state=LEARNING, stability=1.0, difficulty=5.0))
    log(learner, questions[2], at(20, 12), rating=1)
    log(learner, questions[0], now - datetime.timedelta(days=30, seconds=1), rating=1, before=reviewed)
    learner.desired_retention = 0.85
    dashboard = build_dashboard(learner, now)
    assert dashboard.retention == 4 / 5
    assert (dashboard.retention_percent, dashboard.retention_answers) == (80, 5)
    assert dashboard.desired_retention_percent == 85


def test_without_reviews_of_learned_cards_retention_is_unknown(learner, questions):
    log(learner, questions[0], at(9, 12))
    assert build_dashboard(learner, at(10, 12)).retention is None


def test_cards_are_counted_by_stage(learner, questions):
    now = at(10, 12)
    card(
        learner, questions[0], Snapshot(state=LEARNING, step=0, stability=1.0, difficulty=5.0, due=now, last_review=now)
    )
    card(
        learner,
        questions[1],
        Snapshot(state=RELEARNING, step=0, stability=1.0, difficulty=5.0, due=now, last_review=now),
    )
    card(learner, questions[2], review_snapshot(at(1, 0), 20.9))
    card(learner, questions[3], review_snapshot(at(1, 0), 21))
    card(learner, questions[4], Snapshot(state=NEW))  # seen on the study page, never answered
    dashboard = build_dashboard(learner, now)
    assert dashboard.stages == {
        Stage.NEW: len(questions) - 4,
        Stage.LEARNING: 2,
        Stage.YOUNG: 1,
        Stage.MATURE: 1,
    }


def test_the_forecast_and_todays_dues_follow_the_learners_midnight(learner, questions):
    now = at(10, 14, 30)  # 23:30 on 10 March in Tokyo
    dues = [
        at(8, 0),  # overdue: today
        at(10, 14, 50),  # 23:50 in Tokyo: later today
        at(10, 15, 10),  # 00:10 on 11 March in Tokyo: tomorrow
        at(10, 15, 10) + 28 * DAY,  # 8 April in Tokyo: the 30th day shown
        at(10, 15, 10) + 29 * DAY,  # 9 April: beyond the forecast
    ]
    for question, due in zip(questions, dues, strict=False):
        card(learner, question, review_snapshot(due - 5 * DAY, 5))
    dashboard = build_dashboard(learner, now)
    assert (dashboard.due_now, dashboard.due_later_today) == (1, 1)
    assert dashboard.forecast[0] == (datetime.date(2026, 3, 10), 2)
    assert dashboard.forecast[1] == (datetime.date(2026, 3, 11), 1)
    assert dashboard.forecast[29] == (datetime.date(2026, 4, 8), 1)
    assert len(dashboard.forecast) == 30
    assert sum(n for _day, n in dashboard.forecast) == 4


def test_mastery_is_the_share_of_a_topics_questions_recalled_with_90_percent_chance(learner, questions):
    now = at(10, 12)
    topic = Topic.objects.with_question_counts().get(slug="causes")
    mine = [q for q in questions if q.fact.topic_id == topic.pk]
    card(learner, mine[0], review_snapshot(now - DAY, 30, stability=30.0))  # fresh: about 0.99
    card(learner, mine[1], review_snapshot(now - 60 * DAY, 10, stability=2.0))  # long forgotten
    dashboard = build_dashboard(learner, now)
    row = next(row for row in dashboard.topics if row.topic.pk == topic.pk)
    assert (row.studied, row.mastered, row.total) == (2, 1, topic.question_count)
    assert row.due == 1
    assert row.mastered_percent == round(100 / topic.question_count)


def test_each_topic_shows_its_best_and_latest_quiz(learner, questions):
    topic = Topic.objects.get(slug="bfs")
    chosen = [q for q in questions if q.fact.topic_id == topic.pk and q.kind != Question.Kind.FLASHCARD][:4]

    def quiz(finished: datetime.datetime, right: int) -> QuizAttempt:
        attempt = QuizAttempt.objects.create(
            learner=learner, topic=topic, question_ids=[q.pk for q in chosen], started_at=finished, finished_at=finished
        )
        for number, question in enumerate(chosen):
            QuizAnswer.objects.create(
                attempt=attempt, question=question, is_correct=number < right, answered_at=finished
            )
        return attempt

    best = quiz(at(1, 10), 4)
    quiz(at(2, 10), 1)
    latest = quiz(at(3, 10), 2)
    QuizAttempt.objects.create(learner=learner, topic=topic, question_ids=[], started_at=at(4, 10))  # unfinished
    dashboard = build_dashboard(learner, at(10, 12))
    row = next(row for row in dashboard.topics if row.topic.pk == topic.pk)
    assert (row.best_quiz.attempt, row.latest_quiz.attempt) == (best, latest)
    assert (row.best_quiz.right, row.latest_quiz.right, row.latest_quiz.total) == (4, 2, 4)
    assert dashboard.has_history


def test_the_dashboard_shows_todays_numbers_and_three_charts(alice_client, learner, questions):
    now = at(10, 14, 30)
    log(learner, questions[0], now - DAY)
    card(learner, questions[0], review_snapshot(now - DAY, 3))
    with mock.patch("django.utils.timezone.now", return_value=now):
        html = alice_client.get("/progress/").content.decode()
    assert html.count("<h1") == 1
    assert html.count('<svg class="chart-svg') == 3
    for chart in ("stages", "forecast", "calendar"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
        assert re.search(rf'<desc id="{chart}-desc">[^<]{{20,}}</desc>', html), chart
    assert html.count("<summary>Show as a table</summary>") == 3
    assert "<dt>New cards left today</dt><dd>10</dd>" in html
    assert "<dt>Longest streak</dt><dd>1 day</dd>" in html
    assert '<th scope="row">March 12</th><td>1</td>' in html  # the forecast's table


def test_right_to_left_languages_mirror_the_charts(alice_client, learner, questions):
    now = at(10, 14, 30)
    log(learner, questions[0], now - DAY)
    card(learner, questions[0], review_snapshot(now - DAY, 3))

    def forecast_label_xs(html: str) -> list[float]:
        forecast = html[html.index('id="forecast-title"') : html.index("</svg>", html.index('id="forecast-title"'))]
        return [float(x) for x in re.findall(r'<text class="chart-label" x="([\d.]+)" y="153"', forecast)]

    with mock.patch("django.utils.timezone.now", return_value=now):
        english = forecast_label_xs(alice_client.get("/progress/").content.decode())
        arabic = forecast_label_xs(alice_client.get("/ar/progress/").content.decode())
    assert english == sorted(english)  # today at the left
    assert arabic == sorted(arabic, reverse=True)  # today at the right
    assert arabic[0] > 250 > 70 > english[0]  # today sits at the reading start


def test_dates_and_numbers_follow_the_language_but_svg_coordinates_do_not(alice_client, learner, questions):
    now = at(10, 14, 30)
    log(learner, questions[0], now - DAY)
    card(learner, questions[0], review_snapshot(now - DAY, 3))
    with mock.patch("django.utils.timezone.now", return_value=now):
        html = alice_client.get("/fr/progress/").content.decode()
    assert '<th scope="row">12 mars</th>' in html
    assert '<th scope="row">mars 2026</th>' in html
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height|viewBox)="([^"]*)"', svg)
        assert coordinates and all("," not in value for value in coordinates)


def test_the_dashboard_runs_a_fixed_number_of_queries_with_thousands_of_reviews(
    alice_client, learner, questions, django_assert_max_num_queries
):
    now = at(10, 12)
    start = now - 500 * DAY
    rows = [
        ReviewLog(
            learner=learner,
            question=questions[n % len(questions)],
            review_id=uuid.uuid4(),
            rating=1 + n % 4,
            reviewed_at=start + datetime.timedelta(hours=4 * n),
            duration_ms=5000,
            language="en",
            state_before=review_snapshot(start, 10).to_json(),
            state_after=review_snapshot(start, 10).to_json(),
        )
        for n in range(3000)
    ]
    ReviewLog.objects.bulk_create(rows)
    for n, question in enumerate(questions):
        card(learner, question, review_snapshot(now - n * DAY, n % 40 + 1))
    topic = Topic.objects.get(slug="bfs")
    for day in range(20):
        QuizAttempt.objects.create(
            learner=learner,
            topic=topic,
            question_ids=[],
            started_at=at(1, 10) + day * DAY,
            finished_at=at(1, 11) + day * DAY,
        )
    with mock.patch("django.utils.timezone.now", return_value=now):
        alice_client.get("/progress/")  # the day's first request renews the session (quiz.learners.keep_session)
        # One of them is the session's check for a "sign out everywhere" (quiz/sessions.py).
        with django_assert_max_num_queries(11):
            response = alice_client.get("/progress/")
    assert response.status_code == 200
    assert build_dashboard(learner, now).stages[Stage.NEW] == 0
