"""The crawl's scheduler: Scrapy's own, in memory only, because the crawl database is the queue.

Why not Scrapy's JOBDIR request queue: its disk queues keep their bookkeeping in memory and
write it only when the crawl closes cleanly (``requests.queue/active.json`` names the
(slot, priority) queues to reopen; every queue folder's ``info.json`` holds its head and tail).
After a ``kill -9`` the folder holds chunks that no bookkeeping describes, and removing it
while Scrapy builds its queues races with them (``FileNotFoundError: …/info.json``): titles
were lost for good. Meanwhile every title the crawl still owes is already a ``pending`` row of
the frontier, committed in the same transaction as the page that found it. So each run
queues the frontier's pending rows afresh (``ImdbSpider.start``) and this scheduler keeps the
queue in memory, whether or not ``JOBDIR`` is set: nothing on disk can disagree with the
database, and a ``kill -9`` loses only the requests in flight.

Errors inside the scheduler are counted in ``imdb/scheduler_errors`` (and re-raised), so a run
that hit one is never recorded as clean.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class FrontierScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        scheduler = super().from_crawler(crawler)
        # The scheduler builds its disk queue only when it has a folder for it.
        scheduler.dqdir = None
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except Exception:
            self._count_error()
            raise

    def next_request(self) -> Request | None:
        try:
            return super().next_request()
        except Exception:
            self._count_error()
            raise

    def _count_error(self) -> None:
        logger.exception("scheduler error: this run will be recorded as unclean")
        if self.stats is not None:
            self.stats.inc_value("imdb/scheduler_errors")
