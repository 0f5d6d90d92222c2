# Two commands for a new user: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask
PORT    ?= 5000
export FLASK_APP := wsgi.py
# Local development: without SECRET_KEY the app keeps a random key in instance/dev-secret-key (production refuses).
export PORTAL_ENV ?= development
# PostgreSQL pass of the test suite (trust auth on the dev and CI machines).
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run serve worker bench db demo test test-fast test-sqlite test-postgres translations lint chromium clean extract audit crash-test

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d portal/translations

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production serving with gunicorn.conf.py (settings from PORTAL_* environment variables, see that file).
serve: install
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# The background worker: outbox every minute, sweep and statistics every 5 minutes (safe to run twice).
worker: install
	$(FLASK) worker

# Debian's Chromium for the browser tests (playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "Install Chromium: sudo apt-get install chromium fonts-noto-cjk"; fi; }

test: install chromium audit test-sqlite test-postgres

# bandit must be clean (or each finding justified with `# nosec BXXX - reason`); pip-audit fails on a known
# vulnerability but only warns when PyPI's vulnerability service cannot be reached (AUDIT_STRICT=1 to fail).
audit: install
	$(PY) scripts/audit.py

test-sqlite: install
	@echo "== test suite on SQLite =="
	$(PY) -m pytest

# Everyday loop: SQLite (whatever TEST_DATABASE_URL says), no browser, stop at the first failure.
test-fast: install
	TEST_DATABASE_URL= $(PY) -m pytest -m "not browser" -x -p no:cacheprovider

test-postgres: install
	@echo "== test suite on PostgreSQL ($(TEST_POSTGRES_URL)) =="
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest

# City-scale benchmark (scripts/bench/): load N synthetic cases into a SCRATCH database (its name starts with
# "bench"), serve with gunicorn.conf.py, measure, write bench-results/ and the table in docs/performance.md.
#   make bench N=10000000 DB=postgresql://postgres@127.0.0.1:5432/bench10m      (WORKERS: generating processes)
N        ?= 20000
DB       ?= sqlite:///$(CURDIR)/instance/bench.sqlite3
SECONDS  ?= 5
WORKERS  ?= 0
bench: install
	$(PY) scripts/bench/generate.py --n $(N) --db $(DB) --reset --workers $(WORKERS) \
		--summary bench-results/generate-latest.json
	$(PY) scripts/bench/run.py --db $(DB) --seconds $(SECONDS) --docs --generation bench-results/generate-latest.json

lint: install
	$(VENV)/bin/ruff check .

# Re-extract the message catalogue after changing strings, then translate the zh_Hans .po.
extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  -o portal/translations/messages.pot .
	$(VENV)/bin/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/portal.sqlite3 instance/uploads
