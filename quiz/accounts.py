"""Accounts: who the client is, for sign-in throttling, the browsers that
signed in before, and closing an account."""

from __future__ import annotations

import ipaddress
import logging
import secrets

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from quiz.models import Learner

logger = logging.getLogger(__name__)


class DisallowedForwardedFor(SuspiciousOperation):
    """The trusted proxies' X-Forwarded-For entry is not an IP address: they are
    not set up as DJANGO_TRUSTED_PROXIES says. Django answers 400."""


def client_ip(request: HttpRequest) -> str:
    """The client's address, as the nearest proxy we trust saw it.

    Each of our TRUSTED_PROXIES proxies appends the address it received from
    to X-Forwarded-For, so the client is that many entries from the end;
    entries before it were written by the client and prove nothing. Without a
    proxy it is the connection's address. Behind proxies, too few entries or
    an entry that is not an IP address is a configuration error: the request
    is refused, never counted on the proxy's own address (which would put
    every client behind it under one limit)."""
    proxies = settings.TRUSTED_PROXIES
    if not proxies:
        try:
            return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
        except ValueError:
            return ""
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in header.split(",")]
    try:
        return str(ipaddress.ip_address(entries[-proxies] if len(entries) >= proxies else ""))
    except ValueError:
        logger.error(
            "X-Forwarded-For %r has no IP address %d entries from the end (DJANGO_TRUSTED_PROXIES): request refused",
            header[:200],
            proxies,
        )
        raise DisallowedForwardedFor("X-Forwarded-For does not match DJANGO_TRUSTED_PROXIES") from None


def counting_address(request: HttpRequest) -> str:
    """The client as limits and lockouts count it (settings.AXES_CLIENT_IP_CALLABLE,
    quiz/throttle.py): an IPv4 address, or for IPv6 the client's /64 network,
    written as its first address ("2001:db8:1:2::"), since one host or household
    usually holds a whole /64. The security log keeps the exact `client_ip`."""
    address = client_ip(request)
    if not address:
        return address
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address)
    return address


# The lockout parameters (settings.AXES_LOCKOUT_PARAMETERS): wrong passwords are
# counted per address, per username and per pair; from a browser that signed in
# as the username before, per pair only, so no one else can lock its owner out.
EVERYONE = ["ip_address", "username", ["username", "ip_address"]]
KNOWN_DEVICE = [["username", "ip_address"]]
DEVICE_COOKIE = settings.SIGNIN_DEVICE_COOKIE_NAME
DEVICE_SALT = "quiz.accounts.device"


def lockout_parameters(request: object, credentials: dict | None) -> list:
    """How django-axes counts this sign-in's failures (OWASP's "device cookies")."""
    username = (credentials or {}).get("username")
    if isinstance(request, HttpRequest) and username and device_username(request) == username:
        return KNOWN_DEVICE
    return EVERYONE


def mark_device(response: HttpResponseBase, username: str) -> None:
    """Remember, in a signed HttpOnly cookie, that this browser signed in as
    `username` (with a random nonce, so each browser's cookie is its own)."""
    value = signing.dumps({"user": username, "nonce": secrets.token_urlsafe(12)}, salt=DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=settings.SIGNIN_DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_username(request: HttpRequest) -> str | None:
    """The username this browser signed in as before, if its cookie is genuine and not expired."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=DEVICE_SALT, max_age=settings.SIGNIN_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return None
    user = data.get("user") if isinstance(data, dict) else None
    return user if isinstance(user, str) else None


def lift_lockout(user: AbstractBaseUser) -> None:
    """Forget every wrong password for the user's username, from anywhere: a
    completed password reset proved the account's email, so its owner is back."""
    AccessAttempt.objects.filter(username=user.get_username()).delete()


@receiver(user_logged_in, dispatch_uid="quiz.accounts.forgive_own_failures")
def forgive_own_failures(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    """A sign-in forgives the signed-in user's own wrong passwords from this
    address, and nothing else (AXES_RESET_ON_SUCCESS is off): failures for other
    usernames from here, or for theirs from elsewhere, still count. Axes' own
    reset would delete every failure from the address, whatever the username."""
    if request is None:
        return
    AccessAttempt.objects.filter(username=user.get_username(), ip_address=counting_address(request)).delete()


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
