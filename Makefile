# Two commands do everything on a fresh clone:  `make run`  and  `make test`.
# Both set up .venv first (once; later runs skip it) and build the index if it is missing.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BOT    := $(VENV)/bin/election-bot
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0

.PHONY: setup run index test lint bench clean

setup: $(STAMP)

# torch goes first, pinned: it is the CPU build this machine's pip finds. Installed after
# sentence-transformers, pip would resolve a CUDA build with gigabytes of extras.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(TORCH)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

index: setup
	@test -e data/index/current || $(BOT) index

run: index
	@$(BOT) run

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: index
	$(PY) -m benchmarks

clean:
	rm -rf data .pytest_cache
