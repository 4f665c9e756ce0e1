# OpenCoop: `make run` serves the demo, `make test` runs the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: help run test test-browser env assets lint format bench browser-tools page-budget

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

run: env assets ## Migrate, load Florence's site (http://127.0.0.1:8000) and the atlas with the fictional Comune di Esempio and the harvested Unione dei Comuni di Esempio (http://atlas.localhost:8000), serve both with the jobs worker beside them
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --host 127.0.0.1:8000
	$(PY) manage.py generate_authority --revisions --atlas-host atlas.localhost:8000
	$(PY) manage.py demo_harvest
	@# The catalogue's rows of records written before they existed (a database of an older run).
	$(PY) manage.py rebuild_catalogue_rows
	$(PY) manage.py demo_admin
	@# The worker of background jobs (large imports, exports, re-indexing) stops with the server.
	$(PY) manage.py db_worker --backend jobs --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

BROWSER_NODE := tests/browser/node

browser-tools: ## Install what the browser tests need: Chromium, a Java runtime, axe-core, vnu-jar, Lighthouse
	@missing=""; test -x /usr/bin/chromium || missing=" chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing the Debian packages the browser tests need:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing; \
	  else \
	    echo "The browser tests need the Debian packages:$$missing" >&2; \
	    echo "Install them as root (sudo apt-get install -y$$missing) and run make test again," >&2; \
	    echo "or run the other tests only: $(VENV)/bin/pytest -m 'not browser'" >&2; \
	    exit 1; \
	  fi; \
	fi
	@test $(BROWSER_NODE)/node_modules/.installed -nt $(BROWSER_NODE)/package-lock.json || \
	  (cd $(BROWSER_NODE) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed)

page-budget: env assets browser-tools ## Measure each public page type: bytes, requests and Lighthouse scores
	$(PY) scripts/page_budget.py

# The suite in two steps. First everything but the browser tests, in two processes at once, each
# with a test database of its own: one such process keeps one processor busy. LANE_TWO is the part
# of the suite the second process runs, chosen so that both end at about the same time. Then the
# browser tests (tests/browser: headless Chromium, axe-core, Nu Html Checker), which alone keep two
# processors busy (Chromium, the live server and the database): run beside the rest, as they were,
# they slowed both down (the whole suite 36 min that way, 25 min this way, on 2 processors).
LANE_TWO := tests/catalogue tests/editorial tests/atlas

test: env assets browser-tools ## Lint, check migrations, run the whole suite with the browser tests (PostgreSQL when DATABASE_URL is set)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=opencoop.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=opencoop.settings.test $(PY) manage.py check
	@# LANE_TWO's output is printed after the rest's; its database is the PostgreSQL database's
	@# name plus "_two". The catalogue/map/statistics browser tests need the generated authority
	@# that only a shared in-memory SQLite connection lets the live server see: on PostgreSQL
	@# they skip, so they run once more on SQLite. Every step runs, whichever fails.
	@two_log=$$(mktemp); \
	( if [ -n "$$DATABASE_URL" ]; then export DATABASE_URL="$${DATABASE_URL}_two"; fi; \
	  $(VENV)/bin/pytest -m "not browser" $(LANE_TWO) ) > $$two_log 2>&1 & two=$$!; \
	$(VENV)/bin/pytest -m "not browser" $(foreach d,$(LANE_TWO),--ignore=$(d)); rest=$$?; \
	wait $$two; two=$$?; \
	echo "===== $(LANE_TWO) ====="; cat $$two_log; rm -f $$two_log; \
	$(VENV)/bin/pytest -m browser; browser=$$?; finding=0; \
	if [ -n "$$DATABASE_URL" ]; then \
	  env -u DATABASE_URL $(VENV)/bin/pytest -m browser tests/browser/test_finding.py; finding=$$?; \
	fi; \
	echo "rest: exit $$rest; $(LANE_TWO): exit $$two; browser: exit $$browser; browser on SQLite: exit $$finding"; \
	test $$rest -eq 0 && test $$two -eq 0 && test $$browser -eq 0 && test $$finding -eq 0

bench: env ## Measure pages, 20 users, throughput, IATI at 1k/10k/100k and a 10k harvest on PostgreSQL; write BENCHMARKS.md
	@command -v wrk >/dev/null 2>&1 || { echo "bench needs wrk: apt-get install -y wrk" >&2; exit 1; }
	$(PY) scripts/bench.py $(BENCH_ARGS)

test-browser: env assets browser-tools ## Run only the browser tests (axe-core, Nu checker, privacy, keyboard, print)
	$(VENV)/bin/pytest -m browser

lint: env ## Lint, check formatting and the import boundaries (pyproject.toml)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

format: env ## Format the code and apply safe lint fixes
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .
