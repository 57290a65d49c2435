"""The crawl database: every query the crawl and the exporters make, on one connection.

SQLite is the source of truth of a crawl. Scrapy's JOBDIR queue is only a speed-up: after an
unclean stop (``kill -9``, a power cut) the queue is rebuilt from the ``frontier`` table, whose
rows change in the same transaction as the page they describe.

Tables: ``titles`` (+ ``title_genres``, ``title_directors``, ``title_countries`` so lists are
queryable), ``edges`` (source, rank -> target), ``aliases`` (old id -> surviving id),
``frontier`` (one row per title ever scheduled: state, depth, attempts, last error, first seen
from), ``failures`` (every failed attempt, with its reason), ``runs`` (start, finish, clean),
``dataset_titles`` (IMDb's dataset files' values, loaded by ``python -m imdb_spider.datasets``)
``migrations`` (the schema steps a database has had) and ``workers`` (the crawl processes that
claimed titles). The schema itself is in ``migrations.py``, as named steps that opening a
database applies; ``dialect.py`` holds what differs between the two engines. The three modules
hold all the SQL of the project.

Two engines, one API: ``IMDB_DB_PATH`` is a SQLite file (the embedded default: one crawl
process) or a ``postgresql://user@host:port/dbname`` URL (PostgreSQL, through psycopg 3: any
number of crawl processes on any number of machines). Nothing above this module knows which.
With several workers each claims a small batch of pending titles (``claim``: ``SELECT … FOR
UPDATE SKIP LOCKED``, so claims never wait on each other), holds them under a lease it renews
while working (``renew``), and commits each page in one transaction as on SQLite, which also
ends the title's claim; a worker that dies leaves leases that run out, and its titles are
claimable again. Two workers writing the same rows at once (an alias both found) make one of
them run its transaction again (``dialect.RETRYABLE``).

Values are always bound as parameters; identifiers are fixed strings of this module.
``python -m imdb_spider.store PATH_OR_URL`` prints a JSON summary of a database (with every
worker's progress and the stale leases); ``python -m imdb_spider.store copy SRC DST`` copies a
crawl between engines and checks the copy by counting.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson

from . import dialect
from .migrations import MIGRATIONS, Migration, MigrationError, applied_migrations, migrate

T = TypeVar("T")
# How many times a PostgreSQL transaction that collided with another worker's is run again.
_WRITE_ATTEMPTS = 8

#: The schema version this code writes: the number of migration steps it knows.
SCHEMA_VERSION = len(MIGRATIONS)

PENDING, DONE, FAILED = "pending", "done", "failed"

#: The sources of recommendations (the ``origin`` of edges, frontier rows, failures, fetches).
IMDB, TMDB = "imdb", "tmdb"
ORIGINS = (IMDB, TMDB)
# Whose metadata wins when two sources fetched a title: an IMDb page over TMDb's answer.
_PRECEDENCE = {TMDB: 1, IMDB: 2}
#: The source of the values ``python -m imdb_spider.datasets`` loads from IMDb's dataset files.
DATASETS = "imdb-datasets"
# The columns of dataset_titles a load may write (the only identifiers its upsert names).
_DATASET_COLUMNS = frozenset(
    {
        "title",
        "original_title",
        "title_type",
        "year",
        "end_year",
        "runtime_minutes",
        "genres",
        "rating",
        "votes",
        "directors",
        "director_ids",
    }
)
# title_record's scalar fields, in the order both of its queries select them.
_RECORD_SCALARS = (
    "title",
    "original_title",
    "year",
    "end_year",
    "runtime",
    "type",
    "rating",
    "votes",
)


# Ids bound per query of a batched look-up (SQLite allows 32,766 variables; stay well below).
_BATCH = 500


class StoreError(Exception):
    """A crawl database that cannot be used as it is."""


#: What storing a page may raise, on either engine: the pipeline records it as a failure.
STORE_ERRORS: tuple[type[Exception], ...] = (StoreError, *dialect.DB_ERRORS)

# Every table of a crawl in an order that satisfies the foreign keys (``copy``); the
# ``migrations`` table is the destination's own.
COPY_TABLES = (
    "titles",
    "title_genres",
    "title_directors",
    "title_countries",
    "title_fetches",
    "edges",
    "aliases",
    "frontier",
    "failures",
    "runs",
    "dataset_titles",
    "workers",
)
# Identity columns that a copy fills with the source's numbers.
_IDENTITIES = (("frontier", "seq"), ("failures", "id"), ("runs", "id"))


def database_arg(text: str) -> str | Path:
    """A command line's crawl database: a ``postgresql://`` URL as given, else a path."""
    return text if dialect.is_url(text) else Path(text)


def describe(target: str | Path) -> str:
    """A crawl database as messages may name it (a URL's password replaced by ``***``)."""
    return dialect.describe(target)


@dataclass(frozen=True, slots=True)
class FrontierRow:
    id: str
    depth: int
    attempts: int
    empty_refetches: int
    found_from: str | None


class Store:
    """One open crawl database. Not thread-safe; Scrapy calls it from its reactor thread.

    ``path`` is a SQLite file or a ``postgresql://`` URL; ``where`` names it for messages
    (a URL's password replaced by ``***``), ``engine`` says which (``sqlite``, ``postgresql``).
    """

    db: Any  # sqlite3.Connection or dialect.PgConnection: the same execute() for both

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self._frontier_rows: dict[str, int] = {}
        self.where = dialect.describe(path)
        self.path: str | Path
        if dialect.is_url(path):
            self.path = self.where
            self.engine = dialect.POSTGRESQL
            try:
                self.db = dialect.PgConnection(str(path))
            except ConnectionError as exc:
                raise StoreError(str(exc)) from None
        else:
            self.path = Path(path)
            self.engine = dialect.SQLITE
            self.db = self._open_sqlite(self.path, create=create)
        # Several processes share a PostgreSQL frontier: its size is counted afresh each time.
        self.shared = self.engine == dialect.POSTGRESQL
        try:
            # Brings an older database up to date, in one transaction (see migrations.py).
            migrate(self.db, self.where, migrations, create=create)
        except MigrationError as exc:
            self.db.close()
            raise StoreError(str(exc)) from None

    @staticmethod
    def _open_sqlite(path: Path, *, create: bool) -> sqlite3.Connection:
        if not create and not path.is_file():
            raise StoreError(f"no crawl database at {path}")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a SQLite database ({exc})") from None
        # WAL + NORMAL: a commit survives a killed process (not a power cut), and costs no fsync.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        dialect.begin_write(self.db)
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            self._frontier_rows.clear()  # counted rows that were rolled back
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read in one consistent snapshot while crawlers go on writing (an export of a live
        crawl: its titles and its edges as of one moment)."""
        dialect.begin_snapshot(self.db)
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    def _write(self, work: Callable[[], T]) -> T:
        """``work`` in one transaction; on PostgreSQL run again when it collided with another
        worker's transaction (a deadlock, the same new row), up to ``_WRITE_ATTEMPTS`` times."""
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                with self.transaction():
                    return work()
            except dialect.RETRYABLE:
                if attempt == _WRITE_ATTEMPTS:
                    raise
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    # --- runs ----------------------------------------------------------------------------

    def last_run_was_clean(self, spider: str = IMDB) -> bool | None:
        """Whether ``spider``'s previous run finished cleanly; None when there was none."""
        row = self.db.execute(
            "SELECT clean FROM runs WHERE spider = ? ORDER BY id DESC LIMIT 1", (spider,)
        ).fetchone()
        return None if row is None else bool(row[0])

    def start_run(self, args: dict[str, Any], spider: str = IMDB) -> int:
        row = self.db.execute(
            "INSERT INTO runs (started_at, args, spider) VALUES (?, ?, ?) RETURNING id",
            (time.time(), orjson.dumps(args).decode(), spider),
        ).fetchone()
        return int(row[0])

    def finish_run(self, run_id: int, reason: str, *, clean: bool) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, clean = ?, reason = ? WHERE id = ?",
            (time.time(), int(clean), reason, run_id),
        )

    # --- frontier (one per source: each spider crawls its own) -------------------------------

    def add_to_frontier(
        self,
        ids: Iterable[str],
        depth: int,
        found_from: str | None = None,
        limit: int | None = None,
        origin: str = IMDB,
    ) -> list[str]:
        """Queue ids not seen before in ``origin``'s frontier, while it holds fewer than
        ``limit`` rows; returns those that were new, in the order given."""
        ids = list(ids)
        return self._write(
            lambda: self._add(ids, depth, found_from, time.time(), limit=limit, origin=origin)
        )

    def _add(
        self,
        ids: Iterable[str],
        depth: int,
        found_from: str | None,
        now: float,
        *,
        limit: int | None,
        origin: str,
    ) -> list[str]:
        new: list[str] = []
        if limit is None and self.shared:
            return self._add_all(list(dict.fromkeys(ids)), depth, found_from, now, origin)
        if limit is not None and self.shared:
            dialect.lock_frontier(self.db, origin)  # one worker at a time counts to the limit
        room = None if limit is None else limit - self._frontier_size(origin)
        for title_id in ids:
            if room is not None and len(new) >= room:
                break
            cursor = self.db.execute(
                "INSERT INTO frontier (id, origin, depth, found_from, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (title_id, origin, depth, found_from, now),
            )
            if cursor.rowcount:
                new.append(title_id)
        if origin in self._frontier_rows:
            self._frontier_rows[origin] += len(new)
        return new

    def _add_all(
        self, ids: list[str], depth: int, found_from: str | None, now: float, origin: str
    ) -> list[str]:
        """``_add`` without a limit in one statement (a server's round trip per id would be
        most of a page's time on PostgreSQL); the new ids in the order given."""
        if not ids:
            return []
        # One "(?, ?, ?, ?, ?)" per id; the statement text only repeats placeholders.
        rows = ", ".join(["(?, ?, ?, ?, ?)"] * len(ids))
        query = (
            f"INSERT INTO frontier (id, origin, depth, found_from, updated_at) VALUES {rows} "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        values = [v for title_id in ids for v in (title_id, origin, depth, found_from, now)]
        inserted = {row[0] for row in self.db.execute(query, values).fetchall()}
        return [title_id for title_id in ids if title_id in inserted]

    def _frontier_size(self, origin: str) -> int:
        """Titles in ``origin``'s frontier (rows, less those of ids that became aliases of
        another), counted once per connection and then kept up to date (a count(*) per page
        would make every page slower than the last); on a shared (PostgreSQL) database other
        workers add rows too, so it is counted each time."""
        if origin not in self._frontier_rows:
            count = self.db.execute(
                "SELECT count(*) FROM frontier WHERE origin = ? "
                "AND id NOT IN (SELECT old_id FROM aliases)",
                (origin,),
            ).fetchone()[0]
            if self.shared:
                return int(count)
            self._frontier_rows[origin] = count
        return self._frontier_rows[origin]

    def pending(self, origin: str = IMDB) -> Iterator[FrontierRow]:
        """``origin``'s pending rows breadth-first: by depth, then in the order found."""
        rows = self.db.execute(
            "SELECT id, depth, attempts, empty_refetches, found_from FROM frontier "
            "WHERE origin = ? AND state = 'pending' ORDER BY depth, seq",
            (origin,),
        ).fetchall()
        for row in rows:
            yield FrontierRow(*row)

    def frontier_row(self, title_id: str, origin: str = IMDB) -> FrontierRow | None:
        row = self.db.execute(
            "SELECT id, depth, attempts, empty_refetches, found_from FROM frontier "
            "WHERE id = ? AND origin = ?",
            (title_id, origin),
        ).fetchone()
        return FrontierRow(*row) if row else None

    def state(self, title_id: str, origin: str = IMDB) -> str | None:
        row = self.db.execute(
            "SELECT state FROM frontier WHERE id = ? AND origin = ?", (title_id, origin)
        ).fetchone()
        return row[0] if row else None

    def count_titles(self) -> int:
        return self.db.execute("SELECT count(*) FROM titles").fetchone()[0]

    def count_frontier(self, origin: str | None = None) -> int:
        if origin is None:
            return self.db.execute("SELECT count(*) FROM frontier").fetchone()[0]
        query = "SELECT count(*) FROM frontier WHERE origin = ?"
        return self.db.execute(query, (origin,)).fetchone()[0]

    def count_pending(self, origin: str = IMDB) -> int:
        query = "SELECT count(*) FROM frontier WHERE origin = ? AND state = 'pending'"
        return self.db.execute(query, (origin,)).fetchone()[0]

    def frontier_counts(self, origin: str | None = None) -> dict[str, int]:
        """Rows of the frontier (``origin``'s, or every source's) by state, zero or not."""
        if origin is None:
            cursor = self.db.execute("SELECT state, count(*) FROM frontier GROUP BY state")
        else:
            cursor = self.db.execute(
                "SELECT state, count(*) FROM frontier WHERE origin = ? GROUP BY state", (origin,)
            )
        states = dict(cursor)
        return {state: states.get(state, 0) for state in (PENDING, DONE, FAILED)}

    def tmdb_id_of(self, title_id: str) -> int | None:
        """The TMDb id a stored title is known by (for ``tt`` ids the TMDb spider fetches)."""
        row = self.db.execute("SELECT tmdb_id FROM titles WHERE id = ?", (title_id,)).fetchone()
        return row[0] if row else None

    def resolve(self, ids: Iterable[str]) -> list[str]:
        """The surviving id of each of ``ids`` (merged and TMDb-only ids that have since been
        matched to an IMDb id), in order, without repeats."""
        ids = list(ids)
        aliases = self._aliases_of(ids)
        return list(dict.fromkeys(aliases.get(i, i) for i in ids))

    def refresh(self, origin: str, older_than_days: float) -> int:
        """Put back in ``origin``'s queue every title that source last fetched more than
        ``older_than_days`` days ago; returns how many."""
        cutoff = time.time() - older_than_days * 86400
        return self._write(
            lambda: (
                self.db.execute(
                    "UPDATE frontier SET state = 'pending', attempts = 0, empty_refetches = 0, "
                    "updated_at = ? WHERE origin = ? AND state = 'done' AND id IN "
                    "(SELECT title_id FROM title_fetches WHERE origin = ? AND fetched_at < ?)",
                    (time.time(), origin, origin, cutoff),
                ).rowcount
            )
        )

    # --- claims: many workers on one frontier (PostgreSQL) ---------------------------------

    def register_worker(self, worker: str, spider: str, host: str, pid: int) -> None:
        now = time.time()
        self._write(
            lambda: self.db.execute(
                "INSERT INTO workers (id, spider, host, pid, started_at, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (worker, spider, host, pid, now, now),
            )
        )

    def claim(
        self, worker: str, count: int, lease_seconds: float, origin: str = IMDB
    ) -> list[FrontierRow]:
        """Claim up to ``count`` of ``origin``'s pending titles that nobody holds (no claim,
        or a lease that ran out) for ``worker`` until ``lease_seconds`` from now, breadth-first;
        a claim never waits for another worker's (``SKIP LOCKED``)."""
        if count <= 0:
            return []
        now = time.time()
        # The lock clause is one of dialect's two fixed strings; values are bound.
        query = (
            "UPDATE frontier SET claimed_by = ?, lease_until = ? WHERE seq IN ("  # noqa: S608
            "SELECT seq FROM frontier WHERE origin = ? AND state = 'pending' "
            "AND (lease_until IS NULL OR lease_until < ?) ORDER BY depth, seq LIMIT ?"
            f"{dialect.skip_locked(self.db)}) "
            "RETURNING seq, id, depth, attempts, empty_refetches, found_from"
        )

        def take() -> list[tuple]:
            rows = self.db.execute(
                query, (worker, now + lease_seconds, origin, now, count)
            ).fetchall()
            self.db.execute(
                "UPDATE workers SET claims = claims + ?, last_seen = ? WHERE id = ?",
                (len(rows), now, worker),
            )
            return rows

        return [FrontierRow(*row[1:]) for row in sorted(self._write(take), key=lambda r: r[:3])]

    def renew(self, worker: str, lease_seconds: float, *, pages: int | None = None) -> int:
        """Push the lease of every title ``worker`` holds to ``lease_seconds`` from now, and
        note that it was seen (with its count of pages stored, if given); returns how many
        titles it holds."""
        now = time.time()

        def renew() -> int:
            held = self.db.execute(
                "UPDATE frontier SET lease_until = ? WHERE claimed_by = ? AND state = 'pending'",
                (now + lease_seconds, worker),
            ).rowcount
            self.db.execute(
                "UPDATE workers SET last_seen = ?, pages = coalesce(?, pages) WHERE id = ?",
                (now, pages, worker),
            )
            return held

        return self._write(renew)

    def release(self, worker: str) -> int:
        """End every claim ``worker`` holds: its titles are claimable again at once."""
        return self._write(
            lambda: (
                self.db.execute(
                    "UPDATE frontier SET claimed_by = NULL, lease_until = NULL "
                    "WHERE claimed_by = ? AND state = 'pending'",
                    (worker,),
                ).rowcount
            )
        )

    def finish_worker(self, worker: str, reason: str, *, pages: int | None = None) -> None:
        now = time.time()
        self._write(
            lambda: self.db.execute(
                "UPDATE workers SET finished_at = ?, last_seen = ?, reason = ?, "
                "pages = coalesce(?, pages) WHERE id = ?",
                (now, now, reason, pages, worker),
            )
        )

    def running_workers(self, host: str) -> list[tuple[str, int]]:
        """(id, pid) of the workers on ``host`` that never recorded an end."""
        rows = self.db.execute(
            "SELECT id, pid FROM workers WHERE host = ? AND finished_at IS NULL ORDER BY id",
            (host,),
        )
        return [(row[0], int(row[1])) for row in rows]

    def retire_worker(self, worker: str, reason: str) -> int:
        """A worker known to be dead: end its claims now (not when its leases run out) and
        record its end; returns how many titles it held."""

        def retire() -> int:
            held = self.db.execute(
                "UPDATE frontier SET claimed_by = NULL, lease_until = NULL "
                "WHERE claimed_by = ? AND state = 'pending'",
                (worker,),
            ).rowcount
            self.db.execute(
                "UPDATE workers SET finished_at = ?, reason = ? WHERE id = ?",
                (time.time(), reason, worker),
            )
            return held

        return self._write(retire)

    def live_workers(self, spider: str, seen_within: float) -> int:
        """Workers of ``spider`` running and seen in the last ``seen_within`` seconds."""
        query = (
            "SELECT count(*) FROM workers WHERE spider = ? AND finished_at IS NULL "
            "AND last_seen >= ?"
        )
        return int(self.db.execute(query, (spider, time.time() - seen_within)).fetchone()[0])

    def worker_summary(self) -> dict[str, Any]:
        """Every worker's progress (claims, pages, last seen, titles held now) and the leases:
        held (running) and stale (ran out, the titles wait for another worker)."""
        if "workers" not in dialect.table_names(self.db):
            return {}  # opened with fewer migration steps than this code knows
        now = time.time()
        held: dict[str, int] = dict(
            self.db.execute(
                "SELECT claimed_by, count(*) FROM frontier WHERE state = 'pending' "
                "AND claimed_by IS NOT NULL AND lease_until >= ? GROUP BY claimed_by",
                (now,),
            )
        )
        stale = self.db.execute(
            "SELECT count(*) FROM frontier WHERE state = 'pending' "
            "AND claimed_by IS NOT NULL AND lease_until < ?",
            (now,),
        ).fetchone()[0]
        workers = [
            {
                "id": r[0],
                "spider": r[1],
                "host": r[2],
                "pid": r[3],
                "started_at": _iso(r[4]),
                "last_seen": _iso(r[5]),
                "seconds_since_seen": round(now - r[5], 1),
                "finished_at": None if r[6] is None else _iso(r[6]),
                "reason": r[7],
                "claims": r[8],
                "pages": r[9],
                "holding": held.get(r[0], 0),
            }
            for r in self.db.execute(
                "SELECT id, spider, host, pid, started_at, last_seen, finished_at, reason, "
                "claims, pages FROM workers ORDER BY started_at, id"
            )
        ]
        return {"workers": workers, "leases": {"held": sum(held.values()), "stale": stale}}

    # --- pages ---------------------------------------------------------------------------

    def save_page(
        self,
        record: Any,
        *,
        requested_id: str,
        depth: int,
        follow: Iterable[str] = (),
        limit: int | None = None,
        origin: str = IMDB,
    ) -> list[str]:
        """Store one fetched title and its consequences in a single transaction.

        ``record`` is a ``TitleRecord``; ``requested_id`` the id that was fetched (it differs
        from ``record.id`` after a redirect from a merged id, or when a TMDb-only id turns
        out to have an IMDb id); ``origin`` the source it came from (``imdb``, ``tmdb``):
        its edges *from that source* replace the ones stored before, and its metadata
        replaces what a source of the same or lower precedence wrote (an IMDb page over
        TMDb's). ``follow`` the recommended ids to queue at ``depth + 1`` in that source's
        frontier, while it holds fewer than ``limit`` rows. Returns the ids newly added to
        the frontier, which the caller schedules only after this commit. The fetched ids'
        claims end (``claim``).
        """
        follow = list(follow)
        return self._write(
            lambda: self._save(
                record,
                requested_id=requested_id,
                depth=depth,
                follow=follow,
                limit=limit,
                now=time.time(),
                origin=origin,
            )
        )

    def save_pages(self, records: Iterable[Any], depth: int = 0, origin: str = IMDB) -> int:
        """Store many pages fetched by their own ids in one transaction (bulk loads such as
        the benchmark's reference database); returns how many were stored."""
        count = 0
        now = time.time()
        with self.transaction():
            for record in records:
                self._save(
                    record,
                    requested_id=record.id,
                    depth=depth,
                    follow=(),
                    limit=None,
                    now=now,
                    origin=origin,
                )
                count += 1
        return count

    def _save(
        self,
        record: Any,
        *,
        requested_id: str,
        depth: int,
        follow: Iterable[str],
        limit: int | None,
        now: float,
        origin: str,
    ) -> list[str]:
        # Workers on one PostgreSQL database: a page that makes an alias waits for the pages
        # being written and they for it, so no edge is stored pointing at the old id after
        # the alias's update of edges ran (a page reads the aliases after this lock).
        dialect.lock_aliases(self.db, exclusive=requested_id != record.id)
        self._put_title(record, now, origin)
        if requested_id != record.id:
            # A merged id, or a TMDb-only id now matched: remember it, and point the edges
            # already stored at it (from any source) to the surviving title.
            known = self.db.execute(
                "SELECT 1 FROM aliases WHERE old_id = ?", (requested_id,)
            ).fetchone()
            if not known and origin in self._frontier_rows:
                self._frontier_rows[origin] -= 1  # its row no longer counts as a title
            self.db.execute(
                "INSERT INTO aliases (old_id, new_id) VALUES (?, ?) "
                "ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id",
                (requested_id, record.id),
            )
            self.db.execute(
                "UPDATE edges SET target = ? WHERE target = ?", (record.id, requested_id)
            )
        aliases = self._aliases_of(record.recommendations)
        self.db.execute("DELETE FROM edges WHERE source = ? AND origin = ?", (record.id, origin))
        self.db.executemany(
            "INSERT INTO edges (source, origin, rank, target) VALUES (?, ?, ?, ?)",
            [
                (record.id, origin, rank, aliases.get(target, target))
                for rank, target in enumerate(record.recommendations)
            ],
        )
        # The fetched ids are done first, so the limit below counts the surviving one.
        for title_id in sorted({requested_id, record.id}):
            inserted = self.db.execute(
                "INSERT INTO frontier (id, origin, state, depth, updated_at) "
                "VALUES (?, ?, 'done', ?, ?) ON CONFLICT DO NOTHING",
                (title_id, origin, depth, now),
            ).rowcount
            if inserted and origin in self._frontier_rows:
                self._frontier_rows[origin] += 1
            elif not inserted:
                self.db.execute(
                    "UPDATE frontier SET state = 'done', last_error = NULL, updated_at = ?, "
                    "claimed_by = NULL, lease_until = NULL WHERE id = ? AND origin = ?",
                    (now, title_id, origin),
                )
        return self._add(follow, depth + 1, record.id, now, limit=limit, origin=origin)

    def _aliases_of(self, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        # One bound parameter per id; the statement text only repeats "?".
        marks = ",".join("?" * len(ids))
        query = f"SELECT old_id, new_id FROM aliases WHERE old_id IN ({marks})"  # noqa: S608
        return dict(self.db.execute(query, ids))

    def _put_title(self, record: Any, now: float, origin: str) -> None:
        tmdb_id = getattr(record, "tmdb_id", None)
        row = self.db.execute(
            "SELECT metadata_origin FROM titles WHERE id = ?", (record.id,)
        ).fetchone()
        if row is not None and _PRECEDENCE.get(origin, 0) < _PRECEDENCE.get(row[0], 0):
            # A lower-precedence source (TMDb after an IMDb page): keep the metadata, learn
            # the TMDb id.
            self.db.execute(
                "UPDATE titles SET tmdb_id = coalesce(?, tmdb_id) WHERE id = ?",
                (tmdb_id, record.id),
            )
        else:
            self._write_metadata(record, now, origin, tmdb_id, exists=row is not None)
        self.db.execute(
            "INSERT INTO title_fetches (title_id, origin, fetched_at) VALUES (?, ?, ?) "
            "ON CONFLICT (title_id, origin) DO UPDATE SET fetched_at = excluded.fetched_at",
            (record.id, origin, now),
        )

    def _write_metadata(
        self, record: Any, now: float, origin: str, tmdb_id: int | None, *, exists: bool
    ) -> None:
        values = (
            record.title,
            record.original_title,
            record.year,
            record.end_year,
            record.rating,
            record.votes,
            record.title_type,
            record.runtime_minutes,
            record.plot,
            record.page_generation,
            record.recommendations_state,
            now,
            origin,
        )
        if not exists:
            self.db.execute(
                "INSERT INTO titles (title, original_title, year, end_year, rating, votes, "
                "title_type, runtime_minutes, plot, page_generation, recommendations_state, "
                "fetched_at, metadata_origin, tmdb_id, id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, tmdb_id, record.id),
            )
        else:
            self.db.execute(
                "UPDATE titles SET title = ?, original_title = ?, year = ?, end_year = ?, "
                "rating = ?, votes = ?, title_type = ?, runtime_minutes = ?, plot = ?, "
                "page_generation = ?, recommendations_state = ?, fetched_at = ?, "
                "metadata_origin = ?, tmdb_id = coalesce(?, tmdb_id) WHERE id = ?",
                (*values, tmdb_id, record.id),
            )
            for table in ("title_genres", "title_directors", "title_countries"):
                # Fixed identifiers from the tuple above, never user input.
                self.db.execute(f"DELETE FROM {table} WHERE title_id = ?", (record.id,))  # noqa: S608
        self.db.executemany(
            "INSERT INTO title_genres (title_id, position, genre) VALUES (?, ?, ?)",
            [(record.id, i, genre) for i, genre in enumerate(record.genres)],
        )
        self.db.executemany(
            "INSERT INTO title_directors (title_id, position, name, name_id) VALUES (?, ?, ?, ?)",
            [
                (record.id, i, name, nm)
                for i, (name, nm) in enumerate(
                    zip(record.directors, record.director_ids, strict=True)
                )
            ],
        )
        self.db.executemany(
            "INSERT INTO title_countries (title_id, position, country) VALUES (?, ?, ?)",
            [(record.id, i, country) for i, country in enumerate(record.countries)],
        )

    def note_empty_refetch(self, title_id: str, detail: str, origin: str = IMDB) -> int:
        """Count one more fetch that came back with an empty recommendations list."""

        def note() -> None:
            self.db.execute(
                "UPDATE frontier SET empty_refetches = empty_refetches + 1, last_error = ?, "
                "updated_at = ? WHERE id = ? AND origin = ?",
                (detail, time.time(), title_id, origin),
            )
            self._log_failure(title_id, "empty-recommendations", detail, final=False, origin=origin)

        self._write(note)
        row = self.frontier_row(title_id, origin)
        return row.empty_refetches if row else 0

    def record_failure(
        self, title_id: str, kind: str, detail: str, *, max_attempts: int, origin: str = IMDB
    ) -> bool:
        """Note a failed attempt; True if the title may be tried again, False if it is given up
        (state ``failed``, its claim ended) after ``max_attempts`` attempts."""
        return self._write(
            lambda: self._failure(title_id, kind, detail, max_attempts=max_attempts, origin=origin)
        )

    def _failure(
        self, title_id: str, kind: str, detail: str, *, max_attempts: int, origin: str
    ) -> bool:
        self.db.execute(
            "UPDATE frontier SET attempts = attempts + 1, last_error = ?, updated_at = ? "
            "WHERE id = ? AND origin = ? AND state = 'pending'",
            (f"{kind}: {detail}", time.time(), title_id, origin),
        )
        row = self.db.execute(
            "SELECT attempts FROM frontier WHERE id = ? AND origin = ?", (title_id, origin)
        ).fetchone()
        give_up = row is not None and row[0] >= max_attempts
        if give_up:
            self.db.execute(
                "UPDATE frontier SET state = 'failed', claimed_by = NULL, lease_until = NULL "
                "WHERE id = ? AND origin = ? AND state = 'pending'",
                (title_id, origin),
            )
        self._log_failure(title_id, kind, detail, final=give_up, origin=origin)
        return not give_up

    def _log_failure(
        self, title_id: str, kind: str, detail: str, *, final: bool, origin: str
    ) -> None:
        self.db.execute(
            "INSERT INTO failures (title_id, at, kind, detail, final, origin) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (title_id, time.time(), kind, detail, int(final), origin),
        )

    def retry_failed(self, origin: str = IMDB) -> int:
        """Put every title ``origin`` gave up on back in its queue (``-a retry_failed=1``)."""
        return self._write(
            lambda: (
                self.db.execute(
                    "UPDATE frontier SET state = 'pending', attempts = 0, updated_at = ? "
                    "WHERE origin = ? AND state = 'failed'",
                    (time.time(), origin),
                ).rowcount
            )
        )

    # --- reading -------------------------------------------------------------------------

    def titles(self) -> Iterator[dict[str, Any]]:
        """Every stored title with its lists, ordered by id. Where IMDb's datasets were loaded
        (``python -m imdb_spider.datasets``) their values win over the page's, field by field,
        as in ``title_record``."""
        lists: dict[str, dict[str, list]] = {}
        for table, column, key in (
            ("title_genres", "genre", "genres"),
            ("title_countries", "country", "countries"),
            ("title_directors", "name", "directors"),
        ):
            # Fixed identifiers from the tuple above, never user input.
            query = f"SELECT title_id, {column} FROM {table} ORDER BY title_id, position"  # noqa: S608
            for title_id, value in self.db.execute(query):
                lists.setdefault(title_id, {}).setdefault(key, []).append(value)
        # One join, not a query per title: this runs over the whole crawl.
        cursor = self.db.execute(
            "SELECT t.id AS id, coalesce(d.title, t.title) AS title, "
            "coalesce(d.original_title, t.original_title) AS original_title, "
            "coalesce(d.year, t.year) AS year, coalesce(d.end_year, t.end_year) AS end_year, "
            "coalesce(d.rating, t.rating) AS rating, coalesce(d.votes, t.votes) AS votes, "
            "coalesce(d.title_type, t.title_type) AS title_type, "
            "coalesce(d.runtime_minutes, t.runtime_minutes) AS runtime_minutes, t.plot AS plot, "
            "t.page_generation AS page_generation, "
            "t.recommendations_state AS recommendations_state, "
            "d.genres AS dataset_genres, d.directors AS dataset_directors "
            "FROM titles t LEFT JOIN dataset_titles d ON d.id = t.id ORDER BY t.id"
        )
        names = [d[0] for d in cursor.description][:-2]
        for row in cursor:
            item = dict(zip(names, row[:-2], strict=True))
            extra = lists.get(item["id"], {})
            for key in ("genres", "countries", "directors"):
                item[key] = extra.get(key, [])
            # The dataset's lists are NULL or non-empty (the loader stores no empty list).
            if row[-2] is not None:
                item["genres"] = orjson.loads(row[-2])
            if row[-1] is not None:
                item["directors"] = orjson.loads(row[-1])
            yield item

    def edges(self, origin: str | None = None) -> Iterator[tuple[str, str, int]]:
        """(source, target, rank) for every stored recommendation (``origin``'s only, if
        given), by source, then source of the recommendation, then rank."""
        if origin is None:
            yield from self.db.execute(
                "SELECT source, target, rank FROM edges ORDER BY source, origin, rank"
            )
        else:
            yield from self.db.execute(
                "SELECT source, target, rank FROM edges WHERE origin = ? ORDER BY source, rank",
                (origin,),
            )

    def edge_rows(self, origin: str | None = None) -> Iterator[tuple[str, str, int, str]]:
        """(source, target, rank, origin) for every stored recommendation (``origin``'s only,
        if given), in the order of ``edges``: what an export needs to say where each came
        from."""
        if origin is None:
            yield from self.db.execute(
                "SELECT source, target, rank, origin FROM edges ORDER BY source, origin, rank"
            )
        else:
            yield from self.db.execute(
                "SELECT source, target, rank, origin FROM edges WHERE origin = ? "
                "ORDER BY source, rank",
                (origin,),
            )

    def run_hosts(self) -> list[str | None]:
        """The host each run crawled (its ``host`` argument), oldest first; None for a run
        that recorded none (runs before hosts were recorded)."""
        hosts: list[str | None] = []
        for (args,) in self.db.execute("SELECT args FROM runs ORDER BY id"):
            try:
                host = orjson.loads(args or "{}").get("host")
            except (orjson.JSONDecodeError, AttributeError):
                host = None
            hosts.append(host if isinstance(host, str) and host else None)
        return hosts

    def title_names(self, ids: Iterable[str]) -> dict[str, tuple[str, int | None]]:
        """(title, year) of each of ``ids`` the crawl can name, stored or only recommended:
        IMDb's datasets' values over the page's, as in ``titles``. Ids it cannot name are
        left out."""
        wanted = sorted(set(ids))
        names: dict[str, tuple[str | None, int | None]] = {}
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            marks = ", ".join("?" * len(chunk))
            # Only placeholders are formatted in; the ids are bound.
            for query in (
                f"SELECT id, title, year FROM titles WHERE id IN ({marks})",  # noqa: S608
                f"SELECT id, title, year FROM dataset_titles WHERE id IN ({marks})",  # noqa: S608
            ):
                # The datasets' row, read second, wins field by field.
                for title_id, title, year in self.db.execute(query, chunk):
                    page = names.get(title_id, (None, None))
                    names[title_id] = (title or page[0], year if year is not None else page[1])
        return {k: (title, year) for k, (title, year) in names.items() if title}

    def aliases(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT old_id, new_id FROM aliases"))

    def summary(self) -> dict[str, Any]:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        failures = dict(self.db.execute("SELECT kind, count(*) FROM failures GROUP BY kind"))
        runs = [
            {
                "id": r[0],
                "started_at": r[1],
                "finished_at": r[2],
                "clean": bool(r[3]),
                "reason": r[4],
            }
            for r in self.db.execute(
                "SELECT id, started_at, finished_at, clean, reason FROM runs ORDER BY id"
            )
        ]
        return {
            "path": self.where,
            "engine": self.engine,
            "schema_version": dialect.user_version(self.db),
            "migrations": applied_migrations(self.db),
            "titles": one("SELECT count(*) FROM titles"),
            "edges": one("SELECT count(*) FROM edges"),
            "aliases": one("SELECT count(*) FROM aliases"),
            "frontier": self.frontier_counts(),
            "failures_by_kind": failures,
            "recommendations_state": dict(
                self.db.execute("SELECT recommendations_state, count(*) FROM titles GROUP BY 1")
            ),
            "runs": runs,
            **self.worker_summary(),
        }

    def integrity_check(self) -> str:
        return dialect.integrity_check(self.db)

    # --- IMDb's datasets -----------------------------------------------------------------

    def dataset_targets(self) -> dict[str, str]:
        """Every IMDb id the crawl knows (stored titles, both sources' frontier rows, edge
        targets, merged ids) mapped to the id its dataset values belong to (the surviving id
        of an alias, else itself). TMDb-only ids (``tmdb:ID``) have no dataset rows."""
        aliases = self.aliases()
        ids: dict[str, str] = {}
        for query in (
            "SELECT id FROM titles",
            "SELECT DISTINCT id FROM frontier",
            "SELECT DISTINCT target FROM edges",
            "SELECT old_id FROM aliases",
        ):
            for (title_id,) in self.db.execute(query):
                ids[title_id] = aliases.get(title_id, title_id)
        return {k: v for k, v in ids.items() if k.startswith("tt") and v.startswith("tt")}

    def save_dataset_titles(
        self, columns: Sequence[str], rows: Iterable[Sequence[Any]], loaded_at: float
    ) -> int:
        """Upsert dataset values, one transaction for the whole load: ``rows`` are
        ``(id, *values)`` in the order of ``columns`` (names of ``dataset_titles``' columns).
        Only the given columns change, so loading ``title.ratings`` alone keeps what an earlier
        load of ``title.basics`` wrote. Returns how many rows were written."""
        unknown = set(columns) - _DATASET_COLUMNS
        if unknown or not columns:
            raise ValueError(f"not dataset_titles columns: {sorted(unknown) or 'none given'}")
        names = ", ".join(columns)
        marks = ", ".join("?" * (len(columns) + 2))
        updates = ", ".join(f"{c} = excluded.{c}" for c in (*columns, "loaded_at"))
        # Identifiers come from _DATASET_COLUMNS (checked above), values are bound.
        query = (
            f"INSERT INTO dataset_titles (id, {names}, loaded_at) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        rows = list(rows)
        with self.transaction():
            self.db.executemany(query, [(*row, loaded_at) for row in rows])
        return len(rows)

    def dataset_ids(self) -> set[str]:
        """The ids ``dataset_titles`` holds a row for."""
        return {row[0] for row in self.db.execute("SELECT id FROM dataset_titles")}

    def count_dataset_titles(self) -> int:
        return self.db.execute("SELECT count(*) FROM dataset_titles").fetchone()[0]

    def dataset_rows(self) -> Iterator[dict[str, Any]]:
        """Every ``dataset_titles`` row as stored (lists decoded), by id; ``loaded_at`` left
        out, so two loads of the same files compare equal."""
        cursor = self.db.execute(
            "SELECT id, title, original_title, title_type, year, end_year, runtime_minutes, "
            "genres, rating, votes, directors, director_ids FROM dataset_titles ORDER BY id"
        )
        names = [d[0] for d in cursor.description]
        for row in cursor:
            item = dict(zip(names, row, strict=True))
            for key in ("genres", "directors", "director_ids"):
                if item[key] is not None:
                    item[key] = orjson.loads(item[key])
            yield item

    def title_record(self, title_id: str) -> dict[str, Any] | None:
        """One title as the crawl knows it, each field from the best source: IMDb's datasets
        (``imdb-datasets``) over the page (``imdb`` or ``tmdb``, the source that wrote the
        ``titles`` row). Works for ids only the datasets describe (recommended, never
        fetched); an alias gives its surviving title. None when nothing describes the id."""
        title_id = self.aliases_of_one(title_id)
        page = self.db.execute(
            "SELECT title, original_title, year, end_year, runtime_minutes, title_type, rating, "
            "votes, tmdb_id, metadata_origin FROM titles WHERE id = ?",
            (title_id,),
        ).fetchone()
        data = self.db.execute(
            "SELECT title, original_title, year, end_year, runtime_minutes, title_type, rating, "
            "votes, genres, directors, loaded_at FROM dataset_titles WHERE id = ?",
            (title_id,),
        ).fetchone()
        if page is None and data is None:
            return None
        page_values: dict[str, Any] = {}
        fetched: dict[str, str] = {}
        tmdb_id = None
        page_origin = None
        if page is not None:
            page_values = dict(zip(_RECORD_SCALARS, page[:8], strict=True))
            tmdb_id, page_origin = page[8], page[9]
            for key, table, column in (
                ("genres", "title_genres", "genre"),
                ("directors", "title_directors", "name"),
            ):
                # Fixed identifiers from the tuple above, never user input.
                query = f"SELECT {column} FROM {table} WHERE title_id = ? ORDER BY position"  # noqa: S608
                page_values[key] = [v for (v,) in self.db.execute(query, (title_id,))] or None
            for origin, at in self.db.execute(
                "SELECT origin, fetched_at FROM title_fetches WHERE title_id = ? ORDER BY origin",
                (title_id,),
            ):
                fetched[origin] = _iso(at)
        data_values: dict[str, Any] = {}
        if data is not None:
            data_values = dict(zip(_RECORD_SCALARS, data[:8], strict=True))
            data_values["genres"] = orjson.loads(data[8]) if data[8] is not None else None
            data_values["directors"] = orjson.loads(data[9]) if data[9] is not None else None
            fetched[DATASETS] = _iso(data[10])
        record: dict[str, Any] = {"id": title_id}
        sources: dict[str, str | None] = {}
        for field in (*_RECORD_SCALARS, "genres", "directors"):
            if data_values.get(field) is not None:
                record[field], sources[field] = data_values[field], DATASETS
            elif page_values.get(field) is not None:
                record[field], sources[field] = page_values[field], page_origin
            else:
                record[field], sources[field] = None, None
        record["tmdb_id"] = tmdb_id
        record["sources"] = sources
        record["fetched"] = fetched
        return record

    def aliases_of_one(self, title_id: str) -> str:
        """The surviving id of ``title_id`` (itself when it was never merged)."""
        return self._aliases_of([title_id]).get(title_id, title_id)

    # --- copying a crawl between engines ----------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        # Fixed identifiers from COPY_TABLES, never user input.
        return {
            table: int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table in COPY_TABLES
        }

    def copy_from(self, source: Store, *, batch: int = 5000) -> dict[str, int]:
        """Copy every row of ``source`` (either engine) into this database, which must hold
        no crawl yet, in one transaction; the copy is checked by counting each table on both
        sides. Returns the rows per table."""
        if any(self.table_counts().values()):
            raise StoreError(f"{self.where} already holds a crawl: copy into an empty database")
        expected = source.table_counts()
        with self.transaction():
            for table in COPY_TABLES:
                self._copy_table(source, table, batch)
            for table, column in _IDENTITIES:
                dialect.reset_identity(self.db, table, column)
        copied = self.table_counts()
        if copied != expected or source.table_counts() != expected:
            raise StoreError(
                f"the copy of {source.where} into {self.where} does not count the same rows: "
                f"{expected} != {copied}"
            )
        return copied

    def _copy_table(self, source: Store, table: str, batch: int) -> None:
        # Fixed identifiers from COPY_TABLES and the source's own column names.
        cursor = source.db.execute(f"SELECT * FROM {table}")  # noqa: S608
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(batch):
            dialect.insert_rows(self.db, table, names, rows)


def _iso(at: float) -> str:
    """A stored Unix time as ISO 8601 in UTC, to the second."""
    return datetime.fromtimestamp(at, tz=UTC).isoformat(timespec="seconds")


def copy_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m imdb_spider.store copy",
        description="Copy a crawl between databases, either engine to either (a SQLite file or "
        "a postgresql://user@host:port/dbname URL): SQLite to PostgreSQL to crawl with many "
        "workers, PostgreSQL to SQLite to take it home. DST must hold no crawl yet (it is "
        "created or brought to the current schema first). Everything is written in one "
        "transaction and checked by counting every table on both sides; prints the counts.",
    )
    parser.add_argument("src", help="the crawl to copy (path or URL)")
    parser.add_argument("dst", help="where to copy it (path or URL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        with Store(args.src, create=False) as src, Store(args.dst) as dst:
            counts = dst.copy_from(src)
            where = (src.where, dst.where)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"copied {where[0]} into {where[1]}: counts match", file=sys.stderr)
    sys.stdout.buffer.write(orjson.dumps(counts, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["copy"]:
        return copy_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m imdb_spider.store",
        description="Print a JSON summary of a crawl database: titles, edges, frontier states, "
        "failures by kind, runs and schema migrations. A database from an older imdb-spider is "
        "brought up to date first (one line on stderr per migration step).",
    )
    parser.add_argument(
        "path",
        help="the crawl database (IMDB_DB_PATH: a SQLite file or a postgresql:// URL); "
        "'copy SRC DST' copies a crawl instead (see 'copy --help')",
    )
    parser.add_argument("--check", action="store_true", help="also run PRAGMA integrity_check")
    parser.add_argument(
        "--title",
        metavar="ID",
        help="print this title's record instead: each field from the best source (IMDb's "
        "datasets over the page), with a 'sources' map saying which, and when each source "
        "fetched it; a merged id shows its surviving title",
    )
    args = parser.parse_args(argv)
    # The migration steps' log lines go to stderr; stdout stays the JSON alone.
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        with Store(args.path, create=False) as store:
            if args.title is not None:
                output = store.title_record(args.title)
                if output is None:
                    print(f"error: {args.title} is not a title of {store.where}", file=sys.stderr)
                    return 1
                if output["id"] != args.title:
                    print(f"{args.title} was merged into {output['id']}", file=sys.stderr)
            else:
                output = store.summary()
                if args.check:
                    output["integrity_check"] = store.integrity_check()
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(orjson.dumps(output, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
