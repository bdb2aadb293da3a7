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
    return errors, warnings


HARDEST_SHOWN = 5


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
