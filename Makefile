PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock run test lint typecheck schema fmt clean bench fuzz

# constraints.txt pins every package to the versions the tests passed with (docs/versioning.md).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# After changing dependencies and passing `make test`: pin what is installed.
lock: install
	$(BIN)/pip freeze --exclude-editable | grep -v '^redress' > constraints.txt

run: install
	$(BIN)/redress serve --prepare

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadfile

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@if command -v npm >/dev/null && [ ! -d bench/peer/node_modules ]; then \
		(cd bench/peer && npm ci --no-audit --no-fund --loglevel=error) || echo "npm ci failed: the run skips the peer"; fi
	$(BIN)/python bench/generate.py --if-missing
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Not part of `make test`: FUZZ_SECONDS (default 600) of generated and hostile requests
# against a server it starts; fails on any 5xx or INTERNAL (bench/fuzz.py).
fuzz: install
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} $(BIN)/python bench/fuzz.py

schema: install
	$(BIN)/redress export-schema > schema.graphql

clean:
	rm -rf $(VENV) .pgdata .pytest_cache .mypy_cache .ruff_cache
