# The two commands a developer needs: `make contract` (the gate) and `make test` (all tests).
# Every target bootstraps .venv on first use, so a fresh clone needs nothing installed by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
PROFILE ?= ci
CONTRACT_ARGS ?=

# PYTHONDONTWRITEBYTECODE makes pytest re-rewrite every imported module on each run.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help install run serve init-db seed-demo test test-postgres lint format spec spec-check \
        spec-diff contract contract-fast gate-compat contract-deep contract-postgres contract-pytest contract-live client client-check e2e bench bench-load bench-scale clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[service,dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools

run: $(STAMP) ## Development server with reload (http://$(HOST):$(PORT))
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app run --debug --host $(HOST) --port $(PORT)

THREADS ?= 8
serve: $(STAMP) ## Production server: gunicorn (gunicorn.conf.py) on $(HOST):$(PORT), $(WORKERS) workers x $(THREADS) threads
	$(BIN)/flask --app app init-db
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) THREADS=$(THREADS) \
		$(BIN)/gunicorn --config gunicorn.conf.py 'app:create_app()'

init-db: $(STAMP) ## Create the tables in the configured database
	$(BIN)/flask --app app init-db

seed-demo: $(STAMP) ## Add a demo user (demo / demo-password) with a few todos
	$(BIN)/flask --app app seed-demo

test: $(STAMP) ## All tests (SQLite), including the gate's own fault-injection test
	$(BIN)/pytest

test-postgres: $(STAMP) ## The service's tests against PostgreSQL ($(PG_URL))
	DATABASE_URL=$(PG_URL) $(BIN)/pytest tests/app

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

spec: $(STAMP) ## Regenerate openapi/openapi.json and openapi.yaml from the code
	$(BIN)/python -m openapi build

spec-check: $(STAMP) ## Fail on drift between code and published spec; validate and lint it
	$(BIN)/python -m openapi check

BASE ?= git:origin/main
DIFF_ARGS ?=
spec-diff: $(STAMP) ## Classify changes of the published spec against BASE (default git:origin/main)
	$(BIN)/python -m openapi diff $(BASE) openapi/openapi.json $(DIFF_ARGS)

contract: spec-check ## The contract gate (profile $(PROFILE)): Schemathesis in-process against the published spec
	$(BIN)/python -m contract_tests run --profile $(PROFILE) $(CONTRACT_ARGS)

contract-fast: ## The gate's pre-push profile (seconds)
	$(MAKE) contract PROFILE=fast

contract-deep: ## The gate's nightly profile (many examples)
	$(MAKE) contract PROFILE=deep

# Each process of the run gets a new database of its own on that server, dropped when the run ends.
contract-postgres: spec-check ## The gate on fresh PostgreSQL databases under $(PG_URL), dropped afterwards
	$(BIN)/python -m contract_tests run --profile $(PROFILE) --fresh-database $(PG_URL) $(CONTRACT_ARGS)

contract-pytest: spec-check ## The same contract as pytest tests: one per operation plus the stateful test
	$(BIN)/pytest contract_tests -p no:cacheprovider --contract-profile $(PROFILE) $(CONTRACT_ARGS)

BASE_URL ?= http://$(HOST):$(PORT)
contract-live: spec-check ## The gate over HTTP against a running server (make serve) at BASE_URL
	$(BIN)/python -m contract_tests run --profile $(PROFILE) --base-url $(BASE_URL) $(CONTRACT_ARGS)

# The gate installed alone (no extras) into a fresh venv next to an older Flask stack, as another project
# would install it, gating tests/compat's apps (written for that stack) from the apps' own folder: a
# flask-smorest one (notes_app) and a flask-apispec one (flask_apispec_app, which needs marshmallow 3).
COMPAT_VENV  := .venv-compat
COMPAT_STACK := flask==2.2.5 werkzeug==2.2.3 marshmallow==3.19.0 flask-smorest==0.42.3 apispec==6.3.0 \
                webargs==8.2.0 flask-apispec==0.11.4
COMPAT_RUN   := cd tests/compat && NOTES_TOKEN=compat-token TASKS_TOKEN=compat-token
COMPAT_PY    := ../../$(COMPAT_VENV)/bin/python
COMPAT_GATE  := -m contract_tests run --app notes_app:create_app --spec /openapi.json \
                --bearer-env NOTES_TOKEN --profile fast
APISPEC_GATE := -m contract_tests run --app flask_apispec_app:create_app --spec /swagger/ \
                --bearer-env TASKS_TOKEN --profile fast
# $(call compat_bug,ENV=BUG,GATE,REPORTS,FAILED line): the gate with a planted bug must exit 1 naming the check.
define compat_bug
	@echo "gate-compat: now with a planted bug ($(1)); the gate must fail on it"
	$(COMPAT_RUN) $(1) $(COMPAT_PY) $(2) --reports ../../reports/compat/$(3) \
		> ../../reports/compat/$(3).txt; status=$$?; tail -n 3 ../../reports/compat/$(3).txt; \
		test $$status -eq 1 && grep -qF '$(4)' ../../reports/compat/$(3).txt \
		|| { echo "gate-compat: the planted bug $(1) was not caught (exit $$status)"; exit 1; }
endef
gate-compat: ## Fresh venv, Flask 2.2 + marshmallow 3 + the gate alone: spec tooling and gate PASS, planted bugs FAIL
	rm -rf $(COMPAT_VENV) reports/compat && mkdir -p reports/compat/spec
	$(PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install --quiet $(COMPAT_STACK) .
	rm -rf build
	$(COMPAT_VENV)/bin/python -c 'import importlib.util as u, sys; \
		extra = [m for m in ("sqlalchemy", "argon2", "psycopg", "gunicorn") if u.find_spec(m)]; \
		sys.exit(f"the service extra leaked into the gate install: {extra}" if extra else 0)'
	$(COMPAT_VENV)/bin/python -m pip list --format=freeze \
		| grep -iE '^(flask|werkzeug|marshmallow|flask-smorest|flask-apispec|schemathesis)='
	$(COMPAT_RUN) $(COMPAT_PY) -m openapi build --app notes_app:create_app --out ../../reports/compat/spec
	$(COMPAT_RUN) $(COMPAT_PY) -m openapi check --app notes_app:create_app --out ../../reports/compat/spec
	$(COMPAT_RUN) $(COMPAT_PY) $(COMPAT_GATE) --reports ../../reports/compat/pass
	$(call compat_bug,NOTES_BUG=drop-title,$(COMPAT_GATE),bug,FAILED: GET /notes/ [response_schema_conformance])
	$(COMPAT_RUN) $(COMPAT_PY) $(APISPEC_GATE) --reports ../../reports/compat/apispec-pass
	$(call compat_bug,APISPEC_BUG=keep-deleted,$(APISPEC_GATE),apispec-bug,FAILED: DELETE /tasks/{task_id} [use_after_free])
	@echo "gate-compat: PASS on the older stack (flask-smorest and flask-apispec apps), each planted bug FAILs"

# The frontend's side of the contract: TypeScript types generated from the published spec, the page's
# script bundled from them, and the end-to-end check in a real browser (clients/typescript).
CLIENT_DIR := clients/typescript
NODE_STAMP := $(CLIENT_DIR)/node_modules/.installed-stamp
CHROMIUM   ?= /usr/bin/chromium

$(NODE_STAMP): $(CLIENT_DIR)/package.json $(CLIENT_DIR)/package-lock.json $(CLIENT_DIR)/.npmrc
	cd $(CLIENT_DIR) && npm ci --no-audit --no-fund
	touch $@

client: $(NODE_STAMP) ## Regenerate the TypeScript types from openapi/openapi.json and rebuild the page's script
	cd $(CLIENT_DIR) && node_modules/.bin/tsx scripts/generate.ts

client-check: $(NODE_STAMP) ## Fail when the generated client or page script is stale; then tsc --strict over them
	cd $(CLIENT_DIR) && node_modules/.bin/tsx scripts/generate.ts --check
	cd $(CLIENT_DIR) && node_modules/.bin/tsc --noEmit --strict -p .
	@echo "client-check: the TypeScript client matches openapi/openapi.json and compiles (tsc --strict)"

.PHONY: chromium
chromium: ## Install Debian's chromium for the browser test when CHROMIUM (default /usr/bin/chromium) is missing
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "$(CHROMIUM) is missing: installing Debian's chromium package"; \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends chromium; \
	fi
	@test -x "$(CHROMIUM)" || { echo "$(CHROMIUM) is still missing; set CHROMIUM=/path/to/chromium"; exit 1; }

e2e: $(STAMP) client-check chromium ## client-check, then a live server (fresh DB): typed-client smoke + browser test
	CHROMIUM=$(CHROMIUM) $(BIN)/python $(CLIENT_DIR)/scripts/e2e.py

BENCH_ARGS ?=
bench: $(STAMP) ## The gate's speed next to the raw test client and st run over HTTP (BENCH_ARGS="--repeat 5")
	$(BIN)/python bench/contract_speed.py $(BENCH_ARGS)

bench-load: $(STAMP) ## Load and faults against gunicorn on SQLite and PostgreSQL ($(PG_URL)); BENCH_ARGS="--clients 20"
	$(BIN)/python bench/load.py --pg-url $(PG_URL) $(BENCH_ARGS)

bench-scale: $(STAMP) ## The gate's cost on synthetic APIs of 10-80 operations, per phase (BENCH_ARGS="--repeat 3")
	$(BIN)/python bench/contract_scaling.py $(BENCH_ARGS)

clean: ## Remove the venv, node packages, caches, reports and the local SQLite database
	rm -rf $(VENV) $(COMPAT_VENV) .pytest_cache .ruff_cache .hypothesis reports instance build *.egg-info \
		$(CLIENT_DIR)/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
