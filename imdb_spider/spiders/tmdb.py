"""The ``tmdb`` spider: breadth-first over TMDb's recommendations API, into the same database.

Usage::

    TMDB_API_KEY=… scrapy crawl tmdb [-a seeds=tt0133093,tmdb:603] [-a seeds_file=PATH]
        [-a id_export=movie_ids_MM_DD_YYYY.json.gz -a min_popularity=N] [-a max_titles=N]
        [-a max_depth=D] [-a retry_failed=1] [-a refresh_days=N]

One call per title: ``/movie/{id}?append_to_response=recommendations,external_ids,credits``
(the movie, its IMDb id, its directors and its first 20 recommendations; ``imdb_spider.tmdb``
reads it). A seed given as an IMDb id is looked up first (``/find/{tt}``). Titles keep the
IMDb id when TMDb gives one, else ``tmdb:ID``; edges are stored with origin ``tmdb``. The
frontier discipline is ``FrontierSpider``'s (``spiders/base.py``): resumable, ``kill -9``-safe,
one transaction per title.

Polite by default: at most ``TMDB_MAX_RPS`` requests a second (20), AutoThrottle on; 429 waits
for ``Retry-After`` and slows down, 401 stops the crawl ("TMDb rejected the API key"), 404 is
final, 5xx, time-outs and malformed JSON are retried a bounded number of times and then
recorded as failures (``middlewares.TmdbApiMiddleware``, Scrapy's retry, the pipeline).

The key comes from ``TMDB_API_KEY`` (v3 key, sent as the ``api_key`` parameter) or
``TMDB_ACCESS_TOKEN`` (v4 read token, sent as a bearer header), as environment variables or
``-s`` settings. It never reaches logs, stats, failure rows or the database: every log record
is redacted (``imdb_spider.redaction``) and failure texts too.

Settings read: ``TMDB_API_URL``, ``TMDB_API_KEY``, ``TMDB_ACCESS_TOKEN``, ``TMDB_MAX_RPS``
(and ``FrontierSpider``'s).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ..items import FailureItem, PageItem
from ..middlewares import TmdbKeyRejected
from ..redaction import install_log_redaction
from ..seeds import DEFAULT_SEEDS, SeedError, read_seeds_file, unique_ids
from ..store import TMDB
from ..tmdb import (
    TmdbError,
    find_url,
    movie_url,
    parse_find,
    parse_movie,
    read_id_export,
    redact,
    seed_id,
    tmdb_number,
)
from .base import FrontierSpider, positive_float

logger = logging.getLogger(__name__)


class TmdbSpider(FrontierSpider):
    name = "tmdb"
    origin = TMDB

    def __init__(  # noqa: PLR0917 (Scrapy passes -a arguments by keyword)
        self,
        seeds: str | None = None,
        seeds_file: str | None = None,
        id_export: str | None = None,
        min_popularity: str | None = None,
        max_titles: str | None = None,
        max_depth: str | None = None,
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
            run_args={"id_export": id_export, "min_popularity": min_popularity},
            **kwargs,
        )
        self.id_export = id_export
        self.min_popularity = positive_float("min_popularity", min_popularity) or 0.0
        if min_popularity and not id_export:
            raise UsageError("-a min_popularity= filters -a id_export=PATH; give one")
        self.api_url = ""
        self.api_key = ""

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        for name in ("TMDB_API_KEY", "TMDB_ACCESS_TOKEN"):
            if not settings.get(name) and os.environ.get(name):
                settings.set(name, os.environ[name], priority="spider")
        rps = settings.getfloat("TMDB_MAX_RPS", 20)
        if rps <= 0:
            raise UsageError(f"TMDB_MAX_RPS must be a positive number, not {rps}")
        # "spider" priority: a -s NAME=VALUE on the command line still wins.
        for name, value in settings.getdict("TMDB_PROFILE").items():
            settings.set(name, value, priority="spider")
        # One API host, one download slot: its delay is the crawl's overall rate.
        settings.set("DOWNLOAD_DELAY", 1 / rps, priority="spider")
        settings.set("AUTOTHROTTLE_START_DELAY", 1 / rps, priority="spider")
        if settings.get("IMDB_PROFILE") == "sandbox":
            for name, value in settings.getdict("SANDBOX_PROFILE").items():
                settings.set(name, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> TmdbSpider:
        install_log_redaction()
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.api_url = settings.get("TMDB_API_URL").rstrip("/")
        spider.api_key = settings.get("TMDB_API_KEY") or ""
        if not spider.api_key and not settings.get("TMDB_ACCESS_TOKEN"):
            raise UsageError(
                "scrapy crawl tmdb needs a TMDb API key: set TMDB_API_KEY (v3 key) or "
                "TMDB_ACCESS_TOKEN (v4 read token) in the environment, or -s TMDB_API_KEY=…; "
                "a free key comes with a TMDb account (Settings → API)"
            )
        return spider

    def source_url(self) -> str:
        return self.api_url

    def seed_ids(self) -> list[str]:
        values: list[str] = []
        if self.seed_list:
            values += [v for v in self.seed_list.replace(",", " ").split() if v]
        if self.seeds_file:
            values += read_seeds_file(self.seeds_file, parse=seed_id)
        ids = []
        for value in values:
            try:
                ids.append(seed_id(value))
            except ValueError as exc:
                raise SeedError(str(exc)) from None
        if self.id_export:
            try:
                ids += read_id_export(self.id_export, self.min_popularity)
            except ValueError as exc:
                raise SeedError(str(exc)) from None
        if not (self.seed_list or self.seeds_file or self.id_export):
            ids = list(DEFAULT_SEEDS)
        return unique_ids(ids)

    def title_request(self, title_id: str, depth: int) -> scrapy.Request | None:
        movie = tmdb_number(title_id)
        if movie is None:
            movie = self.store.tmdb_id_of(title_id)
        meta = {"title_id": title_id, "bfs_depth": depth, "origin": TMDB}
        if movie is None:
            # An IMDb id TMDb has not told us about yet: ask TMDb which movie it is.
            url = find_url(self.api_url, title_id, self.api_key)
            return self._api_request(url, self.parse_find, depth, meta)
        return self._api_request(
            movie_url(self.api_url, movie, self.api_key), self.parse, depth, meta
        )

    def _api_request(
        self, url: str, callback: Any, depth: int, meta: dict[str, Any]
    ) -> scrapy.Request:
        # dont_filter: the frontier deduplicates, as for the imdb spider.
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            priority=-depth,
            dont_filter=True,
            meta=meta,
        )

    # --- callbacks -----------------------------------------------------------------------

    def parse_find(self, response: scrapy.http.Response) -> Iterator[Any]:
        tt, depth = response.meta["title_id"], response.meta["bfs_depth"]
        try:
            movie = parse_find(response.url, response.body)
        except TmdbError as exc:
            yield self._failure(tt, depth, "parse", str(exc))
            return
        if movie is None:
            yield self._failure(tt, depth, "not-on-tmdb", f"TMDb has no movie for {tt}", True)
            return
        url = movie_url(self.api_url, movie, self.api_key)
        yield self._api_request(url, self.parse, depth, dict(response.meta))

    def parse(self, response: scrapy.http.Response, **kwargs: Any) -> Iterator[Any]:
        tt, depth = response.meta["title_id"], response.meta["bfs_depth"]
        try:
            record = parse_movie(response.url, response.body)
        except TmdbError as exc:
            logger.warning("%s", exc)
            yield self._failure(tt, depth, "parse", str(exc))
            return
        deep = self.max_depth is not None and depth >= self.max_depth
        # Follow-ups by their surviving ids: a tmdb:ID already matched is followed as its tt.
        follow = [] if deep else self.store.resolve(record.recommendations)
        yield PageItem(record, tt, depth, origin=TMDB, follow=follow, limit=self.max_titles)

    def failed(self, failure: Failure) -> Iterator[FailureItem]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errbacks
        tt = request.meta.get("title_id")
        if tt is None or failure.check(TmdbKeyRejected):
            return  # the crawl is stopping; the title stays as it was
        depth = request.meta["bfs_depth"]
        if failure.check(HttpError):
            status = failure.value.response.status
            yield self._failure(tt, depth, f"http-{status}", str(failure.value), status == 404)
        elif failure.check(IgnoreRequest):
            yield self._failure(tt, depth, "ignored", str(failure.value), True)
        else:
            yield self._failure(tt, depth, "download", f"{failure.type.__name__}: {failure.value}")

    @staticmethod
    def _failure(tt: str, depth: int, kind: str, detail: str, final: bool = False) -> FailureItem:
        return FailureItem(tt, depth, kind, redact(detail), final=final, origin=TMDB)
