"""Progress lines and the end-of-crawl summary, from the crawl's stats alone.

An extension in the Scrapy sense: it reads what the other components count (the pipeline's
``imdb/*`` and ``imdb/frontier/*``, ``imdb/db/*`` at the end, the spider's ``imdb/run_clean``,
the proxy middleware's ``proxy/<proxy>/*``) and owns nothing else. Every
``IMDB_PROGRESS_INTERVAL`` seconds (0: never) it logs a progress line; when the spider closes
it logs the summary (its last line says whether the run was clean, and why not, and what to do
when a component stopped the crawl: ``imdb/stop_hint``) and, with
``IMDB_SUMMARY_PATH``, writes it as JSON.

Settings read: ``IMDB_PROGRESS_INTERVAL`` (default 30), ``IMDB_SUMMARY_PATH``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import orjson
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)


def proxy_table(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per proxy (credentials were removed from the names by the middleware)."""
    names = sorted({name for key in stats if (name := _proxy_name(key))})
    return [
        {
            "proxy": name,
            "requests": stats.get(f"proxy/{name}/requests", 0),
            "bans": stats.get(f"proxy/{name}/bans", 0),
            "state": stats.get(f"proxy/{name}/state", "unchecked"),
        }
        for name in names
    ]


def _proxy_name(key: str) -> str | None:
    """The proxy in ``proxy/<proxy>/requests`` or ``proxy/<proxy>/state``."""
    for field in ("/requests", "/state"):
        if key.startswith("proxy/") and key.endswith(field):
            return key[len("proxy/") : -len(field)]
    return None


def database_summary(stats: dict[str, Any]) -> dict[str, Any]:
    """The database's totals the pipeline left in the stats when it closed."""
    prefix = "imdb/db/failures/"
    return {
        "path": stats.get("imdb/db/path"),
        "titles": stats.get("imdb/db/titles", 0),
        "edges": stats.get("imdb/db/edges", 0),
        "frontier": {
            state: stats.get(f"imdb/frontier/{state}", 0) for state in ("pending", "done", "failed")
        },
        "failures_by_kind": {
            key[len(prefix) :]: value for key, value in stats.items() if key.startswith(prefix)
        },
    }


class CrawlReport:
    def __init__(self, stats: StatsCollector, interval: float, summary_path: str) -> None:
        self.stats = stats
        self.interval = interval
        self.summary_path = summary_path
        self._started = time.monotonic()
        self._timer: AsyncioLoopingCall | LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        settings = crawler.settings
        report = cls(
            crawler.stats,
            settings.getfloat("IMDB_PROGRESS_INTERVAL", 30),
            settings.get("IMDB_SUMMARY_PATH") or "",
        )
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        # engine_stopped comes after every component's spider_closed handler, so the
        # proxy states and the database totals are in the stats by then.
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(report.engine_stopped, signal=signals.engine_stopped)
        return report

    def spider_opened(self) -> None:
        self._started = time.monotonic()
        if self.interval > 0:
            self._timer = create_looping_call(self.log_progress)
            self._timer.start(self.interval, now=False)

    def log_progress(self) -> None:
        get = self.stats.get_value
        stored = get("imdb/titles_stored", 0)
        elapsed = max(time.monotonic() - self._started, 1e-9)
        logger.info(
            "progress: %d titles stored this run (%.1f/s), %d pending, %d done, %d failed",
            stored,
            stored / elapsed,
            get("imdb/frontier/pending", 0),
            get("imdb/frontier/done", 0),
            get("imdb/frontier/failed", 0),
        )

    def spider_closed(self, reason: str) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.stats.set_value("imdb/finish_reason", reason)

    def engine_stopped(self) -> None:
        stats = self.stats.get_stats()
        reason = stats.get("imdb/finish_reason", "unknown")
        database = database_summary(stats)
        proxies = proxy_table(stats)
        for row in proxies:
            logger.info(
                "proxy %s: %d requests, %d bans, %s",
                row["proxy"],
                row["requests"],
                row["bans"],
                row["state"],
            )
        if self.summary_path:
            report = {
                "reason": reason,
                "clean": stats.get("imdb/run_clean", False),
                "database": database,
                "proxies": proxies,
                "stats": {k: v for k, v in stats.items() if k.startswith(("imdb/", "tmdb/"))},
            }
            path = Path(self.summary_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
        frontier = database["frontier"]
        unclean = stats.get("imdb/run_unclean_because")
        hint = stats.get("imdb/stop_hint")
        logger.log(
            logging.WARNING if unclean else logging.INFO,
            "crawl %s: %d titles, %d edges, %d pending, %d failed in %s%s%s",
            reason,
            database["titles"],
            database["edges"],
            frontier["pending"],
            frontier["failed"],
            database["path"],
            f"; recorded as unclean: {unclean}" if unclean else "",
            f". {hint}" if hint else "",
        )
