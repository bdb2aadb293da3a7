"""Property-based input tests: whatever is sent to a form or an htmx endpoint,
the answer is a 4xx or a re-rendered form, never a 500, and a refused
request changes nothing.

hypothesis draws the values: huge strings, NUL bytes, odd unicode, negative
and huge numbers, lists where one value is expected, missing fields, other
methods than the endpoint takes, with and without htmx, as a visitor with
saved progress, as alice (signed in, with progress) or as nobody. Mostly
invalid by design; plausible values (alice's real card, a real choice) are
mixed in so that the deeper checks of each view are reached too. A request
the app accepts (a redirect, or an htmx fragment) may change the requester's
own data; anything else must leave the learner-side tables and both learners'
rows exactly as they were.

Each example runs in its own transaction, rolled back at its end, with its
own client: examples do not see each other's changes. The number of examples
is small in `make test`; HYPOTHESIS_PROFILE=thorough runs many more (README).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz import second_factor
from quiz.accounts import EmailChange
from quiz.learners import PENDING_KEY
from quiz.models import Choice, Learner, Question, QuizAttempt, Topic
from quiz.views.second_factor import PENDING
from tests.conftest import with_authenticator_app
from tests.learner_data import give_progress, guest_client, row_counts, snapshot

settings.register_profile(
    "quick",
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples on every run of `make test`
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

PASSWORD = "correct horse battery"
BACKEND = "django.contrib.auth.backends.ModelBackend"
# A code from an app or a recovery code, or something else.
CODES = st.one_of(
    st.text("0123456789", min_size=6, max_size=6), st.text("abcdefghijklmnopqrstuvwxyz234567 -", max_size=10)
)
HTMX = {"HX-Request": "true"}
ODD = [
    "",
    " ",
    "\x00",
    "1\x00",
    "a\x00b",
    "\u202e",
    "\ufeff",
    "e\u0301",
    "𝕏",
    "١٢",
    "٣",
    "１",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "-0",
    "0x10",
    "1_0",
    "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    "-1",
    "0",
    "true",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "\r\n",
    "x" * 20_000,
    "é" * 5_000,
]
# Text the test client can send: anything but lone surrogates, which UTF-8 cannot carry.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
JUNK = st.one_of(
    st.sampled_from(ODD),
    TEXT,
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(str),
    # A list where one value is expected: the field is sent several times.
    st.lists(st.sampled_from(["1", "", "x", "\x00"]), min_size=2, max_size=3),
)


@dataclass
class People:
    alice: User
    learner: Learner
    guest: Learner
    attempt: QuizAttempt
    questions: list[int]
    choices: list[int]
    slugs: list[str]
    root: User

    def client(self, actor: str, *, enforce_csrf_checks: bool = False) -> Client:
        if actor == "guest":
            return guest_client(self.guest, enforce_csrf_checks=enforce_csrf_checks)
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        if actor == "alice mid sign-in":
            # Her password was right; the code step is next (two-step sign-in on).
            with_authenticator_app(self.alice)
            session = client.session
            session[PENDING] = {"user": self.alice.pk, "backend": BACKEND, "next": "/progress/", "until": 2**40}
            session.save()
        elif actor == "alice setting up two-step":
            client.force_login(self.alice)
            second_factor.pending_app(self.alice)
        elif actor == "alice with two-step":
            with_authenticator_app(self.alice)
            second_factor.new_recovery_codes(self.alice)
            client.force_login(self.alice)
        elif actor in ("alice", "signed-in visitor"):
            client.force_login(self.alice)
        elif actor == "root":
            # A superuser with a verified second factor (tests/conftest.py).
            client.force_login(self.root)
        if actor == "signed-in visitor":
            # alice signed in where the guest had studied: its progress waits for her say.
            session = client.session
            session[PENDING_KEY] = self.guest.pk
            session.save()
        return client

    def state(self) -> dict:
        return {
            "rows": row_counts(),
            "alice": snapshot(self.learner),
            "guest": snapshot(self.guest),
            # What her second factor is (a wrong code only moves its throttle).
            "second factor": (
                list(TOTPDevice.objects.filter(user=self.alice).values_list("pk", "confirmed", "key")),
                sorted(StaticToken.objects.filter(device__user=self.alice).values_list("token", flat=True)),
            ),
        }


@pytest.fixture
def people(content, alice, bob, root) -> People:
    learner = Learner.objects.create(user=alice)
    attempt = give_progress(learner)
    guest = Learner.objects.create()
    give_progress(guest, cards_from=2)
    # Plausible values: the questions both have studied or been quizzed on, and their choices.
    questions = sorted(
        {*learner.cards.values_list("question_id", flat=True), *guest.cards.values_list("question_id", flat=True)}
        | set(attempt.question_ids[:2])
    )
    choices = list(Choice.objects.filter(question_id__in=questions).values_list("pk", flat=True))
    slugs = list(Topic.objects.values_list("slug", flat=True))
    return People(alice, learner, guest, attempt, questions, choices, slugs, root)


def maybe(plausible: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly junk, sometimes a value the view could accept."""
    return st.one_of(JUNK, JUNK, plausible.map(str))


def study_fields(p: People) -> dict[str, st.SearchStrategy]:
    return {
        "question": maybe(st.sampled_from(p.questions)),
        "version": maybe(st.integers(0, 2)),
        "review": maybe(st.uuids()),
        "shown_at": maybe(st.integers(0, 2**41)),
        "topic": maybe(st.sampled_from(["", *p.slugs])),
        "missed": maybe(st.sampled_from(["", p.attempt.pk])),
        "rating": maybe(st.integers(1, 4)),
        "token": maybe(st.just("")),
        "choice": maybe(st.sampled_from(p.choices)),
    }


@dataclass(frozen=True)
class Endpoint:
    path: Callable[[People], st.SearchStrategy[str]]
    fields: Callable[[People], dict[str, st.SearchStrategy]]
    actors: tuple[str, ...] = ("anonymous", "guest", "alice")
    # Where form fields go: the body of a POST, or the query of a download.
    method: str = "POST"


def at(path: str) -> Callable[[People], st.SearchStrategy[str]]:
    return lambda p: st.just(path)


def ids_in(template: str, real: Callable[[People], int]) -> Callable[[People], st.SearchStrategy[str]]:
    """An address with an id: alice's own, another's, none there, or huge."""
    ids = lambda p: st.one_of(  # noqa: E731
        st.just(real(p)), st.integers(min_value=0, max_value=2**80), st.sampled_from([0, 2**31, 2**63])
    )
    return lambda p: ids(p).map(lambda pk: template.format(pk))


STUDY_SETTINGS = {
    "desired_retention": st.floats(0.5, 1.2).map(lambda x: f"{x:.2f}"),
    "new_per_day": st.integers(-5, 300),
    "max_reviews_per_day": st.integers(-5, 70_000),
    "shortcuts_enabled": st.sampled_from(["on", ""]),
    "show_original": st.sampled_from(["on", ""]),
    "time_zone": st.sampled_from(["Europe/Paris", "UTC", "Mars/Olympus"]),
}
LANGUAGES = st.sampled_from(["en", "es", "fr", "de", "pt-br", "ar", "zh-hans", "hi", "xx", "EN"])

ENDPOINTS: dict[str, Endpoint] = {
    # The study page reads what to show (after a plain reveal or pick) from a signed `show`.
    "study page": Endpoint(
        lambda p: st.sampled_from(["/study/", *(f"/study/{slug}/" for slug in p.slugs)]),
        lambda p: {"show": JUNK},
        method="GET",
    ),
    "study reveal": Endpoint(at("/study/reveal/"), study_fields),
    "study answer": Endpoint(at("/study/answer/"), study_fields),
    "study grade": Endpoint(at("/study/grade/"), study_fields),
    "study undo": Endpoint(at("/study/undo/"), study_fields),
    "study more": Endpoint(at("/study/more/"), study_fields),
    "study missed": Endpoint(ids_in("/study/missed/{}/", lambda p: p.attempt.pk), study_fields, method="GET"),
    "study settings": Endpoint(at("/study/settings/"), lambda p: {k: maybe(v) for k, v in STUDY_SETTINGS.items()}),
    "quiz start": Endpoint(
        lambda p: st.sampled_from(["/quiz/", *(f"/quiz/{slug}/" for slug in p.slugs), "/quiz/no-such-topic/"]),
        lambda p: {"topic": JUNK},
    ),
    "quiz attempt": Endpoint(
        ids_in("/quiz/attempt/{}/", lambda p: p.attempt.pk), lambda p: {"answered": JUNK}, method="GET"
    ),
    "quiz answer": Endpoint(
        ids_in("/quiz/attempt/{}/answer/", lambda p: p.attempt.pk),
        lambda p: {
            "question": maybe(st.sampled_from(p.attempt.question_ids)),
            "choice": maybe(st.sampled_from(p.choices)),
        },
    ),
    "sign-up": Endpoint(
        at("/account/signup/"),
        lambda p: {
            "username": maybe(st.sampled_from(["alice", "bob", "newcomer"])),
            "email": maybe(st.emails()),
            "password1": maybe(st.just("a long new password 42")),
            "password2": maybe(st.just("a long new password 42")),
        },
        actors=("anonymous", "guest"),
    ),
    "sign-in": Endpoint(
        at("/account/signin/"),
        lambda p: {
            "username": maybe(st.just("alice")),
            "password": JUNK,
            # Not the sign-in page itself: a signed-in learner sent there is issue 8 finding 4 (below).
            "next": maybe(st.sampled_from(["/progress/", "https://evil.example/", "//evil.example/"])),
        },
    ),
    "password change": Endpoint(
        at("/account/password/"),
        lambda p: {
            "old_password": maybe(st.just(PASSWORD)),
            "new_password1": JUNK,
            "new_password2": JUNK,
        },
        actors=("alice",),
    ),
    "password reset": Endpoint(
        at("/account/password/reset/"), lambda p: {"email": maybe(st.sampled_from(["alice@example.org", "nobody@x"]))}
    ),
    "password reset confirm": Endpoint(
        lambda p: st.tuples(
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=30),
            st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=60),
        ).map(lambda parts: f"/account/password/reset/{parts[0]}/{parts[1]}/"),
        lambda p: {"new_password1": JUNK, "new_password2": JUNK},
    ),
    "language switch": Endpoint(
        at("/i18n/setlang/"),
        lambda p: {
            "language": maybe(LANGUAGES),
            "next": maybe(st.sampled_from(["/", "/study/", "/es/learn/", "https://evil.example/", "//x"])),
        },
    ),
    "export json": Endpoint(at("/account/export/"), lambda p: {"language": JUNK}, method="GET"),
    "export csv": Endpoint(at("/account/export/reviews.csv"), lambda p: {"language": JUNK}, method="GET"),
    "export anki": Endpoint(at("/account/anki/"), lambda p: {"language": maybe(LANGUAGES)}, method="GET"),
    "reset progress": Endpoint(at("/account/reset-progress/"), lambda p: {"confirm": JUNK}),
    "delete account": Endpoint(
        at("/account/delete/"), lambda p: {"password": maybe(st.just("not the password"))}, actors=("alice",)
    ),
    "merge a visitor's progress": Endpoint(
        lambda p: st.sampled_from(["/account/merge/", "/account/merge/?next=/study/", "/account/merge/?next=//x"]),
        lambda p: {"choice": maybe(st.sampled_from(["merge", "discard"])), "next": JUNK},
        actors=("alice", "signed-in visitor"),
    ),
    "email change": Endpoint(
        at("/account/email/"),
        lambda p: {"email": maybe(st.emails()), "password": maybe(st.just(PASSWORD))},
        actors=("alice",),
    ),
    "email change confirm": Endpoint(
        lambda p: st.one_of(
            st.just(f"/account/email/confirm/{EmailChange(p.alice, 'new@example.org').token()}/"),
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-:", min_size=1, max_size=200).map(
                lambda token: f"/account/email/confirm/{token}/"
            ),
        ),
        lambda p: {"email": JUNK},
        actors=("anonymous", "alice"),
    ),
    "sign-in code": Endpoint(
        at("/account/signin/code/"), lambda p: {"code": maybe(CODES)}, actors=("anonymous", "alice mid sign-in")
    ),
    "two-step start": Endpoint(at("/account/two-step/start/"), lambda p: {"x": JUNK}, actors=("alice",)),
    "two-step setup": Endpoint(
        at("/account/two-step/setup/"), lambda p: {"code": maybe(CODES)}, actors=("alice", "alice setting up two-step")
    ),
    "two-step recovery codes": Endpoint(
        at("/account/two-step/codes/"), lambda p: {"x": JUNK}, actors=("alice", "alice with two-step")
    ),
    "two-step off": Endpoint(
        at("/account/two-step/off/"),
        lambda p: {"password": maybe(st.just(PASSWORD)), "code": maybe(CODES)},
        actors=("alice", "alice with two-step"),
    ),
    "admin password change": Endpoint(
        at("/admin/password_change/"),
        lambda p: {
            "old_password": maybe(st.just(PASSWORD)),
            "new_password1": JUNK,
            "new_password2": JUNK,
        },
        actors=("root",),
    ),
    "sign out everywhere": Endpoint(at("/account/signout/everywhere/"), lambda p: {"confirm": JUNK}),
    "account details": Endpoint(
        at("/account/details/"),
        lambda p: {"email": maybe(st.emails()), "language": maybe(LANGUAGES)},
        actors=("alice",),
    ),
}
# Statuses a refused or accepted request may get; never a 5xx.
ACCEPTED = {200, 204, 301, 302}
REFUSED = {400, 403, 404, 405, 409, 413, 429}


def send(client: Client, method: str, path: str, data: dict, *, htmx: bool, encoding: str):
    headers = HTMX if htmx else {}
    if method == "GET":
        return client.get(path, data, headers=headers)
    if method != "POST":
        return client.generic(method, path, headers=headers)
    if encoding == "json":
        # Forms read form data: a JSON body leaves every field missing.
        return client.post(path, json.dumps(data), content_type="application/json", headers=headers)
    if encoding == "broken multipart":
        body = ("--b\r\nContent-Disposition: form-data; name=" + repr(data)[:200]).encode("utf-8", "replace")
        return client.post(path, body, content_type="multipart/form-data; boundary=b", headers=headers)
    return client.post(path, data, headers=headers)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
@given(data=st.data())
@PROFILE
def test_odd_input_gets_a_4xx_or_the_form_again_and_a_refusal_changes_nothing(people, name, data):
    endpoint = ENDPOINTS[name]
    path = data.draw(endpoint.path(people), label="path")
    form = data.draw(st.fixed_dictionaries({}, optional=endpoint.fields(people)), label="form")
    actor = data.draw(st.sampled_from(endpoint.actors), label="actor")
    htmx = data.draw(st.booleans(), label="htmx")
    other = "POST" if endpoint.method == "GET" else "GET"
    method = data.draw(st.sampled_from([endpoint.method] * 4 + [other, "PUT", "DELETE"]), label="method")
    encoding = data.draw(st.sampled_from(["form"] * 6 + ["json", "broken multipart"]), label="encoding")
    with transaction.atomic():
        cache.clear()  # throttling counts start afresh with each example
        client = people.client(actor)
        before = people.state()
        response = send(client, method, path, form, htmx=htmx, encoding=encoding)
        status = response.status_code
        assert status in ACCEPTED | REFUSED, f"{method} {path} answered {status}"
        # A POST the app took: a redirect, or with htmx the updated fragment. Anything
        # else (a refusal, a form shown again, any other method) must have changed nothing.
        taken = method == "POST" and (status in (301, 302) or (htmx and status == 200))
        if not taken:
            assert people.state() == before, f"{method} {path} answered {status} and changed data"
        transaction.set_rollback(True)


# One acceptable body per POST endpoint, as alice's own page would send it.
def valid_bodies(p: People) -> dict[str, dict]:
    card = p.learner.cards.order_by("pk").first()
    fields = {"question": card.question_id, "version": card.version, "review": "0b8f4c1e-4a8a-4c36-9d55-1f2a0e3c8b11"}
    question = Question.objects.get(pk=p.attempt.question_ids[1])
    return {
        "/study/reveal/": fields,
        "/study/grade/": {**fields, "rating": 3},
        "/study/undo/": {},
        "/study/more/": {},
        "/study/settings/": {
            "desired_retention": "0.9",
            "new_per_day": "5",
            "max_reviews_per_day": "100",
            "time_zone": "UTC",
        },
        "/quiz/": {},
        f"/quiz/attempt/{p.attempt.pk}/answer/": {"question": question.pk, "choice": question.choices.first().pk},
        "/account/details/": {"email": "new@example.org", "language": "fr"},
        "/account/merge/": {"choice": "merge"},
        "/account/email/": {"email": "new@example.org", "password": PASSWORD},
        f"/account/email/confirm/{EmailChange(p.alice, 'new@example.org').token()}/": {},
        "/account/password/": {
            "old_password": PASSWORD,
            "new_password1": "another 42 pass",
            "new_password2": "another 42 pass",
        },
        "/account/password/reset/": {"email": "alice@example.org"},
        "/account/delete/": {"password": PASSWORD},
        "/account/reset-progress/": {"confirm": "on"},
        "/account/two-step/start/": {},
        "/account/signout/": {},
        "/account/signout/everywhere/": {},
        "/i18n/setlang/": {"language": "es", "next": "/"},
    }


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(people):
    for path, body in valid_bodies(people).items():
        for actor, htmx in (("alice", False), ("alice", True), ("guest", False)):
            client = people.client(actor, enforce_csrf_checks=True)
            before = people.state()
            response = client.post(path, body, headers=HTMX if htmx else {})
            assert response.status_code == 403, (actor, path)
            assert people.state() == before, (actor, path)


def test_the_valid_bodies_are_accepted_with_the_token(people):
    """So the refusals above are the token's doing, not the bodies'."""
    for path, body in valid_bodies(people).items():
        with transaction.atomic():
            client = people.client("alice")
            response = client.post(path, body)
            assert response.status_code == 302, path
            transaction.set_rollback(True)


@pytest.mark.parametrize("path", ["/account/signup/", "/account/signin/"])
def test_a_visitor_posting_without_the_csrf_token_is_refused(people, path):
    client = Client(enforce_csrf_checks=True)
    before = people.state()
    body = {"username": "alice", "password": PASSWORD, "password1": "a long pass 42", "password2": "a long pass 42"}
    assert client.post(path, body).status_code == 403
    assert people.state() == before
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_signed_in_learner_sent_back_to_sign_in_is_not_shown_a_500(people, method):
    client = people.client("alice")
    response = send(client, method, "/account/signin/?next=/account/signin/", {}, htmx=False, encoding="form")
    assert response.status_code in ACCEPTED | REFUSED
