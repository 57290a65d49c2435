"""``python -m sandbox.files --out DIR``: write a sandbox universe's IMDb dataset files and
TMDb's id export into a directory, as the sandbox serves them (for the datasets loader's
benchmark, which reads local files like a user who downloaded IMDb's).

Its own module because ``sandbox.datasets`` is imported with the package (``runpy`` warns
when ``-m`` runs a module that is already imported).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from . import datasets
from .universe import build_universe


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sandbox.files",
        description="Write a sandbox universe's IMDb dataset files (and TMDb's id export) "
        "into a directory, as the sandbox serves them under /datasets/ and /p/exports/.",
    )
    p.add_argument("--out", type=Path, required=True, help="directory to write into")
    p.add_argument("--titles", type=int, default=None, help="universe size (default: real)")
    p.add_argument("--seed", type=int, default=1, help="universe seed (default: %(default)s)")
    p.add_argument("--rows", type=int, default=None, help="pad title.basics to ~N rows")
    p.add_argument("--level", type=int, default=1, help="gzip level (default: %(default)s)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    universe = build_universe(args.titles, args.seed)
    try:
        datasets.pad_counts(universe, args.rows)
    except ValueError as exc:
        p.error(str(exc))
    args.out.mkdir(parents=True, exist_ok=True)
    for name in datasets.DATASET_FILES:
        t0 = time.perf_counter()
        datasets.write_dataset(universe, name, args.out / name, args.rows, args.level)
        print(f"{name}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    datasets.write_export(universe, args.out / "movie_ids_01_01_2026.json.gz", args.level)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
