"""Shared fixtures: the shipped content, and a few named people.

alice and bob are learners; charlie is staff without permissions; erin is a
content editor; root is a superuser.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth.models import Group, User

from quiz import content_file


@pytest.fixture
def content(db):
    """The shipped content file, loaded."""
    return content_file.load()


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", "alice@example.org", "correct horse battery")


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "bob@example.org", "correct horse battery")


@pytest.fixture
def charlie(db) -> User:
    return User.objects.create_user("charlie", "charlie@example.org", "correct horse battery", is_staff=True)


@pytest.fixture
def erin(db) -> User:
    user = User.objects.create_user("erin", "erin@example.org", "correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return user


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", "correct horse battery")


# --- Browser tests (tests/e2e) ---------------------------------------------
# Playwright drives the system Chromium; it runs an event loop in the test's
# thread, so the ORM needs this to be allowed in those tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser tests (apt-get install chromium).")
        pytest.skip("Chromium is not installed; the browser tests need it.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
