"""PostgreSQL benchmark (issue #15): crawl throughput with 1, 2 and 4 workers on PostgreSQL
next to one on SQLite, and the export's database read from PostgreSQL next to SQLite.

Run: ``python -m benchmarks.bench_postgres [--titles 3000] [--export-titles 176000]``.

Crawl: a sandbox of ``--titles`` titles (small pages, in this process) is crawled to the end by
``scrapy crawl imdb -s IMDB_PROFILE=sandbox`` processes, each with ``--concurrency`` requests in
flight; a throwaway PostgreSQL server (``devtools/postgres.py``: fsync off) holds the crawl. On
a 2-core machine the point is not a linear speed-up but the overhead per page and the absence
of contention: reported are pages/s, each worker's CPU per page (user + sys of its process),
the server's CPU per page (its backends), the claim latency (mean and worst, from the workers'
own stats) and the pages fetched twice (none expected).

Export: a crawl database of ``--export-titles`` sandbox titles (``sandbox.crawldb``, kept in
``--work``) is copied into PostgreSQL (``python -m imdb_spider.store copy``, timed), then the
exporters' database read (``exporters.graph.load_graph``: every title and edge) runs from each,
in its own process: wall, CPU, peak RSS. ``--full-export`` also runs ``python -m exporters all``
from each (minutes at 176,000 titles).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.postgres import PostgresServer
from sandbox import Sandbox, build_universe

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4))
_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """CPU seconds of a process and its reaped children (PostgreSQL's backends)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / _TICKS


def crawl_command(base_url: str, db: str, seeds: list[str], summary: Path, concurrency: int):
    return [
        sys.executable, "-m", "scrapy", "crawl", "imdb",
        "-a", f"seeds={','.join(seeds)}", "-a", "follow_types=",
        "-s", f"IMDB_DB_PATH={db}", "-s", f"IMDB_BASE_URL={base_url}",
        "-s", "IMDB_PROFILE=sandbox", "-s", f"IMDB_SUMMARY_PATH={summary}",
        "-s", f"CONCURRENT_REQUESTS={concurrency}",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip


def crawl(sandbox: Sandbox, db: str, workers: int, concurrency: int, work: Path) -> dict:
    """``workers`` crawl processes to the end of the sandbox; their measures."""
    seeds = sandbox.seeds(3)
    sandbox.reset_stats()
    summaries = [work / f"summary-{i}.json" for i in range(workers)]
    start = time.perf_counter()
    processes = [
        subprocess.Popen(
            crawl_command(sandbox.base_url, db, seeds, summary, concurrency),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for summary in summaries
    ]
    cpu = []
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"a crawl worker failed ({process.returncode}) on {db}")
        cpu.append(usage.ru_utime + usage.ru_stime)
    wall = time.perf_counter() - start
    served = sandbox.stats()
    stats = [json.loads(path.read_text())["stats"] for path in summaries]
    pages = [s.get("imdb/titles_stored", 0) for s in stats]
    queries = sum(s.get("imdb/claim_queries", 0) for s in stats)
    return {
        "wall": wall,
        "pages": sum(pages),
        "per_worker": list(zip(pages, cpu, strict=True)),
        "cpu": sum(cpu),
        "refetched": served["title_fetches"] - served["titles_fetched"],
        "claim_mean": sum(s.get("imdb/claim_seconds", 0) for s in stats) / queries
        if queries
        else None,
        "claim_max": max((s.get("imdb/claim_seconds_max", 0) for s in stats), default=0),
        "claim_queries": queries,
    }


def bench_crawl(args: argparse.Namespace, server: PostgresServer) -> None:
    universe = build_universe(args.titles, seed=args.seed)
    print(f"crawl: sandbox of {args.titles:,} titles (seed {args.seed}), small pages, "
          f"{args.concurrency} requests in flight per worker; load average "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"{'engine':<11}{'workers':>8}{'pages':>7}{'wall s':>8}{'pages/s':>9}"
          f"{'CPU ms/page':>12}{'server ms/page':>15}{'claim ms (mean/max)':>21}"
          f"{'fetched twice':>14}")  # fmt: skip
    with Sandbox(universe, small_pages=True, seed=args.seed) as sandbox:
        for engine, workers in CONFIGS:
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                db = str(work / "crawl.sqlite") if engine == "sqlite" else server.new_database()
                before = proc_cpu(server.pid)
                row = crawl(sandbox, db, workers, args.concurrency, work)
                server_cpu = proc_cpu(server.pid) - before if engine != "sqlite" else 0.0
            claim = (
                f"{row['claim_mean'] * 1000:.2f} / {row['claim_max'] * 1000:.1f}"
                if row["claim_mean"] is not None
                else "-"
            )
            print(f"{engine:<11}{workers:>8}{row['pages']:>7}{row['wall']:>8.1f}"
                  f"{row['pages'] / row['wall']:>9.1f}{row['cpu'] * 1000 / row['pages']:>12.2f}"
                  f"{server_cpu * 1000 / row['pages']:>15.2f}{claim:>21}"
                  f"{row['refetched']:>14}")  # fmt: skip
            shares = ", ".join(
                f"{pages} pages {cpu * 1000 / max(pages, 1):.2f} ms/page"
                for pages, cpu in row["per_worker"]
            )
            print(f"{'':<11}per worker: {shares}; {row['claim_queries']} claim queries")


_LOAD = (
    "import json, resource, sys, time\n"
    "from exporters.graph import load_graph\n"
    "start = time.perf_counter()\n"
    "graph = load_graph(sys.argv[1])\n"
    "wall = time.perf_counter() - start\n"
    "use = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print(json.dumps([wall, use.ru_utime + use.ru_stime, use.ru_maxrss / 1024,"
    " graph.node_count, graph.edge_count]))\n"
)


def _timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command[:4])}…\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, done.stdout


def bench_export(args: argparse.Namespace, server: PostgresServer) -> None:
    args.work.mkdir(parents=True, exist_ok=True)
    reference = args.work / f"reference-{args.export_titles}-{args.seed}.sqlite"
    if not reference.exists():
        _timed([sys.executable, "-m", "sandbox.crawldb", "--titles", str(args.export_titles),
                "--seed", str(args.seed), "--db", str(reference)])  # fmt: skip
    url = server.new_database()
    copy_wall, counts = _timed([sys.executable, "-m", "imdb_spider.store", "copy",
                                str(reference), url])  # fmt: skip
    rows = json.loads(counts)
    total = sum(rows.values())
    print(f"\nexport: {rows['titles']:,} titles, {rows['edges']:,} edges; copy SQLite -> "
          f"PostgreSQL {copy_wall:.1f} s ({total:,} rows, counts checked)")  # fmt: skip
    print(f"{'read from':<11}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}{'server CPU s':>14}")
    for name, db in (("sqlite", str(reference)), ("postgresql", url)):
        before = proc_cpu(server.pid)
        _, out = _timed([sys.executable, "-c", _LOAD, db])
        wall, cpu, rss, nodes, edges = json.loads(out)
        server_cpu = proc_cpu(server.pid) - before
        print(f"{name:<11}{wall:>8.1f}{cpu:>8.1f}{rss:>13.0f}{server_cpu:>14.1f}"
              f"   ({nodes:,} nodes, {edges:,} edges)")  # fmt: skip
    if args.full_export:
        for name, db in (("sqlite", str(reference)), ("postgresql", url)):
            wall, _ = _timed([sys.executable, "-m", "exporters", "all", "--db", db,
                              "--out", str(args.work / f"data-{name}"), "--graph-dir",
                              str(args.work / f"graph-{name}"), "--force"])  # fmt: skip
            print(f"whole export from {name}: {wall:.1f} s wall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=3000, help="sandbox titles to crawl")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--export-titles", type=int, default=176_000)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-postgres")
    parser.add_argument("--no-crawl", action="store_true", help="only the export part")
    parser.add_argument("--no-export", action="store_true", help="only the crawl part")
    parser.add_argument("--full-export", action="store_true", help="also exporters all")
    args = parser.parse_args()
    with PostgresServer.started() as server:
        if not args.no_crawl:
            bench_crawl(args, server)
        if not args.no_export:
            bench_export(args, server)


if __name__ == "__main__":
    main()
