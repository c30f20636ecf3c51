# Dudao: the two commands a developer needs are `make run` and `make test`.
# Everything runs through .venv/bin/... so no virtualenv has to be activated.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# requirements*.txt name what we chose (top-level pins); requirements*.lock, made from them by
# `make lock`, pin every transitive dependency with its hashes, and are what gets installed.
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock

# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k issues -x"`.
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run test lint lock migrations-check clean distclean

help:
	@echo "make run               virtualenv, migrations, demo data, web + Celery worker + beat"
	@echo "make test              run the whole test suite (PYTEST_ARGS=... to pass options)"
	@echo "make lint              ruff check, ruff format --check, the import contract (lint-imports)"
	@echo "make lock              refresh requirements*.lock (every dependency pinned, with hashes)"
	@echo "make migrations-check  fail if models changed without a migration"
	@echo "make clean             remove caches and build output (keeps .venv and the database)"
	@echo "make distclean         clean + remove .venv, db.sqlite3, media/, .broker/"

venv: $(STAMP)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Dudao needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) -V 2>&1). Try: make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock changed (or the venv is new). Hashes are required: a package whose
# file differs from the one locked is refused.
$(STAMP): $(DEV_LOCK) | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q --require-hashes -r $(DEV_LOCK)
	@touch $@

# Resolves requirements.txt (runtime, for the image) and requirements-dev.txt (runtime + tools)
# again and writes both locks; commit them together with the requirements change.
lock: venv
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 -o $(LOCK) requirements.txt
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 -o $(DEV_LOCK) requirements-dev.txt

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	bin/run-all

test: venv
	bin/test $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

migrations-check: venv
	$(PY) manage.py makemigrations --check --dry-run

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles test-artifacts .test-media .run

distclean: clean
	rm -rf $(VENV) db.sqlite3 media .broker
