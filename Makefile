# Two commands do all the set-up on a fresh clone with only Python 3.11 and make:
#   make run    run the main job (the real Airflow DAG) on the bundled synthetic sample
#   make test   run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python

# Embedded defaults: SQLite for Airflow under the project, no examples, no telemetry.
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PARALLELISM := 4
# Local runs send no metrics; with legacy metric names off, a run need not read their registry.
export AIRFLOW__METRICS__LEGACY_NAMES_ON := False
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

SAMPLE := data/sample/landing
# dbt's parse of the project, made once at install and whenever the project changes.
DBT_PARSE := dbt_project/target/partial_parse.msgpack

# Local runs sign off automatically: the release records "signed off automatically (local
# run)". A deployment never sets this, so a person signs off there (dags/nhs_equity_sign_off.py).
run test bench: export EQUITY_SIGN_OFF := automatic

.PHONY: run test bench sample clean browser deploy-test deployment-services
run: $(VENV)/.synced $(DBT_PARSE) $(if $(EQUITY_LANDING_DIR),,$(SAMPLE)) $(AIRFLOW_HOME)/airflow.db
	$(PY) -m nhs_equity_monitor.local_run
	$(PY) -m exports.latest

test: $(VENV)/.synced $(DBT_PARSE) browser deployment-services
	UV=$(UV) $(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: treating as a failure"; exit 1; fi; \
	exit $$rc

# A real Airflow deployment (PostgreSQL, Redis, Celery) run as a service user from a
# `git archive` copy of HEAD: tests/test_deployment.py. Without root it skips (fails under CI=true).
deploy-test: $(VENV)/.synced deployment-services
	UV=$(UV) $(PY) -m pytest tests/test_deployment.py

# make bench YEARS=10: `make run` on n years of a generated nation, a rerun, and the floor.
bench: $(VENV)/.synced $(DBT_PARSE)
	$(PY) tests/benchmark/run_benchmark.py --years $(or $(YEARS),1)

sample: $(SAMPLE)

# The report tests open the HTML in Debian's Chromium. As root it is installed here;
# otherwise those tests skip with the reason.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "Could not install chromium: the browser tests will be skipped"; \
	fi

# As root, Debian's PostgreSQL, Redis and Python 3.11 (the deployment's venv) for the deployment test.
deployment-services:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v redis-server >/dev/null \
		  || [ ! -x /usr/bin/python3.11 ]; }; then \
		echo "Installing Debian's postgresql, redis-server and python3.11 for the deployment test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server python3.11 >/dev/null; \
	fi

# Bootstrap uv from PyPI when the machine does not have it.
$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# Touched after the parse: dbt leaves the file as it was when nothing changed (after a sync
# of the venv, say), and make would then parse again on every run (about 6 s).
$(DBT_PARSE): $(VENV)/.synced $(shell find dbt_project -path dbt_project/target -prune -o -path dbt_project/logs -prune -o -type f -print)
	$(PY) -m nhs_equity_monitor.dbt_build parse
	touch $@

# Generated into a temporary folder and renamed, so an interrupted run leaves no half sample.
$(SAMPLE): | $(VENV)/.synced
	rm -rf $@.tmp
	$(PY) -m ingest.synthetic --sample --landing $@.tmp
	mv $@.tmp $@

# Migrated again whenever the venv changes: `make run` does not check for pending migrations
# (nhs_equity_monitor/local_run.py).
$(AIRFLOW_HOME)/airflow.db: $(VENV)/.synced
	mkdir -p $(AIRFLOW_HOME)
	$(VENV)/bin/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)
	touch $@

clean:
	rm -rf .airflow data/output
