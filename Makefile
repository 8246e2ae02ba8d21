# grader: set up, grade the bundled examples, run the tests.
# `make demo` and `make test` are the README's Quick start; .ci/run calls `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := bubblewrap dataset-fashion-mnist python3-venv chromium
ASSIGNMENT := fashion_mnist_callback
EXAMPLES := $(wildcard assignments/$(ASSIGNMENT)/examples/*/submission.*) reference/$(ASSIGNMENT)/solution.ipynb assignments/$(ASSIGNMENT)/starter.ipynb

.PHONY: setup system demo test quick-test clean

system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN)/grader: pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: system $(BIN)/grader
	$(BIN)/grader doctor

demo: setup
	$(BIN)/grader grade $(EXAMPLES) --assignment $(ASSIGNMENT) --out out/examples
	@echo "Reports: out/examples/*/report.md"

test: setup
	$(BIN)/python -m pytest -n 2

quick-test: $(BIN)/grader
	$(BIN)/python -m pytest -n 2 -m "not slow"

clean:
	rm -rf out .pytest_cache
