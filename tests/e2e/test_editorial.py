"""An editor changes a Spanish prompt in the admin, in a real browser, and sees
it where learners do and in the preview (issue 9)."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import Page, expect

from quiz.models import Learner, Question, new_questions_for
from tests.conftest import with_authenticator_app
from tests.e2e.test_study_journey import collect_console_errors
from tests.test_second_factor import current_code


@pytest.fixture
def editor(transactional_db) -> User:
    """A content editor. A browser test flushes the database after itself, group
    included, so the group is made again as its migration makes it."""
    migration = importlib.import_module("quiz.migrations.0002_content_editors_group")
    group, _created = Group.objects.get_or_create(name=migration.GROUP_NAME)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="quiz", content_type__model__in=migration.CONTENT_MODELS)
    )
    user = User.objects.create_user("erin", "erin@example.org", "correct horse battery", is_staff=True)
    user.groups.add(group)
    return with_authenticator_app(user)


NEW_PROMPT = "¿Cuál de estas señales hace que valga la pena consultar al médico?"


def test_an_editor_changes_a_spanish_prompt_and_sees_it_in_study_and_the_preview(
    live_server, content, editor, page: Page
):
    errors = collect_console_errors(page)
    # A new learner's study page shows this card first.
    question = new_questions_for(Learner()).first()
    assert question is not None

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_label("Code").fill(current_code(editor))
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/admin/quiz/question/{question.pk}/change/")
    page.locator('a[href="#tab_id_prompt_es"]').click()
    page.locator("#id_prompt_es").fill(NEW_PROMPT)
    page.locator('input[name="_continue"]').click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.locator(f'a[href="/admin/quiz/question/{question.pk}/preview/es/"]').click()
    expect(page.locator(".prompt")).to_have_text(NEW_PROMPT)
    expect(page.locator("html")).to_have_attribute("lang", "es")

    learner = page.context.browser.new_context().new_page()
    learner.goto(f"{live_server.url}/es/study/")
    expect(learner.locator("#card .prompt")).to_have_text(NEW_PROMPT)
    assert Question.objects.get(pk=question.pk).needs_review == {}
    assert errors == []
