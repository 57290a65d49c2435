"""Many workers on one crawl database (issue #15): ``scrapy crawl imdb`` processes pointed at one
real PostgreSQL server (tests/postgres.py) crawl one sandbox together.

The truth is the same as in test_crawl_e2e.py: the sandbox's universe says what is reachable,
its per-title fetch counts say how often each title was fetched, and one clean SQLite crawl of
the same sandbox is what the workers together must end with.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from imdb_spider.store import Store
from sandbox import Sandbox, Universe, build_universe

from .conftest import ROOT, crawl_command
from .postgres import PASSWORD
from .test_crawl_e2e import CRAWL_TIMEOUT, expected_edges, reachable, run_crawl, stored

WORKERS = 3


@pytest.fixture(scope="module")
def universe() -> Universe:
    return build_universe(600, seed=7)


def _start(command: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _wait_all(processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + CRAWL_TIMEOUT
    try:
        for process in processes:
            status = process.wait(max(1.0, deadline - time.monotonic()))
            assert status == 0, status
    finally:
        _stop(processes)


def _stop(processes: list[subprocess.Popen]) -> None:
    """Kill whichever of ``processes`` still runs (a failed test leaves none behind)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def _worker_command(sandbox: Sandbox, url: str, seeds: list[str], **settings) -> list[str]:
    base = {"CONCURRENT_REQUESTS": 4, "CONCURRENT_REQUESTS_PER_DOMAIN": 4}
    return crawl_command(sandbox.base_url, url, seeds, settings={**base, **settings})


def test_three_workers_crawl_like_one_sqlite_crawl(universe, pg_url: str, tmp_path: Path) -> None:
    """Three workers end with exactly the titles and edges of one clean SQLite crawl, each
    title fetched once (so never by two workers at the same time), every worker did part of
    it, and the password of the URL is in no log line and no summary."""
    with Sandbox(universe, small_pages=True, seed=7) as sandbox:
        seeds = sandbox.seeds(2)
        sqlite_db = tmp_path / "one.sqlite"
        run_crawl(_worker_command(sandbox, str(sqlite_db), seeds))
        sandbox.reset_stats()
        logs = [tmp_path / f"worker{i}.log" for i in range(WORKERS)]
        summaries = [tmp_path / f"summary{i}.json" for i in range(WORKERS)]
        # The delay is the total of the live workers' (IMDB_RATE_IS_TOTAL): each waits three
        # times as long; the heartbeat (a third of the lease) counts them.
        shared = {"IMDB_RATE_IS_TOTAL": 1, "DOWNLOAD_DELAY": 0.01, "IMDB_LEASE_SECONDS": 9}
        workers = [
            _start(
                _worker_command(sandbox, pg_url, seeds, IMDB_SUMMARY_PATH=summary, **shared), log
            )
            for log, summary in zip(logs, summaries, strict=True)
        ]
        _wait_all(workers)
        served = sandbox.stats()
    expected = reachable(universe, seeds)
    assert stored(sqlite_db) == (expected, expected_edges(universe, expected))
    assert stored(pg_url) == stored(sqlite_db)
    assert served["fetches"] == dict.fromkeys(expected, 1)
    with Store(pg_url, create=False) as store:
        summary = store.summary()
    assert summary["frontier"] == {"pending": 0, "done": len(expected), "failed": 0}
    assert summary["leases"] == {"held": 0, "stale": 0}
    assert len(summary["workers"]) == WORKERS
    workers_seen = [(w["reason"], w["pages"], w["claims"]) for w in summary["workers"]]
    assert all(w["reason"] == "finished" for w in summary["workers"]), workers_seen
    assert sum(w["pages"] for w in summary["workers"]) == len(expected), workers_seen
    # A shared crawl (a worker that started last may find little left to claim).
    assert sum(w["pages"] > 0 for w in summary["workers"]) >= 2, workers_seen
    assert all(run["clean"] and run["reason"] == "finished" for run in summary["runs"])
    for path in (*logs, *summaries):
        text = path.read_text()
        assert PASSWORD not in text, path
    reports = [json.loads(path.read_text()) for path in summaries]
    assert reports[0]["database"]["path"].startswith("postgresql://crawler:***@127.0.0.1:")
    assert max(r["stats"].get("imdb/live_workers_max", 0) for r in reports) == WORKERS
    delays = [r["stats"].get("imdb/download_delay_max", 0) for r in reports]
    assert max(delays) == pytest.approx(0.03)


def _kill_moments(rng: random.Random) -> list[float]:
    """Three moments, in title fetches served: early, mid-crawl and anywhere."""
    return sorted(rng.sample(range(10, 300), 3))


def test_a_worker_killed_three_times_loses_nothing(universe, pg_url: str, tmp_path: Path) -> None:
    """One of three workers is killed with SIGKILL at three seeded random moments and
    restarted each time: its leases run out, the others take its titles, and the crawl ends
    with exactly the titles and edges of an uninterrupted one; a title is fetched again only
    if it was in flight in a killed worker."""
    rng = random.Random("pg-kill-1")
    moments = _kill_moments(rng)
    concurrency = 4
    settings = {"IMDB_LEASE_SECONDS": 2}
    with Sandbox(universe, small_pages=True, seed=7) as sandbox:
        seeds = sandbox.seeds(2)
        command = _worker_command(sandbox, pg_url, seeds, **settings)
        log = tmp_path / "workers.log"
        steady = [_start(command, log) for _ in range(WORKERS - 1)]
        # The victim comes back as another machine or as the same one, in turn: the titles
        # of a lost machine wait for its leases to run out; a restart on the same machine
        # hands its dead predecessor's back at once.
        machines = ["machine-b", "machine-c"]
        victim = _start([*command, "-s", f"IMDB_WORKER_HOST={machines[0]}"], log)
        kills = 0
        for moment in moments:
            while sandbox.stats(detail=False)["title_fetches"] < moment:
                assert victim.poll() is None, "the crawl ended before the kill"
                time.sleep(0.002)
            os.kill(victim.pid, signal.SIGKILL)
            assert victim.wait(30) == -signal.SIGKILL
            kills += 1
            host = machines[kills % 2]
            victim = _start([*command, "-s", f"IMDB_WORKER_HOST={host}"], log)
        _wait_all([*steady, victim])
        served = sandbox.stats()
    expected = reachable(universe, seeds)
    titles, edges = stored(pg_url)
    assert titles == expected, moments
    assert edges == expected_edges(universe, expected), moments
    assert set(served["fetches"]) == expected
    refetches = sum(count - 1 for count in served["fetches"].values())
    assert refetches <= kills * concurrency, (refetches, moments)
    with Store(pg_url, create=False) as store:
        summary = store.summary()
    assert summary["frontier"]["pending"] == 0 and summary["frontier"]["failed"] == 0
    assert summary["leases"] == {"held": 0, "stale": 0}
    workers = summary["workers"]
    # A kill may land before the worker registered; every worker not killed finished; a
    # killed one is recorded as died when a later restart on its machine found it gone.
    assert WORKERS < len(workers) <= WORKERS + kills
    assert [w["reason"] for w in workers].count("finished") == WORKERS
    assert {w["reason"] for w in workers} - {"finished"} <= {"died", None}
    assert {w["host"] for w in workers} >= set(machines)
    assert PASSWORD not in log.read_text()


def test_two_tmdb_workers_share_one_frontier(pg_url: str, tmp_path: Path) -> None:
    """``scrapy crawl tmdb`` on a shared frontier: two workers store the sandbox's truth, each
    movie asked of TMDb once, and the key is in no log line."""
    from .test_tmdb_crawl import KEY, tmdb_seeds, truth
    from .test_tmdb_crawl import command as tmdb_command
    from .test_tmdb_crawl import stored as tmdb_stored

    universe = build_universe(400, seed=3)
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        indices, seeds = tmdb_seeds(universe, sandbox)
        log = tmp_path / "tmdb.log"
        env = {**os.environ, "TMDB_API_KEY": KEY}
        env.pop("TMDB_ACCESS_TOKEN", None)
        command = tmdb_command(sandbox, pg_url, seeds, CONCURRENT_REQUESTS=4)  # type: ignore[arg-type]
        with open(log, "ab") as out:
            workers = [
                subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
                for _ in range(2)
            ]
        _wait_all(workers)
        served = sandbox.stats()
    expected_titles, expected_edges = truth(universe, indices)
    titles, edges, summary = tmdb_stored(pg_url)  # type: ignore[arg-type]
    assert (titles, edges) == (expected_titles, expected_edges)
    assert summary["frontier"]["pending"] == 0 and summary["frontier"]["failed"] == 0
    assert set(served["tmdb_fetches"].values()) == {1}
    assert len(served["tmdb_fetches"]) == len(expected_titles)
    assert [w["spider"] for w in summary["workers"]] == ["tmdb", "tmdb"]
    text = log.read_text()
    assert KEY not in text and PASSWORD not in text
