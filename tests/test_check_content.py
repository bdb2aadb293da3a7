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
    _ok, output = check(capsys)
    assert "ERROR fact hiking" not in output
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


# --- The three editorial rules, each on small content built here --------------


def small_fact(key: str, *, statement: str = "Hiking can set off twitching.", explanation: str = "It can.") -> Fact:
    source, _ = Source.objects.get_or_create(key="small", defaults={"title": "A title", "author": "An author"})
    topic, _ = Topic.objects.get_or_create(slug="small", defaults={"name": "Small", "description": "Small."})
    today = datetime.date(2026, 1, 1)
    return Fact.objects.create(
        key=key,
        topic=topic,
        source=source,
        paragraph=1,
        statement=statement,
        explanation=explanation,
        reviewed_on=today,
        next_review_on=today + datetime.timedelta(days=365),
    )


def small_question(fact: Fact, key: str, choices: list[tuple[str, bool]], explanation: str = "It can.") -> Question:
    question = Question.objects.create(
        key=key, fact=fact, kind=Question.Kind.MULTIPLE_CHOICE, prompt="Which?", explanation=explanation
    )
    for position, (text, correct) in enumerate(choices):
        Choice.objects.create(question=question, text=text, is_correct=correct, position=position)
    return question


@pytest.mark.parametrize(
    ("statement", "marker"),
    [
        ("Benign twitching happens at random. Benign means harmless.", "means"),
        ("Fatigue, that is, being very tired, is a cause.", "that is,"),
        ("It is benign, i.e. harmless.", "i.e."),
        ("In other words, it is harmless.", "in other words"),
    ],
)
def test_it_catches_an_unmarked_gloss_in_a_statement(no_content, capsys, statement, marker):
    small_fact("glossed", statement=statement)
    ok, output = check(capsys)
    assert not ok
    assert f"fact glossed: the English statement glosses with “{marker}” outside square brackets" in output


def test_a_gloss_in_square_brackets_is_the_apps_marked_word(no_content, capsys):
    small_fact("marked", statement="Benign twitching happens at random [benign means harmless here].")
    small_fact("plain", statement="The word “injury” is nothing to be frightened of.")
    _ok, output = check(capsys)
    assert "glosses with" not in output


@pytest.mark.parametrize(
    ("choices", "longest"),
    [
        ([("Hiking", True), ("Sleep", False), ("Reading", False)], False),
        ([("Hiking uphill", True), ("Sleep", False), ("Reading", False)], True),
        ([("Walking", True), ("Resting", False), ("Reading", False)], True),  # a tie counts
    ],
)
def test_the_longest_choice_rule(choices, longest):
    from quiz.content_rules import right_choice_is_longest

    assert right_choice_is_longest(choices) is longest


def test_it_catches_the_right_choice_being_the_longest_in_more_than_a_third(no_content, capsys):
    fact = small_fact("hiking")
    small_question(fact, "q1", [("Hiking up hills", True), ("Sleep", False), ("Reading", False)])
    small_question(fact, "q2", [("Hiking up hills", True), ("Sleep", False), ("Reading", False)])
    small_question(fact, "q3", [("Hiking", True), ("Sleeping a lot", False), ("Reading", False)])
    ok, output = check(capsys)
    assert not ok
    assert "the right choice is the longest (or tied) in English in 2 of 3 questions, more than a third (q1, q2)" in (
        output
    )


def test_the_right_choice_may_be_the_longest_in_a_third(no_content, capsys):
    fact = small_fact("hiking")
    small_question(fact, "q1", [("Hiking up hills", True), ("Sleep", False), ("Reading", False)])
    small_question(fact, "q2", [("Hiking", True), ("Sleeping a lot", False), ("Reading", False)])
    small_question(fact, "q3", [("Hiking", True), ("Sleep", False), ("Reading a book", False)])
    _ok, output = check(capsys)
    assert "the right choice is the longest" not in output


HARD = (
    "Benign fasciculation syndrome characteristically manifests concomitant musculoskeletal cramping "
    "alongside diminished exercise tolerance, notwithstanding its nonprogressive clinical trajectory."
)
EASY = "It comes and goes. That is fine."


@pytest.mark.parametrize("kind", ["fact", "question"])
def test_it_catches_explanations_whose_median_grade_is_above_8(no_content, capsys, kind):
    for n, text in enumerate([HARD, HARD, EASY]):
        fact = small_fact(f"f{n}", explanation=text if kind == "fact" else EASY)
        small_question(fact, f"q{n}", [("A", True), ("Bb", False), ("Cc", False)], text if kind == "question" else EASY)
    ok, output = check(capsys)
    assert not ok
    assert f"{kind} explanations: median Flesch-Kincaid grade in English is" in output
    assert f"{'question' if kind == 'fact' else 'fact'} explanations: median" not in output


def test_explanations_may_have_a_hard_one_when_the_median_is_8_or_less(no_content, capsys):
    for n, text in enumerate([HARD, EASY, EASY]):
        small_question(
            small_fact(f"f{n}", explanation=text), f"q{n}", [("A", True), ("Bb", False), ("Cc", False)], text
        )
    _ok, output = check(capsys)
    assert "explanations: median" not in output
