"""Django admin for content editors."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quiz.admin import FactAdmin, QuestionAdmin
from quiz.models import Choice, Fact, Question, Source, Topic

MODELS = ["source", "topic", "fact", "question"]


def change_url(model: str, obj) -> str:
    return f"/admin/quiz/{model}/{obj.pk}/change/"


def first(model: str) -> Source | Topic | Fact | Question | None:
    models: dict[str, type[Source | Topic | Fact | Question]] = {
        "source": Source,
        "topic": Topic,
        "fact": Fact,
        "question": Question,
    }
    return models[model]._default_manager.first()


@pytest.mark.parametrize("person", ["root", "erin"])
@pytest.mark.parametrize("model", MODELS)
def test_superusers_and_editors_can_use_every_content_page(client, content, request, person, model):
    client.force_login(request.getfixturevalue(person))
    assert client.get(f"/admin/quiz/{model}/").status_code == 200
    assert client.get(f"/admin/quiz/{model}/add/").status_code == 200
    assert client.get(change_url(model, first(model))).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_staff_without_permissions_are_refused(client, content, charlie, model):
    client.force_login(charlie)
    assert client.get(f"/admin/quiz/{model}/").status_code == 403
    assert client.get(f"/admin/quiz/{model}/add/").status_code == 403
    assert client.get(change_url(model, first(model))).status_code == 403


def test_editors_may_not_manage_users(client, erin):
    client.force_login(erin)
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_the_change_list_shows_translation_completeness(client, content, root):
    Fact.objects.filter(key="fatigue").update(statement_hi="", explanation_ar="")
    client.force_login(root)
    html = client.get("/admin/quiz/fact/").content.decode()
    assert "8/8" in html
    assert "ar, hi" in html


def test_the_missing_translation_filter_finds_incomplete_questions(client, content, root):
    Choice.objects.filter(question__key="hiking-is-a-trigger").update(text_de="")
    client.force_login(root)
    response = client.get("/admin/quiz/question/?translation=missing")
    assert list(response.context["cl"].result_list.values_list("key", flat=True)) == ["hiking-is-a-trigger"]


def test_search_covers_every_language(client, content, root):
    fact = Fact.objects.get(key="fatigue")
    client.force_login(root)
    response = client.get("/admin/quiz/fact/", {"q": fact.statement_zh_hans[:6]})
    assert fact in response.context["cl"].result_list


@pytest.mark.parametrize("model", ["fact", "question"])
def test_the_change_list_runs_a_constant_number_of_queries(client, content, root, model):
    client.force_login(root)
    admin_class = FactAdmin if model == "fact" else QuestionAdmin
    # The first request of the day renews the session (quiz.learners.keep_session); count the rest.
    client.get("/admin/")

    def count(per_page: int) -> int:
        with mock.patch.object(admin_class, "list_per_page", per_page), CaptureQueriesContext(connection) as queries:
            response = client.get(f"/admin/quiz/{model}/", {"o": "1"})
            assert response.status_code == 200
            assert len(response.context["cl"].result_list) == per_page
        return len(queries)

    assert count(5) == count(30)


def question_post_data(question: Question, **changes) -> dict:
    """The admin change form of `question`, as a browser would post it back."""
    data = {
        "key": question.key,
        "fact": question.fact_id,
        "kind": question.kind,
        "position": question.position,
        "is_published": "on" if question.is_published else "",
    }
    for field in ("prompt", "answer", "explanation"):
        for code in ("en", "es", "fr", "de", "pt_br", "ar", "zh_hans", "hi"):
            data[f"{field}_{code}"] = getattr(question, f"{field}_{code}")
    choices = list(question.choices.all())
    data.update(
        {
            "choices-TOTAL_FORMS": len(choices),
            "choices-INITIAL_FORMS": len(choices),
            "choices-MIN_NUM_FORMS": 0,
            "choices-MAX_NUM_FORMS": 1000,
        }
    )
    for index, choice in enumerate(choices):
        data[f"choices-{index}-id"] = choice.pk
        data[f"choices-{index}-question"] = question.pk
        data[f"choices-{index}-position"] = choice.position
        if choice.is_correct:
            data[f"choices-{index}-is_correct"] = "on"
        for code in ("en", "es", "fr", "de", "pt_br", "ar", "zh_hans", "hi"):
            data[f"choices-{index}-text_{code}"] = getattr(choice, f"text_{code}")
    data = {key: value for key, value in data.items() if value != ""}
    data.update(changes)
    return data


def test_a_spanish_edit_in_admin_shows_on_the_spanish_learn_page(client, content, erin):
    fact = Fact.objects.get(key="fatigue")
    client.force_login(erin)
    data = {
        "key": fact.key,
        "topic": fact.topic_id,
        "source": fact.source_id,
        "paragraph": fact.paragraph,
        "position": fact.position,
        "is_warning_sign": "",
        "reviewed_on": fact.reviewed_on.isoformat(),
        "next_review_on": fact.next_review_on.isoformat(),
        "is_published": "on",
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 0,
    }
    for field in ("statement", "explanation"):
        for code in ("en", "es", "fr", "de", "pt_br", "ar", "zh_hans", "hi"):
            data[f"{field}_{code}"] = getattr(fact, f"{field}_{code}")
    data = {key: value for key, value in data.items() if value != ""}
    data["statement_es"] = "El cansancio también puede provocar fasciculaciones benignas (texto revisado)."
    response = client.post(change_url("fact", fact), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = client.get("/es/learn/causes/").content.decode()
    assert "El cansancio también puede provocar fasciculaciones benignas (texto revisado)." in page
    assert "(texto revisado)" not in client.get("/learn/causes/").content.decode()


def test_a_multiple_choice_question_with_two_right_answers_is_refused(client, content, erin):
    question = Question.objects.get(key="which-is-a-benign-cause")
    client.force_login(erin)
    data = question_post_data(question)
    for index in range(4):
        data[f"choices-{index}-is_correct"] = "on"
    data["prompt_es"] = "Cambio que no debe guardarse"
    response = client.post(change_url("question", question), data)
    assert response.status_code == 200
    assert "A multiple-choice question needs exactly one correct choice." in response.content.decode()
    question.refresh_from_db()
    assert question.prompt_es != "Cambio que no debe guardarse"
    assert question.choices.filter(is_correct=True).count() == 1


def test_a_missing_translation_is_refused_with_a_form_error(client, content, erin):
    question = Question.objects.get(key="which-is-a-benign-cause")
    client.force_login(erin)
    data = question_post_data(question)
    del data["prompt_hi"]
    response = client.post(change_url("question", question), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["prompt_hi"] == ["This translation is required."]
    question.refresh_from_db()
    assert question.prompt_hi


def test_an_unchanged_valid_question_saves(client, content, erin):
    question = Question.objects.get(key="which-is-a-benign-cause")
    client.force_login(erin)
    response = client.post(change_url("question", question), question_post_data(question, prompt_en="Edited?"))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.prompt_en == "Edited?"


def test_a_question_cannot_be_published_on_an_unpublished_fact(client, content, erin):
    question = Question.objects.get(key="which-is-a-benign-cause")
    Question.objects.filter(fact=question.fact).exclude(pk=question.pk).update(is_published=False)
    Fact.objects.filter(pk=question.fact_id).update(is_published=False)
    question.is_published = False
    question.save()
    client.force_login(erin)
    response = client.post(change_url("question", question), question_post_data(question, is_published="on"))
    assert response.status_code == 200
    assert "A published question cannot test an unpublished fact." in response.content.decode()
    question.refresh_from_db()
    assert not question.is_published


def test_publish_and_unpublish_actions(client, content, erin):
    client.force_login(erin)
    fact = Fact.objects.get(key="hiking")
    response = client.post("/admin/quiz/fact/", {"action": "unpublish", "_selected_action": [fact.pk]})
    assert response.status_code == 302
    fact.refresh_from_db()
    assert not fact.is_published
    assert not fact.questions.filter(is_published=True).exists()
    client.post("/admin/quiz/fact/", {"action": "publish", "_selected_action": [fact.pk]})
    fact.refresh_from_db()
    assert fact.is_published
    client.post(
        "/admin/quiz/question/", {"action": "publish", "_selected_action": [q.pk for q in fact.questions.all()]}
    )
    assert fact.questions.filter(is_published=True).count() == fact.questions.count()


def test_view_on_site_shows_the_fact_where_learners_see_it(client, content, root):
    fact = Fact.objects.get(key="fatigue")
    client.force_login(root)
    response = client.get(change_url("fact", fact))
    assert fact.get_absolute_url() == "/learn/causes/#fact-fatigue"
    assert "View on site" in response.content.decode()
    assert 'id="fact-fatigue"' in client.get("/learn/causes/").content.decode()
