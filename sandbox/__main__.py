"""``python -m sandbox``: serve a sandbox IMDb until SIGINT/SIGTERM.

Prints one line, the base URL (``http://127.0.0.1:PORT``), on stdout once it accepts
connections, so a parent process can read it; logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable

from . import datasets, render, tmdb
from .faults import FAULT_KINDS, IMDB_FAULT_KINDS, TMDB_FAULT_KINDS, Faults, parse_id_list
from .server import SandboxServer
from .universe import MAX_TITLES, build_universe

logger = logging.getLogger("sandbox")

_FAULT_HELP = {
    "reset": "abort the TCP connection (RST) without a response",
    "status403": "HTTP 403",
    "status429": "HTTP 429 with Retry-After",
    "status503": "HTTP 503 with Retry-After",
    "waf": "HTTP 202 JavaScript challenge page (AWS-WAF style), no title data",
    "captcha": "HTTP 200 'Enter the characters you see below' robot check",
    "consent": "HTTP 200 cookie-consent interstitial",
    "truncate": "full Content-Length, part of the body, then close",
    "unknown_layout": "a page about the title in a layout the parser has not seen",
    "empty_mlt": "the Next.js page with moreLikeThisTitles.edges: []",
    "slow": "the normal page after --slow-seconds",
    "status401": "HTTP 401 TMDb 'Invalid API key' for a valid key",
    "badjson": "HTTP 200 with a JSON body cut in half (not valid JSON)",
}


def _side(kind: str) -> str:
    imdb, api = kind in IMDB_FAULT_KINDS, kind in TMDB_FAULT_KINDS
    return "IMDb pages and TMDb API" if imdb and api else "IMDb pages" if imdb else "TMDb API"


def _count(what: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}: expecting an integer {low}..{high}"
            )
        return value

    return parse


def _key(text: str) -> str:
    if not text or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"invalid TMDb key {text!r}: expecting a non-empty word")
    return text


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid rate {text!r}: expecting a number 0..1"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"invalid rate {text!r}: expecting a number 0..1")
    return value


def _titles(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_TITLES:
        raise argparse.ArgumentTypeError(f"invalid titles {text!r}: expecting 1..{MAX_TITLES}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r}: expecting 0..65535 (0 = any free port)"
        )
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid seconds {text!r}: expecting a number >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Serve a sandbox IMDb (title pages with 'More like this' recommendations "
        "in IMDb's real page structures) on 127.0.0.1, with reproducible fault injection.",
        epilog="Faults: each --fault-KIND takes a probability per request (decided "
        "from seed, kind, path and fetch count, so runs are reproducible); each "
        "--fault-KIND-ids takes comma-separated ids faulted on every fetch: tt ids (IMDb "
        "pages, and TMDb's /3/find of that id) or tmdb:N (TMDb's /3/movie/N...). Each side "
        "uses the kinds that make sense for it; when several fire, the first in this order "
        f"wins: {', '.join(FAULT_KINDS)}. Also served: TMDb's API v3 under /3/ "
        "(movie/{id}?append_to_response=..., movie/{id}/recommendations?page=N, "
        "find/{tt}?external_source=imdb_id), its id export at "
        "/p/exports/movie_ids_MM_DD_YYYY.json.gz and IMDb's dataset files at "
        f"/datasets/{{{','.join(datasets.DATASET_FILES)}}}. Control endpoints: "
        "GET /__stats[?reset=1], POST /__reset, GET /__seeds?n=K, GET|POST /__faults.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument(
        "--port", type=_port, default=8000, help="port; 0 picks a free one (default: %(default)s)"
    )
    p.add_argument(
        "--titles",
        type=_titles,
        default=None,
        help="number of titles (default: the 58,788 real ones; fewer takes the most "
        "voted, more adds synthetic titles)",
    )
    p.add_argument(
        "--seed", type=int, default=1, help="universe and fault seed (default: %(default)s)"
    )
    p.add_argument(
        "--layout",
        choices=render.LAYOUT_CHOICES,
        default="nextjs",
        help="page layout (default: %(default)s; mixed picks one per title)",
    )
    p.add_argument(
        "--small-pages",
        action="store_true",
        help="pages of a few KB (same structure, no padding) instead of realistic ~1 MB",
    )
    p.add_argument(
        "--slow-seconds",
        type=_seconds,
        default=2.0,
        help="delay of the 'slow' fault (default: %(default)s)",
    )
    p.add_argument(
        "--tmdb-key",
        type=_key,
        default=tmdb.DEFAULT_KEY,
        help="the TMDb API key (api_key=KEY or Authorization: Bearer KEY) the /3/ API accepts "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--tmdb-rate",
        type=_count("TMDb rate", 0, 1_000_000),
        default=tmdb.DEFAULT_RATE,
        metavar="R",
        help="TMDb requests per sliding second before HTTP 429 with Retry-After: "
        f"{tmdb.RETRY_AFTER} (default: %(default)s; 0 = no limit)",
    )
    p.add_argument(
        "--dataset-rows",
        type=_count("dataset rows", 1, datasets.MAX_ROWS),
        default=None,
        metavar="N",
        help="pad IMDb's dataset files with seeded rows for ids outside the universe: "
        "title.basics and title.crew to ~N rows, title.ratings N*1.6/12, name.basics "
        "N*14/12 (IMDb's proportions; full size is ~12000000); made once per run into a "
        "temporary file on first request",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every start/stop detail")
    group = p.add_argument_group("faults")
    for kind in FAULT_KINDS:
        flag = kind.replace("_", "-")
        group.add_argument(
            f"--fault-{flag}",
            dest=f"rate_{kind}",
            type=_rate,
            default=0.0,
            metavar="RATE",
            help=f"{_FAULT_HELP[kind]} ({_side(kind)}; probability 0..1)",
        )
        group.add_argument(
            f"--fault-{flag}-ids",
            dest=f"ids_{kind}",
            type=parse_id_list,
            default=None,
            metavar="IDS",
            help="comma-separated ids (tt... or tmdb:N)",
        )
    return p


async def _serve(args: argparse.Namespace, faults: Faults) -> None:
    universe = build_universe(args.titles, args.seed)
    server = SandboxServer(
        universe,
        layout=args.layout,
        small_pages=args.small_pages,
        faults=faults,
        seed=args.seed,
        tmdb_key=args.tmdb_key,
        tmdb_rate=args.tmdb_rate,
        dataset_rows=args.dataset_rows,
    )
    await server.start(args.host, args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(server.base_url, flush=True)
    await stop.wait()
    logger.info("stopping: %s", server.snapshot(detail=False))
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        faults = Faults(
            rates={k: getattr(args, f"rate_{k}") for k in FAULT_KINDS},
            ids={k: frozenset(getattr(args, f"ids_{k}") or ()) for k in FAULT_KINDS},
            slow_seconds=args.slow_seconds,
        )
    except ValueError as exc:
        parser.error(str(exc))
    try:
        asyncio.run(_serve(args, faults))
    except OSError as exc:  # e.g. the port is taken
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
