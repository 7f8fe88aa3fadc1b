# Two commands: `make run` starts the product on its embedded defaults; `make test` runs the suite.
# Both need only python3 (3.11) and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
ARGS ?=

.PHONY: run test lint typecheck messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# The embedded set-up is for one machine: DEBUG on (plain HTTP, a development secret key).
run: export DEBUG ?= 1
run: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

# Uses DATABASE_URL / REDIS_URL when set; otherwise SQLite and the in-memory channel layer.
# pytest exits 5 when it collected no test, which fails this target like any other failure.
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with django-stubs (configured in pyproject.toml; the cache stays in .mypy_cache).
typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# Regenerate and compile translations (needs GNU gettext; the compiled .mo files are committed).
messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Every workload on PostgreSQL and one table (bench/README.md); `make bench ARGS=--quick` for a smoke run.
bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis .mypy_cache
