"""Downloader middlewares of the crawl (proxy rotation lives in ``proxies.py``).

- ``BanBackoffMiddleware``: without proxies, a ban answer from IMDb (403, 429, 503, WAF 202,
  captcha) pauses the whole crawl for ``IMDB_BAN_BACKOFF`` seconds, doubling on each further
  ban up to ``IMDB_BAN_BACKOFF_MAX``, and resets after a good answer. IMDb's challenges are
  never solved: after ``IMDB_WAF_STOP_AFTER`` WAF challenges in a row (default 3; 0: never)
  the crawl stops (reason ``imdb_waf``) and says which route works today.
- ``TmdbApiMiddleware``: TMDb's API rules, for requests to ``TMDB_API_URL`` only. A
  ``TMDB_ACCESS_TOKEN`` goes in an ``Authorization`` header. HTTP 429 waits for
  ``Retry-After`` (the whole crawl pauses) and slows the crawl down; HTTP 401 (the key was
  rejected) stops the crawl at once (reason ``tmdb_key_rejected``) without touching any
  title.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import CallLaterResult, call_later
from scrapy.utils.defer import deferred_from_coro

from .proxies import response_ban_reason
from .tmdb import redact

logger = logging.getLogger(__name__)

WAF_HINT = (
    "IMDb answers with an AWS WAF challenge, which this crawler never solves or evades. "
    "Build the map from the sanctioned sources instead: `scrapy crawl tmdb` (TMDb's "
    "recommendations API, with a free key in TMDB_API_KEY) and IMDb's daily datasets "
    "(`python -m imdb_spider.datasets`); see README, 'Building a real map today'."
)


class BanBackoffMiddleware:
    def __init__(self, crawler: Crawler, base: float, cap: float, waf_stop_after: int) -> None:
        self.crawler = crawler
        self.base = base
        self.cap = cap
        self.waf_stop_after = waf_stop_after
        self.current = 0.0
        self.paused = False
        self.resume_call: CallLaterResult | None = None
        self.waf_in_a_row = 0
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BanBackoffMiddleware:
        settings = crawler.settings
        if settings.getlist("ROTATING_PROXY_LIST") or settings.get("ROTATING_PROXY_LIST_PATH"):
            raise NotConfigured
        base = settings.getfloat("IMDB_BAN_BACKOFF", 60)
        if base <= 0:
            raise NotConfigured
        return cls(
            crawler,
            base,
            settings.getfloat("IMDB_BAN_BACKOFF_MAX", 3600),
            settings.getint("IMDB_WAF_STOP_AFTER", 3),
        )

    def process_response(self, request: Request, response: Response) -> Response:
        reason = response_ban_reason(request, response)
        if reason is None:
            self.current = 0.0
            self.waf_in_a_row = 0
            return response
        self.current = min(self.cap, self.current * 2 if self.current else self.base)
        self.crawler.stats.inc_value(f"imdb/bans/{reason}")
        self.waf_in_a_row = self.waf_in_a_row + 1 if reason == "waf-challenge" else 0
        if self.waf_stop_after and self.waf_in_a_row >= self.waf_stop_after:
            self._stop_at_the_waf()
        elif not self.paused:
            self.paused = True
            logger.warning(
                "banned (%s) on %s: pausing the crawl for %.0f s", reason, request.url, self.current
            )
            self.crawler.engine.pause()
            self.resume_call = call_later(self.current, self._resume)
        return response

    def _stop_at_the_waf(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        logger.error(
            "%d WAF challenges in a row: stopping the crawl. %s", self.waf_in_a_row, WAF_HINT
        )
        self.crawler.stats.set_value("imdb/stop_hint", WAF_HINT)
        engine = self.crawler.engine
        deferred_from_coro(engine.close_spider_async(reason="imdb_waf"))

    def _resume(self) -> None:
        self.paused = False
        if self.crawler.engine is not None and self.crawler.engine.running:
            logger.info("resuming after a ban pause")
            self.crawler.engine.unpause()


class TmdbKeyRejected(IgnoreRequest):
    """TMDb refused the API key; the crawl is stopping and no title is touched."""


class TmdbApiMiddleware:
    def __init__(
        self, crawler: Crawler, api_url: str, token: str, retry_after_cap: float, base_delay: float
    ) -> None:
        self.crawler = crawler
        self.base_delay = base_delay
        self.api_url = api_url.rstrip("/") + "/"
        self.token = token
        self.retry_after_cap = retry_after_cap
        self.paused = False
        self.stopping = False
        self.resume_call: CallLaterResult | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TmdbApiMiddleware:
        settings = crawler.settings
        return cls(
            crawler,
            settings.get("TMDB_API_URL"),
            settings.get("TMDB_ACCESS_TOKEN") or "",
            settings.getfloat("TMDB_RETRY_AFTER_MAX", 60),
            settings.getfloat("DOWNLOAD_DELAY", 0),
        )

    def _ours(self, request: Request) -> bool:
        return request.url.startswith(self.api_url)

    def process_request(self, request: Request) -> None:
        if self.token and self._ours(request):
            request.headers["Authorization"] = f"Bearer {self.token}"

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if not self._ours(request):
            return response
        stats = self.crawler.stats
        if response.status == 401:
            stats.inc_value("tmdb/401")
            self._stop_on_the_key(response)
            raise TmdbKeyRejected("TMDb rejected the API key")
        if response.status == 429:
            stats.inc_value("tmdb/429")
            self._wait(response)
            retry = request.replace(dont_filter=True)
            retry.meta["tmdb_429"] = request.meta.get("tmdb_429", 0) + 1
            return retry
        if response.status == 200:
            # Speed up again slowly after a 429 slowed the crawl (down to the configured rate).
            for slot in self._slots(request):
                slot.delay = max(self.base_delay, slot.delay * 0.9)
        return response

    def _slots(self, request: Request) -> list[Any]:
        key = request.meta.get("download_slot")
        slots = self.crawler.engine.downloader.slots
        return [slot for name, slot in slots.items() if key in (None, name)]

    def _wait(self, response: Response) -> None:
        """Pause the crawl for Retry-After seconds and slow every later request down."""
        header = (response.headers.get("Retry-After") or b"1").decode("latin-1").strip()
        try:
            wait = min(max(float(header), 0.1), self.retry_after_cap)
        except ValueError:
            wait = 1.0
        for slot in self._slots(response.request) if response.request else ():
            # Halve the rate (down to one request a second); successes speed it up again.
            slot.delay = min(max(slot.delay * 2, self.base_delay, 0.02), 1.0)
        self.crawler.stats.set_value(
            "tmdb/delay",
            max((s.delay for s in self.crawler.engine.downloader.slots.values()), default=0.0),
        )
        if self.paused:
            return
        self.paused = True
        logger.warning("TMDb asks to slow down (HTTP 429): waiting %.1f s", wait)
        self.crawler.engine.pause()
        self.resume_call = call_later(wait, self._resume)

    def _resume(self) -> None:
        self.paused = False
        if self.crawler.engine is not None and self.crawler.engine.running:
            self.crawler.engine.unpause()

    def _stop_on_the_key(self, response: Response) -> None:
        if self.stopping:
            return
        self.stopping = True
        logger.error(
            "TMDb rejected the API key (HTTP 401: %s): stopping the crawl; no title was "
            "touched. Set TMDB_API_KEY (v3 key) or TMDB_ACCESS_TOKEN (v4 read token) to a "
            "valid one and run the same command again.",
            redact(response.text[:200]) if hasattr(response, "text") else "",
        )
        self.crawler.stats.set_value(
            "imdb/stop_hint", "TMDb rejected the API key: set TMDB_API_KEY or TMDB_ACCESS_TOKEN"
        )
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="tmdb_key_rejected"))
