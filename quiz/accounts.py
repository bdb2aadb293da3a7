"""Accounts: who the client is, for sign-in throttling, the browsers that
signed in before, changing the e-mail address, and closing an account."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import secrets
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac

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


# An e-mail change link (views.account.email_change_confirm) is signed with this
# salt, so no other signed value of the project can pass for one.
EMAIL_CHANGE_SALT = "quiz.accounts.email-change"


@dataclass(frozen=True)
class EmailChange:
    """A change of `user`'s address to `new`, asked for with the password and
    waiting for the link sent to `new` to be used."""

    user: User
    new: str

    def token(self) -> str:
        """The link's signed token: the user, the new address, and a digest of
        the current one, so that the link goes stale once the address changes."""
        data = {"user": self.user.pk, "new": self.new, "current": current_digest(self.user)}
        return signing.dumps(data, salt=EMAIL_CHANGE_SALT, compress=True)

    @classmethod
    def load(cls, token: str, user: User) -> EmailChange | None:
        """The change a token asks for, if it is genuine, recent, for `user`, and
        made while their address was what it is now; None otherwise."""
        max_age = datetime.timedelta(days=settings.EMAIL_CHANGE_LINK_DAYS)
        try:
            data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=max_age)
        except signing.BadSignature:  # forged, damaged or expired
            return None
        if not isinstance(data, dict) or data.get("user") != user.pk or not isinstance(data.get("new"), str):
            return None
        if not constant_time_compare(str(data.get("current")), current_digest(user)):
            return None
        return cls(user, data["new"])

    def apply(self) -> None:
        """Make the new address the account's."""
        self.user.email = self.new
        self.user.save(update_fields=["email"])


def current_digest(user: User) -> str:
    # A digest rather than the address itself: the link then carries one address, not two.
    return salted_hmac(EMAIL_CHANGE_SALT, f"{user.pk}:{user.email}", algorithm="sha256").hexdigest()[:32]


def send_account_mail(request: HttpRequest, user: User, to: str, template: str, *, token: str = "") -> None:
    """Send `account/<template>_subject.txt` and `_email.txt` to `to`, plain text,
    in the learner's chosen language or else the page's (as the reset e-mail
    is); with `token`, the e-mail holds the confirmation link made of it."""
    language = Learner.objects.filter(user=user).values_list("language", flat=True).first()
    with translation.override(language or translation.get_language()):
        context: dict[str, object] = {"user": user}
        if token:
            context["link"] = request.build_absolute_uri(reverse("quiz:email-change-confirm", args=[token]))
        subject = "".join(render_to_string(f"account/{template}_subject.txt", context).splitlines())
        body = render_to_string(f"account/{template}_email.txt", context)
    send_mail(subject, body, None, [to])
