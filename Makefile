# ecsdev: two commands do all the set-up on a fresh machine: `make up` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAYOUT ?= layouts/demo/ecsdev.yaml
STAMP := $(VENV)/.installed

.PHONY: up down test test-fast test-slow check lint typecheck bench soak engine images clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

engine:
	bash scripts/docker-engine.sh

images: engine
	bash scripts/images.sh

## Runs the example layout: engine, images, then `ecsdev up` (detached) and where to reach it.
up: $(STAMP) images
	$(BIN)/ecsdev up -d -f $(LAYOUT)

down: $(STAMP)
	$(BIN)/ecsdev down -f $(LAYOUT)

## Every test: unit, engine, real Docker, moto server, TUI.
test: $(STAMP) images
	$(BIN)/python -m pytest -q -ra

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not docker"

lint: $(STAMP)
	$(BIN)/ruff check ecsdev emulator tests benchmarks
	$(BIN)/ruff format --check ecsdev emulator tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP) images
	$(BIN)/python -m benchmarks

## Long runs of external tools (Terraform against the endpoint, where it is installed).
test-slow: $(STAMP) images
	$(BIN)/python -m pytest -q -ra -m slow --timeout 1800

## Fault-injection runs (e.g. the endpoint killed 20 times during a rolling deployment).
soak: $(STAMP) images
	$(BIN)/python -m pytest -q -ra -m soak --timeout 1800

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
