# spi-engine: `make help` lists the targets. Every target installs what is missing first.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ADDR ?= localhost:50051
HTTP_ADDR ?= localhost:8080
PROTO_FILES := $(wildcard protos/spi/v1/*.proto)
NODE_EXAMPLE := examples/node
NODE_STAMP := $(NODE_EXAMPLE)/node_modules/.package-lock.json

.PHONY: help install run test pytest lint format typecheck proto check-generated breaking release-descriptor docs bench clean browser-deps screenshots

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST) \
	  | sed 's/\$$(ADDR)/$(ADDR)/g'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,client,plot,frames,bench,dev]'
	@touch $(STAMP)

# The Node.js example client's dependencies, exactly as locked (npm only; no install scripts run).
# Without npm it is left out and its test skips with a message.
$(NODE_STAMP): $(NODE_EXAMPLE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(NODE_EXAMPLE) --ignore-scripts --no-audit --no-fund; \
	else echo "npm not found: the Node.js example client ($(NODE_EXAMPLE)) is not installed; its test skips"; fi

install: $(STAMP) $(NODE_STAMP) ## Create .venv and install the package with every extra (server, client, plot, frames, bench), the dev tools, and the Node example's packages when npm exists (only when missing or stale)

run: $(STAMP) ## Start the service with the bundled rulesets: gRPC on ADDR=localhost:50051, HTTP/JSON (Connect) and the page on HTTP_ADDR=localhost:8080; DATASET=NAME=PATH adds a reference dataset
	$(BIN)/spi-server --address $(ADDR) --http-address $(HTTP_ADDR) $(if $(DATASET),--dataset $(DATASET))

test: $(STAMP) check-generated lint typecheck browser-deps pytest ## Run every check: generated code, lint, types, all tests

pytest: $(STAMP) $(NODE_STAMP) ## Run the test suite only
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff (lint + format check), buf lint and the breaking-change check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/buf lint protos
	$(MAKE) --no-print-directory breaking

breaking: $(STAMP) ## buf breaking: protos/ must stay compatible with the released API (protos/released/)
	$(BIN)/buf breaking protos --against protos/released/spi-v1.binpb

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy --strict on our code (generated code excluded)
	$(BIN)/mypy

proto: $(STAMP) ## Regenerate the Python messages from protos/ (no grpc stubs: the method tables come from the descriptor)
	$(BIN)/python -m grpc_tools.protoc -Iprotos --python_out=protos --pyi_out=protos $(PROTO_FILES)

check-generated: $(STAMP) ## Fail when the committed generated code differs from what protos/ generates
	@tmp=$$(mktemp -d) && \
	$(BIN)/python -m grpc_tools.protoc -Iprotos --python_out=$$tmp --pyi_out=$$tmp $(PROTO_FILES) && \
	for f in $$(cd $$tmp && find . -name '*_pb2*.py' -o -name '*_pb2*.pyi'); do \
	  cmp -s $$tmp/$$f protos/$$f || { echo "stale generated code: protos/$$f (run 'make proto')"; rm -rf $$tmp; exit 1; }; \
	done; \
	for f in $$(cd protos && find spi -name '*_pb2*.py' -o -name '*_pb2*.pyi'); do \
	  test -f $$tmp/$$f || { echo "generated file without a source: protos/$$f"; rm -rf $$tmp; exit 1; }; \
	done; rm -rf $$tmp; echo "generated code is up to date"

release-descriptor: $(STAMP) ## Record protos/ as the released API for the breaking-change check
	$(BIN)/buf build protos -o protos/released/spi-v1.binpb

browser-deps: ## Debian's chromium (apt) and playwright-core (npm ci) for the page tests, when missing
	@bash tests/browser/setup.sh || test $$? -eq 3

screenshots: $(STAMP) browser-deps ## Run the page tests and copy their screenshots into docs/img
	SPI_SCREENSHOTS=docs/img $(BIN)/python -m pytest tests/integration/test_page.py -q -p no:cacheprovider

docs: $(STAMP) ## Regenerate the server flags table in docs/service.md from spi-server's parser
	$(BIN)/python -m spi_server.flags_doc docs/service.md

bench: $(STAMP) ## Run the benchmarks (figures and ratios against baselines measured in the same run); the run's summary table replaces the one in README.md and docs/benchmarks.md, its whole output docs/bench-output.txt
	@mkdir -p out
	set -o pipefail; PYTHONUNBUFFERED=1 $(BIN)/python -m bench --summary out/bench-summary.md 2>&1 | tee out/bench-output.txt
	$(BIN)/python -m bench._publish out/bench-summary.md README.md docs/benchmarks.md
	cp out/bench-output.txt docs/bench-output.txt

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info $(NODE_EXAMPLE)/node_modules
