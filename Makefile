PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck schema fmt clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/redress serve --prepare

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@if command -v npm >/dev/null && [ ! -d bench/peer/node_modules ]; then \
		(cd bench/peer && npm ci --no-audit --no-fund --loglevel=error) || echo "npm ci failed: the run skips the peer"; fi
	$(BIN)/python bench/generate.py --if-missing
	$(BIN)/python bench/run.py $(BENCH_ARGS)

schema: install
	$(BIN)/redress export-schema > schema.graphql

clean:
	rm -rf $(VENV) .pgdata .pytest_cache .mypy_cache .ruff_cache
