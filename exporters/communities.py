"""Step 3: communities (Leiden) with stable ids, colours and readable names; node sizes.

Reads ``MapGraph`` nodes, metadata and edges; fills ``community`` and ``communities``
(:func:`detect_communities`) and ``in_degree`` and ``size`` (:func:`compute_sizes`).

Leiden runs on the undirected graph: a recommendation ``a -> b`` at rank ``r`` weighs
``1 - r / 24`` (the first of IMDb's 12 recommendations counts about twice the last), and a
reciprocated pair adds both directions. Communities are renumbered by size (largest first,
ties by smallest member node number), so ids do not depend on Leiden's internal labels.
Communities smaller than ``min_size`` titles (isolated titles and tiny fragments) are merged
into one grey "Other" community, which always takes the last id, so the legend and palette
are spent on real groups.

Given the previous export's communities (``previous``: title id -> community id, as
``--reuse-layout`` does), the new communities keep the ids, and so the colours, of the old ones
they overlap most (greedy one-to-one matching by shared titles), so a re-crawl does not
repaint the map; new communities take the free ids.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Mapping, Sequence

import igraph
import numpy as np

from .model import Community, MapGraph
from .palette import OTHER_COLOR, community_color

logger = logging.getLogger(__name__)

OTHER_NAME = "Other"

_RANK_SPAN = 24.0  # rank r weighs 1 - r / 24: rank 0 -> 1.0, rank 11 -> 0.54
_MIN_SUPPORT = 0.2  # a genre or decade must cover a fifth of a community to name it
_MIN_LIFT = 1.25  # ... and be this much more common there than overall


def detect_communities(
    graph: MapGraph,
    *,
    seed: int,
    resolution: float = 1.0,
    min_size: int = 3,
    previous: Mapping[str, int] | None = None,
) -> None:
    """Leiden (modularity) communities, seeded: same graph and seed give the same partition."""
    if graph.node_count == 0:
        raise ValueError("cannot detect communities of an empty graph (0 nodes)")
    if resolution <= 0:
        raise ValueError(f"invalid resolution {resolution!r}: expecting a positive number")
    membership = leiden_membership(graph, seed=seed, resolution=resolution)
    labels, sizes = _stable_labels(membership, min_size)
    has_other = bool(min_size > 1 and (sizes < min_size).any())
    if previous:
        real = len(sizes) - int(has_other)
        old = np.asarray([previous.get(tt, -1) for tt in graph.ids], dtype=np.int64)
        labels = follow_previous(labels, real, old)
        sizes = np.bincount(labels, minlength=len(sizes))
    graph.community = labels
    names = community_names(graph, labels, len(sizes))
    graph.communities = [
        Community(id=c, name=names[c], color=community_color(c), size=int(sizes[c]))
        for c in range(len(sizes))
    ]
    if has_other:
        last = graph.communities[-1]
        last.name, last.color = OTHER_NAME, OTHER_COLOR
    logger.info(
        "communities: %d (largest %d titles%s)",
        len(sizes),
        int(sizes.max()),
        f", {int(sizes[-1])} in {OTHER_NAME!r}" if has_other else "",
    )


def follow_previous(labels: np.ndarray, real: int, old: np.ndarray) -> np.ndarray:
    """Relabel communities ``0..real-1`` of ``labels`` so each takes the id of the previous
    community (``old``: per node, -1 where new) it shares most titles with, one to one, best
    overlaps first; the rest take the free ids below ``real``. Ids stay ``0..real-1`` (and
    "Other", ``real``, stays last)."""
    known = (labels < real) & (old >= 0) & (old < real)
    pairs, counts = np.unique(
        np.stack((labels[known], old[known]), axis=1), axis=0, return_counts=True
    )
    mapping = np.full(real, -1, dtype=np.int64)
    taken = np.zeros(real, dtype=bool)
    # Most shared titles first; ties by new id, then old id (deterministic).
    for k in np.lexsort((pairs[:, 1], pairs[:, 0], -counts)) if pairs.size else []:
        new, before = int(pairs[k, 0]), int(pairs[k, 1])
        if mapping[new] < 0 and not taken[before]:
            mapping[new] = before
            taken[before] = True
    free = iter(np.flatnonzero(~taken).tolist())
    for new in range(real):
        if mapping[new] < 0:
            mapping[new] = next(free)
    relabel = np.concatenate((mapping, np.arange(real, int(labels.max(initial=0)) + 1)))
    return relabel[labels].astype(np.int32)


def leiden_membership(graph: MapGraph, *, seed: int, resolution: float = 1.0) -> np.ndarray:
    """Raw Leiden labels (int64 per node), seeded; shared with the layout step."""
    edges, weights = undirected_edges(graph)
    g = igraph.Graph(n=graph.node_count, edges=edges, directed=False)
    # igraph draws from a process-wide generator: give it a private seeded one and put
    # Python's ``random`` module (igraph's default) back afterwards.
    igraph.set_random_number_generator(random.Random(seed))
    try:
        clustering = g.community_leiden(
            objective_function="modularity",
            weights=weights.tolist(),
            resolution=resolution,
            n_iterations=-1,
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(clustering.membership, dtype=np.int64)


def undirected_edges(graph: MapGraph) -> tuple[np.ndarray, np.ndarray]:
    """Unique undirected edges (``(m, 2)`` int64, low id first) and their rank weights."""
    n = graph.node_count
    s = graph.sources.astype(np.int64)
    t = graph.targets.astype(np.int64)
    keys = np.minimum(s, t) * n + np.maximum(s, t)
    unique, inverse = np.unique(keys, return_inverse=True)
    w = 1.0 - graph.ranks.astype(np.float64) / _RANK_SPAN
    weights = np.bincount(inverse, weights=np.clip(w, 0.05, 1.0), minlength=unique.shape[0])
    return np.stack((unique // n, unique % n), axis=1), weights


def _stable_labels(membership: np.ndarray, min_size: int) -> tuple[np.ndarray, np.ndarray]:
    n = membership.shape[0]
    _, raw = np.unique(membership, return_inverse=True)
    counts = np.bincount(raw)
    smallest = np.full(counts.shape[0], n, dtype=np.int64)
    np.minimum.at(smallest, raw, np.arange(n))
    small = counts < min_size
    order = np.lexsort((smallest, -counts))  # size descending, then smallest member
    order = np.concatenate((order[~small[order]], order[small[order]]))
    new = np.empty_like(order)
    new[order] = np.arange(order.shape[0])
    labels = new[raw]
    real = int((~small).sum())
    if small.any():
        labels = np.minimum(labels, real)  # every tiny community becomes "Other"
    sizes = np.bincount(labels)
    return labels.astype(np.int32), sizes


def community_names(graph: MapGraph, labels: np.ndarray, count: int) -> list[str]:
    """Names like "Horror · 1980s": the most over-represented genre and decade of each.

    A genre or decade names a community only if it covers at least a fifth of it (and 3
    titles) and is 1.25 times as common there as overall; otherwise the genre part is
    "Mixed" and the decade part the community's median decade. With neither, the name is
    "Community N". A name already taken by a bigger community gets the community's next most
    telling attribute ("Drama · 1970s · Crime": its most over-represented genre not yet in the
    name, else country, else director); " (2)", " (3)", ... only when none is left.
    """
    genre_label, _, genre_ok = _best_lift(labels, count, graph.genres)
    decades = [[f"{y // 10 * 10}s"] if y is not None else [] for y in graph.years]
    decade_label, _, decade_ok = _best_lift(labels, count, decades)
    median = _median_decades(labels, count, graph.years)
    names: list[str] = []
    for c in range(count):
        genre = genre_label[c] if genre_ok[c] else ("Mixed" if genre_label[c] else "")
        decade = decade_label[c] if decade_ok[c] else median[c]
        if genre and decade:
            names.append(f"{genre} · {decade}")
        elif genre and genre != "Mixed":
            names.append(genre)
        else:
            names.append(f"Community {c}")
    return distinct_names(graph, labels, names)


def distinct_names(graph: MapGraph, labels: np.ndarray, names: list[str]) -> list[str]:
    """``names`` with each repeat (a smaller community's: ids go by size) told apart by the
    community's most over-represented value of the first attribute that gives a new name:
    genres (one not in the name yet), countries, directors; else " (2)", " (3)", ..."""
    count = len(names)
    ranked = [
        _ranked_values(labels, count, values)
        for values in (graph.genres, graph.countries, graph.directors)
    ]
    out: list[str] = []
    for c, name in enumerate(names):
        if name not in out:
            out.append(name)
            continue
        parts = set(name.split(" · "))
        options = (f"{name} · {v}" for values in ranked for v in values[c] if v not in parts)
        better = next((o for o in options if o not in out), None)
        number = 2
        while better is None and f"{name} ({number})" in out:
            number += 1
        out.append(better or f"{name} ({number})")
    return out


def _ranked_values(
    labels: np.ndarray, count: int, values: Sequence[Sequence[str]]
) -> list[list[str]]:
    """Each community's values that are over-represented there (more common than overall, 3
    titles or more), most over-represented first (ties: more titles, then alphabetical)."""
    names, table, lift = _lift_table(labels, count, values)
    out = []
    for c in range(count):
        telling = [v for v in range(len(names)) if lift[c, v] > 1.0 and table[c, v] >= 3.0]
        telling.sort(key=lambda v: (-lift[c, v], -table[c, v], names[v]))
        out.append([names[v] for v in telling])
    return out


def _lift_table(
    labels: np.ndarray, count: int, values: Sequence[Sequence[str]]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(values, titles per community and value, lift: a value's share in a community over its
    share overall)."""
    vocabulary: dict[str, int] = {}
    node_of, value_of = [], []
    for i, vs in enumerate(values):
        for v in vs:
            node_of.append(i)
            value_of.append(vocabulary.setdefault(v, len(vocabulary)))
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    table = np.zeros((count, len(vocabulary)))
    if vocabulary:
        np.add.at(table, (labels[np.asarray(node_of)], np.asarray(value_of)), 1.0)
    sizes = np.bincount(labels, minlength=count).astype(np.float64)
    overall = table.sum(0) / max(labels.shape[0], 1)
    share = table / np.maximum(sizes, 1.0)[:, None]
    return names, table, share / np.maximum(overall, 1e-12)[None, :]


def _best_lift(
    labels: np.ndarray, count: int, values: Sequence[Sequence[str]]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    names, table, lift = _lift_table(labels, count, values)
    if not names:
        return [""] * count, np.zeros(count), np.zeros(count, dtype=bool)
    sizes = np.bincount(labels, minlength=count).astype(np.float64)
    share = table / np.maximum(sizes, 1.0)[:, None]
    supported = (share >= _MIN_SUPPORT) & (table >= 3.0)
    # Ties in lift go to the more common value, then the alphabetically first one.
    score = np.where(supported, lift, 0.0)
    order = sorted(range(len(names)), key=names.__getitem__)
    best = np.empty(count, dtype=np.int64)
    for c in range(count):
        best[c] = _best_of(order, score[c], table[c])
    best_lift = score[np.arange(count), best]
    chosen = [names[b] if sizes[c] > 0 else "" for c, b in enumerate(best.tolist())]
    return chosen, best_lift, best_lift >= _MIN_LIFT


def _best_of(order: list[int], score: np.ndarray, count: np.ndarray) -> int:
    """The first value in ``order`` with the highest (score, count)."""
    return max(order, key=lambda v: (score[v], count[v]))


def _median_decades(labels: np.ndarray, count: int, years: Sequence[int | None]) -> list[str]:
    known = np.array([y is not None for y in years])
    if not known.any():
        return [""] * count
    y = np.array([v for v in years if v is not None], dtype=np.int64)
    lab = labels[known]
    out = []
    for c in range(count):
        mine = y[lab == c]
        out.append(f"{int(np.median(mine)) // 10 * 10}s" if mine.size else "")
    return out


def compute_sizes(graph: MapGraph) -> None:
    """``in_degree`` (how often recommended) and ``size`` (in-degree, votes as tie-break).

    ``size = 1 + in_degree + log1p(votes) / (log1p(max votes) + 1)``: the votes term is in
    [0, 1), so size is strictly increasing in in-degree and orders equal in-degrees by votes.
    """
    n = graph.node_count
    graph.in_degree = np.bincount(graph.targets, minlength=n).astype(np.int32)
    votes = np.array([v if v is not None and v > 0 else 0 for v in graph.votes], dtype=np.float64)
    top = math.log1p(float(votes.max())) if n else 0.0
    graph.size = 1.0 + graph.in_degree + np.log1p(votes) / (top + 1.0)
