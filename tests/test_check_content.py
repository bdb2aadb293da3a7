"""check_content passes on the shipped content and catches each kind of problem."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from quiz.models import Choice, Fact, Question, Source, Topic, translated_fields


def check(capsys) -> tuple[bool, str]:
    try:
        call_command("check_content")
    except CommandError:
        ok = False
    else:
        ok = True
    captured = capsys.readouterr()
    return ok, captured.out + captured.err


def test_the_shipped_content_passes(content, capsys):
    ok, output = check(capsys)
    assert ok, output
    assert "Content OK" in output


def test_it_catches_a_missing_translation(content, capsys):
    Fact.objects.filter(key="fatigue").update(explanation_hi="")
    ok, output = check(capsys)
    assert not ok
    assert "fact fatigue: Missing translation of explanation in: hi." in output


def test_it_catches_a_missing_translation_of_a_choice(content, capsys):
    choice = Choice.objects.get(question__key="which-is-a-benign-cause", is_correct=True)
    choice.text_ar = ""
    choice.save()
    ok, output = check(capsys)
    assert not ok
    assert f"question which-is-a-benign-cause, choice {choice.position}: Missing translation of text in: ar." in output


def test_it_catches_a_multiple_choice_question_with_two_correct_choices(content, capsys):
    Choice.objects.filter(question__key="which-is-a-benign-cause").update(is_correct=True)
    ok, output = check(capsys)
    assert not ok
    assert "question which-is-a-benign-cause: A multiple-choice question needs exactly one correct choice." in output


def test_it_catches_a_multiple_choice_question_with_too_few_choices(content, capsys):
    Choice.objects.filter(question__key="which-is-a-benign-cause", is_correct=False).delete()
    ok, output = check(capsys)
    assert not ok
    assert "A multiple-choice question needs 3 or 4 choices." in output


def test_it_catches_a_true_false_question_without_two_choices(content, capsys):
    question = Question.objects.get(key="stress-is-a-benign-cause")
    question.choices.filter(is_correct=False).delete()
    ok, output = check(capsys)
    assert not ok
    assert "question stress-is-a-benign-cause: A true-or-false question needs exactly two choices" in output


def test_it_catches_a_fact_without_a_question(content, capsys):
    Question.objects.filter(fact__key="occasional").delete()
    ok, output = check(capsys)
    assert not ok
    assert "fact occasional: no question tests this fact." in output


def test_it_catches_a_published_question_on_an_unpublished_fact(content, capsys):
    Fact.objects.filter(key="hiking").update(is_published=False)
    ok, output = check(capsys)
    assert not ok
    assert "question which-outdoor-activity: A published question cannot test an unpublished fact." in output


def test_a_fact_past_its_review_date_is_a_warning_not_an_error(content, capsys):
    Fact.objects.filter(key="hiking").update(next_review_on=datetime.date(2020, 1, 1))
    ok, output = check(capsys)
    assert ok, output
    assert "WARNING fact hiking: due for review since 2020-01-01." in output


@pytest.mark.parametrize(
    ("kind", "corrects", "expected"),
    [
        ("multiple_choice", [True, False, False], []),
        ("multiple_choice", [True, False], ["A multiple-choice question needs 3 or 4 choices."]),
        ("multiple_choice", [False, False, False], ["A multiple-choice question needs exactly one correct choice."]),
        ("true_false", [True, False], []),
        ("true_false", [True, True], ["A true-or-false question needs exactly two choices, one of them correct."]),
        ("flashcard", [], []),
        ("flashcard", [True], ["A flashcard has no choices."]),
    ],
)
def test_the_choice_rules(kind, corrects, expected):
    from quiz.content_rules import choice_problems

    assert choice_problems(kind, corrects) == expected


# Every translated field registered with modeltranslation, read from the registry:
# a field added there is covered here, by check_content and by the admin filter at once.
REGISTERED = [
    (model, field)
    for model in (Source, Topic, Fact, Question, Choice)
    for field in translated_fields(model)
    if not (model is Question and field in Question.FLASHCARD_ONLY)
]


@pytest.mark.parametrize(("model", "field"), REGISTERED, ids=lambda v: getattr(v, "__name__", v))
def test_every_registered_translated_field_is_checked_everywhere(content, capsys, root, model, field):
    obj = model.objects.order_by("pk").first()
    model.objects.filter(pk=obj.pk).update(**{f"{field}_de": ""})
    ok, output = check(capsys)
    assert not ok
    assert f"Missing translation of {field} in: de." in output
    listed = obj if model is not Choice else obj.question
    client = Client()
    client.force_login(root)
    admin_list = f"/admin/quiz/{listed._meta.model_name}/?translation=missing"
    html = client.get(admin_list).content.decode()
    assert f"/admin/quiz/{listed._meta.model_name}/{listed.pk}/change/" in html
