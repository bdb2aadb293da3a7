"""The editorial workflow in the admin: translation freshness, history and undo,
preview, the dump round trip, review dates (issue 9)."""

from __future__ import annotations

import datetime
import json
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from modeltranslation.utils import build_localized_fieldname
from reversion.models import Version

from quiz import content_file
from quiz.management.commands.check_content import find_problems
from quiz.models import (
    CardState,
    Choice,
    Fact,
    Learner,
    Question,
    QuizAnswer,
    QuizAttempt,
    ReviewLog,
    new_questions_for,
)
from tests.admin_helpers import change_form_data

LANGUAGES = [code for code, _name in settings.LANGUAGES]
OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
FLASHCARD = "what-is-a-fasciculation"
MULTIPLE_CHOICE_KIND = Question.Kind.MULTIPLE_CHOICE


def col(field: str, code: str) -> str:
    return build_localized_fieldname(field, code)


def question_url(question: Question, page: str = "change") -> str:
    return f"/admin/quiz/question/{question.pk}/{page}/"


def edit_question(client, question: Question, **changes: str):
    data = change_form_data(client.get(question_url(question)), **changes)
    response = client.post(question_url(question), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


# --- Translation freshness --------------------------------------------------


def test_changing_the_english_marks_the_field_to_review_in_every_other_language(content):
    fact = Fact.objects.get(key="fatigue")
    fact.statement_en = "A new English statement."
    fact.save()
    fact.refresh_from_db()
    assert fact.needs_review == {code: ["statement"] for code in OTHER_LANGUAGES}
    assert fact.stale_languages() == OTHER_LANGUAGES


def test_a_translation_changed_with_the_english_stays_fresh(content):
    fact = Fact.objects.get(key="fatigue")
    fact.statement_en, fact.statement_es = "A new English statement.", "Una nueva afirmación."
    fact.save()
    assert "es" not in fact.needs_review
    assert fact.needs_review["fr"] == ["statement"]


def test_a_translators_change_clears_only_that_language_and_field(content):
    fact = Fact.objects.get(key="fatigue")
    fact.statement_en, fact.explanation_en = "New statement.", "New explanation."
    fact.save()
    fact.statement_de = "Eine neue Aussage."
    fact.save()
    fact.refresh_from_db()
    assert fact.needs_review["de"] == ["explanation"]
    assert fact.needs_review["fr"] == ["explanation", "statement"]


def test_an_edit_that_leaves_the_english_alone_marks_nothing(content):
    fact = Fact.objects.get(key="fatigue")
    fact.statement_es = "Otra afirmación."
    fact.save()
    assert fact.needs_review == {}


def first_new_card() -> Question:
    """The card a new learner's study page shows first."""
    question = new_questions_for(Learner()).first()
    assert question is not None
    return question


def test_learners_keep_seeing_the_last_translation_while_it_is_to_review(content, client):
    question = first_new_card()
    spanish = question.prompt_es
    question.prompt_en = "Which of these does the article count as a warning sign?"
    question.save()
    assert question.stale_languages() == OTHER_LANGUAGES
    assert spanish in client.get("/es/study/").content.decode()


def test_an_editor_changing_the_english_in_admin_marks_the_others(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    edit_question(client, question, prompt_en="What do doctors call a muscle twitch?")
    question.refresh_from_db()
    assert question.stale_languages() == OTHER_LANGUAGES


def test_the_confirm_action_clears_one_language_for_the_selected_items(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    question.prompt_en = "What do doctors call a muscle twitch?"
    question.save()
    response = client.post(
        "/admin/quiz/question/", {"action": "confirm_es", "_selected_action": [question.pk]}, follow=True
    )
    assert "Spanish: 1 item confirmed as still right." in response.content.decode()
    question.refresh_from_db()
    assert "es" not in question.needs_review
    assert question.needs_review["fr"] == ["prompt"]


def test_the_lists_show_and_filter_the_languages_to_review(client, content, erin):
    client.force_login(erin)
    Fact.objects.filter(key="fatigue").update(needs_review={"es": ["statement"], "hi": ["statement"]})
    html = client.get("/admin/quiz/fact/").content.decode()
    assert "es, hi" in html
    filtered = client.get("/admin/quiz/fact/?review=hi")
    assert [fact.key for fact in filtered.context["cl"].result_list] == ["fatigue"]
    assert list(client.get("/admin/quiz/fact/?review=fr").context["cl"].result_list) == []


def test_a_question_is_listed_to_review_when_one_of_its_choices_is(client, content, erin):
    client.force_login(erin)
    choice = Choice.objects.filter(question__kind=MULTIPLE_CHOICE_KIND).first()
    assert choice is not None
    choice.text_en = "A different answer."
    choice.save()
    filtered = client.get("/admin/quiz/question/?review=ar").context["cl"].result_list
    assert [question.pk for question in filtered] == [choice.question_id]


def test_check_content_warns_about_translations_to_review(content):
    fact = Fact.objects.get(key="fatigue")
    fact.statement_en = "A new English statement."
    fact.save()
    errors, warnings = find_problems(datetime.date(2026, 12, 1))
    assert "fact fatigue: statement in es to review (the English text changed)." in warnings
    assert not any("fatigue" in error for error in errors)


# --- History and undo -------------------------------------------------------


def test_an_admin_edit_is_recorded_with_who_and_what(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    edit_question(client, question, prompt_es="¿Qué es una fasciculación muscular?")
    version = Version.objects.get_for_object(question).first()
    assert version is not None
    assert version.revision.user == erin
    assert version.field_dict["prompt_es"] == "¿Qué es una fasciculación muscular?"
    history = client.get(question_url(question, "history")).content.decode()
    assert "erin" in history


def test_load_content_records_what_it_changed(content, tmp_path):
    data = content_file.read()
    data["facts"][0]["statement"]["en"] = "Changed in the file."
    path = tmp_path / "content.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("load_content", "--update", "--file", str(path))
    version = Version.objects.get_for_object(Fact.objects.get(key=data["facts"][0]["key"])).first()
    assert version is not None
    assert version.revision.comment == "load_content --update content.json"
    assert version.field_dict["statement_en"] == "Changed in the file."


def test_reverting_to_an_earlier_version_restores_all_eight_languages(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    original = {code: getattr(question, col("prompt", code)) for code in LANGUAGES}
    edit_question(client, question)  # the version to come back to
    earlier = Version.objects.get_for_object(question).first()
    assert earlier is not None
    edit_question(client, question, **{col("prompt", code): f"Changed ({code})" for code in LANGUAGES})
    question.refresh_from_db()
    assert question.prompt_fr == "Changed (fr)"

    revision_url = question_url(question, f"history/{earlier.pk}")
    response = client.post(revision_url, change_form_data(client.get(revision_url)))

    assert response.status_code == 302
    question.refresh_from_db()
    assert {code: getattr(question, col("prompt", code)) for code in LANGUAGES} == original


def test_a_deleted_question_can_be_recovered_from_its_history(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    edit_question(client, question)
    assert client.post(question_url(question, "delete"), {"post": "yes"}).status_code == 302
    assert not Question.objects.filter(key=FLASHCARD).exists()

    deleted = Version.objects.get_deleted(Question).get(object_id=str(question.pk))
    recover_url = f"/admin/quiz/question/recover/{deleted.pk}/"
    assert recover_url in client.get("/admin/quiz/question/recover/").content.decode()
    response = client.post(recover_url, change_form_data(client.get(recover_url)))

    assert response.status_code == 302
    recovered = Question.objects.get(key=FLASHCARD)
    assert recovered.prompt_hi == question.prompt_hi


# --- Preview ----------------------------------------------------------------


LEARNER_ROWS: list[type[Learner | CardState | ReviewLog | QuizAttempt | QuizAnswer]] = [
    Learner,
    CardState,
    ReviewLog,
    QuizAttempt,
    QuizAnswer,
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_preview_shows_a_multiple_choice_card_in_each_language_and_writes_nothing(client, content, erin, language):
    client.force_login(erin)
    question = Question.objects.filter(kind=MULTIPLE_CHOICE_KIND).select_related("fact").first()
    assert question is not None
    response = client.get(question_url(question, f"preview/{language}"))
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert f'<html lang="{language}"' in page
    texts = [getattr(question, col("prompt", language)), getattr(question, col("explanation", language))]
    texts += [getattr(choice, col("text", language)) for choice in question.choices.all()]
    texts.append(getattr(question.fact, col("statement", language)))
    assert all(text in page for text in texts)
    assert all(not model._default_manager.exists() for model in LEARNER_ROWS)


def test_the_preview_of_a_flashcard_shows_its_answer(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    page = unescape(client.get(question_url(question, "preview/de")).content.decode())
    assert question.answer_de in page


def test_the_change_page_links_to_the_preview_in_every_language(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    html = client.get(question_url(question)).content.decode()
    for code in LANGUAGES:
        assert question_url(question, f"preview/{code}") in html


def test_the_preview_answers_404_for_an_unknown_language(client, content, erin):
    client.force_login(erin)
    question = Question.objects.get(key=FLASHCARD)
    assert client.get(question_url(question, "preview/xx")).status_code == 404


def test_staff_without_permissions_cannot_preview(client, content, charlie):
    client.force_login(charlie)
    question = Question.objects.get(key=FLASHCARD)
    assert client.get(question_url(question, "preview/en")).status_code == 403


# --- Round trip -------------------------------------------------------------


def test_dump_content_writes_the_loaded_file_back_exactly(content, capsys):
    call_command("dump_content")
    assert capsys.readouterr().out == content_file.DEFAULT_PATH.read_text(encoding="utf-8")


def test_loading_the_dump_after_admin_edits_changes_nothing(client, content, erin, tmp_path: Path):
    client.force_login(erin)
    edit_question(client, Question.objects.get(key=FLASHCARD), prompt_es="¿Qué es, exactamente, una fasciculación?")
    Question.objects.filter(key="what-is-behind-benign-twitches").update(is_published=False)
    path = tmp_path / "dump.json"
    call_command("dump_content", "--file", str(path))

    report = content_file.load(path, update=True)

    assert not report.created and not report.updated and not report.skipped
    assert json.loads(path.read_text(encoding="utf-8")) == content_file.dump()
    assert Question.objects.get(key=FLASHCARD).prompt_es == "¿Qué es, exactamente, una fasciculación?"


# --- Review dates -----------------------------------------------------------


def test_the_fact_list_shows_the_last_and_next_review_dates(client, content, erin):
    client.force_login(erin)
    Fact.objects.filter(key="fatigue").update(
        reviewed_on=datetime.date(2026, 1, 2), next_review_on=datetime.date(2027, 1, 3)
    )
    html = client.get("/admin/quiz/fact/?q=fatigue").content.decode()
    assert "Jan. 2, 2026" in html and "Jan. 3, 2027" in html


def test_the_mark_reviewed_action_marks_facts_reviewed_today(client, content, erin, monkeypatch):
    client.force_login(erin)
    monkeypatch.setattr("quiz.admin.timezone.localdate", lambda: datetime.date(2026, 12, 1))
    fact = Fact.objects.get(key="fatigue")
    Fact.objects.filter(pk=fact.pk).update(
        reviewed_on=datetime.date(2025, 6, 1), next_review_on=datetime.date(2026, 6, 1)
    )
    client.post("/admin/quiz/fact/", {"action": "mark_reviewed", "_selected_action": [fact.pk]})
    fact.refresh_from_db()
    assert fact.reviewed_on == datetime.date(2026, 12, 1)
    assert fact.next_review_on == datetime.date(2027, 12, 1)
