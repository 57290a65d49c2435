"""Scrapy settings of the imdb_spider project: polite defaults for the real IMDb.

Every setting the project reads is listed in README.md ("Settings reference"). Override any of
them per run with ``scrapy crawl imdb -s NAME=VALUE``. ``-s IMDB_PROFILE=sandbox`` switches the
delays off for a local sandbox (see ``imdb_spider/spiders/imdb.py``).
"""

BOT_NAME = "imdb_spider"
SPIDER_MODULES = ["imdb_spider.spiders"]
NEWSPIDER_MODULE = "imdb_spider.spiders"
# Our `scrapy crawl` checks the spider's -a arguments before the crawl starts (commands/crawl.py).
COMMANDS_MODULE = "imdb_spider.commands"

# --- what to crawl and where to store it ---------------------------------------------------
IMDB_BASE_URL = "https://www.imdb.com"
IMDB_DB_PATH = "crawls/imdb.sqlite"
IMDB_PROFILE = "polite"  # or "sandbox": no delays, more concurrency, for a local sandbox
IMDB_MAX_ATTEMPTS = 5  # failed attempts (bans, broken pages, errors) before giving a title up
IMDB_EMPTY_MLT_REFETCHES = 2  # re-fetches of a page with an empty "More like this" list
IMDB_BAN_BACKOFF = 60  # seconds the crawl pauses after a ban when no proxies are used
IMDB_BAN_BACKOFF_MAX = 3600
IMDB_PROXY_SEED = 0  # seed of the proxy choice and back-off jitter
IMDB_PROGRESS_INTERVAL = 30  # seconds between progress lines (0: none)
IMDB_SUMMARY_PATH = ""  # if set, the end-of-crawl summary is also written there as JSON
IMDB_WAF_STOP_AFTER = 3  # WAF challenges in a row (without proxies) before the crawl stops

# --- TMDb (scrapy crawl tmdb) ----------------------------------------------------------------
TMDB_API_URL = "https://api.themoviedb.org/3"
TMDB_API_KEY = ""  # or the TMDB_API_KEY environment variable (v3 key)
TMDB_ACCESS_TOKEN = ""  # or the TMDB_ACCESS_TOKEN environment variable (v4 read token)
TMDB_MAX_RPS = 20  # requests a second at most, overall (TMDb's soft limit is about 40)
TMDB_RETRY_AFTER_MAX = 60  # longest wait a 429's Retry-After may impose, in seconds
# What the tmdb spider changes (an API: no robots.txt; several requests in flight).
TMDB_PROFILE = {
    "ROBOTSTXT_OBEY": False,
    # Scrapy draws a new jittered delay each time it looks at the slot's queue, which makes
    # the mean gap about 1.22x DOWNLOAD_DELAY (measured): no jitter keeps TMDB_MAX_RPS exact.
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 4.0,
}

# --- politeness -----------------------------------------------------------------------------
# An honest User-Agent: say who you are. Put a contact address in yours.
USER_AGENT = "imdb-spider/0.1 (research crawler of public 'More like this' lists)"
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 3
DOWNLOAD_DELAY_JITTER = 0.5  # each delay drawn from 0.5x to 1.5x DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 3
AUTOTHROTTLE_MAX_DELAY = 120
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A global cap: rotating proxies give every proxy its own download slot, so per-slot limits
# alone would multiply the load on IMDb by the number of proxies.
CONCURRENT_REQUESTS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
COOKIES_ENABLED = False
# IMDb's title pages carry no <meta http-equiv="refresh">; looking for one decodes every ~1 MB
# body to text (~0.8 ms a page, measured).
METAREFRESH_ENABLED = False
# No new download starts while a fetched page waits to be stored, so the pages fetched and not
# yet committed never exceed CONCURRENT_REQUESTS: what a kill -9 can cost (Scrapy's default
# lets 5 MB of responses queue up behind the pipeline).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 0
# One item per page and a synchronous pipeline: more than one item at a time gains nothing and
# costs Scrapy ~100 asyncio tasks per response (measured).
CONCURRENT_ITEMS = 1
LOG_LEVEL = "INFO"

# Local code-execution endpoints are never wanted on a crawler: the telnet console, and the
# HTTP "remote control" server (runs Python sent to it) that Scrapy 2.15+ starts by default.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- breadth-first, resumable ---------------------------------------------------------------
# The crawl database's frontier is the queue; Scrapy's scheduler holds it in memory only, even
# with JOBDIR (see imdb_spider/scheduler.py). Requests carry priority -depth; FIFO queues
# within a priority make the crawl breadth-first.
SCHEDULER = "imdb_spider.scheduler.FrontierScheduler"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
EXTENSIONS = {"imdb_spider.report.CrawlReport": 500}

DOWNLOADER_MIDDLEWARES = {
    "imdb_spider.middlewares.BanBackoffMiddleware": 600,
    # The package's classes, replaced by subclasses with today's Scrapy signatures.
    "imdb_spider.proxies.ImdbRotatingProxyMiddleware": 610,
    "imdb_spider.proxies.ImdbBanDetectionMiddleware": 620,
    # Before Scrapy's retry (550) sees a 429: TMDb's Retry-After is obeyed, not hammered.
    "imdb_spider.middlewares.TmdbApiMiddleware": 560,
}
ITEM_PIPELINES = {"imdb_spider.pipelines.StorePipeline": 300}

# --- proxies (scrapy-rotating-proxies): off until ROTATING_PROXY_LIST(_PATH) is set ----------
ROTATING_PROXY_BAN_POLICY = "imdb_spider.proxies.ImdbBanPolicy"
ROTATING_PROXY_CLOSE_SPIDER = True
ROTATING_PROXY_PAGE_RETRY_TIMES = 5

FEED_EXPORT_ENCODING = "utf-8"

# Settings the "sandbox" profile changes (a local server needs no politeness).
SANDBOX_PROFILE = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "IMDB_BAN_BACKOFF": 1,
    "IMDB_BAN_BACKOFF_MAX": 4,
    "IMDB_PROGRESS_INTERVAL": 5,
    "DOWNLOAD_TIMEOUT": 10,
}
