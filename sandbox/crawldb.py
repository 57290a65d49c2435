"""Write a sandbox universe straight into a crawl database, as if it had been crawled.

For the exporter's tests and its reference-scale benchmark (176,000 titles, ~1.9 M edges)
without spending the time of a crawl:

    python -m sandbox.crawldb --titles 176000 --seed 1 --db crawls/reference.sqlite

Every title becomes a stored page (``page_generation`` "sandbox") with its recommendations;
the frontier marks them all done.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from imdb_spider.pages import MLT_EMPTY, MLT_LISTED, TitleRecord
from imdb_spider.store import Store

from .universe import Universe, build_universe


def records(universe: Universe, limit: int | None = None) -> Iterator[TitleRecord]:
    count = len(universe) if limit is None else min(limit, len(universe))
    for i in range(count):
        t = universe.record(i)
        recs = list(t.recommendations)
        yield TitleRecord(
            id=t.id,
            title=t.title,
            page_generation="sandbox",
            original_title=t.original_title,
            year=t.year,
            end_year=t.end_year,
            rating=t.rating,
            votes=t.votes,
            title_type=t.title_type,
            runtime_minutes=t.runtime_minutes,
            genres=list(t.genres),
            directors=[name for _, name in t.directors],
            director_ids=[nm for nm, _ in t.directors],
            countries=list(t.countries),
            plot=t.plot,
            recommendations=recs,
            recommendation_types=[None] * len(recs),
            recommendations_state=MLT_LISTED if recs else MLT_EMPTY,
        )


def write_crawl_db(universe: Universe, path: str | Path, limit: int | None = None) -> int:
    """Store the universe's titles (the first ``limit`` of them) in a crawl database."""
    with Store(path) as store:
        return store.save_pages(records(universe, limit))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.crawldb",
        description="Write a sandbox universe into a crawl database without crawling it.",
    )
    parser.add_argument("--db", type=Path, required=True, help="the crawl database to write")
    parser.add_argument("--titles", type=int, default=None, help="universe size (default: real)")
    parser.add_argument("--seed", type=int, default=1, help="universe seed (default 1)")
    args = parser.parse_args(argv)
    if args.db.exists():
        print(f"error: {args.db} exists; choose a new path", file=sys.stderr)
        return 1
    start = time.perf_counter()
    universe = build_universe(args.titles, seed=args.seed)
    built = time.perf_counter()
    count = write_crawl_db(universe, args.db)
    print(
        f"{count:,} titles written to {args.db} "
        f"(universe {built - start:.1f} s, database {time.perf_counter() - built:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
