"""Settings for the fasciculations flashcard app.

Everything that differs between a laptop and production comes from the
environment. Defaults are for local development; with DJANGO_DEBUG=false the
app refuses to start without the values production needs.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Final

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    """Return the variable's value, or `default`; fail if neither exists."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    """Accept only "true" or "false" (any case), so a typo cannot flip a switch."""
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() == "true":
        return True
    if value.strip().lower() == "false":
        return False
    raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def _development_secret_key() -> str:
    # Kept in a git-ignored file so sessions survive a restart of `make run`.
    path = BASE_DIR / ".django-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Off unless asked for: a server started any other way than `make run` (a
# process manager, a container) is production and refuses to start without
# its secrets. `make run`, `make test` and the tests turn it on.
DEBUG = env_bool("DJANGO_DEBUG", False)

if DEBUG:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _development_secret_key()
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
else:
    if not os.environ.get("DJANGO_SECRET_KEY"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG=false.")
    if not os.environ.get("DJANGO_ALLOWED_HOSTS"):
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=false.")
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # modeltranslation must come before the admin to patch its forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    # History and undo of content edits (admin and load_content).
    "reversion",
    "quiz",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the CSP middleware, so it sees the policy header on the way out.
    "quiz.middleware.reporting_endpoints",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped for browsers that accept it (static files come compressed
    # from whitenoise, above): the dashboard's HTML is 58 KB, 7 KB gzipped.
    # BREACH: Django pads each gzip with random bytes and masks the CSRF token per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "quiz.middleware.first_visit_language",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "quiz.middleware.keep_progress",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "quiz.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Django masks settings whose names look secret; the database and cache URLs
# carry passwords under names that do not (quiz/views/errors.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "quiz.views.errors.SecretURLFilter"


def sqlite_database(path: str) -> dict:
    """Django's settings for the SQLite file at `path`, however it was named.

    IMMEDIATE takes the write lock at BEGIN, and the timeout makes a second
    writer wait for it instead of failing with "database is locked". WAL lets
    readers go on while one learner writes; synchronous=FULL syncs the WAL on
    every commit, so an answer the learner saw acknowledged survives a power
    loss (NORMAL can lose the last commits)."""
    file = Path(path)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        },
        # A file next to the database, not memory, so tests that answer from
        # several threads at once exercise the same locking as a real server.
        "TEST": {"NAME": str(file.with_name(f".test-{file.name}"))},
    }


# Database: an SQLite file by default (SQLITE_PATH, or DATABASE_URL=sqlite:///…);
# DATABASE_URL=postgres://… in production.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    parsed: dict[str, Any] = dict(
        dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    )
    if parsed["ENGINE"] == "django.db.backends.sqlite3":
        parsed = sqlite_database(parsed["NAME"])
    DATABASES = {"default": parsed}
else:
    DATABASES = {"default": sqlite_database(env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that stops answering must not hold requests: the limits it counts fail open (quiz/throttle.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation. English is the source language and is served unprefixed.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("de", _("German")),
    ("pt-br", _("Brazilian Portuguese")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Simplified Chinese")),
    ("hi", _("Hindi")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The tabbed translation admin needs jQuery UI; serve our copy, never a CDN.
JQUERY_UI_URL = "jquery-ui/jquery-ui.min.js"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[Path | tuple[str, str]] = [BASE_DIR / "static"]


def _xstatic_jquery_ui_dir() -> tuple[str, str]:
    import xstatic.pkg.jquery_ui

    return ("jquery-ui", xstatic.pkg.jquery_ui.BASE_DIR)


STATICFILES_DIRS.append(_xstatic_jquery_ui_dir())
# Development and tests serve static files straight from the apps and static/.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names (cached for a year by whitenoise) need
        # collectstatic, which `make serve` runs; development serves files as they are.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Kept progress. A session holding progress (a visitor's saved cards, or a
# signed-in user) lives GUEST_SESSION_DAYS after its last use; the expiry is
# pushed back at most once a day (quiz/learners.py). `purge_guests` deletes a
# visitor's progress after GUEST_RETENTION_DAYS without a visit: never sooner
# than their session could still come back.
GUEST_SESSION_DAYS = env_int("GUEST_SESSION_DAYS", 365)
GUEST_RETENTION_DAYS = env_int("GUEST_RETENTION_DAYS", GUEST_SESSION_DAYS)
if GUEST_SESSION_DAYS < 2:
    raise ImproperlyConfigured("GUEST_SESSION_DAYS must be at least 2 (the session is renewed once a day).")
if GUEST_RETENTION_DAYS < GUEST_SESSION_DAYS:
    raise ImproperlyConfigured("GUEST_RETENTION_DAYS must not be shorter than GUEST_SESSION_DAYS.")

# The fitted schedule (`manage.py fit_schedule`, issue 12): how many predictable
# reviews (a card seen again on a later day) a deck-wide fit needs, and how
# many a learner needs before their own weights are tried against the deck's.
FIT_MIN_REVIEWS = env_int("FIT_MIN_REVIEWS", 1000)
FIT_LEARNER_MIN_REVIEWS = env_int("FIT_LEARNER_MIN_REVIEWS", 400)
# Who counts in the deck-wide fit (issue 17, finding 8): no learner weighs more
# than this percentage of its items (so it needs at least 100 / percentage
# learners); learners younger than this many days, giving one grade to at least
# this many reviews, or answering faster than one can read are left out.
FIT_MAX_LEARNER_PERCENT = env_int("FIT_MAX_LEARNER_PERCENT", 5)
FIT_MIN_LEARNER_AGE_DAYS = env_int("FIT_MIN_LEARNER_AGE_DAYS", 3)
FIT_ONE_GRADE_REVIEWS = env_int("FIT_ONE_GRADE_REVIEWS", 50)
FIT_MIN_ANSWER_MS = env_int("FIT_MIN_ANSWER_MS", 1500)
if not 1 <= FIT_MAX_LEARNER_PERCENT <= 100:
    raise ImproperlyConfigured("FIT_MAX_LEARNER_PERCENT must be between 1 and 100.")

LOGIN_URL = "quiz:signin"
LOGIN_REDIRECT_URL = "quiz:progress"
LOGOUT_REDIRECT_URL = "quiz:home"

# Email, for password resets. In development, without EMAIL_HOST, messages are
# printed to the console; otherwise they go out by SMTP (production with no
# EMAIL_HOST uses a mail server on localhost, as Django always has).
# The variables keep Django's classic names; the values go into MAILERS.
if DEBUG and not os.environ.get("EMAIL_HOST"):
    MAILERS: dict[str, dict[str, Any]] = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Twitch Facts <noreply@localhost>")

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords
# from one address (whatever the usernames), for one username (from anywhere),
# or for the pair, that address, username or pair waits AXES_COOLOFF_TIME hours.
# An attacker can lock an account for an hour this way, but cannot guess its
# password from many addresses; the learner can still reset it.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked.html"
AXES_CLIENT_IP_CALLABLE = "quiz.accounts.client_ip"
AXES_VERBOSE = False

# Other limits per client address (quiz/throttle.py): every POST counts.
THROTTLE_SIGNUPS_PER_HOUR = env_int("THROTTLE_SIGNUPS_PER_HOUR", 10)
THROTTLE_PASSWORD_RESETS_PER_HOUR = env_int("THROTTLE_PASSWORD_RESETS_PER_HOUR", 5)
THROTTLE_CSP_REPORTS_PER_MINUTE = env_int("THROTTLE_CSP_REPORTS_PER_MINUTE", 20)

# Security headers. The policy allows no inline script or style: script files
# come from our origin ('self'), an inline script needs the per-request nonce,
# and htmx is configured not to inject styles or eval. Browsers report
# violations to /csp-report (report-uri; report-to names the endpoint in the
# Reporting-Endpoints header, quiz.middleware.reporting_endpoints).
CSP_REPORT_PATH = "/csp-report"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "report-uri": [CSP_REPORT_PATH],
    "report-to": ["csp-endpoint"],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto (and
# appends the client's address to X-Forwarded-For).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies of ours each append one X-Forwarded-For entry (a load
# balancer in front of nginx is 2): the client is that many entries from the end.
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 1 if BEHIND_PROXY else 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXIES must not be negative.")

# On whatever DEBUG says: a production server started with DEBUG on by mistake
# still redirects to HTTPS and sends secure cookies and HSTS. Development
# (`make run`, the tests) turns it off with DJANGO_HTTPS=false.
HTTPS = env_bool("DJANGO_HTTPS", True)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0)
# Opt-in: they bind every subdomain, and a preloaded domain stays HTTPS-only
# in browsers for months after it is taken off the list.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# `check --deploy` asks for both; leaving them off is the decision above.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# A load balancer's health check speaks plain HTTP: it gets 200/503, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Final = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
