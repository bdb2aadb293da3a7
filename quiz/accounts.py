"""Accounts: who the client is, for sign-in throttling, and closing an account."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind our reverse proxy, the last entry of
    X-Forwarded-For is the one the proxy itself appended; earlier entries
    come from the client and cannot be trusted."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


@transaction.atomic
def delete_account(user: AbstractBaseUser) -> None:
    """Delete the user and all their progress (through the learner's cascades),
    and django-axes' sign-in records of their username."""
    username = user.get_username()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=username).delete()
    user.delete()
