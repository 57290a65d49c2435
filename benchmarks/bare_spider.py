"""Bare Scrapy spiders for the crawl benchmarks: they fetch what our spiders fetch and store
nothing, so the difference in CPU is what imdb-spider itself costs.

* ``BareSpider`` (``benchmarks.bench_crawl``, with ``scrapy runspider``): fetches a list of
  URLs, parses nothing.
* ``BareTmdbSpider`` (``benchmarks.bench_tmdb``, with ``python bare_spider.py tmdb ...``): the
  same ``/movie/{id}?append_to_response=recommendations,external_ids,credits`` calls as
  ``scrapy crawl tmdb``, breadth-first from the same seeds, parsing the JSON with orjson and
  following the recommendations up to ``max_titles`` movies. The key comes from the
  ``TMDB_API_KEY`` environment variable, as for the real spider.

``scrapy runspider`` runs the last spider of a file, so ``BareSpider`` stays last.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import orjson
import scrapy


class BareTmdbSpider(scrapy.Spider):
    name = "bare_tmdb"
    # Breadth-first like the tmdb spider: priority -depth, first in first out within a depth.
    custom_settings: ClassVar[dict[str, Any]] = {
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue"
    }

    def __init__(self, api_url: str, seeds: str, max_titles: str, **kwargs):
        super().__init__(**kwargs)
        self.api_url = api_url.rstrip("/")
        self.seeds = [int(s.removeprefix("tmdb:")) for s in seeds.split(",") if s]
        self.max_titles = int(max_titles)
        self.seen = set(self.seeds[: self.max_titles])
        self.key = os.environ.get("TMDB_API_KEY", "")

    async def start(self):
        for movie in self.seeds[: self.max_titles]:
            yield self.request(movie, 0)

    def request(self, movie: int, depth: int) -> scrapy.Request:
        query = {"append_to_response": "recommendations,external_ids,credits"}
        if self.key:
            query["api_key"] = self.key
        return scrapy.Request(
            f"{self.api_url}/movie/{movie}?{urlencode(query)}",
            callback=self.parse,
            cb_kwargs={"depth": depth},
            priority=-depth,
            dont_filter=True,
        )

    def parse(self, response, depth: int = 0):
        doc = orjson.loads(response.body)
        for movie in doc["recommendations"]["results"]:
            if len(self.seen) >= self.max_titles:
                return
            if movie["id"] not in self.seen:
                self.seen.add(movie["id"])
                yield self.request(movie["id"], depth + 1)


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls_file: str, **kwargs):
        super().__init__(**kwargs)
        self.urls = Path(urls_file).read_text().split()

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        self.crawler.stats.inc_value("bare/bytes", len(response.body))


def main() -> None:
    """``python bare_spider.py tmdb --api-url URL --seeds tmdb:1,... --max-titles N
    [-s NAME=VALUE]...``: runs ``BareTmdbSpider`` with Scrapy's default settings."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("spider", choices=["tmdb"])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--max-titles", required=True)
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    settings = Settings()
    for item in args.settings:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"invalid -s {item!r}: expecting NAME=VALUE")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(
        BareTmdbSpider, api_url=args.api_url, seeds=args.seeds, max_titles=args.max_titles
    )
    process.start()


if __name__ == "__main__":
    main()
