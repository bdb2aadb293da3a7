"""The access-control matrix: every URL of the project × everyone who can ask.

Every URL pattern the resolver knows must have an entry here (a new URL
without one fails `test_every_url_pattern_has_an_entry_in_the_matrix`).
Each entry says what status each actor gets, for GET and, where the view
takes a POST, for POST. Addresses with ids are filled with alice's objects:
her quiz, her account. Whatever anyone else does, her rows do not change and
her data appears in no one else's page.

The admin is covered by family: the site's own pages, then the five pages of
each registered model (changelist, add, history, delete, change, and the bare
id that redirects to change), generated from ADMIN_MODELS, which must list
every registered model.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from quiz.accounts import EmailChange
from quiz.models import Fact, Learner, ParameterSet, Question, QuizAttempt, ReviewLog, Source, Topic
from quiz.scheduling import DEFAULT_PARAMETERS
from quiz.views.account import admin_password_change
from tests.learner_data import give_progress, guest_client, snapshot

ACTORS = ("anonymous", "guest", "alice", "bob", "editor", "root")
OTHERS = tuple(actor for actor in ACTORS if actor != "alice")
PASSWORD = "correct horse battery"
# Expected outcomes besides a plain status code.
SIGNIN = "302 to the sign-in page"
ADMIN_LOGIN = "302 to the admin's login page"


@dataclass
class World:
    clients: dict[str, Client]
    alice: User
    learner: Learner
    attempt: QuizAttempt
    # What of alice's must never show in anyone else's page.
    secrets: list[bytes] = field(default_factory=list)

    def card_fields(self, **extra: object) -> dict:
        """A study form as alice's own page would post it, for her first card."""
        card = self.learner.cards.order_by("pk").first()
        return {"question": card.question_id, "version": card.version, "review": str(uuid.uuid4()), **extra}


def everyone(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ACTORS, status)


def visitors_and_users(visitors: int | str, users: int | str) -> dict[str, int | str]:
    """Anonymous and guest get `visitors`; everyone signed in gets `users`."""
    return {actor: visitors if actor in ("anonymous", "guest") else users for actor in ACTORS}


def alice_only(status: int | str, others: int | str = 404) -> dict[str, int | str]:
    return {actor: status if actor == "alice" else others for actor in ACTORS}


def staff(status: int | str, *, editor: int | str | None = None) -> dict[str, int | str]:
    """Non-staff go to the admin's login page; the editor and the superuser get `status`."""
    statuses: dict[str, int | str] = dict.fromkeys(ACTORS, ADMIN_LOGIN)
    statuses["editor"] = status if editor is None else editor
    statuses["root"] = status
    return statuses


@dataclass
class Entry:
    url: Callable[[World], str]
    get: dict[str, int | str]
    post: dict[str, int | str] | None = None
    body: Callable[[World], dict] = lambda world: {}


def fixed(url: str) -> Callable[[World], str]:
    return lambda world: url


def reset_link(world: World) -> str:
    # alice's real user id with a made-up token: only her email holds the real one.
    return f"/account/password/reset/{urlsafe_base64_encode(force_bytes(world.alice.pk))}/set-by-nobody/"


def first_choice_answer(world: World) -> dict:
    question = Question.objects.get(pk=world.attempt.question_ids[1])
    return {"question": question.pk, "choice": question.choices.get(is_correct=False).pk}


def new_account(world: World) -> dict:
    password = "a long new password 42"
    return {"username": f"newcomer-{uuid.uuid4().hex[:8]}", "password1": password, "password2": password}


# Keyed by the pattern as the resolver spells it (without the language prefix).
MATRIX: dict[str, Entry] = {
    "healthz": Entry(fixed("/healthz"), everyone(200)),
    # CSP violation reports: POST only, and a form body is no report.
    "csp-report": Entry(fixed("/csp-report"), everyone(405), everyone(400)),
    "favicon.ico": Entry(fixed("/favicon.ico"), everyone(301)),
    "i18n/setlang/": Entry(
        fixed("/i18n/setlang/"), everyone(302), everyone(302), lambda world: {"language": "es", "next": "/"}
    ),
    "": Entry(fixed("/"), everyone(200)),
    "learn/": Entry(fixed("/learn/"), everyone(200)),
    "learn/<slug:slug>/": Entry(fixed("/learn/causes/"), everyone(200)),
    "study/": Entry(fixed("/study/"), everyone(200)),
    # Posted as alice's page would: others have no card at that version (409);
    # alice's own reveal, grade, undo and so on go through (302 back to studying).
    "study/reveal/": Entry(fixed("/study/reveal/"), everyone(405), alice_only(302, 409), World.card_fields),
    # Choice 1 is no choice of alice's card: refused for everyone, her too.
    "study/answer/": Entry(
        fixed("/study/answer/"), everyone(405), everyone(400), lambda world: world.card_fields(choice=1)
    ),
    "study/grade/": Entry(
        fixed("/study/grade/"), everyone(405), alice_only(302, 409), lambda world: world.card_fields(rating=3)
    ),
    "study/undo/": Entry(
        fixed("/study/undo/"),
        everyone(405),
        {"anonymous": 409, "guest": 302, "alice": 302, "bob": 409, "editor": 409, "root": 409},
    ),
    "study/more/": Entry(fixed("/study/more/"), everyone(405), everyone(302)),
    # Everyone saves their own settings; alice's stay hers.
    "study/settings/": Entry(
        fixed("/study/settings/"),
        everyone(200),
        everyone(302),
        lambda world: {
            "desired_retention": "0.8",
            "new_per_day": "3",
            "max_reviews_per_day": "50",
            "time_zone": "Asia/Tokyo",
        },
    ),
    # Everyone sets their own target to the suggested one; alice's stays hers.
    "study/settings/retention/": Entry(
        fixed("/study/settings/retention/"), everyone(405), everyone(302), lambda world: {"desired_retention": "0.85"}
    ),
    "study/missed/<int:missed>/": Entry(lambda world: f"/study/missed/{world.attempt.pk}/", alice_only(200)),
    "study/<slug:topic>/": Entry(fixed("/study/causes/"), everyone(200)),
    "quiz/": Entry(fixed("/quiz/"), everyone(200), everyone(302)),
    "quiz/attempt/<int:pk>/": Entry(lambda world: f"/quiz/attempt/{world.attempt.pk}/", alice_only(200)),
    "quiz/attempt/<int:pk>/answer/": Entry(
        lambda world: f"/quiz/attempt/{world.attempt.pk}/answer/", everyone(405), alice_only(302), first_choice_answer
    ),
    "quiz/<slug:topic>/": Entry(fixed("/quiz/causes/"), everyone(200), everyone(302)),
    "progress/": Entry(fixed("/progress/"), everyone(200)),
    "account/": Entry(fixed("/account/"), everyone(200)),
    "account/signup/": Entry(
        fixed("/account/signup/"), visitors_and_users(200, 302), visitors_and_users(302, 302), new_account
    ),
    "account/signin/": Entry(
        fixed("/account/signin/"),
        visitors_and_users(200, 302),
        visitors_and_users(200, 302),
        lambda world: {"username": "alice", "password": "not her password"},
    ),
    # With no password step waiting for a code, back to the sign-in page.
    "account/signin/code/": Entry(
        fixed("/account/signin/code/"), everyone(302), everyone(302), lambda world: {"code": "000000"}
    ),
    # Two-step sign-in: alice and bob have none (nothing to confirm, renew or
    # turn off: back to its page); the editor and root have one, which staff keep.
    "account/two-step/": Entry(
        fixed("/account/two-step/"), visitors_and_users(SIGNIN, 200), visitors_and_users(SIGNIN, 405)
    ),
    "account/two-step/start/": Entry(
        fixed("/account/two-step/start/"), visitors_and_users(SIGNIN, 405), visitors_and_users(SIGNIN, 302)
    ),
    "account/two-step/setup/": Entry(
        fixed("/account/two-step/setup/"),
        visitors_and_users(SIGNIN, 302),
        visitors_and_users(SIGNIN, 302),
        lambda world: {"code": "000000"},
    ),
    "account/two-step/codes/": Entry(
        fixed("/account/two-step/codes/"), visitors_and_users(SIGNIN, 405), visitors_and_users(SIGNIN, 302)
    ),
    # Shows new codes once, right after they were made: otherwise back to the settings.
    "account/two-step/codes/new/": Entry(fixed("/account/two-step/codes/new/"), visitors_and_users(SIGNIN, 302)),
    "account/two-step/off/": Entry(
        fixed("/account/two-step/off/"),
        visitors_and_users(SIGNIN, 405),
        {**visitors_and_users(SIGNIN, 302), "editor": 403, "root": 403},
        lambda world: {"password": PASSWORD, "code": "000000"},
    ),
    "account/signout/": Entry(fixed("/account/signout/"), everyone(405), everyone(302)),
    # Only the requester's own set-aside progress, if any: here nobody has any, so on to `next`.
    "account/merge/": Entry(
        fixed("/account/merge/"),
        visitors_and_users(SIGNIN, 302),
        visitors_and_users(SIGNIN, 302),
        lambda world: {"choice": "merge"},
    ),
    # Ends only the asker's own sessions: alice, last, is still signed in until her own POST.
    "account/signout/everywhere/": Entry(
        fixed("/account/signout/everywhere/"), visitors_and_users(SIGNIN, 405), visitors_and_users(SIGNIN, 302)
    ),
    "account/details/": Entry(
        fixed("/account/details/"),
        visitors_and_users(SIGNIN, 405),
        visitors_and_users(SIGNIN, 302),
        lambda world: {"email": "changed@example.org", "language": "fr"},
    ),
    # Asking sends mail and changes nothing; the link is alice's own: only she can use it.
    "account/email/": Entry(
        fixed("/account/email/"),
        visitors_and_users(SIGNIN, 200),
        visitors_and_users(SIGNIN, 302),
        lambda world: {"email": "changed@example.org", "password": PASSWORD},
    ),
    "account/email/confirm/<str:token>/": Entry(
        lambda world: f"/account/email/confirm/{EmailChange(world.alice, 'changed@example.org').token()}/",
        {**visitors_and_users(SIGNIN, 400), "alice": 200},
        {**visitors_and_users(SIGNIN, 400), "alice": 302},
    ),
    "account/password/": Entry(
        fixed("/account/password/"),
        visitors_and_users(SIGNIN, 200),
        visitors_and_users(SIGNIN, 302),
        lambda world: {
            "old_password": PASSWORD,
            "new_password1": "another 42 pass",
            "new_password2": "another 42 pass",
        },
    ),
    "account/password/reset/": Entry(
        fixed("/account/password/reset/"), everyone(200), everyone(302), lambda world: {"email": "alice@example.org"}
    ),
    "account/password/reset/sent/": Entry(fixed("/account/password/reset/sent/"), everyone(200)),
    "account/password/reset/<uidb64>/<token>/": Entry(
        reset_link,
        everyone(200),
        everyone(200),
        lambda world: {"new_password1": "taken over 42 x", "new_password2": "taken over 42 x"},
    ),
    "account/password/reset/done/": Entry(fixed("/account/password/reset/done/"), everyone(200)),
    # Each closes only the account that asks (everyone here has the same password);
    # staff cannot close theirs here (their admin log would go with it).
    "account/delete/": Entry(
        fixed("/account/delete/"),
        {**visitors_and_users(SIGNIN, 200), "editor": 403, "root": 403},
        {**visitors_and_users(SIGNIN, 302), "editor": 403, "root": 403},
        lambda world: {"password": PASSWORD},
    ),
    "account/export/": Entry(fixed("/account/export/"), everyone(200)),
    "account/export/reviews.csv": Entry(fixed("/account/export/reviews.csv"), everyone(200)),
    "account/anki/": Entry(fixed("/account/anki/?language=es"), everyone(200)),
    "account/reset-progress/": Entry(
        fixed("/account/reset-progress/"), everyone(200), everyone(302), lambda world: {"confirm": "on"}
    ),
    "privacy/": Entry(fixed("/privacy/"), everyone(200)),
    # The admin site's own pages.
    "admin/": Entry(fixed("/admin/"), staff(200)),
    "admin/login/": Entry(
        fixed("/admin/login/"),
        {**everyone(200), "editor": 302, "root": 302},
        everyone(200),
        lambda world: {"username": "alice", "password": "not her password"},
    ),
    "admin/logout/": Entry(
        # Non-staff are sent to the admin's index (so, its login page); staff sign out by POST.
        fixed("/admin/logout/"),
        {**everyone(302), "editor": 405, "root": 405},
        everyone(302),
    ),
    "admin/password_change/": Entry(fixed("/admin/password_change/"), staff(200), staff(200)),
    "admin/password_change/done/": Entry(fixed("/admin/password_change/done/"), staff(200)),
    "admin/autocomplete/": Entry(fixed("/admin/autocomplete/"), staff(403)),
    "admin/jsi18n/": Entry(fixed("/admin/jsi18n/"), staff(200)),
    # alice's account has no page of its own on the site: nothing to send anyone to.
    "admin/r/<path:content_type_id>/<path:object_id>/": Entry(
        lambda world: f"/admin/r/{ContentType.objects.get_for_model(User).pk}/{world.alice.pk}/", staff(404)
    ),
    "admin/^(?P<app_label>auth|axes|quiz)/$": Entry(fixed("/admin/quiz/"), staff(200)),
    "admin/(?P<url>.*)$": Entry(fixed("/admin/nowhere/"), staff(404)),
    "admin/auth/user/<id>/password/": Entry(
        lambda world: f"/admin/auth/user/{world.alice.pk}/password/", staff(200, editor=403), staff(200, editor=403)
    ),
    # A question as a learner sees it, in any language, for staff who edit content.
    "admin/quiz/question/<int:object_id>/preview/<str:language>/": Entry(
        lambda world: f"/admin/quiz/question/{world.learner.cards.first().question_id}/preview/es/", staff(200)
    ),
    # Approving a pending deck-wide schedule: superusers (and the approve permission) only; a
    # learner's own set is never pending, so there is nothing to approve (404).
    "admin/quiz/parameterset/<int:object_id>/approve/": Entry(
        lambda world: f"/admin/quiz/parameterset/{own_parameter_set(world.learner).pk}/approve/",
        staff(404, editor=403),
        staff(404, editor=403),
    ),
}
# The content's history (django-reversion): deleted items to recover, and
# earlier versions. A version that does not exist is a 404 for staff too.
for _model in ("source", "topic", "fact", "question"):
    MATRIX[f"admin/quiz/{_model}/^recover/$"] = Entry(fixed(f"/admin/quiz/{_model}/recover/"), staff(200))
    MATRIX[f"admin/quiz/{_model}/^recover/(\\d+)/$"] = Entry(fixed(f"/admin/quiz/{_model}/recover/999999/"), staff(404))
    MATRIX[f"admin/quiz/{_model}/^([^/]+)/history/(\\d+)/$"] = Entry(
        fixed(f"/admin/quiz/{_model}/1/history/999999/"), staff(404)
    )

# Every model registered in the admin, with the object its pages are opened on,
# and whether content editors may use it (only the content is theirs).
ADMIN_MODELS: dict[str, tuple[Callable[[World], Model], bool]] = {
    "auth.group": (lambda world: Group.objects.get(name="Content editors"), False),
    "auth.user": (lambda world: world.alice, False),
    "axes.accessattempt": (lambda world: AccessAttempt.objects.get(username="alice"), False),
    "axes.accesslog": (lambda world: AccessLog.objects.filter(username="alice").first(), False),
    "axes.accessfailurelog": (lambda world: AccessFailureLog.objects.get(username="alice"), False),
    "quiz.source": (lambda world: Source.objects.earliest("pk"), True),
    "quiz.topic": (lambda world: Topic.objects.earliest("pk"), True),
    "quiz.fact": (lambda world: Fact.objects.earliest("pk"), True),
    # One alice has studied (what its pages show of her is issue 8 finding 1).
    "quiz.question": (lambda world: world.learner.cards.first().question, True),
    # Alice's own fitted set: its pages must not name her.
    "quiz.parameterset": (lambda world: own_parameter_set(world.learner), False),
}


def own_parameter_set(learner: Learner) -> ParameterSet:
    return ParameterSet.objects.get_or_create(
        learner=learner,
        defaults={
            "parameters": list(DEFAULT_PARAMETERS),
            "review_count": 640,
            "learner_count": 1,
            "log_loss_before": 0.4,
            "log_loss_after": 0.3,
            "rmse_before": 0.1,
            "rmse_after": 0.05,
        },
    )[0]


ADMIN_PAGES = ("", "add/", "<path:object_id>/history/", "<path:object_id>/delete/", "<path:object_id>/change/")


def admin_page_statuses(model: str, page: str) -> dict[str, int | str]:
    _object, editors_may = ADMIN_MODELS[model]
    if page == "<path:object_id>/":
        # The bare id only redirects to the change page, which then checks permissions.
        return staff(302)
    if model in ("quiz.fact", "quiz.question") and page == "<path:object_id>/delete/":
        # Content a learner has studied is not deleted (unpublish it): back to its change page.
        return staff(302)
    if model == "quiz.parameterset" and page in ("add/", "<path:object_id>/delete/"):
        return staff(403)  # fit_schedule writes them; staff only look
    root = 403 if model.startswith("axes.") and page == "add/" else 200  # axes' records are not added by hand
    return staff(root, editor=root if editors_may else 403)


def admin_routes() -> set[str]:
    return {
        f"admin/{model.replace('.', '/')}/{page}"
        for model in ADMIN_MODELS
        for page in (*ADMIN_PAGES, "<path:object_id>/")
    }


def url_patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every pattern below `resolver`, as one string, includes and i18n_patterns followed."""
    routes = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            # i18n_patterns' LocalePrefixPattern reads as "" in the default language.
            routes += url_patterns(pattern, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            routes.append(prefix + str(pattern.pattern))
    return routes


def test_every_url_pattern_has_an_entry_in_the_matrix():
    routes = url_patterns(get_resolver())
    # One on purpose: quiz's password change in front of the admin's own (config/urls.py).
    assert {route for route in routes if routes.count(route) > 1} == {"admin/password_change/"}
    assert resolve("/admin/password_change/").func is admin_password_change
    assert set(routes) == set(MATRIX) | admin_routes()


def test_the_matrix_lists_every_model_registered_in_the_admin():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS)


@pytest.fixture
def world(content, alice, bob, erin, root) -> World:
    cache.clear()  # whatever throttling counts per address starts afresh
    learner = Learner.objects.create(user=alice)
    attempt = give_progress(learner)
    guest = Learner.objects.create()
    give_progress(guest, cards_from=2)  # not alice's cards: her study forms are not the guest's
    clients = {"anonymous": Client(), "guest": guest_client(guest)}
    for actor, user in {"alice": alice, "bob": bob, "editor": erin, "root": root}.items():
        clients[actor] = Client()
        clients[actor].force_login(user)
    # After the sign-ins: a successful sign-in clears the username's records.
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        fields: dict[str, object] = {
            "user_agent": "test",
            "ip_address": "192.0.2.1",
            "http_accept": "*/*",
            "path_info": "/",
        }
        if model is AccessAttempt:
            fields |= {"get_data": "", "post_data": "", "failures_since_start": 1}
        model.objects.create(username="alice", **fields)
    secrets = [
        b"alice",  # her username, and her email address with it
        *(str(pk).encode() for pk in ReviewLog.objects.filter(learner=learner).values_list("review_id", flat=True)),
    ]
    return World(clients=clients, alice=alice, learner=learner, attempt=attempt, secrets=secrets)


def check(response, expected: int | str, actor: str, method: str, url: str) -> None:
    where = f"{actor} {method} {url}"
    if expected == SIGNIN:
        assert response.status_code == 302, where
        assert response["Location"].startswith("/account/signin/?next="), where
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302, where
        assert response["Location"].startswith("/admin/login/?next="), where
    else:
        assert response.status_code == expected, where


def run_entry(world: World, entry: Entry, *, leaks_checked: bool) -> None:
    """Everyone else first, alice last: her rows must not have moved before her own requests."""
    url = entry.url(world)
    before = snapshot(world.learner)
    for actor in (*OTHERS, "alice"):
        # Each actor is a different person: one's wrong passwords do not throttle the next.
        cache.clear()
        AccessAttempt.objects.exclude(ip_address="192.0.2.1").delete()
        client = world.clients[actor]
        response = client.get(url)
        check(response, entry.get[actor], actor, "GET", url)
        if leaks_checked and actor != "alice":
            for secret in world.secrets:
                assert secret not in body(response), f"{actor} GET {url} shows {secret!r}"
        if entry.post is not None:
            check(client.post(url, entry.body(world)), entry.post[actor], actor, "POST", url)
        if actor != "alice":
            assert snapshot(world.learner) == before, f"{actor} changed alice's data at {url}"


def body(response) -> bytes:
    """The response's body, streamed (the exports) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_alices_own_export_holds_what_the_matrix_hides_from_everyone_else(world):
    """So the leak check of the matrix looks for something that is there to leak."""
    export = body(world.clients["alice"].get("/account/export/"))
    for secret in world.secrets:
        assert secret in export
    assert world.clients["bob"].get("/account/export/").status_code == 200


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_actor_gets_what_the_matrix_says_and_alice_keeps_her_data(world, route):
    run_entry(world, MATRIX[route], leaks_checked=not route.startswith("admin/"))


@pytest.mark.parametrize("model", sorted(ADMIN_MODELS))
def test_each_admin_page_is_for_staff_with_permission_only(world, model):
    obj = ADMIN_MODELS[model][0](world)
    for page in (*ADMIN_PAGES, "<path:object_id>/"):
        url = f"/admin/{model.replace('.', '/')}/{page.replace('<path:object_id>', str(obj.pk))}"
        run_entry(world, Entry(fixed(url), admin_page_statuses(model, page)), leaks_checked=False)
        # Non-staff posting to the admin are sent to its login page, and change nothing.
        before = snapshot(world.learner)
        for actor in ("anonymous", "guest", "alice", "bob"):
            check(world.clients[actor].post(url, {"post": "yes", "username": "x"}), ADMIN_LOGIN, actor, "POST", url)
        assert snapshot(world.learner) == before


def test_no_admin_page_of_a_question_names_the_learners_who_studied_it(world):
    question = world.learner.cards.first().question
    for actor in ("editor", "root"):
        for page in ("change", "delete", "history"):
            response = world.clients[actor].get(f"/admin/quiz/question/{question.pk}/{page}/")
            assert response.status_code in (200, 302)
            assert b"alice" not in response.content, f"{actor} sees alice on the {page} page"
