from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = _("Fasciculations content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quiz import accounts, learners, published, security_events, sessions  # noqa: F401  (connect the sign-in, content-change and security-event signals)
        from quiz.history import register_content

        register_content()
