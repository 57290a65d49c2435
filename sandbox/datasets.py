"""IMDb's non-commercial dataset files for a sandbox universe, and the cache that serves them.

``title.basics``, ``title.ratings``, ``title.crew``, ``name.basics`` and ``title.akas``
(``.tsv.gz``) with IMDb's exact columns and header line, tab-separated, no quoting, ``\\N`` for
null, lists comma-joined, rows by id. They agree with the IMDb pages: the same titles, types,
years, runtimes, ratings, votes and directors (``nm`` ids and names); merged (alias) ids are
absent, as in IMDb's files. Two things differ from the pages the way IMDb's files differ
from its pages: ``genres`` holds at most three (the first three in IMDb's alphabetical order),
and ``title.crew`` has no writers (``\\N``: the sandbox's writers are page decoration).
``name.basics`` lists the people of ``title.crew`` (``knownForTitles``: up to four of their
titles, most voted first).

``rows=N`` pads the files for benchmarks with seeded rows for ids that are not in the universe
(``tt1xxxxxxx``-``tt8xxxxxxx`` and ``nm1xxxxxxx``-``nm8xxxxxxx``, below the sandbox's own
ranges, so padding rows sort first and never collide): ``title.basics`` and ``title.crew`` up
to ``N`` rows, ``title.ratings`` ``N x 1.6/12`` and ``name.basics`` ``N x 14/12`` (IMDb's real
proportions: ~12 M basics and crew, ~1.6 M ratings, ~14 M names), ``title.akas`` one row per
padding title (IMDb's has about four). Padding is streamed in chunks, never held in memory.

``FileCache`` makes each file once per server run into a temporary directory (off the event
loop) and serves it from there; the TMDb id export is made by it too.
``python -m sandbox.files --out DIR`` writes the files without a server.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from . import words
from .tmdb import export_lines
from .universe import NM_BASE, NO_COUNTRY, TT_BASE, TYPE_IDS, Universe, person_name

logger = logging.getLogger(__name__)

HEADERS = {
    "title.basics.tsv.gz": (
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
    "title.ratings.tsv.gz": ("tconst", "averageRating", "numVotes"),
    "title.crew.tsv.gz": ("tconst", "directors", "writers"),
    "name.basics.tsv.gz": (
        "nconst",
        "primaryName",
        "birthYear",
        "deathYear",
        "primaryProfession",
        "knownForTitles",
    ),
    "title.akas.tsv.gz": (
        "titleId",
        "ordering",
        "title",
        "region",
        "language",
        "types",
        "attributes",
        "isOriginalTitle",
    ),
}
DATASET_FILES = tuple(HEADERS)
EXPORT_FILE = "movie_ids.json.gz"
# Rows of each file per title.basics row in IMDb's real files (Nov 2026: ~12 M basics).
PROPORTION = {
    "title.basics.tsv.gz": 1.0,
    "title.ratings.tsv.gz": 1.6 / 12,
    "title.crew.tsv.gz": 1.0,
    "name.basics.tsv.gz": 14 / 12,
}
NULL = "\\N"
MAX_GENRES = 3
PAD_BASE = 10_000_000  # padding ids: tt/nm 10,000,000 .. 89,999,999
PAD_SPAN = TT_BASE - PAD_BASE
MAX_ROWS = PAD_SPAN
_CHUNK = 100_000
_SEED_TAG = 0x64617461  # "data"


def _clean(text: str) -> str:
    # IMDb's TSV has no quoting or escaping: a tab or line break would split a row.
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _genres(mask: int) -> str:
    names = [g for b, g in enumerate(words.GENRES) if mask >> b & 1][:MAX_GENRES]
    return ",".join(names) if names else NULL


def _rows(*cols: Iterable[str]) -> str:
    return "".join("\t".join(r) + "\n" for r in zip(*cols, strict=True))


def pad_counts(universe: Universe, rows: int | None) -> dict[str, int]:
    """Padding rows per file for a target of ``rows`` title.basics rows (0 without)."""
    if not rows:
        return dict.fromkeys(DATASET_FILES, 0)
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"invalid dataset rows {rows!r}: expecting 1..{MAX_ROWS}")
    n = len(universe)
    titles = max(0, rows - n)
    rated = int(np.count_nonzero(universe.rating10))
    people = len(_people(universe)[0])
    return {
        "title.basics.tsv.gz": titles,
        "title.crew.tsv.gz": titles,
        "title.akas.tsv.gz": titles,
        "title.ratings.tsv.gz": min(
            titles, max(0, round(rows * PROPORTION["title.ratings.tsv.gz"]) - rated)
        ),
        "name.basics.tsv.gz": max(0, round(rows * PROPORTION["name.basics.tsv.gz"]) - people),
    }


def _pad_id(prefix: str, k: np.ndarray, total: int) -> list[str]:
    ids = PAD_BASE + (k.astype(np.int64) * PAD_SPAN) // max(total, 1)
    # always 8 digits (10,000,000 .. 89,999,999): plain str() is the fast format
    return [prefix + x for x in map(str, ids.tolist())]


# --- the universe's own rows ------------------------------------------------------------------


def _people(universe: Universe) -> tuple[np.ndarray, dict[int, list[int]]]:
    """The directors of the universe (sorted person indices) and up to four titles of each,
    most voted first."""
    d = universe.directors
    title_of = np.repeat(np.arange(len(universe)), d.shape[1])
    flat = d.reshape(-1)
    ok = flat >= 0
    person, title = flat[ok].astype(np.int64), title_of[ok]
    order = np.lexsort((title, -universe.votes[title].astype(np.int64), person))
    person, title = person[order], title[order]
    known: dict[int, list[int]] = {}
    for p, t in zip(person.tolist(), title.tolist(), strict=True):
        lst = known.setdefault(p, [])
        if len(lst) < 4:
            lst.append(t)
    return np.unique(person), known


def _universe_lines(universe: Universe, name: str) -> Iterator[str]:
    u = universe
    n = len(u)
    tid = [f"tt{TT_BASE + i:08d}" for i in range(n)]
    if name == "title.basics.tsv.gz":
        for s in range(0, n, _CHUNK):
            out = []
            for i in range(s, min(s + _CHUNK, n)):
                orig = u.original_titles[i]
                end, rt = int(u.end_year[i]), int(u.runtime[i])
                out.append(
                    "\t".join(
                        (
                            tid[i],
                            TYPE_IDS[int(u.title_type[i])],
                            _clean(u.titles[i]),
                            _clean(u.titles[i] if orig is None else orig),
                            "0",
                            str(int(u.year[i])),
                            str(end) if end else NULL,
                            str(rt) if rt else NULL,
                            _genres(int(u.genre_mask[i])),
                        )
                    )
                    + "\n"
                )
            yield "".join(out)
    elif name == "title.ratings.tsv.gz":
        rated = np.flatnonzero(u.rating10).tolist()
        for s in range(0, len(rated), _CHUNK):
            yield "".join(
                f"{tid[i]}\t{int(u.rating10[i]) / 10:.1f}\t{int(u.votes[i])}\n"
                for i in rated[s : s + _CHUNK]
            )
    elif name == "title.crew.tsv.gz":
        for s in range(0, n, _CHUNK):
            out = []
            for i in range(s, min(s + _CHUNK, n)):
                dirs = ",".join(f"nm{NM_BASE + int(d):08d}" for d in u.directors[i] if d >= 0)
                out.append(f"{tid[i]}\t{dirs or NULL}\t{NULL}\n")
            yield "".join(out)
    elif name == "name.basics.tsv.gz":
        people, known = _people(u)
        out = []
        for p in people.tolist():
            titles = known[p]
            first = min(int(u.year[t]) for t in titles)
            birth = first - 25 - p % 20
            death = str(birth + 60 + p % 30) if birth < 1925 else NULL
            prof = ("director", "director,writer", "director,producer,writer")[p % 3]
            out.append(
                f"nm{NM_BASE + p:08d}\t{_clean(person_name(p))}\t{birth}\t{death}\t{prof}\t"
                + ",".join(tid[t] for t in titles)
                + "\n"
            )
            if len(out) >= _CHUNK:
                yield "".join(out)
                out = []
        yield "".join(out)
    else:  # title.akas
        for s in range(0, n, _CHUNK):
            out = []
            for i in range(s, min(s + _CHUNK, n)):
                orig = u.original_titles[i]
                title = _clean(u.titles[i])
                out.append(
                    f"{tid[i]}\t1\t{_clean(title if orig is None else orig)}\t{NULL}\t{NULL}"
                    f"\toriginal\t{NULL}\t1\n"
                )
                c = int(u.countries[i, 0])
                region = words.COUNTRIES[c][0] if c != NO_COUNTRY else "US"
                display = "US" if orig is not None else region
                out.append(f"{tid[i]}\t2\t{title}\t{display}\t{NULL}\timdbDisplay\t{NULL}\t0\n")
            yield "".join(out)


# --- padding rows -------------------------------------------------------------------------------

_PAD_TYPES = (
    ("tvEpisode", 0.70),
    ("short", 0.09),
    ("movie", 0.06),
    ("video", 0.04),
    ("tvSeries", 0.025),
    ("tvMovie", 0.015),
    ("tvMiniSeries", 0.005),
    ("videoGame", 0.005),
    ("tvSpecial", 0.005),
    ("tvShort", 0.035),
)
_PROFESSIONS = (
    "actor", "actress", "actor,soundtrack", "actress,soundtrack", "writer", "director",
    "producer", "cinematographer", "composer", "editor", "miscellaneous", "camera_department",
    "director,writer,producer", "sound_department", "art_department", "",
)  # fmt: skip


class _Vocab:
    """String tables the padding rows draw from, so a row is table look-ups and a join."""

    def __init__(self) -> None:
        adj, noun, place = words.TITLE_ADJECTIVES, words.TITLE_NOUNS, words.TITLE_PLACES
        self.titles = [f"{a} {b}" for a in adj for b in noun] + [
            f"The {b} of {c}" for b in noun for c in place
        ]
        self.episodes = [f"Episode #{s}.{e}" for s in range(1, 11) for e in range(1, 31)]
        self.types = [t for t, _ in _PAD_TYPES]
        p = np.array([w for _, w in _PAD_TYPES])
        self.type_p = p / p.sum()
        self.years = [str(y) for y in range(1890, 2027)]
        self.ints = [str(k) for k in range(1000)]
        self.genres = sorted({_genres(m) for m in range(4096)} | {
            "Comedy", "Drama", "Documentary", "Talk-Show", "Reality-TV", "News", "Short",
            "Animation,Comedy,Family", "Crime,Drama,Mystery", "Action,Adventure,Sci-Fi",
        })  # fmt: skip
        self.ratings = [f"{k / 10:.1f}" for k in range(10, 101)]
        self.names = [_clean(person_name(k)) for k in range(0, 2_000_000, 37)]
        self.professions = list(_PROFESSIONS)


def _pad_lines(name: str, pads: dict[str, int], seed: int, vocab: _Vocab) -> Iterator[str]:
    """The padding rows of file ``name`` (``pads``: padding rows per file)."""
    v = vocab
    count = pads[name]
    titles = pads["title.basics.tsv.gz"]
    names = pads["name.basics.tsv.gz"]
    null_list = [NULL]
    for s in range(0, count, _CHUNK):
        e = min(s + _CHUNK, count)
        m = e - s
        rng = np.random.default_rng([seed, _SEED_TAG, DATASET_FILES.index(name), s])
        k = np.arange(s, e)
        if name == "title.basics.tsv.gz":
            ids = _pad_id("tt", k, titles)
            t = rng.choice(len(v.types), m, p=v.type_p)
            types = [v.types[x] for x in t.tolist()]
            episode = t == 0
            ti = rng.integers(0, len(v.titles), m)
            ei = rng.integers(0, len(v.episodes), m)
            title = [
                v.episodes[b] if ep else v.titles[a]
                for a, b, ep in zip(ti.tolist(), ei.tolist(), episode.tolist(), strict=True)
            ]
            adult = ["1" if x else "0" for x in (rng.random(m) < 0.02).tolist()]
            yi = rng.integers(0, len(v.years), m)
            year = [
                NULL if x < 0 else v.years[x]
                for x in np.where(rng.random(m) < 0.1, -1, yi).tolist()
            ]
            rt = np.where(rng.random(m) < 0.6, -1, rng.integers(1, 200, m))
            runtime = [NULL if x < 0 else v.ints[x] for x in rt.tolist()]
            gi = rng.integers(0, len(v.genres), m)
            genres = [v.genres[x] for x in gi.tolist()]
            yield _rows(ids, types, title, title, adult, year, null_list * m, runtime, genres)
        elif name == "title.ratings.tsv.gz":
            ids = _pad_id("tt", (k * titles) // max(count, 1), titles)
            r = rng.integers(0, len(v.ratings), m)
            votes = np.maximum(5, rng.lognormal(3.5, 1.6, m).astype(np.int64))
            yield _rows(ids, [v.ratings[x] for x in r.tolist()], map(str, votes.tolist()))
        elif name == "title.crew.tsv.gz":
            ids = _pad_id("tt", k, titles)
            # padding people, or none when no names are padded
            d = rng.integers(0, max(names, 1), m)
            w = rng.integers(0, max(names, 1), m)
            dn = _pad_id("nm", d, names)
            wn = _pad_id("nm", w, names)
            dirs = [
                a if names and x % 10 >= 3 else NULL for a, x in zip(dn, d.tolist(), strict=True)
            ]
            wrs = [
                a if names and x % 10 >= 4 else NULL for a, x in zip(wn, w.tolist(), strict=True)
            ]
            yield _rows(ids, dirs, wrs)
        elif name == "name.basics.tsv.gz":
            ids = _pad_id("nm", k, count)
            nm = [v.names[x] for x in rng.integers(0, len(v.names), m).tolist()]
            b = np.where(rng.random(m) < 0.8, -1, rng.integers(0, len(v.years) - 20, m))
            birth = [NULL if x < 0 else v.years[x] for x in b.tolist()]
            prof = [v.professions[x] for x in rng.integers(0, len(v.professions), m).tolist()]
            if titles:
                a = _pad_id("tt", rng.integers(0, titles, m), titles)
                c = _pad_id(",tt", rng.integers(0, titles, m), titles)
                known = [x + y for x, y in zip(a, c, strict=True)]
            else:
                known = null_list * m
            yield _rows(ids, nm, birth, null_list * m, prof, known)
        else:  # title.akas: the padding title's original-title row
            ids = _pad_id("tt", k, titles)
            ti = rng.integers(0, len(v.titles), m)
            title = [v.titles[x] for x in ti.tolist()]
            yield _rows(ids, ["1"] * m, title, null_list * m, null_list * m,
                        ["original"] * m, null_list * m, ["1"] * m)  # fmt: skip


# --- writing and caching ---------------------------------------------------------------------


def dataset_lines(universe: Universe, name: str, rows: int | None = None) -> Iterator[str]:
    """The text of dataset file ``name`` (uncompressed), in chunks: header, padding rows
    (``rows``: see the module docstring), then the universe's rows."""
    if name not in HEADERS:
        raise ValueError(f"unknown dataset {name!r}: expecting one of {', '.join(HEADERS)}")
    yield "\t".join(HEADERS[name]) + "\n"
    pads = pad_counts(universe, rows)
    if pads[name]:
        yield from _pad_lines(name, pads, universe.seed, _Vocab())
    yield from _universe_lines(universe, name)


def _gzip_to(path: Path, chunks: Iterable[bytes], level: int) -> None:
    part = path.with_name(path.name + ".part")
    with part.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               compresslevel=level, mtime=0) as gz:  # fmt: skip
        for chunk in chunks:
            gz.write(chunk)
    part.replace(path)


def write_dataset(
    universe: Universe, name: str, path: Path, rows: int | None = None, level: int = 6
) -> None:
    """Write dataset file ``name`` gzip'd to ``path`` (``mtime`` 0: the same universe and
    ``rows`` always give the same bytes)."""
    _gzip_to(path, (c.encode() for c in dataset_lines(universe, name, rows)), level)


def write_export(universe: Universe, path: Path, level: int = 6) -> None:
    """Write TMDb's daily movie id export, gzip'd, to ``path``."""
    _gzip_to(path, _batched(export_lines(universe)), level)


def _batched(lines: Iterator[bytes], size: int = 10_000) -> Iterator[bytes]:
    batch: list[bytes] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


class FileCache:
    """Each downloadable file made once per server run, in a temporary directory.

    ``path(name)`` blocks until the file exists (made by the first caller; run it in a
    worker thread, never on the event loop); ``close()`` removes the directory."""

    def __init__(self, universe: Universe, rows: int | None = None) -> None:
        pad_counts(universe, rows)  # validates rows
        self.universe = universe
        self.rows = rows
        self._dir: Path | None = None
        self._locks = {name: threading.Lock() for name in (*DATASET_FILES, EXPORT_FILE)}
        self._guard = threading.Lock()
        self.seconds: dict[str, float] = {}

    def _directory(self) -> Path:
        with self._guard:
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="imdb-sandbox-files-"))
            return self._dir

    def maker(self, name: str) -> Callable[[], Path]:
        if name not in self._locks:
            raise KeyError(name)
        return lambda: self.path(name)

    def path(self, name: str) -> Path:
        target = self._directory() / name
        with self._locks[name]:
            if not target.exists():
                t0 = time.perf_counter()
                # Padded files are large: the fastest compression keeps generation short.
                level = 1 if self.rows else 6
                if name == EXPORT_FILE:
                    write_export(self.universe, target, level)
                else:
                    write_dataset(self.universe, name, target, self.rows, level)
                self.seconds[name] = time.perf_counter() - t0
                logger.info(
                    "made %s (%.1f MB) in %.1fs",
                    name,
                    target.stat().st_size / 2**20,
                    self.seconds[name],
                )
        return target

    def close(self) -> None:
        with self._guard:
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
                self._dir = None


def open_text(path: Path) -> IO[str]:
    """A dataset file as text (gzip'd or not), for readers and tests."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    return path.open(encoding="utf-8", newline="\n")
