"""A real PostgreSQL server for the tests (``devtools/postgres.py``: Debian's ``postgresql``
package, ``initdb`` into a temporary folder, run as ``nobody`` when the tests run as root, on a
free 127.0.0.1 port, stopped at the end).

``postgres_server`` is one server per session; ``pg_url`` gives each test a database of its own
on it. Without the binaries the tests that need them are skipped with the reason, except under
CI, where ``make test`` installs the package (``DEBS`` in the Makefile) and a missing server
fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devtools.postgres import PASSWORD, PostgresServer, missing_postgres, postgres_bin

__all__ = ["PASSWORD", "pg_url", "postgres_server"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    missing = missing_postgres()
    if missing:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI must run every test: {missing}")
        pytest.skip(missing)
    bindir = postgres_bin()
    assert bindir is not None
    server = PostgresServer(bindir)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """A fresh database on the session's server: a ``postgresql://`` URL with a password."""
    return postgres_server.new_database()
