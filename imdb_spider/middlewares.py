"""Downloader middlewares of the crawl (proxy rotation lives in ``proxies.py``).

- ``BanBackoffMiddleware``: without proxies, a ban answer (403, 429, 503, WAF 202, captcha)
  pauses the whole crawl for ``IMDB_BAN_BACKOFF`` seconds, doubling on each further ban up to
  ``IMDB_BAN_BACKOFF_MAX``, and resets after a good answer. IMDb's challenges are never solved.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import CallLaterResult, call_later

from .proxies import response_ban_reason

logger = logging.getLogger(__name__)


class BanBackoffMiddleware:
    def __init__(self, crawler: Crawler, base: float, cap: float) -> None:
        self.crawler = crawler
        self.base = base
        self.cap = cap
        self.current = 0.0
        self.paused = False
        self.resume_call: CallLaterResult | None = None

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
            self.resume_call = call_later(self.current, self._resume)
        return response

    def _resume(self) -> None:
        self.paused = False
        if self.crawler.engine is not None and self.crawler.engine.running:
            logger.info("resuming after a ban pause")
            self.crawler.engine.unpause()
