"""TMDb's side of the crawl, without a server: the JSON reader, ids, the id export, secrets kept
out of logs, the API middleware's 401/429 rules and the tmdb spider's callbacks (hand-built
responses, a real SQLite file). The spider against the sandbox's API is in test_tmdb_crawl."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from imdb_spider import settings as project_settings
from imdb_spider.items import FailureItem, PageItem
from imdb_spider.middlewares import TmdbApiMiddleware, TmdbKeyRejected
from imdb_spider.redaction import install_log_redaction
from imdb_spider.spiders.tmdb import TmdbSpider
from imdb_spider.store import TMDB, Store
from imdb_spider.tmdb import (
    TmdbError,
    movie_url,
    parse_find,
    parse_movie,
    read_id_export,
    redact,
    seed_id,
    tmdb_number,
)

from .conftest import TESTS

API = "https://api.themoviedb.org/3"
KEY = "k3y-s3cret"


def movie_603(**changes) -> dict:
    """TMDb's real /movie/603 answer with the blocks append_to_response adds."""
    doc = json.loads((TESTS / "fixtures" / "imdb" / "tmdb_movie_603.json").read_text())
    doc["external_ids"] = {"imdb_id": "tt0133093", "wikidata_id": "Q83495"}
    doc["credits"] = {
        "cast": [{"id": 6384, "name": "Keanu Reeves", "character": "Neo"}],
        "crew": [
            {"id": 9340, "name": "Lana Wachowski", "job": "Director", "department": "Directing"},
            {"id": 9339, "name": "Lilly Wachowski", "job": "Director", "department": "Directing"},
            {"id": 9339, "name": "Lilly Wachowski", "job": "Writer", "department": "Writing"},
        ],
    }
    doc["recommendations"] = {
        "page": 1,
        "results": [
            {"id": 604, "title": "The Matrix Reloaded", "media_type": "movie"},
            {"id": 605, "title": "The Matrix Revolutions", "media_type": "movie"},
            {"id": 1399, "name": "A series", "media_type": "tv"},
        ],
        "total_pages": 1,
        "total_results": 3,
    }
    doc.update(changes)
    return doc


def body(doc) -> bytes:
    return json.dumps(doc).encode()


# --- the JSON reader ------------------------------------------------------------------------


def test_a_movie_with_its_appended_blocks_becomes_a_record() -> None:
    record = parse_movie(movie_url(API, 603, KEY), body(movie_603()))
    assert (record.id, record.tmdb_id, record.title, record.year) == (
        "tt0133093",
        603,
        "The Matrix",
        1999,
    )
    assert (record.rating, record.votes, record.runtime_minutes) == (7.9, 9551, 136)
    assert record.genres == ["Action", "Science Fiction"]
    assert record.directors == ["Lana Wachowski", "Lilly Wachowski"]
    assert record.countries == ["AU", "US"]
    # TV shows in the list are not movies: left out.
    assert record.recommendations == ["tmdb:604", "tmdb:605"]
    assert record.recommendations_state == "listed" and record.page_generation == "tmdb-v3"


def test_a_movie_without_an_imdb_id_keeps_its_tmdb_id() -> None:
    doc = movie_603(imdb_id=None, external_ids={"imdb_id": None}, release_date="", runtime=0)
    record = parse_movie(movie_url(API, 603, KEY), body(doc))
    assert record.id == "tmdb:603" and record.year is None and record.runtime_minutes is None
    # The IMDb id may come only through external_ids.
    doc = movie_603(imdb_id=None)
    assert parse_movie(movie_url(API, 603, KEY), body(doc)).id == "tt0133093"


def test_no_recommendations_is_an_empty_list_not_an_error() -> None:
    doc = movie_603(recommendations={"page": 1, "results": [], "total_pages": 0})
    record = parse_movie(movie_url(API, 603, KEY), body(doc))
    assert record.recommendations == [] and record.recommendations_state == "empty"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "a JSON list, not an object"),
        (
            b'{"success": false, "status_code": 34, "status_message": "The resource you '
            b'requested could not be found."}',
            "TMDb error 34: The resource you requested could not be found.",
        ),
        (b'{"id": 603}', "no movie id or title"),
        (json.dumps({"id": 603, "title": "X"}).encode(), "no recommendations"),
    ],
)
def test_answers_that_are_not_movies_are_clear_errors(payload: bytes, message: str) -> None:
    with pytest.raises(TmdbError, match=message) as caught:
        parse_movie(movie_url(API, 603, KEY), payload)
    assert KEY not in str(caught.value)  # the URL in the message is redacted


def test_find_answers() -> None:
    found = {"movie_results": [{"id": 603, "title": "The Matrix"}], "tv_results": []}
    assert parse_find("u", body(found)) == 603
    assert parse_find("u", body({"movie_results": []})) is None
    with pytest.raises(TmdbError, match="no movie_results"):
        parse_find("u", body({"tv_results": []}))


def test_ids() -> None:
    assert seed_id("tt0133093") == "tt0133093"
    assert seed_id("tmdb:603") == seed_id("603") == "tmdb:603"
    assert seed_id("https://www.themoviedb.org/movie/603-the-matrix") == "tmdb:603"
    with pytest.raises(ValueError, match="not an IMDb id"):
        seed_id("the matrix")
    assert tmdb_number("tmdb:603") == 603 and tmdb_number("tt0133093") is None


def test_the_id_export_is_streamed_and_filtered(tmp_path: Path) -> None:
    path = tmp_path / "movie_ids_12_01_2026.json.gz"
    rows = [
        {
            "adult": False,
            "id": 603,
            "original_title": "The Matrix",
            "popularity": 34.5,
            "video": False,
        },
        {"adult": True, "id": 7, "original_title": "x", "popularity": 99.0, "video": False},
        {"adult": False, "id": 8, "original_title": "y", "popularity": 99.0, "video": True},
        {"adult": False, "id": 9, "original_title": "z", "popularity": 0.6, "video": False},
    ]
    with gzip.open(path, "wt") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    assert list(read_id_export(path)) == ["tmdb:603", "tmdb:9"]
    assert list(read_id_export(path, min_popularity=1)) == ["tmdb:603"]
    bad = tmp_path / "bad.json.gz"
    with gzip.open(bad, "wt") as out:
        out.write(json.dumps(rows[0]) + "\n<html>\n")
    with pytest.raises(ValueError, match=r"bad.json.gz:2: not a line of TMDb's id export"):
        list(read_id_export(bad))
    broken = tmp_path / "broken.json.gz"
    whole = gzip.compress(b'{"id": 1, "popularity": 1}\n' * 100)
    broken.write_bytes(whole[: len(whole) - 5])  # cut before the end-of-stream marker
    with pytest.raises(ValueError, match="cannot read TMDb's id export"):
        list(read_id_export(broken))


# --- secrets --------------------------------------------------------------------------------


def test_keys_and_tokens_are_redacted_from_text_and_every_log_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = movie_url(API, 603, KEY)
    assert KEY in url and KEY not in redact(url) and "api_key=[redacted]" in redact(url)
    assert redact("Authorization: Bearer eyJhbGciOi.x-y_z") == "Authorization: [redacted]".replace(
        "Authorization: ", "Authorization: Bearer "
    )
    install_log_redaction()
    install_log_redaction()  # once per process, however often it is asked
    caplog.set_level(logging.INFO)
    logging.getLogger("scrapy.downloadermiddlewares.retry").error("Gave up retrying <GET %s>", url)
    try:
        raise RuntimeError(f"boom at {url}")
    except RuntimeError:
        logging.getLogger("anything").exception("failed")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert KEY not in text and "api_key=[redacted]" in text


# --- the API middleware ---------------------------------------------------------------------


async def _done() -> None:
    return None


class _Engine:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.running = True
        self.downloader = type("D", (), {"slots": {}})()

    def pause(self) -> None:
        self.calls.append("pause")

    def unpause(self) -> None:
        self.calls.append("unpause")

    def close_spider_async(self, *, reason: str):
        # Recorded when called, whichever reactor later runs the coroutine.
        self.calls.append(f"close:{reason}")
        return _done()


def make_crawler(tmp_path: Path, **extra):
    settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    settings["IMDB_DB_PATH"] = str(tmp_path / "crawl.sqlite")
    settings["TMDB_API_URL"] = API
    settings.update(extra)
    crawler = get_crawler(TmdbSpider, settings)
    crawler.engine = _Engine()
    return crawler


def api_response(url: str, status: int, payload: bytes = b"{}", **headers) -> Response:
    return TextResponse(url, status=status, body=payload, headers=headers, request=Request(url))


def test_a_rejected_key_stops_the_crawl_and_touches_nothing(tmp_path: Path) -> None:
    # Outside a crawl: Twisted's default reactor runs the engine calls.
    from twisted.internet import reactor  # noqa: F401

    crawler = make_crawler(tmp_path)
    mw = TmdbApiMiddleware.from_crawler(crawler)
    url = movie_url(API, 603, KEY)
    refused = api_response(url, 401, b'{"success": false, "status_code": 7}')
    for _ in range(2):
        with pytest.raises(TmdbKeyRejected):
            mw.process_response(Request(url), refused)
    assert crawler.engine.calls == ["close:tmdb_key_rejected"]  # once
    assert crawler.stats.get_value("tmdb/401") == 2


def test_429_waits_for_retry_after_and_slows_down(tmp_path: Path) -> None:
    from twisted.internet import reactor  # noqa: F401

    crawler = make_crawler(tmp_path)
    slot = type("Slot", (), {"delay": 0.05})()
    crawler.engine.downloader.slots = {"api.themoviedb.org": slot}
    mw = TmdbApiMiddleware.from_crawler(crawler)
    url = movie_url(API, 603, KEY)
    request = Request(url, meta={"title_id": "tmdb:603", "download_slot": "api.themoviedb.org"})
    answer = api_response(url, 429, b'{"status_code": 25}', **{"Retry-After": "2"})
    retry = mw.process_response(request, answer)
    assert isinstance(retry, Request) and retry.url == url and retry.dont_filter
    assert retry.meta["tmdb_429"] == 1 and retry.meta["title_id"] == "tmdb:603"
    assert crawler.engine.calls == ["pause"] and slot.delay == pytest.approx(0.1)
    assert mw.resume_call is not None
    mw.resume_call.cancel()
    mw._resume()
    assert crawler.engine.calls == ["pause", "unpause"]
    # Good answers speed it up again, never past the configured rate.
    good = api_response(url, 200, body(movie_603()))
    mw.process_response(request, good)
    assert slot.delay == pytest.approx(0.09)
    for _ in range(100):
        mw.process_response(request, good)
    assert slot.delay == pytest.approx(mw.base_delay)
    # Other hosts' answers are not TMDb's business.
    page = api_response("https://www.imdb.com/title/tt0133093/", 429)
    assert mw.process_response(Request(page.url), page) is page


def test_a_v4_token_goes_in_a_header_never_in_the_url(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, TMDB_ACCESS_TOKEN="eyJ-token")
    mw = TmdbApiMiddleware.from_crawler(crawler)
    request = Request(movie_url(API, 603, None))
    mw.process_request(request)
    assert request.headers["Authorization"] == b"Bearer eyJ-token"
    assert "token" not in request.url


# --- the spider's callbacks -----------------------------------------------------------------


def make_spider(tmp_path: Path, **args) -> TmdbSpider:
    crawler = make_crawler(tmp_path, TMDB_API_KEY=KEY)
    return TmdbSpider.from_crawler(crawler, **args)


def test_the_spider_needs_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    monkeypatch.delenv("TMDB_ACCESS_TOKEN", raising=False)
    crawler = make_crawler(tmp_path)
    with pytest.raises(UsageError, match="needs a TMDb API key"):
        TmdbSpider.from_crawler(crawler)


def test_requests_by_tmdb_id_or_through_find(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    direct = spider.title_request("tmdb:603", 1)
    assert direct.url.startswith(f"{API}/movie/603?") and direct.meta["origin"] == TMDB
    assert "append_to_response=recommendations%2Cexternal_ids%2Ccredits" in direct.url
    lookup = spider.title_request("tt0133093", 0)
    assert lookup.url.startswith(f"{API}/find/tt0133093?external_source=imdb_id")
    # Once TMDb has told the id, a tt is fetched directly.
    with Store(tmp_path / "crawl.sqlite") as store:
        store.save_page(parse_movie("u", body(movie_603())), requested_id="tmdb:603", depth=0,
                        origin=TMDB)  # fmt: skip
    assert spider.title_request("tt0133093", 0).url.startswith(f"{API}/movie/603?")


def test_parse_yields_a_tmdb_page_item_following_known_ids(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    with Store(tmp_path / "crawl.sqlite") as store:
        known = parse_movie("u", body(movie_603(id=604, imdb_id="tt0234215", title="Reloaded")))
        store.save_page(known, requested_id="tmdb:604", depth=0, origin=TMDB)
    url = movie_url(API, 603, KEY)
    response = api_response(url, 200, body(movie_603()))
    response.request.meta.update({"title_id": "tmdb:603", "bfs_depth": 0})
    (item,) = TmdbSpider.parse(spider, response.replace(request=response.request))
    assert isinstance(item, PageItem) and item.origin == TMDB
    assert item.record.id == "tt0133093" and item.requested_id == "tmdb:603"
    assert item.follow == ["tt0234215", "tmdb:605"]


def test_failures_are_redacted_and_a_rejected_key_touches_nothing(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    url = movie_url(API, 603, KEY)
    request = Request(url, meta={"title_id": "tmdb:603", "bfs_depth": 1})
    missing = Failure(HttpError(Response(url, status=404, request=request)))
    missing.request = request
    (item,) = spider.failed(missing)
    assert isinstance(item, FailureItem)
    assert (item.kind, item.final, item.origin) == ("http-404", True, TMDB)
    assert KEY not in item.detail
    rejected = Failure(TmdbKeyRejected("TMDb rejected the API key"))
    rejected.request = request
    assert list(spider.failed(rejected)) == []
    broken = api_response(url, 200, b"<html>oops")
    broken.request.meta.update({"title_id": "tmdb:603", "bfs_depth": 1})
    (item,) = TmdbSpider.parse(spider, broken.replace(request=broken.request))
    assert item.kind == "parse" and "not JSON" in item.detail and KEY not in item.detail
