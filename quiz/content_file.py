"""Load the reviewable content file (quiz/content/fasciculations.json) into the database.

Items are matched by their stable key, so learners' progress survives edits.
Without `update`, existing items are never touched: what an editor changed in
admin stays as it is. A key the file once created and that is gone from the
database was deleted or renamed by an editor: it is never created again
(`LoadedKey`). Choices are matched by their key within the question and
updated in place, so past quiz answers keep pointing at the same choice.
Every load is recorded in the content history (quiz/history.py).
"""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import reversion
from django.conf import settings
from django.db import models, transaction
from modeltranslation.utils import build_localized_fieldname

from quiz.models import Choice, Fact, LoadedKey, Question, Source, Topic

M = TypeVar("M", bound=models.Model)
DEFAULT_PATH = Path(__file__).resolve().parent / "content" / "fasciculations.json"
FORMAT = 1
NOTE = "Every fact comes from the source article. paragraph = the n-th non-empty line of shared/source/article.txt."


class ContentFileError(ValueError):
    pass


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        def line(label: str, counts: Counter) -> str:
            parts = [f"{counts[name]} {name}" for name in ("sources", "topics", "facts", "questions") if counts[name]]
            return f"{label}: {', '.join(parts) if parts else 'nothing'}"

        lines = [line("Created", self.created), line("Updated", self.updated), line("Unchanged", self.unchanged)]
        if self.skipped:
            lines.append(line("Skipped (deleted or renamed in admin)", self.skipped))
        return "\n".join(lines)


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


def choice_key(choice: dict[str, Any], number: int) -> str:
    """A choice's stable key: its own "key" if the file gives one, else its place in the file."""
    return str(choice.get("key") or number)


def shuffled_positions(question_key: str, count: int) -> list[int]:
    """The position (from 1) of each of a question's `count` choices in file order.
    The file lists the right answer first; mix the order, the same way on every load."""
    order = list(range(count))
    random.Random(question_key).shuffle(order)
    positions = [0] * count
    for position, index in enumerate(order, start=1):
        positions[index] = position
    return positions


def choice_rows(question: dict[str, Any], labels: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    if question["kind"] == Question.Kind.TRUE_FALSE:
        return [
            {"key": "true", **translations(labels["true"], "text"), "is_correct": question["is_true"], "position": 1},
            {
                "key": "false",
                **translations(labels["false"], "text"),
                "is_correct": not question["is_true"],
                "position": 2,
            },
        ]
    choices = list(question.get("choices", []))
    positions = shuffled_positions(question["key"], len(choices))
    return [
        {
            "key": choice_key(choice, number),
            **translations(choice["text"], "text"),
            "is_correct": choice["correct"],
            "position": positions[number - 1],
        }
        for number, choice in enumerate(choices, start=1)
    ]


def published(item: dict[str, Any]) -> dict[str, bool]:
    """An item is published unless the file says otherwise (`dump_content` writes
    "published": false for an unpublished one)."""
    return {"is_published": item["published"]} if "published" in item else {}


class Loader:
    def __init__(self, *, update: bool) -> None:
        self.update = update
        self.report = LoadReport()

    def upsert(self, model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M | None, str]:
        """Create the item, or (with `update`) bring it in line with the file.
        Returns it and what happened: "created", "updated" or "unchanged";
        or None and "skipped" for an item an editor deleted or renamed."""
        manager = model._default_manager
        obj = manager.filter(**lookup).first()
        key = str(next(iter(lookup.values())))
        kind = model._meta.model_name or ""
        if obj is None:
            if LoadedKey.objects.filter(kind=kind, key=key).exists():
                return None, "skipped"
            LoadedKey.objects.create(kind=kind, key=key)
            return manager.create(**lookup, **values), "created"
        # Items loaded before keys were remembered, or renamed back to a key of the file.
        LoadedKey.objects.get_or_create(kind=kind, key=key)
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not (self.update and changed):
            return obj, "unchanged"
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        return obj, "updated"

    def count(self, label: str, outcome: str) -> None:
        counters = {
            "created": self.report.created,
            "updated": self.report.updated,
            "unchanged": self.report.unchanged,
            "skipped": self.report.skipped,
        }
        counters[outcome][label] += 1

    def sync_choices(self, question: Question, rows: list[dict[str, Any]]) -> bool:
        """Make the question's choices those of the file, matched by key and
        changed in place; True if anything changed."""
        current = {choice.key: choice for choice in question.choices.all()}
        changed = False
        for row in rows:
            choice = current.pop(row["key"], None)
            if choice is None:
                Choice.objects.create(question=question, **row)
                changed = True
            elif any(getattr(choice, name) != value for name, value in row.items()):
                for name, value in row.items():
                    setattr(choice, name, value)
                choice.save()
                changed = True
        for choice in current.values():
            choice.delete()
            changed = True
        return changed

    def load(self, data: dict[str, Any], *, comment: str = "load_content") -> LoadReport:
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment(comment)
            try:
                self.load_items(data)
            except (KeyError, TypeError) as error:
                raise ContentFileError(f"malformed content file: missing or wrong value {error}") from error
        return self.report

    def load_items(self, data: dict[str, Any]) -> None:
        sources = {item["key"]: self.load_source(item) for item in data["sources"]}
        topics = {item["slug"]: self.load_topic(item) for item in data["topics"]}
        for position, item in enumerate(data["facts"], start=1):
            if item["topic"] not in topics or item["source"] not in sources:
                raise ContentFileError(f"fact {item['key']} names an unknown topic or source")
            topic, source = topics[item["topic"]], sources[item["source"]]
            fact = self.load_fact(item, position, topic, source) if topic and source else None
            for question_position, question_item in enumerate(item["questions"], start=1):
                if fact is None:
                    # Its fact, topic or source was deleted in admin: so is the question, in effect.
                    self.count("questions", "skipped")
                    continue
                self.load_question(question_item, question_position, fact, data["true_false_labels"])

    def load_source(self, item: dict[str, Any]) -> Source | None:
        values = {
            "author": item["author"],
            "expert_name": item.get("expert_name", ""),
            **translations(item["title"], "title"),
            **translations(item["expert_credentials"], "expert_credentials"),
        }
        source, outcome = self.upsert(Source, {"key": item["key"]}, values)
        self.count("sources", outcome)
        return source

    def load_topic(self, item: dict[str, Any]) -> Topic | None:
        values = {
            "position": item["position"],
            **translations(item["name"], "name"),
            **translations(item["description"], "description"),
        }
        topic, outcome = self.upsert(Topic, {"slug": item["slug"]}, values)
        self.count("topics", outcome)
        return topic

    def load_fact(self, item: dict[str, Any], position: int, topic: Topic, source: Source) -> Fact | None:
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
            **published(item),
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
            **published(item),
        }
        question, outcome = self.upsert(Question, {"key": item["key"]}, values)
        # Choices are part of the question: counted with it, once.
        if question is None:
            pass
        elif (outcome == "created" or self.update) and self.sync_choices(question, choice_rows(item, labels)):
            outcome = "updated" if outcome == "unchanged" else outcome
        self.count("questions", outcome)


def load(path: Path = DEFAULT_PATH, *, update: bool = False) -> LoadReport:
    comment = f"load_content{' --update' if update else ''} {path.name}"
    return Loader(update=update).load(read(path), comment=comment)


# --- Writing the database back in the file's format (dump_content) ---------


def languages(obj: models.Model, name: str) -> dict[str, str]:
    """{"name_en": …, "name_es": …} on `obj` → {"en": …, "es": …}, the inverse of `translations`."""
    return {code: getattr(obj, build_localized_fieldname(name, code)) or "" for code, _label in settings.LANGUAGES}


def unpublished(obj: Fact | Question) -> dict[str, bool]:
    return {} if obj.is_published else {"published": False}


def dump_question(question: Question) -> dict[str, Any]:
    item: dict[str, Any] = {"key": question.key, "kind": question.kind, "prompt": languages(question, "prompt")}
    choices = list(question.choices.all())
    if question.kind == Question.Kind.FLASHCARD:
        item["answer"] = languages(question, "answer")
    elif question.kind == Question.Kind.TRUE_FALSE:
        item["is_true"] = any(choice.key == "true" and choice.is_correct for choice in choices)
    else:
        # In the file's order (the loader shuffles them for learners), right answer first as written.
        choices.sort(key=lambda choice: (not choice.key.isdigit(), int(choice.key) if choice.key.isdigit() else 0))
        item["choices"] = [
            {
                **({} if choice.key == str(number) else {"key": choice.key}),
                "text": languages(choice, "text"),
                "correct": choice.is_correct,
            }
            for number, choice in enumerate(choices, start=1)
        ]
    return {**item, "explanation": languages(question, "explanation"), **unpublished(question)}


def dump_fact(fact: Fact) -> dict[str, Any]:
    return {
        "key": fact.key,
        "topic": fact.topic.slug,
        "source": fact.source.key,
        "paragraph": fact.paragraph,
        "is_warning_sign": fact.is_warning_sign,
        "reviewed_on": fact.reviewed_on.isoformat(),
        "next_review_on": fact.next_review_on.isoformat(),
        "statement": languages(fact, "statement"),
        "explanation": languages(fact, "explanation"),
        **unpublished(fact),
        "questions": [dump_question(question) for question in fact.ordered_questions],
    }


def true_false_labels() -> dict[str, dict[str, str]]:
    labels = {}
    for key in ("true", "false"):
        choice = Choice.objects.filter(key=key, question__kind=Question.Kind.TRUE_FALSE).order_by("pk").first()
        labels[key] = languages(choice, "text") if choice else read()["true_false_labels"][key]
    return labels


def dump() -> dict[str, Any]:
    """The database's content as the content file holds it: same keys, a stable
    order (the file's), so loading it changes nothing."""
    questions = models.Prefetch(
        "questions",
        queryset=Question.objects.order_by("position", "key").prefetch_related("choices"),
        to_attr="ordered_questions",
    )
    facts = Fact.objects.select_related("topic", "source").prefetch_related(questions).order_by("position", "key")
    return {
        "format": FORMAT,
        "note": NOTE,
        "true_false_labels": true_false_labels(),
        "sources": [
            {
                "key": source.key,
                "author": source.author,
                "expert_name": source.expert_name,
                "title": languages(source, "title"),
                "expert_credentials": languages(source, "expert_credentials"),
            }
            for source in Source.objects.order_by("key")
        ],
        "topics": [
            {
                "slug": topic.slug,
                "position": topic.position,
                "name": languages(topic, "name"),
                "description": languages(topic, "description"),
            }
            for topic in Topic.objects.order_by("position", "slug")
        ],
        "facts": [dump_fact(fact) for fact in facts],
    }


def dumps() -> str:
    """`dump()` as text, formatted like the shipped file, so a diff shows only the edits."""
    return json.dumps(dump(), indent=1, ensure_ascii=False)
