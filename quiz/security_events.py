"""Security events: one structured line each on the `quiz.security` logger, a
JSON object with the event, the user id, the client's address and the outcome
(and, for some events, a detail or two). The lines go to the log stream, not
the database, so deleting an account never deletes the record of what
happened to it; no password, token or e-mail address is ever in them.

Sign-in, its failures and lockouts are logged from Django's and django-axes'
signals here; every other event is recorded where it happens, with `record`."""

from __future__ import annotations

import json
import logging
from enum import StrEnum

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from quiz.accounts import client_ip

logger = logging.getLogger("quiz.security")


class Event(StrEnum):
    SIGNIN = "signin"
    SIGNOUT = "signout"
    LOCKOUT = "lockout"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET_REQUEST = "password_reset_request"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"
    SECOND_FACTOR = "second_factor"
    SESSIONS_ENDED = "sessions_ended"
    ACCOUNT_DELETED = "account_deleted"
    OWNERSHIP_REFUSED = "ownership_refused"
    SCHEDULE_APPROVED = "schedule_approved"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    # Stopped before any check: a lockout, a limit, something that is not the requester's.
    REFUSED = "refused"
    # Asked for, not yet done (a confirmation link sent, a reset mail queued).
    REQUESTED = "requested"


def record(
    event: Event,
    request: HttpRequest | None,
    *,
    user_id: int | None,
    outcome: Outcome,
    **details: str | int | bool | None,
) -> None:
    """Log one security event. `details` are short, non-secret facts (a path, a method name)."""
    line = {
        "event": str(event),
        "user_id": user_id,
        "client": client_ip(request) if request is not None else None,
        "outcome": str(outcome),
        **details,
    }
    logger.info(json.dumps(line, sort_keys=False, default=str))


def account_id(username: object) -> int | None:
    """The id of the account a sign-in attempt named, if there is one."""
    if not isinstance(username, str) or not username:
        return None
    return get_user_model()._default_manager.filter(username=username).values_list("pk", flat=True).first()


@receiver(user_logged_in, dispatch_uid="quiz.security_events.signin")
def signed_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    record(Event.SIGNIN, request, user_id=user.pk, outcome=Outcome.SUCCESS)


@receiver(user_logged_out, dispatch_uid="quiz.security_events.signout")
def signed_out(sender, request: HttpRequest | None, user, **kwargs) -> None:
    record(Event.SIGNOUT, request, user_id=getattr(user, "pk", None), outcome=Outcome.SUCCESS)


@receiver(user_login_failed, dispatch_uid="quiz.security_events.signin_failed")
def sign_in_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    # Django has already masked the password in `credentials`; only the username is read.
    record(Event.SIGNIN, request, user_id=account_id(credentials.get("username")), outcome=Outcome.FAILURE)


@receiver(user_locked_out, dispatch_uid="quiz.security_events.lockout")
def locked_out(sender, request: HttpRequest | None, username: str | None = None, **kwargs) -> None:
    record(Event.LOCKOUT, request, user_id=account_id(username), outcome=Outcome.REFUSED)
