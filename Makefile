# The two ways in: `make demo` serves the demo county, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: demo test lint serve vendor

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

# The front-end files served from the project (no CDN): ECharts at the version package.json pins,
# installed from the npm registry in a temporary directory; its minified build and its licence
# are copied into villagebooks/web/static/vendor/echarts/ and committed.
vendor:
	@tmp=$$(mktemp -d) && cp package.json $$tmp/ && \
	(cd $$tmp && npm install --no-audit --no-fund --ignore-scripts) && \
	mkdir -p villagebooks/web/static/vendor/echarts && \
	cp $$tmp/node_modules/echarts/dist/echarts.min.js $$tmp/node_modules/echarts/LICENSE villagebooks/web/static/vendor/echarts/ && \
	node -e "console.log('echarts', require('$$tmp/node_modules/echarts/package.json').version)" && \
	rm -rf $$tmp
