"""seed_bench_data fills a database with made-up learners: never by accident in production."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from quiz.models import Learner


def test_it_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_bench_data", learners=2, stdout=io.StringIO())
    assert not User.objects.exists()
    assert not Learner.objects.exists()


def test_it_runs_with_debug_off_when_forced(content, settings):
    settings.DEBUG = False
    call_command("seed_bench_data", learners=2, reviews_per_card=1, force=True, stdout=io.StringIO())
    assert Learner.objects.filter(user__username__startswith="bench-").count() == 2


def test_it_runs_in_development(content, settings):
    settings.DEBUG = True
    call_command("seed_bench_data", learners=1, reviews_per_card=1, stdout=io.StringIO())
    assert Learner.objects.filter(user__username__startswith="bench-").count() == 1
