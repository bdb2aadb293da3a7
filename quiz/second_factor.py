"""The second factor (django-otp): one TOTP device (an authenticator app) and
one set of single-use recovery codes per account. Staff need it to reach the
admin (quiz/admin_site.py); a learner may turn it on, and then signing in
asks for a code after the password (quiz/views/second_factor.py).

A code is checked against one device, picked by its shape (six digits for the
app, anything else for a recovery code), so a wrong code counts against that
device's throttle only; django-otp makes each device wait longer after every
wrong code (settings.OTP_*_THROTTLE_FACTOR)."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

import segno
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10


def is_enabled(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether signing in as `user` asks for a code: they confirmed an app."""
    return user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app(user: AbstractBaseUser) -> TOTPDevice:
    """The app being set up: an unconfirmed device, made once and kept until
    confirmed, so reloading the set-up page shows the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="app", confirmed=False)


def confirm_app(device: TOTPDevice, token: str) -> bool:
    """Confirm `device` if `token` is its current code; a wrong code is throttled."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not (token.isdigit() and locked.verify_token(token)):
            return False
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        # Any older app stops working: one phone at a time.
        TOTPDevice.objects.filter(user_id=locked.user_id).exclude(pk=locked.pk).delete()
    return True


def new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Ten fresh codes; the old ones stop working."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def remove(user: AbstractBaseUser) -> int:
    """Delete every device of `user` (app and recovery codes); how many there were."""
    devices = 0
    for model in (TOTPDevice, StaticDevice):
        deleted, _per_model = model.objects.filter(user=user).delete()
        devices += _per_model.get(model._meta.label, 0)
    return devices


@dataclass(frozen=True)
class Check:
    """What checking a code found: the device it matched, or why not."""

    device: Device | None
    # The device waits after wrong codes (django-otp's throttle): nothing was checked.
    throttled: bool = False
    # A recovery code was used up.
    recovery: bool = False


def normalize(token: str) -> str:
    """Codes as people type them: spaces and dashes dropped, recovery codes in any case."""
    return "".join(token.split()).replace("-", "").lower()


def verify(user: AbstractBaseUser, token: str) -> Check:
    """Check `token` against the one device of `user` its shape names."""
    token = normalize(token)
    recovery = not (token.isdigit() and len(token) == TOTPDevice._meta.get_field("digits").default)
    model: type[TOTPDevice] | type[StaticDevice] = StaticDevice if recovery else TOTPDevice
    with transaction.atomic():
        # Locked, so two requests cannot both use one recovery code or both pass the throttle.
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None or not token:
            return Check(None)
        allowed, extra = device.verify_is_allowed()
        if not allowed:
            return Check(None, throttled=extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS)
        if not device.verify_token(token):
            return Check(None)
    return Check(device, recovery=recovery)


def grouped_secret(device: TOTPDevice) -> str:
    """The secret as an app's "enter a key" field wants it, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code. segno writes
    presentation attributes only, no style attribute, so the CSP allows it."""
    code = segno.make(device.config_url, error="m")
    # segno escapes what it writes; the address holds only the username and the secret.
    svg = code.svg_inline(dark="#000", light="#fff", omitsize=True, svgclass="qr-code", title=gettext("QR code"))
    return mark_safe(svg)  # noqa: S308
