# lossbook: the two commands that matter are `make book` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NB ?= chapters/*.ipynb
JOBS ?= 2
# Explorers render statically when the book is built or the notebooks are tested (lossbook/explore.py).
STATIC := LOSSBOOK_STATIC_EXPLORERS=1

.PHONY: help book test lint unit notebooks execute lab freeze clean

help:
	@echo "make book      build the website into _build/html (creates .venv on first use)"
	@echo "make test      every check: lint, book build, unit tests, notebook tests, website checks"
	@echo "make lint      ruff on the package, the tests, the tools and the notebooks' code"
	@echo "make unit      the unit tests of lossbook only (quick)"
	@echo "make notebooks re-run the notebooks and compare with their stored outputs (nbval; NB=path for one)"
	@echo "make execute   re-execute notebooks in place and save their outputs (NB=path for one)"
	@echo "make lab       open the chapters in JupyterLab, with live explorers"
	@echo "make freeze    print the exact versions installed, for requirements.txt"
	@echo "make clean     remove the build and the virtual environment"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

book: $(STAMP)
	$(STATIC) $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The website is in _build/html: open _build/html/index.html in a browser."

test: lint book
	$(STATIC) $(BIN)/pytest -n $(JOBS) --dist loadfile --nbval tests $(NB)

lint: $(STAMP)
	$(BIN)/ruff check lossbook tests tools chapters

unit: $(STAMP)
	$(BIN)/pytest -n $(JOBS) tests --ignore=tests/test_book.py

notebooks: $(STAMP)
	$(STATIC) $(BIN)/pytest -n $(JOBS) --dist loadfile --nbval $(NB)

execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(wildcard $(NB))

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

freeze: $(STAMP)
	@$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'

clean:
	rm -rf _build $(VENV)
