"""TMDb's view of a sandbox universe: movie ids, TMDb's own numbers and its recommendations.

Built from the universe's columns only (this module imports nothing from ``universe``, which
imports it), with its own seeded generator, so adding it changed no universe and a universe's
fingerprint still covers everything (the view is a pure function of the universe and seed).

* every title is a TMDb movie with an id from a seeded permutation of ``1..3n`` (never an
  IMDb number: those are ``90,000,000+``); about 3 % of them have no IMDb id on TMDb yet;
* popularity, vote count and vote average are TMDb's own (correlated with IMDb's votes and
  rating, not equal to them); about 1 % have no release date on TMDb;
* recommendations are a second recommender over the same universe: a seeded 50-70 % of the
  title's IMDb list, reordered, plus titles from its neighbourhood (recommendations of its
  recommendations, titles recommending it, popular titles of its community), ranked by genre
  overlap, era and popularity with seeded noise: 20-40 for a well-known title, fewer for an
  obscure one, none when IMDb has none (and for about 1 % of titles besides).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_IMDB_SHARE = 0.03
NO_DATE_SHARE = 0.01
MAX_RECS = 40
_KEEP = (0.5, 0.7)
_SEED_TAG = 0x746D6462  # "tmdb": TMDb's draws never reuse the universe's stream


@dataclass(eq=False)
class TmdbView:
    """Columns indexed like the universe (title index ``i``)."""

    ids: np.ndarray  # int64 TMDb movie id of title i
    by_id: np.ndarray  # int64 title indices sorted by TMDb id
    has_imdb: np.ndarray  # bool: TMDb knows the title's IMDb id
    popularity: np.ndarray  # float64, 3 decimals
    vote_average: np.ndarray  # float64, 3 decimals, 0.0 when vote_count is 0
    vote_count: np.ndarray  # int64
    release_md: np.ndarray  # int16 month * 100 + day; 0: no release date on TMDb
    rec_ptr: np.ndarray  # int64 (n + 1) CSR offsets
    rec_idx: np.ndarray  # int32 ranked recommendation targets (title indices)

    def index_of(self, tmdb_id: int) -> int | None:
        sorted_ids = self.ids[self.by_id]
        pos = int(np.searchsorted(sorted_ids, tmdb_id))
        if pos < len(sorted_ids) and int(sorted_ids[pos]) == tmdb_id:
            return int(self.by_id[pos])
        return None

    def recommendations_of(self, index: int) -> np.ndarray:
        return self.rec_idx[self.rec_ptr[index] : self.rec_ptr[index + 1]]


def _jaccard_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard similarity of genre bit masks (vectorised popcount)."""
    inter = np.bitwise_count(a & b) if hasattr(np, "bitwise_count") else _popcount(a & b)
    union = np.bitwise_count(a | b) if hasattr(np, "bitwise_count") else _popcount(a | b)
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def _popcount(a: np.ndarray) -> np.ndarray:
    lut = np.array([bin(i).count("1") for i in range(256)], dtype=np.int32)
    return lut[a.astype(np.uint32).view(np.uint8).reshape(*a.shape, 4)].sum(axis=-1)


def build_view(  # noqa: PLR0917 - one call site, the columns it reads
    seed: int,
    year: np.ndarray,
    rating10: np.ndarray,
    votes: np.ndarray,
    genre_mask: np.ndarray,
    community: np.ndarray,
    rec_ptr: np.ndarray,
    rec_idx: np.ndarray,
) -> TmdbView:
    """TMDb's view of the universe whose columns are given (deterministic in all inputs)."""
    n = len(year)
    rng = np.random.default_rng([seed, _SEED_TAG])
    ids = rng.choice(3 * n, size=n, replace=False).astype(np.int64) + 1
    by_id = np.argsort(ids, kind="stable")
    has_imdb = rng.random(n) >= NO_IMDB_SHARE
    v = votes.astype(np.float64)
    popularity = np.round(0.6 + np.sqrt(v) / 10 * rng.lognormal(0, 0.35, n), 3)
    vote_count = np.round(v * 0.06 * rng.lognormal(0, 0.5, n)).astype(np.int64)
    avg = np.clip(rating10 / 10 + rng.normal(-0.1, 0.35, n), 1.0, 10.0)
    vote_average = np.where((vote_count > 0) & (rating10 > 0), np.round(avg, 3), 0.0)
    vote_count[rating10 == 0] = 0
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    release_md = np.where(rng.random(n) < NO_DATE_SHARE, 0, month * 100 + day).astype(np.int16)
    ptr, idx = _recommend(rng, year, votes, genre_mask, community, rec_ptr, rec_idx)
    return TmdbView(
        ids=ids,
        by_id=by_id,
        has_imdb=has_imdb,
        popularity=popularity,
        vote_average=vote_average,
        vote_count=vote_count,
        release_md=release_md,
        rec_ptr=ptr,
        rec_idx=idx,
    )


def _recommend(  # noqa: PLR0917 - one call site, the columns it reads
    rng: np.random.Generator,
    year: np.ndarray,
    votes: np.ndarray,
    gmask: np.ndarray,
    community: np.ndarray,
    rec_ptr: np.ndarray,
    rec_idx: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(year)
    counts = np.diff(rec_ptr)
    width = max(1, int(counts.max()) if n else 1)
    # The IMDb lists as a dense (n, width) matrix, -1 padded, rank = column.
    dense = np.full((n, width), -1, dtype=np.int64)
    rows = np.repeat(np.arange(n), counts)
    cols = np.arange(len(rec_idx)) - np.repeat(rec_ptr[:-1], counts)
    dense[rows, cols] = rec_idx
    keep_frac = rng.uniform(*_KEEP, n)
    kept = (rng.random((n, width)) < keep_frac[:, None]) & (dense >= 0)
    # How many TMDb shows: 20-40 for a title with a full IMDb list, up to twice IMDb's count
    # for an obscure one, none when IMDb has none.
    want = np.where(
        counts >= 10,
        rng.integers(20, MAX_RECS + 1, n),
        np.minimum(MAX_RECS, rng.integers(1, 3, n) * counts + rng.integers(0, 3, n)),
    )
    want[counts == 0] = 0
    want[(counts > 0) & (votes < 100) & (rng.random(n) < 0.02)] = 0
    want[rng.random(n) < 0.01] = 0  # TMDb has computed none for some titles of any standing
    # In-links (titles whose IMDb list holds i), as CSR, for "people who liked i" candidates.
    rev_order = np.argsort(rec_idx, kind="stable")
    rev_src = rows[rev_order]
    rev_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rec_idx, minlength=n), out=rev_ptr[1:])
    # Community pools weighted by popularity.
    weight = votes.astype(np.float64) ** 0.85 + 1e-9
    c_order = np.argsort(community, kind="stable")
    cw = np.cumsum(weight[c_order])
    uniq, start = np.unique(community[c_order], return_index=True)
    end = np.append(start[1:], n)
    g = np.searchsorted(uniq, community)
    c_lo, c_hi = start[g], end[g]
    logv = np.log10(np.maximum(votes, 1)).astype(np.float64)
    logv_max = float(logv.max()) if n else 1.0
    logv_max = logv_max or 1.0

    out_counts = np.zeros(n, dtype=np.int64)
    chunks: list[np.ndarray] = []
    step = 4096
    for s in range(0, n, step):
        e = min(s + step, n)
        r = np.arange(s, e)
        m = e - s
        d = dense[s:e]
        # candidates: 2-hop (32 draws), in-links (8 draws), community by popularity (24)
        hop_rows = d[np.arange(m)[:, None], rng.integers(0, width, (m, 32))]
        hop = np.where(
            hop_rows >= 0,
            dense[np.maximum(hop_rows, 0), rng.integers(0, width, (m, 32))],
            -1,
        )
        indeg = rev_ptr[r + 1] - rev_ptr[r]
        pick = rev_ptr[r][:, None] + (rng.random((m, 8)) * indeg[:, None]).astype(np.int64)
        inl = np.where(indeg[:, None] > 0, rev_src[np.minimum(pick, len(rev_src) - 1)], -1)
        lo = np.where(c_lo[r] > 0, cw[np.maximum(c_lo[r] - 1, 0)], 0.0)
        hi = cw[c_hi[r] - 1]
        target = lo[:, None] + rng.random((m, 24)) * (hi - lo)[:, None]
        pos = np.clip(np.searchsorted(cw, target, side="right"), c_lo[r][:, None],
                      c_hi[r][:, None] - 1)  # fmt: skip
        comm = c_order[pos]
        cand = np.concatenate([hop, inl, comm], axis=1)
        bonus = np.concatenate(
            [np.full((m, 32), 0.5), np.full((m, 8), 0.4), np.zeros((m, 24))], axis=1
        )
        cc = np.maximum(cand, 0)
        jac = _jaccard_bits(gmask[r][:, None], gmask[cc])
        dy = np.abs(year[r][:, None].astype(np.float64) - year[cc])
        score = (
            2.0 * jac
            + 1.0 * np.exp(-dy / 15.0)
            + 0.3 * logv[cc] / logv_max
            + bonus
            + 0.8 * rng.random(cand.shape)
        )
        # never the title itself, nothing IMDb lists for it (kept or dropped), no duplicates
        bad = (cand < 0) | (cand == r[:, None]) | (cand[:, :, None] == d[:, None, :]).any(axis=2)
        srt = np.argsort(cand, axis=1, kind="stable")
        cs = np.take_along_axis(cand, srt, axis=1)
        dup_sorted = np.zeros_like(bad)
        dup_sorted[:, 1:] = cs[:, 1:] == cs[:, :-1]
        dup = np.zeros_like(bad)
        np.put_along_axis(dup, srt, dup_sorted, axis=1)
        score[bad | dup] = -np.inf
        need = np.maximum(want[s:e] - kept[s:e].sum(axis=1), 0)
        best = np.argsort(-score, axis=1, kind="stable")[:, :MAX_RECS]
        bscore = np.take_along_axis(score, best, axis=1)
        bscore[np.arange(best.shape[1])[None, :] >= need[:, None]] = -np.inf
        extra = np.take_along_axis(cand, best, axis=1)
        # kept IMDb titles keep roughly their rank (score falls with it), with noise
        rank = np.arange(width)[None, :] / max(width - 1, 1)
        kscore = 3.4 - 1.4 * rank + rng.normal(0, 0.45, (m, width))
        kscore[~kept[s:e]] = -np.inf
        allc = np.concatenate([d, extra], axis=1)
        alls = np.concatenate([kscore, bscore], axis=1)
        order = np.argsort(-alls, axis=1, kind="stable")
        sc = np.take_along_axis(alls, order, axis=1)
        take = np.isfinite(sc) & (np.arange(order.shape[1])[None, :] < want[s:e, None])
        out_counts[s:e] = take.sum(axis=1)
        chunks.append(np.take_along_axis(allc, order, axis=1)[take].astype(np.int32))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(out_counts, out=ptr[1:])
    idx = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    return ptr, idx
