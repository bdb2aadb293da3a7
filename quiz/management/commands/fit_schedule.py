"""Fit FSRS's weights to the review log: deck-wide, then per learner (issue 12).

Safe to run from cron (nightly is plenty): a set is stored only when it
predicts held-out reviews better than the one in force, and a run with no new
reviews since the last stored fit changes nothing. A deck-wide set is stored
pending: it schedules no one until a person approves it in the admin.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from quiz import fitting
from quiz.fitting import DeckRules, Outcome, Result, Screening


def metrics(outcome: Outcome) -> str:
    evaluation = outcome.evaluation
    if evaluation is None:
        return ""
    return (
        f"; on {evaluation.held_out:,} held-out reviews, log loss {evaluation.log_loss_before:.4f} → "
        f"{evaluation.log_loss_after:.4f}, RMSE {evaluation.rmse_before:.4f} → {evaluation.rmse_after:.4f}"
    )


class Command(BaseCommand):
    help = (
        "Fit FSRS parameters to the review log (all learners, then each learner with enough reviews) and keep "
        "each fit only when it beats the parameters in force on held-out reviews."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-reviews", type=int, default=settings.FIT_MIN_REVIEWS, help="predictable reviews a deck fit needs"
        )
        parser.add_argument(
            "--learner-min-reviews",
            type=int,
            default=settings.FIT_LEARNER_MIN_REVIEWS,
            help="reviews a learner needs before their own fit is tried",
        )
        parser.add_argument("--deck-only", action="store_true", help="Skip the per-learner fits.")

    def handle(self, *args, min_reviews: int, learner_min_reviews: int, deck_only: bool, **options) -> None:
        started = time.perf_counter()
        rules = DeckRules(
            Screening(
                min_age=datetime.timedelta(days=settings.FIT_MIN_LEARNER_AGE_DAYS),
                one_grade_reviews=settings.FIT_ONE_GRADE_REVIEWS,
                min_answer_ms=settings.FIT_MIN_ANSWER_MS,
            ),
            max_share=settings.FIT_MAX_LEARNER_PERCENT / 100,
        )
        deck = fitting.fit_deck(max(min_reviews, 1), rules, timezone.now())
        self.report_left_out(deck, rules)
        self.report("Deck-wide", deck, min_reviews)
        if not deck_only:
            outcomes = fitting.fit_learners(max(learner_min_reviews, 1))
            for outcome in outcomes:
                # Learners whose fit was tried; the others are counted below.
                if outcome.result in (Result.KEPT, Result.NOT_BETTER) or options["verbosity"] > 1:
                    self.report(f"Learner #{outcome.learner_id}", outcome, learner_min_reviews)
            results = Counter(outcome.result for outcome in outcomes)
            self.stdout.write(
                f"Learners with at least {learner_min_reviews:,} reviews: {len(outcomes):,}; own parameters "
                f"kept for {results[Result.KEPT]:,}, not better for {results[Result.NOT_BETTER]:,}, "
                f"too few predictable reviews for {results[Result.TOO_FEW]:,}, "
                f"no new reviews for {results[Result.UNCHANGED]:,}."
            )
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s.")

    def report_left_out(self, outcome: Outcome, rules: DeckRules) -> None:
        why = {
            fitting.LeftOut.YOUNG: f"younger than {rules.screening.min_age.days} days",
            fitting.LeftOut.ONE_GRADE: (
                f"every answer the same grade over at least {rules.screening.one_grade_reviews:,} reviews"
            ),
            fitting.LeftOut.TOO_FAST: f"median answer time under {rules.screening.min_answer_ms:,} ms",
        }
        for reason, (learners, reviews) in outcome.left_out.items():
            self.stdout.write(
                f"Left out of the deck-wide fit: {learners:,} learners ({reviews:,} reviews), {why[reason]}."
            )
        if outcome.capped:
            self.stdout.write(
                f"Left out by the share cap (no learner above {rules.max_share:.0%} of the items): "
                f"{outcome.capped:,} predictable reviews."
            )

    def report(self, who: str, outcome: Outcome, minimum: int) -> None:
        if outcome.learner_id is None:
            counts = f"{outcome.review_count:,} reviews from {outcome.learner_count:,} learners"
        else:
            counts = f"{outcome.review_count:,} of their reviews"
        if outcome.result == Result.TOO_FEW:
            self.stdout.write(
                f"{who}: too few reviews to fit ({counts}; {outcome.items:,} predictable, at least {minimum:,} "
                "needed). Nothing was changed: the parameters in force stay."
            )
        elif outcome.result == Result.TOO_FEW_LEARNERS:
            self.stdout.write(
                f"{who}: too few learners to fit ({counts}; at least {outcome.min_learners:,} needed, so that no "
                "one learner weighs more than their share). Nothing was changed: the parameters in force stay."
            )
        elif outcome.result == Result.UNCHANGED and outcome.kept is not None:
            self.stdout.write(
                f"{who}: no new reviews since parameter set #{outcome.kept.pk} ({counts}), which awaits approval "
                "in the admin. Nothing to do."
            )
        elif outcome.result == Result.UNCHANGED:
            self.stdout.write(f"{who}: no new reviews since the fit in force ({counts}). Nothing to do.")
        elif outcome.result == Result.PENDING:
            assert outcome.kept is not None
            self.stdout.write(
                self.style.SUCCESS(
                    f"{who}: fitted to {counts}{metrics(outcome)}. Better: stored as parameter set "
                    f"#{outcome.kept.pk} (recommended retention {outcome.kept.recommended_retention:.2f}), "
                    "pending: it schedules no one until it is approved in the admin."
                )
            )
        elif outcome.result == Result.NOT_BETTER:
            self.stdout.write(
                f"{who}: fitted to {counts}{metrics(outcome)}. Not better than the parameters in force: not stored."
            )
        else:
            assert outcome.kept is not None
            self.stdout.write(
                self.style.SUCCESS(
                    f"{who}: fitted to {counts}{metrics(outcome)}. Better: stored as parameter set "
                    f"#{outcome.kept.pk} (recommended retention {outcome.kept.recommended_retention:.2f})."
                )
            )
