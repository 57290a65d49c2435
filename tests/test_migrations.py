"""Schema migrations on real SQLite files: a database written before migrations existed (the
fixture ``tests/fixtures/crawl-schema1.sqlite``), a later step, a database from the future and
a step that fails halfway."""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from imdb_spider.migrations import MIGRATIONS, Migration
from imdb_spider.store import SCHEMA_VERSION, Store, StoreError
from sandbox import Sandbox, build_universe

from .conftest import ROOT, TESTS, crawl_command
from .test_store import record

FIXTURE = TESTS / "fixtures" / "crawl-schema1.sqlite"
EXPECTED = json.loads((TESTS / "fixtures" / "crawl-schema1.expected.json").read_text())
# The crawl that wrote the fixture (tests/fixtures/README-crawl-schema1.md).
FIXTURE_SEEDS = ["tt90000227", "tt90000192", "tt98000000", "tt90000237", "tt00000001"]
MIGRATION_LOG = "imdb_spider.migrations"
# The first step alone: the tests of the mechanism add toy steps after it.
BASE = MIGRATIONS[:1]
# Keys of the fixture's summary that do not depend on the schema version.
SAME_KEYS = [key for key in EXPECTED["summary"] if key != "schema_version"]


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A copy of the database written before migrations (the fixture itself stays as made)."""
    return Path(shutil.copy(FIXTURE, tmp_path / "crawl.sqlite"))


def snapshot(path: Path) -> tuple[int, list[str]]:
    """Everything a database holds: its version and a full SQL dump (schema and rows)."""
    with sqlite3.connect(path) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        dump = list(db.iterdump())
    db.close()
    return version, dump


def schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name != 'migrations' ORDER BY name"
        ).fetchall()
    db.close()
    return rows


def migrations_of(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name")]
    db.close()
    return names


def toy_step(calls: list[str], name: str = "0002_title_notes") -> Migration:
    def apply(db: sqlite3.Connection) -> None:
        calls.append(name)
        db.execute("ALTER TABLE titles ADD COLUMN notes TEXT")

    return Migration(name, apply)


# --- the steps themselves -------------------------------------------------------------------


def test_steps_are_named_and_numbered_in_order() -> None:
    names = [step.name for step in MIGRATIONS]
    assert names[0] == "0001_initial"
    for number, name in enumerate(names, start=1):
        assert re.fullmatch(rf"{number:04d}_[a-z0-9_]+", name), name
    assert len(names) == SCHEMA_VERSION


def test_a_new_database_gets_every_step_and_the_schema_of_before(
    tmp_path: Path, old_db: Path
) -> None:
    path = tmp_path / "new.sqlite"
    Store(path, migrations=BASE).close()
    # Step 1 is exactly the schema the code before migrations wrote.
    assert schema(path) == schema(old_db)
    # Every step on a new database gives the schema an old database migrates to.
    path = tmp_path / "newer.sqlite"
    Store(path).close()
    assert migrations_of(path) == [step.name for step in MIGRATIONS]
    assert snapshot(path)[0] == SCHEMA_VERSION
    Store(old_db).close()
    assert schema(path) == schema(old_db)


# --- (a) a database written before migrations -----------------------------------------------


def test_database_from_before_migrations_is_recorded_not_rewritten(
    old_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, dump_before = snapshot(old_db)
    caplog.set_level(logging.INFO, logger=MIGRATION_LOG)
    with Store(old_db, create=False, migrations=BASE) as store:
        assert store.summary()["migrations"] == ["0001_initial"]
    assert [r.getMessage() for r in caplog.records if r.name == MIGRATION_LOG] == [
        f"crawl database {old_db}: schema version 1 from before migrations were recorded; "
        "recording it as 0001_initial"
    ]
    version, dump_after = snapshot(old_db)
    assert version == 1
    # The only change: the new migrations table and its one row.
    added = [line for line in dump_after if line not in dump_before]
    assert [line.split("(")[0] for line in added] == [
        "CREATE TABLE migrations ",
        'INSERT INTO "migrations" VALUES',
    ]
    assert all(line in dump_after for line in dump_before)
    caplog.clear()
    Store(old_db, create=False, migrations=BASE).close()
    assert not [r for r in caplog.records if r.name == MIGRATION_LOG]  # nothing to do twice


def test_database_from_before_migrations_reads_the_same_rows(old_db: Path) -> None:
    with Store(old_db, create=False) as store:
        assert list(store.titles()) == EXPECTED["titles"]
        assert [list(e) for e in store.edges()] == EXPECTED["edges"]
        assert store.aliases() == EXPECTED["aliases"]
        summary = store.summary()
    assert {key: summary[key] for key in SAME_KEYS} == {
        k: EXPECTED["summary"][k] for k in SAME_KEYS
    }
    assert summary["migrations"] == [step.name for step in MIGRATIONS]


def test_summary_command_on_a_database_from_before_migrations(old_db: Path) -> None:
    def summary() -> tuple[dict, str]:
        result = subprocess.run(
            [sys.executable, "-m", "imdb_spider.store", str(old_db), "--check"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        return json.loads(result.stdout), result.stderr

    first, log = summary()
    assert (first["titles"], first["edges"]) == (69, 828)
    assert {key: first[key] for key in SAME_KEYS} == {k: EXPECTED["summary"][k] for k in SAME_KEYS}
    assert first["integrity_check"] == "ok"
    assert "recording it as 0001_initial" in log
    for step in MIGRATIONS[1:]:
        assert f"applying migration {step.name}" in log
    again, log = summary()
    assert again == first and log == ""


def test_a_crawl_resumes_on_a_database_from_before_migrations(old_db: Path) -> None:
    stored_before = {t["id"] for t in EXPECTED["titles"]}
    with Store(old_db, create=False) as store:
        done_before = {r[0] for r in store.db.execute("SELECT id FROM frontier WHERE state='done'")}
    shutil.copy(FIXTURE, old_db)  # the crawl itself must meet the database as it was made
    with Sandbox(build_universe(300, seed=3), small_pages=True, seed=3) as sandbox:
        result = subprocess.run(
            crawl_command(sandbox.base_url, old_db, FIXTURE_SEEDS),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        served = sandbox.stats()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "recording it as 0001_initial" in result.stderr
    with Store(old_db, create=False) as store:
        titles = [t["id"] for t in store.titles()]
        summary = store.summary()
        assert store.integrity_check() == "ok"
    assert len(titles) == len(set(titles)) > len(stored_before)
    assert stored_before <= set(titles)
    assert summary["frontier"]["pending"] == 0
    assert summary["runs"][-1]["reason"] == "finished" and summary["runs"][-1]["clean"]
    # No title fetched twice, and none of those stored before fetched again.
    assert served["fetches"] and set(served["fetches"].values()) == {1}
    assert not set(served["fetches"]) & done_before


# --- (b) a later step -----------------------------------------------------------------------


@pytest.mark.parametrize("start", ["new", "before-migrations"])
def test_a_later_step_is_applied_once_and_recorded(
    start: str, tmp_path: Path, old_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "new.sqlite" if start == "new" else old_db
    calls: list[str] = []
    later = f"{SCHEMA_VERSION + 1:04d}_title_notes"
    steps = [*MIGRATIONS, toy_step(calls, later)]
    caplog.set_level(logging.INFO, logger=MIGRATION_LOG)
    with Store(path, migrations=steps) as store:
        store.save_page(record("tt1", ["tt2"]), requested_id="tt1", depth=0, follow=["tt2"])
        columns = [row[1] for row in store.db.execute("PRAGMA table_info(titles)")]
    assert columns[-1] == "notes"
    assert calls == [later]
    assert f"crawl database {path}: applying migration {later}" in caplog.messages
    assert migrations_of(path) == [step.name for step in steps]
    assert snapshot(path)[0] == SCHEMA_VERSION + 1
    before = snapshot(path)
    caplog.clear()
    with Store(path, migrations=steps) as store:
        assert "tt1" in {t["id"] for t in store.titles()}
    assert calls == [later]  # idempotent: not run again
    assert not [r for r in caplog.records if r.name == MIGRATION_LOG]
    assert snapshot(path) == before


# --- (c) a database from the future ---------------------------------------------------------


def test_a_database_with_a_step_this_code_does_not_know_is_refused(old_db: Path) -> None:
    Store(old_db, migrations=[*BASE, toy_step([])]).close()
    before = snapshot(old_db)
    with pytest.raises(
        StoreError,
        match=r"has migration 0002_title_notes, newer than this imdb-spider, which reads "
        rf"version {SCHEMA_VERSION} \(up to migration {MIGRATIONS[-1].name}\)",
    ):
        Store(old_db)
    assert snapshot(old_db) == before


def test_an_unknown_step_name_is_refused_even_at_a_known_version(tmp_path: Path) -> None:
    path = tmp_path / "branch.sqlite"
    Store(path, migrations=[*MIGRATIONS, toy_step([], "0002_from_a_branch")]).close()
    with pytest.raises(StoreError, match="has migration 0002_from_a_branch, newer"):
        Store(path, migrations=[*MIGRATIONS, toy_step([], "0002_title_notes")])


def test_a_higher_version_without_a_migrations_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE titles (id TEXT)")
        db.execute("PRAGMA user_version=7")
    db.close()
    with pytest.raises(StoreError, match=r"has schema version 7, newer than this imdb-spider"):
        Store(path)
    assert snapshot(path)[0] == 7


def test_a_database_that_is_not_a_crawl_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id TEXT)")
    db.close()
    with pytest.raises(StoreError, match="not a crawl database: it has tables but no schema"):
        Store(path)
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    with pytest.raises(StoreError, match="is an empty database, not a crawl"):
        Store(empty, create=False)


# --- (d) a step that fails halfway ----------------------------------------------------------


def test_a_step_that_fails_halfway_leaves_the_database_as_it_was(old_db: Path) -> None:
    def half_done(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE tmdb_ids (title_id TEXT PRIMARY KEY, tmdb_id INTEGER)")
        db.execute("INSERT INTO tmdb_ids SELECT id, 1 FROM titles")
        db.execute("DELETE FROM edges")
        raise RuntimeError("the network went away")

    calls: list[str] = []
    steps = [*BASE, toy_step(calls), Migration("0003_tmdb_ids", half_done)]
    before = snapshot(old_db)
    with pytest.raises(
        StoreError,
        match=r"migration 0003_tmdb_ids failed \(RuntimeError: the network went away\); "
        "the database is unchanged",
    ):
        Store(old_db, migrations=steps)
    assert calls == ["0002_title_notes"]  # the step before it ran, and was rolled back too
    assert snapshot(old_db) == before  # not even the migrations table of the legacy record
    with Store(old_db, create=False) as store:  # and it still opens with today's steps
        assert store.summary()["edges"] == EXPECTED["summary"]["edges"]


def test_a_step_with_bad_sql_leaves_a_new_database_empty(tmp_path: Path) -> None:
    def bad(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE no_such_table ADD COLUMN x TEXT")

    path = tmp_path / "new.sqlite"
    with pytest.raises(StoreError, match=r"migration 0002_bad failed \(OperationalError"):
        Store(path, migrations=[*MIGRATIONS, Migration("0002_bad", bad)])
    version, dump = snapshot(path)
    assert version == 0 and [line for line in dump if "CREATE" in line] == []
