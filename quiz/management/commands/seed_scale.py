"""Many learners and a long review log, fast, for bench/scale.py (issue 10)."""

from __future__ import annotations

import datetime
import random
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from quiz import scheduling
from quiz.models import CardState, Learner, Question, ReviewLog

BATCH = 5000


class Command(BaseCommand):
    help = "Bulk-create N learners with M review-log rows between them, for benchmarks. Never run in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=10_000)
        parser.add_argument("--reviews", type=int, default=1_000_000, help="review-log rows in all")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (a benchmark server).")

    def handle(self, *args, learners: int, reviews: int, force: bool, **options) -> None:
        # Thousands of made-up users do not belong in a production database.
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this may be production. Pass --force to seed anyway.")
        if learners < 1:
            raise CommandError("--learners must be at least 1.")
        started = time.perf_counter()
        states, logs = self.seed(learners, reviews)
        self.stdout.write(
            f"Created {learners} learners, {states} card states, {logs} log rows "
            f"in {time.perf_counter() - started:.0f} s."
        )

    @transaction.atomic
    def seed(self, learners: int, reviews: int) -> tuple[int, int]:
        rng = random.Random(10)
        now = timezone.now()
        questions = list(Question.objects.published().values_list("pk", flat=True))
        per_learner = reviews // learners
        # Each learner studied some cards several times: about four reviews a card.
        cards_each = max(1, min(len(questions), -(-per_learner // 4))) if per_learner else 0
        # One chain of states (Good, with a lapse now and then) computed once and
        # shared: the scheduler's cost is not what this command is for.
        chain: list[tuple[int, datetime.datetime, dict, dict, scheduling.Snapshot]] = []
        snapshot, when = scheduling.Snapshot(), now - datetime.timedelta(days=120)
        for n in range(per_learner // max(cards_each, 1) + 1):
            rating = 1 if n % 7 == 6 else 3
            after = scheduling.review(snapshot, rating, when, 0.9)
            chain.append((rating, when, snapshot.to_json(), after.to_json(), after))
            snapshot = after
            assert after.due is not None  # a reviewed card always has one
            when = min(after.due, now - datetime.timedelta(minutes=1))

        suffix = uuid.uuid4().hex[:6]
        users = get_user_model().objects.bulk_create(
            (get_user_model()(username=f"scale-{suffix}-{n}") for n in range(learners)), batch_size=BATCH
        )
        learner_rows = Learner.objects.bulk_create((Learner(user=user) for user in users), batch_size=BATCH)
        state_count = log_count = 0
        states: list[CardState] = []
        logs: list[ReviewLog] = []
        for learner in learner_rows:
            left = per_learner
            for question in rng.sample(questions, cards_each) if cards_each else []:
                count = min(left, -(-per_learner // cards_each))
                if count == 0:
                    break
                left -= count
                # Spread over the last months, some of it today.
                shift = datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 30))
                for rating, at, json_before, json_after, _ in chain[:count]:
                    logs.append(
                        ReviewLog(
                            learner=learner,
                            question_id=question,
                            review_id=uuid.uuid4(),
                            rating=rating,
                            reviewed_at=min(at + shift, now),
                            duration_ms=rng.randint(1500, 9000),
                            language="en",
                            state_before=json_before,
                            state_after=json_after,
                        )
                    )
                card = CardState(learner=learner, question_id=question, version=count)
                card.apply(chain[count - 1][4])
                states.append(card)
            if len(logs) >= BATCH * 4:
                log_count += len(ReviewLog.objects.bulk_create(logs, batch_size=BATCH))
                state_count += len(CardState.objects.bulk_create(states, batch_size=BATCH))
                logs, states = [], []
                self.stderr.write(f"  {log_count} log rows …")
        log_count += len(ReviewLog.objects.bulk_create(logs, batch_size=BATCH))
        state_count += len(CardState.objects.bulk_create(states, batch_size=BATCH))
        return state_count, log_count
