"""The crawl database on real SQLite files in tmp_path."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from imdb_spider.pages import MLT_LISTED, TitleRecord
from imdb_spider.store import SCHEMA_VERSION, Store, StoreError

from .conftest import ROOT


def record(tt: str, recs: list[str], **fields) -> TitleRecord:
    values = {"title": f"Title {tt}", "page_generation": "nextjs"} | fields
    return TitleRecord(
        id=tt,
        recommendations=recs,
        recommendation_types=[None] * len(recs),
        recommendations_state=MLT_LISTED if recs else "absent",
        **values,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "crawl" / "imdb.sqlite") as opened:
        yield opened


def test_new_database_has_schema_version_and_wal(store: Store) -> None:
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.summary()["titles"] == 0


def test_other_schema_version_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE titles (id TEXT)")
        db.execute("PRAGMA user_version=99")
    with pytest.raises(StoreError, match=rf"schema version 99.*reads version {SCHEMA_VERSION}"):
        Store(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store(path)


def test_missing_database_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no crawl database"):
        Store(tmp_path / "nope.sqlite", create=False)


def test_save_page_is_one_transaction_with_frontier(store: Store) -> None:
    store.add_to_frontier(["tt0000001"], depth=0)
    new = store.save_page(
        record(
            "tt0000001",
            ["tt0000002", "tt0000003"],
            genres=["Drama", "War"],
            directors=["A B"],
            director_ids=["nm0000001"],
            countries=["US", "GB"],
        ),
        requested_id="tt0000001",
        depth=0,
        follow=["tt0000002", "tt0000003"],
    )
    assert new == ["tt0000002", "tt0000003"]
    assert store.state("tt0000001") == "done"
    assert [r.id for r in store.pending()] == ["tt0000002", "tt0000003"]
    assert list(store.edges()) == [("tt0000001", "tt0000002", 0), ("tt0000001", "tt0000003", 1)]
    (title,) = store.titles()
    assert title["genres"] == ["Drama", "War"] and title["countries"] == ["US", "GB"]
    assert title["directors"] == ["A B"]
    # Lists are queryable.
    rows = store.db.execute("SELECT title_id FROM title_genres WHERE genre = ?", ("War",))
    assert rows.fetchall() == [("tt0000001",)]


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    bad = record("tt0000001", ["tt0000002"], directors=["A"], director_ids=[])  # not parallel
    with pytest.raises(ValueError):
        store.save_page(bad, requested_id="tt0000001", depth=0, follow=["tt0000002"])
    assert store.summary()["titles"] == 0
    assert store.count_frontier() == 0


def test_saving_again_replaces_and_never_duplicates(store: Store) -> None:
    store.save_page(
        record("tt0000001", ["tt0000002"], genres=["A"]),
        requested_id="tt0000001",
        depth=0,
        follow=["tt0000002"],
    )
    again = store.save_page(
        record("tt0000001", ["tt0000003"], genres=["B"]),
        requested_id="tt0000001",
        depth=0,
        follow=["tt0000002", "tt0000003"],
    )
    assert again == ["tt0000003"]
    assert list(store.edges()) == [("tt0000001", "tt0000003", 0)]
    assert next(store.titles())["genres"] == ["B"]


def test_aliases_point_edges_to_surviving_id(store: Store) -> None:
    store.save_page(
        record("tt0000001", ["tt0000009"]), requested_id="tt0000001", depth=0, follow=["tt0000009"]
    )
    # tt0000009 redirects to tt0000005.
    store.save_page(record("tt0000005", []), requested_id="tt0000009", depth=1)
    store.save_page(record("tt0000002", ["tt0000009"]), requested_id="tt0000002", depth=1)
    assert store.aliases() == {"tt0000009": "tt0000005"}
    assert {t for _, t, _ in store.edges()} == {"tt0000005"}
    assert store.state("tt0000009") == "done" and store.state("tt0000005") == "done"


def test_limit_caps_the_frontier(store: Store) -> None:
    assert store.add_to_frontier(["tt1", "tt2", "tt3"], depth=0, limit=2) == ["tt1", "tt2"]
    assert store.add_to_frontier(["tt4"], depth=1, limit=2) == []


def test_failures_are_bounded(store: Store) -> None:
    store.add_to_frontier(["tt0000001"], depth=0)
    assert store.record_failure("tt0000001", "blocked", "captcha", max_attempts=2) is True
    assert store.state("tt0000001") == "pending"
    assert store.record_failure("tt0000001", "blocked", "captcha", max_attempts=2) is False
    assert store.state("tt0000001") == "failed"
    summary = store.summary()
    assert summary["frontier"]["failed"] == 1
    assert summary["failures_by_kind"] == {"blocked": 2}
    assert store.retry_failed() == 1
    assert store.state("tt0000001") == "pending"


def test_pending_is_breadth_first(store: Store) -> None:
    store.add_to_frontier(["tt0000003"], depth=1)
    store.add_to_frontier(["tt0000002", "tt0000001"], depth=0)
    assert [r.id for r in store.pending()] == ["tt0000002", "tt0000001", "tt0000003"]


def test_runs_record_clean_finish(store: Store) -> None:
    assert store.last_run_was_clean() is None
    run = store.start_run({"seeds": "tt1"})
    assert store.last_run_was_clean() is False
    store.finish_run(run, "finished", clean=True)
    assert store.last_run_was_clean() is True


def test_hostile_values_are_bound_not_formatted(store: Store) -> None:
    nasty = 'Robert\'); DROP TABLE titles;-- "quoted" \\ <script>alert(1)</script> 東京'
    store.save_page(
        record("tt0000001", [], plot=nasty, genres=[nasty]), requested_id="tt0000001", depth=0
    )
    (title,) = store.titles()
    assert title["title"] == "Title tt0000001" and title["plot"] == nasty
    assert title["genres"] == [nasty]


def test_summary_command(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with Store(path) as s:
        s.save_page(
            record("tt0000001", ["tt0000002"]),
            requested_id="tt0000001",
            depth=0,
            follow=["tt0000002"],
        )
    result = subprocess.run(
        [sys.executable, "-m", "imdb_spider.store", str(path), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["titles"], summary["edges"], summary["frontier"]["pending"]) == (1, 1, 1)
    assert summary["integrity_check"] == "ok"
    missing = subprocess.run(
        [sys.executable, "-m", "imdb_spider.store", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert missing.returncode == 1 and "no crawl database" in missing.stderr


def test_frontier_limit_stays_right_across_rollbacks_and_new_done_rows(store: Store) -> None:
    store.add_to_frontier(["tt1"], depth=0, limit=4)
    bad = record("tt1", ["tt2"], directors=["A"], director_ids=[])
    with pytest.raises(ValueError):
        store.save_page(bad, requested_id="tt1", depth=0, follow=["tt2", "tt3"], limit=4)
    # A page reached through an alias adds its surviving id as a new done row; the alias's
    # own row no longer counts as a title.
    store.save_page(record("tt5", ["tt2"]), requested_id="tt1", depth=0, follow=["tt2"], limit=4)
    assert store.count_frontier() == 3  # rows: tt1 (now an alias of tt5), tt5, tt2
    assert store.add_to_frontier(["tt6", "tt7", "tt8"], depth=1, limit=4) == ["tt6", "tt7"]
    assert store.count_frontier() == 5


# --- two sources ----------------------------------------------------------------------------


def test_each_source_replaces_only_its_own_edges_and_imdb_s_metadata_wins(store: Store) -> None:
    imdb_page = record("tt1", ["tt2", "tt3"], rating=8.1, votes=1000, year=1999)
    store.save_page(imdb_page, requested_id="tt1", depth=0, origin="imdb")
    tmdb_answer = record("tt1", ["tmdb:7", "tt2"], rating=7.4, votes=50, year=1999, tmdb_id=603)
    store.save_page(tmdb_answer, requested_id="tmdb:603", depth=0, origin="tmdb")
    assert list(store.edges("imdb")) == [("tt1", "tt2", 0), ("tt1", "tt3", 1)]
    assert list(store.edges("tmdb")) == [("tt1", "tmdb:7", 0), ("tt1", "tt2", 1)]
    (title,) = store.titles()
    assert (title["rating"], title["votes"]) == (8.1, 1000)  # the IMDb page's, not TMDb's
    assert store.tmdb_id_of("tt1") == 603 and store.aliases() == {"tmdb:603": "tt1"}
    # TMDb again with a new list: its edges are replaced, IMDb's stay.
    store.save_page(record("tt1", ["tt9"], tmdb_id=603), requested_id="tt1", depth=0,
                    origin="tmdb")  # fmt: skip
    assert list(store.edges("tmdb")) == [("tt1", "tt9", 0)]
    assert len(list(store.edges("imdb"))) == 2
    # Once tmdb:7 is known to be tt7, the edge pointing at it follows (from any source).
    store.save_page(record("tt7", [], tmdb_id=7), requested_id="tmdb:7", depth=1, origin="tmdb")
    store.save_page(record("tt1", ["tmdb:7"], tmdb_id=603), requested_id="tt1", depth=0,
                    origin="tmdb")  # fmt: skip
    assert [e for e in store.edges("tmdb") if e[0] == "tt1"] == [("tt1", "tt7", 0)]
    assert store.resolve(["tmdb:7", "tmdb:8", "tt7"]) == ["tt7", "tmdb:8"]


def test_each_source_has_its_own_frontier(store: Store) -> None:
    store.add_to_frontier(["tt1", "tt2"], depth=0, origin="imdb")
    store.add_to_frontier(["tt1"], depth=0, origin="tmdb")
    store.save_page(record("tt1", []), requested_id="tt1", depth=0, origin="imdb")
    assert store.state("tt1", "imdb") == "done" and store.state("tt1", "tmdb") == "pending"
    assert [r.id for r in store.pending("tmdb")] == ["tt1"]
    assert store.frontier_counts("imdb") == {"pending": 1, "done": 1, "failed": 0}
    assert store.frontier_counts() == {"pending": 2, "done": 1, "failed": 0}


def test_refresh_puts_back_only_what_that_source_fetched_long_ago(store: Store) -> None:
    for tt in ("tt1", "tt2"):
        store.add_to_frontier([tt], depth=0, origin="tmdb")
        store.save_page(record(tt, []), requested_id=tt, depth=0, origin="tmdb")
    store.save_page(record("tt1", []), requested_id="tt1", depth=0, origin="imdb")
    # tt1 was fetched from TMDb 200 days ago.
    store.db.execute(
        "UPDATE title_fetches SET fetched_at = fetched_at - 200 * 86400 "
        "WHERE title_id = 'tt1' AND origin = 'tmdb'"
    )
    assert store.refresh("tmdb", 180) == 1
    assert store.state("tt1", "tmdb") == "pending" and store.state("tt2", "tmdb") == "done"
    assert store.state("tt1", "imdb") == "done"  # IMDb's copy is IMDb's business
    assert store.refresh("imdb", 180) == 0
