# Developer and CI entry points. Everything runs through .venv/bin/python; no activation.
#
#   make install   create .venv (if missing) and install requirements.lock
#   make run       migrate, load the demo data (prints the logins), serve on 127.0.0.1:8000
#   make serve     production-like: gunicorn, two Celery workers and beat on PostgreSQL + Redis
#   make test      system checks, missing-migration check, pytest (PYTEST_ARGS, default -n 2)
#   make lint      ruff check + ruff format --check + lint-imports (the layer contracts in pyproject.toml)
#                  + mypy (strict on the engine; [tool.mypy] in pyproject.toml)
#   make bench     run every bench/*.py
#   make lock      regenerate requirements.lock from pyproject.toml (pip-tools)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2

# pip-tools lives in a throwaway venv so it never ends up in the project's environment.
LOCK_VENV ?= /tmp/dealdesk-pip-tools
# e.g. `make lock LOCK_ARGS=--upgrade` or `make lock LOCK_ARGS="--upgrade-package django"`
LOCK_ARGS ?=

.PHONY: install run serve test lint bench lock

install: $(STAMP)

# Re-runs only when requirements.lock is newer than the stamp (or the stamp is missing).
$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --require-hashes -r requirements.lock
	touch $@

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

lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { \
		$(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/pip install --upgrade pip pip-tools; }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile \
		--extra dev --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links \
		$(LOCK_ARGS) --output-file requirements.lock pyproject.toml
