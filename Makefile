# OpenCoop: `make run` serves the demo, `make test` runs the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: help run test env assets lint format bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements/base.txt requirements/test.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/test.txt
	touch $(STAMP)

env: $(STAMP) ## Create the virtual environment with the pinned dependencies

assets: ## Build the Bootstrap Italia front end from the npm registry
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

run: env assets ## Migrate, load the Florence demo and serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py demo_admin
	$(PY) manage.py runserver 127.0.0.1:8000

test: env assets ## Lint, check migrations and run the test suite (PostgreSQL when DATABASE_URL is set)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=opencoop.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=opencoop.settings.test $(PY) manage.py check
	$(VENV)/bin/pytest

lint: env ## Lint and check formatting
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: env ## Format the code and apply safe lint fixes
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .
