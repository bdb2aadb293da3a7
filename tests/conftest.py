"""Shared fixtures: the shipped content, and a few named people.

alice and bob are learners; charlie is staff without permissions; erin is a
content editor; root is a superuser. The three staff members have a confirmed
authenticator app (the admin needs one), and `force_login` gives them a
session verified by it, as signing in with a code would.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from quiz import content_file
from quiz.models import Choice, Fact, Learner, LoadedKey, Question, Source, Topic
from tests.chromium import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Django's real hasher takes about half a second a password, by design;
    tests create many users and test nothing about hashing strength."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def english_after_each_test():
    """LocaleMiddleware activates a page's language in the test's thread and leaves
    it there: a test that asked for a German page must not make the next one German."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Request limits are counted in the cache (quiz/throttle.py): every test starts with none used."""
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped content once for the whole run (448 queries): every
    test's transaction rolls back to it."""
    with django_db_blocker.unblock():
        content_file.load()
    yield
    # A connection some test's thread left open (a live server's or a worker's)
    # would stop PostgreSQL from dropping the test database after the run.
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def content(db) -> None:
    """The shipped content, in the database."""
    if not Question.objects.exists():
        # A transactional test (threads, browser) flushed the database after itself.
        content_file.load()


@pytest.fixture
def no_content(db) -> None:
    """An empty content database, for tests of loading into one."""
    Choice.objects.all().delete()
    Question.objects.all().delete()
    Fact.objects.all().delete()
    Topic.objects.all().delete()
    Source.objects.all().delete()
    # Nothing was ever loaded into it either.
    LoadedKey.objects.all().delete()


def with_authenticator_app(user: User) -> User:
    """`user` with a confirmed TOTP device, as the two-step set-up leaves it."""
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


@pytest.fixture(autouse=True)
def verified_force_login(monkeypatch):
    """`Client.force_login` of a user with an authenticator app also marks the
    session as verified by it (what django_otp.login does after a right code),
    so a test that uses the admin as a staff member proves what it did before
    the admin asked for a second factor. Users without one get a plain session."""
    force_login = Client.force_login

    def force_login_verified(self: Client, user: User, backend: str | None = None) -> None:
        force_login(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login_verified)


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", "alice@example.org", "correct horse battery")


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "bob@example.org", "correct horse battery")


@pytest.fixture
def charlie(db) -> User:
    return with_authenticator_app(
        User.objects.create_user("charlie", "charlie@example.org", "correct horse battery", is_staff=True)
    )


@pytest.fixture
def erin(db) -> User:
    user = User.objects.create_user("erin", "erin@example.org", "correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return with_authenticator_app(user)


@pytest.fixture
def alice_client(client, alice, content):
    """A client signed in as alice, with the content loaded."""
    client.force_login(alice)
    return client


@pytest.fixture
def alice_learner(alice) -> Learner:
    """alice's learner row, as her first saved answer or setting would create it."""
    return Learner.objects.create(user=alice)


@pytest.fixture
def root(db) -> User:
    return with_authenticator_app(User.objects.create_superuser("root", "root@example.org", "correct horse battery"))


# --- Browser tests (tests/e2e) ---------------------------------------------
# Playwright drives the system Chromium; it runs an event loop in the test's
# thread, so the ORM needs this to be allowed in those tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser tests (apt-get install chromium).")
        pytest.skip("Chromium is not installed; the browser tests need it.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }
