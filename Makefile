# Mahalat — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format install migrate demo serve serve-prod messages check-deploy vendor clean test-browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var/static var/media
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo_city --if-missing

serve: install
	$(BIN)/python manage.py demo_accounts
	@echo "Mahalat is serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop; periodic jobs log to var/periodic.log)"
	@$(BIN)/python manage.py run_periodic > var/periodic.log 2>&1 & periodic=$$!; \
		trap 'kill $$periodic 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

## First command: install, migrate the embedded SQLite database, load the demo city, serve it.
run: demo serve

## Second command: the whole test suite (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL).
test: install
	MAHALAT_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

test-browser: install
	MAHALAT_ENV=test $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

lint: install
	@mkdir -p var
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	MAHALAT_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

messages: install
	cd src/mahalat && ../../$(BIN)/django-admin makemessages -l fa --no-obsolete --no-location --settings=mahalat.settings --pythonpath=../
	cd src/mahalat && ../../$(BIN)/django-admin compilemessages -l fa --settings=mahalat.settings --pythonpath=../

check-deploy: install
	MAHALAT_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=mahalat.example \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

## Production-style serving: gunicorn with one worker per core, static files through WhiteNoise.
serve-prod: install
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/gunicorn mahalat.wsgi:application --bind $(HOST):$(PORT) --workers $$(nproc) --access-logfile -

vendor:
	bash scripts/vendor_assets.sh

clean:
	rm -rf $(VENV) var/static
