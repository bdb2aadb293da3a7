"""Load the reviewable content file (quiz/content/fasciculations.json) into the database.

Items are matched by their stable key, so learners' progress survives edits.
Without `update`, existing items are never touched: what an editor changed in
admin stays as it is.
"""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from modeltranslation.utils import build_localized_fieldname

from quiz.models import Choice, Fact, Question, Source, Topic

M = TypeVar("M", bound=models.Model)
DEFAULT_PATH = Path(__file__).resolve().parent / "content" / "fasciculations.json"


class ContentFileError(ValueError):
    pass


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        def line(label: str, counts: Counter) -> str:
            parts = [f"{counts[name]} {name}" for name in ("sources", "topics", "facts", "questions") if counts[name]]
            return f"{label}: {', '.join(parts) if parts else 'nothing'}"

        return "\n".join(
            [line("Created", self.created), line("Updated", self.updated), line("Unchanged", self.unchanged)]
        )


def translations(values: dict[str, str], name: str) -> dict[str, str]:
    """{"en": "…", "es": "…"} → {"name_en": "…", "name_es": "…"} for every language."""
    if not isinstance(values, dict):
        raise ContentFileError(f"{name} must be an object keyed by language code")
    return {build_localized_fieldname(name, code): values.get(code, "") for code, _label in settings.LANGUAGES}


def read(path: Path = DEFAULT_PATH) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ContentFileError(f"cannot read {path}: {error}") from error
    for section in ("sources", "topics", "facts", "true_false_labels"):
        if section not in data:
            raise ContentFileError(f"{path} has no {section!r} section")
    return data


def choice_rows(question: dict[str, Any], labels: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    if question["kind"] == Question.Kind.TRUE_FALSE:
        return [
            {**translations(labels["true"], "text"), "is_correct": question["is_true"], "position": 1},
            {**translations(labels["false"], "text"), "is_correct": not question["is_true"], "position": 2},
        ]
    choices = list(question.get("choices", []))
    # The file lists the right answer first; mix the order, the same way on every load.
    random.Random(question["key"]).shuffle(choices)
    return [
        {**translations(choice["text"], "text"), "is_correct": choice["correct"], "position": position}
        for position, choice in enumerate(choices, start=1)
    ]


class Loader:
    def __init__(self, *, update: bool) -> None:
        self.update = update
        self.report = LoadReport()

    def upsert(self, model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, str]:
        """Create the item, or (with `update`) bring it in line with the file.
        Returns it and what happened: "created", "updated" or "unchanged"."""
        manager = model._default_manager
        obj = manager.filter(**lookup).first()
        if obj is None:
            return manager.create(**lookup, **values), "created"
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not (self.update and changed):
            return obj, "unchanged"
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        return obj, "updated"

    def count(self, label: str, outcome: str) -> None:
        counters = {"created": self.report.created, "updated": self.report.updated, "unchanged": self.report.unchanged}
        counters[outcome][label] += 1

    def sync_choices(self, question: Question, rows: list[dict[str, Any]]) -> bool:
        """Make the question's choices those of the file; True if they changed."""
        fields = list(rows[0]) if rows else []
        current = [{name: getattr(choice, name) for name in fields} for choice in question.choices.all()]
        if current == rows:
            return False
        question.choices.all().delete()
        Choice.objects.bulk_create(Choice(question=question, **row) for row in rows)
        return True

    @transaction.atomic
    def load(self, data: dict[str, Any]) -> LoadReport:
        try:
            sources = {item["key"]: self.load_source(item) for item in data["sources"]}
            topics = {item["slug"]: self.load_topic(item) for item in data["topics"]}
            for position, item in enumerate(data["facts"], start=1):
                if item["topic"] not in topics or item["source"] not in sources:
                    raise ContentFileError(f"fact {item['key']} names an unknown topic or source")
                fact = self.load_fact(item, position, topics[item["topic"]], sources[item["source"]])
                for question_position, question_item in enumerate(item["questions"], start=1):
                    self.load_question(question_item, question_position, fact, data["true_false_labels"])
        except (KeyError, TypeError) as error:
            raise ContentFileError(f"malformed content file: missing or wrong value {error}") from error
        return self.report

    def load_source(self, item: dict[str, Any]) -> Source:
        values = {
            "author": item["author"],
            "expert_name": item.get("expert_name", ""),
            **translations(item["title"], "title"),
            **translations(item["expert_credentials"], "expert_credentials"),
        }
        source, outcome = self.upsert(Source, {"key": item["key"]}, values)
        self.count("sources", outcome)
        return source

    def load_topic(self, item: dict[str, Any]) -> Topic:
        values = {
            "position": item["position"],
            **translations(item["name"], "name"),
            **translations(item["description"], "description"),
        }
        topic, outcome = self.upsert(Topic, {"slug": item["slug"]}, values)
        self.count("topics", outcome)
        return topic

    def load_fact(self, item: dict[str, Any], position: int, topic: Topic, source: Source) -> Fact:
        values = {
            "topic": topic,
            "source": source,
            "paragraph": item["paragraph"],
            "position": position,
            "is_warning_sign": item["is_warning_sign"],
            "reviewed_on": datetime.date.fromisoformat(item["reviewed_on"]),
            "next_review_on": datetime.date.fromisoformat(item["next_review_on"]),
            **translations(item["statement"], "statement"),
            **translations(item["explanation"], "explanation"),
        }
        fact, outcome = self.upsert(Fact, {"key": item["key"]}, values)
        self.count("facts", outcome)
        return fact

    def load_question(self, item: dict[str, Any], position: int, fact: Fact, labels: dict[str, Any]) -> None:
        values = {
            "fact": fact,
            "kind": item["kind"],
            "position": position,
            **translations(item["prompt"], "prompt"),
            **translations(item.get("answer", {}), "answer"),
            **translations(item["explanation"], "explanation"),
        }
        question, outcome = self.upsert(Question, {"key": item["key"]}, values)
        # Choices are part of the question: counted with it, once.
        if (outcome == "created" or self.update) and self.sync_choices(question, choice_rows(item, labels)):
            outcome = "updated" if outcome == "unchanged" else outcome
        self.count("questions", outcome)


def load(path: Path = DEFAULT_PATH, *, update: bool = False) -> LoadReport:
    return Loader(update=update).load(read(path))
