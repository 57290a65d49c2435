"""End-to-end crawls: ``scrapy crawl imdb`` in a subprocess against the sandbox (in this
process, on 127.0.0.1) through real local proxies, killed, interrupted and faulted.

The truth is the sandbox's own: its universe says what is reachable, and its counters say
what it served and how often each title was fetched.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import pytest

from devtools.localproxies import BadProxy, TinyProxy, dead_proxy_url
from imdb_spider.store import Store
from sandbox import Sandbox, Universe, build_universe

from .conftest import ROOT, crawl_command

CRAWL_TIMEOUT = 180


@pytest.fixture(scope="module")
def universe() -> Universe:
    return build_universe(1300, seed=7)


@pytest.fixture(scope="module")
def small_universe() -> Universe:
    return build_universe(300, seed=3)


@pytest.fixture(params=["sqlite", "postgresql"])
def crawl_db(request, tmp_path: Path) -> Path | str:
    """A new crawl database on either engine: a SQLite file, or a database on the tests'
    PostgreSQL server (tests/postgres.py)."""
    if request.param == "sqlite":
        return tmp_path / "crawl.sqlite"
    return request.getfixturevalue("pg_url")


def reachable(universe: Universe, seeds: list[str]) -> set[str]:
    """Every title a breadth-first crawl following all recommendations reaches."""
    seen = set(seeds)
    queue = deque(universe.index(s) for s in seeds)
    while queue:
        i = queue.popleft()
        for j in universe.recommendations_of(i).tolist():
            tt = universe.id_of(j)
            if tt not in seen:
                seen.add(tt)
                queue.append(j)
    return seen


def run_crawl(command: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=CRAWL_TIMEOUT, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def stored(db: Path | str) -> tuple[set[str], dict[str, list[str]]]:
    with Store(db, create=False) as store:
        titles = {t["id"] for t in store.titles()}
        edges: dict[str, list[str]] = {}
        for source, target, _rank in store.edges():
            edges.setdefault(source, []).append(target)
        assert store.integrity_check() == "ok"
    return titles, edges


def expected_edges(universe: Universe, titles: set[str]) -> dict[str, list[str]]:
    out = {}
    for tt in titles:
        recs = [universe.id_of(j) for j in universe.recommendations_of(universe.index(tt))]
        if recs:
            out[tt] = recs
    return out


def test_crawl_through_proxies_fetches_each_title_once(
    universe, tmp_path: Path, crawl_db: Path | str
) -> None:
    with (
        Sandbox(universe, small_pages=True, seed=7) as sandbox,
        TinyProxy() as good,
        BadProxy("captcha") as captcha,
        BadProxy("waf") as waf,
    ):
        seeds = sandbox.seeds(3)
        dead = dead_proxy_url()
        proxies = tmp_path / "proxies.txt"
        proxies.write_text(f"{good.url}\n{captcha.url}\n{waf.url}\n{dead}\n")
        db, summary = crawl_db, tmp_path / "summary.json"
        run_crawl(
            crawl_command(
                sandbox.base_url,
                db,
                seeds,
                settings={"ROTATING_PROXY_LIST_PATH": proxies, "IMDB_SUMMARY_PATH": summary},
            )
        )
        served = sandbox.stats()
        bad_urls = (captcha.url, waf.url, dead)
        good_url, good_via = good.url, good.via_name
        bad_requests = (captcha.requests, waf.requests)
    expected = reachable(universe, seeds)
    assert len(expected) >= 1000
    # Server side: every reachable title fetched exactly once (bad proxies never reach it),
    # and every fetch came through tinyproxy (its Via header).
    assert served["fetches"] == dict.fromkeys(expected, 1)
    assert served["via"] == {good_via: len(expected)}
    # Database side: exactly the titles and edges the sandbox served.
    titles, edges = stored(db)
    assert titles == expected
    assert edges == expected_edges(universe, expected)
    report = json.loads(summary.read_text())
    by_proxy = {row["proxy"]: row for row in report["proxies"]}
    assert by_proxy[good_url]["bans"] == 0 and by_proxy[good_url]["state"] == "good"
    for bad in bad_urls:
        assert by_proxy[bad]["bans"] >= 1 and by_proxy[bad]["state"] == "dead"
    assert min(bad_requests) >= 1
    assert report["reason"] == "finished"


def _signal_after_pages(command: list[str], sandbox: Sandbox, pages: int, sig: int) -> int:
    """Start the crawl and send it ``sig`` once the sandbox has served ``pages`` more title
    fetches, so the signal lands mid-crawl whatever the machine's speed; returns the exit
    status."""
    target = sandbox.stats(detail=False)["title_fetches"] + pages
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + CRAWL_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if sandbox.stats(detail=False)["title_fetches"] >= target:
            os.kill(process.pid, sig)
            break
        time.sleep(0.005)
    return process.wait(60)


# How many seeded kill schedules each (concurrency, JOBDIR) case runs; the tally runs
# 20 (IMDB_KILL_SCHEDULES=20 python -m pytest -k kill_9).
KILL_SCHEDULES = int(os.environ.get("IMDB_KILL_SCHEDULES", "3"))


def _kill_moments(rng: random.Random) -> list[tuple[str, float]]:
    """Three kill moments in time, in random order: within the first second of a run, right
    after the restarted crawl's first page, and anywhere in its first seconds."""
    moments = [
        ("seconds", rng.uniform(0.0, 1.0)),
        ("after_first_page", rng.uniform(0.0, 0.15)),
        ("seconds", rng.uniform(1.0, 4.0)),
    ]
    rng.shuffle(moments)
    return moments


def _kill_at(command: list[str], sandbox: Sandbox, moment: tuple[str, float]) -> tuple[bool, int]:
    """Start the crawl and SIGKILL it at ``moment``; returns (killed, pages served meanwhile).
    A crawl that ends before the moment comes is not killed."""
    kind, delay = moment
    before = sandbox.stats(detail=False)["title_fetches"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.monotonic()
    deadline = started + CRAWL_TIMEOUT
    due = started + delay if kind == "seconds" else None
    while process.poll() is None and time.monotonic() < deadline:
        now = time.monotonic()
        if due is None and sandbox.stats(detail=False)["title_fetches"] > before:
            due = now + delay
        if due is not None and now >= due:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    status = process.wait(60)
    served = sandbox.stats(detail=False)["title_fetches"] - before
    return status == -signal.SIGKILL, served


KILL_CASES = [
    pytest.param(c, j, "sqlite", id=f"{c}-{'jobdir' if j else 'no-jobdir'}")
    for c in (1, 4, 16)
    for j in (False, True)
] + [pytest.param(4, False, "postgresql", id="4-no-jobdir-postgresql")]


@pytest.mark.parametrize(("concurrency", "jobdir", "engine"), KILL_CASES)
def test_kill_9_at_random_moments_loses_nothing(
    universe, tmp_path: Path, request, *, concurrency: int, jobdir: bool, engine: str
) -> None:
    """Three SIGKILLs at random moments in time, then one run to the end, for several seeded
    schedules: exactly the titles and edges of an uninterrupted crawl, at most
    ``concurrency`` pages fetched again per kill, nothing left pending. (On PostgreSQL too:
    the restarted worker hands its dead predecessor's claims back at once.)"""
    server = request.getfixturevalue("postgres_server") if engine == "postgresql" else None
    expected_titles: set[str] | None = None
    for schedule in range(KILL_SCHEDULES):
        rng = random.Random(f"kill-{concurrency}-{jobdir}-{schedule}")
        run_dir = tmp_path / f"schedule-{schedule}"
        db = server.new_database() if server else run_dir / "crawl.sqlite"
        settings: dict[str, object] = {
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        }
        if jobdir:
            settings["JOBDIR"] = run_dir / "job"
        with Sandbox(universe, small_pages=True, seed=7) as sandbox:
            seeds = sandbox.seeds(2)
            if expected_titles is None:
                expected_titles = reachable(universe, seeds)
            command = crawl_command(sandbox.base_url, db, seeds, settings=settings)
            moments = _kill_moments(rng)
            killed = [_kill_at(command, sandbox, moment)[0] for moment in moments]
            kills = sum(killed)
            run_crawl(command)
            served = sandbox.stats()
        where = f"schedule {schedule}: {moments}"
        titles, edges = stored(db)
        assert titles == expected_titles, where
        assert edges == expected_edges(universe, expected_titles), where
        assert set(served["fetches"]) == expected_titles, where
        refetches = sum(count - 1 for count in served["fetches"].values())
        assert refetches <= kills * concurrency, (refetches, kills, where)
        with Store(db, create=False) as store:
            summary = store.summary()
        assert summary["frontier"]["pending"] == 0, where
        assert summary["frontier"]["failed"] == 0, where
        # A run killed before it finished is unclean (a kill in the first second may come
        # before the run is even recorded; one that lands after the finish changes nothing);
        # the last run finished cleanly.
        runs = summary["runs"]
        assert len(runs) <= len(killed) + 1, where
        assert all(run["clean"] == (run["finished_at"] is not None) for run in runs), where
        assert runs[-1]["clean"] and runs[-1]["reason"] == "finished", where


def _crawl_with(command: list[str], scheduler: str, **env: str) -> subprocess.CompletedProcess:
    command = [*command, "-s", f"SCHEDULER=tests.schedulers.{scheduler}"]
    return subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
        check=False,
        env={**os.environ, **env},
    )


def _last_log_line(result: subprocess.CompletedProcess) -> str:
    """The spider's last line, before Scrapy's own closing lines and stats dump."""
    return [line for line in result.stderr.splitlines() if "[imdb_spider." in line][-1]


def test_a_queue_that_loses_requests_never_ends_the_crawl_early(
    small_universe, tmp_path: Path, crawl_db: Path | str
) -> None:
    with Sandbox(small_universe, small_pages=True, seed=3) as sandbox:
        seeds = sandbox.seeds(2)
        db = crawl_db
        command = crawl_command(sandbox.base_url, db, seeds, settings={"JOBDIR": tmp_path / "j"})
        result = _crawl_with(command, "LossyScheduler", LOSSY_FROM="10", LOSSY_DROP="25")
        assert result.returncode == 0, result.stderr[-3000:]
        served = sandbox.stats()
    expected = reachable(small_universe, seeds)
    assert "the queue ran dry with" in result.stderr
    titles, edges = stored(db)
    assert titles == expected
    assert edges == expected_edges(small_universe, expected)
    assert served["fetches"] == dict.fromkeys(expected, 1)
    with Store(db, create=False) as store:
        (run,) = store.summary()["runs"]
    assert run["clean"] and run["reason"] == "finished"


def test_a_title_the_queue_always_loses_stops_the_crawl_unclean(
    small_universe, crawl_db: Path | str
) -> None:
    with Sandbox(small_universe, small_pages=True, seed=3) as sandbox:
        seeds = sandbox.seeds(2)
        lost = sorted(reachable(small_universe, seeds) - set(seeds))[0]
        db = crawl_db
        command = crawl_command(sandbox.base_url, db, seeds)
        result = _crawl_with(command, "LossyScheduler", LOSSY_ALWAYS=lost)
        assert result.returncode == 0, result.stderr[-3000:]
    with Store(db, create=False) as store:
        (run,) = store.summary()["runs"]
        assert store.state(lost) == "pending"
    assert (run["clean"], run["reason"]) == (False, "frontier_stuck")
    assert "recorded as unclean" in _last_log_line(result)


def test_a_scheduler_error_is_never_a_clean_run(small_universe, crawl_db: Path | str) -> None:
    with Sandbox(small_universe, small_pages=True, seed=3) as sandbox:
        seeds = sandbox.seeds(2)
        db = crawl_db
        command = crawl_command(sandbox.base_url, db, seeds)
        result = _crawl_with(command, "RaisingScheduler", RAISE_AT="30")
        assert result.returncode == 0, result.stderr[-3000:]
        run_crawl(command)
    assert "FileNotFoundError" in result.stderr
    last = _last_log_line(result)
    assert "recorded as unclean: its scheduler raised 1 errors" in last, last
    titles, _ = stored(db)
    assert titles == reachable(small_universe, seeds)
    with Store(db, create=False) as store:
        runs = [(r["clean"], r["reason"]) for r in store.summary()["runs"]]
    assert runs[0][0] is False and runs[-1] == (True, "finished")


def test_one_ctrl_c_with_jobdir_refetches_nothing(
    universe, tmp_path: Path, crawl_db: Path | str
) -> None:
    with Sandbox(universe, small_pages=True, seed=7) as sandbox:
        seeds = sandbox.seeds(2)
        db = crawl_db
        command = crawl_command(
            sandbox.base_url,
            db,
            seeds,
            settings={"CONCURRENT_REQUESTS": 2, "JOBDIR": tmp_path / "job"},
        )
        status = _signal_after_pages(command, sandbox, 200, signal.SIGINT)
        assert status == 0
        interrupted = sandbox.stats()
        run_crawl(command)
        served = sandbox.stats()
    expected = reachable(universe, seeds)
    assert 0 < len(interrupted["fetches"]) < len(expected), "Ctrl-C came too late or too early"
    titles, _ = stored(db)
    assert titles == expected
    assert served["fetches"] == dict.fromkeys(expected, 1)
    with Store(db, create=False) as store:
        runs = [(bool(r["clean"]), r["reason"]) for r in store.summary()["runs"]]
    assert runs == [(True, "shutdown"), (True, "finished")]


def _database_bytes(db: Path | str, tmp_path: Path) -> bytes:
    """Every byte of a crawl database: the SQLite file, or a PostgreSQL crawl copied into one
    (``python -m imdb_spider.store copy``)."""
    if isinstance(db, Path):
        return db.read_bytes()
    copy = tmp_path / "copy.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "imdb_spider.store", "copy", db, str(copy)],
        cwd=ROOT, capture_output=True, text=True, timeout=CRAWL_TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return copy.read_bytes()


def test_all_proxies_dead_stops_cleanly_then_resumes(
    small_universe, tmp_path: Path, crawl_db: Path | str
) -> None:
    with Sandbox(small_universe, small_pages=True, seed=3) as sandbox, BadProxy("captcha") as bad:
        seeds = sandbox.seeds(2)
        db, summary = crawl_db, tmp_path / "summary.json"
        proxies = tmp_path / "proxies.txt"
        proxies.write_text(f"{dead_proxy_url()}\nhttp://user:hunter2@{bad.url[7:]}\n")
        settings = {"ROTATING_PROXY_LIST_PATH": proxies, "IMDB_SUMMARY_PATH": summary}
        result = run_crawl(crawl_command(sandbox.base_url, db, seeds, settings=settings))
        assert "every proxy is dead" in result.stderr
        assert "hunter2" not in result.stderr  # credentials never logged
        report = json.loads(summary.read_text())
        assert report["reason"] == "all_proxies_dead"
        assert report["database"]["frontier"]["pending"] >= len(seeds)
        assert "hunter2" not in summary.read_text()
        assert b"hunter2" not in _database_bytes(db, tmp_path)
        with TinyProxy() as good:
            proxies.write_text(f"{good.url}\n")
            run_crawl(crawl_command(sandbox.base_url, db, seeds, settings=settings))
        served = sandbox.stats()
    expected = reachable(small_universe, seeds)
    titles, _ = stored(db)
    assert titles == expected
    assert served["fetches"] == dict.fromkeys(expected, 1)


FAULT_RATES = {
    "reset": 0.05,
    "status403": 0.05,
    "status429": 0.05,
    "status503": 0.05,
    "waf": 0.08,
    "captcha": 0.05,
    "consent": 0.05,
    "truncate": 0.05,
    "unknown_layout": 0.05,
    "empty_mlt": 0.08,
    "slow": 0.05,
}


def test_every_fault_is_survived(small_universe, crawl_db: Path | str) -> None:
    faults = {"rates": FAULT_RATES, "slow_seconds": 0.3}
    with Sandbox(small_universe, small_pages=True, seed=3, faults=faults) as sandbox:
        seeds = sandbox.seeds(2)
        db = crawl_db
        settings = {"IMDB_MAX_ATTEMPTS": 20, "IMDB_BAN_BACKOFF": 0.05, "IMDB_BAN_BACKOFF_MAX": 0.2}
        run_crawl(crawl_command(sandbox.base_url, db, seeds, settings=settings))
        served = sandbox.stats()
    expected = reachable(small_universe, seeds)
    titles, edges = stored(db)
    assert titles == expected
    assert edges == expected_edges(small_universe, expected)
    assert set(served["faults"]) == set(FAULT_RATES), served["faults"]
    with Store(db, create=False) as store:
        kinds = store.summary()["failures_by_kind"]
    for kind in ("blocked-waf-challenge", "blocked-captcha", "blocked-consent", "parse",
                 "empty-recommendations"):  # fmt: skip
        assert kinds.get(kind, 0) >= 1, kinds


def test_permanent_faults_end_in_the_right_state(small_universe, crawl_db: Path | str) -> None:
    with Sandbox(small_universe, small_pages=True, seed=3) as sandbox:
        seeds = sandbox.seeds(2)
        layout_broken, banned, empty = (
            seeds[1],
            *sorted(reachable(small_universe, seeds) - set(seeds))[:2],
        )
        alias, survivor = next(iter(small_universe.aliases.items()))
        sandbox.set_faults(
            {"ids": {"unknown_layout": [layout_broken], "waf": [banned], "empty_mlt": [empty]}}
        )
        db = crawl_db
        settings = {"IMDB_MAX_ATTEMPTS": 3, "IMDB_BAN_BACKOFF": 0.05, "IMDB_BAN_BACKOFF_MAX": 0.1}
        missing = "tt00000001"
        run_crawl(
            crawl_command(
                sandbox.base_url, db, [seeds[0], layout_broken, alias, missing], settings=settings
            )
        )
        served = sandbox.stats()
    with Store(db, create=False) as store:
        assert store.state(layout_broken) == "failed"
        assert store.state(banned) == "failed"
        assert store.state(missing) == "failed"
        assert store.state(empty) == "done"
        assert store.aliases() == {alias: survivor}
        assert store.state(survivor) == "done"
        titles = {t["id"]: t for t in store.titles()}
        failures = store.db.execute(
            "SELECT title_id, kind, count(*) FROM failures GROUP BY 1, 2"
        ).fetchall()
    # The empty "More like this" page was fetched again twice, then believed.
    assert titles[empty]["recommendations_state"] == "empty"
    assert served["fetches"][empty] == 3
    assert (layout_broken, "parse", 3) in failures
    assert (banned, "blocked-waf-challenge", 3) in failures
    assert (missing, "http-404", 1) in failures
    assert served["fetches"][layout_broken] == 3


# Served on every fetch of one title each: what the crawl must record, and whether it is a ban.
PERMANENT = {
    "status403": ("http-403", "status-403"),
    "status429": ("http-429", "status-429"),
    "status503": ("http-503", "status-503"),
    "captcha": ("blocked-captcha", "captcha"),
    "consent": ("blocked-consent", "consent"),
    "reset": ("download", None),
    "truncate": ("download", None),
    "slow": ("download", None),  # slower than DOWNLOAD_TIMEOUT: a timeout
}


def test_permanent_http_and_connection_faults_are_recorded_and_given_up(
    small_universe, tmp_path: Path, crawl_db: Path | str
) -> None:
    attempts, retries = 3, 2  # IMDB_MAX_ATTEMPTS, Scrapy's RETRY_TIMES (settings.py)
    with Sandbox(small_universe, small_pages=True, seed=3) as sandbox:
        seeds = sandbox.seeds(2)
        others = sorted(reachable(small_universe, seeds) - set(seeds))
        faulted = dict(zip(PERMANENT, others, strict=False))
        sandbox.set_faults({"ids": {k: [t] for k, t in faulted.items()}, "slow_seconds": 3})
        db, summary = crawl_db, tmp_path / "summary.json"
        settings = {
            "IMDB_MAX_ATTEMPTS": attempts,
            "IMDB_BAN_BACKOFF": 0.05,
            "IMDB_BAN_BACKOFF_MAX": 0.1,
            "DOWNLOAD_TIMEOUT": 1,
            "IMDB_SUMMARY_PATH": summary,
        }
        run_crawl(crawl_command(sandbox.base_url, db, seeds, settings=settings))
        served = sandbox.stats()
    stats = json.loads(summary.read_text())["stats"]
    with Store(db, create=False) as store:
        for kind, tt in faulted.items():
            failure, ban = PERMANENT[kind]
            assert store.state(tt) == "failed", kind
            rows = store.db.execute(
                "SELECT kind, count(*) FROM failures WHERE title_id = ? GROUP BY kind", (tt,)
            ).fetchall()
            assert rows == [(failure, attempts)], (kind, rows)
            # Bounded: our attempts times Scrapy's retries (a reset may cost the HTTP client
            # one silent reconnect per try).
            assert 1 <= served["fetches"][tt] <= 2 * attempts * (retries + 1), kind
            if ban is not None:
                assert stats[f"imdb/bans/{ban}"] >= attempts, (kind, stats)
        # Everything else was crawled.
        done = {t["id"] for t in store.titles()}
    assert done == reachable(small_universe, seeds) - set(faulted.values()) - _unreached(
        small_universe, seeds, set(faulted.values())
    )
    assert stats["imdb/given_up"] == len(faulted)


def _unreached(universe: Universe, seeds: list[str], blocked: set[str]) -> set[str]:
    """Titles reachable only through the blocked ones."""
    seen, queue = set(seeds), deque(seeds)
    while queue:
        tt = queue.popleft()
        if tt in blocked:
            continue
        for j in universe.recommendations_of(universe.index(tt)).tolist():
            nxt = universe.id_of(j)
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return reachable(universe, seeds) - seen


def test_imdb_s_waf_stops_the_crawl_cleanly_and_names_the_route_that_works(
    small_universe, tmp_path: Path, crawl_db: Path | str
) -> None:
    """Every title page is a WAF challenge: without proxies the crawl pauses after each one,
    stops after IMDB_WAF_STOP_AFTER in a row (reason imdb_waf), never hammers, loses nothing,
    and its last line points to TMDb and the datasets."""
    faults = {"rates": {"waf": 1.0}}
    with Sandbox(small_universe, small_pages=True, seed=3, faults=faults) as sandbox:
        seeds = sandbox.seeds(2)
        db, summary = crawl_db, tmp_path / "summary.json"
        settings = {
            "IMDB_BAN_BACKOFF": 0.2,
            "IMDB_BAN_BACKOFF_MAX": 0.4,
            "IMDB_WAF_STOP_AFTER": 3,
            "CONCURRENT_REQUESTS": 1,
            "IMDB_SUMMARY_PATH": summary,
        }
        result = run_crawl(crawl_command(sandbox.base_url, db, seeds, settings=settings))
        served = sandbox.stats()
    assert served["faults"] == {"waf": served["title_fetches"]}
    # Three challenges in a row, and a Scrapy retry at most for each: no hammering.
    assert 3 <= served["title_fetches"] <= 3 * 3
    report = json.loads(summary.read_text())
    assert report["reason"] == "imdb_waf" and report["clean"] is False
    last = _last_log_line(result)
    assert "crawl imdb_waf" in last and "scrapy crawl tmdb" in last, last
    with Store(db, create=False) as store:
        assert store.summary()["frontier"]["pending"] == len(seeds)  # nothing given up


def test_refresh_days_fetches_again_only_what_imdb_served_long_ago(
    small_universe, crawl_db: Path | str
) -> None:
    with Sandbox(small_universe, small_pages=True, seed=3) as sandbox:
        seeds = sandbox.seeds(2)
        db = crawl_db
        command = crawl_command(sandbox.base_url, db, seeds)
        run_crawl(command)
        with Store(db, create=False) as store:
            old = sorted(t["id"] for t in store.titles())[:5]
            for tt in old:
                store.db.execute(
                    "UPDATE title_fetches SET fetched_at = fetched_at - 90 * 86400 "
                    "WHERE origin = 'imdb' AND title_id = ?",
                    (tt,),
                )
        sandbox.reset_stats()
        run_crawl([*command, "-a", "refresh_days=30"])
        served = sandbox.stats()
    assert served["fetches"] == dict.fromkeys(old, 1)
    expected = reachable(small_universe, seeds)
    titles, edges = stored(db)
    assert titles == expected and edges == expected_edges(small_universe, expected)


@pytest.mark.parametrize(
    ("spider", "extra", "message"),
    [
        ("imdb", ["-a", "max_titles=abc"], "-a max_titles= takes a whole number, not 'abc'"),
        ("tmdb", ["-a", "min_popularity=5"], "-a min_popularity= filters -a id_export=PATH"),
        ("tmdb", [], "scrapy crawl tmdb needs a TMDb API key"),
        ("nosuch", [], "no spider 'nosuch': this project has imdb, tmdb"),
    ],
)
def test_a_usage_error_is_one_line_not_a_traceback(tmp_path: Path, spider, extra, message) -> None:
    """A bad -a, a missing TMDb key (found while the crawl starts, after the database is
    opened) or an unknown spider: Scrapy's usage message and exit status 2, no asyncio
    "Task exception was never retrieved" traceback, and nothing fetched."""
    db = tmp_path / "crawl.sqlite"
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"IMDB_DB_PATH={db}", *extra]
    env = {k: v for k, v in os.environ.items() if k not in {"TMDB_API_KEY", "TMDB_ACCESS_TOKEN"}}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"error: {message}" in done.stderr
    assert "Traceback" not in done.stderr and "never retrieved" not in done.stderr
    if spider in {"imdb", "nosuch"}:
        assert not db.exists()  # stopped before the database was opened
