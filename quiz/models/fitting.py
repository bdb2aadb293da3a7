"""FSRS parameter sets fitted to the review log (issue 12): one row per fit
that was better than what was in force, deck-wide or for one learner. A
deck-wide set schedules no one until a person approves it (issue 17)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quiz.scheduling import Parameters


class ParameterSetQuerySet(models.QuerySet["ParameterSet"]):
    def newest_approved_deck(self) -> ParameterSet | None:
        """The newest approved deck-wide set, read from the database; None before any was approved."""
        return self.filter(learner__isnull=True, approved_at__isnull=False).order_by("-approved_at", "-id").first()

    def pending_decks(self) -> ParameterSetQuerySet:
        """Deck-wide sets that fit_schedule stored and no one has approved yet (at most one, normally)."""
        return self.filter(learner__isnull=True, approved_at__isnull=True)

    def pending_deck(self) -> ParameterSet | None:
        return self.pending_decks().order_by("-created_at", "-id").first()

    def deck_in_force(self) -> ParameterSet | None:
        """The deck-wide set that schedules (None: the FSRS defaults): the newest
        approved one, never a pending one. The one place that says so: served from the process's copy of what everyone
        studies (quiz.published), which storing a deck-wide set renews, so the
        study requests spend no query on it. Treat the instance as read-only."""
        from quiz.published import published  # it imports the models

        return published().deck_set


class ParameterSet(models.Model):
    """Twenty-one FSRS weights fitted to reviews, with the numbers that justified
    keeping them: held-out log loss and RMSE of the set in force before and of
    this one. A learner's own set goes with their account (CASCADE)."""

    created_at = models.DateTimeField(_("fitted at"), auto_now_add=True)
    # Null: fitted to every learner's reviews (deck-wide).
    learner = models.ForeignKey(
        "quiz.Learner", models.CASCADE, null=True, blank=True, related_name="parameter_sets", editable=False
    )
    parameters = models.JSONField(_("parameters"))
    review_count = models.PositiveIntegerField(_("reviews"))
    learner_count = models.PositiveIntegerField(_("learners"))
    # The newest log row the fit saw: with review_count, tells whether anything changed since.
    last_review_log_id = models.BigIntegerField(default=0)
    log_loss_before = models.FloatField(_("log loss before"))
    log_loss_after = models.FloatField(_("log loss after"))
    rmse_before = models.FloatField(_("RMSE before"))
    rmse_after = models.FloatField(_("RMSE after"))
    held_out_count = models.PositiveIntegerField(_("held-out reviews"), default=0)
    # The desired retention that keeps the most for the least work with these weights (a suggestion).
    recommended_retention = models.FloatField(_("recommended retention"), null=True, blank=True)
    # Deck-wide sets only: who let it schedule everyone, and when (null: pending).
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("approved by"),
    )

    objects = ParameterSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("parameter set")
        verbose_name_plural = _("parameter sets")
        indexes = [models.Index(fields=["learner", "-created_at"], name="parameter_set_newest")]
        permissions = [("approve_parameterset", _("Can approve a deck-wide schedule"))]

    def __str__(self) -> str:
        # Never the learner's name: staff see these rows.
        return f"#{self.pk} · {self.review_count}"

    @property
    def weights(self) -> Parameters:
        return tuple(float(w) for w in self.parameters)

    @property
    def is_pending(self) -> bool:
        return self.learner_id is None and self.approved_at is None

    def approve(self, user_id: int | None, now: datetime.datetime) -> None:
        """Let this pending deck-wide set schedule everyone from now on. Saving
        renews every process's copy of the content (quiz.published)."""
        self.approved_at = now
        self.approved_by_id = user_id
        self.save(update_fields=["approved_at", "approved_by"])
