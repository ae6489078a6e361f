# Developer and CI entry points. Everything runs through .venv/bin/python; no activation.
#
#   make install              create .venv and install uv.lock: the app, its tests and its linters
#   make install-production   the same lock without the test and lint tools (dependency groups)
#   make run       migrate, load the demo data (prints the logins), serve on 127.0.0.1:8000
#   make serve     production-like: gunicorn, two Celery workers and beat on PostgreSQL + Redis
#   make test      system checks, missing-migration check, pytest (PYTEST_ARGS, default -n 2)
#   make lint      ruff check + ruff format --check + lint-imports (the layer contracts in pyproject.toml)
#                  + mypy with django-stubs and djangorestframework-stubs: strict on the engine and on every
#                  service and selector module ([tool.mypy] in pyproject.toml lists them)
#   make bench     run every bench/*.py
#   make lock      regenerate uv.lock from pyproject.toml

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

# uv from PATH when there is one; otherwise a pinned uv from the package index in a bootstrap
# environment of its own, so a fresh machine needs only Python and make.
UV_VERSION := 0.13.10
UV_BOOTSTRAP := .uv-bootstrap
UV ?= $(or $(shell command -v uv 2>/dev/null),$(UV_BOOTSTRAP)/bin/uv)
# Use the interpreter that is there (PYTHON), never one uv would download.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# e.g. `make lock LOCK_ARGS=--upgrade` or `make lock LOCK_ARGS="--upgrade-package django"`
LOCK_ARGS ?=

.PHONY: install install-production run serve test lint bench lock

install: $(STAMP)

$(UV_BOOTSTRAP)/bin/uv:
	$(PYTHON) -m venv $(UV_BOOTSTRAP)
	$(UV_BOOTSTRAP)/bin/pip install --quiet "uv==$(UV_VERSION)"

# Re-runs only when the lock is newer than the stamp (or the stamp is missing). --locked: the lock
# must match pyproject.toml; uv refuses rather than resolving anew.
$(STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked
	touch $@

# What a production host runs: runtime dependencies only (no pytest, playwright, ruff, ...).
install-production: | $(UV)
	$(UV) sync --locked --no-default-groups
	rm -f $(STAMP)

run: install
	$(PY) manage.py migrate
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# config.production on PostgreSQL and Redis (DATABASE_URL, REDIS_URL; see bin/serve).
serve: install
	bin/serve

# pytest exits 5 when it ran no test at all: that is a failure here, and said so.
test: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS) || { rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "ERROR: pytest collected/ran no tests (exit 5)" >&2; fi; \
		exit $$rc; }

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

# Each benchmark runs as a script from the repo root, with the project importable.
bench: install
	@set -e; found=0; for f in bench/*.py; do \
		[ -e "$$f" ] || continue; found=1; \
		echo "== $$f"; PYTHONPATH=$(CURDIR) $(PY) "$$f"; \
	done; [ $$found -eq 1 ] || echo "no bench/*.py to run"

lock: | $(UV)
	$(UV) lock $(LOCK_ARGS)
