"""A pytest plugin (pyproject's `-p tests.development`) that puts the test run in
development mode before pytest-django reads the settings: DEBUG and plain HTTP
are no longer the defaults (config/settings.py), so the tests ask for them, as
`make run` does. A variable already set in the environment wins."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_HTTPS", "false")
