"""What a learner can take away: everything stored about them (JSON), their
review log (CSV), and the deck itself as an Anki package."""

from __future__ import annotations

import csv
import datetime
import functools
import io
import itertools
import json
import logging
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import genanki
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape, format_html, format_html_join
from redis.exceptions import RedisError

from quiz import scheduling
from quiz.models import CardState, Learner, Question, QuizAnswer, QuizAttempt, ReviewLog
from quiz.published import current_token

logger = logging.getLogger(__name__)

STATE_NAMES = {
    scheduling.NEW: "new",
    scheduling.LEARNING: "learning",
    scheduling.REVIEW: "review",
    scheduling.RELEARNING: "relearning",
}

CSV_COLUMNS = [
    "review_id",
    "reviewed_at",
    "question",
    "rating",
    "language",
    "duration_ms",
    "state_before",
    "stability_before",
    "state_after",
    "stability_after",
]


def iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 in UTC, whatever the database or the active time zone returns."""
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


# Rows read from the database at a time: memory stays flat however long the history.
CHUNK = 500
# Text handed to the server at a time: fewer, larger writes than one per row.
BUFFER = 64 * 1024


def learner_data(user: User | None, learner: Learner | None, now: datetime.datetime) -> dict[str, Any]:
    """Everything stored about one user (None for a visitor) and their learner,
    in a fixed number of queries. Whoever never studied has no learner yet.

    The learner's rows come as iterators, read from the database in chunks as
    they are written out (json_pieces): an export never holds a whole history."""
    data: dict[str, Any] = {
        "exported_at": iso(now),
        "account": None,
        "settings": None,
        "cards": [],
        "reviews": [],
        "quiz_attempts": [],
        "fitted_parameters": [],
    }
    if user is not None:
        data["account"] = {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
        }
    if learner is None:
        return data
    data["settings"] = {
        "created_at": iso(learner.created_at),
        "desired_retention": learner.desired_retention,
        "new_per_day": learner.new_per_day,
        "max_reviews_per_day": learner.max_reviews_per_day,
        "shortcuts_enabled": learner.shortcuts_enabled,
        "show_original": learner.show_original,
        "time_zone": learner.time_zone,
        "language": learner.language,
        "extra_new": learner.extra_new,
        "extra_new_on": learner.extra_new_on.isoformat() if learner.extra_new_on else None,
    }
    # Every question's stable key, by id: bounded by the deck, and no join on each of a long history's rows.
    keys = question_keys()
    data["cards"] = (
        {
            "question": keys[card.question_id],
            "state": STATE_NAMES.get(card.state, card.state),
            "step": card.step,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "due": iso(card.due),
            "last_review": iso(card.last_review),
        }
        for card in CardState.objects.filter(learner=learner).order_by("id").iterator(chunk_size=CHUNK)
    )
    data["reviews"] = (
        {
            "review_id": str(log.review_id),
            "reviewed_at": iso(log.reviewed_at),
            "question": keys[log.question_id],
            "rating": log.rating,
            "language": log.language,
            "duration_ms": log.duration_ms,
            "state_before": log.state_before,
            "state_after": log.state_after,
        }
        for log in reviews_of(learner)
    )
    answers = QuizAnswer.objects.select_related("choice").order_by("answered_at", "id")
    attempts = (
        QuizAttempt.objects.filter(learner=learner)
        .select_related("topic")
        .prefetch_related(Prefetch("answers", answers))
        .order_by("started_at", "id")
    )
    # An attempt stores the ids of the questions it drew; export their stable keys.
    data["quiz_attempts"] = (
        {
            "topic": attempt.topic.slug if attempt.topic else None,
            "questions": [keys.get(pk) for pk in attempt.question_ids],
            "started_at": iso(attempt.started_at),
            "finished_at": iso(attempt.finished_at),
            "answers": [
                {
                    "question": keys[answer.question_id],
                    "choice": answer.choice.text if answer.choice else None,
                    "is_correct": answer.is_correct,
                    "answered_at": iso(answer.answered_at),
                }
                for answer in attempt.answers.all()
            ],
        }
        for attempt in attempts.iterator(chunk_size=CHUNK)
    )
    # Weights fitted to this learner's own reviews (fit_schedule), newest last; the deck-wide ones are no one's.
    data["fitted_parameters"] = [
        {
            "fitted_at": iso(fitted.created_at),
            "in_force": fitted.pk == learner.parameter_set_id,
            "parameters": fitted.parameters,
            "review_count": fitted.review_count,
            "log_loss_before": fitted.log_loss_before,
            "log_loss_after": fitted.log_loss_after,
            "rmse_before": fitted.rmse_before,
            "rmse_after": fitted.rmse_after,
            "recommended_retention": fitted.recommended_retention,
        }
        for fitted in learner.parameter_sets.order_by("created_at", "id")
    ]
    return data


def question_keys() -> dict[int, str]:
    return dict(Question.objects.values_list("pk", "key"))


def json_pieces(data: dict[str, Any]) -> Iterator[str]:
    """`data` as text, exactly as json.dumps(data, indent=2) writes it, with
    each value that is an iterator written item by item as it is read."""
    encode = functools.partial(json.dumps, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    yield "{"
    for number, (key, value) in enumerate(data.items()):
        yield ("," if number else "") + "\n  " + encode(key) + ": "
        if isinstance(value, Iterator):
            empty = True
            for item in value:
                # An item sits two levels deep: every line of it indented by four more spaces.
                yield ("[\n    " if empty else ",\n    ") + encode(item).replace("\n", "\n    ")
                empty = False
            yield "[]" if empty else "\n  ]"
        else:
            yield encode(value).replace("\n", "\n  ")
    yield "\n}"


def buffered(pieces: Iterable[str], size: int = BUFFER) -> Iterator[str]:
    """The same text in pieces of about `size` characters."""
    parts: list[str] = []
    length = 0
    for piece in pieces:
        parts.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(parts)
            parts, length = [], 0
    if parts:
        yield "".join(parts)


def reviews_of(learner: Learner | None) -> Iterator[ReviewLog]:
    """The learner's review log, oldest first, read from the database in chunks."""
    if learner is None:
        return iter(())
    return ReviewLog.objects.filter(learner=learner).order_by("reviewed_at", "id").iterator(chunk_size=CHUNK)


def review_csv_rows(learner: Learner | None) -> Iterator[list]:
    """The review log, one row per answer, with a header row first."""
    yield CSV_COLUMNS
    keys = question_keys() if learner is not None else {}
    for log in reviews_of(learner):
        before, after = log.state_before, log.state_after
        yield [
            str(log.review_id),
            iso(log.reviewed_at),
            keys[log.question_id],
            log.rating,
            log.language,
            log.duration_ms,
            STATE_NAMES.get(before.get("state"), before.get("state")),
            before.get("stability"),
            STATE_NAMES.get(after.get("state"), after.get("state")),
            after.get("stability"),
        ]


class _Line:
    """A file that gives back what the csv writer writes to it."""

    def write(self, text: str) -> str:
        return text


def review_csv(learner: Learner | None) -> Iterator[str]:
    """The review log as CSV text, row by row."""
    writer = csv.writer(_Line())
    return (writer.writerow(row) for row in review_csv_rows(learner))


# Fixed ids: Anki recognises the note type and the deck on a later import.
# Never change them, or every learner's re-import makes a second copy.
ANKI_MODEL_ID = 1_734_019_201
ANKI_DECK_ID = 1_734_019_300


def anki_deck_id(language: str) -> int:
    """One deck per language, so two languages can live side by side."""
    codes = [code for code, _name in settings.LANGUAGES]
    return ANKI_DECK_ID + codes.index(language)


def anki_guid(question_key: str, language: str) -> str:
    """Anki updates a note whose guid it already has instead of adding a copy.
    The key is stable across content edits; the language keeps the decks apart."""
    return genanki.guid_for(question_key, language)


ANKI_MODEL = genanki.Model(
    ANKI_MODEL_ID,
    "Twitch Facts",
    fields=[{"name": "Key"}, {"name": "Question"}, {"name": "Answer"}, {"name": "Explanation"}, {"name": "Source"}],
    templates=[
        {
            "name": "Card",
            "qfmt": "{{Question}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}<p>{{Explanation}}</p><p class="source">{{Source}}</p>',
        }
    ],
    sort_field_index=0,
)


def _note(question: Question, language: str) -> genanki.Note:
    choices = list(question.choices.all())
    front = escape(question.prompt)
    if question.kind == Question.Kind.FLASHCARD:
        answer = escape(question.answer)
    else:
        front += format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((c.text,) for c in choices)))
        answer = format_html("<strong>{}</strong>", next((c.text for c in choices if c.is_correct), ""))
    source = render_to_string("includes/citation.html", {"fact": question.fact}).strip()
    return genanki.Note(
        model=ANKI_MODEL,
        fields=[question.key, front, answer, escape(question.explanation), source],
        guid=anki_guid(question.key, language),
        tags=[question.fact.topic.slug],
    )


def anki_package(language: str, now: datetime.datetime) -> bytes:
    """All published questions as an .apkg in `language` (English where a text is missing)."""
    questions = (
        Question.objects.published()
        .select_related("fact__source", "fact__topic")
        .prefetch_related("choices")
        .order_by("fact__topic__position", "fact__position", "position", "key")
    )
    with translation.override(language):
        name = translation.get_language_info(language)["name_local"]
        deck = genanki.Deck(anki_deck_id(language), f"{translation.gettext('Twitch Facts')} · {name}")
        for question in questions:
            deck.add_note(_note(question, language))
    timestamp = now.timestamp()
    # genanki's own write_to_file leaves its temporary database behind; build it
    # in a directory that is removed afterwards.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collection.anki2"
        with closing(sqlite3.connect(path)) as connection:
            genanki.Package(deck).write_to_db(connection.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            connection.commit()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(path, "collection.anki2")
            archive.writestr("media", "{}")
    return buffer.getvalue()


# Old versions' packages simply expire; the current one is rebuilt at most this often.
ANKI_CACHE_SECONDS = 7 * 24 * 3600


def cached_anki_package(language: str) -> bytes:
    """The Anki package for `language`, built once per content version and then
    served from Django's cache (shared by the servers with REDIS_URL): building
    one costs about half a second of CPU, and anyone may ask for it.

    Keyed on the token every content change replaces (quiz/published.py), so an
    edit makes the next download a fresh build; every download of one version
    gets the same bytes."""
    token = current_token()
    if token is None:  # no content version recorded yet: nothing to key on
        return anki_package(language, timezone.now())
    key = f"anki:{language}:{token}"
    try:
        package = cache.get(key)
    except (RedisError, OSError):
        logger.warning("Anki package not read from the cache: the cache is unreachable", exc_info=True)
        return anki_package(language, timezone.now())
    if package is None:
        package = anki_package(language, timezone.now())
        try:
            cache.set(key, package, timeout=ANKI_CACHE_SECONDS)
        except (RedisError, OSError):
            logger.warning("Anki package not cached: the cache is unreachable", exc_info=True)
    return package
