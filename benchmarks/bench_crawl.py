"""Crawl benchmark: the imdb spider against a realistic sandbox, next to a bare Scrapy spider.

Run: ``python -m benchmarks.bench_crawl [--pages 20000] [--titles 25000] [--no-bare]``.
Starts the sandbox in its own process (realistic ~1 MB pages, no delays), crawls ``--pages``
titles with ``scrapy crawl imdb -s IMDB_PROFILE=sandbox``, then fetches the same URLs with a
bare spider that parses and stores nothing. Reports pages/s, CPU ms per page of the spider
process (user + sys) and its peak RSS, for both, and the ratio. Goals (issue #3): <= 12 ms CPU
per page, <= 1.5x the bare spider, peak RSS flat in the number of titles (<= 500 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from devtools.demo import start_sandbox
from imdb_spider.store import Store

ROOT = Path(__file__).resolve().parents[1]


_MEASURE = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps([done.returncode, use.ru_utime + use.ru_stime, use.ru_maxrss / 1024]))\n"
)


def bench_settings(concurrency: int) -> list[str]:
    """The crawl settings every crawl benchmark compares under: the same concurrency, no
    delays, no robots.txt round trip, no local endpoints, quiet."""
    return [
        f"CONCURRENT_REQUESTS={concurrency}",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
        "LOG_LEVEL=WARNING",
        "ROBOTSTXT_OBEY=False",
        "DOWNLOAD_DELAY=0",
        "AUTOTHROTTLE_ENABLED=False",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
    ]


def run_measured(command: list[str], cwd: Path = ROOT) -> tuple[float, float, float]:
    """Run a command; return (wall s, CPU s, peak RSS MB) of that command alone.

    A wrapper process runs it, so the rusage of its children is the command's own."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], cwd=cwd, check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    status, cpu, rss = json.loads(out.stdout)
    if status != 0:
        raise SystemExit(f"benchmark command failed ({status}): {' '.join(command)}")
    return wall, cpu, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--titles", type=int, default=25000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-bare", action="store_true", help="skip the bare spider")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for the imdb crawl only (repeatable), to compare one change",
    )
    parser.add_argument(
        "--small-pages", action="store_true", help="pages of a few KB (a long crawl's scaling)"
    )
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        base_url = start_sandbox(
            stack, args.titles, args.seed, ["--small-pages"] if args.small_pages else []
        )
        db = Path(tmp) / "bench.sqlite"
        common = [part for setting in bench_settings(args.concurrency) for part in ("-s", setting)]
        with urllib.request.urlopen(f"{base_url}/__seeds?n=5") as answer:
            seeds = json.load(answer)
        crawl = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "imdb",
            "-a",
            f"seeds={','.join(seeds)}",
            "-a",
            f"max_titles={args.pages}",
            "-a",
            "follow_types=",
            "-s",
            f"IMDB_BASE_URL={base_url}",
            "-s",
            f"IMDB_DB_PATH={db}",
            "-s",
            "IMDB_PROFILE=sandbox",
            *common,
            *(part for setting in args.set for part in ("-s", setting)),
        ]
        wall, cpu, rss = run_measured(crawl)
        with Store(db, create=False) as store:
            ids = [row["id"] for row in store.titles()]
        n = len(ids)
        print(
            f"pages: {n} fetched ({n} titles stored), sandbox {args.titles} titles, "
            f"concurrency {args.concurrency}, load {os.getloadavg()[0]:.2f}"
        )
        print(f"{'spider':8} {'wall s':>8} {'pages/s':>8} {'CPU ms/page':>12} {'peak RSS MB':>12}")
        print(f"{'imdb':8} {wall:8.1f} {n / wall:8.1f} {cpu / n * 1000:12.2f} {rss:12.0f}")
        if args.no_bare:
            return
        urls = Path(tmp) / "urls.txt"
        urls.write_text("\n".join(f"{base_url}/title/{tt}/" for tt in ids))
        bare = [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(ROOT / "benchmarks" / "bare_spider.py"),
            "-a",
            f"urls_file={urls}",
            *common,
        ]
        # Outside the project folder: Scrapy's defaults, none of our settings or middlewares.
        bwall, bcpu, brss = run_measured(bare, cwd=Path(tmp))
    print(f"{'bare':8} {bwall:8.1f} {n / bwall:8.1f} {bcpu / n * 1000:12.2f} {brss:12.0f}")
    print(f"CPU ratio imdb/bare: {cpu / bcpu:.2f}")


if __name__ == "__main__":
    main()
