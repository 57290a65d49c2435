"""The ``imdb`` spider: breadth-first over "More like this", resumable from the crawl database.

Usage::

    scrapy crawl imdb -s JOBDIR=crawls/run1 [-a seeds=tt0133093,tt1392190]
        [-a seeds_file=PATH] [-a dataset=title.basics.tsv.gz [-a title_types=movie,tvMovie]
        [-a ratings=title.ratings.tsv.gz -a min_votes=N]] [-a max_titles=N] [-a max_depth=D]
        [-a follow_types=movie,tvMovie] [-a retry_failed=1]

The spider only schedules (``FrontierSpider``, ``spiders/base.py``, says how the crawl
database's frontier is its queue and why a ``kill -9`` costs nothing but the pages in flight).
Pages are parsed by the pure parser (``imdb_spider.pages``).

Since March 2026 IMDb answers title pages with an AWS WAF JavaScript challenge. The crawl never
solves or evades one: a challenge is a ban (see ``middlewares.py``), and without proxies the
crawl stops after ``IMDB_WAF_STOP_AFTER`` of them in a row (reason ``imdb_waf``), pointing to
the route that works today (``scrapy crawl tmdb`` and IMDb's datasets).

Settings read: ``IMDB_BASE_URL``, ``IMDB_PROFILE`` (and ``FrontierSpider``'s).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ..items import FailureItem, PageItem
from ..pages import BlockedPageError, PageError, TitleRecord, parse_title
from ..proxies import NoProxyAlive
from ..seeds import (
    DEFAULT_SEEDS,
    parse_seed_list,
    read_dataset,
    read_ratings,
    read_seeds_file,
    title_url,
    unique_ids,
)
from ..store import IMDB
from .base import FrontierSpider, positive_int

logger = logging.getLogger(__name__)

DEFAULT_FOLLOW_TYPES = "movie,tvMovie"


def _types(value: str | None) -> frozenset[str]:
    return frozenset(t.strip() for t in (value or "").split(",") if t.strip())


class ImdbSpider(FrontierSpider):
    name = "imdb"
    origin = IMDB

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
        refresh_days: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            seeds=seeds,
            seeds_file=seeds_file,
            max_titles=max_titles,
            max_depth=max_depth,
            retry_failed=retry_failed,
            refresh_days=refresh_days,
            run_args={
                "dataset": dataset,
                "title_types": title_types,
                "ratings": ratings,
                "min_votes": min_votes,
                "follow_types": follow_types,
            },
            **kwargs,
        )
        self.dataset = dataset
        self.title_types = _types(title_types)
        self.ratings = ratings
        self.min_votes = positive_int("min_votes", min_votes)
        if self.ratings and self.min_votes is None:
            raise UsageError("-a ratings= needs -a min_votes=N")
        if (self.ratings or self.title_types) and not self.dataset:
            raise UsageError("-a ratings= and -a title_types= filter -a dataset=PATH; give one")
        self.follow_types = _types(follow_types)
        self.base_url = ""

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
        spider.base_url = crawler.settings.get("IMDB_BASE_URL").rstrip("/")
        return spider

    def source_url(self) -> str:
        return self.base_url

    def seed_ids(self) -> list[str]:
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

    def title_request(self, tt: str, depth: int) -> scrapy.Request:
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
