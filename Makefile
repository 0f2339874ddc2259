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

.PHONY: help book test lint unit notebooks site-check execute lab clean freeze

help:
	@echo "make book      build the website into _build/html (creates .venv on first use)"
	@echo "make test      run every check: lint, unit tests, notebook tests, book build, site checks"
	@echo "make execute   re-execute notebooks in place and save their outputs (NB=path to pick one)"
	@echo "make lab       open the chapters in JupyterLab-free classic Jupyter (live explorers)"
	@echo "make clean     remove the build and the virtual environment"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

book: $(STAMP)
	$(STATIC) $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The website is in _build/html: open _build/html/index.html in a browser."

lint: $(STAMP)
	$(BIN)/ruff check lossbook tests tools chapters

unit: $(STAMP)
	$(BIN)/pytest -n $(JOBS) tests

notebooks: $(STAMP)
	$(STATIC) $(BIN)/pytest -n $(JOBS) --dist loadfile --nbval $(NB)

site-check: book
	$(BIN)/pytest tests/site

test: lint book
	$(STATIC) $(BIN)/pytest -n $(JOBS) --dist loadfile --nbval tests $(NB)

execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(wildcard $(NB))

lab: $(STAMP)
	$(BIN)/jupyter notebook chapters

freeze: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'

clean:
	rm -rf _build $(VENV)
