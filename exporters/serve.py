"""A static file server for the map site: ``python -m exporters.serve [--port N] [--dir site]``.

Serves ``--dir`` (default: the repository's ``site/``) on 127.0.0.1, for trying the site and for
the browser tests; any static host (nginx, GitHub Pages, ``python -m http.server``) serves the
same files. What it adds over ``http.server``:

* query strings are ignored (shingle.js and our viewer may append them);
* MIME types do not depend on the machine's ``/etc/mime.types``: ``.json``, ``.js``, ``.css``,
  ``.jpg``, ``.png``, ``.svg``, ``.html`` are always right;
* ``--data DIR`` serves a folder at ``/data/`` instead of ``site/data``: a tile directory
  (``python -m exporters all --out DIR``), or a folder of several (then open
  ``/?data=data/NAME/``), so a map can be shown without copying it into ``site``;
* text files are gzip'd when the browser accepts it (like a real static host), unless
  ``--no-gzip``;
* ``--port 0`` picks a free port; the URL is printed either way.

``StaticServer`` runs the same server in a thread (for tests: ``with StaticServer(...) as s``).
"""

from __future__ import annotations

import argparse
import errno
import functools
import gzip
import io
import os
import posixpath
import sys
import threading
import urllib.parse
from collections import OrderedDict
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "site"
HOST = "127.0.0.1"
DATA_PREFIX = "/data/"
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    "": "application/octet-stream",
}
COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt", ".webmanifest"}
GZIP_MIN_BYTES = 1024
GZIP_CACHE_ENTRIES = 512


class _GzipCache:
    """Compressed bodies by (path, mtime, size): each file is compressed once."""

    def __init__(self, entries: int = GZIP_CACHE_ENTRIES) -> None:
        self.entries = entries
        self.items: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, path: str, stat: os.stat_result) -> bytes:
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        with open(path, "rb") as f:
            data = gzip.compress(f.read(), 6, mtime=0)
        with self.lock:
            self.items[key] = data
            while len(self.items) > self.entries:
                self.items.popitem(last=False)
        return data


class SiteHandler(SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` with fixed MIME types, ``/data/`` mount and gzip."""

    extensions_map = MIME_TYPES
    data_dir: str | None = None
    use_gzip = True
    quiet = False
    gzip_cache = _GzipCache()

    def translate_path(self, path: str) -> str:
        # The base class drops "?query" and "#fragment"; we only add the /data/ mount.
        clean = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0])
        if self.data_dir is not None and clean.startswith(DATA_PREFIX):
            parts = [p for p in posixpath.normpath(clean[len(DATA_PREFIX) :]).split("/") if p]
            if any(p in (os.curdir, os.pardir) for p in parts):
                return os.path.join(self.data_dir, "__forbidden__")
            return os.path.join(self.data_dir, *parts)
        return super().translate_path(path)

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        ext = os.path.splitext(str(path))[1].lower()
        return MIME_TYPES.get(ext, MIME_TYPES[""])

    def send_head(self):
        path = self.translate_path(self.path)
        ext = os.path.splitext(path)[1].lower()
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.use_gzip and accepts and ext in COMPRESSIBLE and os.path.isfile(path)):
            return super().send_head()
        stat = os.stat(path)
        if stat.st_size < GZIP_MIN_BYTES:
            return super().send_head()
        body = self.gzip_cache.get(path, stat)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        # Tiles change on every export; let the browser revalidate rather than guess.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(
    directory: str | Path = DEFAULT_DIR,
    port: int = 0,
    *,
    data_dir: str | Path | None = None,
    use_gzip: bool = True,
    quiet: bool = False,
) -> ThreadingHTTPServer:
    directory = Path(directory)
    if not (directory / "index.html").is_file():
        raise FileNotFoundError(f"no index.html in {directory}: pass the site folder with --dir")
    if data_dir is not None and not Path(data_dir).is_dir():
        raise FileNotFoundError(
            f"no folder {data_dir}: export a map first "
            "(python -m exporters all --db CRAWL.sqlite --out DIR)"
        )
    attrs = {
        "data_dir": str(Path(data_dir).resolve()) if data_dir is not None else None,
        "use_gzip": use_gzip,
        "quiet": quiet,
    }
    handler_class = type("BoundSiteHandler", (SiteHandler,), attrs)
    handler = functools.partial(handler_class, directory=str(directory.resolve()))
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    name = host.decode() if isinstance(host, bytes) else host
    return f"http://{name}:{port}/"


class StaticServer:
    """The site server in a background thread: ``with StaticServer(dir) as s: s.url``."""

    def __init__(self, directory: str | Path = DEFAULT_DIR, port: int = 0, **options) -> None:
        self.server = make_server(directory, port, quiet=True, **options)
        self.url = server_url(self.server)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m exporters.serve", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the site folder")
    parser.add_argument("--data", type=Path, help="a tile directory to serve at /data/")
    parser.add_argument("--no-gzip", action="store_true", help="never compress responses")
    parser.add_argument("--quiet", action="store_true", help="no request log")
    args = parser.parse_args(argv)
    try:
        server = make_server(
            args.dir, args.port, data_dir=args.data, use_gzip=not args.no_gzip, quiet=args.quiet
        )
    except OSError as exc:
        print(f"error: {port_message(args.port, exc)}", file=sys.stderr)
        return 1
    serve_until_interrupted(server, f"serving {args.dir} at {server_url(server)}")
    return 0


def port_message(port: int, exc: OSError) -> str:
    """One line for a server that could not start: a taken port names ``SITE_PORT=``."""
    if exc.errno != errno.EADDRINUSE:
        return str(exc)
    return (
        f"port {port} on {HOST} is already in use: serve on another with "
        f"make serve SITE_PORT={port + 1} (python -m exporters.serve --port {port + 1}; "
        "0 picks a free one), or stop what listens there"
    )


def serve_until_interrupted(server: ThreadingHTTPServer, message: str) -> None:
    """Print ``message`` and serve until Ctrl-C, then close the server."""
    print(f"{message}  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
