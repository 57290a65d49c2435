"""Datasets-loader benchmark at full size: IMDb-shaped dataset files of IMDb's own row counts
loaded into a crawl database of the sandbox universe at 176,000 titles.

Run: ``python -m benchmarks.bench_datasets [--titles 176000] [--work DIR] [--scale 1.0]``.
It writes the crawl database (``sandbox.crawldb``, reused when present) and four gzip'd files,
seeded and streamed (~12 M ``title.basics`` rows, ~1.6 M ``title.ratings``, ~12 M
``title.crew``, ~14 M ``name.basics``; ``--scale`` shrinks them), with every IMDb id the crawl
knows among synthetic padding rows, then runs ``python -m imdb_spider.datasets`` on them and
reports its wall time and peak RSS (goals, issue #12: <= 2 min, <= 2 GB), the time to write
the files, and, with ``--pandas``, the time pandas' ``read_csv`` in chunks (typed columns,
filtered to the crawl's ids) takes over the same ``title.basics`` file, for comparison.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from imdb_spider.datasets import HEADERS
from imdb_spider.store import Store

ROOT = Path(__file__).resolve().parents[1]
FULL = {"title.basics": 12_000_000, "title.ratings": 1_600_000, "title.crew": 12_000_000}
FULL_NAMES = 14_000_000
BLOCK = 100_000
WORDS = ("the", "of", "a", "in", "love", "night", "man", "last", "day", "house", "dark",
         "city", "war", "girl", "blood", "dead", "life", "story", "world", "black", "time",
         "king", "lost", "secret", "summer", "home", "return", "part", "road", "heart")  # fmt: skip
TYPES = ("movie", "short", "tvEpisode", "tvSeries", "tvMovie", "video", "tvMiniSeries")
GENRES = ("Drama", "Comedy", "Documentary", "Action", "Romance", "Thriller", "Horror", "Short")


def _titles(rng: np.random.Generator, n: int) -> list[str]:
    # Python ints, not numpy scalars: formatting those is several times slower.
    picks = rng.integers(0, len(WORDS), size=(n, 3)).tolist()
    lengths = rng.integers(1, 4, size=n).tolist()
    return [
        " ".join(WORDS[w] for w in row[:k]).title() for row, k in zip(picks, lengths, strict=True)
    ]


def _interleave(n: int, wanted: list[str], pad: str) -> Iterator[tuple[int, list[str]]]:
    """Blocks of ids: ``n`` rows in all, the ``wanted`` ones spread evenly among padding ids
    (``pad`` + a 7-digit number, so never one of the crawl's ids)."""
    every = max(1, n // max(1, len(wanted)))
    w = 0
    for start in range(0, n, BLOCK):
        ids = []
        for i in range(start, min(n, start + BLOCK)):
            if i % every == 0 and w < len(wanted):
                ids.append(wanted[w])
                w += 1
            else:
                ids.append(f"{pad}{i:08d}")
        yield start, ids


def write_files(
    folder: Path, wanted: list[str], directors: list[str], scale: float, seed: int
) -> dict[str, float]:
    """The four files into ``folder``; returns seconds per file."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    counts = {kind: int(n * scale) for kind, n in FULL.items()}
    for kind in ("title.basics", "title.ratings", "title.crew", "name.basics"):
        start = time.perf_counter()
        path = folder / f"{kind}.tsv.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1, newline="") as out:
            out.write("\t".join(HEADERS[kind]) + "\n")
            if kind == "name.basics":
                total = int(FULL_NAMES * scale)
                for _, ids in _interleave(total, directors, "nm"):
                    names = _titles(rng, len(ids))
                    years = rng.integers(1900, 2005, size=len(ids)).tolist()
                    out.writelines(
                        f"{nm}\t{name}\t{y}\t\\N\tdirector,writer\t\\N\n"
                        for nm, name, y in zip(ids, names, years, strict=True)
                    )
            else:
                for _, ids in _interleave(counts[kind], wanted, "tt"):
                    out.writelines(_rows(kind, ids, rng, directors))
        seconds[kind] = time.perf_counter() - start
    return seconds


def _rows(kind: str, ids: list[str], rng: np.random.Generator, directors: list[str]):
    n = len(ids)
    if kind == "title.basics":
        titles = _titles(rng, n)
        types = rng.integers(0, len(TYPES), size=n).tolist()
        years = rng.integers(1890, 2027, size=n).tolist()
        runtimes = rng.integers(1, 240, size=n).tolist()
        genres = rng.integers(0, len(GENRES), size=(n, 2)).tolist()
        return (
            f"{tt}\t{TYPES[k]}\t{t}\t{t}\t0\t{y}\t\\N\t{r}\t{GENRES[g[0]]},{GENRES[g[1]]}\n"
            for tt, k, t, y, r, g in zip(ids, types, titles, years, runtimes, genres, strict=True)
        )
    if kind == "title.ratings":
        ratings = rng.integers(10, 100, size=n).tolist()
        votes = rng.integers(5, 3_000_000, size=n).tolist()
        return (f"{tt}\t{r / 10:.1f}\t{v}\n" for tt, r, v in zip(ids, ratings, votes, strict=True))
    picks = rng.integers(0, len(directors), size=n).tolist()
    pads = rng.integers(0, 10_000_000, size=n).tolist()
    # The crawl's titles get directors name.basics holds; padding rows someone else.
    return (
        f"{tt}\t{directors[p] if tt.startswith('tt9') else f'nm{q:07d}'}\t\\N\n"
        for tt, p, q in zip(ids, picks, pads, strict=True)
    )


def run_measured(command: list[str]) -> tuple[int, float, float, str]:
    """(exit status, wall seconds, peak RSS in MB, stdout) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, time.perf_counter() - start, usage.ru_maxrss / 1024, output


def pandas_basics(path: Path, wanted: set[str]) -> tuple[float, int]:
    """Seconds pandas takes to read ``title.basics`` in typed chunks filtered to ``wanted``."""
    import pandas as pd

    dtypes = {
        "tconst": "string",
        "titleType": "category",
        "primaryTitle": "string",
        "originalTitle": "string",
        "isAdult": "Int8",
        "startYear": "Int16",
        "endYear": "Int16",
        "runtimeMinutes": "Int32",
        "genres": "string",
    }
    start = time.perf_counter()
    kept = 0
    for chunk in pd.read_csv(
        path, sep="\t", dtype=dtypes, na_values="\\N", keep_default_na=False,
        quoting=csv.QUOTE_NONE, chunksize=1_000_000,
    ):  # fmt: skip
        kept += int(chunk["tconst"].isin(wanted).sum())
    return time.perf_counter() - start, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=176_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="share of full-size rows")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-datasets")
    parser.add_argument("--pandas", action="store_true", help="also time pandas on basics")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    reference = args.work / f"reference-{args.titles}-{args.seed}.sqlite"
    if not reference.exists():
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sandbox.crawldb", "--titles",
                        str(args.titles), "--seed", str(args.seed), "--db", str(reference)],
                       check=True, cwd=ROOT)  # fmt: skip
        print(f"crawl database: {time.perf_counter() - start:.0f} s")
    # Load into a fresh copy each run, so every run fills the same empty table.
    db = args.work / "load.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(reference.read_bytes())
    with Store(db, create=False) as store:
        targets = store.dataset_targets()
        directors = sorted(
            {nm for (nm,) in store.db.execute("SELECT name_id FROM title_directors") if nm}
        )
    wanted = sorted(targets)
    files = args.work / f"files-{args.scale:g}-{args.seed}"
    if not (files / "name.basics.tsv.gz").exists():
        seconds = write_files(files, wanted, directors, args.scale, args.seed)
        total = sum(seconds.values())
        print(
            f"files written in {total:.0f} s ("
            + ", ".join(f"{k} {s:.0f} s" for k, s in seconds.items())
            + f"), {sum(p.stat().st_size for p in files.iterdir()) / 1e6:,.0f} MB gzip'd"
        )
    print(f"crawl: {args.titles:,} titles, {len(wanted):,} IMDb ids known (edge targets too)")
    status, wall, rss, output = run_measured(
        [sys.executable, "-m", "imdb_spider.datasets", "--db", str(db), str(files),
         "--progress-interval", "15"]
    )  # fmt: skip
    print(output, end="")
    if status:
        raise SystemExit(f"the loader failed with status {status}")
    print(
        f"load: {wall:.1f} s wall, {rss:,.0f} MB peak RSS "
        f"(goals <= 120 s, <= 2048 MB): {'ok' if wall <= 120 and rss <= 2048 else 'MISSED'}"
    )
    if args.pandas:
        seconds, kept = pandas_basics(files / "title.basics.tsv.gz", set(wanted))
        print(f"pandas read_csv, title.basics only, chunks of 1M: {seconds:.1f} s ({kept:,} kept)")


if __name__ == "__main__":
    main()
