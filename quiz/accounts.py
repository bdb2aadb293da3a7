"""Accounts: who the client is, for sign-in throttling, and closing an account."""

from __future__ import annotations

import ipaddress

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from quiz.models import Learner


def client_ip(request: HttpRequest) -> str:
    """The client's address, as the nearest proxy we trust saw it.

    Each of our TRUSTED_PROXIES proxies appends the address it received from
    to X-Forwarded-For, so the client is that many entries from the end;
    entries before it were written by the client and prove nothing. Without a
    proxy, with fewer entries than proxies, or with an entry that is not an IP
    address, it is the connection's address."""
    candidates = [request.META.get("REMOTE_ADDR", "")]
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(entries) >= proxies:
            candidates.insert(0, entries[-proxies])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return ""


@receiver(user_logged_in, dispatch_uid="quiz.accounts.forgive_own_failures")
def forgive_own_failures(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    """A sign-in forgives the signed-in user's own wrong passwords from this
    address, and nothing else (AXES_RESET_ON_SUCCESS is off): failures for other
    usernames from here, or for theirs from elsewhere, still count. Axes' own
    reset would delete every failure from the address, whatever the username."""
    if request is None:
        return
    AccessAttempt.objects.filter(username=user.get_username(), ip_address=client_ip(request)).delete()


@transaction.atomic
def delete_account(user: AbstractBaseUser) -> None:
    """Delete the user and all their progress (through the learner's cascades),
    and django-axes' sign-in records of their username."""
    username = user.get_username()
    # The learner row first, as every write to their progress (Learner.lock):
    # the cascade below deletes their cards before the learner row itself.
    for learner in Learner.objects.filter(user_id=user.pk):
        learner.lock()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=username).delete()
    user.delete()
