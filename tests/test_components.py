"""Units of the crawl's components on a real SQLite file, with hand-built requests and
responses: the storage pipeline, the ban back-off middleware, the report, and the rotating
proxy middlewares (built in-process, so pytest's warnings-as-errors would catch the package's
deprecated ``spider`` arguments reaching Scrapy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import TCPTimedOutError

from imdb_spider import settings as project_settings
from imdb_spider.items import FailureItem, PageItem
from imdb_spider.middlewares import BanBackoffMiddleware
from imdb_spider.pages import MLT_EMPTY, TitleRecord
from imdb_spider.pipelines import StorePipeline
from imdb_spider.proxies import ImdbBanDetectionMiddleware, ImdbRotatingProxyMiddleware
from imdb_spider.report import database_summary, proxy_table
from imdb_spider.spiders.imdb import ImdbSpider

from .test_store import record


def make_crawler(tmp_path: Path, **extra):
    settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    settings["IMDB_DB_PATH"] = str(tmp_path / "crawl.sqlite")
    settings.update(extra)
    crawler = get_crawler(ImdbSpider, settings)
    crawler.spider = ImdbSpider.from_crawler(crawler)
    return crawler


def title_request(tt: str, **meta) -> Request:
    return Request(f"https://www.imdb.com/title/{tt}/", meta={"title_id": tt, **meta})


# --- StorePipeline --------------------------------------------------------------------------


def open_pipeline(crawler) -> StorePipeline:
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def test_pipeline_owns_its_connection_and_reports_new_ids(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path)
    pipeline = open_pipeline(crawler)
    store = pipeline.store
    store.add_to_frontier(["tt1"], depth=0)
    item = PageItem(record("tt1", ["tt2", "tt3"]), "tt1", 0, follow=["tt2", "tt3"], limit=2)
    pipeline.process_item(item)
    # The frontier's limit comes with the item: only one more title fits.
    assert item.new_ids == ["tt2"] and not item.refetch
    assert store.state("tt1") == "done" and store.state("tt2") == "pending"
    assert [(s, t) for s, t, _ in store.edges()] == [("tt1", "tt2"), ("tt1", "tt3")]
    assert crawler.stats.get_value("imdb/titles_stored") == 1
    assert crawler.stats.get_value("imdb/commits") == 1
    pipeline.close_spider()
    assert pipeline.store is None
    assert crawler.stats.get_value("imdb/db/titles") == 1
    assert crawler.stats.get_value("imdb/frontier/pending") == 1
    with pytest.raises(RuntimeError, match="before open_spider"):
        pipeline.process_item(item)


def test_a_page_the_database_refuses_is_a_failed_attempt_not_lost(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, IMDB_MAX_ATTEMPTS=2)
    pipeline = open_pipeline(crawler)
    store = pipeline.store
    store.add_to_frontier(["tt1"], depth=0)
    # A record the schema refuses (a title is NOT NULL): save_page raises inside its
    # transaction, which rolls back.
    broken = record("tt1", ["tt2"], title=None)
    outcomes = []
    for _ in range(2):
        item = PageItem(broken, "tt1", 0, follow=["tt2"])
        pipeline.process_item(item)
        outcomes.append((item.refetch, store.state("tt1")))
    # Retried once (the spider schedules the re-fetch), then given up: never left pending
    # with nobody fetching it, and nothing half-stored.
    assert outcomes == [(True, "pending"), (False, "failed")]
    assert store.state("tt2") is None and not list(store.edges())
    assert crawler.stats.get_value("imdb/failures/store") == 2
    kinds = store.summary()["failures_by_kind"]
    assert kinds == {"store": 2}
    # The title is fetched again when the next run retries failures.
    assert store.retry_failed() == 1 and store.state("tt1") == "pending"


def test_pipeline_refetches_an_empty_list_before_believing_it(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, IMDB_EMPTY_MLT_REFETCHES=2)
    pipeline = open_pipeline(crawler)
    store = pipeline.store
    store.add_to_frontier(["tt1"], depth=0)
    empty = TitleRecord(id="tt1", title="Quiet", page_generation="nextjs",
                        recommendations_state=MLT_EMPTY)  # fmt: skip
    outcomes = []
    for _ in range(3):
        item = PageItem(empty, "tt1", 0)
        pipeline.process_item(item)
        outcomes.append((item.refetch, store.state("tt1")))
    assert outcomes == [(True, "pending"), (True, "pending"), (False, "done")]
    assert crawler.stats.get_value("imdb/empty_mlt_refetch") == 2


def test_pipeline_retries_failures_a_bounded_number_of_times(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, IMDB_MAX_ATTEMPTS=2)
    pipeline = open_pipeline(crawler)
    store = pipeline.store
    store.add_to_frontier(["tt1", "tt404"], depth=0)
    first, second = (FailureItem("tt1", 0, "http-503", "busy") for _ in range(2))
    pipeline.process_item(first)
    pipeline.process_item(second)
    assert (first.retry, second.retry) == (True, False)
    assert store.state("tt1") == "failed"
    missing = FailureItem("tt404", 0, "http-404", "no such title", final=True)
    pipeline.process_item(missing)
    assert not missing.retry and store.state("tt404") == "failed"
    assert crawler.stats.get_value("imdb/given_up") == 2


# --- CrawlReport ----------------------------------------------------------------------------


def test_report_builds_the_summary_from_stats_alone(tmp_path: Path) -> None:
    stats = {
        "imdb/db/path": "c.sqlite",
        "imdb/db/titles": 3,
        "imdb/db/edges": 7,
        "imdb/frontier/pending": 2,
        "imdb/frontier/done": 3,
        "imdb/db/failures/http-503": 4,
        "proxy/127.0.0.1:1/requests": 5,
        "proxy/127.0.0.1:1/bans": 1,
        "proxy/127.0.0.1:1/state": "dead",
        "proxy/127.0.0.1:2/state": "unchecked",
    }
    assert database_summary(stats) == {
        "path": "c.sqlite",
        "titles": 3,
        "edges": 7,
        "frontier": {"pending": 2, "done": 3, "failed": 0},
        "failures_by_kind": {"http-503": 4},
    }
    assert proxy_table(stats) == [
        {"proxy": "127.0.0.1:1", "requests": 5, "bans": 1, "state": "dead"},
        {"proxy": "127.0.0.1:2", "requests": 0, "bans": 0, "state": "unchecked"},
    ]


# --- BanBackoffMiddleware -------------------------------------------------------------------


class _Engine:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.running = True

    def pause(self) -> None:
        self.calls.append("pause")

    def unpause(self) -> None:
        self.calls.append("unpause")


def test_ban_backoff_doubles_to_its_cap_and_resets_after_a_good_answer(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    # Outside a crawl: Twisted's default reactor runs the resume timer.
    from twisted.internet import reactor  # noqa: F401

    crawler = make_crawler(tmp_path, IMDB_BAN_BACKOFF=10, IMDB_BAN_BACKOFF_MAX=25)
    crawler.engine = _Engine()
    mw = BanBackoffMiddleware.from_crawler(crawler)
    request = title_request("tt1")
    ban = Response(request.url, status=429, request=request)
    pauses = []
    for _ in range(3):
        assert mw.process_response(request, ban) is ban
        pauses.append(mw.current)
    assert pauses == [10, 20, 25]
    assert crawler.engine.calls == ["pause"]  # one pause at a time
    # One resume, due after the first pause's length.
    assert mw.resume_call is not None
    mw.resume_call.cancel()
    mw._resume()
    assert crawler.engine.calls == ["pause", "unpause"]
    # An empty 200 page is a ban too (IMDb's blank interstitial); a real title page is not.
    blank = HtmlResponse(request.url, body=b"<html></html>", request=request)
    mw.process_response(request, blank)
    assert crawler.stats.get_value("imdb/bans/empty") == 1
    body = (fixtures_dir / "modern_tt0133093.html").read_bytes()
    mw.process_response(request, HtmlResponse(request.url, body=body, request=request))
    assert mw.current == 0
    assert crawler.stats.get_value("imdb/bans/status-429") == 3


def test_ban_backoff_is_off_with_proxies(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, ROTATING_PROXY_LIST=["http://127.0.0.1:9"])
    with pytest.raises(NotConfigured):
        BanBackoffMiddleware.from_crawler(crawler)


# --- rotating proxies -----------------------------------------------------------------------


def test_proxy_middlewares_rotate_ban_and_hide_credentials(tmp_path: Path) -> None:
    proxies = ["http://127.0.0.1:3128", "http://user:secret@127.0.0.1:3129"]
    crawler = make_crawler(tmp_path, ROTATING_PROXY_LIST=proxies)
    crawler.engine = _Engine()
    rotating = ImdbRotatingProxyMiddleware.from_crawler(crawler)
    detect = ImdbBanDetectionMiddleware.from_crawler(crawler)
    seen = {}
    for n in range(40):
        request = title_request(f"tt{n}")
        rotating.process_request(request)
        seen[request.meta["proxy"]] = request.meta["download_slot"]
    # Both proxies used, one download slot per proxy (host and port), no credentials in slots.
    assert set(seen) == set(proxies)
    assert seen == {proxies[0]: "http://127.0.0.1:3128", proxies[1]: "http://127.0.0.1:3129"}
    # A 200 captcha page through the first proxy is a ban: the proxy is dead.
    request = title_request("tt99")
    rotating.process_request(request)
    captcha = HtmlResponse(
        request.url,
        body=b"<html><title>Robot Check</title><form action='/errors/validateCaptcha'>",
        request=request,
    )
    detect.process_response(request, captcha)
    assert request.meta["_ban"] is True
    retried = rotating.process_response(request, captcha)
    assert isinstance(retried, Request)  # the page is tried again through another proxy
    assert rotating._state(request.meta["proxy"]) == "dead"
    # A timeout is a ban too.
    request = title_request("tt98")
    rotating.process_request(request)
    detect.process_exception(request, TCPTimedOutError())
    assert request.meta["_ban"] is True
    stats = crawler.stats.get_stats()
    assert not any("secret" in key or "secret" in str(value) for key, value in stats.items())
