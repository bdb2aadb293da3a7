from __future__ import annotations

import datetime
import random
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from quiz import scheduling
from quiz.models import CardState, Learner, Question, ReviewLog


class Command(BaseCommand):
    help = "Create learners with a long study history, for benchmarks (bench/run.py). Never run in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=300)
        parser.add_argument("--reviews-per-card", type=int, default=4)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (a benchmark server).")

    def handle(self, *args, learners: int, reviews_per_card: int, force: bool, **options) -> None:
        # Hundreds of made-up users do not belong in a production database.
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this may be production. Pass --force to seed anyway.")
        self.seed(learners, reviews_per_card)

    @transaction.atomic
    def seed(self, learners: int, reviews_per_card: int) -> None:
        rng = random.Random(7)
        now = timezone.now()
        questions = list(Question.objects.published())
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"bench-{n}-{uuid.uuid4().hex[:6]}") for n in range(learners)
        )
        learner_rows = Learner.objects.bulk_create(Learner(user=user) for user in users)
        states, logs = [], []
        for learner in learner_rows:
            for question in questions:
                snapshot = scheduling.Snapshot()
                when = now - datetime.timedelta(days=90)
                for _ in range(reviews_per_card):
                    before = snapshot
                    rating = rng.choice([1, 3, 3, 3, 4])
                    snapshot = scheduling.review(before, rating, when, 0.9)
                    logs.append(
                        ReviewLog(
                            learner=learner,
                            question=question,
                            review_id=uuid.uuid4(),
                            rating=rating,
                            reviewed_at=when,
                            duration_ms=rng.randint(1500, 9000),
                            language="en",
                            state_before=before.to_json(),
                            state_after=snapshot.to_json(),
                        )
                    )
                    assert snapshot.due is not None  # a reviewed card always has one
                    when = min(snapshot.due, now - datetime.timedelta(minutes=1))
                card = CardState(learner=learner, question=question, version=reviews_per_card)
                card.apply(snapshot)
                states.append(card)
        CardState.objects.bulk_create(states, batch_size=2000)
        ReviewLog.objects.bulk_create(logs, batch_size=2000)
        self.stdout.write(f"Created {len(learner_rows)} learners, {len(states)} card states, {len(logs)} log rows.")
