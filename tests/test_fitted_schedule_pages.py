"""What learners and staff see of the fitted schedule (issue 12): the suggested
target on the settings page, the dashboard's sentence and predicted recall,
the export, account deletion and the admin."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format

from quiz.models import CardState, Learner, ParameterSet, Question
from quiz.scheduling import DEFAULT_PARAMETERS
from tests.fitting_population import EASY_FOR_ONE, HARD_FACTS

ALL_LANGUAGES = [code for code, _name in settings.LANGUAGES]
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def parameter_set(weights=HARD_FACTS, learner: Learner | None = None, **fields) -> ParameterSet:
    values = {
        "parameters": list(weights),
        "review_count": 12400,
        "learner_count": 310,
        "log_loss_before": 0.4,
        "log_loss_after": 0.3,
        "rmse_before": 0.1,
        "rmse_after": 0.05,
        "recommended_retention": 0.85,
        # A deck-wide set is in force once approved.
        "approved_at": NOW if learner is None else None,
    }
    return ParameterSet.objects.create(learner=learner, **(values | fields))


def prefix(code: str) -> str:
    return "" if code == "en" else f"/{code}"


# --- The suggested target ------------------------------------------------------


@pytest.mark.parametrize("code", ALL_LANGUAGES)
def test_the_settings_page_suggests_the_fitted_target_in_every_language(client, content, code):
    parameter_set()
    html = client.get(f"{prefix(code)}/study/settings/").content.decode()
    with translation.override(code):
        heading = translation.gettext("Suggested target")
        button = translation.gettext("Use %(percent)s%%") % {"percent": 85}
    assert heading in html
    assert button in html
    assert 'name="desired_retention" value="0.85"' in html
    if code != "en":
        assert "Suggested target" not in html


def test_without_a_fit_there_is_no_suggestion(client, content):
    assert "Suggested target" not in client.get("/study/settings/").content.decode()


def test_a_pending_deck_wide_set_is_neither_suggested_nor_shown_until_approved(alice_client, alice_learner, root):
    studied(alice_learner)
    pending = parameter_set(approved_at=None)
    assert "Suggested target" not in alice_client.get("/study/settings/").content.decode()
    assert "Your schedule uses the standard FSRS parameters" in alice_client.get("/progress/").content.decode()
    # Approving it renews every process's copy: the next request sees it.
    pending.approve(root.pk, NOW)
    assert 'name="desired_retention" value="0.85"' in alice_client.get("/study/settings/").content.decode()
    assert "fitted to 12,400 reviews from 310 learners." in alice_client.get("/progress/").content.decode()


def test_the_learners_own_suggestion_wins_over_the_decks(alice_client, alice_learner):
    parameter_set(recommended_retention=0.85)
    own = parameter_set(EASY_FOR_ONE, learner=alice_learner, recommended_retention=0.78)
    Learner.objects.filter(pk=alice_learner.pk).update(parameter_set=own)
    html = alice_client.get("/study/settings/").content.decode()
    assert 'value="0.78"' in html


def test_applying_the_suggestion_sets_the_target(alice_client, alice_learner):
    parameter_set()
    response = alice_client.post("/study/settings/retention/", {"desired_retention": "0.85"}, follow=True)
    assert response.redirect_chain[-1] == ("/study/settings/", 302)
    assert "Your target retention is now 85%." in response.content.decode()
    assert Learner.objects.get(pk=alice_learner.pk).desired_retention == 0.85


@pytest.mark.parametrize("value", ["0.5", "1.2", "", "abc"])
def test_a_bad_target_is_refused_and_changes_nothing(alice_client, alice_learner, value):
    response = alice_client.post("/study/settings/retention/", {"desired_retention": value})
    assert response.status_code == 400
    assert "This target could not be used (0.70 to 0.97). Nothing was saved." in response.content.decode()
    assert Learner.objects.get(pk=alice_learner.pk).desired_retention == 0.9


def test_applying_needs_the_csrf_token(content, alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/study/settings/retention/", {"desired_retention": "0.85"}).status_code == 403


# --- The dashboard -------------------------------------------------------------


def studied(learner: Learner, cards: int = 3) -> None:
    for question in Question.objects.published().order_by("pk")[:cards]:
        card = CardState.objects.create(learner=learner, question=question)
        card.record_review(rating=3, review_id=uuid.uuid4(), now=NOW, duration_ms=10, language="en")


def test_the_dashboard_says_the_schedule_uses_the_defaults_before_any_fit(alice_client, alice_learner):
    studied(alice_learner)
    html = alice_client.get("/progress/").content.decode()
    assert "Your schedule uses the standard FSRS parameters" in html


@pytest.mark.parametrize("code", ALL_LANGUAGES)
def test_the_dashboard_says_what_the_schedule_is_fitted_to(alice_client, alice_learner, code):
    studied(alice_learner)
    parameter_set()
    html = alice_client.get(f"{prefix(code)}/progress/").content.decode()
    with translation.override(code):
        reviews, learners = number_format(12400, 0, force_grouping=True), number_format(310, 0, force_grouping=True)
        expected = translation.ngettext(
            "Your schedule is fitted to %(reviews)s reviews from %(learners)s learner.",
            "Your schedule is fitted to %(reviews)s reviews from %(learners)s learners.",
            310,
        ) % {"reviews": reviews, "learners": learners}
    assert expected in html
    if code == "en":
        assert "fitted to 12,400 reviews from 310 learners." in html


def test_the_dashboard_says_when_the_schedule_is_fitted_to_the_learners_own_reviews(alice_client, alice_learner):
    studied(alice_learner)
    own = parameter_set(EASY_FOR_ONE, learner=alice_learner, review_count=640, learner_count=1)
    Learner.objects.filter(pk=alice_learner.pk).update(parameter_set=own)
    assert "Your schedule is fitted to your own 640 reviews." in alice_client.get("/progress/").content.decode()


def test_the_dashboard_shows_predicted_recall_per_topic_with_the_parameters_in_force(alice_client, alice_learner):
    studied(alice_learner)
    topic = Question.objects.published().order_by("pk")[0].fact.topic.name

    def recall_cell() -> str:
        html = alice_client.get("/progress/").content.decode()
        row = html[html.index(f">{topic}</a>") :]
        return row.split("<td>")[3].split("</td>")[0]

    with_defaults = recall_cell()
    parameter_set(HARD_FACTS)
    # The learning cards were reviewed on NOW; whatever today is, the steeper curve predicts less.
    with_fit = recall_cell()
    assert with_defaults.endswith("%") and with_fit.endswith("%")
    assert int(with_fit.rstrip("%")) < int(with_defaults.rstrip("%"))


# --- Export, deletion, admin -----------------------------------------------------


def test_the_export_holds_the_learners_own_fitted_parameters(alice_client, alice_learner):
    parameter_set()  # deck-wide: no one's, not exported
    own = parameter_set(EASY_FOR_ONE, learner=alice_learner, review_count=640, learner_count=1)
    Learner.objects.filter(pk=alice_learner.pk).update(parameter_set=own)
    data = json.loads(b"".join(alice_client.get("/account/export/").streaming_content))
    [exported] = data["fitted_parameters"]
    assert exported["parameters"] == list(EASY_FOR_ONE)
    assert exported["review_count"] == 640
    assert exported["in_force"] is True


def test_deleting_an_account_deletes_the_learners_own_set(alice_client, alice_learner):
    deck = parameter_set()
    own = parameter_set(EASY_FOR_ONE, learner=alice_learner)
    Learner.objects.filter(pk=alice_learner.pk).update(parameter_set=own)
    response = alice_client.post("/account/delete/", {"password": "correct horse battery"})
    assert response.status_code == 302
    assert list(ParameterSet.objects.all()) == [deck]


def test_the_admin_lists_parameter_sets_without_naming_a_learner(client, root, alice_learner):
    own = parameter_set(EASY_FOR_ONE, learner=alice_learner)
    parameter_set(DEFAULT_PARAMETERS)
    client.force_login(root)
    listing = client.get("/admin/quiz/parameterset/").content.decode()
    assert "one learner&#x27;s reviews" in listing or "one learner's reviews" in listing
    assert "all learners" in listing
    page = client.get(f"/admin/quiz/parameterset/{own.pk}/change/").content.decode()
    for text in (listing, page):
        assert "alice" not in text
    assert "12400" in page or "12,400" in page
    assert client.get("/admin/quiz/parameterset/add/").status_code == 403
