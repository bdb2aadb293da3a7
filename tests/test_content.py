"""The shipped content: coverage, translations, faithfulness, and the loader."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from quiz import content_file
from quiz.models import Choice, Fact, Question, Source, Topic

ROOT = Path(__file__).resolve().parent.parent
# A copy of shared/source/article.txt, kept in the repository so the checks
# against the source run wherever the repository is cloned.
ARTICLE = ROOT / "quiz" / "content" / "source-article.txt"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
DATA = json.loads(content_file.DEFAULT_PATH.read_text(encoding="utf-8"))
QUESTIONS = [question for fact in DATA["facts"] for question in fact["questions"]]


def translated_values(node, path="$"):
    """Yield (path, {lang: text}) for every translated text in the content file."""
    if isinstance(node, dict):
        if "en" in node and isinstance(node["en"], str):
            yield path, node
            return
        for key, value in node.items():
            yield from translated_values(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from translated_values(value, f"{path}[{index}]")


def test_the_content_file_has_enough_facts_and_questions():
    kinds = Counter(question["kind"] for question in QUESTIONS)
    assert len(DATA["facts"]) >= 30
    assert len(QUESTIONS) >= 70
    assert kinds["flashcard"] >= 25
    assert kinds["multiple_choice"] >= 30
    assert kinds["true_false"] >= 15


def test_every_fact_has_a_question_and_every_topic_at_least_four():
    per_topic: Counter[str] = Counter()
    for fact in DATA["facts"]:
        assert fact["questions"], fact["key"]
        per_topic[fact["topic"]] += len(fact["questions"])
    slugs = {topic["slug"] for topic in DATA["topics"]}
    assert set(per_topic) == slugs
    assert min(per_topic.values()) >= 4


def test_the_required_topics_exist():
    slugs = {topic["slug"] for topic in DATA["topics"]}
    assert {"what-they-are", "causes", "triggers", "patterns", "when-to-worry", "bfs", "expert"} <= slugs


def test_the_when_to_worry_topic_names_the_warning_signs():
    warning = [fact for fact in DATA["facts"] if fact["is_warning_sign"]]
    assert {fact["topic"] for fact in warning} == {"when-to-worry"}
    text = " ".join(fact["statement"]["en"].lower() for fact in warning)
    assert "weakness" in text and "slurred speech" in text and "other concerning symptoms" in text
    assert all("doctor" in fact["statement"]["en"] for fact in warning)


def test_keys_are_unique():
    fact_keys = [fact["key"] for fact in DATA["facts"]]
    question_keys = [question["key"] for question in QUESTIONS]
    assert len(fact_keys) == len(set(fact_keys))
    assert len(question_keys) == len(set(question_keys))


def test_every_text_is_translated_in_every_language():
    for path, values in translated_values(DATA):
        missing = [code for code in LANGUAGES if not values.get(code, "").strip()]
        assert not missing, f"{path} lacks {missing}"
        assert set(values) == set(LANGUAGES), path


SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06FF]"),
    "zh-hans": re.compile(r"[\u4E00-\u9FFF]"),
    "hi": re.compile(r"[\u0900-\u097F]"),
}


@pytest.mark.parametrize("code", list(SCRIPTS))
def test_non_latin_languages_are_written_in_their_script(code):
    for path, values in translated_values(DATA):
        assert SCRIPTS[code].search(values[code]), f"{path}: {values[code]!r}"


@pytest.mark.parametrize("code", [code for code in LANGUAGES if code != "en"])
def test_translations_differ_from_the_english(code):
    same = [path for path, values in translated_values(DATA) if values[code] == values["en"]]
    # Only proper names may stay as they are.
    assert len(same) <= 2, same


def test_choice_questions_are_well_formed():
    for question in QUESTIONS:
        if question["kind"] == "multiple_choice":
            assert 3 <= len(question["choices"]) <= 4, question["key"]
            assert sum(choice["correct"] for choice in question["choices"]) == 1, question["key"]
        elif question["kind"] == "true_false":
            assert isinstance(question["is_true"], bool), question["key"]
        else:
            assert question["answer"]["en"], question["key"]


def test_true_false_questions_are_not_all_one_way():
    answers = Counter(question["is_true"] for question in QUESTIONS if question["kind"] == "true_false")
    assert answers[True] >= 5 and answers[False] >= 5


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def test_no_sentence_is_copied_from_the_article():
    """Our own words: no run of 8 words from the article, outside a marked quote."""
    article = words(ARTICLE.read_text(encoding="utf-8"))
    runs = {tuple(article[i : i + 8]) for i in range(len(article) - 7)}
    for path, values in translated_values(DATA):
        unquoted = words(re.sub(r"“[^”]*”", "", values["en"]))
        copied = [" ".join(unquoted[i : i + 8]) for i in range(len(unquoted) - 7) if tuple(unquoted[i : i + 8]) in runs]
        assert not copied, f"{path}: {copied}"


def test_quotes_of_the_expert_are_his_words():
    article = re.sub(r"\s+", " ", ARTICLE.read_text(encoding="utf-8"))
    quotes = [q for _path, values in translated_values(DATA) for q in re.findall(r"“([^”]*)”", values["en"])]
    assert quotes
    for quote in quotes:
        assert quote.strip(".").lower() in article.lower(), quote


def test_every_fact_cites_a_paragraph_that_exists():
    paragraphs = [line for line in ARTICLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    for fact in DATA["facts"]:
        assert 1 <= fact["paragraph"] <= len(paragraphs), fact["key"]
        assert fact["source"] in {source["key"] for source in DATA["sources"]}


def test_loading_creates_everything_in_the_database(content):
    assert Fact.objects.count() == len(DATA["facts"])
    assert Question.objects.count() == len(QUESTIONS)
    assert Topic.objects.count() == len(DATA["topics"])
    tf = Question.objects.filter(kind="true_false")
    assert all(question.choices.count() == 2 for question in tf)
    assert Choice.objects.filter(question__kind="true_false", is_correct=True).count() == tf.count()


def test_every_translated_field_is_filled_in_the_database(content):
    for model in (Source, Topic, Fact, Question, Choice):
        objects = model.objects.prefetch_related("choices") if model is Question else model.objects.all()
        assert objects.exists(), model
        for obj in objects:
            assert obj.missing_languages() == [], obj


def test_loading_twice_changes_nothing(content):
    report = content_file.load()
    assert not report.created and not report.updated
    assert report.unchanged["questions"] == len(QUESTIONS)


def test_loading_never_overwrites_an_editors_change(content):
    fact = Fact.objects.get(key="fatigue")
    fact.statement_es = "Texto corregido por una editora."
    fact.save()
    question = Question.objects.get(key="which-is-a-benign-cause")
    question.choices.filter(is_correct=False).first().delete()
    report = content_file.load()
    assert not report.updated
    fact.refresh_from_db()
    assert fact.statement_es == "Texto corregido por una editora."
    assert question.choices.count() == 3


def test_loading_with_update_restores_the_file(content):
    Fact.objects.filter(key="fatigue").update(statement_es="Texto corregido por una editora.")
    question = Question.objects.get(key="which-is-a-benign-cause")
    question.choices.filter(is_correct=False).first().delete()
    report = content_file.load(update=True)
    assert report.updated["facts"] == 1
    assert report.updated["questions"] == 1
    fact = Fact.objects.get(key="fatigue")
    assert fact.statement_es == next(f for f in DATA["facts"] if f["key"] == "fatigue")["statement"]["es"]
    assert question.choices.count() == 4


def test_an_update_counts_each_question_once_with_its_choices(content):
    question = Question.objects.get(key="which-is-a-benign-cause")
    Question.objects.filter(pk=question.pk).update(prompt_es="Pregunta cambiada por una editora.")
    question.choices.filter(is_correct=False).first().delete()
    report = content_file.load(update=True)
    assert report.updated["questions"] == 1
    assert report.unchanged["questions"] == len(QUESTIONS) - 1
    assert not report.created
    question.refresh_from_db()
    assert question.prompt_es != "Pregunta cambiada por una editora."
    assert question.choices.count() == 4


def test_load_content_reports_what_it_did(no_content, capsys):
    call_command("load_content")
    first = capsys.readouterr().out
    assert f"Created: 1 sources, {len(DATA['topics'])} topics, {len(DATA['facts'])} facts" in first
    call_command("load_content")
    assert "Created: nothing" in capsys.readouterr().out


def test_load_content_rejects_a_malformed_file(no_content, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"sources": [], "topics": [{"slug": "x"}], "facts": [], "true_false_labels": {}}')
    with pytest.raises(CommandError, match="malformed"):
        call_command("load_content", file=bad)
    assert Topic.objects.count() == 0
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_content", file=bad)
