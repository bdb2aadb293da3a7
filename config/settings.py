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
    # A second factor (TOTP, recovery codes): required for the admin, optional for learners.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    # Before the session middleware: a visitor's session under the cookie's old name is kept.
    "quiz.middleware.adopt_legacy_session",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "quiz.middleware.first_visit_language",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (quiz/second_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "quiz.middleware.keep_progress",
    # Cache-Control: no-store, private on every response that read a learner's session.
    "quiz.middleware.private_pages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Signs out a session past its lifetime (quiz/sessions.py): needs the user and messages above.
    "quiz.middleware.session_lifetimes",
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
    else:
        # The exports stream a learner's history through server-side cursors
        # (.iterator()), which a pooler in transaction mode (PgBouncer) cannot
        # keep: there, turn them off (each export then holds its query's rows).
        parsed["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False)
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
# A visitor with nothing worth keeping (no answer, no quiz answer: settings alone)
# goes after GUEST_EMPTY_RETENTION_DAYS without a visit (issue 17, finding 6).
GUEST_EMPTY_RETENTION_DAYS = env_int("GUEST_EMPTY_RETENTION_DAYS", 3)

# Bounds on the rows anonymous clients and scripts can create (issue 17,
# finding 6), generous for people: the deck has about a hundred questions.
# New guest learners per client address and hour (counted in the cache, as
# the other THROTTLE_* limits); quiz attempts and answers per learner and
# local day, and exports per learner and hour (issue 17, finding 7).
THROTTLE_NEW_GUESTS_PER_HOUR = env_int("THROTTLE_NEW_GUESTS_PER_HOUR", 20)
QUIZ_ATTEMPTS_PER_DAY = env_int("QUIZ_ATTEMPTS_PER_DAY", 50)
REVIEWS_PER_DAY_LIMIT = env_int("REVIEWS_PER_DAY_LIMIT", 2000)
THROTTLE_EXPORTS_PER_HOUR = env_int("THROTTLE_EXPORTS_PER_HOUR", 10)

# Signed-in sessions (quiz/sessions.py) remember when they signed in. A staff
# session ends after STAFF_SESSION_IDLE_MINUTES without a request (the last
# request is written down at most once a minute) and STAFF_SESSION_HOURS after
# sign-in however busy. A learner's slides like a visitor's (above) but ends
# ACCOUNT_SESSION_MAX_DAYS after sign-in: longer than the sliding year, so a
# phone used every day asks for the password about once every 13 months, and
# a stolen cookie stops working at the latest that long after the sign-in.
# A visitor's session (no account: the cookie is the only key to their
# progress) has no such end.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)
STAFF_SESSION_HOURS = env_int("STAFF_SESSION_HOURS", 12)
ACCOUNT_SESSION_MAX_DAYS = env_int("ACCOUNT_SESSION_MAX_DAYS", 400)
if STAFF_SESSION_IDLE_MINUTES < 2:
    raise ImproperlyConfigured("STAFF_SESSION_IDLE_MINUTES must be at least 2 (activity is noted once a minute).")
if STAFF_SESSION_HOURS < 1:
    raise ImproperlyConfigured("STAFF_SESSION_HOURS must be at least 1.")
if ACCOUNT_SESSION_MAX_DAYS < 1:
    raise ImproperlyConfigured("ACCOUNT_SESSION_MAX_DAYS must be at least 1.")

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

# Sign-in throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords from one
# address (whatever the usernames), for one username (from anywhere), or for the
# pair lock that address, username or pair for AXES_COOLOFF_TIME hours.
# The username-wide lock alone would let anyone hold an account's owner out, so
# a browser that signed in as that username before (a signed HttpOnly cookie,
# OWASP's "device cookie", kept SIGNIN_DEVICE_DAYS) is counted per pair only,
# and a completed password reset clears the username's failures and marks the
# browser (quiz/accounts.py). Residual risk: an owner on a new browser who
# cannot reach their email waits out the cool-off while an attacker keeps failing.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = "quiz.accounts.lockout_parameters"
# Off: axes would clear every failure from the address, whatever the username,
# so a sign-in to one's own account would reset guesses at anyone else's.
# A sign-in clears only its own username's failures from its address (quiz/accounts.py).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "account/locked.html"
# Addresses as the limits count them: IPv4 one by one, IPv6 by /64.
AXES_CLIENT_IP_CALLABLE = "quiz.accounts.counting_address"
AXES_VERBOSE = False

# Second factor (quiz/second_factor.py). After each wrong code a device waits
# OTP_*_THROTTLE_FACTOR × 2^(failures − 1) seconds before it checks another one
# (django-otp's own throttling): 10 wrong codes in a row cost about 17 minutes.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Twitch Facts")
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_TOTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = env_int("OTP_STATIC_THROTTLE_FACTOR", 1)
# A password step waits this long for its code before the visitor starts again.
SECOND_FACTOR_PENDING_SECONDS = env_int("SECOND_FACTOR_PENDING_SECONDS", 300)

# Other limits per client address (quiz/throttle.py): every POST counts.
THROTTLE_SIGNUPS_PER_HOUR = env_int("THROTTLE_SIGNUPS_PER_HOUR", 10)
THROTTLE_PASSWORD_RESETS_PER_HOUR = env_int("THROTTLE_PASSWORD_RESETS_PER_HOUR", 5)
# Reset mails to one account, from any number of addresses; beyond, silently none (the page is the same).
THROTTLE_PASSWORD_RESETS_PER_ACCOUNT_PER_DAY = env_int("THROTTLE_PASSWORD_RESETS_PER_ACCOUNT_PER_DAY", 3)
# Each password change POST costs a password hash (and checks one): per user and per address.
THROTTLE_PASSWORD_CHANGES_PER_HOUR = env_int("THROTTLE_PASSWORD_CHANGES_PER_HOUR", 10)
THROTTLE_CSP_REPORTS_PER_MINUTE = env_int("THROTTLE_CSP_REPORTS_PER_MINUTE", 20)
# E-mail change requests per account and per address (each sends two e-mails),
# and how long the confirmation link sent to the new address works.
THROTTLE_EMAIL_CHANGES_PER_HOUR = env_int("THROTTLE_EMAIL_CHANGES_PER_HOUR", 5)
EMAIL_CHANGE_LINK_DAYS = env_int("EMAIL_CHANGE_LINK_DAYS", 3)
THROTTLE_SECOND_FACTOR_PER_HOUR = env_int("THROTTLE_SECOND_FACTOR_PER_HOUR", 30)

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


def cookie_settings(https: bool) -> dict[str, Any]:
    """Names and scope of the session, CSRF and language cookies.

    With HTTPS the names carry the __Host- prefix: a browser then keeps such a
    cookie only if it is Secure, for Path=/ and without Domain, so a page on a
    neighbouring subdomain or over plain HTTP cannot plant or overwrite it.
    Over plain HTTP (development, tests) browsers refuse __Host- cookies:
    Django's own names stay."""
    prefix = "__Host-" if https else ""
    return {
        "SESSION_COOKIE_NAME": f"{prefix}sessionid",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "CSRF_COOKIE_NAME": f"{prefix}csrftoken",
        "CSRF_COOKIE_SECURE": https,
        "CSRF_COOKIE_PATH": "/",
        "CSRF_COOKIE_DOMAIN": None,
        "LANGUAGE_COOKIE_NAME": f"{prefix}django_language",
        "LANGUAGE_COOKIE_SECURE": https,
        "LANGUAGE_COOKIE_PATH": "/",
        "LANGUAGE_COOKIE_DOMAIN": None,
    }


# The session, CSRF and language cookies' names, Secure flag, path and domain.
globals().update(cookie_settings(HTTPS))
# The session cookie's name before the __Host- prefix: a visitor's browser that
# still sends only that one keeps its progress (quiz.middleware.adopt_legacy_session).
# Empty turns it off (a year after the move, when every such session has expired).
LEGACY_SESSION_COOKIE_NAME = env_str("DJANGO_LEGACY_SESSION_COOKIE", "sessionid" if HTTPS else "")
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
SIGNIN_DEVICE_DAYS = env_int("SIGNIN_DEVICE_DAYS", 365)
SIGNIN_DEVICE_COOKIE_NAME = "__Host-signin_device" if HTTPS else "signin_device"
LANGUAGE_COOKIE_SAMESITE: Final = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
