"""Who is studying: the signed-in user's learner, or a visitor's guest learner.

A guest learner is identified by its id in the server-side session (the cookie
holds only the session key). When the visitor signs in, the guest's progress
is merged into the account.
"""

from __future__ import annotations

from typing import Literal, overload

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from quiz.models import Learner

SESSION_KEY = "guest_learner_id"


@overload
def get_learner(request: HttpRequest, *, create: Literal[True] = ...) -> Learner: ...
@overload
def get_learner(request: HttpRequest, *, create: bool) -> Learner | None: ...
def get_learner(request: HttpRequest, *, create: bool = True) -> Learner | None:
    """The requesting learner; created on the spot unless `create` is False."""
    if request.user.is_authenticated:
        if create:
            return Learner.objects.get_or_create(user=request.user)[0]
        return Learner.objects.filter(user=request.user).first()
    learner_id = request.session.get(SESSION_KEY)
    learner = Learner.objects.filter(pk=learner_id, user__isnull=True).first() if learner_id else None
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
    """Save the requesting learner; a visitor's first save puts them in their session."""
    learner.save()
    if learner.user_id is None:
        request.session[SESSION_KEY] = learner.pk
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


@receiver(user_logged_in, dispatch_uid="quiz.merge_guest_progress")
def merge_guest_progress(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Bring what a visitor studied before signing in into their account."""
    if request is None or not hasattr(request, "session"):
        return
    learner_id = request.session.pop(SESSION_KEY, None)
    guest = Learner.objects.filter(pk=learner_id, user__isnull=True).first() if learner_id else None
    if guest is not None:
        account, _ = Learner.objects.get_or_create(user=user)
        guest.merge_into(account)
