# The two set-up commands are `make demo` and `make test`; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch, installed before anything that would pull in a CUDA build.
TORCH := torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench bench-judge bench-eval clean katex site

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[all,test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/papersift run --config examples/papersift.toml --from-file examples/2026-05-26/rss-cs.LG+cs.AI.xml --out out/demo
	@echo "The demo digest is in out/demo/latest.md (and out/demo/2026-05/2026-05-26.md)."

test: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# One line per benchmark script, the pipeline first.
bench: $(STAMP)
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/rank.py

# The selection-quality figures of the README, on the shared judged days.
bench-eval: $(STAMP)
	$(BIN)/python bench/eval.py

# The bundled KaTeX files are committed; this refreshes them from the npm registry.
katex:
	$(PYTHON) scripts/vendor_katex.py

site: $(STAMP)
	$(BIN)/papersift site build --config examples/papersift.toml --digests out/demo --out out/demo/site
	@echo "The demo site is in out/demo/site/index.html."

bench-judge: $(STAMP)
	$(BIN)/python bench/judge.py
	$(BIN)/python bench/judge_learning.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
