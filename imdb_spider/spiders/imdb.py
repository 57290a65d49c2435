"""The ``imdb`` spider: breadth-first over "More like this", resumable from the crawl database.

Usage::

    scrapy crawl imdb -s JOBDIR=crawls/run1 [-a seeds=tt0133093,tt1392190]
        [-a seeds_file=PATH] [-a dataset=title.basics.tsv.gz [-a title_types=movie,tvMovie]
        [-a ratings=title.ratings.tsv.gz -a min_votes=N]] [-a max_titles=N] [-a max_depth=D]
        [-a follow_types=movie,tvMovie] [-a retry_failed=1]

The spider only schedules: pages are parsed by the pure parser (``imdb_spider.pages``), stored
by ``StorePipeline`` in one transaction each, and the follow-up requests are scheduled from
the ``item_scraped`` signal, i.e. after that commit. The crawl database's frontier is the
source of truth: at start, when the previous run did not finish cleanly (``kill -9``, a crash,
every proxy dead) or there is no JOBDIR, the queue is rebuilt from its pending rows.

Settings read: ``IMDB_BASE_URL``, ``IMDB_DB_PATH``, ``IMDB_PROFILE``,
``IMDB_PROGRESS_INTERVAL``, ``IMDB_SUMMARY_PATH`` (write the end-of-crawl summary there as
JSON), ``JOBDIR``.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import task
from twisted.python.failure import Failure

from ..items import FailureItem, PageItem
from ..middlewares import AlreadyHandled
from ..pages import BlockedPageError, PageError, TitleRecord, parse_title
from ..proxies import ImdbRotatingProxyMiddleware, NoProxyAlive
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
# Reasons after which Scrapy's JOBDIR queue holds every pending request.
CLEAN_REASONS = frozenset({"finished", "shutdown"})


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
        # title id -> token of the request fetching it now (see SkipDoneMiddleware).
        self.in_flight: dict[str, int] = {}
        self.run_id: int | None = None
        self.store: Store

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
            spider.store = Store(settings.get("IMDB_DB_PATH"))
        except StoreError as exc:
            raise UsageError(str(exc)) from None
        spider.progress_interval = settings.getfloat("IMDB_PROGRESS_INTERVAL", 30)
        spider._discard_stale_queue(settings.get("JOBDIR"))
        crawler.signals.connect(spider._item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _discard_stale_queue(self, jobdir: str | None) -> None:
        """After an unclean stop, remove Scrapy's on-disk request queue before the scheduler
        opens it. Its disk queues write their bookkeeping only on a clean close, so after a
        ``kill -9`` the files disagree with it and requests pushed later get lost (seen
        here). The queue is rebuilt from the frontier instead (``start``)."""
        if not jobdir or self.store.last_run_was_clean() is not False:
            return
        queue = Path(jobdir) / "requests.queue"
        if queue.exists():
            logger.warning(
                "the last run did not finish cleanly: discarding %s and rebuilding the queue "
                "from the crawl database",
                queue,
            )
            shutil.rmtree(queue)

    # --- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        store = self.store
        previous_clean = store.last_run_was_clean()
        self.run_id = store.start_run(self.run_args)
        self._start_progress()
        try:
            seeds = self._seed_ids()
        except SeedError as exc:
            logger.error("%s", exc)
            self.crawler.stats.set_value("imdb/seed_error", str(exc))
            return
        new_seeds = set(store.add_to_frontier(seeds, depth=0, limit=self.max_titles))
        revived = store.retry_failed() if self.retry_failed else 0
        jobdir = self.settings.get("JOBDIR")
        rebuild = not jobdir or not previous_clean or revived > 0
        pending = list(store.pending())
        if not rebuild:
            pending = [row for row in pending if row.id in new_seeds]
        logger.info(
            "crawl database %s: %d titles stored, %d in the frontier; %d seeds new; "
            "%s %d pending titles",
            store.path,
            store.count_titles(),
            store.count_frontier(),
            len(new_seeds),
            "queueing" if rebuild else "JOBDIR queue intact, adding",
            len(pending),
        )
        for row in pending:
            logger.debug("queueing %s (depth %d)", row.id, row.depth)
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
        # dont_filter: the frontier and SkipDoneMiddleware deduplicate, not Scrapy's
        # fingerprint set (which a kill -9 leaves out of step with the database).
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
        yield PageItem(record, tt, depth, follow=self._follow(record, depth))

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
        request = failure.request
        tt = request.meta.get("title_id")
        if tt is None:
            return
        depth = request.meta["bfs_depth"]
        if failure.check(HttpError):
            status = failure.value.response.status
            yield FailureItem(
                tt, depth, f"http-{status}", str(failure.value), final=status in (404, 410)
            )
        elif failure.check(AlreadyHandled):
            return  # another request has (or had) this title
        elif failure.check(NoProxyAlive):
            self.release(tt)  # stays pending for the next run
        elif failure.check(IgnoreRequest):
            yield FailureItem(tt, depth, "ignored", str(failure.value), final=True)
        else:
            yield FailureItem(tt, depth, "download", f"{failure.type.__name__}: {failure.value}")

    def release(self, tt: str) -> None:
        self.in_flight.pop(tt, None)

    # --- after the pipeline committed ----------------------------------------------------

    def _item_scraped(self, item: object, response: Any, spider: scrapy.Spider) -> None:
        if isinstance(item, PageItem):
            if item.refetch:
                self._schedule(item.requested_id, item.depth)
            for tt in item.new_ids:
                self._schedule(tt, item.depth + 1)
        elif isinstance(item, FailureItem) and item.retry:
            self._schedule(item.title_id, item.depth)

    # --- progress and the end ------------------------------------------------------------

    def _start_progress(self) -> None:
        self._started = time.monotonic()
        self._progress = task.LoopingCall(self._log_progress)
        if self.progress_interval > 0:
            self._progress.start(self.progress_interval, now=False)

    def _log_progress(self) -> None:
        stats = self.crawler.stats
        stored = stats.get_value("imdb/titles_stored", 0)
        elapsed = max(time.monotonic() - self._started, 1e-9)
        summary = self.store.summary()["frontier"]
        logger.info(
            "progress: %d titles stored this run (%.1f/s), %d pending, %d done, %d failed",
            stored,
            stored / elapsed,
            summary["pending"],
            summary["done"],
            summary["failed"],
        )

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        if getattr(self, "_progress", None) is not None and self._progress.running:
            self._progress.stop()
        if self.run_id is not None:
            self.store.finish_run(self.run_id, reason, clean=reason in CLEAN_REASONS)
        summary = self.store.summary()
        logger.info(
            "crawl %s: %d titles, %d edges, %d pending, %d failed in %s",
            reason,
            summary["titles"],
            summary["edges"],
            summary["frontier"]["pending"],
            summary["frontier"]["failed"],
            self.store.path,
        )
        proxies = self._proxy_table()
        for row in proxies:
            logger.info(
                "proxy %s: %d requests, %d bans, %s",
                row["proxy"],
                row["requests"],
                row["bans"],
                row["state"],
            )
        path = self.settings.get("IMDB_SUMMARY_PATH")
        if path:
            stats = self.crawler.stats.get_stats()
            report = {
                "reason": reason,
                "database": summary,
                "proxies": proxies,
                "stats": {k: v for k, v in stats.items() if k.startswith("imdb/")},
            }
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
        self.store.close()

    def _proxy_table(self) -> list[dict[str, Any]]:
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        for mw in getattr(getattr(downloader, "middleware", None), "middlewares", ()):
            if isinstance(mw, ImdbRotatingProxyMiddleware):
                return mw.proxy_table()
        return []
