"""The two engines under the store: SQLite (a file, one crawl process) and PostgreSQL (a server,
any number of crawl processes on any number of machines), and what differs between them.

``store.py`` and ``migrations.py`` write one SQL for both wherever the two agree (``INSERT …
ON CONFLICT``, ``RETURNING``, ``?`` placeholders); this module is the rest of the store layer:
opening a connection from ``IMDB_DB_PATH`` (a path, or a ``postgresql://`` URL), the
placeholder translation (``?`` to psycopg's ``%s``, values always bound), the schema's DDL
types (``INTEGER PRIMARY KEY`` is an identity column, ``REAL`` a double), a write transaction
(SQLite's ``BEGIN IMMEDIATE``), the schema version (SQLite's ``PRAGMA user_version``; on
PostgreSQL the number of recorded migrations) and the look at which tables exist. Passwords
in URLs never leave this module unredacted: ``describe`` is the name of a database for logs,
stats and summaries.
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors

SQLITE, POSTGRESQL = "sqlite", "postgresql"
_SCHEMES = ("postgresql://", "postgres://")

#: Errors of either engine (the pipeline records a page it could not store as a failure).
DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
#: Errors after which a PostgreSQL transaction is simply run again: two workers wrote the same
#: rows at the same moment (one of them lost a deadlock, or inserted a title the other had
#: just inserted); the retry sees the other's commit.
RETRYABLE: tuple[type[Exception], ...] = (
    pg_errors.DeadlockDetected,
    pg_errors.SerializationFailure,
    pg_errors.UniqueViolation,
)
# A constant key for PostgreSQL's advisory lock that serialises schema migrations.
_MIGRATION_LOCK = 0x1DB5_0015
_ALIAS_LOCK = 0x1DB5_0016


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(_SCHEMES)


def describe(target: str | Path) -> str:
    """``target`` as logs may show it: a URL's password replaced by ``***``."""
    text = str(target)
    if not is_url(text):
        return text
    parts = urllib.parse.urlsplit(text)
    if parts.password is None:
        return text
    user = urllib.parse.quote(parts.username or "", safe="")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class PgConnection:
    """A psycopg 3 connection in autocommit mode (transactions are explicit ``BEGIN`` …
    ``COMMIT``, as on SQLite) that takes the store's ``?`` placeholders."""

    engine = POSTGRESQL

    def __init__(self, url: str) -> None:
        self.where = describe(url)
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=30)
        except psycopg.Error as exc:
            # psycopg's message names host and user, never the password.
            raise ConnectionError(f"cannot connect to {self.where}: {exc}") from None
        self._sql: dict[str, str] = {}

    def _translate(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return out

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor:
        return self.conn.execute(self._translate(sql), params or None)

    def executemany(self, sql: str, rows: Any) -> psycopg.Cursor:
        cursor = self.conn.cursor()
        cursor.executemany(self._translate(sql), rows)
        return cursor

    def copy_rows(self, table: str, names: list[str], rows: Any) -> None:
        """Append ``rows`` to ``table`` with ``COPY … FROM STDIN`` (many times faster than
        row by row); ``table`` and ``names`` are the schema's own identifiers."""
        statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
        with self.conn.cursor().copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def close(self) -> None:
        self.conn.close()


Connection = sqlite3.Connection | PgConnection


def engine(db: Any) -> str:
    return getattr(db, "engine", SQLITE)


def begin_write(db: Any) -> None:
    """Start a write transaction: SQLite takes its write lock at once (no deadlock later)."""
    db.execute("BEGIN" if engine(db) == POSTGRESQL else "BEGIN IMMEDIATE")


def begin_snapshot(db: Any) -> None:
    """Start a read-only transaction whose reads all see one moment of the database."""
    if engine(db) == POSTGRESQL:
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        db.execute("BEGIN")  # WAL: the snapshot is taken at the first read and kept


def lock_schema(db: Any) -> None:
    """Inside a transaction, wait for any other process migrating the same database (SQLite's
    ``BEGIN IMMEDIATE`` already did)."""
    if engine(db) == POSTGRESQL:
        db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))


def table_names(db: Any) -> set[str]:
    if engine(db) == POSTGRESQL:
        query = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return {row[0] for row in db.execute(query)}


def user_version(db: Any) -> int:
    """The schema version: SQLite's ``PRAGMA user_version``; on PostgreSQL, which has no such
    slot, the number of recorded migration steps."""
    if engine(db) == POSTGRESQL:
        if "migrations" not in table_names(db):
            return 0
        return int(db.execute("SELECT count(*) FROM migrations").fetchone()[0])
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def set_user_version(db: Any, version: int) -> None:
    if engine(db) == SQLITE:
        # A PRAGMA takes no bound parameters; the version is an int formatted as one.
        db.execute(f"PRAGMA user_version = {version:d}")


_PG_DDL = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
)


def ddl(db: Any, statement: str) -> str:
    """A schema statement for ``db``'s engine: on PostgreSQL an ``INTEGER PRIMARY KEY`` numbers
    its rows as SQLite's does (an identity column), ``REAL`` is a double, as SQLite's is
    (PostgreSQL's own ``REAL`` would round times to the minute), and text sorts by its bytes,
    as SQLite's does, whatever the server's locale (so ``ORDER BY id`` is the same on both)."""
    if engine(db) == POSTGRESQL:
        for pattern, replacement in _PG_DDL:
            statement = pattern.sub(replacement, statement)
    return statement


def integrity_check(db: Any) -> str:
    if engine(db) == POSTGRESQL:
        return "ok"  # the server checks its own pages; there is no PRAGMA to ask
    return db.execute("PRAGMA integrity_check").fetchone()[0]


def insert_rows(db: Any, table: str, names: list[str], rows: list[tuple]) -> None:
    """Insert many rows into ``table`` (a copy between databases): PostgreSQL's ``COPY``, or
    SQLite's ``executemany``. ``table`` and ``names`` are the schema's identifiers."""
    if engine(db) == POSTGRESQL:
        db.copy_rows(table, names, rows)
    else:
        marks = ", ".join("?" * len(names))
        # Fixed identifiers of the schema, read from the source database's own columns.
        db.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)  # noqa: S608


def reset_identity(db: Any, table: str, column: str) -> None:
    """After rows were copied in with their own ids: continue numbering after the largest."""
    if engine(db) == POSTGRESQL:
        db.execute(
            # Fixed identifiers of the schema (the caller's constants), never user input.
            f"SELECT setval(pg_get_serial_sequence(?, ?), "  # noqa: S608
            f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)",
            (table, column),
        )


def lock_frontier(db: Any, origin: str) -> None:
    """Inside a transaction on PostgreSQL, wait for any other worker counting ``origin``'s
    frontier against a limit (``-a max_titles``), so two never both take the last places."""
    db.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (_MIGRATION_LOCK, origin))


def lock_aliases(db: Any, *, exclusive: bool) -> None:
    """Inside a page's transaction on PostgreSQL: shared by the pages that only read the
    aliases, exclusive for one that adds an alias (SQLite's transactions are serial already)."""
    if engine(db) == POSTGRESQL:
        if exclusive:
            db.execute("SELECT pg_advisory_xact_lock(?, 1)", (_ALIAS_LOCK,))
        else:
            db.execute("SELECT pg_advisory_xact_lock_shared(?, 1)", (_ALIAS_LOCK,))


def skip_locked(db: Any) -> str:
    """The clause that makes a claim skip rows another worker is claiming (PostgreSQL); SQLite
    has one writer at a time and no such clause."""
    return " FOR UPDATE SKIP LOCKED" if engine(db) == POSTGRESQL else ""
