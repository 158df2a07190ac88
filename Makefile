# Kohtaamo: `make run` sets everything up and serves the demo; `make test` sets
# everything up and runs the whole suite. Both work on a fresh Debian machine.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEBIAN_PACKAGES := chromium libvoikko1 voikko-fi gettext redis-server libmagic1 postgresql ffmpeg coturn
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-packages lint typecheck pytest messages totp clean bench screenshots

setup: system-packages $(VENV)/.installed node_modules/.installed messages

# Debian packages the service and the tests use; installed only when missing.
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	touch $@

# The catalogs are compiled again only when one changed (var/.messages is the stamp), so a second
# set-up beside a running suite (.ci/run) never rewrites a catalog the suite is reading.
CATALOGS := $(shell find . -path ./.venv -prune -o -path ./node_modules -prune -o -name '*.po' -print)
messages: var/.messages

var/.messages: $(VENV)/.installed $(CATALOGS)
	@DEBUG=1 $(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules
	@mkdir -p var && touch $@

run: setup
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py seed_demo
	@echo ""
	@echo "Kohtaamo is starting on http://$(HOST):$(PORT)/"
	@echo "  Client page:      http://$(HOST):$(PORT)/"
	@echo "  Widget test page: http://$(HOST):$(PORT)/widget-test/"
	@echo "  Staff console:    http://$(HOST):$(PORT)/console/"
	@echo "  Django admin:     http://$(HOST):$(PORT)/admin/"
	@echo "Stop with Ctrl+C."
	DEBUG=1 $(PY) scripts/serve.py --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	DEBUG=1 $(VENV)/bin/mypy .

pytest: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: setup lint typecheck pytest

# The README's pictures, made again from the demo data through the real pages (docs/screenshots/).
screenshots: setup
	DEBUG=1 $(PY) scripts/screenshots.py

totp: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py totp_code $(STAFF)

# The load benchmark of docs/performance.md (about 16 minutes). The server runs with production
# settings (DEBUG=0; DEBUG=1 adds Django's query log) on: the embedded set-up (SQLite, one
# process) at the target load and at the load it carries, idle clients, and PostgreSQL + Redis
# with two processes (private throwaway servers). Reports and profiles go to var/bench/.
BENCH_CHAT := chat --no-debug --duration 60
bench: setup
	@mkdir -p var/bench
	DEBUG=1 $(PY) manage.py bench $(BENCH_CHAT) --conversations 1000 --rate 1000 \
	  --profile var/bench/profile-sqlite.txt --json var/bench/chat-sqlite.json
	DEBUG=1 $(PY) manage.py bench $(BENCH_CHAT) --conversations 300 --rate 300 --json var/bench/chat-sqlite-300.json
	DEBUG=1 $(PY) manage.py bench $(BENCH_CHAT) --conversations 300 --rate 300 --no-relay \
	  --uploads 50 --upload-mb 5 --json var/bench/chat-uploads.json
	DEBUG=1 $(PY) manage.py bench idle --no-debug --clients 5000 --json var/bench/idle.json
	DEBUG=1 $(PY) manage.py bench attack --no-debug --clients 60 --duration 20 --json var/bench/attack.json
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  DEBUG=1 $(PY) manage.py bench $(BENCH_CHAT) --conversations 1000 --rate 1000 --processes 2 \
	    --database-url private --redis-url private \
	    --profile var/bench/profile-postgresql.txt --json var/bench/chat-postgresql.json; \
	else echo "PostgreSQL is not installed: skipping the PostgreSQL + Redis run"; fi

clean:
	rm -rf $(VENV) node_modules var
