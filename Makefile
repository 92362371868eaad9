# The two commands: `make run` (serve the demo on 127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Local runs read .env (DEBUG=true: static files straight from static/, media served by Django).
RUN_ENV := SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}
# Tests need a key but nothing secret; production sets SECRET_KEY itself.
# Redis tests use this database (never 0); the PostgreSQL leg also runs its whole suite with it
# as the cache, each xdist worker under its own key prefix.
REDIS_TEST_URL ?= redis://127.0.0.1:6379/1
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-insecure-test-key} DEBUG=false REDIS_TEST_URL=$(REDIS_TEST_URL)
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/blogcms

.PHONY: bench-front varnish test-later faketime bench-soak check-nginx bench-desk bench-scale audit-deps backup restore run serve test test-postgres test-e2e lint format install migrate demo clean bench bench-import bench-load chromium java audit

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate

# Written once, never overwritten: a random SECRET_KEY and DEBUG=true for every local command
# (manage.py changepassword, createsuperuser, import_posts...). Git-ignored.
.env:
	@$(PYTHON) -c 'import secrets; print("# Local development settings (git-ignored), written by make run.\nDEBUG=true\nSECRET_KEY=" + secrets.token_urlsafe(50))' > $@.tmp
	@mv $@.tmp $@
	@echo "Wrote .env (DEBUG=true and a random SECRET_KEY) for local manage.py commands."

migrate: install .env
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(RUN_ENV) $(BIN)/python manage.py load_demo

run: demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Browser tests need Debian's chromium: installed here when missing and root, else one line
# says what to install (scripts/ensure-chromium; CHROMIUM_PATH names another binary).
chromium:
	@scripts/ensure-chromium

# The HTML validity test needs Java for vnu.jar: the same install-or-say-what-to-install step.
java:
	@scripts/ensure-java

# libfaketime for `make test-later`: the same install-or-say-what-to-install step.
faketime:
	@scripts/ensure-faketime

# Varnish 7 and its xkey vmod for deploy/varnish.vcl (tests/test_varnish.py, make bench-front):
# the same install-or-say-what-to-install step.
varnish:
	@scripts/ensure-varnish

# The production server on this machine: DEBUG off, static files collected (hashed, compressed,
# served by whitenoise), gunicorn with config/gunicorn.conf.py. SECRET_KEY from the environment
# or .env; Django refuses to start without one.
serve: install
	DEBUG=false $(BIN)/python manage.py migrate --noinput
	DEBUG=false $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=false $(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker' EXIT INT TERM; \
	DEBUG=false PORT=$(PORT) $(BIN)/gunicorn -c config/gunicorn.conf.py config.wsgi

test: install chromium java
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The same suite against a real PostgreSQL (the server at 127.0.0.1:5432; trust auth) and the
# real Redis (127.0.0.1:6379) as its cache, as in production.
# Browser tests aside: they run once, in `make test` (what they check is the pages, not SQL).
test-postgres: install java
	$(TEST_ENV) DATABASE_URL=$(POSTGRES_URL) REDIS_URL=$(REDIS_TEST_URL) \
		$(BIN)/python -m pytest -n 2 -m "not e2e" $(PYTEST_ARGS)

# The suite (browser tests aside) with the machine's clock moved ahead by libfaketime, LATER
# (default 400 days): a test that passes only near the day it was written fails here. The
# processes' clocks move (subprocesses too); file times and PostgreSQL's and Redis's do not.
# Debian 12's libfaketime makes a wait with a timeout on a lock hang, so the run is bounded.
LATER ?= +400d
test-later: install java faketime
	$(TEST_ENV) timeout 1200 faketime -f '$(LATER)' \
		$(BIN)/python -m pytest -n 2 -m "not e2e" $(PYTEST_ARGS)

test-e2e: install chromium
	$(TEST_ENV) $(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Database (SQLite online backup, or pg_dump for PostgreSQL, by DATABASE_URL) and media files
# into backups/<time>/ or BACKUP=dir; `make restore BACKUP=dir` puts one back (asks first).
backup: install
	$(RUN_ENV) $(BIN)/python manage.py backup $(BACKUP)

restore: install
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=backups/<folder>"; exit 2; }
	$(RUN_ENV) $(BIN)/python manage.py restore $(BACKUP)

# Known vulnerabilities in the pinned runtime requirements (pip-audit; needs PyPI's JSON API).
# Fails on a vulnerability; packages it could not check are listed as NOT AUDITED (see README).
audit-deps: install
	$(BIN)/python scripts/audit_deps.py requirements.txt

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Lighthouse on the seed post page, served as in production on 127.0.0.1:$(AUDIT_PORT); prints
# the four scores and fails under 95. Not part of `make test`. Needs node/npm and chromium.
AUDIT_PORT ?= 8001
audit: install chromium
	cd audit && npm ci --no-audit --no-fund --silent
	$(BIN)/python scripts/audit.py --port $(AUDIT_PORT)

# Benchmarks, not tests: each run builds and removes its own database, then prints figures.
# See bench/README.md. PostgreSQL: the server at 127.0.0.1:5432 (trust auth).
bench: install
	$(BIN)/python bench/run.py --database sqlite
	$(BIN)/python bench/run.py --database postgres

# WordPress import of a generated 10,000-post, 100,000-comment export: time and peak memory.
# gunicorn (2 workers) on 127.0.0.1:8950 loaded with wrk (installed when root and missing):
# requests/s, p50, p99, errors and the ratio to a bare view's ceiling. See bench/RESULTS.md.
bench-load: install
	$(BIN)/python bench/load.py

# The seed post page through nginx (deploy/nginx.conf) and Varnish (deploy/varnish.vcl) against
# nginx serving its bytes as a static file, one run; wrk, nginx-light and Varnish installed when
# root and missing. See bench/RESULTS.md.
bench-front: install varnish
	$(BIN)/python bench/front.py


# deploy/nginx.conf on loopback in front of gunicorn: micro-cache MISS then HIT, a publication
# shown after the TTL, post pages kept but never for a session (nginx-light installed when root
# and missing).
check-nginx: install
	$(BIN)/python scripts/check_nginx.py $(if $(NGINX_PORT),--port $(NGINX_PORT))

# Clearing 20 pending comments in Chromium, four ways: requests, page loads, clicks or keys.
bench-desk: install chromium
	$(TEST_ENV) $(BIN)/python -m pytest bench/desk_clear20.py -q -s -p no:cacheprovider

bench-import: install
	$(BIN)/python bench/wordpress_import.py --database sqlite

# How page cost grows from 1,000 to 100,000 posts (1,000,000 comments), SQLite and PostgreSQL:
# bench/scale.py, about half an hour; figures in bench/RESULTS.md.
bench-scale: install
	$(BIN)/python bench/scale.py

# Soak: SOAK_SECONDS (default 300) of 64 connections against gunicorn + PostgreSQL + Redis + the
# mail task worker; prints requests, p99, 5xx and comments accepted vs stored. bench/soak.py.
bench-soak: install
	$(BIN)/python bench/soak.py
