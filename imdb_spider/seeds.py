"""Where a crawl starts: title ids from a list, a file, or IMDb's official dataset dumps.

Pure functions over text and files; the spider only calls them. IMDb's dumps
(``title.basics.tsv.gz``, ``title.ratings.tsv.gz``) are streamed, never loaded whole: the
basics file has over ten million rows.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

# A handful of well-known films from different corners of the graph, for a crawl with no seeds.
DEFAULT_SEEDS = (
    "tt0133093",  # The Matrix
    "tt0111161",  # The Shawshank Redemption
    "tt0245429",  # Spirited Away
    "tt0068646",  # The Godfather
    "tt0114709",  # Toy Story
    "tt0087843",  # Once Upon a Time in America
    "tt0047478",  # Seven Samurai
    "tt6751668",  # Parasite
)

_TITLE_PATH = re.compile(r"/title/(tt\d{7,10})(?:/|$|\?|#)")
_BARE_ID = re.compile(r"tt\d{7,10}")


class SeedError(ValueError):
    """A seed that is neither a tt id nor an IMDb title URL, or an unreadable seed source."""


def title_id(value: str) -> str:
    """The tt id of a bare id or a title URL (absolute or relative, any query string)."""
    value = value.strip()
    if _BARE_ID.fullmatch(value):
        return value
    match = _TITLE_PATH.search(value)
    if match:
        return match.group(1)
    raise SeedError(f"not an IMDb title id or title URL: {value!r}")


def title_url(base_url: str, tt: str) -> str:
    """The canonical URL of a title: ``<base>/title/ttNNNNNNN/``."""
    return f"{base_url.rstrip('/')}/title/{tt}/"


def parse_seed_list(text: str) -> list[str]:
    """Ids from a comma- or whitespace-separated list of ids and URLs."""
    return unique_ids(title_id(part) for part in re.split(r"[,\s]+", text) if part)


def read_seeds_file(path: str | Path, parse: Callable[[str], str] | None = None) -> list[str]:
    """Ids from a file with one id or URL a line; blank lines and ``#`` comments skipped.
    ``parse`` turns a line into an id (default: ``title_id``) and raises ``ValueError``."""
    parse = parse or title_id
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SeedError(f"cannot read seeds file {path}: {exc.strerror}") from None
    ids = []
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            try:
                ids.append(parse(line))
            except ValueError as exc:
                raise SeedError(f"{path}:{number}: {exc}") from None
    return unique_ids(ids)


def _open_tsv(path: str | Path) -> IO[str]:
    path = Path(path)
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rt", encoding="utf-8", newline="")
        return path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise SeedError(f"cannot read dataset {path}: {exc.strerror}") from None


def _rows(path: str | Path, needed: Iterable[str]) -> Iterator[dict[str, str]]:
    with _open_tsv(path) as handle:
        # IMDb's dumps are unquoted TSV: quotes are literal characters of titles.
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(needed) - set(reader.fieldnames or [])
        if missing:
            raise SeedError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        yield from reader


def read_ratings(path: str | Path, min_votes: int) -> set[str]:
    """Ids with at least ``min_votes`` votes in a ``title.ratings.tsv[.gz]`` dump."""
    keep = set()
    for row in _rows(path, ("tconst", "numVotes")):
        votes = row["numVotes"]
        if votes.isdigit() and int(votes) >= min_votes:
            keep.add(row["tconst"])
    return keep


def read_dataset(
    path: str | Path,
    title_types: Iterable[str] | None = None,
    popular: set[str] | None = None,
) -> Iterator[str]:
    """Ids from a ``title.basics.tsv[.gz]`` dump, streamed, filtered by title type and by a
    set of popular ids (from :func:`read_ratings`)."""
    types = set(title_types) if title_types else None
    for row in _rows(path, ("tconst", "titleType")):
        if types is not None and row["titleType"] not in types:
            continue
        if popular is not None and row["tconst"] not in popular:
            continue
        yield row["tconst"]


def unique_ids(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))
