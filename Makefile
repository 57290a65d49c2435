# imdb-spider recipes. `make demo` runs the pipeline offline on the bundled sandbox;
# `make test` runs the test suite. Both set up .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Debian packages the tests and the demo use (installed when run as root). postgresql: the
# tests start their own throwaway server from its binaries (tests/postgres.py) on a free port;
# the cluster the package may start on 5432 is never used.
DEBS   ?= tinyproxy graphviz chromium postgresql

PORT     ?= 8000
SITE_PORT ?= 8080
TITLES   ?= 3000
SEED     ?= 1
ROUTE    ?= tmdb
DB       ?= crawls/imdb.sqlite
MAP      ?= site/data
GRAPHDIR ?= build/graph
# Whose recommendations `make export` maps: imdb, tmdb or all (the union).
SOURCE   ?= all
# Where new real IMDb pages arrive; `make fixtures` copies the ones tests/fixtures/imdb lacks.
SHARED_FIXTURES ?= ../shared/fixtures/imdb

.PHONY: help venv debs test lint demo sandbox fixtures export serve bench bench-reference clean

help:
	@echo "make demo     run the whole pipeline offline on the sandbox (ROUTE=tmdb|imdb)"
	@echo "make test     run the test suite (sets up .venv first)"
	@echo "make lint     ruff and mypy over the project"
	@echo "make sandbox  serve a sandbox IMDb on 127.0.0.1:$(PORT) (TITLES=$(TITLES) SEED=$(SEED))"
	@echo "make fixtures copy new real IMDb pages from $(SHARED_FIXTURES) into tests/fixtures/imdb"
	@echo "make export   crawl database DB=$(DB) -> map in $(MAP), graph files in $(GRAPHDIR) (SOURCE=$(SOURCE))"
	@echo "make serve    serve the site with the map in $(MAP) on 127.0.0.1:$(SITE_PORT)"
	@echo "make bench    run the benchmarks (results in bench-results/)"
	@echo "make bench-reference  crawl a 176,000-title sandbox to the end (long)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

debs:
	@if [ -n "$(strip $(DEBS))" ]; then \
	  missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	    else echo "please install these Debian packages:$$missing" >&2; exit 1; fi; \
	  fi; \
	fi

test: venv debs
	$(PY) -m pytest

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

sandbox: venv
	$(PY) -m sandbox --port $(PORT) --titles $(TITLES) --seed $(SEED)

# Plain python3: copying files needs nothing from the venv.
fixtures:
	$(PYTHON) -m devtools.fixtures --from $(SHARED_FIXTURES) --to tests/fixtures/imdb

export: venv
	$(PY) -m exporters all --db $(DB) --out $(MAP) --graph-dir $(GRAPHDIR) \
	    --source $(SOURCE) --reuse-layout

serve: venv
	$(PY) -m exporters.serve --port $(SITE_PORT) --data $(MAP) --quiet

demo: venv debs
	$(PY) -m devtools.demo --route $(ROUTE) --titles $(TITLES) --seed $(SEED) --map $(MAP) \
	    --serve $(SITE_PORT)

bench: venv
	mkdir -p bench-results
	$(PY) -m benchmarks.bench_parse | tee bench-results/parse.txt
	$(PY) -m benchmarks.bench_sandbox | tee bench-results/sandbox.txt
	$(PY) -m benchmarks.bench_crawl --pages 5000 --no-bare | tee bench-results/crawl-5k.txt
	$(PY) -m benchmarks.bench_crawl | tee bench-results/crawl.txt
	$(PY) -m benchmarks.bench_tmdb | tee bench-results/tmdb.txt
	$(PY) -m benchmarks.bench_formats | tee bench-results/formats.txt
	$(PY) -m benchmarks.bench_graphfile | tee bench-results/graphfile.txt
	$(PY) -m benchmarks.bench_layout --method clustered --method sfdp | tee bench-results/layout.txt
	$(PY) -m benchmarks.bench_export --keep | tee bench-results/export.txt
	$(PY) -m benchmarks.bench_datasets --pandas | tee bench-results/datasets.txt
	$(PY) -m benchmarks.bench_postgres | tee bench-results/postgres.txt
	$(PY) -m benchmarks.bench_site --tiles build/bench-export/data \
	    --screenshots bench-results/site | tee bench-results/site.txt
	$(PY) -m benchmarks.bench_site --tiles build/bench-export/data --renderer page \
	    | tee bench-results/site-page.txt
	$(PY) -m benchmarks.bench_site --tiles build/bench-export/data --renderer svg \
	    --screenshots bench-results/site | tee bench-results/site-svg.txt
	$(PY) -m benchmarks.bench_tonight --tiles build/bench-export/data | tee bench-results/tonight.txt
	$(PY) -m benchmarks.bench_ratings --tiles build/bench-export/data --large-rows 50000 \
	    | tee bench-results/ratings.txt
	$(PY) -m benchmarks.bench_dots --tiles build/bench-export/data --all-small \
	    | tee bench-results/dots.txt

# The reference-scale crawl: every title of a 176,000-title sandbox (long; not in CI). Small
# pages by default (the scaling in titles is the question; per-page cost is `make bench`'s);
# REALISTIC=1 serves ~1 MB pages (about 20 minutes here).
bench-reference: venv
	mkdir -p bench-results
	$(PY) -m benchmarks.bench_crawl --titles 176000 --pages 176000 --no-bare \
	    $(if $(REALISTIC),,--small-pages) | tee bench-results/crawl-176k.txt

clean:
	rm -rf $(VENV) build bench-results .pytest_cache .ruff_cache
