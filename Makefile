# The two commands of README.md: `make book` builds the book, `make test` runs the tests.
# Each does its own set-up: a virtual environment in .venv, a CPU build of PyTorch when none is
# installed there, and the package with its extras.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.effdyn-installed
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_VERSION ?= 2.13.0
BUDGET_MINUTES ?= 40

.PHONY: book test browser-check bench setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || \
	  $(BIN)/python -m pip install --timeout 30 --retries 1 \
	    --index-url $(TORCH_CPU_INDEX) --extra-index-url https://pypi.org/simple \
	    "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install -e ".[book,dev,peers]"
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/effdyn build --profile ci --budget-minutes $(BUDGET_MINUTES)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check lib tests benchmarks
	$(BIN)/python -m pytest

# The built book in headless Chromium (Debian's chromium and chromium-driver); after `make book`.
browser-check: $(STAMP)
	$(BIN)/python -m pytest -m browser tests/browser

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf book/_build
