"""Accounts: who the client is, for sign-in throttling, changing the e-mail
address, and closing an account."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac

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
