# The two ways in: `make demo` serves the demo county, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: demo test lint serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# The secret key outside DEBUG (settings.py reads it when VILLAGEBOOKS_SECRET_KEY is unset):
# written once, readable by its owner only, never printed.
var/secret_key:
	@mkdir -p var
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@.tmp && mv $@.tmp $@

demo: $(VENV)/.installed var/secret_key
	$(BIN)/villagebooks demo --address http://$(HOST)/
	VILLAGEBOOKS_DEBUG=1 $(BIN)/villagebooks runserver --noreload $(HOST)

serve: $(VENV)/.installed var/secret_key
	VILLAGEBOOKS_DEBUG=1 $(BIN)/villagebooks runserver --noreload $(HOST)

test: $(VENV)/.installed-test
	@status=0; \
	$(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/ruff check . && $(BIN)/ruff format --check --quiet . || status=1; \
	exit $$status

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
