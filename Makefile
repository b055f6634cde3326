# ClinOps Job Alerts. `make run` and `make test` work on a fresh machine with Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
PREFECT_PORT ?= 4200
export PREFECT_HOME ?= $(CURDIR)/.prefect
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_UI_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export PREFECT_SERVER_LOGGING_LEVEL := CRITICAL
export PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW := ignore

.PHONY: install run test lint bench accuracy serve clean

install: $(STAMP)

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $(STAMP)

run: $(STAMP)  ## The main job, offline, on the bundled sample.
	$(BIN)/jobalerts run --offline

test: $(STAMP)  ## The whole test suite.
	$(BIN)/pytest

lint: $(STAMP)  ## ruff and mypy.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(STAMP)  ## Speed figures: parsers, warehouse ingest (100k postings), digests (10k x 100k), backup, web sign-ups.
	$(BIN)/python -m bench.parsers_speed
	$(BIN)/python -m bench.warehouse_ingest
	$(BIN)/python -m bench.digests
	$(BIN)/python -m bench.backup --postings 20000
	$(BIN)/python -m bench.web_signups

accuracy: $(STAMP)  ## Parser accuracy on the real Ashby data in ../shared (skipped without it).
	$(BIN)/python -m bench.accuracy --check

serve: $(STAMP)  ## A Prefect server with its UI on 127.0.0.1:$(PREFECT_PORT), serving every deployment.
	@bash scripts/serve.sh $(PREFECT_PORT)

clean:
	rm -rf $(VENV) .tools .prefect data outbox
