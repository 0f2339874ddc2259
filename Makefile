# lossbook: the two commands that matter are `make book` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NB ?= chapters/*.ipynb
JOBS ?= 2
# Explorers render statically when the notebooks are executed or tested (lossbook/explore.py).
STATIC := LOSSBOOK_STATIC_EXPLORERS=1
# A step that fails leaves no target behind.
.DELETE_ON_ERROR:
# nbval compares outputs exactly, except the PNG frames inside a static explorer's HTML; a cell may take 120 s.
# loadfile runs each notebook whole on one worker; chapters/conftest.py records each notebook's time and its kernel's
# peak memory in $(BUDGET), which tools/notebook_budget.py reports.
NBVAL := $(BIN)/pytest -n $(JOBS) --dist loadfile --nbval --nbval-sanitize-with tests/nbval-sanitize.cfg \
	--nbval-cell-timeout 120
BUDGET := _build/notebooks
# The long steps say how long they took (bash's `time`), so that the CI log shows the time of each.
TIMED = TIMEFORMAT='[$@ took %0R s]'; time

.PHONY: help book pdf test lint unit notebooks execute memory bench lab freeze pins clean

help:
	@echo "make book      build the website into _build/html (creates .venv on first use)"
	@echo "make pdf       build the print edition into _build/latex/lossbook.pdf (needs xelatex)"
	@echo "make test      every check: lint, website, PDF, unit tests, notebook tests (time, memory), browser checks"
	@echo "make lint      ruff on the package, the tests, the tools, the benchmarks and the notebooks' code"
	@echo "make unit      the unit tests of lossbook only (quick)"
	@echo "make notebooks re-run the notebooks and compare with their stored outputs (nbval; NB=path for one)"
	@echo "make execute   re-execute notebooks in place and save their outputs (NB=path for one): the book shows them"
	@echo "make memory    peak memory of each chapter's kernel with live explorers, as on Binder; fails above 1 GB"
	@echo "make bench     measure lossbook's speed against PyTorch and the peer libraries (minutes; writes benchmarks/results/)"
	@echo "make lab       open the chapters in JupyterLab, with live explorers"
	@echo "make freeze    print the exact versions installed, for requirements.txt"
	@echo "make pins      copy the pins of requirements.txt into binder/requirements.txt (CPU PyTorch)"
	@echo "make clean     remove the build and the virtual environment"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(TIMED) $(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# The book shows the outputs committed in the notebooks (it executes nothing): `make execute` refreshes them.
book: $(STAMP)
	$(TIMED) $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The website is in _build/html: open _build/html/index.html in a browser."

pdf: $(STAMP)
	$(TIMED) $(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@echo "The print edition is _build/latex/lossbook.pdf."

# One pytest run: the tests, and every notebook re-executed and compared with its stored outputs (nbval); then each
# notebook's time and peak memory (fails if a notebook has no record or reaches 1 GB), even when a test failed.
test: lint book pdf
	rm -rf $(BUDGET)
	$(TIMED) $(STATIC) $(NBVAL) tests $(NB); status=$$?; $(BIN)/python tools/notebook_budget.py $(wildcard $(NB)) && exit $$status

lint: $(STAMP)
	$(BIN)/ruff check lossbook tests tools chapters benchmarks

unit: $(STAMP)
	$(BIN)/pytest -n $(JOBS) tests --ignore=tests/test_book.py --ignore=tests/test_pdf.py --ignore=tests/test_site_browser.py

notebooks: $(STAMP)
	rm -rf $(BUDGET)
	$(STATIC) $(NBVAL) $(NB); status=$$?; $(BIN)/python tools/notebook_budget.py $(wildcard $(NB)) && exit $$status

execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(wildcard $(NB))

# Live explorers, as on Binder (`make test` measures the notebook tests' kernels, which draw every explorer frame).
memory: $(STAMP)
	$(TIMED) $(BIN)/python tools/measure_memory.py $(wildcard $(NB))

bench: $(STAMP)
	$(TIMED) $(BIN)/python benchmarks/losses.py
	$(TIMED) $(BIN)/python benchmarks/chunked_cross_entropy.py

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

freeze: $(STAMP)
	@$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'

pins:
	{ grep -E '^(#|--)' binder/requirements.txt; grep -v '^#' requirements.txt | sed 's/^torch==\(.*\)$$/torch==\1+cpu/'; } \
		> binder/requirements.txt.new && mv binder/requirements.txt.new binder/requirements.txt

clean:
	rm -rf _build $(VENV)
