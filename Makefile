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

demo: $(VENV)/.installed
	$(BIN)/villagebooks demo --address http://$(HOST)/
	VILLAGEBOOKS_DEBUG=1 $(BIN)/villagebooks runserver --noreload $(HOST)

serve: $(VENV)/.installed
	VILLAGEBOOKS_DEBUG=1 $(BIN)/villagebooks runserver --noreload $(HOST)

test: $(VENV)/.installed-test
	@status=0; \
	$(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/ruff check . && $(BIN)/ruff format --check --quiet . || status=1; \
	exit $$status

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
