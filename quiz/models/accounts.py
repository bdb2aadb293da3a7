"""What an account keeps apart from its progress: when its sessions were last
all ended ("sign out everywhere")."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models


class SessionCutoffQuerySet(models.QuerySet["SessionCutoff"]):
    def end_sessions(self, user_id: int, now: datetime.datetime) -> None:
        """End every session the user signed in to before `now` (each is signed
        out at its next request, quiz.sessions)."""
        self.update_or_create(user_id=user_id, defaults={"at": now})

    def ends(self, user_id: int, signed_in_at: datetime.datetime) -> bool:
        """Whether a session of the user signed in at `signed_in_at` was ended since."""
        return self.filter(user_id=user_id, at__gt=signed_in_at).exists()


class SessionCutoff(models.Model):
    """Sessions of this user signed in before `at` are no longer valid. One row
    per user who ever signed out everywhere, beside the user rather than the
    learner: staff without a learner row have sessions too."""

    # Not in the admin, so no translated names: no one but the middleware reads it.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    objects = SessionCutoffQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.at:%Y-%m-%d %H:%M}"
