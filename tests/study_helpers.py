"""Reading the study page the way a browser would: the current card's form fields."""

from __future__ import annotations

import re

from quiz.models import CardState, Question

HTMX = {"HX-Request": "true"}


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the first form on the card (card, version, review …)."""
    card = html[html.index('id="card"') :]
    form = card[: card.index("</form>")] if "</form>" in card else card
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def current_card(html: str) -> CardState:
    return CardState.objects.select_related("question").get(pk=int(hidden_fields(html)["card"]))


def choice_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="choice" value="(\d+)"', html)]


def answer_current_card(client, *, rating: int = 3, htmx: bool = False, prefix: str = ""):
    """Study the card on screen once: reveal or pick the right choice, then grade."""
    headers = HTMX if htmx else {}
    page = client.get(f"{prefix}/study/").content.decode()
    fields = hidden_fields(page)
    card = CardState.objects.select_related("question").get(pk=int(fields["card"]))
    if card.question.kind == Question.Kind.FLASHCARD:
        client.post("/study/reveal/", fields)
        return client.post("/study/grade/", {**fields, "rating": rating}, headers=headers)
    right = card.question.choices.get(is_correct=True)
    if rating == 1:
        wrong = card.question.choices.filter(is_correct=False).first()
        return client.post("/study/answer/", {**fields, "choice": wrong.pk}, headers=headers)
    picked = client.post("/study/answer/", {**fields, "choice": right.pk}, headers=HTMX).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', picked).group(1)
    return client.post("/study/grade/", {**fields, "token": token, "rating": rating}, headers=headers)
