"""What study and quiz views share."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget


def problem_response(
    request: HttpRequest, status: int, message: str, *, back: str, back_label: str, live_region: str
) -> HttpResponse:
    """A refused request (nothing changed), explained to the learner.

    With htmx the message goes into the page's live region instead of
    replacing the card; without JavaScript it gets a page of its own."""
    if request.htmx:
        return reswap(retarget(HttpResponse(message, status=status), live_region), "innerHTML")
    return render(
        request, "quiz/problem.html", {"message": message, "back": back, "back_label": back_label}, status=status
    )
