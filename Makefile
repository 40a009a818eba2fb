# Two commands do everything on a fresh clone:  `make run`  and  `make test`.
# Both set up .venv first (once; later runs skip it) and build the index if it is missing.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BOT    := $(VENV)/bin/election-bot
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0
# The versions the suite passed with: `make setup` installs exactly these; `make lock` renews it.
LOCK   := constraints.txt
PIP    := -m pip install --quiet --disable-pip-version-check -c $(LOCK)

.PHONY: setup run index test lint lock bench clean

setup: $(STAMP)

# torch goes first, pinned: it is the CPU build this machine's pip finds. Installed after
# sentence-transformers, pip would resolve a CUDA build with gigabytes of extras.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) $(PIP) $(TORCH)
	$(PY) $(PIP) -e '.[dev]'
	touch $(STAMP)

index: setup
	@test -e data/index/current || $(BOT) index

run: index
	@$(BOT) run

# Lint and type-check first, so CI (which runs `make test`) checks both.
test: lint
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

# Re-resolve pyproject.toml's dependencies in a fresh environment and pin what pip chose, then
# run `make test` (it reinstalls from the new pins) before committing constraints.txt.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check $(TORCH)
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	{ echo "# Pinned by \`make lock\` from pyproject.toml; \`make setup\` installs these versions."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .lock-venv

bench: index
	$(PY) -m benchmarks

clean:
	rm -rf data .pytest_cache .mypy_cache
