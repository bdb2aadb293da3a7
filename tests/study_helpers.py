"""Reading the study page the way a browser would: the current card's form fields."""

from __future__ import annotations

import re

from django.test import Client

from quiz.learners import SESSION_KEY
from quiz.models import CardState, Learner, Question
from tests.html_forms import choice_ids, hidden_fields

HTMX = {"HX-Request": "true"}
__all__ = [
    "HTMX",
    "answer_current_card",
    "choice_ids",
    "current_card",
    "hidden_fields",
    "learner_of",
    "question_on_screen",
]


def question_on_screen(html: str) -> Question:
    return Question.objects.get(pk=int(hidden_fields(html)["question"]))


def learner_of(client: Client) -> Learner:
    """The learner `client` studies as, saved now if it has saved nothing yet
    (as its first answer would)."""
    session = client.session
    if user_id := session.get("_auth_user_id"):
        return Learner.objects.get_or_create(user_id=user_id)[0]
    learner_id = session.get(SESSION_KEY)
    learner = Learner.objects.filter(pk=learner_id).first() if learner_id else None
    if learner is None:
        learner = Learner.objects.create()
        session[SESSION_KEY] = learner.pk
        session.save()
    return learner


def current_card(client: Client, html: str) -> CardState:
    """The card on screen, as a saved row (saved now if the learner has never
    answered it: its first answer would save it at version 0 too)."""
    card, _ = CardState.objects.select_related("question").get_or_create(
        learner=learner_of(client), question=question_on_screen(html)
    )
    return card


def answer_current_card(client, *, rating: int = 3, htmx: bool = False, prefix: str = ""):
    """Study the card on screen once: reveal or pick the right choice, then grade."""
    headers = HTMX if htmx else {}
    page = client.get(f"{prefix}/study/").content.decode()
    fields = hidden_fields(page)
    question = question_on_screen(page)
    if question.kind == Question.Kind.FLASHCARD:
        client.post("/study/reveal/", fields)
        return client.post("/study/grade/", {**fields, "rating": rating}, headers=headers)
    right = question.choices.get(is_correct=True)
    if rating == 1:
        wrong = question.choices.filter(is_correct=False).first()
        return client.post("/study/answer/", {**fields, "choice": wrong.pk}, headers=headers)
    picked = client.post("/study/answer/", {**fields, "choice": right.pk}, headers=HTMX).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', picked).group(1)
    return client.post("/study/grade/", {**fields, "token": token, "rating": rating}, headers=headers)
