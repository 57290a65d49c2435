"""A bare Scrapy spider for the crawl benchmark: fetches a list of URLs, parses and stores
nothing. Run by ``benchmarks.bench_crawl`` with ``scrapy runspider``."""

from __future__ import annotations

from pathlib import Path

import scrapy


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
