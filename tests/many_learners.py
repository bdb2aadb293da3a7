"""Many learners studying at once, through the full request stack.

Each thread is a different signed-in learner answering a fixed number of
cards with the test client (middleware, sessions, views, transactions, on
whatever database the settings name). Used by tests/test_many_learners.py,
in process and in subprocesses that name the SQLite file differently."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from quiz.models import CardState, Learner, ReviewLog
from quiz.scheduling import Snapshot
from tests.study_helpers import answer_current_card

LEARNERS = 12
ANSWERS = 20


class RecordingClient(Client):
    """A test client that keeps the status of every response it got."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.statuses: list[int] = []

    def request(self, **request):
        response = super().request(**request)
        self.statuses.append(response.status_code)
        return response


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    acknowledged: dict[int, int] = field(default_factory=dict)  # learner id → answers acknowledged
    errors: list[BaseException] = field(default_factory=list)

    @property
    def server_errors(self) -> list[int]:
        return [status for status in self.statuses if status >= 500]


def study_at_once(learners: int = LEARNERS, answers: int = ANSWERS) -> Outcome:
    """`learners` threads, released together, each answering `answers` new cards.

    An answer is acknowledged when its grade (or wrong pick) got 200 (htmx) or
    302 (plain form). Half the learners use htmx, half plain forms."""
    outcome = Outcome()
    clients: list[tuple[Learner, RecordingClient]] = []
    for n in range(learners):
        user = get_user_model().objects.create_user(f"learner-{n}")
        learner = Learner.objects.create(user=user, new_per_day=answers)
        client = RecordingClient()
        client.force_login(user)
        clients.append((learner, client))
    barrier = threading.Barrier(learners)
    lock = threading.Lock()

    def study(learner: Learner, client: RecordingClient, htmx: bool) -> None:
        acknowledged = 0
        try:
            barrier.wait(timeout=30)
            for _ in range(answers):
                response = answer_current_card(client, rating=3, htmx=htmx)
                if response.status_code in (200, 302):
                    acknowledged += 1
        except BaseException as error:  # collected and reported by the caller
            with lock:
                outcome.errors.append(error)
        finally:
            with lock:
                outcome.acknowledged[learner.pk] = acknowledged
                outcome.statuses.extend(client.statuses)
            connection.close()

    threads = [
        threading.Thread(target=study, args=(learner, client, n % 2 == 0))
        for n, (learner, client) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return outcome


def log_rows_by_learner() -> dict[int, int]:
    counts: dict[int, int] = {}
    for learner_id in ReviewLog.objects.values_list("learner_id", flat=True):
        counts[learner_id] = counts.get(learner_id, 0) + 1
    return counts


def inconsistent_cards() -> list[int]:
    """Cards whose state is not what their log says: each answer adds one
    version and one log row, and the newest row's state_after is the card's
    state. A partial write (card saved without its row, or the reverse) shows here."""
    logs: dict[tuple[int, int], list[ReviewLog]] = {}
    for log in ReviewLog.objects.order_by("id"):
        logs.setdefault((log.learner_id, log.question_id), []).append(log)
    bad = []
    for card in CardState.objects.all():
        rows = logs.pop((card.learner_id, card.question_id), [])
        if card.version != len(rows) or rows and Snapshot.from_json(rows[-1].state_after) != card.snapshot():
            bad.append(card.pk)
    return bad + [rows[0].pk for rows in logs.values()]
