# Tend: `make run` talks to the coach, `make test` runs the whole suite. Both set everything up first.
# Set-up is idempotent: each environment carries a stamp named after the hash of its requirement
# file, so a second run reinstalls nothing and retrains nothing unless those inputs changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
VENV_NLU  := .venv-nlu
APP_PY    := $(VENV)/bin/python
TEND      := $(VENV)/bin/tend

# ---- interpreters -----------------------------------------------------------------------------
# Python 3.11+ for the app: PYTHON311 override, else the first python3.1x (>= 3.11) on PATH or in pyenv.
PYENV_ROOT_DIR := $(shell command -v pyenv >/dev/null 2>&1 && pyenv root)
PYTHON311 ?= $(shell for p in python3.13 python3.12 python3.11 python3 \
                 $$(ls -d $(PYENV_ROOT_DIR)/versions/3.1[1-9]*/bin/python3 2>/dev/null | sort -V | tail -n1); do \
                 command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
                 && { command -v $$p; break; }; done)
# Python 3.10 for Rasa: PYTHON310 override, else pyenv's newest 3.10, else python3.10 on PATH.
PYTHON310 ?= $(shell ls -d $(PYENV_ROOT_DIR)/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V | tail -n1)
ifeq ($(strip $(PYTHON310)),)
PYTHON310 := $(shell command -v python3.10 2>/dev/null)
endif

APP_HASH := $(shell cat pyproject.toml | sha256sum | cut -c1-16)
NLU_HASH := $(shell cat nlu/requirements-rasa.txt | sha256sum | cut -c1-16)
APP_STAMP := $(VENV)/.stamp-$(APP_HASH)
NLU_STAMP := $(VENV_NLU)/.stamp-$(NLU_HASH)

.PHONY: help setup model run test test-fast nlu-eval nlu-compare safety-eval bench clean lint

help:
	@echo "make run      set up, train if needed, start NLU + the coach (Telegram if TELEGRAM_BOT_TOKEN, else terminal)"
	@echo "make test     set up and run the whole suite (real Rasa included)"
	@echo "make nlu-eval / nlu-compare / safety-eval / bench / lint / clean"

# ---- environments -----------------------------------------------------------------------------
$(APP_STAMP): pyproject.toml
	@if [ -z "$(PYTHON311)" ]; then \
	  echo "Tend needs Python 3.11 or newer for the app. Install it (e.g. 'pyenv install 3.11') or set PYTHON311=/path/to/python3.11."; \
	  exit 1; fi
	@echo "==> app environment ($(VENV)) with $(PYTHON311)"
	@test -x $(APP_PY) || $(PYTHON311) -m venv $(VENV)
	@$(APP_PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(APP_PY) -m pip install -q --disable-pip-version-check -e ".[test]"
	@rm -f $(VENV)/.stamp-* && touch $@

$(NLU_STAMP): nlu/requirements-rasa.txt
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Rasa 3.6 needs Python 3.10, and none was found (looked at PYTHON310, pyenv, python3.10 on PATH)."; \
	  echo "Get it with 'pyenv install 3.10' (https://github.com/pyenv/pyenv), or your OS package (e.g. deadsnakes on Ubuntu),"; \
	  echo "then run make again, or point PYTHON310=/path/to/python3.10 at it."; \
	  exit 1; fi
	@echo "==> NLU environment ($(VENV_NLU)) with $(PYTHON310)"
	@test -x $(VENV_NLU)/bin/python || $(PYTHON310) -m venv $(VENV_NLU)
	@$(VENV_NLU)/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip<25"
	@$(VENV_NLU)/bin/python -m pip install -q --disable-pip-version-check -r nlu/requirements-rasa.txt
	@rm -f $(VENV_NLU)/.stamp-* && touch $@

setup: $(APP_STAMP) $(NLU_STAMP)

# Trains only when nlu/data, config.yml or the Rasa pins changed (hash kept beside the model).
model: setup
	@$(TEND) nlu train

# ---- the two commands -------------------------------------------------------------------------
run: model
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=.\+' .env; then \
	  exec $(TEND) run --with-nlu; \
	else \
	  echo "No TELEGRAM_BOT_TOKEN: talking in the terminal (tend chat)."; \
	  exec $(TEND) chat; \
	fi

test: model
	@$(APP_PY) -m tests.postgres_check
	@$(APP_PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The quick loop while developing: no Rasa server, no PostgreSQL.
test-fast: setup
	@$(APP_PY) -m pytest -q -m "not rasa and not postgres" $(PYTEST_ARGS)

# ---- measurements -----------------------------------------------------------------------------
nlu-eval: model
	@$(TEND) nlu eval

nlu-compare: setup
	@$(TEND) nlu compare nlu/pipelines/*.yml

safety-eval: model
	@$(TEND) safety eval

# Writes BENCHMARKS.md and the raw figures beside the benchmarks (tests/bench/results/results.json).
bench: model
	@$(APP_PY) -m tests.bench.run_all

lint: setup
	@$(VENV)/bin/ruff check bot nlu dialogues practices storage tests

clean:
	rm -rf $(VENV) $(VENV_NLU) models var .pytest_cache
