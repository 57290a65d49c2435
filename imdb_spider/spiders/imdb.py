"""The ``imdb`` spider: breadth-first over "More like this", resumable from the crawl database.

Usage::

    scrapy crawl imdb -s JOBDIR=crawls/run1 [-a seeds=tt0133093,tt1392190]
        [-a seeds_file=PATH] [-a dataset=title.basics.tsv.gz [-a title_types=movie,tvMovie]
        [-a ratings=title.ratings.tsv.gz -a min_votes=N]] [-a max_titles=N] [-a max_depth=D]
        [-a follow_types=movie,tvMovie] [-a retry_failed=1]

The spider only schedules: pages are parsed by the pure parser (``imdb_spider.pages``), stored
by ``StorePipeline`` in one transaction each, and the follow-up requests are scheduled from
the ``item_scraped`` signal, i.e. after that commit. Progress lines and the end-of-crawl
summary are ``imdb_spider.report.CrawlReport``'s.

The crawl database's frontier is the queue. Every run queues all its pending rows, by depth
(``start``); Scrapy's scheduler only holds them in memory (``imdb_spider.scheduler``), so a
``kill -9`` loses nothing but the pages in flight, with or without ``JOBDIR``. Each title is
requested at most once at a time, without any in-flight bookkeeping, because a request for it
is only ever made (a) at start, once per pending row, (b) when a commit first adds it to the
frontier, (c) after its previous attempt was committed (a retry, a re-fetch), or (d) when the
crawl is idle, i.e. nothing is queued or in flight: then the pending rows left, if any, are
queued again rather than ending the run as ``finished`` with titles still owed. An idle run
whose re-queued titles all came back uncommitted stops (reason ``frontier_stuck``) instead of
looping. A run is recorded clean only when it finished or was shut down with nothing owed it
could fetch and its scheduler raised no error.

Settings read: ``IMDB_BASE_URL``, ``IMDB_DB_PATH``, ``IMDB_PROFILE``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest, UsageError
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ..items import FailureItem, PageItem
from ..pages import BlockedPageError, PageError, TitleRecord, parse_title
from ..proxies import NoProxyAlive
from ..seeds import (
    DEFAULT_SEEDS,
    SeedError,
    parse_seed_list,
    read_dataset,
    read_ratings,
    read_seeds_file,
    title_url,
    unique_ids,
)
from ..store import Store, StoreError

logger = logging.getLogger(__name__)

DEFAULT_FOLLOW_TYPES = "movie,tvMovie"
# Reasons a run can end with nothing lost and nothing it could fetch left behind by mistake.
CLEAN_REASONS = frozenset({"finished", "shutdown"})
# Stats the pipeline keeps: every commit it made (pages, failures, re-fetch notes).
COMMITS = "imdb/commits"


def _positive_int(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"-a {name}= takes a whole number, not {value!r}") from None
    if number < 0:
        raise UsageError(f"-a {name}= must not be negative, got {number}")
    return number


def _types(value: str | None) -> frozenset[str]:
    return frozenset(t.strip() for t in (value or "").split(",") if t.strip())


class ImdbSpider(scrapy.Spider):
    name = "imdb"

    def __init__(  # noqa: PLR0917 (Scrapy passes -a arguments by keyword)
        self,
        seeds: str | None = None,
        seeds_file: str | None = None,
        dataset: str | None = None,
        title_types: str | None = None,
        ratings: str | None = None,
        min_votes: str | None = None,
        max_titles: str | None = None,
        max_depth: str | None = None,
        follow_types: str = DEFAULT_FOLLOW_TYPES,
        retry_failed: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.seed_list = seeds
        self.seeds_file = seeds_file
        self.dataset = dataset
        self.title_types = _types(title_types)
        self.ratings = ratings
        self.min_votes = _positive_int("min_votes", min_votes)
        if self.ratings and self.min_votes is None:
            raise UsageError("-a ratings= needs -a min_votes=N")
        if (self.ratings or self.title_types) and not self.dataset:
            raise UsageError("-a ratings= and -a title_types= filter -a dataset=PATH; give one")
        self.max_titles = _positive_int("max_titles", max_titles)
        self.max_depth = _positive_int("max_depth", max_depth)
        self.follow_types = _types(follow_types)
        self.retry_failed = str(retry_failed or "").lower() in ("1", "true", "yes")
        self.run_args = {
            k: v
            for k, v in {
                "seeds": seeds,
                "seeds_file": seeds_file,
                "dataset": dataset,
                "title_types": title_types,
                "ratings": ratings,
                "min_votes": min_votes,
                "max_titles": max_titles,
                "max_depth": max_depth,
                "follow_types": follow_types,
                "retry_failed": retry_failed,
            }.items()
            if v is not None
        }
        self.run_id: int | None = None
        self.store: Store
        self.base_url = ""
        # Commits counted when the idle crawl last re-queued pending titles (None: never).
        self._requeued_at: int | None = None

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        profile = settings.get("IMDB_PROFILE", "polite")
        if profile == "sandbox":
            # "spider" priority: a -s NAME=VALUE on the command line still wins.
            for name, value in settings.getdict("SANDBOX_PROFILE").items():
                settings.set(name, value, priority="spider")
        elif profile != "polite":
            raise UsageError(f"IMDB_PROFILE must be 'polite' or 'sandbox', not {profile!r}")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ImdbSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = settings.get("IMDB_BASE_URL").rstrip("/")
        try:
            # The spider's own connection: seeds, the pending rows it queues, the run record.
            # Pages are written through the pipeline's.
            spider.store = Store(settings.get("IMDB_DB_PATH"))
        except StoreError as exc:
            raise UsageError(str(exc)) from None
        if settings.get("JOBDIR"):
            logger.info(
                "JOBDIR is set: Scrapy's request queue is not used, the crawl database's "
                "frontier is the queue (see imdb_spider/scheduler.py)"
            )
        crawler.signals.connect(spider._item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    # --- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        store = self.store
        self.run_id = store.start_run(self.run_args)
        try:
            seeds = self._seed_ids()
        except SeedError as exc:
            logger.error("%s", exc)
            self.crawler.stats.set_value("imdb/seed_error", str(exc))
            return
        new_seeds = store.add_to_frontier(seeds, depth=0, limit=self.max_titles)
        if self.retry_failed:
            store.retry_failed()
        pending = list(store.pending())
        logger.info(
            "crawl database %s: %d titles stored, %d in the frontier; %d seeds new; "
            "queueing %d pending titles",
            store.path,
            store.count_titles(),
            store.count_frontier(),
            len(new_seeds),
            len(pending),
        )
        for row in pending:
            yield self._request(row.id, row.depth)

    def _seed_ids(self) -> list[str]:
        ids: list[str] = []
        if self.seed_list:
            ids += parse_seed_list(self.seed_list)
        if self.seeds_file:
            ids += read_seeds_file(self.seeds_file)
        if self.dataset:
            popular = read_ratings(self.ratings, self.min_votes or 0) if self.ratings else None
            ids += read_dataset(self.dataset, self.title_types or None, popular)
        if not (self.seed_list or self.seeds_file or self.dataset):
            ids = list(DEFAULT_SEEDS)
        return unique_ids(ids)

    def _request(self, tt: str, depth: int) -> scrapy.Request:
        # dont_filter: the frontier deduplicates (see the module docstring), not Scrapy's
        # fingerprint set, which knows nothing of what earlier runs stored.
        return scrapy.Request(
            title_url(self.base_url, tt),
            callback=self.parse,
            errback=self.failed,
            priority=-depth,
            dont_filter=True,
            meta={"title_id": tt, "bfs_depth": depth},
        )

    def _schedule(self, tt: str, depth: int) -> None:
        self.crawler.engine.crawl(self._request(tt, depth))

    # --- callbacks -----------------------------------------------------------------------

    def parse(self, response: scrapy.http.Response) -> Iterator[PageItem | FailureItem]:
        tt = response.meta["title_id"]
        depth = response.meta["bfs_depth"]
        try:
            record = parse_title(response.url, response.body)
        except BlockedPageError as exc:
            yield FailureItem(tt, depth, f"blocked-{exc.kind}", str(exc))
            return
        except PageError as exc:
            logger.warning("%s", exc)
            yield FailureItem(tt, depth, "parse", str(exc))
            return
        yield PageItem(record, tt, depth, follow=self._follow(record, depth), limit=self.max_titles)

    def _follow(self, record: TitleRecord, depth: int) -> list[str]:
        """Recommendations to queue: within max_depth, of a followed type where the page
        tells the type; only seeds are expanded whatever their own type."""
        if self.max_depth is not None and depth >= self.max_depth:
            return []
        types = self.follow_types
        if types and depth > 0 and record.title_type not in types:
            return []
        return [
            tt
            for tt, kind in zip(record.recommendations, record.recommendation_types, strict=True)
            if not types or kind is None or kind in types
        ]

    def failed(self, failure: Failure) -> Iterator[FailureItem]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errbacks
        tt = request.meta.get("title_id")
        if tt is None:
            return
        depth = request.meta["bfs_depth"]
        if failure.check(HttpError):
            status = failure.value.response.status
            yield FailureItem(
                tt, depth, f"http-{status}", str(failure.value), final=status in (404, 410)
            )
        elif failure.check(NoProxyAlive):
            return  # stays pending for the next run; the crawl is closing
        elif failure.check(IgnoreRequest):
            yield FailureItem(tt, depth, "ignored", str(failure.value), final=True)
        else:
            yield FailureItem(tt, depth, "download", f"{failure.type.__name__}: {failure.value}")

    # --- after the pipeline committed ----------------------------------------------------

    def _item_scraped(self, item: object, response: Any, spider: scrapy.Spider) -> None:
        if isinstance(item, PageItem):
            if item.refetch:
                self._schedule(item.requested_id, item.depth)
            for tt in item.new_ids:
                self._schedule(tt, item.depth + 1)
        elif isinstance(item, FailureItem) and item.retry:
            self._schedule(item.title_id, item.depth)

    # --- idle and the end ----------------------------------------------------------------

    def _idle(self) -> None:
        """Nothing is queued or in flight: queue the frontier's pending rows again if there
        are any (so the run never ends "finished" owing titles), unless the previous such
        round committed nothing at all."""
        if self.run_id is None:
            return  # start() has not run (or failed on its seeds)
        pending = list(self.store.pending())
        if not pending:
            return
        commits = self.crawler.stats.get_value(COMMITS, 0)
        if self._requeued_at == commits:
            logger.error(
                "%d pending titles came back without a page or a failure being stored: "
                "stopping instead of asking for them again",
                len(pending),
            )
            raise CloseSpider("frontier_stuck")
        self._requeued_at = commits
        logger.warning(
            "the queue ran dry with %d titles still pending: queueing them again from the "
            "crawl database",
            len(pending),
        )
        self.crawler.stats.inc_value("imdb/requeued", len(pending))
        for row in pending:
            self._schedule(row.id, row.depth)
        raise DontCloseSpider

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        stats = self.crawler.stats
        problems = []
        if reason not in CLEAN_REASONS:
            problems.append(f"it ended with reason {reason!r}")
        if reason == "finished" and self.store.count_pending():
            problems.append("titles are still pending")
        errors = stats.get_value("imdb/scheduler_errors", 0)
        if errors:
            problems.append(f"its scheduler raised {errors} errors")
        if self.run_id is not None:
            self.store.finish_run(self.run_id, reason, clean=not problems)
        stats.set_value("imdb/run_clean", not problems)
        if problems:
            stats.set_value("imdb/run_unclean_because", "; ".join(problems))
        self.store.close()
