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
MEMORY_REPORT := _build/memory.txt
# A step that fails leaves no target behind (a memory report over the limit must not count as up to date).
.DELETE_ON_ERROR:
# nbval compares outputs exactly, except the PNG frames inside a static explorer's HTML.
NBVAL := $(BIN)/pytest -n $(JOBS) --dist loadfile --nbval --nbval-sanitize-with tests/nbval-sanitize.cfg
# The long steps say how long they took (bash's `time`), so that the CI log shows the time of each.
TIMED = TIMEFORMAT='[$@ took %0R s]'; time

.PHONY: help book pdf test lint unit notebooks execute memory lab freeze pins clean

help:
	@echo "make book      build the website into _build/html (creates .venv on first use)"
	@echo "make pdf       build the print edition into _build/latex/lossbook.pdf (needs xelatex)"
	@echo "make test      every check: lint, website, PDF, memory, unit tests, notebook tests, browser checks"
	@echo "make lint      ruff on the package, the tests, the tools and the notebooks' code"
	@echo "make unit      the unit tests of lossbook only (quick)"
	@echo "make notebooks re-run the notebooks and compare with their stored outputs (nbval; NB=path for one)"
	@echo "make execute   re-execute notebooks in place and save their outputs (NB=path for one)"
	@echo "make memory    peak memory of each chapter's kernel; fails above 1 GB (Binder's guarantee)"
	@echo "make lab       open the chapters in JupyterLab, with live explorers"
	@echo "make freeze    print the exact versions installed, for requirements.txt"
	@echo "make pins      copy the pins of requirements.txt into binder/requirements.txt (CPU PyTorch)"
	@echo "make clean     remove the build and the virtual environment"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(TIMED) $(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

book: $(STAMP)
	$(TIMED) $(STATIC) $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The website is in _build/html: open _build/html/index.html in a browser."

pdf: $(STAMP)
	$(TIMED) $(STATIC) $(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@echo "The print edition is _build/latex/lossbook.pdf."

test: lint book pdf $(MEMORY_REPORT)
	$(TIMED) $(STATIC) $(NBVAL) tests $(NB)

lint: $(STAMP)
	$(BIN)/ruff check lossbook tests tools chapters

unit: $(STAMP)
	$(BIN)/pytest -n $(JOBS) tests --ignore=tests/test_book.py --ignore=tests/test_pdf.py --ignore=tests/test_site_browser.py

notebooks: $(STAMP)
	$(STATIC) $(NBVAL) $(NB)

execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(wildcard $(NB))

memory: $(STAMP)
	rm -f $(MEMORY_REPORT)
	$(MAKE) $(MEMORY_REPORT)

# `make test` measures the chapters' memory again only when a chapter, the package or the pins have changed.
$(MEMORY_REPORT): $(STAMP) $(wildcard chapters/*.ipynb) $(wildcard lossbook/*.py) tools/measure_memory.py
	$(TIMED) $(BIN)/python tools/measure_memory.py

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

freeze: $(STAMP)
	@$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'

pins:
	{ grep -E '^(#|--)' binder/requirements.txt; grep -v '^#' requirements.txt | sed 's/^torch==\(.*\)$$/torch==\1+cpu/'; } \
		> binder/requirements.txt.new && mv binder/requirements.txt.new binder/requirements.txt

clean:
	rm -rf _build $(VENV)
