"""Delete what visitors without an account left behind once their session is gone.

Safe to run from cron as often as you like: a second run finds nothing more.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from quiz.models import CardState, Learner, QuizAnswer, QuizAttempt, ReviewLog

# Deleting in batches keeps each transaction (and its locks) short.
BATCH = 500
LABELS = {
    "quiz.Learner": "guest learners",
    "quiz.CardState": "card states",
    "quiz.ReviewLog": "review-log rows",
    "quiz.QuizAttempt": "quiz attempts",
    "quiz.QuizAnswer": "quiz answers",
    "sessions.Session": "expired sessions",
}


def what_would_go(now: datetime.datetime, since: datetime.datetime, empty_since: datetime.datetime) -> dict[str, int]:
    guests = Learner.objects.to_purge(since, empty_since)
    return {
        "quiz.Learner": guests.count(),
        "quiz.CardState": CardState.objects.filter(learner__in=guests).count(),
        "quiz.ReviewLog": ReviewLog.objects.filter(learner__in=guests).count(),
        "quiz.QuizAttempt": QuizAttempt.objects.filter(learner__in=guests).count(),
        "quiz.QuizAnswer": QuizAnswer.objects.filter(attempt__learner__in=guests).count(),
        "sessions.Session": Session.objects.filter(expire_date__lt=now).count(),
    }


def purge(now: datetime.datetime, since: datetime.datetime, empty_since: datetime.datetime) -> dict[str, int]:
    """Delete guests not seen since `since`, and those with no answer not seen
    since `empty_since` (with their cards, log and quizzes), and sessions
    expired at `now`; return how many rows of each model went.

    The sessions of the guests with no answer stay until they expire: finding
    them would mean decoding every session. They are harmless: they point to a
    learner that no longer exists (ids are never reused), so the visitor starts
    afresh, as after a reset."""
    deleted = dict.fromkeys(LABELS, 0)
    while batch := list(Learner.objects.to_purge(since, empty_since).values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            # Filtered again, so a guest seen (or answering) since the batch was read is spared.
            guests = Learner.objects.to_purge(since, empty_since).filter(pk__in=batch)
            # Their rows locked first, as every write to a learner's progress does (Learner.lock).
            list(guests.select_for_update().values_list("pk"))
            _total, counts = guests.delete()
        for label, count in counts.items():
            deleted[label] = deleted.get(label, 0) + count
        if not counts.get("quiz.Learner"):
            break
    deleted["sessions.Session"] = Session.objects.filter(expire_date__lt=now).delete()[0]
    return deleted


class Command(BaseCommand):
    help = (
        "Delete guest learners (visitors without an account) not seen for GUEST_RETENTION_DAYS, "
        "or for GUEST_EMPTY_RETENTION_DAYS when they never answered, with their card states, "
        "review log and quiz attempts, and delete expired sessions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        now = timezone.now()
        # A guest not seen for this long has no live session: renewal would have marked them active.
        since = now - datetime.timedelta(days=settings.GUEST_RETENTION_DAYS)
        # Whoever never answered has nothing to lose; their session may still come back, to a fresh start.
        empty_since = now - datetime.timedelta(days=settings.GUEST_EMPTY_RETENTION_DAYS)
        counts = what_would_go(now, since, empty_since) if dry_run else purge(now, since, empty_since)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} guests not seen since {since:%Y-%m-%d %H:%M} UTC (with no answer: since "
            f"{empty_since:%Y-%m-%d %H:%M} UTC), and sessions expired by now:"
        )
        for label, name in LABELS.items():
            self.stdout.write(f"  {name}: {counts.get(label, 0)}")
        if dry_run:
            self.stdout.write("Dry run: nothing was deleted.")
