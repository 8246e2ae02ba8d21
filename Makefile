# grader: set up, grade the bundled examples, run the tests.
# `make demo` and `make test` are the README's Quick start; .ci/run calls `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := bubblewrap dataset-fashion-mnist python3-venv chromium
ASSIGNMENT := fashion_mnist_callback
EXAMPLES := $(wildcard assignments/$(ASSIGNMENT)/examples/*/submission.*) reference/$(ASSIGNMENT)/solution.ipynb assignments/$(ASSIGNMENT)/starter.ipynb
MNIST_EXAMPLES := $(wildcard assignments/mnist_callback/examples/*/submission.*)

.PHONY: setup system demo lint test quick-test clean

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
	@$(BIN)/python -c "from grader.data import mnist; raise SystemExit(mnist.locate().subset)" 2>/dev/null \
		|| $(BIN)/grader data build mnist >/dev/null \
		|| $(BIN)/python -c "from grader.data import mnist; mnist.locate()" 2>/dev/null || $(BIN)/grader data subset mnist >/dev/null
	$(BIN)/grader doctor

demo: setup
	$(BIN)/grader grade $(EXAMPLES) --assignment $(ASSIGNMENT) --out out/examples
	$(BIN)/grader grade $(MNIST_EXAMPLES) --assignment mnist_callback --out out/mnist_callback
	@echo "Reports: out/examples/*/report.md, out/mnist_callback/*/report.md"

lint: $(BIN)/grader
	$(BIN)/ruff check grader tests
	$(BIN)/ruff format --check grader tests
	$(BIN)/mypy

test: setup lint
	$(BIN)/python -m pytest -n 2

quick-test: lint
	$(BIN)/python -m pytest -n 2 -m "not slow"

clean:
	rm -rf out .pytest_cache
