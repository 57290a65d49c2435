"""Broken schedulers for the crawl tests (``-s SCHEDULER=tests.schedulers.NAME``): they stand
for a request queue that loses requests or raises, as Scrapy's JOBDIR disk queue did after a
``kill -9``. Configured through the environment, since they run in the crawl's subprocess."""

from __future__ import annotations

import os

from scrapy import Request

from imdb_spider.scheduler import FrontierScheduler


def _title(request: Request) -> str | None:
    return request.meta.get("title_id")


class LossyScheduler(FrontierScheduler):
    """Silently drops ``LOSSY_DROP`` title requests, from the ``LOSSY_FROM``-th it is given
    on, as if they had been lost from the queue; ``LOSSY_ALWAYS=ttX`` drops every request
    for ttX."""

    def enqueue_request(self, request: Request) -> bool:
        tt = _title(request)
        if tt is not None:
            if tt == os.environ.get("LOSSY_ALWAYS"):
                return True
            self._given = getattr(self, "_given", 0) + 1
            first = int(os.environ.get("LOSSY_FROM", "1"))
            if first <= self._given < first + int(os.environ.get("LOSSY_DROP", "0")):
                return True
        return super().enqueue_request(request)


class RaisingScheduler(FrontierScheduler):
    """Raises ``FileNotFoundError`` once, on the ``RAISE_AT``-th request it hands out."""

    def next_request(self) -> Request | None:
        self._handed = getattr(self, "_handed", 0) + 1
        if self._handed == int(os.environ.get("RAISE_AT", "20")):
            try:
                raise FileNotFoundError("requests.queue/127.0.0.1/4/info.json")
            except FileNotFoundError:
                self._count_error()
                raise
        return super().next_request()
