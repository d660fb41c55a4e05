# Two entry points that work on a fresh machine: `make demo` (the main job on embedded defaults) and `make test`.
# Both create the virtualenv and install what they need; re-running is cheap (stamp files).
VENV    ?= .venv
PY      := $(VENV)/bin/python
AIEV    := $(VENV)/bin/aiev
PYTEST_ARGS ?=
DEMO_DIR ?= runs/demo
DEMO_LIMIT ?= 3

.PHONY: setup model demo test bench clean

$(VENV)/.stamp-install: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -U pip wheel setuptools
	# The CPU build of torch is pinned and installed first so that no extra ever pulls a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[local,train,studio,dev]'
	touch $@

setup: $(VENV)/.stamp-install

model: setup
	$(AIEV) models pull local-qwen-0.5b

# Harvest seed snippets from the standard library, then run AIEV-Instruct on a few of them with the embedded model
# (Docker sandbox when an engine answers, the local sandbox otherwise).
demo: model
	$(AIEV) seeds harvest "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')/json" --out $(DEMO_DIR)/seeds.jsonl
	$(AIEV) generate --seeds $(DEMO_DIR)/seeds.jsonl --out $(DEMO_DIR) --limit $(DEMO_LIMIT) --sandbox auto --preset configs/demo.yaml

test: model
	$(PY) -m pytest -q -ra $(PYTEST_ARGS)

# The quick benchmarks (minutes). bench/humaneval_modes.py (hours on 2 cores) is run on its own: see the README.
bench: model
	for b in sandbox_humaneval local_model_tps decontam graph_overhead; do $(PY) bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
