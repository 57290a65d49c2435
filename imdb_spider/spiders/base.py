"""What every spider of the project shares: the crawl database's frontier is its queue.

A spider here only schedules. It opens its own connection to the crawl database for that
(seeds into the frontier, the pending rows it queues, the run record); pages are parsed by pure
functions and written by ``StorePipeline`` in one transaction each, and the follow-up requests
are scheduled from the ``item_scraped`` signal, i.e. after that commit. Progress lines and the
end-of-crawl summary are ``imdb_spider.report.CrawlReport``'s. Each source (``origin``:
``imdb``, ``tmdb``) has its own frontier in the same database.

Every run queues all the source's pending rows, by depth (``start``); Scrapy's scheduler only
holds them in memory (``imdb_spider.scheduler``), so a ``kill -9`` loses nothing but the pages
in flight, with or without ``JOBDIR``. Each title is requested at most once at a time, without
any in-flight bookkeeping, because a request for it is only ever made (a) at start, once per
pending row, (b) when a commit first adds it to the frontier, (c) after its previous attempt
was committed (a retry, a re-fetch), or (d) when the crawl is idle, i.e. nothing is queued or
in flight: then the pending rows left, if any, are queued again rather than ending the run as
``finished`` with titles still owed. An idle run whose re-queued titles all came back
uncommitted stops (reason ``frontier_stuck``) instead of looping. A run is recorded clean only
when it finished or was shut down with nothing owed it could fetch and its scheduler raised no
error.

On a shared database (PostgreSQL, ``IMDB_DB_PATH=postgresql://…``) many processes crawl one
frontier: each takes its titles in small claimed batches instead of the whole pending list
(``imdb_spider.claims``: ``SKIP LOCKED`` claims under a lease renewed by a heartbeat), tops the
batch up as its pages commit, leaves the titles its commits add to whichever worker claims them,
and when idle hands back what it held and claims again, or waits while other workers still hold
pending titles. Everything else above is the same on both engines.

Arguments shared by the spiders (``-a NAME=VALUE``): ``seeds``, ``seeds_file``,
``max_titles``, ``max_depth``, ``retry_failed``, ``refresh_days``. Settings read:
``IMDB_DB_PATH``, ``JOBDIR`` (accepted, not needed); on PostgreSQL also ``IMDB_LEASE_SECONDS``,
``IMDB_CLAIM_BATCH``, ``IMDB_RATE_IS_TOTAL`` (see ``imdb_spider.claims``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, UsageError

from ..claims import Claims
from ..items import FailureItem, PageItem
from ..seeds import SeedError
from ..store import FrontierRow, Store, StoreError

logger = logging.getLogger(__name__)

# Reasons a run can end with nothing lost and nothing it could fetch left behind by mistake.
CLEAN_REASONS = frozenset({"finished", "shutdown"})
# The pipeline's count of every commit it made (pages, failures, re-fetch notes).
COMMITS = "imdb/commits"


def positive_int(name: str, value: Any) -> int | None:
    return _non_negative(name, value, int, "a whole number")


def positive_float(name: str, value: Any) -> float | None:
    return _non_negative(name, value, float, "a number")


def _non_negative(name: str, value: Any, kind: type, what: str) -> Any:
    """``value`` of ``-a name=`` as ``kind`` (None when not given); a ``UsageError`` that
    names the argument for anything else or a negative number."""
    if value in (None, ""):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise UsageError(f"-a {name}= takes {what}, not {value!r}") from None
    if number < 0:
        raise UsageError(f"-a {name}= must not be negative, got {number}")
    return number


def flag(value: Any) -> bool:
    return str(value or "").lower() in ("1", "true", "yes")


class FrontierSpider(scrapy.Spider):
    """A breadth-first crawl of one source's recommendations, queued from the frontier."""

    origin: ClassVar[str]

    def __init__(
        self,
        *,
        seeds: str | None = None,
        seeds_file: str | None = None,
        max_titles: str | None = None,
        max_depth: str | None = None,
        retry_failed: str | None = None,
        refresh_days: str | None = None,
        run_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.seed_list = seeds
        self.seeds_file = seeds_file
        self.max_titles = positive_int("max_titles", max_titles)
        self.max_depth = positive_int("max_depth", max_depth)
        self.retry_failed = flag(retry_failed)
        self.refresh_days = positive_float("refresh_days", refresh_days)
        shared = {
            "seeds": seeds,
            "seeds_file": seeds_file,
            "max_titles": max_titles,
            "max_depth": max_depth,
            "retry_failed": retry_failed,
            "refresh_days": refresh_days,
        }
        self.run_args = {k: v for k, v in {**shared, **(run_args or {})}.items() if v is not None}
        self.run_id: int | None = None
        self.store: Store
        # This worker's claims on a shared (PostgreSQL) frontier; None on SQLite.
        self.claims: Claims | None = None
        # Commits counted when the idle crawl last re-queued pending titles (None: never).
        self._requeued_at: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        try:
            # The spider's own connection: seeds, the pending rows it queues, the run record.
            # Pages are written through the pipeline's.
            spider.store = Store(crawler.settings.get("IMDB_DB_PATH"))
        except StoreError as exc:
            raise UsageError(str(exc)) from None
        if spider.store.shared:
            try:
                spider.claims = Claims(spider, spider.store)
            except ValueError as exc:
                spider.store.close()
                raise UsageError(str(exc)) from None
        if crawler.settings.get("JOBDIR"):
            logger.info(
                "JOBDIR is set: Scrapy's request queue is not used, the crawl database's "
                "frontier is the queue (see imdb_spider/scheduler.py)"
            )
        crawler.signals.connect(spider._item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    # --- what a source defines -----------------------------------------------------------

    def seed_ids(self) -> list[str]:
        """The run's seeds, as the frontier's ids."""
        raise NotImplementedError

    def source_url(self) -> str:
        """The base URL the spider fetches from (its site or API), recorded with each run."""
        return ""

    def title_request(self, title_id: str, depth: int) -> scrapy.Request | None:
        """The request that fetches ``title_id`` (None: it cannot be fetched; the spider
        has said why)."""
        raise NotImplementedError

    # --- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        store, origin = self.store, self.origin
        # The host crawled goes with the run: an export tells a sandbox's map (invented
        # titles) from a real one by it.
        host = urlsplit(self.source_url()).hostname
        args = {**self.run_args, "host": host} if host else self.run_args
        self.run_id = store.start_run(args, spider=self.name)
        try:
            seeds = self.seed_ids()
        except SeedError as exc:
            logger.error("%s", exc)
            self.crawler.stats.set_value("imdb/seed_error", str(exc))
            return
        new_seeds = store.add_to_frontier(
            store.resolve(seeds), depth=0, limit=self.max_titles, origin=origin
        )
        if self.retry_failed:
            store.retry_failed(origin)
        if self.refresh_days is not None:
            stale = store.refresh(origin, self.refresh_days)
            logger.info(
                "%d titles last fetched from %s over %g days ago: fetching them again",
                stale,
                origin,
                self.refresh_days,
            )
        pending = self._first_batch()
        logger.info(
            "crawl database %s: %d titles stored, %d in the %s frontier; %d seeds new; "
            "queueing %d %s titles",
            store.where,
            store.count_titles(),
            store.count_frontier(origin),
            origin,
            len(new_seeds),
            len(pending),
            "pending" if self.claims is None else "claimed",
        )
        for row in pending:
            request = self.title_request(row.id, row.depth)
            if request is not None:
                yield request

    def _first_batch(self) -> list[FrontierRow]:
        """Every pending row (SQLite), or this worker's first claimed batch (PostgreSQL)."""
        if self.claims is None:
            return list(self.store.pending(self.origin))
        self.claims.start()
        return self.claims.take()

    def schedule(self, title_id: str, depth: int) -> None:
        request = self.title_request(title_id, depth)
        if request is not None:
            self.crawler.engine.crawl(request)

    # --- after the pipeline committed ----------------------------------------------------

    def _item_scraped(self, item: object, response: Any, spider: scrapy.Spider) -> None:
        if isinstance(item, PageItem):
            self._after_page(item)
        elif isinstance(item, FailureItem):
            self._after_failure(item)
        if self.claims is not None:
            # The new titles a commit added are anyone's: claim more when half the batch is done.
            for row in self.claims.top_up():
                self.schedule(row.id, row.depth)

    def _after_page(self, item: PageItem) -> None:
        if item.refetch:
            self.schedule(item.requested_id, item.depth)
        elif self.claims is not None:
            self.claims.done(item.requested_id)
        if self.claims is None:
            for title_id in item.new_ids:
                self.schedule(title_id, item.depth + 1)

    def _after_failure(self, item: FailureItem) -> None:
        if item.retry:
            self.schedule(item.title_id, item.depth)
        elif self.claims is not None:
            self.claims.done(item.title_id)

    # --- idle and the end ----------------------------------------------------------------

    def _idle(self) -> None:
        """Nothing is queued or in flight: queue the frontier's pending rows again if there
        are any (so the run never ends "finished" owing titles), unless the previous such
        round committed nothing at all."""
        if self.run_id is None:
            return  # start() has not run (or failed on its seeds)
        if self.claims is not None:
            self._idle_shared(self.claims)
            return
        pending = list(self.store.pending(self.origin))
        if not pending:
            return
        self._check_stuck(pending)
        logger.warning(
            "the queue ran dry with %d titles still pending: queueing them again from the "
            "crawl database",
            len(pending),
        )
        self.crawler.stats.inc_value("imdb/requeued", len(pending))
        for row in pending:
            self.schedule(row.id, row.depth)
        raise DontCloseSpider

    def _check_stuck(self, pending: list[FrontierRow]) -> None:
        """Stop (``frontier_stuck``) when the titles queued at the previous idle moment all
        came back without a commit; else note the commits counted now."""
        commits = self.crawler.stats.get_value(COMMITS, 0)
        if self._requeued_at == commits:
            logger.error(
                "%d pending titles came back without a page or a failure being stored: "
                "stopping instead of asking for them again",
                len(pending),
            )
            raise CloseSpider("frontier_stuck")
        self._requeued_at = commits

    def _idle_shared(self, claims: Claims) -> None:
        """Idle on a shared frontier: what this worker held was lost on the way (nothing is in
        flight), so hand it back and claim again; with nothing to claim, wait while other
        workers hold pending titles (the heartbeat claims them if their leases run out); end
        when none is pending."""
        lost = claims.release_all()
        if lost:
            logger.warning(
                "the queue ran dry with %d claimed titles not done: handing them back to the "
                "crawl database and claiming again",
                lost,
            )
        rows = claims.take()
        if rows:
            self._check_stuck(rows)
            self.crawler.stats.inc_value("imdb/requeued", len(rows))
            for row in rows:
                self.schedule(row.id, row.depth)
            raise DontCloseSpider
        if self.store.count_pending(self.origin):
            raise DontCloseSpider

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        stats = self.crawler.stats
        problems = []
        if reason not in CLEAN_REASONS:
            problems.append(f"it ended with reason {reason!r}")
        if reason == "finished" and self.store.count_pending(self.origin):
            problems.append("titles are still pending")
        errors = stats.get_value("imdb/scheduler_errors", 0)
        if errors:
            problems.append(f"its scheduler raised {errors} errors")
        if self.claims is not None:
            self.claims.stop(reason)
        if self.run_id is not None:
            self.store.finish_run(self.run_id, reason, clean=not problems)
        stats.set_value("imdb/run_clean", not problems)
        if problems:
            stats.set_value("imdb/run_unclean_because", "; ".join(problems))
        self.store.close()
