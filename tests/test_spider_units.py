"""Spider callbacks, ban policy and settings, with hand-built requests and responses."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError as TxConnectionRefusedError
from twisted.python.failure import Failure

from imdb_spider import settings as project_settings
from imdb_spider.items import FailureItem, PageItem
from imdb_spider.proxies import ImdbBanPolicy, NoProxyAlive, hide_credentials, mask_proxy
from imdb_spider.spiders.imdb import ImdbSpider


def make_spider(tmp_path: Path, **args: str) -> ImdbSpider:
    settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    settings["IMDB_DB_PATH"] = str(tmp_path / "crawl.sqlite")
    crawler = get_crawler(ImdbSpider, settings)
    spider = ImdbSpider.from_crawler(crawler, **args)
    crawler.spider = spider
    return spider


def response(url: str, body: bytes, status: int = 200, depth: int = 0) -> HtmlResponse:
    tt = url.rstrip("/").rsplit("/", 1)[-1]
    request = Request(url, meta={"title_id": tt, "bfs_depth": depth})
    return HtmlResponse(url, status=status, body=body, request=request, encoding="utf-8")


def test_parse_yields_a_page_item_with_follow_list(tmp_path: Path, fixtures_dir: Path) -> None:
    spider = make_spider(tmp_path)
    body = (fixtures_dir / "modern_tt0133093.html").read_bytes()
    (item,) = spider.parse(response("https://www.imdb.com/title/tt0133093/", body))
    assert isinstance(item, PageItem)
    assert (item.record.id, item.requested_id, item.depth) == ("tt0133093", "tt0133093", 0)
    assert item.follow == item.record.recommendations and len(item.follow) == 12


def test_parse_turns_a_challenge_into_a_blocked_failure(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    page = b"<html><script>window.gokuProps={}</script><script src=challenge.js></script></html>"
    (item,) = spider.parse(response("https://www.imdb.com/title/tt0133093/", page, status=202))
    assert isinstance(item, FailureItem)
    assert item.kind == "blocked-waf-challenge" and not item.final


def test_parse_turns_a_cut_page_into_a_parse_failure(tmp_path: Path, fixtures_dir: Path) -> None:
    spider = make_spider(tmp_path)
    body = (fixtures_dir / "legacy_tt0114814.html").read_bytes()[:50000]
    (item,) = spider.parse(response("https://www.imdb.com/title/tt0114814/", body))
    assert isinstance(item, FailureItem) and item.kind == "parse"
    assert "cut off" in item.detail and "tt0114814" in item.detail


def test_follow_rules(tmp_path: Path, fixtures_dir: Path) -> None:
    body = (fixtures_dir / "modern_urql_tt2250192.html").read_bytes()
    url = "https://www.imdb.com/title/tt2250192/"
    spider = make_spider(tmp_path)
    (seed,) = spider.parse(response(url, body, depth=0))
    (deeper,) = spider.parse(response(url, body, depth=1))
    # A series seed is expanded, but only to followed types (movies, TV movies) ...
    assert seed.follow and all(
        kind in ("movie", "tvMovie")
        for tt, kind in zip(
            seed.record.recommendations, seed.record.recommendation_types, strict=True
        )
        if tt in seed.follow
    )
    assert len(seed.follow) < len(seed.record.recommendations)
    # ... and a series reached by the crawl is stored but not expanded.
    assert deeper.follow == []
    capped = make_spider(tmp_path, max_depth="0", follow_types="")
    (item,) = capped.parse(response(url, body, depth=0))
    assert item.follow == []
    everything = make_spider(tmp_path, follow_types="")
    (item,) = everything.parse(response(url, body, depth=3))
    assert item.follow == item.record.recommendations


def test_errback_outcomes(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    request = Request(
        "https://www.imdb.com/title/tt0000001/", meta={"title_id": "tt0000001", "bfs_depth": 2}
    )
    not_found = Failure(HttpError(Response(request.url, status=404, request=request)))
    not_found.request = request
    (item,) = spider.failed(not_found)
    assert (item.kind, item.final, item.depth) == ("http-404", True, 2)
    refused = Failure(TxConnectionRefusedError("nope"))
    refused.request = request
    (item,) = spider.failed(refused)
    assert item.kind == "download" and not item.final
    no_proxy = Failure(NoProxyAlive("no proxy alive"))
    no_proxy.request = request
    assert list(spider.failed(no_proxy)) == []  # stays pending for the next run


@pytest.mark.parametrize(
    ("status", "body", "ban"),
    [
        (200, b'<html><script id="__NEXT_DATA__">{}</script></html>', False),
        (200, b"<html><title>Robot Check</title>captcha</html>", True),
        (200, b"", True),
        (202, b"<html>gokuProps</html>", True),
        (403, b"forbidden", True),
        (429, b"slow down", True),
        (503, b"unavailable", True),
        (404, b"<html>no such title</html>", False),
        (301, b"", False),
    ],
)
def test_ban_policy(status: int, body: bytes, ban: bool) -> None:
    request = Request("https://www.imdb.com/title/tt0000001/", meta={"title_id": "tt0000001"})
    answer = Response(request.url, status=status, body=body, request=request)
    assert ImdbBanPolicy().response_is_ban(request, answer) is ban
    assert ("ban_reason" in request.meta) is ban


def test_connection_errors_are_bans_but_our_drops_are_not() -> None:
    request = Request("https://www.imdb.com/title/tt0000001/")
    assert ImdbBanPolicy().exception_is_ban(request, TxConnectionRefusedError()) is True
    assert ImdbBanPolicy().exception_is_ban(request, IgnoreRequest()) is False


def test_proxy_credentials_are_masked() -> None:
    assert mask_proxy("http://user:s3cret@10.0.0.1:3128") == "http://10.0.0.1:3128"
    assert mask_proxy("user:pw@proxy.example:8080") == "http://proxy.example:8080"
    assert "s3cret" not in hide_credentials("Proxy <http://user:s3cret@10.0.0.1:3128> is DEAD")


def test_sandbox_profile_and_bad_profile() -> None:
    settings = Settings()
    settings.setmodule(project_settings)
    settings.set("IMDB_PROFILE", "sandbox", priority="cmdline")
    settings.set("CONCURRENT_REQUESTS", 3, priority="cmdline")
    ImdbSpider.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert settings.getint("CONCURRENT_REQUESTS") == 3  # the command line still wins
    bad = Settings({"IMDB_PROFILE": "fast"})
    with pytest.raises(UsageError, match="IMDB_PROFILE must be"):
        ImdbSpider.update_settings(bad)


def test_polite_defaults() -> None:
    assert project_settings.ROBOTSTXT_OBEY is True
    assert project_settings.AUTOTHROTTLE_ENABLED is True
    assert project_settings.DOWNLOAD_DELAY >= 1
    assert project_settings.CONCURRENT_REQUESTS <= 4
    assert project_settings.TELNETCONSOLE_ENABLED is False
    assert project_settings.REMOTE_CONTROL_ENABLED is False
    assert "imdb-spider" in project_settings.USER_AGENT


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"max_titles": "many"}, "takes a whole number"),
        ({"max_depth": "-1"}, "must not be negative"),
        ({"ratings": "r.tsv", "dataset": "b.tsv"}, "needs -a min_votes"),
        ({"title_types": "movie"}, "filter -a dataset"),
    ],
)
def test_bad_arguments(tmp_path: Path, args: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        make_spider(tmp_path, **args)


def test_small_robots_txt_is_not_a_ban() -> None:
    request = Request("https://www.imdb.com/robots.txt")
    answer = Response(request.url, status=200, body=b"User-agent: *\nAllow: /\n", request=request)
    assert ImdbBanPolicy().response_is_ban(request, answer) is False
