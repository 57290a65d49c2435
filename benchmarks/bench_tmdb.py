"""TMDb crawl benchmark: ``scrapy crawl tmdb`` against the sandbox's API, next to a bare spider.

Run: ``python -m benchmarks.bench_tmdb [--titles 25000] [--pages 5000] [--rate 40]
[--polite-pages 600] [--fast-rps 35] [--no-bare] [--no-polite | --no-throughput]``.

1. Throughput: a sandbox of ``--titles`` titles without a rate limit; ``scrapy crawl tmdb``
   fetches ``--pages`` titles into a fresh SQLite database with ``-s IMDB_PROFILE=sandbox -s
   TMDB_MAX_RPS=1000`` (its own rate cap out of the way), then a bare Scrapy spider
   (``bare_spider.BareTmdbSpider``) makes the same calls breadth-first from the same seeds and
   stores nothing, first with Scrapy's defaults, then "lean" (cookies and meta-refresh off,
   as our settings have them). Reports wall, requests/s, titles/s, CPU ms per title of the
   spider process (user + sys), its peak RSS, and the CPU ratios (goal <= 1.3x); checks the
   crawls fetched the same number of titles.
2. Politeness: a sandbox limited to ``--rate`` requests a second (TMDb's soft limit is about
   40); ``scrapy crawl tmdb`` with its defaults (``TMDB_MAX_RPS`` 20, AutoThrottle) fetches
   ``--polite-pages`` titles (achieved rate should sit just under 20/s), then again with
   ``-s TMDB_MAX_RPS=--fast-rps`` (goal >= 30 titles/s sustained), and once more with
   ``-s DOWNLOAD_DELAY_JITTER=0`` (Scrapy redraws the jittered delay whenever the slot looks
   at its queue, so the average gap is ~1.22x the delay). Reports 429s as the sandbox counted
   them and as the spider did.

"Sustained" rates come from the sandbox's counters, sampled while the crawl runs: requests
between the 10th and 90th percentile of the crawl's requests over the time that took (start-up
and the tail of the crawl left out). Writes nothing but to stdout (``make bench`` tees it into
``bench-results/``); the databases live in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.bench_crawl import bench_settings, run_measured
from devtools.demo import start_sandbox
from imdb_spider.store import Store

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-tmdb-key"  # the sandbox's key for this run; not a secret
SAMPLE_SECONDS = 0.2
# What imdb_spider/settings.py switches off for its per-response cost (bare spider, 2nd run).
LEAN = ("COOKIES_ENABLED=False", "METAREFRESH_ENABLED=False")


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.load(answer)


def _reset(base_url: str) -> None:
    request = urllib.request.Request(f"{base_url}/__reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


def tmdb_seeds(base_url: str, n: int) -> list[str]:
    """``n`` well-connected sandbox titles as ``tmdb:ID`` (looked up with TMDb's ``find``, so
    neither spider spends a request on it), then the sandbox's counters zeroed."""
    seeds = []
    for tt in _get(f"{base_url}/__seeds?n={n * 2}"):
        found = _get(f"{base_url}/3/find/{tt}?external_source=imdb_id&api_key={KEY}")
        if found["movie_results"]:
            seeds.append(f"tmdb:{found['movie_results'][0]['id']}")
        if len(seeds) == n:
            break
    if not seeds:
        raise SystemExit("the sandbox's TMDb knows none of its seed titles")
    _reset(base_url)
    return seeds


class Sampler:
    """Polls the sandbox's ``/__stats`` in a thread while a crawl runs: (time, requests,
    movies fetched) rows, for the sustained rate."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/__stats?detail=0"
        self.rows: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            doc = _get(self.url)
            self.rows.append((time.monotonic(), doc["tmdb_requests"], doc["tmdb_movies_fetched"]))

    def sustained(self, column: int) -> float:
        """Per second, between the samples where ``column`` passed 10% and 90% of its last
        value; 0 when the crawl was too short to tell."""
        if not self.rows:
            return 0.0
        last = self.rows[-1][column]
        low = next((r for r in self.rows if r[column] >= 0.1 * last), None)
        high = next((r for r in self.rows if r[column] >= 0.9 * last), None)
        if low is None or high is None or high[0] - low[0] < 1.0:
            return 0.0
        return (high[column] - low[column]) / (high[0] - low[0])


@dataclass
class Run:
    label: str
    wall: float
    cpu: float
    rss: float
    served: dict[str, Any]
    sustained_rps: float
    sustained_tps: float
    spider_429: int | None = None

    @property
    def titles(self) -> int:
        return int(self.served["tmdb_movies_fetched"])

    @property
    def requests(self) -> int:
        return int(self.served["tmdb_requests"])

    def row(self) -> str:
        n = max(self.titles, 1)
        return (
            f"{self.label:16} {self.titles:7d} {self.wall:7.1f} {self.requests / self.wall:8.1f} "
            f"{self.sustained_rps:8.1f} {self.sustained_tps:8.1f} {self.cpu / n * 1000:9.2f} "
            f"{self.rss:8.0f} {self.served['tmdb_rate_limited']:6d}"
            + (f" {self.spider_429:6d}" if self.spider_429 is not None else f" {'-':>6}")
        )


HEADER = (
    f"{'run':16} {'titles':>7} {'wall s':>7} {'req/s':>8} {'sust r/s':>8} {'sust t/s':>8} "
    f"{'CPU ms/t':>9} {'RSS MB':>8} {'429s':>6} {'seen':>6}"
)


def measure(
    label: str, command: list[str], base_url: str, cwd: Path, summary: Path | None = None
) -> Run:
    with Sampler(base_url) as sampler:
        wall, cpu, rss = run_measured(command, cwd=cwd)
    served = _get(f"{base_url}/__stats?detail=1")
    _reset(base_url)
    spider_429 = None
    if summary is not None:
        stats = json.loads(summary.read_text())["stats"]
        spider_429 = int(stats.get("tmdb/429", 0))
    return Run(
        label, wall, cpu, rss, served, sampler.sustained(1), sampler.sustained(2), spider_429
    )


def crawl_command(api_url: str, db: Path, seeds: list[str], pages: int, *settings: str) -> list:
    command = [
        sys.executable, "-m", "scrapy", "crawl", "tmdb",
        "-a", f"seeds={','.join(seeds)}", "-a", f"max_titles={pages}",
        "-s", f"TMDB_API_URL={api_url}", "-s", f"IMDB_DB_PATH={db}",
        "-s", f"IMDB_SUMMARY_PATH={db.with_suffix('.json')}",
    ]  # fmt: skip
    for setting in settings:
        command += ["-s", setting]
    return command


def stored_titles(db: Path) -> int:
    with Store(db, create=False) as store:
        return int(store.summary()["titles"])


def throughput(args: argparse.Namespace, tmp: Path) -> None:
    with ExitStack() as stack:
        base_url = start_sandbox(
            stack, args.titles, args.seed, ["--small-pages", "--tmdb-rate", "0", "--tmdb-key", KEY]
        )
        api_url = f"{base_url}/3"
        seeds = tmdb_seeds(base_url, args.seeds)
        common = bench_settings(args.concurrency)
        db = tmp / "throughput.sqlite"
        spider = crawl_command(
            api_url, db, seeds, args.pages, "IMDB_PROFILE=sandbox", "TMDB_MAX_RPS=1000", *common
        )
        ours = measure("tmdb", spider, base_url, ROOT, db.with_suffix(".json"))
        print(
            f"throughput: {ours.titles} titles fetched ({stored_titles(db)} stored), "
            f"{len(seeds)} seeds, sandbox {args.titles} titles without a rate "
            f"limit, concurrency {args.concurrency}, load {os.getloadavg()[0]:.2f}"
        )
        print(HEADER)
        print(ours.row())
        if args.no_bare:
            return
        bare = [
            sys.executable, str(ROOT / "benchmarks" / "bare_spider.py"), "tmdb",
            "--api-url", api_url, "--seeds", ",".join(seeds), "--max-titles", str(args.pages),
        ]  # fmt: skip
        bares = []
        # Outside the project folder: Scrapy's defaults, none of our settings or middlewares;
        # then with the two per-response switches our settings.py turns off as well, so the
        # ratio is not flattered by Scrapy's cookie and meta-refresh work.
        for label, extra in (("bare", []), ("bare, lean", LEAN)):
            command = bare + [part for s in (*common, *extra) for part in ("-s", s)]
            bares.append(measure(label, command, base_url, tmp))
            print(bares[-1].row())
    for theirs in bares:
        same = set(ours.served["tmdb_fetches"]) & set(theirs.served["tmdb_fetches"])
        ratio = (ours.cpu / max(ours.titles, 1)) / (theirs.cpu / max(theirs.titles, 1))
        print(
            f"{theirs.label}: same number of titles: "
            f"{'yes' if ours.titles == theirs.titles else 'NO'} ({ours.titles} and "
            f"{theirs.titles}; {len(same)} movies in common); CPU per title ratio "
            f"tmdb/{theirs.label}: {ratio:.2f} (goal <= 1.3)"
        )
    if any(ours.titles != theirs.titles for theirs in bares):
        raise SystemExit("the crawls fetched different numbers of titles")


def politeness(args: argparse.Namespace, tmp: Path) -> None:
    with ExitStack() as stack:
        base_url = start_sandbox(
            stack,
            args.titles,
            args.seed,
            ["--small-pages", "--tmdb-rate", str(args.rate), "--tmdb-key", KEY],
        )
        api_url = f"{base_url}/3"
        seeds = tmdb_seeds(base_url, args.seeds)
        quiet = ["LOG_LEVEL=WARNING", "IMDB_PROGRESS_INTERVAL=0"]
        runs = []
        for label, extra in (
            ("default (20/s)", []),
            (f"MAX_RPS={args.fast_rps:g}", [f"TMDB_MAX_RPS={args.fast_rps:g}"]),
            # Scrapy draws a new jittered delay each time its slot looks at the queue, so a
            # slot waits ~1.22x DOWNLOAD_DELAY on average: without jitter the cap is the rate.
            (
                f"MAX_RPS={args.fast_rps:g} jit 0",
                [f"TMDB_MAX_RPS={args.fast_rps:g}", "DOWNLOAD_DELAY_JITTER=0"],
            ),
        ):
            db = tmp / f"polite-{len(runs)}.sqlite"
            command = crawl_command(api_url, db, seeds, args.polite_pages, *quiet, *extra)
            runs.append(measure(label, command, base_url, ROOT, db.with_suffix(".json")))
    print(
        f"\npoliteness: sandbox limit {args.rate} requests/s (429 + Retry-After), "
        f"{args.polite_pages} titles, default settings (AutoThrottle on), "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(HEADER)
    for run in runs:
        print(run.row())
    print(
        "(req/s over the whole process, start-up included; sust: between 10% and 90% of the "
        "crawl; 429s: counted by the sandbox, and seen by the spider)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=25000, help="sandbox universe size")
    parser.add_argument("--pages", type=int, default=5000, help="titles the throughput run fetches")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=5, help="seed titles of every crawl")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=int, default=40, help="the sandbox's limit, requests/s")
    parser.add_argument("--polite-pages", type=int, default=600)
    parser.add_argument("--fast-rps", type=float, default=35.0)
    parser.add_argument("--no-bare", action="store_true", help="skip the bare spider")
    parser.add_argument("--no-polite", action="store_true", help="skip the politeness runs")
    parser.add_argument("--no-throughput", action="store_true", help="only the politeness runs")
    args = parser.parse_args()
    for name in ("titles", "pages", "seeds", "concurrency", "rate", "polite_pages"):
        if getattr(args, name) < 1:
            parser.error(f"invalid --{name.replace('_', '-')}: expecting a positive number")
    if args.fast_rps <= 0:
        parser.error("invalid --fast-rps: expecting a positive number")
    # The sandbox's key, for both spiders (the real one reads it from the environment too).
    os.environ["TMDB_API_KEY"] = KEY
    os.environ.pop("TMDB_ACCESS_TOKEN", None)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_throughput:
            throughput(args, Path(tmp))
        if not args.no_polite:
            politeness(args, Path(tmp))


if __name__ == "__main__":
    main()
