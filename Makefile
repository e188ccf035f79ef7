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

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) data
