"""Rules every piece of content must follow.

Pure functions over plain values, so that `check_content` and the admin forms
apply exactly the same rules and say the same thing. They run when a form is
checked, in the active language, so they translate with `gettext` at once.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext

MULTIPLE_CHOICE_RANGE = (3, 4)


def choice_problems(kind: str, choices_correct: list[bool]) -> list[str]:
    """Errors in a question's choices, given whether each choice is correct."""
    correct = sum(choices_correct)
    if kind == "multiple_choice":
        low, high = MULTIPLE_CHOICE_RANGE
        problems = []
        if not low <= len(choices_correct) <= high:
            problems.append(gettext("A multiple-choice question needs 3 or 4 choices."))
        if correct != 1:
            problems.append(gettext("A multiple-choice question needs exactly one correct choice."))
        return problems
    if kind == "true_false":
        if len(choices_correct) != 2 or correct != 1:
            return [gettext("A true-or-false question needs exactly two choices, one of them correct.")]
        return []
    if choices_correct:
        return [gettext("A flashcard has no choices.")]
    return []


def publication_problems(*, question_published: bool, fact_published: bool) -> list[str]:
    if question_published and not fact_published:
        return [gettext("A published question cannot test an unpublished fact.")]
    return []


def missing_translation_problem(field_label: str, languages: list[str]) -> str:
    return gettext("Missing translation of %(field)s in: %(languages)s.") % {
        "field": field_label,
        "languages": ", ".join(languages),
    }


# Words that, in an English fact statement, introduce a gloss: the app explaining
# the article in its own words. The content marks the app's words in a statement
# with square brackets, so a gloss outside them passes the app's words off as the article's.
GLOSS_MARKERS = (" means ", "that is,", "i.e.", "in other words")


def unmarked_gloss(statement: str) -> str | None:
    """The first gloss marker in `statement` outside square brackets, or None."""
    outside = re.sub(r"\[[^\]]*\]", " ", statement).lower()
    return next((marker for marker in GLOSS_MARKERS if marker in outside), None)


# A test-wise learner picks the longest choice: it may be the right one in at most this share of questions.
LONGEST_RIGHT_SHARE = 1 / 3


def right_choice_is_longest(choices: list[tuple[str, bool]]) -> bool:
    """Whether the correct choice of (text, is_correct) pairs is the longest, or tied for it."""
    right = [len(text) for text, correct in choices if correct]
    return bool(right) and max(right) >= max(len(text) for text, _correct in choices)
