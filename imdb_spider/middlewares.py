"""Downloader middlewares of the crawl (proxy rotation lives in ``proxies.py``).

- ``SkipDoneMiddleware``: drops a request for a title that is already stored, or that another
  request is fetching right now. After an unclean stop the queue is rebuilt from the frontier
  while Scrapy may also restore part of its own queue; this is what keeps every title fetched
  once.
- ``BanBackoffMiddleware``: without proxies, a ban answer (403, 429, 503, WAF 202, captcha)
  pauses the whole crawl for ``IMDB_BAN_BACKOFF`` seconds, doubling on each further ban up to
  ``IMDB_BAN_BACKOFF_MAX``, and resets after a good answer. IMDb's challenges are never solved.
"""

from __future__ import annotations

import itertools
import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from .proxies import response_ban_reason

logger = logging.getLogger(__name__)

_tokens = itertools.count(1)


class AlreadyHandled(IgnoreRequest):
    """The title is stored already, or another request is fetching it."""


class SkipDoneMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipDoneMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        tt = request.meta.get("title_id")
        if tt is None:
            return
        spider = self.crawler.spider
        # Retries of one request (Scrapy's, or the proxy rotation's) copy its meta and token.
        token = request.meta.setdefault("fetch_token", next(_tokens))
        holder = spider.in_flight.get(tt)
        if holder is not None and holder != token:
            self.crawler.stats.inc_value("imdb/skipped/in_flight")
            logger.debug("dropping a second request for %s: being fetched", tt)
            raise AlreadyHandled(f"{tt} is being fetched already")
        if holder is None and spider.store.state(tt) == "done":
            self.crawler.stats.inc_value("imdb/skipped/done")
            logger.debug("dropping a request for %s: stored already", tt)
            raise AlreadyHandled(f"{tt} is stored already")
        spider.in_flight[tt] = token


class BanBackoffMiddleware:
    def __init__(self, crawler: Crawler, base: float, cap: float) -> None:
        self.crawler = crawler
        self.base = base
        self.cap = cap
        self.current = 0.0
        self.paused = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BanBackoffMiddleware:
        settings = crawler.settings
        if settings.getlist("ROTATING_PROXY_LIST") or settings.get("ROTATING_PROXY_LIST_PATH"):
            raise NotConfigured
        base = settings.getfloat("IMDB_BAN_BACKOFF", 60)
        if base <= 0:
            raise NotConfigured
        return cls(crawler, base, settings.getfloat("IMDB_BAN_BACKOFF_MAX", 3600))

    def process_response(self, request: Request, response: Response) -> Response:
        reason = response_ban_reason(request, response)
        if reason is None:
            self.current = 0.0
            return response
        self.current = min(self.cap, self.current * 2 if self.current else self.base)
        self.crawler.stats.inc_value(f"imdb/bans/{reason}")
        if not self.paused:
            self.paused = True
            logger.warning(
                "banned (%s) on %s: pausing the crawl for %.0f s", reason, request.url, self.current
            )
            self.crawler.engine.pause()
            # Imported here: importing the reactor at module level would install the default
            # one before Scrapy installs the asyncio reactor it is configured for.
            from twisted.internet import reactor  # noqa: PLC0415

            reactor.callLater(self.current, self._resume)
        return response

    def _resume(self) -> None:
        self.paused = False
        if self.crawler.engine is not None and self.crawler.engine.running:
            logger.info("resuming after a ban pause")
            self.crawler.engine.unpause()
