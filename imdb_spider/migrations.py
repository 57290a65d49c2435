"""The crawl database's schema, as named and ordered migration steps applied when it is opened.

A crawl resumes over weeks, so a schema change must carry its databases forward, never strand
them. Every change is one step here, in the manner of sqlite-utils' migrations: a name
(``NNNN_what_it_does``, numbered in order) and a function that changes the schema inside the
open transaction. ``migrate`` runs the steps a database has not had yet, in order, in one
transaction (a step that fails leaves the database exactly as it was), records each in the
``migrations`` table (``name``, ``applied_at``) and sets ``PRAGMA user_version`` to the number
of steps applied, which the code before migrations also checks, so it refuses a database it
cannot read. A database that records a step this code does not know, or a higher version, was
written by a newer imdb-spider: it is refused with a message, never changed.

The first step is the schema as it was before migrations existed; a new database gets every
step in order. Databases of that time (``user_version`` 1, no ``migrations`` table) are
recorded as having had ``0001_initial`` and are not rewritten.

Adding a step (say, recommendation edges learn where they came from)::

    @migration("0002_edge_origin")
    def _edge_origin(db: Connection) -> None:
        db.execute("ALTER TABLE edges ADD COLUMN origin TEXT NOT NULL DEFAULT 'imdb'")

below the last step, then use the new column in ``store.py``. Never edit or reorder a step
that has been released: databases out there have had it. Steps run their statements one by
one with ``execute`` (``run_script`` splits a script), because ``executescript`` would commit
the open transaction first. A step receives the open connection and only runs SQL on it, and
the ``migrations`` table is plain SQL, so the same steps run on PostgreSQL through psycopg
3 (issue #15): ``dialect.py`` answers the look at the database's state (the schema version,
which tables exist), takes the write lock (SQLite's ``BEGIN IMMEDIATE``; on PostgreSQL an
advisory lock, so workers starting together migrate once) and gives ``run_script``'s DDL the
PostgreSQL types (``dialect.ddl``); a step whose SQL differs beyond that asks
``dialect.engine(db)``.

This module, ``store.py`` and ``dialect.py`` are the store layer: they hold all the SQL of the
project.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import dialect
from .dialect import Connection

logger = logging.getLogger(__name__)

#: ``PRAGMA user_version`` of every database written before migrations were recorded.
LEGACY_VERSION = 1


class MigrationError(Exception):
    """A database whose schema this code cannot bring up to date (the store says why)."""


@dataclass(frozen=True, slots=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: list[Migration] = []


def migration(name: str) -> Callable[[Callable[[Connection], None]], Callable[[Connection], None]]:
    """Register the decorated function as the next step of the schema, called ``name``."""

    def register(apply: Callable[[Connection], None]) -> Callable[[Connection], None]:
        MIGRATIONS.append(Migration(name, apply))
        return apply

    return register


def run_script(db: Connection, script: str) -> None:
    """Run the statements of ``script`` one by one, inside the caller's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(dialect.ddl(db, statement))
            statement = ""
    if statement.strip():
        raise ValueError(f"unfinished SQL statement at the end of a script: {statement!r}")


# --- the steps, oldest first ---------------------------------------------------------------


@migration("0001_initial")
def _initial(db: Connection) -> None:
    run_script(
        db,
        """
CREATE TABLE titles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    original_title TEXT,
    year INTEGER,
    end_year INTEGER,
    rating REAL,
    votes INTEGER,
    title_type TEXT,
    runtime_minutes INTEGER,
    plot TEXT,
    page_generation TEXT NOT NULL,
    recommendations_state TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE TABLE title_genres (
    title_id TEXT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    genre TEXT NOT NULL,
    PRIMARY KEY (title_id, position)
);
CREATE INDEX title_genres_genre ON title_genres(genre);
CREATE TABLE title_directors (
    title_id TEXT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_id TEXT,
    PRIMARY KEY (title_id, position)
);
CREATE TABLE title_countries (
    title_id TEXT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    country TEXT NOT NULL,
    PRIMARY KEY (title_id, position)
);
CREATE INDEX title_countries_country ON title_countries(country);
CREATE TABLE edges (
    source TEXT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (source, rank)
);
CREATE INDEX edges_target ON edges(target);
CREATE TABLE aliases (
    old_id TEXT PRIMARY KEY,
    new_id TEXT NOT NULL
);
CREATE TABLE frontier (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    depth INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    empty_refetches INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    found_from TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX frontier_pending ON frontier(state, depth, seq);
CREATE TABLE failures (
    id INTEGER PRIMARY KEY,
    title_id TEXT NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT,
    final INTEGER NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    clean INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    args TEXT
);
""",
    )


@migration("0002_sources")
def _sources(db: Connection) -> None:
    """A second data source (TMDb): edges, frontier rows, failures and runs say which source
    they belong to (``origin``: ``imdb`` or ``tmdb``; every existing row is IMDb's); titles
    learn their TMDb id, which source wrote their metadata, and when each source last fetched
    them (``title_fetches``, for ``-a refresh_days``)."""
    run_script(
        db,
        """
CREATE TABLE edges_new (
    source TEXT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    origin TEXT NOT NULL DEFAULT 'imdb',
    rank INTEGER NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (source, origin, rank)
);
INSERT INTO edges_new (source, origin, rank, target)
    SELECT source, 'imdb', rank, target FROM edges;
DROP TABLE edges;
ALTER TABLE edges_new RENAME TO edges;
CREATE INDEX edges_target ON edges(target);
CREATE TABLE frontier_new (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'imdb',
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    depth INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    empty_refetches INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    found_from TEXT,
    updated_at REAL NOT NULL,
    UNIQUE (id, origin)
);
INSERT INTO frontier_new (seq, id, origin, state, depth, attempts, empty_refetches,
                          last_error, found_from, updated_at)
    SELECT seq, id, 'imdb', state, depth, attempts, empty_refetches, last_error, found_from,
           updated_at
    FROM frontier;
DROP TABLE frontier;
ALTER TABLE frontier_new RENAME TO frontier;
CREATE INDEX frontier_pending ON frontier(origin, state, depth, seq);
ALTER TABLE failures ADD COLUMN origin TEXT NOT NULL DEFAULT 'imdb';
ALTER TABLE runs ADD COLUMN spider TEXT NOT NULL DEFAULT 'imdb';
ALTER TABLE titles ADD COLUMN tmdb_id INTEGER;
ALTER TABLE titles ADD COLUMN metadata_origin TEXT NOT NULL DEFAULT 'imdb';
CREATE UNIQUE INDEX titles_tmdb_id ON titles(tmdb_id) WHERE tmdb_id IS NOT NULL;
CREATE TABLE title_fetches (
    title_id TEXT NOT NULL REFERENCES titles(id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    PRIMARY KEY (title_id, origin)
);
INSERT INTO title_fetches (title_id, origin, fetched_at)
    SELECT id, 'imdb', fetched_at FROM titles;
""",
    )


@migration("0003_dataset_titles")
def _dataset_titles(db: Connection) -> None:
    """IMDb's dataset files' metadata for any title the crawl knows (crawled by either source
    or only recommended), kept apart from what the pages said, so each value's source is
    known; lists are JSON arrays."""
    run_script(
        db,
        """
CREATE TABLE dataset_titles (
    id TEXT PRIMARY KEY,
    title TEXT,
    original_title TEXT,
    title_type TEXT,
    year INTEGER,
    end_year INTEGER,
    runtime_minutes INTEGER,
    genres TEXT,
    rating REAL,
    votes INTEGER,
    directors TEXT,
    director_ids TEXT,
    loaded_at REAL NOT NULL
);
""",
    )


@migration("0004_workers")
def _workers(db: Connection) -> None:
    """Many crawl processes on one database (PostgreSQL, issue #15): a pending frontier row
    may be claimed by a worker (``claimed_by``) until its lease ends (``lease_until``, a Unix
    time the worker pushes forward while it works); ``workers`` has one row per crawl process
    that claimed titles: its progress for the summary."""
    run_script(
        db,
        """
ALTER TABLE frontier ADD COLUMN claimed_by TEXT;
ALTER TABLE frontier ADD COLUMN lease_until REAL;
CREATE INDEX frontier_claimed ON frontier(claimed_by);
CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    spider TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    finished_at REAL,
    reason TEXT,
    claims INTEGER NOT NULL DEFAULT 0,
    pages INTEGER NOT NULL DEFAULT 0
);
""",
    )


# --- the runner ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    todo: list[Migration]
    legacy: bool  # a database from before migrations: record step 1 without running it
    version: int  # user_version once the plan has run


def applied_migrations(db: Connection) -> list[str]:
    """Names of the steps a database records, in order (none before migrations existed)."""
    if not _has_migrations_table(db):
        return []
    return [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY name")]


def migrate(
    db: Connection, where: str, steps: Sequence[Migration] = MIGRATIONS, *, create: bool = True
) -> list[str]:
    """Bring the database on ``db`` (an autocommit connection) up to ``steps``; returns the
    names of the steps applied now. ``where`` names the database (its path) in messages. Raises
    ``MigrationError`` for a database from a newer imdb-spider, one that is not a crawl, an
    empty one when ``create`` is false, and a step that fails (nothing is changed then)."""
    # Look first without a lock: the common case (nothing to do) must not wait for, or block,
    # a crawl writing to the same database.
    try:
        plan = _plan(db, where, steps, create)
        if not plan.todo and not plan.legacy:
            return []
    except MigrationError:
        # Decided again under the lock: on PostgreSQL this look is several statements, each
        # seeing the latest commit, so another process creating the schema meanwhile can make
        # it look half made.
        pass
    dialect.begin_write(db)
    try:
        dialect.lock_schema(db)
        # Again under the write lock: another process may have migrated in the meantime.
        plan = _plan(db, where, steps, create)
        db.execute(
            "CREATE TABLE IF NOT EXISTS migrations "
            "(name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
        )
        if plan.legacy:
            logger.info(
                "crawl database %s: schema version %d from before migrations were recorded; "
                "recording it as %s",
                where,
                LEGACY_VERSION,
                steps[0].name,
            )
            _record(db, steps[0].name)
        for step in plan.todo:
            logger.info("crawl database %s: applying migration %s", where, step.name)
            try:
                step.apply(db)
            except Exception as exc:
                raise MigrationError(
                    f"{where}: migration {step.name} failed ({type(exc).__name__}: {exc}); "
                    "the database is unchanged"
                ) from exc
            _record(db, step.name)
        dialect.set_user_version(db, plan.version)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return [step.name for step in plan.todo]


def _plan(db: Connection, where: str, steps: Sequence[Migration], create: bool) -> _Plan:
    version = _version(db)
    known = [step.name for step in steps]
    if _has_migrations_table(db):
        applied = applied_migrations(db)
        legacy = False
    elif version == 0 and not _table_count(db):
        if not create:
            raise MigrationError(f"{where} is an empty database, not a crawl")
        applied, legacy = [], False
    elif version == LEGACY_VERSION:
        applied, legacy = known[:1], True
    elif version == 0:
        raise MigrationError(f"{where} is not a crawl database: it has tables but no schema")
    else:
        applied, legacy = [], False  # a version this code never wrote: refused below
    unknown = [name for name in applied if name not in known]
    if version > len(known) or unknown:
        newer = f"migration {', '.join(unknown)}" if unknown else f"schema version {version}"
        raise MigrationError(
            f"{where} has {newer}, newer than this imdb-spider, which reads version "
            f"{len(known)} (up to migration {known[-1]}): open it with the imdb-spider that "
            "wrote it or a newer one, or use a new IMDB_DB_PATH"
        )
    todo = [step for step in steps if step.name not in applied]
    return _Plan(todo, legacy, len(applied) + len(todo))


def _record(db: Connection, name: str) -> None:
    db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, time.time()))


def _version(db: Connection) -> int:
    return dialect.user_version(db)


def _has_migrations_table(db: Connection) -> bool:
    return "migrations" in dialect.table_names(db)


def _table_count(db: Connection) -> int:
    return len(dialect.table_names(db))
