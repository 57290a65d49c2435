"""Proxy rotation and ban policy, on top of scrapy-rotating-proxies (0.6.2).

Settings read (besides the package's own ``ROTATING_PROXY_*``):

- ``ROTATING_PROXY_BAN_POLICY`` = ``imdb_spider.proxies.ImdbBanPolicy`` (set in settings.py):
  403, 429, 503, IMDb's WAF challenge (HTTP 202), 200 pages that hold no title (captcha,
  consent, empty: recognised by the page parser's ``blocked_kind``) and connection errors or
  timeouts are bans; 404 (no such title) and redirects are not.
- ``ROTATING_PROXY_CLOSE_SPIDER`` (our default True): when no proxy is left alive the crawl
  stops itself cleanly with reason ``all_proxies_dead``; the titles not yet fetched stay
  ``pending`` in the frontier and the next run picks them up.
- ``IMDB_PROXY_SEED``: seed of the proxy choice and of the back-off jitter.

The package does the rotation: its pool (``Proxies``: good, dead, unchecked, exponential
back-off and reanimation), its page retries through another proxy, its settings. We keep it
and change it only through its public surface, for four reasons: its middleware methods take
the ``spider`` argument Scrapy deprecated (ours call them with ``None``); with
``ROTATING_PROXY_CLOSE_SPIDER`` it raises ``CloseSpider`` from a downloader middleware, which
Scrapy ignores, so the crawl never stopped (ours closes the engine); its pool draws the proxy
and the back-off from the unseeded global ``random`` (``SeededProxies`` overrides
``get_random`` and passes a seeded ``backoff`` to the constructor); its slot per host merges
every proxy on one machine (``get_proxy_slot`` is its documented hook). Its debug log lines
name proxies with their credentials: a filter, added once per process, masks them.
``tests/test_proxy_contract.py`` fails with the name that changed if a later release moves
any of the names and signatures used here.

Per-proxy counters go to the crawl stats under ``proxy/<scheme://host:port>/``: ``requests``,
``bans``, ``bans/<reason>`` and ``state`` (good, dead, unchecked; kept current), with
credentials removed.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from rotating_proxies.expire import Proxies, exp_backoff
from rotating_proxies.middlewares import BanDetectionMiddleware, RotatingProxyMiddleware
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler, load_object

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
    """Why a response means the proxy that fetched it is banned, or None if it is not a ban.
    TMDb's API answers are never bans: its 429 is a rate limit (``TmdbApiMiddleware``)."""
    if request.meta.get("origin") == "tmdb":
        return None
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


def proxies_configured(crawler: Crawler) -> bool:
    settings = crawler.settings
    return bool(settings.getlist("ROTATING_PROXY_LIST") or settings.get("ROTATING_PROXY_LIST_PATH"))


class ImdbBanDetectionMiddleware(BanDetectionMiddleware):
    """The package's ban detection (``request.meta["_ban"]`` for the rotation, ``bans/...``
    stats) with Scrapy's current middleware signatures, on only when proxies are."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ImdbBanDetectionMiddleware:
        if not proxies_configured(crawler):
            raise NotConfigured
        path = crawler.settings.get(
            "ROTATING_PROXY_BAN_POLICY", "rotating_proxies.policy.BanDetectionPolicy"
        )
        return cls(crawler.stats, build_from_crawler(load_object(path), crawler))

    def process_response(self, request: Request, response: Response) -> Response:
        return super().process_response(request, response, None)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        return super().process_exception(request, exception, None)


class SeededProxies(Proxies):
    """The package's proxy pool, drawing the proxy and the back-off from a seeded generator
    (the package uses the global ``random``)."""

    def __init__(self, proxy_list: list[str], rng: random.Random, *, base: float, cap: float):
        def backoff(attempt: int) -> float:
            # Exponential back-off with full jitter, as the package's own, but seeded.
            return rng.uniform(0, exp_backoff(attempt, cap=cap, base=base))

        super().__init__(proxy_list, backoff=backoff)
        self.rng = rng

    def get_random(self) -> str | None:
        # Sorted: the pool's sets iterate in hash order, which differs between runs.
        available = sorted(self.unchecked | self.good)
        return self.rng.choice(available) if available else None


class ImdbRotatingProxyMiddleware(RotatingProxyMiddleware):
    """The package's rotating proxies, seeded, credential-safe, and able to stop the crawl."""

    def __init__(
        self,
        *,
        proxy_list: list[str],
        logstats_interval: float,
        stop_if_no_proxies: bool,
        max_proxies_to_try: int,
        backoff_base: float,
        backoff_cap: float,
        crawler: Crawler,
    ) -> None:
        # Called by the package's from_crawler, which reads its settings and passes them by
        # name.
        super().__init__(
            proxy_list=proxy_list,
            logstats_interval=logstats_interval,
            stop_if_no_proxies=stop_if_no_proxies,
            max_proxies_to_try=max_proxies_to_try,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            crawler=crawler,
        )
        urls = self.cleanup_proxy_list(proxy_list)
        rng = random.Random(crawler.settings.getint("IMDB_PROXY_SEED", 0))
        self.proxies = SeededProxies(urls, rng, base=backoff_base, cap=backoff_cap)
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.closing = False
        self.masked = {proxy: mask_proxy(proxy) for proxy in urls}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ImdbRotatingProxyMiddleware:
        mw = super().from_crawler(crawler)  # raises NotConfigured without a proxy list
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        install_credential_filter()
        mw._publish(mw.masked)
        logger.info("rotating over %d proxies: %s", len(mw.masked), ", ".join(mw.masked.values()))
        return mw

    def process_request(self, request: Request) -> None:
        if not self.stop_if_no_proxies and not (self.proxies.unchecked or self.proxies.good):
            # The package would reset too, but through the deprecated ``logger.warn``.
            logger.warning("every proxy is dead: trying them all again")
            self.proxies.reset()
        try:
            super().process_request(request, None)
        except CloseSpider:
            # Scrapy ignores CloseSpider raised in a downloader middleware: close the engine.
            self._stop_crawl()
            raise NoProxyAlive("no proxy alive") from None
        proxy: str | None = request.meta.get("proxy")
        if proxy and request.meta.get("_rotating_proxy"):
            self.stats.inc_value(f"proxy/{self.masked[proxy]}/requests")
            self._publish([proxy])  # it may have come back from the dead

    def get_proxy_slot(self, proxy: str) -> str:
        # One slot per proxy (host *and* port): the package keys slots by host only, which
        # merges every proxy on one machine into one slot.
        return self.masked.get(proxy, mask_proxy(proxy))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        proxy = self._count(request)
        result = super().process_response(request, response, None)
        self._publish([proxy] if proxy else [])
        return result

    def process_exception(self, request: Request, exception: BaseException) -> Request | None:
        proxy = self._count(request)
        result = super().process_exception(request, exception, None)
        self._publish([proxy] if proxy else [])
        return result

    def _count(self, request: Request) -> str | None:
        """Count a ban of the request's proxy; returns the proxy (None without one)."""
        proxy: str | None = self.proxies.get_proxy(request.meta.get("proxy"))
        if proxy and request.meta.get("_ban") is True:
            name = self.masked[proxy]
            reason = request.meta.get("ban_reason", "ban")
            self.stats.inc_value(f"proxy/{name}/bans")
            self.stats.inc_value(f"proxy/{name}/bans/{reason}")
            if proxy in self.proxies.dead:
                logger.debug("proxy %s banned again (%s) on %s", name, reason, request.url)
            else:
                logger.info("proxy %s banned (%s) on %s: marked dead", name, reason, request.url)
        return proxy

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

    def _publish(self, proxies: Iterable[str]) -> None:
        """Keep the ``proxy/<name>/state`` stats current, so whoever reads the stats (the
        end-of-crawl summary, on ``spider_closed`` too) sees the pool as it is."""
        for proxy in proxies:
            self.stats.set_value(f"proxy/{self.masked[proxy]}/state", self._state(proxy))

    def reanimate_proxies(self) -> None:
        super().reanimate_proxies()
        self._publish(self.proxies.unchecked)

    def log_stats(self) -> None:
        logger.info(
            "proxies: %s",
            ", ".join(f"{self.masked[p]} {self._state(p)}" for p in sorted(self.masked)),
        )

    def spider_closed(self) -> None:
        self._publish(self.masked)


# The package's loggers: they name proxies with their credentials in debug lines.
_PACKAGE_LOGGERS = ("rotating_proxies.expire", "rotating_proxies.middlewares")


def install_credential_filter() -> None:
    """Mask credentials in the package's log records; once per process, however many crawlers
    (a filter per ``from_crawler`` would pile up, each rewriting every record again)."""
    for name in _PACKAGE_LOGGERS:
        package_logger = logging.getLogger(name)
        if not any(isinstance(f, _CredentialFilter) for f in package_logger.filters):
            package_logger.addFilter(_CredentialFilter())


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
    "SeededProxies",
    "hide_credentials",
    "install_credential_filter",
    "mask_proxy",
    "response_ban_reason",
]
