"""One crawl process's share of a frontier that many processes crawl together (PostgreSQL).

On SQLite one process owns the frontier and queues all of its pending rows (``spiders/base.py``).
On PostgreSQL any number of ``scrapy crawl`` processes, on any number of machines, point at one
database; each is a *worker* (a row of ``workers``: host, pid, claims, pages, last seen) that:

* claims a small batch of pending titles (``IMDB_CLAIM_BATCH``, default twice
  ``CONCURRENT_REQUESTS``) with ``SELECT … FOR UPDATE SKIP LOCKED``: two workers never wait for,
  nor get, the same rows, so two workers never fetch the same title at the same time;
* holds them under a lease (``IMDB_LEASE_SECONDS``, default 300) that a heartbeat pushes
  forward every third of it while the process lives, and tops its batch up as pages commit
  (each page in one transaction, as on SQLite, which also ends that title's claim);
* when it dies (``kill -9``, a lost machine) its leases run out and the titles are claimable by
  the others; nothing is lost, and a title is stored once (its row, its edges: the same
  upserts as a re-fetch on SQLite). A clean stop (Ctrl-C) hands its claims back at once, and
  so does a worker starting on the same host for the workers there whose process is gone
  (so a restarted worker never waits for its predecessor's leases). The host is the machine's
  name, or ``IMDB_WORKER_HOST``: each machine (container, pid namespace) needs its own.

Politeness: ``DOWNLOAD_DELAY`` (and TMDb's ``TMDB_MAX_RPS``) is per process, so N workers on
one site ask N times as often. With ``IMDB_RATE_IS_TOTAL`` each worker instead waits
``DOWNLOAD_DELAY`` times the number of live workers of its spider (re-counted at every
heartbeat), so the delay is the total's: a worker that joins or dies changes everyone's delay
within one heartbeat.

Stats: ``imdb/claims`` (titles claimed), ``imdb/claim_queries``, ``imdb/claim_seconds``
(time spent claiming, for the mean claim latency), ``imdb/claim_seconds_max``,
``imdb/leases_renewed``; with ``IMDB_RATE_IS_TOTAL``, ``imdb/live_workers`` (and its ``_max``) and
``imdb/download_delay_max``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from typing import Any

from twisted.internet import task

from .store import FrontierRow, Store

logger = logging.getLogger(__name__)


class Claims:
    """The titles this worker holds, its lease and its heartbeat."""

    def __init__(self, spider: Any, store: Store) -> None:
        settings = spider.crawler.settings
        self.spider = spider
        self.store = store
        self.origin: str = spider.origin
        self.host = settings.get("IMDB_WORKER_HOST") or socket.gethostname()
        self.worker = f"{self.host}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = settings.getfloat("IMDB_LEASE_SECONDS", 300.0)
        if self.lease <= 0:
            raise ValueError(f"IMDB_LEASE_SECONDS must be positive, not {self.lease}")
        concurrency = settings.getint("CONCURRENT_REQUESTS", 8)
        self.batch = max(1, settings.getint("IMDB_CLAIM_BATCH", 0) or 2 * concurrency)
        self.beat_every = min(max(self.lease / 3, 0.2), 30.0)
        self.rate_is_total = settings.getbool("IMDB_RATE_IS_TOTAL", False)
        self.base_delay = settings.getfloat("DOWNLOAD_DELAY", 0.0)
        self.held: set[str] = set()
        self._loop: task.LoopingCall | None = None

    @property
    def stats(self) -> Any:
        return self.spider.crawler.stats  # set once the crawl starts, after __init__

    def start(self) -> None:
        self.retire_dead_neighbours()
        self.store.register_worker(self.worker, self.spider.name, self.host, os.getpid())
        logger.info(
            "worker %s: claiming %d titles at a time under a %g s lease", self.worker,
            self.batch, self.lease,
        )  # fmt: skip
        if self.rate_is_total:
            self.share_rate()
        self._loop = task.LoopingCall(self.heartbeat)
        self._loop.start(self.beat_every, now=False).addErrback(self._beat_failed)

    def _beat_failed(self, failure: Any) -> None:
        logger.error("worker %s: heartbeat stopped: %s", self.worker, failure.getErrorMessage())

    def retire_dead_neighbours(self) -> None:
        """Workers of this host whose process is gone (a ``kill -9``, a crash) hand their
        titles back now: a restarted worker need not wait for their leases to run out."""
        for worker, pid in self.store.running_workers(self.host):
            if not _alive(pid):
                held = self.store.retire_worker(worker, "died")
                logger.info("worker %s died holding %d titles: they are claimable", worker, held)

    # --- claiming ------------------------------------------------------------------------

    def take(self, count: int | None = None) -> list[FrontierRow]:
        """Claim up to ``count`` more titles (by default: up to a full batch held)."""
        wanted = self.batch - len(self.held) if count is None else count
        if wanted <= 0:
            return []
        started = time.perf_counter()
        rows = self.store.claim(self.worker, wanted, self.lease, self.origin)
        took = time.perf_counter() - started
        self.stats.inc_value("imdb/claim_queries")
        self.stats.inc_value("imdb/claim_seconds", took)
        self.stats.max_value("imdb/claim_seconds_max", took)
        self.stats.inc_value("imdb/claims", len(rows))
        self.held.update(row.id for row in rows)
        return rows

    def top_up(self) -> list[FrontierRow]:
        """More titles once half the batch is done (a claim per few pages, not per page)."""
        if len(self.held) > self.batch // 2:
            return []
        return self.take()

    def done(self, title_id: str) -> None:
        """Its page or final failure is committed: the commit ended the claim."""
        self.held.discard(title_id)

    def release_all(self) -> int:
        """Hand back every claim (the queue lost them, or the worker stops); how many."""
        released = self.store.release(self.worker)
        self.held.clear()
        return released

    # --- the heartbeat -------------------------------------------------------------------

    def heartbeat(self) -> None:
        pages = self.stats.get_value("imdb/titles_stored", 0)
        self.store.renew(self.worker, self.lease, pages=pages)
        self.stats.inc_value("imdb/leases_renewed")
        if self.rate_is_total:
            self.share_rate()
        for row in self.top_up():
            self.spider.schedule(row.id, row.depth)

    def share_rate(self) -> None:
        """Each worker's delay: ``DOWNLOAD_DELAY`` times the live workers of its spider."""
        live = max(1, self.store.live_workers(self.spider.name, seen_within=self.lease))
        delay = self.base_delay * live
        engine = self.spider.crawler.engine
        throttle = _autothrottle(self.spider.crawler)
        if throttle is not None:
            throttle.mindelay = delay  # AutoThrottle never goes below it
        for slot in engine.downloader.slots.values():
            slot.delay = max(delay, slot.delay) if throttle is not None else delay
        self.stats.set_value("imdb/live_workers", live)
        self.stats.max_value("imdb/live_workers_max", live)
        self.stats.max_value("imdb/download_delay_max", delay)

    def stop(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.release_all()
        pages = self.stats.get_value("imdb/titles_stored", 0)
        self.store.finish_worker(self.worker, reason, pages=pages)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _autothrottle(crawler: Any) -> Any:
    from scrapy.extensions.throttle import AutoThrottle  # noqa: PLC0415 (only when shared)

    for extension in getattr(crawler.extensions, "middlewares", ()):
        if isinstance(extension, AutoThrottle):
            return extension
    return None
