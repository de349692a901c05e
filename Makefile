# cnilcase: `make run` serves the demo, `make test` runs the whole suite.
# Works on a fresh machine with Python 3.11+ only: embedded SQLite and a filesystem Celery broker.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-faults install translations messages codes lint browser clamav clean bench bench-web seed-scale bench-upload bench-import bench-audit

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cnilcase needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	DEBUG=1 $(MANAGE) compile_catalogues

# Regenerate the catalogues from the code (needs GNU gettext's xgettext); English is filled from
# the source texts, French entries left empty must be translated (tests/core/test_catalogues.py).
messages: $(STAMP)
	DEBUG=1 $(MANAGE) makemessages --locale fr --locale en --ignore '.venv/*' --ignore 'tests/*' --no-obsolete
	DEBUG=1 $(MANAGE) compile_catalogues --fill-english

run: translations
	mkdir -p var
	DEBUG=1 $(MANAGE) migrate --no-input
	DEBUG=1 $(MANAGE) seed_demo
	@echo "Starting Celery worker and beat (filesystem broker unless CELERY_BROKER_URL is set)..."
	@DEBUG=1 $(BIN)/celery -A cnilcase worker --beat --loglevel=INFO --concurrency=1 \
		--schedule=var/celerybeat-schedule > var/celery.log 2>&1 & echo $$! > var/celery.pid
	@echo "Starting the outbox relay (sends the tasks the broker missed; apps/core/outbox.py)..."
	@DEBUG=1 $(MANAGE) outbox_relay > var/outbox_relay.log 2>&1 & echo $$! > var/outbox_relay.pid
	@echo "Serving on http://$(HOST):$(PORT)/  (logs: var/celery.log, var/outbox_relay.log)"
	@trap 'kill $$(cat var/celery.pid) $$(cat var/outbox_relay.pid) 2>/dev/null; \
		rm -f var/celery.pid var/outbox_relay.pid' EXIT INT TERM; \
		DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

codes: $(STAMP)
	@DEBUG=1 $(MANAGE) demo_codes

# Browser tests need Debian's Chromium: installed here when missing and running as root.
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Chromium for the browser tests (apt-get)..."; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
				|| echo "Could not install chromium: browser tests will not run."; \
		else \
			echo "No browser at $(CHROMIUM): install Debian's 'chromium' package (or set CHROMIUM=/path) to run the browser tests."; \
		fi; \
	fi

# The malware-scan test runs a real clamd (Debian's clamav-daemon) with a signature file of its own
# (no signature download here): installed when missing and running as root.
CLAMD ?= /usr/sbin/clamd
clamav:
	@if [ ! -x "$(CLAMD)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing ClamAV's daemon for the malware-scan test (apt-get)..."; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null) \
				|| echo "Could not install clamav-daemon: the clamd test will not run."; \
		else \
			echo "No clamd at $(CLAMD): install Debian's 'clamav-daemon' package (or set CLAMD=/path) to run the clamd test."; \
		fi; \
	fi

test: translations browser clamav
	$(BIN)/pytest -m "not faults" $(PYTEST_ARGS)

# Fault injection (tests/faults, PostgreSQL and Redis): Celery pool processes killed mid-task,
# database sessions terminated mid-transaction. Not part of `make test`; CI runs both. Without
# PostgreSQL and Redis nothing can run, and the target says so (CI requires them).
test-faults: translations
	@$(BIN)/pytest -m faults tests/faults $(PYTEST_ARGS); status=$$?; \
	if [ $$status = 5 ]; then \
		echo "No fault-injection test ran: they need PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL=redis://...)."; \
		exit 0; \
	fi; exit $$status

# Benchmarks: never part of `make test`. Results in bench/results/.
# `make seed-scale` loads the synthetic million-case database (PostgreSQL, about 20 minutes; SCALE_CASES
# to change the size), then `make bench` runs every benchmark against it and prints one table.
SCALE_DB ?= cnilcase_scale
SCALE_CASES ?= 1000000
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

seed-scale: translations
	psql -h 127.0.0.1 -U postgres -q -c 'DROP DATABASE IF EXISTS $(SCALE_DB)' -c 'CREATE DATABASE $(SCALE_DB)'
	DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(SCALE_DB) $(MANAGE) migrate --no-input -v0
	DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(SCALE_DB) $(MANAGE) seed_scale --cases $(SCALE_CASES)

bench: translations $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-web: translations $(BENCH_STAMP)
	$(BIN)/python bench/run.py --only web

bench-upload: $(STAMP)
	$(BIN)/python bench/upload.py --size-mib $${SIZE_MIB:-2048}

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -c pyproject.toml -r apps cnilcase --severity-level high --quiet
	$(BIN)/lint-imports
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles

# Art. 34 report import: a generated 33M-row CSV on PostgreSQL, beside a raw COPY of the same file.
bench-import: $(STAMP)
	$(BIN)/python bench/import_campaign.py --rows $${ROWS:-33000000}

# Audit chain on PostgreSQL: audit_verify over 10M generated events beside raw hashlib, and the
# cost of an append with 4 concurrent writers.
bench-audit: $(STAMP)
	$(BIN)/python bench/audit.py --events $${EVENTS:-10000000}
