# Two commands do all the set-up on a fresh clone:
#   make demo   run the backend with reference and demo data (SQLite, Celery in-process)
#   make test   run the whole test suite (PostgreSQL and Redis, see README)
#   make bench  the benchmarks at national scale (README, Benchmarks); BENCH_ARGS="--quick" for a short run
#   make bench-files  reading the files people send (issue 12): a 20,000-row roster, a 10,000-row Teams report
#   make bench-portal  a trainer's roster page of 2,000 learners and its save (issue 14)
#   make attacks  issue 10's attacks re-run over HTTP on gunicorn with the production settings
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test check lint format migrate serve clean bench bench-files bench-portal attacks

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference_data
	$(PY) manage.py demo_setup --base-url http://$(HOST):$(PORT)
	$(PY) manage.py progress_table --programme ke-hoach-2021-2025
	@echo "Serving on http://$(HOST):$(PORT)/  dashboard: /dashboard/  API docs: /api/docs/  admin: /admin/"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(PY) bench/run.py $(BENCH_ARGS)

bench-files: $(VENV)/.dev
	$(PY) bench/files.py $(BENCH_FILES_ARGS)

bench-portal: $(VENV)/.dev
	$(PY) bench/portal.py $(BENCH_PORTAL_ARGS)

attacks: $(VENV)/.dev
	$(PY) bench/attacks.py

check: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3
