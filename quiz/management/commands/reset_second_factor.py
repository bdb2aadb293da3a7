"""Remove an account's second factor, for someone who lost their phone and
their recovery codes: `manage.py reset_second_factor USERNAME`. They sign in
with their password again and can set up a new app from their account page
(staff must, before the admin lets them in)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from quiz import second_factor
from quiz.security_events import Event, Outcome, record


class Command(BaseCommand):
    help = "Delete a user's authenticator app and recovery codes (a lost phone)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        devices = second_factor.remove(user)
        record(Event.SECOND_FACTOR, None, user_id=user.pk, outcome=Outcome.SUCCESS, action="reset", devices=devices)
        if devices:
            self.stdout.write(
                f"Deleted {devices} second-factor device(s) of {username}: they sign in with their password alone now."
            )
        else:
            self.stdout.write(f"{username} had no second factor; nothing changed.")
