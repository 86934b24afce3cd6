# Two commands do all set-up on a fresh machine (Python 3.11, pip, gcc):
#   make demo   - the synthetic end-to-end run; installs the core + the [demo] extra only
#   make test   - lint + tests; installs the whole test stack ([dev]) into the same .venv
# Either order works: [dev] contains everything [demo] needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_STAMP := $(VENV)/.demo-stamp
PYTEST_ARGS ?=
LINT_DIRS := src tests perf

.PHONY: demo test test-fast lint format test-slow bench clean

$(DEMO_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	@touch $(DEMO_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# pretrained weights shipped in a wheel, for the ppocr-det feature backbone (see pyproject [onnx])
	$(BIN)/python -m pip install --quiet --no-deps 'rapidocr-onnxruntime==1.4.4'
	# projectaria-tools without its notebook/plotting dependencies: the tests compare our Fisheye624
	# and Aria image spaces against it (the [aria] extra installs it with everything for users)
	$(BIN)/python -m pip install --quiet --no-deps 'projectaria-tools==2.3.0'
	@touch $(STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/egoexo-kit demo --out demo-release

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)

format: $(STAMP)
	$(BIN)/ruff format $(LINT_DIRS)
	$(BIN)/ruff check --fix $(LINT_DIRS)

test: lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-fast: lint
	$(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m slow $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in perf/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-release demo-release-demo .pytest_cache .ruff_cache
