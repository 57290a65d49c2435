"""The storage pipeline: one database transaction per item, on a connection it owns.

The pipeline opens the crawl database when the spider opens (``IMDB_DB_PATH``) and closes it
with the spider. It fills in each item's outcome (``new_ids``, ``refetch``, ``retry``), which
the spider schedules after the commit, and keeps these stats: ``imdb/commits`` (every
transaction it committed), ``imdb/titles_stored``, ``imdb/edges_stored``, ``imdb/given_up``,
``imdb/failures/<kind>``, the frontier's counts ``imdb/frontier/{pending,done,failed}``
(refreshed at most every ``FRONTIER_REFRESH`` seconds, and when the spider closes) and, at the
end, the database's ``imdb/db/*`` totals for the end-of-crawl summary.

A page that cannot be stored (the database refuses it) is recorded as a failed attempt of
kind ``store`` and retried like any other failure, so it is never silently dropped.

Settings read: ``IMDB_DB_PATH``, ``IMDB_MAX_ATTEMPTS`` (failed attempts before a title is
given up, default 5), ``IMDB_EMPTY_MLT_REFETCHES`` (how many times an IMDb page whose "More
like this" list came back empty is fetched again before the empty list is believed, default 2).
"""

from __future__ import annotations

import logging
import time

from scrapy.crawler import Crawler

from .items import FailureItem, PageItem
from .pages import MLT_EMPTY
from .store import IMDB, STORE_ERRORS, Store

logger = logging.getLogger(__name__)

FRONTIER_REFRESH = 2.0  # seconds between two counts of the frontier's states


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.path = settings.get("IMDB_DB_PATH")
        self.max_attempts = settings.getint("IMDB_MAX_ATTEMPTS", 5)
        self.empty_refetches = settings.getint("IMDB_EMPTY_MLT_REFETCHES", 2)
        self.store: Store | None = None
        self._counted_at = 0.0
        # The spider's source: the frontier whose counts the stats show.
        self.origin: str = getattr(crawler.spider, "origin", IMDB)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = Store(self.path)
        self._count_frontier()

    def close_spider(self) -> None:
        if self.store is None:
            return
        store, self.store = self.store, None
        try:
            summary = store.summary()
            self._set_frontier_stats(store.frontier_counts(self.origin))
            self.stats.set_value("imdb/db/path", summary["path"])
            self.stats.set_value("imdb/db/titles", summary["titles"])
            self.stats.set_value("imdb/db/edges", summary["edges"])
            for kind, count in summary["failures_by_kind"].items():
                self.stats.set_value(f"imdb/db/failures/{kind}", count)
        finally:
            store.close()

    def process_item(self, item: object) -> object:
        if self.store is None:
            raise RuntimeError("StorePipeline got an item before open_spider")
        if isinstance(item, PageItem):
            try:
                self._store_page(self.store, item)
            except STORE_ERRORS as exc:
                # The page's transaction was rolled back; count it as a failed attempt.
                logger.error("could not store %s: %s", item.requested_id, exc)
                failure = FailureItem(
                    item.requested_id, item.depth, "store", str(exc), origin=item.origin
                )
                self._record_failure(self.store, failure)
                item.refetch = failure.retry
        elif isinstance(item, FailureItem):
            self._record_failure(self.store, item)
        self.stats.inc_value("imdb/commits")
        if time.monotonic() - self._counted_at >= FRONTIER_REFRESH:
            self._count_frontier()
        return item

    def _store_page(self, store: Store, item: PageItem) -> None:
        tt = item.requested_id
        # IMDb intermittently serves an empty list; TMDb's empty list is an answer.
        empty = item.origin == IMDB and item.record.recommendations_state == MLT_EMPTY
        row = store.frontier_row(tt, item.origin) if empty else None
        if row is not None and row.empty_refetches < self.empty_refetches:
            # Fetch again later before believing it.
            store.note_empty_refetch(tt, "empty recommendations list", item.origin)
            item.refetch = True
            self.stats.inc_value("imdb/empty_mlt_refetch")
            return
        item.new_ids = store.save_page(
            item.record,
            requested_id=tt,
            depth=item.depth,
            follow=item.follow,
            limit=item.limit,
            origin=item.origin,
        )
        self.stats.inc_value("imdb/titles_stored")
        self.stats.inc_value("imdb/edges_stored", len(item.record.recommendations))

    def _record_failure(self, store: Store, item: FailureItem) -> None:
        attempts = 1 if item.final else self.max_attempts
        item.retry = store.record_failure(
            item.title_id, item.kind, item.detail, max_attempts=attempts, origin=item.origin
        )
        self.stats.inc_value(f"imdb/failures/{item.kind}")
        if not item.retry:
            self.stats.inc_value("imdb/given_up")
            # A title IMDb does not have (404) is an answer, not a problem.
            level = logging.INFO if item.final else logging.WARNING
            logger.log(level, "giving up on %s: %s: %s", item.title_id, item.kind, item.detail)

    def _count_frontier(self) -> None:
        if self.store is not None:
            self._set_frontier_stats(self.store.frontier_counts(self.origin))
        self._counted_at = time.monotonic()

    def _set_frontier_stats(self, counts: dict[str, int]) -> None:
        for state, count in counts.items():
            self.stats.set_value(f"imdb/frontier/{state}", count)
