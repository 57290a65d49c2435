"""The crawl database on a real PostgreSQL server (tests/postgres.py): the same store API as on
SQLite, claims that never overlap, leases that run out, the copy between engines, the summary
with the workers, and the password of a URL kept out of every message."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from imdb_spider.migrations import MIGRATIONS, Migration
from imdb_spider.store import SCHEMA_VERSION, Store, StoreError

from .conftest import ROOT
from .postgres import PASSWORD
from .test_store import record


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path: Path) -> str:
    """A new crawl database on either engine: a path or a URL."""
    if request.param == "sqlite":
        return str(tmp_path / "crawl.sqlite")
    return request.getfixturevalue("pg_url")


def _crawl(store: Store) -> None:
    """A small crawl through the store API: pages, an alias, a failure, a run, a worker."""
    store.add_to_frontier(["tt1", "tt9"], depth=0)
    store.save_page(
        record("tt1", ["tt2", "tt3"], genres=["Drama"], directors=["A B"],
               director_ids=["nm1"], countries=["US"], rating=7.5, year=1999),
        requested_id="tt1", depth=0, follow=["tt2", "tt3"],
    )  # fmt: skip
    store.save_page(record("tt5", ["tt2"]), requested_id="tt9", depth=0, follow=["tt2"])
    store.record_failure("tt3", "parse", "no title", max_attempts=1)
    run = store.start_run({"seeds": "tt1"})
    store.finish_run(run, "finished", clean=True)
    store.register_worker("w1", "imdb", "host", 1)


def test_the_store_api_is_the_same_on_both_engines(target: str) -> None:
    with Store(target) as store:
        _crawl(store)
        assert [t["id"] for t in store.titles()] == ["tt1", "tt5"]
        first = next(store.titles())
        assert (first["genres"], first["rating"], first["year"]) == (["Drama"], 7.5, 1999)
        assert list(store.edges()) == [("tt1", "tt2", 0), ("tt1", "tt3", 1), ("tt5", "tt2", 0)]
        assert store.aliases() == {"tt9": "tt5"}
        assert store.resolve(["tt9", "tt1"]) == ["tt5", "tt1"]
        assert [r.id for r in store.pending()] == ["tt2"]
        assert store.state("tt3") == "failed"
        summary = store.summary()
        assert summary["schema_version"] == SCHEMA_VERSION
        assert summary["migrations"] == [step.name for step in MIGRATIONS]
        assert summary["frontier"] == {"pending": 1, "done": 3, "failed": 1}
        assert summary["runs"][0]["clean"] is True
        assert store.integrity_check() == "ok"
        assert store.title_record("tt9")["id"] == "tt5"
    with Store(target, create=False) as again:  # reopening migrates nothing
        assert again.count_titles() == 2
        if again.engine == "postgresql":
            # Text sorts by its bytes as on SQLite, whatever the server's locale; times are
            # doubles, not PostgreSQL's 4-byte REAL.
            types = dict(
                again.db.execute(
                    "SELECT column_name, coalesce(collation_name, data_type) "
                    "FROM information_schema.columns WHERE table_name = 'titles' "
                    "AND column_name IN ('id', 'fetched_at')"
                )
            )
            assert types == {"id": "C", "fetched_at": "double precision"}


def test_claims_never_overlap_and_leases_run_out(target: str) -> None:
    with Store(target) as one, Store(target) as two:
        one.add_to_frontier([f"tt{i}" for i in range(10)], depth=0)
        for worker in ("a", "b"):
            one.register_worker(worker, "imdb", "host", 1)
        first = one.claim("a", 4, lease_seconds=60)
        second = two.claim("b", 4, lease_seconds=60)
        assert [r.id for r in first] == ["tt0", "tt1", "tt2", "tt3"]  # breadth-first
        assert [r.id for r in second] == ["tt4", "tt5", "tt6", "tt7"]
        # A committed page ends its claim; the rest is held until the lease runs out.
        one.save_page(record("tt0", []), requested_id="tt0", depth=0)
        assert one.renew("a", lease_seconds=0.2) == 3
        assert [r.id for r in two.claim("b", 10, lease_seconds=60)] == ["tt8", "tt9"]
        time.sleep(0.3)
        summary = one.summary()
        assert summary["leases"] == {"held": 6, "stale": 3}
        assert {w["id"]: w["holding"] for w in summary["workers"]} == {"a": 0, "b": 6}
        assert [r.id for r in two.claim("b", 10, lease_seconds=60)] == ["tt1", "tt2", "tt3"]
        assert two.release("b") == 9
        assert one.summary()["leases"] == {"held": 0, "stale": 0}
        assert {w["id"]: w["claims"] for w in one.summary()["workers"]} == {"a": 4, "b": 9}
        assert one.live_workers("imdb", seen_within=60) == 2
        one.finish_worker("a", "finished", pages=1)
        assert one.live_workers("imdb", seen_within=60) == 1


def test_concurrent_claims_on_postgresql_skip_each_other(pg_url: str) -> None:
    """Eight connections claim from one frontier at the same moment: every title is claimed
    once, none twice (SKIP LOCKED), and no claim waits for another."""
    with Store(pg_url) as store:
        store.add_to_frontier([f"tt{i:03d}" for i in range(200)], depth=0)
    got: dict[str, list[str]] = {}
    start = threading.Barrier(8)

    def worker(name: str) -> None:
        with Store(pg_url) as mine:
            mine.register_worker(name, "imdb", "host", 1)
            start.wait()
            ids: list[str] = []
            while rows := mine.claim(name, 7, lease_seconds=60):
                ids += [r.id for r in rows]
            got[name] = ids

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    claimed = [tt for ids in got.values() for tt in ids]
    assert len(got) == 8
    assert sorted(claimed) == [f"tt{i:03d}" for i in range(200)]


def test_migrations_on_postgresql(pg_url: str) -> None:
    """A new database gets every step once, in order, even with two processes opening it
    at the same moment; a later step is applied once; a step that fails leaves it as it
    was; a database from a newer imdb-spider is refused."""
    opened: list[BaseException | None] = []

    def open_it() -> None:
        try:
            Store(pg_url).close()
            opened.append(None)
        except BaseException as exc:  # reported by the assert below
            opened.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert opened == [None, None, None]
    with Store(pg_url, create=False) as store:
        assert store.summary()["migrations"] == [step.name for step in MIGRATIONS]
        store.save_page(record("tt1", ["tt2"]), requested_id="tt1", depth=0)
    calls: list[str] = []
    later = f"{SCHEMA_VERSION + 1:04d}_title_notes"

    def notes(db) -> None:
        calls.append(later)
        db.execute("ALTER TABLE titles ADD COLUMN notes TEXT")

    def broken(db) -> None:
        db.execute("DELETE FROM edges")
        db.execute("ALTER TABLE no_such_table ADD COLUMN x TEXT")

    bad = f"{SCHEMA_VERSION + 2:04d}_broken"
    with pytest.raises(StoreError, match=rf"migration {bad} failed .*the database is unchanged"):
        Store(pg_url, migrations=[*MIGRATIONS, Migration(later, notes), Migration(bad, broken)])
    assert calls == [later]  # it ran, and was rolled back with the broken one
    with Store(pg_url, create=False) as store:
        assert store.summary()["schema_version"] == SCHEMA_VERSION
        assert store.summary()["edges"] == 1
    for _ in range(2):
        Store(pg_url, migrations=[*MIGRATIONS, Migration(later, notes)]).close()
    assert calls == [later, later]  # applied once more, then never again
    with pytest.raises(StoreError, match=rf"has migration {later}, newer than this imdb-spider"):
        Store(pg_url)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imdb_spider.store", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _contents(target: str) -> tuple:
    with Store(target, create=False) as store:
        frontier = [
            tuple(row)
            for row in store.db.execute(
                "SELECT seq, id, origin, state, depth, attempts, found_from FROM frontier "
                "ORDER BY seq"
            )
        ]
        return (
            list(store.titles()),
            list(store.edge_rows()),
            store.aliases(),
            frontier,
            store.table_counts(),
        )


def test_copy_round_trips_sqlite_postgresql_sqlite(
    tmp_path: Path, pg_url: str, postgres_server
) -> None:
    origin, back = str(tmp_path / "origin.sqlite"), str(tmp_path / "back.sqlite")
    with Store(origin) as store:
        _crawl(store)
    to_pg = _cli("copy", origin, pg_url)
    assert to_pg.returncode == 0, to_pg.stderr
    counts = json.loads(to_pg.stdout)
    assert counts["titles"] == 2 and counts["frontier"] == 5 and counts["workers"] == 1
    assert "counts match" in to_pg.stderr and PASSWORD not in to_pg.stderr
    home = _cli("copy", pg_url, back)
    assert home.returncode == 0, home.stderr
    assert json.loads(home.stdout) == counts
    assert _contents(origin) == _contents(pg_url) == _contents(back)
    # The copy goes on numbering where the source stopped.
    with Store(pg_url) as store:
        store.add_to_frontier(["tt77"], depth=1)
        assert store.db.execute("SELECT seq FROM frontier WHERE id = 'tt77'").fetchone()[0] == 6
    # Bad input: a destination that holds a crawl, a server that is not there.
    again = _cli("copy", origin, pg_url)
    assert again.returncode == 1
    assert "already holds a crawl: copy into an empty database" in again.stderr
    assert PASSWORD not in again.stderr
    nowhere = pg_url.replace(f":{postgres_server.port}/", ":1/")
    refused = _cli("copy", origin, nowhere)
    assert refused.returncode == 1 and "error: cannot connect to postgresql://crawler:***@" in (
        refused.stderr
    )
    assert PASSWORD not in refused.stderr
    missing = _cli("copy", str(tmp_path / "nope.sqlite"), back)
    assert missing.returncode == 1 and "no crawl database at" in missing.stderr


def test_summary_of_a_url_shows_workers_and_stale_leases_without_the_password(
    pg_url: str,
) -> None:
    with Store(pg_url) as store:
        _crawl(store)
        store.claim("w1", 5, lease_seconds=0.01)
        store.register_worker("w2", "imdb", "other-host", 2)
    time.sleep(0.05)
    result = _cli(pg_url)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert PASSWORD not in result.stdout + result.stderr
    assert summary["path"].startswith("postgresql://crawler:***@127.0.0.1:")
    assert summary["engine"] == "postgresql"
    assert summary["leases"] == {"held": 0, "stale": 1}
    by_id = {w["id"]: w for w in summary["workers"]}
    assert by_id["w1"]["claims"] == 1 and by_id["w2"]["host"] == "other-host"
    assert {"pages", "last_seen", "seconds_since_seen", "holding"} <= set(by_id["w1"])
    title = _cli(pg_url, "--title", "tt9")
    assert json.loads(title.stdout)["id"] == "tt5" and "tt9 was merged into tt5" in title.stderr


def test_the_export_and_the_datasets_loader_read_a_url(tmp_path: Path, pg_url: str) -> None:
    """The exporters' graph is the same from PostgreSQL as from the SQLite copy, and their
    messages name the database without its password."""
    from exporters.graph import GraphError, load_graph

    sqlite_db = str(tmp_path / "crawl.sqlite")
    with Store(pg_url) as store:
        _crawl(store)
    assert _cli("copy", pg_url, sqlite_db).returncode == 0
    from_pg, from_sqlite = load_graph(pg_url), load_graph(sqlite_db)
    assert from_pg.ids == from_sqlite.ids and from_pg.ids == ["tt1", "tt5"]
    assert (from_pg.sources.tolist(), from_pg.targets.tolist()) == (
        from_sqlite.sources.tolist(),
        from_sqlite.targets.tolist(),
    )
    with pytest.raises(GraphError, match=r"no title of postgresql://crawler:\*\*\*@") as caught:
        load_graph(pg_url, min_votes=10**9)
    assert PASSWORD not in str(caught.value)
    ratings = tmp_path / "title.ratings.tsv"
    ratings.write_text("tconst\taverageRating\tnumVotes\ntt1\t8.1\t1000\n")
    empty = f"{pg_url}x"  # a database that does not exist: a clear error, no password
    loaded = subprocess.run(
        [sys.executable, "-m", "imdb_spider.datasets", "--db", empty, str(ratings)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert loaded.returncode == 2 and "cannot connect to postgresql://crawler:***@" in (
        loaded.stderr
    )
    assert PASSWORD not in loaded.stderr
    loaded = subprocess.run(
        [sys.executable, "-m", "imdb_spider.datasets", "--db", pg_url, str(ratings)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert PASSWORD not in loaded.stdout + loaded.stderr
    with Store(pg_url, create=False) as store:
        assert store.title_record("tt1")["rating"] == 8.1


def _spider_on(url: str, **settings):
    from scrapy.utils.test import get_crawler

    from imdb_spider import settings as project_settings
    from imdb_spider.spiders.imdb import ImdbSpider

    values = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    crawler = get_crawler(ImdbSpider, {**values, "IMDB_DB_PATH": url, **settings})
    return ImdbSpider.from_crawler(crawler)


def test_a_spider_on_a_url_refuses_bad_settings_and_unreachable_servers(
    pg_url: str, postgres_server
) -> None:
    from scrapy.exceptions import UsageError

    spider = _spider_on(pg_url)  # a good URL: the spider takes its titles by claims
    assert spider.claims is not None and spider.claims.batch == 2 * 2  # polite concurrency 2
    spider.store.close()
    with pytest.raises(UsageError, match="IMDB_LEASE_SECONDS must be positive, not 0"):
        _spider_on(pg_url, IMDB_LEASE_SECONDS=0)
    nowhere = pg_url.replace(f":{postgres_server.port}/", ":1/")
    with pytest.raises(UsageError, match=r"cannot connect to postgresql://crawler:\*\*\*@") as err:
        _spider_on(nowhere)
    assert PASSWORD not in str(err.value)
