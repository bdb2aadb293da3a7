"""Who is studying: the signed-in user's learner, or a visitor's guest learner.

A guest learner is identified by its id in the server-side session (the cookie
holds only the session key). When the visitor signs up, the guest's progress
is merged into the new account; when they sign in, it waits in the session
until they confirm it (a session planted in their browser must not fill their
account unasked), on the page of views.account.merge.

A session that holds progress is kept while it is used: its expiry slides to
GUEST_SESSION_DAYS after the latest visit, renewed at most once a day; a
signed-in learner's never past ACCOUNT_SESSION_MAX_DAYS after the sign-in, and
a staff member's follows their idle timeout instead (quiz/sessions.py).
"""

from __future__ import annotations

import datetime
import time
from typing import Literal, cast, overload

from django.conf import settings
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from quiz.accounts import counting_address
from quiz.models import Learner
from quiz.sessions import account_session_end, is_staff_session
from quiz.throttle import NEW_GUESTS, Throttled

SESSION_KEY = "guest_learner_id"
# After sign-in: the guest learner whose progress waits for the learner's yes or no.
PENDING_KEY = "pending_guest_learner_id"
# Renewing writes the session row and re-sends the cookie, so not on every request.
RENEW_AFTER = datetime.timedelta(days=1)


@overload
def get_learner(request: HttpRequest, *, create: Literal[True] = ...) -> Learner: ...
@overload
def get_learner(request: HttpRequest, *, create: bool) -> Learner | None: ...
def get_learner(request: HttpRequest, *, create: bool = True) -> Learner | None:
    """The requesting learner; created on the spot unless `create` is False."""
    if request.user.is_authenticated:
        if create:
            return Learner.objects.get_or_create(user=request.user)[0]
        return Learner.objects.select_related("parameter_set").filter(user=request.user).first()
    learner_id = request.session.get(SESSION_KEY)
    learners = Learner.objects.select_related("parameter_set")
    learner = learners.filter(pk=learner_id, user__isnull=True).first() if learner_id else None
    if learner is None and create:
        learner = save_learner(request, Learner())
    return learner


def current_learner(request: HttpRequest) -> Learner:
    """The requesting learner, or, until they first save something, an unsaved
    one with the default settings: looking at a page creates no row."""
    learner = get_learner(request, create=False)
    if learner is not None:
        return learner
    return Learner(user=request.user) if request.user.is_authenticated else Learner()


def save_learner(request: HttpRequest, learner: Learner) -> Learner:
    """Save the requesting learner; a visitor's first save puts them in their session.

    That first save is counted per client address (throttle.NEW_GUESTS): beyond
    the limit it raises Throttled, and nothing is saved, not even a session."""
    now = timezone.now()
    if learner.pk is None and learner.user_id is None:
        seconds = NEW_GUESTS.wait(counting_address(request), time.time())
        if seconds:
            raise Throttled(seconds)
    learner.last_active_at = now
    learner.save()
    if learner.user_id is None:
        request.session[SESSION_KEY] = learner.pk
        # From the first saved answer on, the session lasts as long as progress is kept.
        keep_session(request.session, now, active_since_saved=True)
    return learner


def learner_filter(request: HttpRequest) -> dict | None:
    """Lookup arguments that scope a query to the requesting learner, without
    loading it; None when the request has no learner (nothing can be theirs)."""
    if request.user.is_authenticated:
        return {"learner__user": request.user}
    learner_id = request.session.get(SESSION_KEY)
    if learner_id is None:
        return None
    return {"learner_id": learner_id, "learner__user__isnull": True}


def lock_learner(request: HttpRequest) -> Learner | None:
    """Lock and return the requesting learner's row, if they have one, in one
    query: the first lock of every write to their progress (Learner.lock)."""
    if request.user.is_authenticated:
        learners = Learner.objects.filter(user=request.user)
    elif learner_id := request.session.get(SESSION_KEY):
        learners = Learner.objects.filter(pk=learner_id, user__isnull=True)
    else:
        return None
    # With their own parameter set, if any (grading needs it), locking only the learner's row.
    return learners.select_related("parameter_set").select_for_update(of=("self",)).first()


def holds_progress(session: SessionBase) -> bool:
    """Whether losing this session would lose something: a visitor's saved progress, or a sign-in."""
    return SESSION_KEY in session or USER_SESSION_KEY in session


def keep_session(session: SessionBase, now: datetime.datetime, *, active_since_saved: bool = False) -> bool:
    """Move the expiry of a session that holds progress to GUEST_SESSION_DAYS after
    `now`, and mark its learner active (unless `active_since_saved`: the caller has
    just saved it with that time); return whether it did.

    Done only when the last renewal is a day old or more: the session's own expiry
    tells when that was. In between, requests leave the session unwritten. A
    signed-in session's expiry stops at its absolute end (it is then left as it
    is); a staff session's is not this function's (quiz.sessions.note_seen)."""
    if not holds_progress(session) or session.get_expire_at_browser_close() or is_staff_session(session):
        return False
    target = now + datetime.timedelta(days=settings.GUEST_SESSION_DAYS)
    if (end := account_session_end(session)) is not None:
        target = min(target, end)
    expiry = session.get_expiry_date(modification=now)
    # Later than `target` means the setting was lowered since: renew to the new one.
    if target - RENEW_AFTER < expiry <= target:
        return False
    session.set_expiry(target)
    if active_since_saved:  # the learner's row was just written with last_active_at = now
        return True
    if USER_SESSION_KEY in session:
        learners = Learner.objects.filter(user_id=session[USER_SESSION_KEY])
    else:
        learners = Learner.objects.filter(pk=session[SESSION_KEY], user__isnull=True)
    learners.update(last_active_at=now)
    return True


def kept_until(request: HttpRequest) -> datetime.datetime | None:
    """Until when this browser keeps the learner's progress if they stop visiting;
    None when there is nothing in it to keep."""
    if not holds_progress(request.session):
        return None
    return request.session.get_expiry_date()


@receiver(user_logged_in, dispatch_uid="quiz.merge_guest_progress")
def merge_guest_progress(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Set aside what a visitor studied before signing in, for them to add to
    their account or discard (`pending_guest`); a guest with nothing studied
    is simply deleted."""
    if request is None or not hasattr(request, "session"):
        return
    learner_id = request.session.pop(SESSION_KEY, None)
    guest = Learner.objects.filter(pk=learner_id, user__isnull=True).first() if learner_id else None
    if guest is None:
        return
    if guest.cards.exists() or guest.quiz_attempts.exists():
        request.session[PENDING_KEY] = guest.pk
    else:
        guest.delete()


def pending_guest(request: HttpRequest) -> Learner | None:
    """The visitor's learner set aside at this session's sign-in, if it is still a guest's."""
    learner_id = request.session.get(PENDING_KEY)
    return Learner.objects.filter(pk=learner_id, user__isnull=True).first() if learner_id else None


def settle_pending_guest(request: HttpRequest, *, keep: bool) -> None:
    """Add the set-aside progress to the signed-in account (`keep`) or delete it."""
    guest = pending_guest(request)
    request.session.pop(PENDING_KEY, None)
    if guest is None:
        return
    if keep:
        user = cast(User, request.user)  # only signed-in requests have a guest set aside
        guest.merge_into(Learner.objects.get_or_create(user=user)[0])
    else:
        guest.delete()
