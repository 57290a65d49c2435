"""The contract between ``imdb_spider/proxies.py`` and scrapy-rotating-proxies: every name,
signature and behaviour of the package that our subclasses rely on. A release that changes one
fails here, naming the release and what changed, before it can change a crawl."""

from __future__ import annotations

import importlib.metadata
import inspect
import logging

import pytest
from rotating_proxies import expire, middlewares
from rotating_proxies.expire import Proxies, exp_backoff
from rotating_proxies.middlewares import BanDetectionMiddleware, RotatingProxyMiddleware
from scrapy import Request
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

VERSION = importlib.metadata.version("scrapy-rotating-proxies")
CHECKED_WITH = "0.6.2"
PROXIES = ["http://127.0.0.1:3128", "http://127.0.0.1:3129"]


def broken(what: str) -> str:
    return (
        f"scrapy-rotating-proxies {VERSION} (imdb_spider/proxies.py was checked against "
        f"{CHECKED_WITH}): {what}. Adapt imdb_spider/proxies.py and this contract, or pin "
        "the package to a release that passes."
    )


# What we call, override or construct, with the signature 0.6.2 has.
SIGNATURES = [
    (RotatingProxyMiddleware, "__init__",
     "(self, proxy_list, logstats_interval, stop_if_no_proxies, max_proxies_to_try, "
     "backoff_base, backoff_cap, crawler)"),
    (RotatingProxyMiddleware, "from_crawler", "(crawler)"),
    (RotatingProxyMiddleware, "cleanup_proxy_list", "(proxy_list)"),
    (RotatingProxyMiddleware, "process_request", "(self, request, spider)"),
    (RotatingProxyMiddleware, "process_response", "(self, request, response, spider)"),
    (RotatingProxyMiddleware, "process_exception", "(self, request, exception, spider)"),
    (RotatingProxyMiddleware, "get_proxy_slot", "(self, proxy)"),
    (RotatingProxyMiddleware, "log_stats", "(self)"),
    (RotatingProxyMiddleware, "reanimate_proxies", "(self)"),
    (BanDetectionMiddleware, "__init__", "(self, stats, policy)"),
    (BanDetectionMiddleware, "process_response", "(self, request, response, spider)"),
    (BanDetectionMiddleware, "process_exception", "(self, request, exception, spider)"),
    (Proxies, "__init__", "(self, proxy_list, backoff=None)"),
    (Proxies, "get_random", "(self)"),
    (Proxies, "get_proxy", "(self, proxy_address)"),
    (Proxies, "reset", "(self)"),
    (expire, "exp_backoff", "(attempt, cap=3600, base=300)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("owner", "name", "expected"),
    SIGNATURES,
    ids=[f"{owner.__name__}.{name}" for owner, name, _ in SIGNATURES],
)
def test_signatures_we_rely_on(owner: object, name: str, expected: str) -> None:
    qualified = f"{owner.__name__}.{name}"  # type: ignore[attr-defined]
    assert hasattr(owner, name), broken(f"{qualified} is gone")
    actual = str(inspect.signature(getattr(owner, name)))
    assert actual == expected, broken(f"{qualified} is now {actual}, was {expected}")


def package_middleware(**settings: object) -> RotatingProxyMiddleware:
    crawler = get_crawler(settings_dict={"ROTATING_PROXY_LIST": PROXIES, **settings})
    return RotatingProxyMiddleware.from_crawler(crawler)


def test_attributes_we_read() -> None:
    mw = package_middleware(ROTATING_PROXY_CLOSE_SPIDER=True)
    for name in ("proxies", "stats", "stop_if_no_proxies"):
        assert hasattr(mw, name), broken(f"RotatingProxyMiddleware has no attribute {name}")
    assert isinstance(mw.proxies, Proxies), broken("RotatingProxyMiddleware.proxies is no Proxies")
    assert mw.stop_if_no_proxies is True, broken("ROTATING_PROXY_CLOSE_SPIDER is not read")
    pool = Proxies(PROXIES)
    for name in ("good", "dead", "unchecked"):
        assert isinstance(getattr(pool, name, None), set), broken(f"Proxies.{name} is no set")
    assert pool.unchecked == set(PROXIES), broken("a new pool's proxies are not all unchecked")
    for module, name in ((middlewares, "rotating_proxies.middlewares"),
                         (expire, "rotating_proxies.expire")):  # fmt: skip
        assert module.logger.name == name, broken(f"{module.__name__} logs as {module.logger.name}")


def test_from_crawler_passes_the_settings_by_name() -> None:
    class Recording(RotatingProxyMiddleware):
        def __init__(self, **kwargs: object) -> None:
            self.kwargs = kwargs

    mw = Recording.from_crawler(get_crawler(settings_dict={"ROTATING_PROXY_LIST": PROXIES}))
    expected = ["backoff_base", "backoff_cap", "crawler", "logstats_interval",
                "max_proxies_to_try", "proxy_list", "stop_if_no_proxies"]  # fmt: skip
    assert sorted(mw.kwargs) == expected, broken(
        f"RotatingProxyMiddleware.from_crawler passes {sorted(mw.kwargs)}, not {expected}"
    )
    assert mw.kwargs["proxy_list"] == PROXIES


def test_process_request_draws_from_the_pool_and_asks_for_the_slot() -> None:
    class OneProxy(Proxies):
        def get_random(self) -> str:
            return PROXIES[1]

    class Slotted(RotatingProxyMiddleware):
        def get_proxy_slot(self, proxy: str) -> str:
            return f"slot of {proxy}"

    mw = Slotted.from_crawler(get_crawler(settings_dict={"ROTATING_PROXY_LIST": PROXIES}))
    mw.proxies = OneProxy(PROXIES)
    request = Request("https://www.imdb.com/title/tt1/")
    mw.process_request(request, None)
    assert request.meta["proxy"] == PROXIES[1], broken("process_request ignores get_random()")
    assert request.meta["download_slot"] == f"slot of {PROXIES[1]}", broken(
        "process_request no longer takes the download slot from get_proxy_slot()"
    )
    assert request.meta["_rotating_proxy"] is True, broken("meta '_rotating_proxy' is not set")
    own = Request("https://www.imdb.com/title/tt2/", meta={"proxy": "http://elsewhere:1"})
    mw.process_request(own, None)
    assert own.meta["proxy"] == "http://elsewhere:1", broken("a request's own proxy is replaced")


def test_no_proxy_alive_raises_close_spider() -> None:
    mw = package_middleware(ROTATING_PROXY_CLOSE_SPIDER=True)
    for proxy in PROXIES:
        mw.proxies.mark_dead(proxy)
    with pytest.raises(CloseSpider):
        mw.process_request(Request("https://www.imdb.com/title/tt1/"), None)


def test_ban_meta_drives_the_pool_and_the_retry() -> None:
    mw = package_middleware()
    request = Request("https://www.imdb.com/title/tt1/")
    mw.process_request(request, None)
    proxy = request.meta["proxy"]
    request.meta["_ban"] = True
    retry = mw.process_response(request, Response(request.url, status=503), None)
    assert proxy in mw.proxies.dead, broken("meta '_ban' True does not mark the proxy dead")
    assert isinstance(retry, Request) and retry.dont_filter, broken(
        "a banned response is not retried through another proxy"
    )
    assert retry.meta["proxy_retry_times"] == 1
    exception_retry = mw.process_exception(retry, TimeoutError(), None)
    assert isinstance(exception_retry, Request), broken("a banned exception is not retried")
    good = Request("https://www.imdb.com/title/tt2/")
    mw.process_request(good, None)
    good.meta["_ban"] = False
    answer = Response(good.url)
    assert mw.process_response(good, answer, None) is answer
    assert good.meta["proxy"] in mw.proxies.good, broken("meta '_ban' False does not mark good")


def test_ban_detection_sets_the_ban_meta_from_the_policy() -> None:
    class Policy:
        def response_is_ban(self, request: Request, response: Response) -> bool:
            return response.status == 429

        def exception_is_ban(self, request: Request, exception: BaseException) -> bool:
            return True

    detect = BanDetectionMiddleware(get_crawler().stats, Policy())
    request = Request("https://www.imdb.com/title/tt1/")
    answer = Response(request.url, status=429)
    assert detect.process_response(request, answer, None) is answer
    assert request.meta["_ban"] is True, broken("BanDetectionMiddleware does not set '_ban'")
    detect.process_exception(request, TimeoutError(), None)
    assert request.meta["_ban"] is True


def test_the_pool_takes_its_backoff_from_the_constructor() -> None:
    attempts: list[int] = []

    def backoff(attempt: int) -> float:
        attempts.append(attempt)
        return 10.0

    pool = Proxies(PROXIES, backoff=backoff)
    pool.mark_dead(PROXIES[0])
    pool.mark_dead(PROXIES[0])
    assert attempts == [0, 1], broken("Proxies.mark_dead no longer calls its backoff(attempt)")
    assert pool.get_proxy("http://127.0.0.1:3128") == PROXIES[0]
    pool.reset()
    assert pool.unchecked == set(PROXIES), broken("Proxies.reset does not revive dead proxies")
    assert exp_backoff(0, cap=3600, base=300) == 300 and exp_backoff(10) == 3600


def test_the_engine_signals_run_our_overridden_hooks(caplog: pytest.LogCaptureFixture) -> None:
    class Hooked(RotatingProxyMiddleware):
        def log_stats(self) -> None:
            logging.getLogger("test").info("our log_stats")

    crawler = get_crawler(settings_dict={"ROTATING_PROXY_LIST": PROXIES})
    mw = Hooked.from_crawler(crawler)
    caplog.set_level(logging.INFO, logger="test")
    mw.engine_started()  # what the engine_started signal runs
    try:
        assert "our log_stats" in caplog.messages, broken("engine_started does not log_stats()")
        assert mw.reanimate_task.f == mw.reanimate_proxies, broken(
            "reanimation no longer runs reanimate_proxies()"
        )
    finally:
        mw.engine_stopped()
