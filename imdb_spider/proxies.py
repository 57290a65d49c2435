"""Proxy rotation and ban policy, on top of scrapy-rotating-proxies.

Settings read (besides the package's own ``ROTATING_PROXY_*``):

- ``ROTATING_PROXY_BAN_POLICY`` = ``imdb_spider.proxies.ImdbBanPolicy`` (set in settings.py):
  403, 429, 503, IMDb's WAF challenge (HTTP 202), 200 pages that hold no title (captcha,
  consent, empty: recognised by the page parser's ``blocked_kind``) and connection errors or
  timeouts are bans; 404 (no such title) and redirects are not.
- ``ROTATING_PROXY_CLOSE_SPIDER`` (our default True): when no proxy is left alive the crawl
  stops itself cleanly with reason ``all_proxies_dead``; the titles not yet fetched stay
  ``pending`` in the frontier and the next run picks them up.
- ``IMDB_PROXY_SEED``: seed of the proxy choice and of the back-off jitter.

What this module fixes in the package (0.6.2, 2019), without touching it: its middleware
methods take the ``spider`` argument Scrapy deprecated (ours don't); with
``ROTATING_PROXY_CLOSE_SPIDER`` it raises ``CloseSpider`` from a downloader middleware, which
Scrapy ignores, so the crawl never stopped (ours closes the engine); its debug log lines name
proxies with their credentials (a filter masks them); its proxy choice and back-off used the
unseeded global ``random`` (ours are seeded). Per-proxy counters (requests, bans, state) go to
the crawl stats under ``proxy/<host:port>/...`` with credentials removed.
"""

from __future__ import annotations

import logging
import random
import re
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from rotating_proxies.expire import exp_backoff
from rotating_proxies.middlewares import BanDetectionMiddleware, RotatingProxyMiddleware
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from .pages.blocked import blocked_kind

logger = logging.getLogger(__name__)

BAN_STATUSES = frozenset({202, 403, 429, 503})
NOT_BAN_STATUSES = frozenset({200, 301, 302, 307, 308, 404, 410})
_CREDENTIALS = re.compile(r"(?<=//)[^/@\s]+@")


def mask_proxy(proxy: str | None) -> str:
    """``scheme://host:port`` of a proxy URL, never its ``user:password@``."""
    if not proxy:
        return "-"
    parts = urlsplit(proxy if "//" in proxy else f"http://{proxy}")
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}:{parts.port}" if parts.port else f"{parts.scheme}://{host}"


def hide_credentials(text: str) -> str:
    return _CREDENTIALS.sub("***@", text)


def response_ban_reason(request: Request, response: Response) -> str | None:
    """Why a response means the proxy that fetched it is banned, or None if it is not a ban."""
    if response.status in BAN_STATUSES:
        return "waf-challenge" if response.status == 202 else f"status-{response.status}"
    if response.status not in NOT_BAN_STATUSES:
        return f"status-{response.status}"
    # Only a title page can be told from a captcha by its content (robots.txt is tiny).
    if response.status == 200 and request.meta.get("title_id"):
        kind = blocked_kind_of_title_page(response.body)
        if kind:
            return kind
    return None


def blocked_kind_of_title_page(body: bytes) -> str | None:
    """A cheap byte-level check: a 200 answer with no title data and a captcha, consent or
    challenge marker (or nothing at all). The parser repeats it in full for the callback."""
    if b'id="__NEXT_DATA__"' in body or b"application/ld+json" in body or b"itemprop=" in body:
        return None
    return blocked_kind(body) or ("empty" if len(body.strip()) < 64 else None)


class NoProxyAlive(IgnoreRequest):
    """Dropped because every proxy is dead; the title stays pending for the next run."""


class ImdbBanPolicy:
    """Ban detection for ``BanDetectionMiddleware`` (``ROTATING_PROXY_BAN_POLICY``)."""

    def response_is_ban(self, request: Request, response: Response) -> bool:
        reason = response_ban_reason(request, response)
        if reason:
            request.meta["ban_reason"] = reason
        return reason is not None

    def exception_is_ban(self, request: Request, exception: BaseException) -> bool:
        # Requests we drop ourselves (IgnoreRequest) say nothing about the proxy.
        if isinstance(exception, IgnoreRequest):
            return False
        request.meta["ban_reason"] = f"error-{type(exception).__name__}"
        return True


class ImdbBanDetectionMiddleware(BanDetectionMiddleware):
    """The package's ban detection with Scrapy's current middleware signatures."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ImdbBanDetectionMiddleware:
        if not crawler.settings.getlist("ROTATING_PROXY_LIST") and not crawler.settings.get(
            "ROTATING_PROXY_LIST_PATH"
        ):
            raise NotConfigured
        return cls(crawler.stats, cls._load_policy(crawler))

    def process_response(self, request: Request, response: Response) -> Response:
        return super().process_response(request, response, None)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        return super().process_exception(request, exception, None)


class ImdbRotatingProxyMiddleware(RotatingProxyMiddleware):
    """The package's rotating proxies, seeded, credential-safe, and able to stop the crawl."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ImdbRotatingProxyMiddleware:
        mw = super().from_crawler(crawler)  # raises NotConfigured without a proxy list
        mw.crawler = crawler
        seed = crawler.settings.getint("IMDB_PROXY_SEED", 0)
        mw.rng = random.Random(seed)
        base = crawler.settings.getfloat("ROTATING_PROXY_BACKOFF_BASE", 300)
        cap = crawler.settings.getfloat("ROTATING_PROXY_BACKOFF_CAP", 3600)
        mw.proxies.backoff = partial(_seeded_backoff, mw.rng, base=base, cap=cap)
        mw.proxies.get_random = mw._choose
        mw.closing = False
        mw.masked = {proxy: mask_proxy(proxy) for proxy in mw.proxies.proxies}
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        for name in ("rotating_proxies.expire", "rotating_proxies.middlewares"):
            logging.getLogger(name).addFilter(_CredentialFilter())
        logger.info("rotating over %d proxies: %s", len(mw.masked), ", ".join(mw.masked.values()))
        return mw

    def _choose(self) -> str | None:
        available = sorted(self.proxies.unchecked | self.proxies.good)
        return self.rng.choice(available) if available else None

    def process_request(self, request: Request) -> None:
        if "proxy" in request.meta and not request.meta.get("_rotating_proxy"):
            return
        proxy = self._choose()
        if proxy is None:
            if self.stop_if_no_proxies:
                self._stop_crawl()
                raise NoProxyAlive("no proxy alive")
            self.proxies.reset()
            proxy = self._choose()
        request.meta["proxy"] = proxy
        request.meta["download_slot"] = self.get_proxy_slot(proxy)
        request.meta["_rotating_proxy"] = True
        self.stats.inc_value(f"proxy/{self.masked[proxy]}/requests")

    def get_proxy_slot(self, proxy: str) -> str:
        # One slot per proxy (host *and* port): the package keys slots by host only, which
        # merges every proxy on one machine into one slot.
        return self.masked.get(proxy, mask_proxy(proxy))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        self._count(request)
        return self._handle_result(request, None) or response

    def process_exception(self, request: Request, exception: BaseException) -> Request | None:
        self._count(request)
        return self._handle_result(request, None)

    def _count(self, request: Request) -> None:
        proxy = self.proxies.get_proxy(request.meta.get("proxy"))
        if proxy and request.meta.get("_ban") is True:
            name = self.masked[proxy]
            reason = request.meta.get("ban_reason", "ban")
            self.stats.inc_value(f"proxy/{name}/bans")
            self.stats.inc_value(f"proxy/{name}/bans/{reason}")
            if proxy in self.proxies.dead:
                logger.debug("proxy %s banned again (%s) on %s", name, reason, request.url)
            else:
                logger.info("proxy %s banned (%s) on %s: marked dead", name, reason, request.url)

    def _stop_crawl(self) -> None:
        if self.closing:
            return
        self.closing = True
        logger.error(
            "every proxy is dead (%s); stopping the crawl. Pending titles stay in the "
            "frontier: fix or add proxies and run the same command again to resume.",
            ", ".join(f"{self.masked[p]}: {self._state(p)}" for p in sorted(self.masked)),
        )
        engine = self.crawler.engine
        deferred_from_coro(engine.close_spider_async(reason="all_proxies_dead"))

    def _state(self, proxy: str) -> str:
        if proxy in self.proxies.good:
            return "good"
        if proxy in self.proxies.dead:
            return "dead"
        return "unchecked"

    def log_stats(self) -> None:
        logger.info(
            "proxies: %s",
            ", ".join(f"{self.masked[p]} {self._state(p)}" for p in sorted(self.masked)),
        )

    def spider_closed(self) -> None:
        for proxy in sorted(self.masked):
            self.stats.set_value(f"proxy/{self.masked[proxy]}/state", self._state(proxy))

    def proxy_table(self) -> list[dict[str, Any]]:
        """One row per proxy for the end-of-crawl summary."""
        stats = self.stats.get_stats()
        rows = []
        for proxy in sorted(self.masked):
            name = self.masked[proxy]
            rows.append(
                {
                    "proxy": name,
                    "requests": stats.get(f"proxy/{name}/requests", 0),
                    "bans": stats.get(f"proxy/{name}/bans", 0),
                    "state": self._state(proxy),
                }
            )
        return rows


def _seeded_backoff(rng: random.Random, attempt: int, *, base: float, cap: float) -> float:
    """Exponential back-off with full jitter, drawn from the crawl's seeded generator."""
    return rng.uniform(0, exp_backoff(attempt, cap=cap, base=base))


class _CredentialFilter(logging.Filter):
    """Rewrites log records of the proxy package so no ``user:pass@`` reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "@" in message:
            record.msg = hide_credentials(message)
            record.args = None
        return True


__all__ = [
    "ImdbBanDetectionMiddleware",
    "ImdbBanPolicy",
    "ImdbRotatingProxyMiddleware",
    "NoProxyAlive",
    "hide_credentials",
    "mask_proxy",
    "response_ban_reason",
]
