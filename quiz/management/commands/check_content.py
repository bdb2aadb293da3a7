from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import timezone, translation

from quiz import content_rules, readability
from quiz.models import Fact, Question, Source, Topic, Translated, missing_languages


def find_problems(today: datetime.date) -> tuple[list[str], list[str]]:
    """All content errors, and warnings (facts due for an accuracy review,
    translations to review since their English text changed)."""
    errors: list[str] = []
    warnings: list[str] = []

    def check_translations(label: str, obj: Translated) -> None:
        for field in obj.required_translations():
            if missing := missing_languages(obj, [field]):
                errors.append(f"{label}: " + content_rules.missing_translation_problem(field, missing))
        for code, fields in obj.needs_review.items():
            warnings.append(f"{label}: {', '.join(fields)} in {code} to review (the English text changed).")

    for source in Source.objects.all():
        check_translations(f"source {source.key}", source)
    for topic in Topic.objects.all():
        check_translations(f"topic {topic.slug}", topic)
    for fact in Fact.objects.annotate(question_count=Count("questions")):
        check_translations(f"fact {fact.key}", fact)
        if fact.question_count == 0:
            errors.append(f"fact {fact.key}: no question tests this fact.")
        if fact.is_due_for_review(today):
            warnings.append(f"fact {fact.key}: due for review since {fact.next_review_on.isoformat()}.")
    for question in Question.objects.select_related("fact").prefetch_related("choices"):
        label = f"question {question.key}"
        check_translations(label, question)
        for choice in question.choices.all():
            check_translations(f"{label}, choice {choice.position}", choice)
        errors.extend(f"{label}: {problem}" for problem in question.problems())
    for topic in Topic.objects.annotate(n=Count("facts__questions", filter=Q(facts__questions__is_published=True))):
        if topic.n == 0:
            warnings.append(f"topic {topic.slug}: no published question.")
    errors.extend(gloss_problems())
    errors.extend(longest_choice_problems())
    explanation_errors, explanation_warnings = explanation_grade_problems()
    return errors + explanation_errors, warnings + explanation_warnings


HARDEST_SHOWN = 5


def gloss_problems() -> list[str]:
    """Statements that explain the article in the app's words without marking them [ … ]."""
    problems = []
    for fact in Fact.objects.order_by("key"):
        if marker := content_rules.unmarked_gloss(fact.statement_en or ""):
            problems.append(
                f"fact {fact.key}: the English statement glosses with “{marker.strip()}” outside square brackets "
                "(mark the app's own words [like this])."
            )
    return problems


def longest_choice_problems() -> list[str]:
    """An error when the right choice is the longest (or tied) in more than a third of the multiple-choice questions."""
    questions = Question.objects.filter(kind=Question.Kind.MULTIPLE_CHOICE).prefetch_related("choices")
    longest = sorted(
        question.key
        for question in questions
        if content_rules.right_choice_is_longest([(c.text_en or "", c.is_correct) for c in question.choices.all()])
    )
    total = len(questions)
    if not total or len(longest) <= total * content_rules.LONGEST_RIGHT_SHARE:
        return []
    return [
        f"multiple choice: the right choice is the longest (or tied) in English in {len(longest)} of {total} "
        f"questions, more than a third ({', '.join(longest)})."
    ]


def explanation_grade_problems() -> tuple[list[str], list[str]]:
    """Errors when the median reading grade of the English explanations (the facts', and
    the questions' that learners read after every answer) is above the limit."""
    grade = readability.grader()
    if grade is None:
        return [], ["explanations' reading grade not checked: textstat is not installed (requirements-dev.txt)."]
    errors = []
    for kind, model in (("fact", Fact), ("question", Question)):
        texts = [(obj.key, obj.explanation_en or "") for obj in model.objects.order_by("key")]
        if not texts:
            continue
        graded = readability.grades(texts, grade)
        median = readability.median_grade(graded)
        if median > readability.GRADE_LIMIT:
            hardest = ", ".join(f"{key} {value:.1f}" for value, key in graded[:HARDEST_SHOWN])
            errors.append(
                f"{kind} explanations: median Flesch-Kincaid grade in English is {median:.1f}, "
                f"above {readability.GRADE_LIMIT:.0f} (hardest: {hardest})."
            )
    return errors, []


def readability_report() -> list[str]:
    """The median reading grade of the English fact statements and the hardest
    ones above the limit: advice for editors, never an error."""
    grade = readability.grader()
    if grade is None:
        return ["readability not measured: textstat is not installed (requirements-dev.txt)."]
    texts = [(fact.key, fact.statement_en or "") for fact in Fact.objects.order_by("key")]
    if not texts:
        return []
    graded = readability.grades(texts, grade)
    median = readability.median_grade(graded)
    lines = [
        f"readability: median Flesch-Kincaid grade of the English fact statements is {median:.1f} "
        f"(aim for {readability.GRADE_LIMIT:.0f} or less)."
    ]
    hardest = [(value, key) for value, key in graded if value > readability.GRADE_LIMIT][:HARDEST_SHOWN]
    lines += [f"fact {key}: statement reads at grade {value:.1f}." for value, key in hardest]
    return lines


class Command(BaseCommand):
    help = "Check the content for missing translations and broken questions; exits non-zero on errors."

    def handle(self, *args, **options) -> None:
        with translation.override("en"):
            errors, warnings = find_problems(timezone.localdate())
        for warning in warnings:
            self.stdout.write(self.style.WARNING(f"WARNING {warning}"))
        for note in readability_report():
            self.stdout.write(f"INFO {note}")
        for error in errors:
            self.stderr.write(self.style.ERROR(f"ERROR {error}"))
        if errors:
            raise CommandError(f"{len(errors)} content error(s) found.")
        self.stdout.write(self.style.SUCCESS(f"Content OK ({len(warnings)} warning(s))."))
