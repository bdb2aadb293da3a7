"""The in-process copy of the published content (quiz.published): every change
to the content is seen on the next request, and a request reads it at most once."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from quiz.models import Choice, ContentVersion, Fact, Question
from quiz.published import published
from tests.study_helpers import HTMX, question_on_screen

pytestmark = pytest.mark.django_db


def content_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"quiz_question"' in q["sql"]]


def test_an_edit_saved_through_the_admin_model_is_on_the_next_study_page(alice_client):
    question = question_on_screen(alice_client.get("/study/").content.decode())
    question.prompt_en = "A prompt an editor just rewrote?"
    question.save()

    assert "A prompt an editor just rewrote?" in alice_client.get("/study/").content.decode()


def test_a_bulk_unpublish_takes_the_question_out_at_once(alice_client):
    question = question_on_screen(alice_client.get("/study/").content.decode())
    Question.objects.filter(pk=question.pk).update(is_published=False)

    assert published().question(question.pk) is None
    assert question_on_screen(alice_client.get("/study/").content.decode()).pk != question.pk


def test_unpublishing_a_fact_takes_its_questions_out(content):
    fact = Fact.objects.filter(questions__is_published=True).first()
    ids = set(fact.questions.values_list("pk", flat=True))
    assert ids & set(published().questions)
    fact.is_published = False
    fact.save()

    assert not ids & set(published().questions)


def test_a_deleted_choice_is_gone_from_the_copy(content):
    question = next(q for q in published().questions.values() if len(q.ordered_choices) > 2)
    choice = question.ordered_choices[-1]
    Choice.objects.filter(pk=choice.pk).delete()

    assert published().question(question.pk).choice(choice.pk) is None


def test_a_rolled_back_change_is_never_served_after_another_change(content):
    question = Question.objects.published().first()
    original = question.prompt_en
    with pytest.raises(RuntimeError), transaction.atomic():
        question.prompt_en = "Rolled back"
        question.save()
        assert published().question(question.pk).prompt_en == "Rolled back"
        raise RuntimeError
    # A second, different change: with a counter it would carry the rolled-back change's number.
    other = Question.objects.published().exclude(pk=question.pk).first()
    other.prompt_en = "Kept"
    other.save()

    copy = published()
    assert copy.question(question.pk).prompt_en == original
    assert copy.question(other.pk).prompt_en == "Kept"


def test_each_change_gives_a_new_token(content):
    before = ContentVersion.objects.get().token
    Question.objects.published().first().save()
    assert ContentVersion.objects.get().token != before


def test_the_copy_is_read_once_and_kept_across_requests(alice_client):
    alice_client.get("/study/")
    with CaptureQueriesContext(connection) as captured:
        alice_client.get("/study/", headers=HTMX)

    tokens = [q for q in captured.captured_queries if "quiz_contentversion" in q["sql"]]
    assert len(tokens) == 1
    assert content_queries(captured) == []


def test_a_copy_is_still_made_without_the_version_row(alice_client):
    # A database flushed by hand has no row: the content is read on each request, never served stale.
    ContentVersion.objects.all().delete()
    question = question_on_screen(alice_client.get("/study/").content.decode())
    Question.objects.filter(pk=question.pk).update(prompt_en="Seen without a version row?")
    ContentVersion.objects.all().delete()

    assert "Seen without a version row?" in alice_client.get("/study/").content.decode()
