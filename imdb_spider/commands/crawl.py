"""``scrapy crawl``, where a usage error is one line, not a traceback.

Scrapy builds the spider (``__init__`` reads the ``-a`` arguments, ``from_crawler`` the
settings: the TMDb key, the lease, the database) inside its event loop, and a
``UsageError`` raised there ends the process with an asyncio "Task exception was never
retrieved" traceback. This command builds the spider once before the crawl starts (its
``__init__`` only reads its arguments), so a bad ``-a`` or an unknown spider stops before
anything is opened; and it takes back a ``UsageError`` raised while the crawl starts, so
that too ends as Scrapy's usual usage message (``scrapy: error: …``, exit status 2).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from scrapy.commands import crawl
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred


class Command(crawl.Command):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or self.crawler_process is None:
            super().run(args, opts)  # Scrapy's own messages for no spider or several
            return
        loader = self.crawler_process.spider_loader
        try:
            spidercls = loader.load(args[0])
        except KeyError:
            names = ", ".join(sorted(loader.list()))
            raise UsageError(f"no spider {args[0]!r}: this project has {names}") from None
        spidercls(**opts.spargs)  # a bad -a raises UsageError here
        started = self.crawler_process.crawl(self._create_crawler(args[0]), **opts.spargs)
        failure: list[BaseException] = []
        _keep_failure(started, failure)
        self.crawler_process.start()
        if failure and isinstance(failure[0], UsageError):
            raise failure[0]
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1


def _keep_failure(started: Any, failure: list[BaseException]) -> None:
    """Put what the crawl ``started`` (an asyncio Task or a Deferred) failed with into
    ``failure``; taking it marks it retrieved, so asyncio logs no traceback for it."""
    if isinstance(started, asyncio.Future):

        def done(task: asyncio.Future) -> None:
            if not task.cancelled() and task.exception() is not None:
                failure.append(task.exception())  # type: ignore[arg-type]

        started.add_done_callback(done)
    elif isinstance(started, Deferred):

        def failed(reason: Any) -> None:
            failure.append(reason.value)

        started.addErrback(failed)
