from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_str

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["yes", "1", "on", "", "treu"])
def test_env_bool_rejects_anything_but_true_or_false(monkeypatch, value):
    monkeypatch.setenv("X_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("FALSE", False), (" True ", True)])
def test_env_bool_reads_true_and_false(monkeypatch, value, expected):
    monkeypatch.setenv("X_FLAG", value)
    assert env_bool("X_FLAG", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env_bool("X_FLAG", True) is True


@pytest.mark.parametrize("value", ["ten", "1.5", "", "3x"])
def test_env_int_rejects_malformed_numbers(monkeypatch, value):
    monkeypatch.setenv("X_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match="X_NUMBER"):
        env_int("X_NUMBER", 1)


def test_env_int_reads_numbers(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "42")
    assert env_int("X_NUMBER", 1) == 42


def test_env_str_fails_loudly_when_required_and_missing(monkeypatch):
    monkeypatch.delenv("X_TEXT", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_TEXT"):
        env_str("X_TEXT")


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() in a fresh process with the given environment."""
    prefixes = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    script = f"import django; django.setup()\n{code}"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django("print('started')", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_django("print('started')", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is required" in result.stderr


def test_production_starts_with_what_it_needs():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG, settings.SECURE_SSL_REDIRECT)",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_a_malformed_debug_flag_stops_start_up():
    result = run_django("print('started')", DJANGO_DEBUG="yes")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 'true' or 'false'" in result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    result = run_django(
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])\n"
        "print(connection.settings_dict['OPTIONS']['timeout'] > 0)",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE", "True"]


def test_database_url_selects_postgresql():
    result = run_django(
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])",
        DATABASE_URL="postgres://someone@db.example.org:5432/twitch",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "twitch"]


def test_redis_url_switches_the_cache_to_redis():
    result = run_django(
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def test_without_redis_the_cache_is_local_memory():
    result = run_django("from django.conf import settings; print(settings.CACHES['default']['BACKEND'])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"


MAILER = "from django.conf import settings; m = settings.MAILERS['default']; print(m['BACKEND'], m.get('OPTIONS'))"


def test_development_prints_emails_to_the_console():
    result = run_django(MAILER, DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend None"


def test_email_host_sends_emails_by_smtp_with_the_given_settings():
    result = run_django(
        MAILER,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="app",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="true",
    )
    assert result.returncode == 0, result.stderr
    backend, options = result.stdout.strip().split(" ", 1)
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (
        "'host': 'smtp.example.org', 'port': 587, 'username': 'app', 'password': 'secret', 'use_tls': True" in options
    )


def test_production_never_uses_the_console_for_email():
    result = run_django(MAILER, DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("django.core.mail.backends.smtp.EmailBackend {'host': 'localhost'")
