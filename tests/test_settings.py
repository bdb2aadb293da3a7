from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_str, sqlite_database

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


# What `make run` and the tests set: without it the settings are production's.
DEVELOPMENT = {"DJANGO_DEBUG": "true", "DJANGO_HTTPS": "false"}


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() in a fresh process with the given
    environment, in development mode unless `env` names DJANGO_DEBUG."""
    return run_launched(code, **(env if "DJANGO_DEBUG" in env else DEVELOPMENT | env))


def run_launched(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` as a process manager would launch the app: with `env` and nothing else."""
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


READ_SQLITE_SETTINGS = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    for pragma in ('journal_mode', 'synchronous', 'busy_timeout'):\n"
    "        c.execute(f'PRAGMA {pragma}'); print(c.fetchone()[0])\n"
    "print(connection.settings_dict['OPTIONS']['transaction_mode'])\n"
    "print(connection.settings_dict['NAME'])"
)


def sqlite_ways(tmp_path: Path) -> dict[str, dict[str, str]]:
    """Every way of naming the SQLite file, and the environment for it."""
    return {
        "SQLITE_PATH": {"SQLITE_PATH": str(tmp_path / "db.sqlite3")},
        "DATABASE_URL": {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    }


@pytest.mark.parametrize("way", ["SQLITE_PATH", "DATABASE_URL"])
def test_every_way_of_naming_the_sqlite_file_gets_wal_full_sync_a_busy_timeout_and_immediate_writes(tmp_path, way):
    # Read back from a live connection: synchronous 2 is FULL, busy_timeout is in milliseconds.
    result = run_django(READ_SQLITE_SETTINGS, **sqlite_ways(tmp_path)[way])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "2", "20000", "IMMEDIATE", str(tmp_path / "db.sqlite3")]


def test_the_default_sqlite_file_gets_the_same_settings():
    # Not opened here: that would create db.sqlite3 in the checkout. The two
    # tests above read the same settings back from live connections.
    result = run_django(
        "from django.conf import settings\n"
        "from config.settings import sqlite_database\n"
        "expected = sqlite_database(str(settings.BASE_DIR / 'db.sqlite3'))\n"
        "actual = settings.DATABASES['default']\n"
        "print(actual['OPTIONS'] == expected['OPTIONS'] and actual['TEST']['NAME'] == expected['TEST']['NAME'])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_sqlite_settings_are_built_in_one_place():
    settings = sqlite_database("/srv/twitch/answers.sqlite3")
    assert settings["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA synchronous=FULL" in settings["OPTIONS"]["init_command"]
    assert settings["TEST"]["NAME"] == "/srv/twitch/.test-answers.sqlite3"


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


def test_guest_progress_is_kept_a_year_unless_configured():
    code = "from django.conf import settings; print(settings.GUEST_SESSION_DAYS, settings.GUEST_RETENTION_DAYS)"
    assert run_django(code).stdout.split() == ["365", "365"]
    assert run_django(code, GUEST_SESSION_DAYS="90").stdout.split() == ["90", "90"]
    assert run_django(code, GUEST_SESSION_DAYS="90", GUEST_RETENTION_DAYS="120").stdout.split() == ["90", "120"]


def test_guests_cannot_be_purged_while_their_session_could_still_come_back():
    result = run_django("print('started')", GUEST_SESSION_DAYS="365", GUEST_RETENTION_DAYS="30")
    assert result.returncode != 0
    assert "GUEST_RETENTION_DAYS must not be shorter than GUEST_SESSION_DAYS" in result.stderr


def test_signed_in_sessions_have_lifetimes_unless_configured():
    code = (
        "from django.conf import settings as s\n"
        "print(s.STAFF_SESSION_IDLE_MINUTES, s.STAFF_SESSION_HOURS, s.ACCOUNT_SESSION_MAX_DAYS)"
    )
    assert run_django(code).stdout.split() == ["30", "12", "400"]
    configured = run_django(
        code, STAFF_SESSION_IDLE_MINUTES="15", STAFF_SESSION_HOURS="8", ACCOUNT_SESSION_MAX_DAYS="90"
    )
    assert configured.stdout.split() == ["15", "8", "90"]
    refused = run_django(code, STAFF_SESSION_IDLE_MINUTES="1")
    assert refused.returncode != 0
    assert "STAFF_SESSION_IDLE_MINUTES must be at least 2" in refused.stderr


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


def test_make_serve_runs_with_debug_off_unless_told_so(tmp_path):
    """The production command refuses to start without a secret key: DEBUG is off by default.
    (A wrong PORT stops gunicorn, should it ever get that far.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env |= {"DJANGO_ALLOWED_HOSTS": "example.org", "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "PORT": "none"}
    result = subprocess.run(["make", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG=false" in result.stderr


RENDER_TECHNICAL_500 = (
    "import sys\n"
    "from django.test import RequestFactory\n"
    "from django.views.debug import technical_500_response\n"
    "request = RequestFactory().get('/', DATABASE_URL='postgres://twitch:hunter2@db.example.org/twitch')\n"
    "try:\n"
    "    raise ValueError('boom')\n"
    "except ValueError:\n"
    "    response = technical_500_response(request, *sys.exc_info())\n"
    "print(response.content.decode())"
)


def test_the_debug_error_page_masks_the_database_and_cache_passwords():
    result = run_django(
        RENDER_TECHNICAL_500,
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://twitch:hunter2@db.example.org:5432/twitch",
        REDIS_URL="redis://:hunter3@cache.example.org:6379/0",
    )
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert "ValueError" in page
    # The settings are listed, their values masked (settings, the cache's LOCATION, request.META).
    assert "DATABASE_URL" in page
    assert "REDIS_URL" in page
    assert "hunter2" not in page
    assert "hunter3" not in page


HSTS = (
    "from django.conf import settings\n"
    "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)"
)
PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org"}


def test_hsts_lasts_a_year_without_subdomains_or_preload_unless_opted_in():
    # Preloading is hard to undo and subdomains may not all speak HTTPS: both are a decision, not a default.
    assert run_django(HSTS, **PRODUCTION).stdout.split() == ["31536000", "False", "False"]
    opted_in = run_django(HSTS, **PRODUCTION, DJANGO_HSTS_INCLUDE_SUBDOMAINS="true", DJANGO_HSTS_PRELOAD="true")
    assert opted_in.stdout.split() == ["31536000", "True", "True"]


def test_the_trusted_proxy_count_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.TRUSTED_PROXIES)"
    assert run_django(code).stdout.split() == ["0"]
    assert run_django(code, DJANGO_BEHIND_PROXY="true").stdout.split() == ["1"]
    assert run_django(code, DJANGO_BEHIND_PROXY="true", DJANGO_TRUSTED_PROXIES="2").stdout.split() == ["2"]
    refused = run_django(code, DJANGO_TRUSTED_PROXIES="-1")
    assert refused.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES must not be negative" in refused.stderr


def test_the_deployment_check_passes_in_production():
    result = run_django(
        "from django.core.management import call_command; call_command('check', deploy=True, fail_level='WARNING')",
        # A key as varied and long as Django asks for (security.W009).
        **(PRODUCTION | {"DJANGO_SECRET_KEY": "".join(chr(97 + n % 26) + str(n) for n in range(40))}),
    )
    assert result.returncode == 0, result.stderr


def test_a_launch_without_any_setting_is_production_and_refuses_to_start_without_its_secrets():
    """gunicorn config.wsgi started by a process manager with only the README's
    variables must not serve technical error pages: DEBUG is off unless asked for."""
    result = run_launched("print('started')")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG=false" in result.stderr
    launched = run_launched("from django.conf import settings; print(settings.DEBUG)", **PRODUCTION_SECRETS)
    assert launched.stdout.split() == ["False"]


def test_https_protections_do_not_depend_on_debug():
    code = (
        "from django.conf import settings\n"
        "print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_HSTS_SECONDS > 0)"
    )
    assert run_django(code, DJANGO_DEBUG="true").stdout.split() == ["True"] * 4
    assert run_launched(code, **PRODUCTION_SECRETS).stdout.split() == ["True"] * 4
    assert run_django(code, DJANGO_DEBUG="true", DJANGO_HTTPS="false").stdout.split() == ["False"] * 4


PRODUCTION_SECRETS = {"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org"}


COOKIES = (
    "from django.conf import settings as s\n"
    "for kind in ('SESSION', 'CSRF', 'LANGUAGE'):\n"
    "    print(getattr(s, kind + '_COOKIE_NAME'), getattr(s, kind + '_COOKIE_SECURE'),"
    " getattr(s, kind + '_COOKIE_PATH'), getattr(s, kind + '_COOKIE_DOMAIN'))"
)


def test_with_https_the_cookies_are_host_only_secure_and_site_wide():
    # __Host- makes the browser refuse the cookie unless it is Secure, Path=/ and without Domain,
    # so a neighbouring subdomain cannot plant a session, a CSRF token or a language.
    expected = [
        "__Host-sessionid True / None",
        "__Host-csrftoken True / None",
        "__Host-django_language True / None",
    ]
    assert run_launched(COOKIES, **PRODUCTION_SECRETS).stdout.splitlines() == expected
    assert run_django(COOKIES, **PRODUCTION).stdout.splitlines() == expected


def test_without_https_the_cookies_keep_their_plain_names():
    # Browsers refuse a __Host- cookie over plain HTTP: development keeps Django's names.
    assert run_django(COOKIES).stdout.splitlines() == [
        "sessionid False / None",
        "csrftoken False / None",
        "django_language False / None",
    ]
