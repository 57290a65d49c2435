"""The sandbox IMDb and TMDb: a small, fast HTTP/1.1 server over asyncio streams (stdlib only).

Serves ``/title/ttNNNNNNNN/`` pages of a ``Universe`` in one of the layouts of ``render``,
TMDb's API v3 over the same universe (``tmdb``) and the downloadable files (IMDb's datasets,
TMDb's id export: ``datasets``), with reproducible fault injection, on 127.0.0.1. Runs
in-process (``Sandbox``, a context manager starting the server in a background thread; what
tests use) or as its own process (``python -m sandbox``; what crawls and benchmarks use).

Routes:

* ``GET /title/{id}/`` (query string ignored): the page, 200 ``text/html; charset=utf-8``;
  ``/title/{id}`` -> 308 to the slashed URL; a merged/old id -> 301 to the surviving id;
  an unknown id -> 404. Request targets may be origin-form or absolute-form (proxies).
* ``GET /robots.txt``.
* ``GET /3/...``: TMDb's API v3 (``movie/{id}``, ``movie/{id}/recommendations``,
  ``find/{tt}``...; key, rate limit and errors as TMDb's), see ``tmdb``.
* ``GET /datasets/{title.basics,title.ratings,title.crew,name.basics,title.akas}.tsv.gz``
  and ``GET /p/exports/movie_ids_MM_DD_YYYY.json.gz``: made once per run (off the event
  loop), then streamed from a temporary file, see ``datasets``.
* ``GET /__stats`` (``?reset=1`` to zero the counters after reading them; ``?detail=0`` to
  leave out the per-title and per-movie fetch counts), ``POST /__reset``.
* ``GET /__seeds?n=K``: K well-connected title ids to start a crawl from.
* ``GET /__faults`` / ``POST /__faults`` (JSON ``{"rates": {...}, "ids": {...},
  "slow_seconds": s}``): read or replace the fault configuration at run time.

Faults (``faults.FAULT_KINDS``), each by a rate (probability per request, decided by a hash
of seed, kind, path and how many times that path was fetched before, so runs are
reproducible) and/or a list of ids faulted on every fetch; the first kind that fires, in
order, is served and counted in ``/__stats``. Title pages take ``IMDB_FAULT_KINDS``:

``reset`` (TCP RST, no response), ``status403``, ``status429``, ``status503``, ``waf`` (202
JavaScript challenge), ``captcha`` (200 robot check), ``consent`` (200 cookie interstitial),
``truncate`` (full Content-Length, part of the body, then close), ``unknown_layout``,
``empty_mlt`` (Next.js page with ``moreLikeThisTitles.edges: []``), ``slow`` (the normal
page after ``slow_seconds``). The TMDb API takes ``TMDB_FAULT_KINDS`` (see ``tmdb``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import email.utils
import hashlib
import logging
import re
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from . import datasets, render, tmdb
from .faults import Faults, unit
from .replies import Reply, json_reply
from .universe import Title, Universe, build_universe

logger = logging.getLogger(__name__)

_STATUS_FAULTS = {"status403": 403, "status429": 429, "status503": 503}
_REASONS = {
    200: "OK",
    202: "Accepted",
    301: "Moved Permanently",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    422: "Unprocessable Entity",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}
_TITLE_PATH = re.compile(r"/title/(tt\d{7,8})(/?)")
_EXPORT_NAME = re.compile(r"movie_ids_(\d\d)_(\d\d)_(\d{4})\.json\.gz")
_FILE_CHUNK = 1 << 20
_MAX_HEAD = 64 * 1024
_IDLE_SECONDS = 120.0
_RECORD_CACHE = 65_536


@dataclass
class Stats:
    """Counters of one server; ``snapshot()`` is what ``/__stats`` returns."""

    requests: int = 0
    pages_served: int = 0
    bytes_sent: int = 0
    by_status: collections.Counter = field(default_factory=collections.Counter)
    faults: collections.Counter = field(default_factory=collections.Counter)
    fetches: collections.Counter = field(default_factory=collections.Counter)
    # Title fetches by the proxy that forwarded them (the name in their Via header; "-": none).
    via: collections.Counter = field(default_factory=collections.Counter)
    downloads: collections.Counter = field(default_factory=collections.Counter)
    started: float = field(default_factory=time.time)

    def snapshot(self, *, detail: bool = True) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "requests": self.requests,
            "pages_served": self.pages_served,
            "bytes_sent": self.bytes_sent,
            "responses_by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "faults": dict(sorted(self.faults.items())),
            "titles_fetched": len(self.fetches),
            "title_fetches": sum(self.fetches.values()),
            "via": dict(sorted(self.via.items())),
            "downloads": dict(sorted(self.downloads.items())),
            "since": self.started,
        }
        if detail:
            doc["fetches"] = dict(self.fetches)
        return doc


class SandboxServer:
    """The asyncio server. Create, ``await start()``, ``await stop()``; one event loop."""

    def __init__(
        self,
        universe: Universe,
        *,
        layout: str = "nextjs",
        small_pages: bool = False,
        faults: Faults | None = None,
        seed: int | None = None,
        tmdb_key: str = tmdb.DEFAULT_KEY,
        tmdb_rate: int = tmdb.DEFAULT_RATE,
        dataset_rows: int | None = None,
    ) -> None:
        if layout not in render.LAYOUT_CHOICES:
            raise ValueError(
                f"unknown layout {layout!r}: expecting one of {', '.join(render.LAYOUT_CHOICES)}"
            )
        self.universe = universe
        self.layout = layout
        self.small_pages = small_pages
        self.faults = faults or Faults()
        self.seed = universe.seed if seed is None else seed
        self.stats = Stats()
        self.tmdb = tmdb.TmdbApi(universe, key=tmdb_key, rate=tmdb_rate)
        self.files = datasets.FileCache(universe, dataset_rows)
        self._records: collections.OrderedDict[int, Title] = collections.OrderedDict()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._date = (0, b"")
        self.host = ""
        self.port = 0

    # --- lifecycle ---

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(
            self._handle, host, port, limit=_MAX_HEAD, reuse_address=True
        )
        sock = self._server.sockets[0]
        self.host, self.port = sock.getsockname()[:2]
        logger.info("sandbox listening on %s", self.base_url)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        self.files.close()

    # --- records and pages ---

    def _record(self, index: int, *, full: bool) -> Title:
        """Titles shown as recommendations are cached: popular ones are on many pages."""
        if full:
            return self.universe.record(index)
        cached = self._records.get(index)
        if cached is None:
            cached = self.universe.record(index, with_recommendations=False)
            self._records[index] = cached
            if len(self._records) > _RECORD_CACHE:
                self._records.popitem(last=False)
        return cached

    def title_page(self, tid: str, *, fault: str | None = None) -> bytes:
        """The page of a title as served (no fault, ``empty_mlt`` or ``unknown_layout``)."""
        i = self.universe.index(tid)
        t = self._record(i, full=True)
        if fault == "unknown_layout":
            return render.render_unknown_layout(t)
        recs = [self._record(int(j), full=False) for j in self.universe.recommendations_of(i)]
        layout = render.layout_for(self.seed, tid, self.layout)
        return render.render_title(
            t, recs, layout, small=self.small_pages, empty_mlt=fault == "empty_mlt"
        )

    # --- routing ---

    def route(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            origin = f"{parts.scheme}://{parts.netloc}"
        else:
            parts = urlsplit(target if target.startswith("/") else "/" + target)
            host = headers.get("host")
            origin = f"http://{host}" if host else ""
        path, query = parts.path or "/", parts.query
        if method not in ("GET", "HEAD", "POST"):
            return Reply(405, render.render_error(405, "Method Not Allowed"),
                             headers=(("Allow", "GET, HEAD, POST"),))  # fmt: skip
        if path.startswith("/__"):
            return self._control(method, path, query, body)
        if method == "POST":
            return Reply(405, render.render_error(405, "Method Not Allowed"),
                             headers=(("Allow", "GET, HEAD"),))  # fmt: skip
        if path.startswith("/3/"):
            return self.tmdb.route(path, query, headers, self.faults, self.seed)
        if path.startswith(("/datasets/", "/p/exports/")):
            return self._download(path)
        if path == "/robots.txt":
            return Reply(200, render.ROBOTS_TXT, "text/plain; charset=utf-8")
        m = _TITLE_PATH.fullmatch(path)
        if not m:
            return Reply(404, render.render_not_found(path))
        tid, slash = m.groups()
        qs = f"?{query}" if query else ""
        known = tid in self.universe
        if not known and tid not in self.universe.aliases:
            return Reply(404, render.render_not_found(path))
        if not slash:
            return Reply(308, b"", headers=(("Location", f"{origin}/title/{tid}/{qs}"),))
        if not known:
            survivor = self.universe.aliases[tid]
            return Reply(301, b"", headers=(("Location", f"{origin}/title/{survivor}/{qs}"),))
        via = headers.get("via", "").split()
        self.stats.via[via[1] if len(via) > 1 else "-"] += 1
        return self._title(tid, path)

    def _title(self, tid: str, path: str) -> Reply:
        nth = self.stats.fetches[tid]
        self.stats.fetches[tid] = nth + 1
        fault = self.faults.pick(self.seed, tid, path, nth) if self.faults else None
        if fault is not None:
            self.stats.faults[fault] += 1
        if fault is None or fault in ("empty_mlt", "unknown_layout", "slow"):
            body = self.title_page(tid, fault=fault)
            delay = self.faults.slow_seconds if fault == "slow" else 0.0
            return Reply(200, body, page=True, delay=delay)
        if fault == "reset":
            return Reply(0, fault="reset")
        if fault in _STATUS_FAULTS:
            status = _STATUS_FAULTS[fault]
            extra = (("Retry-After", "30"),) if status in (429, 503) else ()
            return Reply(status, render.render_error(status, _REASONS[status]), headers=extra)
        if fault == "waf":
            token = hashlib.blake2b(
                f"{self.seed}:{path}:{nth}".encode(), digest_size=16
            ).hexdigest()
            return Reply(202, render.render_waf_challenge(token),
                             headers=(("x-amzn-waf-action", "challenge"),))  # fmt: skip
        if fault == "captcha":
            return Reply(200, render.render_captcha())
        if fault == "consent":
            return Reply(200, render.render_consent(path))
        # truncate: the real page promised in full, cut on the wire
        return Reply(200, self.title_page(tid), fault="truncate")

    def _download(self, path: str) -> Reply:
        """IMDb's dataset files and TMDb's id export, made on first request (see
        ``datasets.FileCache``)."""
        name = path.rpartition("/")[2]
        if path.startswith("/p/exports/"):
            m = _EXPORT_NAME.fullmatch(name)
            try:
                valid = m is not None and bool(datetime.date(*map(int, m.group(3, 1, 2))))
            except ValueError:
                valid = False
            if not valid:
                return Reply(404, render.render_not_found(path))
            name = datasets.EXPORT_FILE
        elif path != f"/datasets/{name}" or name not in datasets.DATASET_FILES:
            return Reply(404, render.render_not_found(path))
        self.stats.downloads[name] += 1
        return Reply(200, content_type="application/gzip", file=self.files.maker(name))

    def _control(self, method: str, path: str, query: str, body: bytes) -> Reply:
        q = {k: v[-1] for k, v in parse_qs(query).items()}
        if path == "/__stats" and method != "POST":
            doc = self.snapshot(detail=q.get("detail", "1") != "0")
            if q.get("reset") in ("1", "true", "yes"):
                self.reset_stats()
            return json_reply(200, doc)
        if path == "/__reset" and method == "POST":
            self.reset_stats()
            return json_reply(200, {"reset": True})
        if path == "/__seeds" and method != "POST":
            try:
                n = int(q.get("n", "10"))
            except ValueError:
                n = -1
            if not 1 <= n <= len(self.universe):
                return json_reply(
                    400, {"error": f"invalid n={q.get('n')!r}: expecting 1..{len(self.universe)}"}
                )
            return json_reply(200, self.universe.seeds(n))
        if path == "/__faults":
            if method == "POST":
                try:
                    self.faults = Faults.from_json(orjson.loads(body or b"{}"))
                except (ValueError, TypeError, AttributeError) as exc:
                    return json_reply(400, {"error": str(exc)})
            return json_reply(200, self.faults.to_json())
        return json_reply(404, {"error": f"no control endpoint {path} for {method}"})

    def reset_stats(self) -> None:
        self.stats = Stats()
        self.tmdb.reset()

    def snapshot(self, *, detail: bool = True) -> dict[str, Any]:
        """What ``/__stats`` returns: the IMDb side's counters and the TMDb API's."""
        return self.stats.snapshot(detail=detail) | self.tmdb.stats.snapshot(detail=detail)

    # --- HTTP ---

    def _http_date(self) -> bytes:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, email.utils.formatdate(now, usegmt=True).encode())
        return self._date[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await self._serve_connection(reader, writer, sock)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.close()

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sock: Any
    ) -> None:
        while True:
            try:
                async with asyncio.timeout(_IDLE_SECONDS):
                    head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return  # the client closed the connection
            except asyncio.LimitOverrunError:
                await self._send_simple(writer, 431, keep_alive=False)
                return
            lines = head[:-4].decode("latin-1").split("\r\n")
            request = lines[0].split(" ")
            if len(request) != 3 or not request[2].startswith("HTTP/1."):
                await self._send_simple(writer, 400, keep_alive=False)
                return
            method, target, version = request
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            body = b""
            length = headers.get("content-length")
            if length:
                if not length.isdigit() or int(length) > _MAX_HEAD:
                    await self._send_simple(writer, 400, keep_alive=False)
                    return
                body = await reader.readexactly(int(length))
            conn = headers.get("connection", "").lower()
            keep_alive = "close" not in conn if version == "HTTP/1.1" else "keep-alive" in conn
            self.stats.requests += 1
            resp = self.route(method, target, headers, body)
            if resp.delay:
                await asyncio.sleep(resp.delay)
            if resp.file is not None:
                await self._send_file(writer, resp, method, keep_alive=keep_alive)
                if not keep_alive:
                    writer.close()
                    return
                continue
            if resp.fault == "reset":
                if sock is not None:
                    # SO_LINGER 0: close() sends RST instead of FIN.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            head_bytes = self._head(resp, keep_alive=keep_alive and resp.fault != "truncate")
            payload = b"" if method == "HEAD" else resp.body
            if resp.fault == "truncate" and payload:
                cut = max(1, int(len(payload) * (0.1 + 0.5 * unit(f"cut:{target}"))))
                payload = payload[:cut]
            writer.write(head_bytes)
            if payload:
                writer.write(payload)
            self.stats.by_status[resp.status] += 1
            self.stats.bytes_sent += len(head_bytes) + len(payload)
            if resp.page and method != "HEAD":
                self.stats.pages_served += 1
            await writer.drain()
            if resp.fault == "truncate" or not keep_alive:
                writer.close()
                return

    async def _send_file(
        self, writer: asyncio.StreamWriter, resp: Reply, method: str, *, keep_alive: bool
    ) -> None:
        assert resp.file is not None
        path = await asyncio.to_thread(resp.file)  # made once; big ones take a while
        size = path.stat().st_size
        head = self._head(resp, keep_alive=keep_alive, length=size)
        writer.write(head)
        sent = len(head)
        if method != "HEAD":
            with path.open("rb") as f:
                while chunk := f.read(_FILE_CHUNK):
                    writer.write(chunk)
                    sent += len(chunk)
                    await writer.drain()
        self.stats.by_status[resp.status] += 1
        self.stats.bytes_sent += sent
        await writer.drain()

    def _head(self, resp: Reply, *, keep_alive: bool, length: int | None = None) -> bytes:
        lines = [
            f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}",
            "Server: imdb-spider-sandbox",
            f"Content-Type: {resp.content_type}",
            f"Content-Length: {len(resp.body) if length is None else length}",
            "Connection: keep-alive" if keep_alive else "Connection: close",
        ]
        lines += [f"{k}: {v}" for k, v in resp.headers]
        return (
            "\r\n".join(lines).encode("latin-1") + b"\r\nDate: " + self._http_date() + b"\r\n\r\n"
        )

    async def _send_simple(
        self, writer: asyncio.StreamWriter, status: int, *, keep_alive: bool
    ) -> None:
        resp = Reply(status, render.render_error(status, _REASONS[status]))
        writer.write(self._head(resp, keep_alive=keep_alive) + resp.body)
        self.stats.by_status[status] += 1
        await writer.drain()


class Sandbox:
    """The sandbox server in a background thread with its own event loop.

    ``with Sandbox(titles=2000, seed=1) as sb: requests.get(sb.url("tt90000001"))``.
    Pass ``universe=`` to reuse a built universe (building is the slow part)."""

    def __init__(
        self,
        universe: Universe | None = None,
        *,
        titles: int | None = 2000,
        seed: int = 1,
        layout: str = "nextjs",
        small_pages: bool = False,
        faults: Faults | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tmdb_key: str = tmdb.DEFAULT_KEY,
        tmdb_rate: int = tmdb.DEFAULT_RATE,
        dataset_rows: int | None = None,
    ) -> None:
        if isinstance(faults, Mapping):
            faults = Faults.from_json(faults)
        self.universe = universe if universe is not None else build_universe(titles, seed)
        self.server = SandboxServer(
            self.universe,
            layout=layout,
            small_pages=small_pages,
            faults=faults,
            seed=seed,
            tmdb_key=tmdb_key,
            tmdb_rate=tmdb_rate,
            dataset_rows=dataset_rows,
        )
        self._host, self._port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Sandbox:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.server.start(self._host, self._port))
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.server.stop())
                loop.close()

        self._thread = threading.Thread(target=run, name="imdb-sandbox", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def url(self, tid: str) -> str:
        return f"{self.base_url}/title/{tid}/"

    @property
    def tmdb_url(self) -> str:
        """The TMDb API base URL (the spider's ``TMDB_API_URL``): ``{base_url}/3``."""
        return f"{self.base_url}/3"

    @property
    def tmdb_key(self) -> str:
        return self.server.tmdb.key

    def export_url(self, day: str = "01_01_2026") -> str:
        """TMDb's daily id export (``day`` as ``MM_DD_YYYY``; every day has the same)."""
        return f"{self.base_url}/p/exports/movie_ids_{day}.json.gz"

    def dataset_url(self, name: str) -> str:
        """One of IMDb's dataset files, e.g. ``title.basics.tsv.gz``."""
        return f"{self.base_url}/datasets/{name}"

    def set_tmdb_rate(self, rate: int) -> None:
        """Change the TMDb rate limit (requests per sliding second, 0 = none) at run time."""
        if rate < 0:
            raise ValueError(f"invalid TMDb rate {rate!r}: expecting >= 0 (0 = no limit)")
        self._call(lambda: setattr(self.server.tmdb, "rate", rate))

    def _call(self, fn, *args):  # run fn in the server's loop, for a consistent view
        assert self._loop is not None, "sandbox not started"

        async def call():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=10)

    def stats(self, *, detail: bool = True) -> dict[str, Any]:
        return self._call(lambda: self.server.snapshot(detail=detail))

    def reset_stats(self) -> None:
        self._call(self.server.reset_stats)

    def set_faults(self, faults: Faults | Mapping[str, Any] | None) -> None:
        if isinstance(faults, Mapping):
            faults = Faults.from_json(faults)
        new = faults or Faults()
        self._call(lambda: setattr(self.server, "faults", new))

    def seeds(self, n: int) -> list[str]:
        return self.universe.seeds(n)
