# Kartoteka — `make run` to try it, `make test` to check it. `make help` lists everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv from PATH when it works; otherwise a private copy in .tools/ (pip can always install it).
UV := $(shell if uv --version >/dev/null 2>&1; then echo uv; else echo $(CURDIR)/.tools/bin/uv; fi)
PY := $(UV) run --locked --no-sync python
MANAGE := $(PY) manage.py
BENCH_SCALE ?= 0.1

.PHONY: help uv install run serve migrate demo test test-fast test-browser lint fmt bench messages chromium clean

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-13s\033[0m %s\n", $$1, $$2}'

uv:
	@$(UV) --version >/dev/null 2>&1 || { echo "Installing uv into .tools/ ..."; python3 -m venv .tools && .tools/bin/pip install --quiet uv; }

install: uv ## Install Python 3.12 dependencies exactly as locked
	@$(UV) sync --locked --quiet

migrate: install ## Apply database migrations
	@$(MANAGE) migrate --no-input

demo: migrate ## Load the demo organisation (teams, one user per role); safe to repeat
	@$(MANAGE) demo_data --verbosity 0
	@touch var/.demo-data-loaded

run: migrate ## Set everything up and serve web + job worker + scheduler on http://127.0.0.1:8000
	@test -f var/.demo-data-loaded || { $(MANAGE) demo_data --verbosity 0 && touch var/.demo-data-loaded; }
	@$(MANAGE) collectstatic --no-input --verbosity 0
	@$(MANAGE) serve

chromium: ## Install Debian's Chromium for the browser tests (needs root or sudo)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing chromium for the browser tests ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# pytest exits with 5 when it collects nothing; that is not a failure of the project.
PYTEST = rc=0; $(PY) -m pytest $(1) || rc=$$?; if [ $$rc -eq 5 ]; then echo "No tests collected."; rc=0; fi; exit $$rc

test: install chromium ## Run the whole test suite (SQLite unless DATABASE_URL says otherwise; extra pytest options in PYTEST_ARGS)
	@$(call PYTEST,$(PYTEST_ARGS))

test-fast: install ## Run the tests without the browser tests
	@$(call PYTEST,-m "not browser")

lint: install ## ruff (lint + format check) and mypy
	@$(UV) run --locked --no-sync ruff check .
	@$(UV) run --locked --no-sync ruff format --check .
	@$(UV) run --locked --no-sync mypy

fmt: install ## Format and auto-fix
	@$(UV) run --locked --no-sync ruff format .
	@$(UV) run --locked --no-sync ruff check --fix .

bench: migrate ## Generate the bench data set (BENCH_SCALE=1 for the full size) and print timings
	@$(MANAGE) bench_data --scale $(BENCH_SCALE)
	@$(PY) -m bench

messages: install ## Refresh translation catalogues (ru, uk, ro) and compile them
	@$(MANAGE) makemessages --locale ru --locale uk --locale ro --ignore ".venv/*" --ignore ".tools/*" --ignore "var/*" --no-obsolete
	@$(MANAGE) compilemessages --ignore ".venv/*" --ignore ".tools/*"

clean: ## Remove the local database, media and caches (keeps var/secret_key)
	rm -rf var/kartoteka*.sqlite3* var/static var/.demo-data-loaded .pytest_cache .mypy_cache .ruff_cache
