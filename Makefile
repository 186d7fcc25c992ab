# The hub's two set-up commands: `make run` (everything, with demo data) and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
# The council's day is Amsterdam's (the services compute "today" there); tests and tools that
# say date.today() must agree with them, also between 23:00 and 01:00 UTC.
export TZ := Europe/Amsterdam
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: setup run down status test lint unit token chaos bench bench-quick profile clean catalogues portal-messages

## setup: install uv (from PyPI) if missing and the locked Python environment
setup:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@uv sync --frozen --all-packages --quiet

## run: Kafka, PostgreSQL, all four services, the partner simulator and demo data
## `make run CLUSTER=1`: on a three-node Kafka cluster, with two instances of every service
run: setup
	@$(if $(CLUSTER),HUB_KAFKA_NODES=3 )infra/stack.sh up
	@HUB_CLUSTER=$(CLUSTER) infra/services.sh up
	@HUB_CLUSTER=$(CLUSTER) infra/services.sh demo
	@infra/services.sh urls

## down: stop what `make run` started, and nothing else
down:
	@infra/services.sh down
	@infra/stack.sh down

status:
	@infra/stack.sh status; infra/services.sh status

## lint: ruff, mypy --strict and the contract compatibility check
lint: setup
	@uv run --frozen ruff check .
	@uv run --frozen ruff format --check .
	@uv run --frozen mypy
	@uv run --frozen python -m hub_contracts.schemas check

## test: everything the tests need (stack included), then lint and every test
test: setup
	@infra/browser.sh
	@infra/standards.sh
	@infra/oidc.sh
	@infra/stack.sh up
	@$(MAKE) --no-print-directory lint
	@uv run --frozen pytest

## catalogues: every gettext catalogue of the project (Babel), one convention: extract the
## messages, merge them into each language's .po, compile the .mo files, which are committed
## (no build step at start). The signals dashboard's (nl, en), the partner portal's (fr, ar),
## referral's refusal sentences (compile only). tests/catalogues fails on an untranslated
## message or a stale .mo in any catalogue; then translate the new msgstr and run it again.
SIGNALS_I18N := src/signals/i18n
PORTAL := src/partner_gateway/api/portal
catalogues: setup
	@cd services/signals && $(UV) run --frozen pybabel extract -F babel.cfg -k N_ --no-location \
	  --sort-output --project=signals --copyright-holder="the council" -o $(SIGNALS_I18N)/messages.pot .
	@cd services/signals && $(UV) run --frozen pybabel update -i $(SIGNALS_I18N)/messages.pot \
	  -d $(SIGNALS_I18N)/locale --no-fuzzy-matching --ignore-obsolete
	@cd services/signals && $(UV) run --frozen pybabel compile -d $(SIGNALS_I18N)/locale --statistics
	@# referral's refusal sentences (msgids = hub_contracts.REFUSAL_TEXTS, edited by hand in the .po)
	@$(UV) run --frozen pybabel compile -d services/referral/src/referral/locale -D refusals --statistics
	@# the partner portal (fr, ar; English is the source)
	@cd services/partner-gateway && $(UV) run --frozen pybabel extract -F babel.cfg -k N_ \
		--no-location --sort-output --width 100 --project=partner-portal \
		-o $(PORTAL)/locale/messages.pot $(PORTAL)
	@cd services/partner-gateway && $(UV) run --frozen pybabel update -i $(PORTAL)/locale/messages.pot \
		-d $(PORTAL)/locale --no-fuzzy-matching --ignore-obsolete --width 100
	@cd services/partner-gateway && $(UV) run --frozen pybabel compile -d $(PORTAL)/locale --statistics

## portal-messages: the same as `make catalogues` (its former name for the portal's catalogues)
portal-messages: catalogues

## unit: the fast tests only (no stack)
unit: setup
	@uv run --frozen pytest -m "not integration and not browser"

## token: a development bearer token, e.g. `make token ROLE=counsellor` (= `hub token --role ...`)
token: setup
	@set -a; [ -f .hub/secrets.env ] && . .hub/secrets.env; set +a; \
	  HUB_ENV=development uv run --frozen hub token --role $(ROLE) --sub $${SUB:-dev-$(ROLE)} $${PARTNER_ID:+--partner-id $$PARTNER_ID}

## chaos: the fault-injection suite on the real stack (prints one table of scenarios);
## `make chaos CLUSTER=1`: the cluster suite instead (three-node Kafka, two instances per service);
## `make chaos CHAOS_ARGS="--network"`: the four network faults only (TCP proxy, single broker);
## `make chaos CLUSTER=1 CHAOS_ARGS="--network"`: those four on the cluster, each hitting one of
## the service's two instances (a Kafka fault: that instance and all three nodes)
chaos: setup
	@$(if $(CLUSTER),HUB_KAFKA_NODES=3 )infra/stack.sh up
	@uv run --frozen python -m hub_demo.chaos $(if $(CLUSTER),--cluster )$(CHAOS_ARGS)

## bench: the benchmark suite (prints figures and writes bench/latest.md)
bench: setup
	@infra/stack.sh up
	@uv run --frozen python bench/run.py $(BENCH_ARGS)
	@uv run --frozen python bench/gateway.py
	@uv run --frozen python bench/profile.py

## profile: a sampling profile (py-spy) of each service under load, in a run of its own
profile: setup
	@infra/stack.sh up
	@uv run --frozen python bench/profile.py $(PROFILE_ARGS)

## bench-quick: sections 1 and 2 at reduced size (under 4 minutes); the last stdout line is JSON
bench-quick: setup
	@infra/stack.sh up
	@uv run --frozen python bench/run.py --quick $(BENCH_ARGS)

clean: down
	@infra/stack.sh reset
