"""``scrapy crawl tmdb`` end to end against the sandbox's TMDb API (in this process, on
127.0.0.1): the titles and ranked edges it stores equal the sandbox's truth; it survives
``kill -9``, obeys 429, stops on a rejected key, keeps the key secret, and its map exports and
validates."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import deque
from pathlib import Path

import pytest

from imdb_spider.store import Store
from sandbox import Sandbox, Universe, build_universe

from .conftest import ROOT, crawl_command

CRAWL_TIMEOUT = 180
KEY = "sandbox-k3y-7a1c"
FIRST_PAGE = 20  # recommendations TMDb appends to a movie: its first page


@pytest.fixture(scope="module")
def universe() -> Universe:
    return build_universe(400, seed=3)


def ident(u: Universe, i: int) -> str:
    """The id the crawl stores for universe title ``i``: its IMDb id when TMDb knows it."""
    return u.tmdb_imdb_id(i) or f"tmdb:{u.tmdb_id_of(i)}"


def truth(u: Universe, seeds: list[int]) -> tuple[set[str], dict[str, list[str]]]:
    """Titles a breadth-first crawl of TMDb's first pages reaches, and their ranked edges."""
    seen, queue = set(seeds), deque(seeds)
    edges = {}
    while queue:
        i = queue.popleft()
        recs = [int(j) for j in u.tmdb_recommendations_of(i)[:FIRST_PAGE]]
        if recs:
            edges[ident(u, i)] = [ident(u, j) for j in recs]
        for j in recs:
            if j not in seen:
                seen.add(j)
                queue.append(j)
    return {ident(u, i) for i in seen}, edges


def movies(u: Universe, ids: list[str]) -> list[int]:
    """The universe titles ``ids`` name, whether by IMDb id or by TMDb id."""
    return [
        u.index_of_tmdb(int(i[5:])) if i.startswith("tmdb:") else u.index(i)  # type: ignore[misc]
        for i in ids
    ]


def tmdb_seeds(u: Universe, sandbox: Sandbox, n: int = 2) -> tuple[list[int], list[str]]:
    indices = [u.index(tt) for tt in sandbox.seeds(n)]
    return indices, [f"tmdb:{u.tmdb_id_of(i)}" for i in indices]


def command(sandbox: Sandbox, db: Path, seeds: list[str], **settings) -> list[str]:
    return crawl_command(sandbox.tmdb_url, db, seeds, spider="tmdb", settings=settings)


def run(cmd: list[str], key: str = KEY, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "TMDB_API_KEY": key}
    env.pop("TMDB_ACCESS_TOKEN", None)
    result = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=CRAWL_TIMEOUT, check=False, env=env
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def stored(db: Path) -> tuple[set[str], dict[str, list[str]], dict]:
    with Store(db, create=False) as store:
        titles = {t["id"] for t in store.titles()}
        edges: dict[str, list[str]] = {}
        for source, target, _rank in store.edges("tmdb"):
            edges.setdefault(source, []).append(target)
        summary = store.summary()
        assert store.integrity_check() == "ok"
    return titles, edges, summary


def test_a_tmdb_crawl_stores_the_sandbox_s_truth_once_each(universe, tmp_path: Path) -> None:
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        indices, seeds = tmdb_seeds(universe, sandbox)
        db, summary_path = tmp_path / "crawl.sqlite", tmp_path / "summary.json"
        result = run(command(sandbox, db, seeds, IMDB_SUMMARY_PATH=summary_path))
        served = sandbox.stats()
    expected_titles, expected_edges = truth(universe, indices)
    assert len(expected_titles) >= 200
    titles, edges, summary = stored(db)
    assert titles == expected_titles
    assert edges == expected_edges
    assert summary["frontier"]["pending"] == 0 and summary["frontier"]["failed"] == 0
    # One call per title, each movie once; no lookups for tmdb: seeds.
    assert set(served["tmdb_fetches"].values()) == {1}
    assert len(served["tmdb_fetches"]) == len(expected_titles)
    assert served.get("tmdb_finds", 0) == 0
    # TMDb-only titles keep tmdb:ID; the others are known by their IMDb id and TMDb id.
    with Store(db, create=False) as store:
        for i in indices:
            assert store.tmdb_id_of(ident(universe, i)) == universe.tmdb_id_of(i)
    # The key is in no log line, summary or database byte.
    report = summary_path.read_text()
    assert json.loads(report)["reason"] == "finished"
    for where in (result.stderr, result.stdout, report, db.read_bytes().decode("latin-1")):
        assert KEY not in where


def test_imdb_ids_as_seeds_are_looked_up_once(universe, tmp_path: Path) -> None:
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        tts = [tt for tt in sandbox.seeds(4) if universe.tmdb_imdb_id(universe.index(tt))][:2]
        db = tmp_path / "crawl.sqlite"
        run([*command(sandbox, db, tts), "-a", "max_depth=0"])
        served = sandbox.stats()
    assert served["tmdb_finds"] == len(tts)
    titles, edges, _ = stored(db)
    assert titles == set(tts) and set(edges) == set(tts)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_kill_9_three_times_loses_nothing(universe, tmp_path: Path, concurrency: int) -> None:
    rng = random.Random(f"tmdb-kill-{concurrency}")
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        indices, seeds = tmdb_seeds(universe, sandbox)
        db = tmp_path / "crawl.sqlite"
        cmd = command(
            sandbox, db, seeds,
            CONCURRENT_REQUESTS=concurrency, CONCURRENT_REQUESTS_PER_DOMAIN=concurrency,
        )  # fmt: skip
        kills = 0
        for _ in range(3):
            kills += _kill_after_fetches(cmd, sandbox, rng.randint(5, 120))
        run(cmd)
        served = sandbox.stats()
    expected_titles, expected_edges = truth(universe, indices)
    titles, edges, summary = stored(db)
    assert titles == expected_titles and edges == expected_edges
    assert summary["frontier"]["pending"] == 0
    refetched = sum(n - 1 for n in served["tmdb_fetches"].values())
    assert refetched <= kills * concurrency, (refetched, kills)


def _kill_after_fetches(cmd: list[str], sandbox: Sandbox, fetches: int) -> bool:
    before = sandbox.stats(detail=False)["tmdb_requests"]
    env = {**os.environ, "TMDB_API_KEY": KEY}
    process = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    deadline = time.monotonic() + CRAWL_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if sandbox.stats(detail=False)["tmdb_requests"] - before >= fetches:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.003)
    return process.wait(60) == -signal.SIGKILL


def test_a_rejected_key_stops_at_once_and_touches_no_title(universe, tmp_path: Path) -> None:
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        _, seeds = tmdb_seeds(universe, sandbox)
        db, summary_path = tmp_path / "crawl.sqlite", tmp_path / "summary.json"
        result = run(command(sandbox, db, seeds, IMDB_SUMMARY_PATH=summary_path), key="wrong")
        served = sandbox.stats()
    assert "TMDb rejected the API key" in result.stderr
    assert served["tmdb_responses_by_status"] == {"401": served["tmdb_requests"]}
    assert served["tmdb_requests"] <= 8  # what was in flight when the first 401 came
    report = json.loads(summary_path.read_text())
    assert report["reason"] == "tmdb_key_rejected" and report["clean"] is False
    with Store(db, create=False) as store:
        summary = store.summary()
    assert summary["frontier"] == {"pending": len(seeds), "done": 0, "failed": 0}
    assert summary["failures_by_kind"] == {} and summary["titles"] == 0
    assert "wrong" not in result.stderr.replace("wrong key", "")


def test_429_is_obeyed_and_the_crawl_completes(universe, tmp_path: Path) -> None:
    rate, titles_wanted = 15, 120
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=rate) as sandbox:
        indices, seeds = tmdb_seeds(universe, sandbox)
        db, summary_path = tmp_path / "crawl.sqlite", tmp_path / "summary.json"
        started = time.monotonic()
        cmd = command(sandbox, db, seeds, IMDB_SUMMARY_PATH=summary_path, IMDB_MAX_ATTEMPTS=50)
        run([*cmd, "-a", f"max_titles={titles_wanted}"])
        elapsed = time.monotonic() - started
        served = sandbox.stats()
    _, expected_edges = truth(universe, indices)
    titles, edges, summary = stored(db)
    assert summary["frontier"]["pending"] == summary["frontier"]["failed"] == 0
    assert len(titles) == titles_wanted  # max_titles counts titles, not their two ids
    # Titles past the limit were never fetched: edges name them by TMDb id, as TMDb does.
    assert {tt: movies(universe, edges[tt]) for tt in titles} == {
        tt: movies(universe, expected_edges[tt]) for tt in titles
    }
    stats = json.loads(summary_path.read_text())["stats"]
    limited = served["tmdb_rate_limited"]
    assert limited >= 1 and stats.get("tmdb/429", 0) == limited
    # It slowed down rather than hammering: most requests got through, and the crawl took
    # at least as long as the limit requires.
    assert limited < served["tmdb_requests"] / 3, (limited, served["tmdb_requests"])
    assert elapsed >= titles_wanted / rate * 0.8


def test_server_errors_bad_json_and_missing_movies_end_in_the_right_state(
    universe, tmp_path: Path
) -> None:
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        indices, seeds = tmdb_seeds(universe, sandbox)
        _, expected_edges = truth(universe, indices)
        first = expected_edges[ident(universe, indices[0])]
        broken, down = first[0], first[1]
        ids = {"badjson": [broken], "status503": [down]}
        tmdb_ids = {k: [v if v.startswith("tmdb:") else _tmdb_of(universe, v) for v in vs]
                    for k, vs in ids.items()}  # fmt: skip
        sandbox.set_faults({"ids": tmdb_ids})
        db = tmp_path / "crawl.sqlite"
        run(command(sandbox, db, [*seeds, "tmdb:99999999"], IMDB_MAX_ATTEMPTS=2))
    with Store(db, create=False) as store:
        failures = store.db.execute(
            "SELECT title_id, kind, count(*) FROM failures GROUP BY 1, 2"
        ).fetchall()
        states = {
            tt: store.state(tt, "tmdb")
            for tt in (*tmdb_ids["badjson"], *tmdb_ids["status503"], "tmdb:99999999")
        }
    assert set(states.values()) == {"failed"}, states
    assert ("tmdb:99999999", "http-404", 1) in failures
    assert (tmdb_ids["badjson"][0], "parse", 2) in failures
    assert (tmdb_ids["status503"][0], "http-503", 2) in failures


def _tmdb_of(u: Universe, tt: str) -> str:
    return f"tmdb:{u.tmdb_id_of(u.index(tt))}"


def test_a_map_exported_from_a_tmdb_crawl_validates(universe, tmp_path: Path) -> None:
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        _, seeds = tmdb_seeds(universe, sandbox)
        db = tmp_path / "crawl.sqlite"
        run(command(sandbox, db, seeds))
    out = tmp_path / "map"
    export = [sys.executable, "-m", "exporters", "all", "--db", str(db), "--out", str(out),
              "--graph-dir", str(tmp_path / "graph")]  # fmt: skip
    subprocess.run(export, cwd=ROOT, check=True, capture_output=True, timeout=600)
    check = subprocess.run(
        [sys.executable, "-m", "exporters", "check", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "valid" in check.stdout
    # The map says its data is TMDb's, and so does every edge of the graph files.
    info = json.loads((out / "mapinfo.json").read_text())
    assert info["origins"] == {"tmdb": 2} and info["edgeOrigins"] == 2
    gexf = (tmp_path / "graph" / "graph.gexf").read_text(encoding="utf-8")
    assert gexf.count('<attvalue for="origin" value="tmdb"/>') == gexf.count("<edge ") > 0


def test_refresh_days_fetches_again_what_is_older_and_only_that(universe, tmp_path: Path) -> None:
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        indices, seeds = tmdb_seeds(universe, sandbox)
        db = tmp_path / "crawl.sqlite"
        run(command(sandbox, db, seeds))
        with Store(db, create=False) as store:
            old = sorted(t["id"] for t in store.titles())[:10]
            # Ten titles were fetched from TMDb 200 days ago; one also has an IMDb list.
            marks = ",".join("?" * len(old))
            store.db.execute(
                "UPDATE title_fetches SET fetched_at = fetched_at - 200 * 86400 "
                f"WHERE origin = 'tmdb' AND title_id IN ({marks})",
                old,
            )
            store.db.execute(
                "INSERT INTO edges (source, origin, rank, target) VALUES (?, 'imdb', 0, 'tt1')",
                (old[0],),
            )
        sandbox.reset_stats()
        run([*command(sandbox, db, seeds), "-a", "refresh_days=180"])
        served = sandbox.stats()
    expected_titles, expected_edges = truth(universe, indices)
    titles, edges, summary = stored(db)
    assert titles == expected_titles and edges == expected_edges
    assert summary["frontier"]["pending"] == 0
    with Store(db, create=False) as store:
        refetched = {store.tmdb_id_of(tt) for tt in old}
        assert list(store.edges("imdb")) == [(old[0], "tt1", 0)]  # IMDb's list untouched
    assert {int(k) for k in served["tmdb_fetches"]} == refetched


def test_seeds_from_tmdb_s_daily_id_export(universe, tmp_path: Path) -> None:
    with Sandbox(universe, small_pages=True, seed=3, tmdb_key=KEY, tmdb_rate=0) as sandbox:
        export = tmp_path / "movie_ids_12_01_2026.json.gz"
        urllib.request.urlretrieve(sandbox.export_url("12_01_2026"), export)
        db = tmp_path / "crawl.sqlite"
        cmd = crawl_command(sandbox.tmdb_url, db, [], spider="tmdb")  # an empty seeds=
        run([*cmd, "-a", f"id_export={export}", "-a", "min_popularity=20", "-a", "max_depth=0"])
    with Store(db, create=False) as store:
        fetched = {store.tmdb_id_of(t["id"]) for t in store.titles()}
    with gzip.open(export, "rt") as lines:
        entries = [json.loads(line) for line in lines]
    popular = {
        e["id"] for e in entries if e["popularity"] >= 20 and not e["adult"] and not e["video"]
    }
    assert fetched == popular and 0 < len(popular) < len(universe)
    assert any(e["video"] and e["popularity"] >= 20 for e in entries)  # some were skipped
