"""A Python reference of the site's "Tonight" scoring and paths (``site/js/tonight-core.js``),
over the exported graph file (``exporters.graphfile.read_graph_bytes``), so the browser
tests can check that the first suggestions agree and that a path is a shortest one.

Same definition as the site: personalised PageRank with restart ``RESTART`` from the liked
titles (weight ``rating - 6`` for a rating of 7 or more; a picked title weighs ``PICKED``),
``STEPS`` power steps, mass at a title that recommends nothing dropped; watchlist titles
count ``WATCHLIST_BOOST`` times; seen, rated and seed titles are never listed. Written with
numpy vector steps (a bincount per step) rather than the site's loops, so it is an
independent computation of the same numbers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from exporters.graphfile import GraphFile

RESTART = 0.2
STEPS = 20
WATCHLIST_BOOST = 2.0
PICKED = 4.0
LIKED_FROM = 7


def edge_sources(f: GraphFile) -> np.ndarray:
    return np.repeat(np.arange(len(f.ids)), np.diff(f.out_start.astype(np.int64)))


def pagerank(f: GraphFile, seeds: Mapping[int, float]) -> np.ndarray:
    """Scores of every node for restart weights ``seeds`` (node -> weight)."""
    n = len(f.ids)
    r = np.zeros(n)
    for i, w in seeds.items():
        r[i] += w
    if r.sum() <= 0:
        return r
    r /= r.sum()
    sources = edge_sources(f)
    targets = f.out_target.astype(np.int64)
    degree = np.diff(f.out_start.astype(np.int64)).astype(float)
    x = RESTART * r
    for _ in range(STEPS):
        share = np.divide((1 - RESTART) * x, degree, out=np.zeros(n), where=degree > 0)
        x = RESTART * r + np.bincount(targets, weights=share[sources], minlength=n)
    return x


def seeds_of(
    f: GraphFile, ratings: Mapping[str, tuple[str, float | None]], picked: Iterable[str] = ()
) -> tuple[dict[int, float], set[int], set[int]]:
    """(seed weights, seen-or-rated nodes, watchlist nodes) of the user's titles."""
    index = {tt: i for i, tt in enumerate(f.ids)}
    seeds: dict[int, float] = {}
    seen: set[int] = set()
    watch: set[int] = set()
    for tt, (kind, rating) in ratings.items():
        if tt not in index:
            continue
        i = index[tt]
        (watch if kind == "watchlist" else seen).add(i)
        if kind == "rated" and rating is not None and rating >= LIKED_FROM:
            seeds[i] = rating - LIKED_FROM + 1
    for tt in picked:
        if tt in index:
            seeds[index[tt]] = max(seeds.get(index[tt], 0.0), PICKED)
    return seeds, seen, watch


def tonight(
    f: GraphFile,
    ratings: Mapping[str, tuple[str, float | None]],
    *,
    picked: Iterable[str] = (),
    keep: Callable[[str], bool] | None = None,
    limit: int = 20,
) -> list[tuple[str, float]]:
    """The ranked list [(id, score)] of unseen titles passing ``keep(id)``."""
    seeds, seen, watch = seeds_of(f, ratings, picked)
    scores = pagerank(f, seeds)
    ranked = [
        (i, s * (WATCHLIST_BOOST if i in watch else 1.0))
        for i, s in enumerate(scores.tolist())
        if s > 0 and i not in seen and i not in seeds and (keep is None or keep(f.ids[i]))
    ]
    ranked.sort(key=lambda p: (-p[1], p[0]))
    return [(f.ids[i], s) for i, s in ranked[:limit]]


def contributions(f: GraphFile, seeds: Mapping[int, float], target: int) -> dict[int, float]:
    """Each seed's exact share of ``target``'s score (one PageRank per seed)."""
    total = sum(seeds.values())
    return {s: pagerank(f, {s: 1.0})[target] * w / total for s, w in seeds.items()}


def distance(f: GraphFile, a: str, b: str) -> int | None:
    """Length in edges of the shortest directed path from ``a`` to ``b`` (BFS), or None."""
    index = {tt: i for i, tt in enumerate(f.ids)}
    start, goal = index[a], index[b]
    depth = {start: 0}
    queue = deque([start])
    while queue:
        s = queue.popleft()
        if s == goal:
            return depth[s]
        for t in f.neighbours(s):
            if t not in depth:
                depth[t] = depth[s] + 1
                queue.append(t)
    return None
