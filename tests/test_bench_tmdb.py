"""The TMDb crawl benchmark's parts: the bare TMDb spider makes the tmdb spider's calls against a
real sandbox, the sustained rate leaves start-up and tail out, bad options are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.bench_tmdb import Sampler
from sandbox import Sandbox, build_universe

from .conftest import ROOT

KEY = "bench-test-key"


def test_the_bare_tmdb_spider_fetches_max_titles_movies_once_each(tmp_path: Path) -> None:
    universe = build_universe(400, seed=3)
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        seeds = [f"tmdb:{universe.tmdb_id_of(universe.index(tt))}" for tt in sandbox.seeds(2)]
        command = [
            sys.executable, str(ROOT / "benchmarks" / "bare_spider.py"), "tmdb",
            "--api-url", sandbox.tmdb_url, "--seeds", ",".join(seeds), "--max-titles", "30",
            "-s", "LOG_LEVEL=WARNING", "-s", "TELNETCONSOLE_ENABLED=False",
        ]  # fmt: skip
        result = subprocess.run(
            command,
            cwd=tmp_path,  # Scrapy's defaults, as the benchmark runs it
            env={**os.environ, "TMDB_API_KEY": KEY},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        served = sandbox.stats()
    assert result.returncode == 0, result.stderr[-2000:]
    assert served["tmdb_responses_by_status"] == {"200": 30}
    assert set(served["tmdb_fetches"].values()) == {1} and len(served["tmdb_fetches"]) == 30
    assert {f"tmdb:{movie}" for movie in served["tmdb_fetches"]} >= set(seeds)


def test_the_sustained_rate_leaves_start_up_and_tail_out() -> None:
    sampler = Sampler("http://127.0.0.1:9")  # never started: rows given by hand
    # 2 s of start-up with nothing, 10 requests/s for 10 s, then a slow tail.
    sampler.rows = [(float(t), 0, 0) for t in range(3)]
    sampler.rows += [(2.0 + t, 10 * t, 5 * t) for t in range(1, 11)]
    sampler.rows += [(20.0, 110, 55)]
    assert abs(sampler.sustained(1) - 10.0) < 1e-9
    assert abs(sampler.sustained(2) - 5.0) < 1e-9
    assert Sampler("http://127.0.0.1:9").sustained(1) == 0.0


def test_bad_options_are_refused_with_their_name() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_tmdb", "--pages", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid --pages: expecting a positive number" in result.stderr
