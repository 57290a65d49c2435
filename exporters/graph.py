"""Step 1: the recommendation graph, read from a crawl database through ``imdb_spider.store``.

Nodes are crawled titles with their metadata; edges are the stored recommendations (directed,
with rank). Options: minimum votes, title types, the largest (weakly) connected component
only, and whether recommended-but-uncrawled titles become nodes (default: not; their edges
are dropped and counted in ``MapGraph.dropped_edges``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from imdb_spider.store import Store, StoreError

from .model import MapGraph

logger = logging.getLogger(__name__)


class GraphError(Exception):
    """The database cannot give a graph (missing, empty, or filtered down to nothing)."""


def load_graph(
    db_path: str | Path,
    *,
    min_votes: int | None = None,
    title_types: Iterable[str] | None = None,
    largest_component: bool = False,
    include_uncrawled: bool = False,
) -> MapGraph:
    try:
        store = Store(db_path, create=False)
    except StoreError as exc:
        raise GraphError(str(exc)) from None
    with store:
        titles = list(store.titles())
        edges = list(store.edges())
    if not titles:
        raise GraphError(f"{db_path} holds no crawled titles yet: run a crawl first")
    types = set(title_types) if title_types else None
    kept = [
        t
        for t in titles
        if (types is None or t["title_type"] in types)
        and (min_votes is None or (t["votes"] or 0) >= min_votes)
    ]
    if not kept:
        raise GraphError(
            f"no title of {db_path} passes the filters (min votes {min_votes}, "
            f"types {sorted(types) if types else 'any'})"
        )
    graph = _build(kept, edges, include_uncrawled)
    if largest_component:
        graph = _largest_component(graph)
    logger.info(
        "graph: %d nodes, %d edges (%d edges to titles outside the graph dropped)",
        graph.node_count,
        graph.edge_count,
        graph.dropped_edges,
    )
    return graph


def _build(titles: list[dict], edges: list[tuple[str, str, int]], uncrawled: bool) -> MapGraph:
    ids = [t["id"] for t in titles]
    index = {tt: i for i, tt in enumerate(ids)}
    if uncrawled:
        extra = sorted({t for s, t, _ in edges if s in index and t not in index})
        for tt in extra:
            index[tt] = len(ids)
            ids.append(tt)
            titles.append(
                {
                    "id": tt,
                    "title": tt,
                    "year": None,
                    "rating": None,
                    "votes": None,
                    "title_type": None,
                    "genres": [],
                    "directors": [],
                    "countries": [],
                }
            )
    sources, targets, ranks = [], [], []
    dropped = 0
    for source, target, rank in edges:
        s, t = index.get(source), index.get(target)
        if s is None:
            continue  # the source title itself is filtered out
        if t is None or s == t:
            dropped += 1
            continue
        sources.append(s)
        targets.append(t)
        ranks.append(rank)
    return MapGraph(
        ids=ids,
        titles=[t["title"] for t in titles],
        years=[t["year"] for t in titles],
        ratings=[t["rating"] for t in titles],
        votes=[t["votes"] for t in titles],
        title_types=[t["title_type"] for t in titles],
        genres=[t["genres"] for t in titles],
        directors=[t["directors"] for t in titles],
        countries=[t["countries"] for t in titles],
        sources=np.asarray(sources, dtype=np.int32),
        targets=np.asarray(targets, dtype=np.int32),
        ranks=np.asarray(ranks, dtype=np.int16),
        dropped_edges=dropped,
    )


def _largest_component(graph: MapGraph) -> MapGraph:
    """Keep the largest weakly connected component (union-find over the edge arrays)."""
    n = graph.node_count
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for s, t in zip(graph.sources.tolist(), graph.targets.tolist(), strict=True):
        a, b = find(s), find(t)
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots = np.fromiter((find(i) for i in range(n)), dtype=np.int64, count=n)
    biggest = np.bincount(roots).argmax()
    keep = np.flatnonzero(roots == biggest)
    if len(keep) == n:
        return graph
    new_number = np.full(n, -1, dtype=np.int64)
    new_number[keep] = np.arange(len(keep))
    mask = (new_number[graph.sources] >= 0) & (new_number[graph.targets] >= 0)
    pick = keep.tolist()
    logger.info("largest component: %d of %d nodes", len(keep), n)
    return MapGraph(
        ids=[graph.ids[i] for i in pick],
        titles=[graph.titles[i] for i in pick],
        years=[graph.years[i] for i in pick],
        ratings=[graph.ratings[i] for i in pick],
        votes=[graph.votes[i] for i in pick],
        title_types=[graph.title_types[i] for i in pick],
        genres=[graph.genres[i] for i in pick],
        directors=[graph.directors[i] for i in pick],
        countries=[graph.countries[i] for i in pick],
        sources=new_number[graph.sources[mask]].astype(np.int32),
        targets=new_number[graph.targets[mask]].astype(np.int32),
        ranks=graph.ranks[mask],
        dropped_edges=graph.dropped_edges,
    )
