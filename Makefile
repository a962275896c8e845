# hobopy: `make run` starts the local stack, `make test` runs every test.
# Both install what is missing first (the .venv and the local engine's packages).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test bench install clean help

help:
	@echo "make run     start the local engine (:8001), the API (:8000) and the UI (:8002)"
	@echo "make test    run the whole test suite"
	@echo "make bench   measure the handler against bare boto3"

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hobopy needs Python 3.11 or newer; set PYTHON=python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	@touch $@

# Node.js is optional: without it the stack falls back to moto's in-memory server.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "warning: Node.js/npm not found; the local engine will be moto (in memory)."; \
	fi

run: install
	$(BIN)/hobopy run

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m devtools.bench

clean:
	rm -rf $(VENV) node_modules dist frontend/build .pytest_cache
