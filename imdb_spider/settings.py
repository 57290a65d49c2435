"""Scrapy settings for the imdb_spider project.

Every setting the project reads is listed in README.md ("Settings reference").
"""

BOT_NAME = "imdb_spider"
SPIDER_MODULES = ["imdb_spider.spiders"]
NEWSPIDER_MODULE = "imdb_spider.spiders"

# Local code-execution endpoints are never wanted on a crawler.
TELNETCONSOLE_ENABLED = False

ROBOTSTXT_OBEY = True
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
