# Two commands on a fresh machine: `make run` (install + start the app) and `make test` (install + all tests).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# llama.cpp's native build uses CPU features (AVX-512/AMX) some sandboxes and VMs forbid ("Illegal
# instruction"); build a portable AVX2 binary unless the user set CMAKE_ARGS themselves.
CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
export CMAKE_ARGS
PORT ?= 8501

.PHONY: install install-dev run test perf clean

# requirements first (llama-cpp-python's build above), then routeboard itself, editable: the `routeboard` command in
# $(VENV)/bin works from any folder and runs this checkout's code (the app, tests and scripts run from the checkout)
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev
	@sh scripts/ensure_chromium.sh

run: install
	$(PY) -m ui.serve --server.port $(PORT) --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false

test: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
