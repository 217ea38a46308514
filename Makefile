# `make test` and `make demo` work on a fresh machine with only Python and pip: each creates
# (or reuses) .venv, installs segrules with its pinned-range dependencies, then runs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Extras to install: CI adds `spark` (which also needs Java) so the SQL law runs on Spark too.
EXTRAS ?= dev
STAMP := $(VENV)/.installed-$(EXTRAS)
DATA := examples/data/customers.jsonl

.PHONY: test demo lint wheel-check docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(VENV)/bin/mypy --strict src

$(DATA): $(STAMP) examples/generate_customers.py
	$(PY) examples/generate_customers.py --out $(DATA)

# The example data is generated relative to 2026-11-01, so the demo evaluates at that moment.
NOW := 2026-11-01T00:00:00Z
SEG := $(VENV)/bin/segrules

demo: $(STAMP) $(DATA)
	$(SEG) check examples/segments
	$(SEG) members --segments examples/segments --customers $(DATA) --now $(NOW) \
		--engine duckdb --out examples/data/members.csv
	@echo "wrote examples/data/members.csv (on DuckDB)"; head -n 4 examples/data/members.csv
	$(SEG) sql big_spenders north_america_adults --segments examples/segments --dialect duckdb \
		--now $(NOW) --store main
	$(SEG) preview north_america_adults --segments examples/segments --customers $(DATA) \
		--now $(NOW) --store main --limit 5
	$(SEG) preview newsletter_vip --segments examples/segments --customers $(DATA) \
		--now $(NOW) --session examples/sessions.json:mobile_newsletter --limit 5
	$(SEG) test examples/tests

# Build the wheel, install it in a fresh venv outside the source tree, and load a segment there.
wheel-check: $(STAMP)
	rm -rf dist /tmp/segrules-wheel-venv
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .
	$(PYTHON) -m venv /tmp/segrules-wheel-venv
	/tmp/segrules-wheel-venv/bin/pip install --quiet dist/segrules-*.whl
	cd /tmp && /tmp/segrules-wheel-venv/bin/python -c "import segrules; \
	b = segrules.loads('segment vip { include where spent >= 500 }'); \
	assert b.matches('vip', {'spent': 600}); print('wheel ok:', b.names)"

docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict --site-dir site

# The peer engines the benchmarks compare with (GrowthBook, rule-engine, zen-engine) are in the
# `bench` extra; REPEAT fresh runs give the ranges of docs/performance.md.
REPEAT ?= 3
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run_all.py --repeat $(REPEAT)

clean:
	rm -rf $(VENV) dist site .pytest_cache .mypy_cache .ruff_cache .hypothesis
