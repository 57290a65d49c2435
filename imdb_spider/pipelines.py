"""The storage pipeline: one SQLite transaction per item, through ``imdb_spider.store``.

Settings read: ``IMDB_MAX_ATTEMPTS`` (failed attempts before a title is given up, default 5),
``IMDB_EMPTY_MLT_REFETCHES`` (how many times a page whose "More like this" list came back
empty is fetched again before the empty list is believed, default 2). The store itself is
opened by the spider (``IMDB_DB_PATH``).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from .items import FailureItem, PageItem
from .pages import MLT_EMPTY

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_attempts = crawler.settings.getint("IMDB_MAX_ATTEMPTS", 5)
        self.empty_refetches = crawler.settings.getint("IMDB_EMPTY_MLT_REFETCHES", 2)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        spider = self.crawler.spider
        store = spider.store
        stats = self.crawler.stats
        if isinstance(item, PageItem):
            tt = item.requested_id
            row = store.frontier_row(tt) if item.record.recommendations_state == MLT_EMPTY else None
            if row is not None and row.empty_refetches < self.empty_refetches:
                # IMDb intermittently serves an empty list; fetch again later before believing it.
                store.note_empty_refetch(tt, "empty More like this list")
                item.refetch = True
                stats.inc_value("imdb/empty_mlt_refetch")
            else:
                item.new_ids = store.save_page(
                    item.record,
                    requested_id=tt,
                    depth=item.depth,
                    follow=item.follow,
                    limit=spider.max_titles,
                )
                stats.inc_value("imdb/titles_stored")
                stats.inc_value("imdb/edges_stored", len(item.record.recommendations))
            spider.release(tt)
        elif isinstance(item, FailureItem):
            attempts = 1 if item.final else self.max_attempts
            item.retry = store.record_failure(
                item.title_id, item.kind, item.detail, max_attempts=attempts
            )
            stats.inc_value(f"imdb/failures/{item.kind}")
            if not item.retry:
                stats.inc_value("imdb/given_up")
                # A title IMDb does not have (404) is an answer, not a problem.
                level = logging.INFO if item.final else logging.WARNING
                logger.log(level, "giving up on %s: %s: %s", item.title_id, item.kind, item.detail)
            spider.release(item.title_id)
        return item
