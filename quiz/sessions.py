"""How long a signed-in session lasts (the settings' STAFF_SESSION_* and
ACCOUNT_SESSION_MAX_DAYS), and "sign out everywhere".

A session notes when it signed in. A staff member's ends after a spell
without requests and some hours after sign-in, whatever the use; a learner's
slides (quiz.learners.keep_session) but ends some days after sign-in. A
visitor's session, the only key to their progress, has no end here. Any
signed-in session ends once its user signs out everywhere after it signed in
(SessionCutoff). quiz.middleware.session_lifetimes signs out a session that
ended, before the view sees it."""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from quiz.models import SessionCutoff

SIGNED_IN_AT = "signed_in_at"
# A staff session's latest request, as far as it was noted: writing it saves the
# session row, so it is noted at most once a minute.
SEEN_AT = "seen_at"
NOTE_SEEN_EVERY = datetime.timedelta(minutes=1)
# Sent whenever a browser is signed out (and when its account is deleted): the
# pages it kept (cache, back button) and what pages stored in it go too. Not
# "cookies": that would also drop the language choice, which is no one's data.
CLEAR_SITE_DATA = '"cache", "storage"'
# Before any sign-out everywhere: a session signed in before sign-in times were kept.
LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class Ended(StrEnum):
    IDLE = "idle"
    LIFETIME = "lifetime"
    EVERYWHERE = "signed_out_everywhere"


def is_staff(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


def _time(session: SessionBase, key: str) -> datetime.datetime | None:
    value = session.get(key)
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else None


def signed_in_at(session: SessionBase) -> datetime.datetime | None:
    return _time(session, SIGNED_IN_AT)


def account_session_end(session: SessionBase) -> datetime.datetime | None:
    """When a learner's signed-in session ends however often it is used; None
    for a session without a sign-in time (a visitor's)."""
    started = signed_in_at(session)
    return started + datetime.timedelta(days=settings.ACCOUNT_SESSION_MAX_DAYS) if started else None


def is_staff_session(session: SessionBase) -> bool:
    """Whether the session's expiry follows the staff idle timeout, not the sliding year."""
    return SEEN_AT in session


def note_seen(session: SessionBase, now: datetime.datetime, started: datetime.datetime) -> None:
    """Note a staff session's request. The session row and cookie expire an idle
    spell after the end of its lifetime: by then `ended` has signed it out if it
    was used, and a forgotten one goes by itself."""
    session[SEEN_AT] = now.isoformat()
    idle = datetime.timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES)
    session.set_expiry(started + datetime.timedelta(hours=settings.STAFF_SESSION_HOURS) + idle)


@receiver(user_logged_in, dispatch_uid="quiz.sessions.note_sign_in")
def note_sign_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Every sign-in notes its time in the (new) session."""
    if request is None or not hasattr(request, "session"):
        return
    now = timezone.now()
    request.session[SIGNED_IN_AT] = now.isoformat()
    if is_staff(user):
        note_seen(request.session, now, now)


def ended(session: SessionBase, user, now: datetime.datetime) -> Ended | None:
    """Why this signed-in session of `user` is over at `now`, or None if it is not.
    May note the time in the session (a staff request, a sign-in time from before
    they were kept), which then needs saving: SessionMiddleware does that."""
    started = signed_in_at(session)
    if SessionCutoff.objects.ends(user.pk, started or LONG_AGO):
        return Ended.EVERYWHERE
    if started is None:
        # Signed in before sign-in times were kept: its lifetime counts from now.
        started = now
        session[SIGNED_IN_AT] = now.isoformat()
    if not is_staff(user):
        return Ended.LIFETIME if now >= started + datetime.timedelta(days=settings.ACCOUNT_SESSION_MAX_DAYS) else None
    if now >= started + datetime.timedelta(hours=settings.STAFF_SESSION_HOURS):
        return Ended.LIFETIME
    seen = _time(session, SEEN_AT) or started
    if now - seen > datetime.timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES):
        return Ended.IDLE
    if now - seen >= NOTE_SEEN_EVERY or not is_staff_session(session):
        note_seen(session, now, started)
    return None
