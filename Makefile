# The runbook. `make run` and `make test` are the whole quick start (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
LANGS := es fr de pt_BR ar zh_Hans hi

# Django 6.1 needs Python >= 3.12. Try the usual names, then pyenv's versions.
define FIND_PYTHON
for c in python3.14 python3.13 python3.12 python3; do \
  p=$$(command -v $$c 2>/dev/null) || continue; \
  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
done; \
root=$$(pyenv root 2>/dev/null) || root=$$HOME/.pyenv; \
for p in $$(ls -d $$root/versions/3.* 2>/dev/null | sort -rV); do \
  [ -x $$p/bin/python3 ] && $$p/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p/bin/python3; exit 0; }; \
done; true
endef

.PHONY: help db run test serve lint format messages check-content bench bench-latency bench-load bench-scale bench-two bench-weight bench-memory bench-lighthouse bench-fit bench-export bench-faults screenshots clean

help:
	@echo "make run       start the app on http://127.0.0.1:$(PORT) (SQLite, content loaded)"
	@echo "make test      run the whole test suite"
	@echo "make serve     production-style: collectstatic + gunicorn (set DJANGO_* and DATABASE_URL)"
	@echo "make lint      ruff check, format check and mypy"
	@echo "make format    ruff format and fix"
	@echo "make messages  extract and compile UI translations (needs GNU gettext)"
	@echo "make bench     run every benchmark in bench/ and print each goal with pass/FAIL"
	@echo "make bench-latency study-loop latency and queries in one process (DATABASE_URL=… for PostgreSQL)"
	@echo "make bench-load    requests/s on a production-mode gunicorn with wrk (ARGS=--postgres adds PostgreSQL)"
	@echo "make bench-scale   latency and queries on a small vs a large database (ARGS=--learners N --reviews M)"
	@echo "make bench-two     two gunicorn servers on one PostgreSQL and a shared Redis: same results as one server"
	@echo "make bench-weight  bytes per learner page and Lighthouse scores, in a real Chromium (en and ar)"
	@echo "make bench-memory  gunicorn workers' memory after 100 and 10,000 requests (ARGS=--postgres adds PostgreSQL)"
	@echo "make bench-lighthouse  install Lighthouse into bench/node_modules (npm ci; needs Node.js 18.16+)"
	@echo "make bench-fit     fit_schedule's time and metrics on 1,000,000 review-log rows (ARGS=--postgres)"
	@echo "make bench-export  the exports' peak memory on 1,000 vs 1,000,000 review-log rows (ARGS=--postgres)"
	@echo "make bench-faults  gunicorn on PostgreSQL while PostgreSQL restarts and workers are killed (root)"
	@echo "make screenshots   retake the README's screenshots (docs/) with the browser suite"

$(PY):
	@base=$$($(FIND_PYTHON)); \
	if [ -z "$$base" ]; then echo "Python 3.12 or newer is required (Django 6.1); none was found." >&2; exit 1; fi; \
	echo "Creating $(VENV) with $$base"; \
	$$base -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# Development: DEBUG and plain HTTP are asked for here; without them the app
# is production (config/settings.py) and refuses to start without its secrets.
db run test lint format messages check-content screenshots bench bench-latency bench-scale bench-fit bench-export bench-weight bench-memory bench-load bench-two bench-faults: export DJANGO_DEBUG = true
db run test lint format messages check-content screenshots bench bench-latency bench-scale bench-fit bench-export bench-weight bench-memory bench-load bench-two bench-faults: export DJANGO_HTTPS = false

# The compiled .mo files are committed, so a machine without GNU gettext still
# gets the translated interface; tests check that they match the .po files.
db: $(VENV)/.runtime
	$(PY) manage.py prepare_database

run: db
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.dev
	$(PY) -m pytest

# Production: DEBUG is off unless DJANGO_DEBUG says otherwise, so settings.py
# refuses to start without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
serve: export DJANGO_DEBUG ?= false
serve: $(VENV)/.runtime
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py prepare_database
	$(VENV)/bin/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: $(VENV)/.runtime
	$(PY) manage.py makemessages --no-location --no-obsolete $(addprefix -l ,$(LANGS)) --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

check-content: db
	$(PY) manage.py check_content

# The README's pictures, taken by the browser journey test from the running app.
screenshots: $(VENV)/.dev
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q tests/e2e/test_learner_journey.py

# Every goal of docs/performance.md, measured and printed with pass/FAIL (bench/run.py).
bench: $(VENV)/.dev
	$(PY) bench/run.py $(ARGS)

# In-process latency and query counts of the study loop with a large history.
bench-latency: $(VENV)/.dev
	$(PY) bench/latency.py

# gunicorn (production settings, 2 workers) on a fresh SQLite file, and with
# ARGS=--postgres also on its own PostgreSQL database; needs wrk. Issue 10.
bench-load: $(VENV)/.dev
	$(PY) bench/load.py $(ARGS)

# Seeds a large history (seed_scale) and compares it with a fresh database.
bench-scale: $(VENV)/.dev
	$(PY) bench/scale.py $(ARGS)

# Two gunicorn servers (2 workers each) on one PostgreSQL database of their own
# (twitch_bench_two) with Redis as the shared cache (database 13, emptied
# first): one learner's requests alternate between them. Issue 10.
bench-two: $(VENV)/.dev
	$(PY) bench/two_servers.py

# Page weight (Playwright and the system Chromium) and Lighthouse, which it
# installs with npm from bench/package-lock.json when npm exists. Issue 10.
bench-weight: $(VENV)/.dev
	$(PY) bench/weight.py $(ARGS)

bench-lighthouse:
	cd bench && npm ci --no-audit --no-fund

# RSS of each of gunicorn's 2 workers after 100 and after 10,000 requests.
bench-memory: $(VENV)/.dev
	$(PY) bench/memory.py $(ARGS)

# Restarts the local PostgreSQL cluster (pg_ctlcluster, so run as root) and
# uses its own database, twitch_bench_fault. Results: docs/performance.md.
bench-faults: $(VENV)/.dev
	$(PY) bench/faults.py

# seed_scale's 1,000,000 log rows in a throw-away SQLite file (ARGS=--postgres
# adds PostgreSQL), then fit_schedule twice, timed. Issue 12.
bench-fit: $(VENV)/.dev
	$(PY) bench/fit.py $(ARGS)

# One account with 1,000 review-log rows and one with 1,000,000 in a throw-away
# SQLite file (ARGS=--postgres adds PostgreSQL); each export's peak memory. Issue 17.
bench-export: $(VENV)/.dev
	$(PY) bench/export_memory.py $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
