"""Our rotating-proxy layer in-process, without an engine: the seeded choice, the per-proxy
stats, and credentials kept out of the package's log lines (the contract with the package
itself is in ``test_proxy_contract.py``)."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from imdb_spider import settings as project_settings
from imdb_spider.proxies import ImdbRotatingProxyMiddleware, _CredentialFilter

PROXIES = ["http://127.0.0.1:3128", "http://user:secret@127.0.0.1:3129", "http://127.0.0.1:3130"]


def rotating(**extra: object) -> ImdbRotatingProxyMiddleware:
    settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    settings.update({"ROTATING_PROXY_LIST": PROXIES, **extra})
    return ImdbRotatingProxyMiddleware.from_crawler(get_crawler(settings_dict=settings))


def choices(mw: ImdbRotatingProxyMiddleware, n: int) -> list[str]:
    chosen = []
    for i in range(n):
        request = Request(f"https://www.imdb.com/title/tt{i}/", meta={"title_id": f"tt{i}"})
        mw.process_request(request)
        chosen.append(request.meta["proxy"])
    return chosen


def test_the_credential_filter_is_added_once_per_process() -> None:
    for _ in range(2):  # two crawlers in one process, as a test run or a script makes
        rotating()
    for name in ("rotating_proxies.expire", "rotating_proxies.middlewares"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, _CredentialFilter) for f in filters) == 1, name


def test_the_package_debug_lines_never_show_credentials(caplog: pytest.LogCaptureFixture) -> None:
    mw = rotating()
    caplog.set_level(logging.DEBUG, logger="rotating_proxies")
    mw.proxies.mark_dead(PROXIES[1])  # the package logs the proxy it marks
    assert "is DEAD" in caplog.text
    assert "secret" not in caplog.text and "***@127.0.0.1:3129" in caplog.text


def test_the_proxy_choice_is_seeded() -> None:
    first = choices(rotating(IMDB_PROXY_SEED=5), 30)
    assert choices(rotating(IMDB_PROXY_SEED=5), 30) == first
    assert choices(rotating(IMDB_PROXY_SEED=6), 30) != first
    assert set(first) == set(PROXIES)


def test_the_state_stats_follow_the_pool() -> None:
    mw = rotating(ROTATING_PROXY_BACKOFF_BASE=1e-9, ROTATING_PROXY_BACKOFF_CAP=1e-9)
    stats = mw.crawler.stats
    names = ["http://127.0.0.1:3128", "http://127.0.0.1:3129", "http://127.0.0.1:3130"]
    assert [stats.get_value(f"proxy/{n}/state") for n in names] == ["unchecked"] * 3
    request = Request("https://www.imdb.com/title/tt1/", meta={"title_id": "tt1"})
    mw.process_request(request)
    name = mw.masked[request.meta["proxy"]]
    request.meta.update(_ban=True, ban_reason="status-429")
    assert isinstance(mw.process_response(request, Response(request.url, status=429)), Request)
    assert stats.get_value(f"proxy/{name}/state") == "dead"  # at once, not only at the end
    assert stats.get_value(f"proxy/{name}/bans/status-429") == 1
    mw.reanimate_proxies()  # its back-off (a nanosecond) is over
    assert stats.get_value(f"proxy/{name}/state") == "unchecked"
    assert not any("secret" in key for key in stats.get_stats())


def test_without_close_spider_dead_proxies_are_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mw = rotating(ROTATING_PROXY_CLOSE_SPIDER=False)
    for proxy in PROXIES:
        mw.proxies.mark_dead(proxy)
    (chosen,) = choices(mw, 1)  # no exception, no deprecation warning (an error under pytest)
    assert chosen in PROXIES
    assert "every proxy is dead: trying them all again" in caplog.messages
    assert mw.proxies.dead == set()
