"""Seeded synthetic recommendation graphs shaped like IMDb's "More like this" graph.

For tests (a few hundred titles) and benchmarks (the reference scale, 176,000 titles). The
shape follows ``shared/research/layout-benchmarks.md``: planted communities of power-law
sizes, each with a home genre and decade and a handful of neighbouring communities; about
12 recommendations per title, fewer for obscure titles; targets drawn with a popularity bias,
mostly inside the title's own community; about a fifth of the edges reciprocated. Titles,
years, genres, votes, ratings, directors and countries are plausible enough for community
naming and sizing to have something to work with.

Everything is drawn from one ``numpy.random.Generator`` seeded by ``seed``: the same
``(n, seed)`` always gives the same graph.
"""

from __future__ import annotations

import numpy as np

from exporters.model import MapGraph

GENRES = (
    "Drama", "Comedy", "Action", "Thriller", "Horror", "Romance", "Crime", "Documentary",
    "Adventure", "Sci-Fi", "Fantasy", "Animation", "Family", "Mystery", "Biography",
    "History", "War", "Western", "Music", "Musical", "Sport",
)  # fmt: skip
COUNTRIES = (
    "United States", "United Kingdom", "France", "India", "Japan", "Germany", "Italy",
    "South Korea", "Spain", "Canada", "Hong Kong", "Mexico", "Sweden", "Brazil",
)  # fmt: skip
_ADJECTIVES = (
    "Silent", "Last", "Broken", "Hidden", "Crimson", "Dark", "Golden", "Lost", "Wild",
    "Midnight", "Frozen", "Burning", "Final", "Distant", "Secret", "Hollow", "Iron", "Pale",
)  # fmt: skip
_NOUNS = (
    "Harbor", "Night", "Road", "Kingdom", "Witness", "Garden", "Storm", "River", "Empire",
    "Stranger", "Promise", "Summer", "Machine", "Island", "Letter", "Shadow", "Code", "Heart",
)  # fmt: skip

RECOMMENDATIONS = 12  # IMDb shows 12 "More like this" titles
_OWN_COMMUNITY = 0.78  # share of recommendations inside the title's own community
_NEAR_COMMUNITY = 0.17  # ... in one of its neighbouring communities; the rest anywhere
_RECIPROCATE = 0.16  # share of slots that recommend back a title that recommended this one


def synthetic_graph(n: int, *, seed: int) -> MapGraph:
    """A seeded IMDb-like recommendation graph with ``n`` titles."""
    return synthetic_graph_with_truth(n, seed=seed)[0]


def synthetic_graph_with_truth(
    n: int, *, seed: int, communities: int | None = None
) -> tuple[MapGraph, np.ndarray]:
    """Like :func:`synthetic_graph`, also returning the planted community of every node.

    ``communities`` defaults to about one per 580 titles (300 at the reference scale).
    """
    if n < 2:
        raise ValueError(f"synthetic graph needs at least 2 titles, got n={n}")
    rng = np.random.default_rng(seed)
    k = communities if communities is not None else max(2, round(n / 580))
    k = min(k, n // 2)

    # Power-law community sizes (Zipf-like weights), every community at least 2 titles.
    weights = 1.0 / np.arange(1, k + 1) ** 0.9
    sizes = 2 + rng.multinomial(n - 2 * k, weights / weights.sum())
    truth = rng.permutation(np.repeat(np.arange(k), sizes)).astype(np.int32)

    # Each community has a home genre, a second genre and a decade, and lives somewhere on a
    # hidden plane; its neighbours are the communities nearest to it there.
    home_genre = rng.integers(0, len(GENRES), size=k)
    second_genre = (home_genre + rng.integers(1, len(GENRES), size=k)) % len(GENRES)
    decade = rng.choice(np.arange(1920, 2030, 10), size=k, p=_decade_weights())
    home_country = rng.choice(len(COUNTRIES), size=k, p=_country_weights())
    centres = rng.random((k, 2))
    near = _nearest_communities(centres, min(5, k - 1))

    # Popularity: log-normal votes; obscure titles get fewer recommendations.
    votes = np.maximum(5, rng.lognormal(mean=6.0, sigma=2.2, size=n)).astype(np.int64)
    popularity = np.sqrt(votes.astype(np.float64))
    out_degree = np.where(
        votes >= 300, RECOMMENDATIONS, rng.integers(4, RECOMMENDATIONS + 1, size=n)
    )

    sources, targets = _draw_edges(rng, truth, near, popularity, out_degree)

    years = np.clip(decade[truth] + rng.integers(0, 10, size=n), 1915, 2025)
    ratings = np.round(np.clip(rng.normal(6.4, 1.1, size=n), 1.0, 10.0), 1)
    title_ids = rng.choice(np.arange(100_000, 9_999_999), size=n, replace=False)
    graph = MapGraph(
        ids=[f"tt{int(t):07d}" for t in title_ids],
        titles=_titles(rng, n),
        years=[int(y) for y in years],
        ratings=[float(r) for r in ratings],
        votes=[int(v) for v in votes],
        # Not drawn from rng: every other seeded value stays as it was.
        runtimes=[75 + (i * 37) % 110 for i in range(n)],
        title_types=rng.choice(["movie", "tvSeries", "tvMovie"], size=n, p=[0.8, 0.15, 0.05])
        .astype(object)
        .tolist(),
        genres=_genres(rng, truth, home_genre, second_genre),
        directors=[[f"Director {int(d)}"] for d in rng.integers(0, max(1, n // 4), size=n)],
        countries=[
            [COUNTRIES[c if u < 0.8 else (c + 1) % len(COUNTRIES)]]
            for c, u in zip(home_country[truth].tolist(), rng.random(n).tolist(), strict=True)
        ],
        sources=sources,
        targets=targets,
        ranks=_ranks(sources),
        origins=np.ones(sources.shape[0], dtype=np.uint8),  # IMDb's, like the sandbox crawl
    )
    return graph, truth


def _decade_weights() -> np.ndarray:
    w = np.linspace(0.3, 2.0, 11) ** 2  # more recent decades hold more titles
    return w / w.sum()


def _country_weights() -> np.ndarray:
    w = 1.0 / np.arange(1, len(COUNTRIES) + 1)
    return w / w.sum()


def _nearest_communities(centres: np.ndarray, m: int) -> np.ndarray:
    d = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :m]


def _draw_edges(
    rng: np.random.Generator,
    truth: np.ndarray,
    near: np.ndarray,
    popularity: np.ndarray,
    out_degree: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    n = truth.shape[0]
    k = near.shape[0]
    # Popularity-weighted sampling inside a community: nodes sorted by community, one
    # cumulative sum, and each community's slice of it.
    order = np.argsort(truth, kind="stable")
    cum = np.cumsum(popularity[order])
    bounds = np.searchsorted(truth[order], np.arange(k + 1))
    low = np.concatenate(([0.0], cum))[bounds[:-1]]
    high = cum[bounds[1:] - 1]

    def pick_in(comm: np.ndarray) -> np.ndarray:
        u = low[comm] + rng.random(comm.shape[0]) * (high[comm] - low[comm])
        return order[np.minimum(np.searchsorted(cum, u, side="right"), n - 1)]

    owner = np.repeat(np.arange(n), out_degree)
    kind = rng.random(owner.shape[0])
    comm = truth[owner].copy()
    nearby = (kind >= _OWN_COMMUNITY) & (kind < _OWN_COMMUNITY + _NEAR_COMMUNITY)
    nearby &= near.shape[1] > 0
    comm[nearby] = near[comm[nearby], rng.integers(0, near.shape[1], size=int(nearby.sum()))]
    anywhere = kind >= _OWN_COMMUNITY + _NEAR_COMMUNITY
    comm[anywhere] = truth[
        np.minimum(np.searchsorted(cum, rng.random(int(anywhere.sum())) * cum[-1]), n - 1)
    ]
    target = pick_in(comm)

    # Reciprocity: some slots recommend back a title that recommends this one.
    back = rng.random(owner.shape[0]) < _RECIPROCATE
    by_target = np.argsort(target, kind="stable")
    first = np.searchsorted(target[by_target], np.arange(n))
    count = np.bincount(target, minlength=n)
    who = owner[back]
    has = count[who] > 0
    slot = np.flatnonzero(back)[has]
    pick = first[who[has]] + (rng.random(int(has.sum())) * count[who[has]]).astype(np.int64)
    target[slot] = owner[by_target[pick]]

    # Drop self-recommendations and repeats, keeping each source's first occurrence.
    keep = owner != target
    owner, target = owner[keep], target[keep]
    _, first_seen = np.unique(owner.astype(np.int64) * n + target, return_index=True)
    first_seen.sort()
    return owner[first_seen].astype(np.int32), target[first_seen].astype(np.int32)


def _ranks(sources: np.ndarray) -> np.ndarray:
    # Edges come grouped by source; a rank is the position inside the source's group.
    starts = np.flatnonzero(np.r_[True, sources[1:] != sources[:-1]])
    lengths = np.diff(np.r_[starts, sources.shape[0]])
    return (np.arange(sources.shape[0]) - np.repeat(starts, lengths)).astype(np.int16)


def _titles(rng: np.random.Generator, n: int) -> list[str]:
    adjective = rng.integers(0, len(_ADJECTIVES), size=n).tolist()
    noun = rng.integers(0, len(_NOUNS), size=n).tolist()
    number = rng.integers(0, 40, size=n).tolist()
    return [
        f"The {_ADJECTIVES[a]} {_NOUNS[b]}" + (f" {c}" if c < 3 else "")
        for a, b, c in zip(adjective, noun, number, strict=True)
    ]


def _genres(
    rng: np.random.Generator, truth: np.ndarray, home: np.ndarray, second: np.ndarray
) -> list[list[str]]:
    n = truth.shape[0]
    first = np.where(rng.random(n) < 0.85, home[truth], rng.integers(0, len(GENRES), size=n))
    other = np.where(rng.random(n) < 0.6, second[truth], rng.integers(0, len(GENRES), size=n))
    both = np.asarray(rng.random(n) < 0.7)
    out = []
    for a, b, two in zip(first.tolist(), other.tolist(), both.tolist(), strict=True):
        out.append([GENRES[a], GENRES[b]] if two and a != b else [GENRES[a]])
    return out
