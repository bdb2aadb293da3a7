"""Rules every piece of content must follow.

Pure functions over plain values, so that `check_content` and the admin forms
apply exactly the same rules and say the same thing. They run when a form is
checked, in the active language, so they translate with `gettext` at once.
"""

from __future__ import annotations

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
