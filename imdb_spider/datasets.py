"""Fill a crawl database's metadata from IMDb's dataset files: ``python -m imdb_spider.datasets``.

IMDb publishes daily, for non-commercial use, gzip'd TSV files (``\\N`` for null, no quoting):
``title.basics`` (type, titles, years, runtime, genres), ``title.ratings`` (rating, votes),
``title.crew`` (directors' and writers' nm ids) and ``name.basics`` (people's names). None holds
recommendations, but they give every title a crawl knows — fetched from IMDb or TMDb, or only
recommended — IMDb's own metadata while IMDb's pages stand behind a WAF.

    python -m imdb_spider.datasets --db crawls/imdb.sqlite ~/imdb-datasets/

The files are streamed in large binary blocks: a row's id is compared with the ids the crawl
knows before anything else is done with it, so only those rows are decoded and checked (the
files hold 12-14 M rows; a crawl a few hundred thousand ids). That is faster than pandas'
``read_csv`` in chunks, which parses every column of every row before it can filter (measured
in ``benchmarks/bench_datasets.py``). Memory is bounded by the crawl's ids, not the files.
``title.crew`` is read before ``name.basics`` so that only the names of the wanted directors
are kept.

Everything is read and checked first, then written in one transaction for the whole load: a
wrong file anywhere leaves the database exactly as it was, and the values of the four files
(a title's rating next to its year) always come from the same load. Values go to the
``dataset_titles`` table, apart from what the pages said, so ``Store.title_record`` can say
where each value came from.
"""

from __future__ import annotations

import argparse
import gzip
import io
import logging
import math
import re
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .store import Store, StoreError, database_arg, describe

#: The header of each file this loader reads, as IMDb writes it.
HEADERS: dict[str, tuple[str, ...]] = {
    "title.basics": (
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "endYear",
        "runtimeMinutes",
        "genres",
    ),
    "title.ratings": ("tconst", "averageRating", "numVotes"),
    "title.crew": ("tconst", "directors", "writers"),
    "name.basics": (
        "nconst",
        "primaryName",
        "birthYear",
        "deathYear",
        "primaryProfession",
        "knownForTitles",
    ),
}
#: IMDb's other dataset files: recognised in a directory and left alone (basics already has
#: the original title; nothing else of theirs is shown).
UNUSED = ("title.akas", "title.principals", "title.episode")
# The order files are read in: crew before names, whose wanted ids it collects.
ORDER = ("title.basics", "title.ratings", "title.crew", "name.basics")
NULL = b"\\N"
#: The dataset_titles columns title.basics fills, in the order ``_basics`` returns them.
BASICS_COLUMNS = (
    "title",
    "original_title",
    "title_type",
    "year",
    "end_year",
    "runtime_minutes",
    "genres",
)
BLOCK = 1 << 22  # bytes read at a time: big enough that the per-block cost vanishes
SHOWN_BAD_ROWS = 5

_KINDS = "|".join(re.escape(kind) for kind in (*ORDER, *UNUSED))
_NAME = re.compile(rf"(?:^|.*[^a-z])({_KINDS})[^/]*\.tsv(?:\.gz)?")


class DatasetError(Exception):
    """A file this loader cannot use: wrong kind, wrong header, unreadable or truncated."""


class BadRow(ValueError):
    """One row that breaks the file's format; counted and skipped."""


@dataclass
class FileReport:
    kind: str
    path: Path
    rows: int = 0
    matched: int = 0
    bad: int = 0
    seconds: float = 0.0


@dataclass
class Load:
    """What one load read: values by surviving title id, and what went wrong on the way."""

    targets: dict[str, str]  # known id -> surviving id
    basics: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    ratings: dict[str, tuple[float, int]] = field(default_factory=dict)
    crew: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    reports: list[FileReport] = field(default_factory=list)
    bad_examples: list[str] = field(default_factory=list)


def kind_of(path: Path) -> str | None:
    """Which of IMDb's dataset files ``path`` is, from its name (``title.basics.tsv.gz``,
    ``imdb_dataset_title.basics.sample.tsv``, …); None for any other name."""
    match = _NAME.fullmatch(path.name)
    return match.group(1) if match else None


def find_files(paths: Sequence[Path]) -> dict[str, Path]:
    """The dataset files among ``paths`` (files, or directories holding them), by kind.
    Raises ``DatasetError`` for a file whose name is not one of IMDb's, a missing path, two
    files of one kind, or no usable file at all."""
    found: dict[str, Path] = {}
    expected = ", ".join(f"{k}.tsv[.gz]" for k in ORDER)
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.iterdir() if kind_of(p) is not None)
        elif path.is_file():
            if kind_of(path) is None:
                raise DatasetError(
                    f"{path}: not a name of IMDb's dataset files (expected one of {expected})"
                )
            candidates = [path]
        else:
            raise DatasetError(f"{path}: no such file or directory")
        for candidate in candidates:
            kind = kind_of(candidate)
            if kind in UNUSED:
                print(f"{candidate}: {kind} is not used, skipped", file=sys.stderr)
                continue
            assert kind is not None
            if kind in found and found[kind] != candidate:
                raise DatasetError(f"two {kind} files given: {found[kind]} and {candidate}")
            found[kind] = candidate
    if not found:
        raise DatasetError(f"no IMDb dataset file among {', '.join(map(str, paths))} ({expected})")
    if ("title.crew" in found) != ("name.basics" in found):
        raise DatasetError(
            "title.crew and name.basics go together (directors' ids, then their names): "
            f"give both or neither (given: {', '.join(sorted(found))})"
        )
    return found


def _open(path: Path) -> io.BufferedIOBase:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def blocks(path: Path, kind: str) -> Iterator[tuple[int, list[bytes]]]:
    """The data rows of one file in blocks: ``(line number of the block's first row, rows)``,
    rows without their line ends. The header is checked first; a file that cannot be read to
    its end (not gzip, truncated) raises ``DatasetError`` naming the file and the kind."""
    expected = "\t".join(HEADERS[kind]).encode()
    what = f"IMDb's {kind}.tsv{'.gz' if path.name.endswith('.gz') else ''}"
    try:
        with _open(path) as stream:
            first = 2  # line number of the first row of the next block
            header_seen = False
            for lines in _line_blocks(stream, path, what):
                if not header_seen:
                    header = lines.pop(0).rstrip(b"\r")
                    if header != expected:
                        raise DatasetError(
                            f"{path}: not {what}: its first line is {header[:80]!r}, "
                            f"expected the header {expected.decode()!r}"
                        )
                    header_seen = True
                if lines:
                    yield first, lines
                    first += len(lines)
            if not header_seen:
                raise DatasetError(f"{path}: not {what}: it holds nothing")
    except (OSError, EOFError, zlib.error) as exc:
        # gzip.BadGzipFile is an OSError; a truncated stream is an EOFError.
        raise DatasetError(f"{path}: not a readable {what} ({exc})") from None


def _line_blocks(stream: io.BufferedIOBase, path: Path, what: str) -> Iterator[list[bytes]]:
    """Whole lines, a block at a time; the last line may lack its line end."""
    rest = b""
    while chunk := stream.read(BLOCK):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        if not lines and len(rest) > BLOCK:
            raise DatasetError(f"{path}: not {what}: no line end in its first 4 MB")
        if lines:
            yield lines
    if rest:
        yield [rest]


def _int(value: bytes, name: str) -> int | None:
    if value == NULL:
        return None
    if not value.isdigit():
        raise BadRow(f"{name} {value.decode(errors='replace')!r} is not a whole number")
    return int(value)


def _float(value: bytes, name: str) -> float | None:
    if value == NULL:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise BadRow(f"{name} {value.decode(errors='replace')!r} is not a number")
    return number


def _text(value: bytes) -> str | None:
    return None if value == NULL else value.decode()


def _list(value: bytes) -> list[str] | None:
    return None if value == NULL or not value else value.decode().split(",")


def _basics(cells: list[bytes]) -> tuple[Any, ...]:
    return (
        _text(cells[2]),
        _text(cells[3]),
        _text(cells[1]),
        _int(cells[5], "startYear"),
        _int(cells[6], "endYear"),
        _int(cells[7], "runtimeMinutes"),
        _list(cells[8]),
    )


def _ratings(cells: list[bytes]) -> tuple[Any, ...]:
    return (_float(cells[1], "averageRating"), _int(cells[2], "numVotes"))


def _crew(cells: list[bytes]) -> list[str]:
    return _list(cells[1]) or []


def _name(cells: list[bytes]) -> str | None:
    return _text(cells[1])


_PARSERS: dict[str, Any] = {
    "title.basics": _basics,
    "title.ratings": _ratings,
    "title.crew": _crew,
    "name.basics": _name,
}


def read_file(
    load: Load, kind: str, path: Path, wanted: set[bytes], progress_every: float
) -> dict[str, Any]:
    """The parsed values of the rows of ``path`` whose id is in ``wanted``, by id; every row's
    column count is checked, the values only of the rows kept. Bad rows are counted and the
    first few described in ``load``."""
    report = FileReport(kind, path)
    load.reports.append(report)
    tabs = len(HEADERS[kind]) - 1
    parse = _PARSERS[kind]
    values: dict[str, Any] = {}
    start = last = time.perf_counter()

    def bad(line: int, reason: str) -> None:
        report.bad += 1
        if len(load.bad_examples) < SHOWN_BAD_ROWS:
            load.bad_examples.append(f"{path}:{line}: {reason}")

    for first, lines in blocks(path, kind):
        report.rows += len(lines)
        for offset, line in enumerate(lines):
            try:
                row = _row(line, tabs, wanted, parse)
            except BadRow as exc:
                bad(first + offset, str(exc))
                continue
            if row is _BLANK:
                report.rows -= 1  # a blank line (the end of a hand-edited file)
            elif row is not None:
                key, value = row
                values[key] = value
                report.matched += 1
        now = time.perf_counter()
        if progress_every and now - last >= progress_every:
            last = now
            print(
                f"{path.name}: {report.rows:,} rows, {report.rows / (now - start):,.0f} rows/s",
                file=sys.stderr,
                flush=True,
            )
    report.seconds = time.perf_counter() - start
    return values


_BLANK = ("", None)


def _row(
    line: bytes, tabs: int, wanted: set[bytes], parse: Callable[[list[bytes]], Any]
) -> tuple[str, Any] | None:
    """One data line: ``(id, values)`` if its id is wanted, None if not, ``_BLANK`` for an
    empty line; ``BadRow`` if it has the wrong number of columns or a value is malformed."""
    found = line.count(b"\t")
    if found != tabs:
        if not line.rstrip(b"\r"):
            return _BLANK
        raise BadRow(f"{found + 1} columns, expected {tabs + 1}")
    key = line[: line.find(b"\t")]
    if key not in wanted:
        return None
    try:
        return key.decode(), parse(line.rstrip(b"\r").split(b"\t"))
    except UnicodeDecodeError:
        raise BadRow("not UTF-8") from None


def by_survivor(targets: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` keyed by surviving id: a merged id's row goes to the title it became,
    unless that title has a row of its own."""
    out: dict[str, Any] = {}
    for known, value in values.items():
        survivor = targets[known]
        if known == survivor or survivor not in out:
            out[survivor] = value
    return out


def read_all(files: dict[str, Path], targets: dict[str, str], progress_every: float) -> Load:
    """Read every given file (in ``ORDER``) for the ids of ``targets``."""
    load = Load(targets)
    wanted = {known.encode() for known in targets}
    for kind in ORDER:
        if kind not in files:
            continue
        if kind == "name.basics":
            wanted_names = {nm.encode() for ids in load.crew.values() for nm in ids}
            load.names = read_file(load, kind, files[kind], wanted_names, progress_every)
            continue
        values = by_survivor(targets, read_file(load, kind, files[kind], wanted, progress_every))
        setattr(load, kind.split(".")[1], values)
    return load


def _json(values: list[str] | None) -> str | None:
    return orjson.dumps(values).decode() if values else None


def rows(
    load: Load, files: dict[str, Path], stored: set[str]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The ``dataset_titles`` columns the given files fill, and a row per title they describe
    or ``stored`` already holds: a file is the truth for its columns, so a title it no longer
    lists loses the values an older file gave it (other files' columns are left alone)."""
    columns: list[str] = []
    if "title.basics" in files:
        columns += [*BASICS_COLUMNS]
    if "title.ratings" in files:
        columns += ["rating", "votes"]
    if "title.crew" in files:
        columns += ["directors", "director_ids"]
    out = []
    for title_id in sorted({*load.basics, *load.ratings, *load.crew, *stored}):
        row: list[Any] = [title_id]
        if "title.basics" in files:
            basics = load.basics.get(title_id) or (None,) * 7
            row += [*basics[:6], _json(basics[6])]
        if "title.ratings" in files:
            row += list(load.ratings.get(title_id) or (None, None))
        if "title.crew" in files:
            ids = load.crew.get(title_id) or []
            # A director name.basics does not know keeps the id, not a made-up name.
            named = [load.names[nm] for nm in ids if load.names.get(nm)]
            row += [_json(named), _json(ids)]
        out.append(tuple(row))
    return columns, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m imdb_spider.datasets",
        description=(
            "Fill the metadata of every title a crawl database knows (fetched from IMDb or "
            "TMDb, or only recommended; merged ids go to their surviving title) from IMDb's "
            "dataset files (https://datasets.imdbws.com/): title.basics (type, title, original "
            "title, years, runtime, genres), title.ratings (rating, votes), title.crew with "
            "name.basics (directors' ids and names). Files may be gzip'd or not, given one by "
            "one or as directories holding them (recognised by name; title.akas, "
            ".principals and .episode are skipped). Values are kept apart from the pages' "
            "(python -m imdb_spider.store DB --title ID shows which source each value came "
            "from) and win over them in the export. Everything is read first and written in "
            "one transaction: a wrong file leaves the database unchanged. Rerunning with the "
            "same files gives the same rows. Exit status: 0 done, 1 nothing to fill, 2 bad "
            "input (one line on stderr naming the file and what was expected)."
        ),
    )
    parser.add_argument(
        "--db",
        type=database_arg,
        required=True,
        help="the crawl database to fill (a SQLite file or a postgresql:// URL)",
    )
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="FILE_OR_DIR", help="dataset files or folders"
    )
    parser.add_argument(
        "--progress-interval",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between progress lines on stderr while a file is read (0: none; default 5)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    start = time.perf_counter()
    try:
        files = find_files(args.paths)
        with Store(args.db, create=False) as store:
            targets = store.dataset_targets()
            if not targets:
                print(
                    f"{describe(args.db)} knows no IMDb title id: nothing to fill (crawl "
                    "first; titles TMDb knows only as tmdb:ID have no IMDb row)",
                    file=sys.stderr,
                )
                return 1
            load = read_all(files, targets, args.progress_interval)
            columns, values = rows(load, files, store.dataset_ids())
            store.save_dataset_titles(columns, values, time.time())
    except (DatasetError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for report in load.reports:
        print(
            f"{report.path}: {report.rows:,} rows read in {report.seconds:.1f} s, "
            f"{report.matched:,} kept, {report.bad:,} bad"
        )
    survivors = set(targets.values())
    filled = len({*load.basics, *load.ratings, *load.crew})
    bad = sum(r.bad for r in load.reports)
    print(
        f"{filled:,} of the {len(survivors):,} IMDb titles {describe(args.db)} knows filled, "
        f"{bad:,} bad rows skipped, in {time.perf_counter() - start:.1f} s"
    )
    for example in load.bad_examples:
        print(f"  bad row: {example}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
