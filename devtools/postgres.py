"""A throwaway PostgreSQL server from the Debian ``postgresql`` package, for the tests and the
benchmarks: ``initdb`` into a temporary folder, ``postgres`` on a free 127.0.0.1 port (no Unix
socket, no fsync: nothing here must survive), run as ``nobody`` when we are root (the server
refuses root), stopped and deleted by ``stop``. The binaries are found in Debian's
``/usr/lib/postgresql/*/bin`` (the newest), else on ``PATH``.

    with PostgresServer.started() as server:
        url = server.new_database()   # postgresql://crawler:…@127.0.0.1:PORT/crawl1
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

# The crawl's role and its password (in the URLs: it must never show in a log line, a summary
# or a stats file).
PASSWORD = "s3cret-pg-pw"
USER = "crawler"


def postgres_bin() -> Path | None:
    """The newest PostgreSQL's binaries folder (Debian's layout), or the one on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).resolve().parent if on_path else None


def missing_postgres() -> str | None:
    bindir = postgres_bin()
    if bindir is None or not (bindir / "initdb").exists():
        return "PostgreSQL's server binaries are missing (apt-get install postgresql)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One throwaway cluster: ``initdb``, ``postgres``, stopped by ``stop``."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="imdb-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self._databases = 0
        # The server refuses root: run it as nobody, in folders nobody owns.
        self.user = "nobody" if os.geteuid() == 0 else None
        if self.user is not None:
            shutil.chown(self.root, self.user)

    def _run_as(self, command: list[str], **kwargs: Any) -> subprocess.Popen:
        if self.user is None:
            return subprocess.Popen(command, cwd=self.root, **kwargs)
        return subprocess.Popen(command, cwd=self.root, user=self.user, extra_groups=[], **kwargs)

    def start(self) -> PostgresServer:
        initdb = self._run_as(
            [str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, err = initdb.communicate(timeout=120)
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {err.decode(errors='replace')[-2000:]}")
        log = self.root / "server.log"
        with open(log, "wb") as out:
            self.process = self._run_as(
                [str(self.bindir / "postgres"), "-D", str(self.data),
                 "-c", "listen_addresses=127.0.0.1", "-p", str(self.port),
                 "-c", "unix_socket_directories=", "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=60", "-c", "deadlock_timeout=200ms"],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._wait_ready(log)
        with self.connect("postgres") as db:
            db.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        return self

    def _wait_ready(self, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                psycopg.connect(self.admin_url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError(f"postgres did not start: {log.read_text(errors='replace')[-2000:]}")

    def admin_url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str) -> psycopg.Connection:
        return psycopg.connect(self.admin_url(dbname), autocommit=True)

    def new_database(self, name: str | None = None) -> str:
        """A new empty database owned by the crawl's role; its URL (with a password)."""
        self._databases += 1
        name = name or f"crawl{self._databases}"
        with self.connect("postgres") as db:
            db.execute(f"CREATE DATABASE {name} OWNER {USER}")
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: smart shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @classmethod
    @contextmanager
    def started(cls) -> Iterator[PostgresServer]:
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError(missing_postgres())
        server = cls(bindir)
        try:
            yield server.start()
        finally:
            server.stop()
