"""Step 1: the recommendation graph, read from a crawl database through ``imdb_spider.store``.

Nodes are crawled titles with their metadata; edges are the stored recommendations (directed,
with rank). Options: minimum votes, title types, the largest (weakly) connected component
only, and whether recommended-but-uncrawled titles become nodes (default: not; their edges
are dropped and counted in ``MapGraph.dropped_edges``), and which sources' recommendations
to take (``source``: ``imdb``, ``tmdb`` or ``all``). With ``all``, a title recommended by both
sources is one edge with both bits in ``MapGraph.origins`` and the better of the two ranks;
the titles are the crawled ones whatever the source.

The graph also keeps what the map leaves out: per title, the titles it recommends that are
not nodes (``MapGraph.missing_recs``, named from the crawl or IMDb's datasets where it can:
``Store.title_names``), and whether the crawl came from the sandbox (``MapGraph.demo``: every
run crawled a loopback host, ``Store.run_hosts``; ``demo=`` says so explicitly).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from imdb_spider.store import ORIGINS, Store, StoreError, describe

from .model import EDGE, MISSING, NODE, ORIGIN_BITS, MapGraph, edge_fields, node_fields

logger = logging.getLogger(__name__)


#: What ``load_graph(source=...)`` and ``--source`` accept: one source, or all of them.
SOURCES = ("all", *ORIGINS)


class GraphError(Exception):
    """The database cannot give a graph (missing, empty, or filtered down to nothing)."""


def load_graph(
    db_path: str | Path,
    *,
    min_votes: int | None = None,
    title_types: Iterable[str] | None = None,
    largest_component: bool = False,
    include_uncrawled: bool = False,
    source: str = "all",
    demo: bool | None = None,
) -> MapGraph:
    """The graph of the crawl in ``db_path`` (see the module's docstring); ``demo`` marks it
    as made from invented titles (None: when every run crawled the sandbox on loopback)."""
    if source not in SOURCES:
        raise GraphError(f"unknown source {source!r}: expecting one of {', '.join(SOURCES)}")
    try:
        store = Store(db_path, create=False)
    except StoreError as exc:
        raise GraphError(str(exc)) from None
    with store, store.snapshot():  # one moment of a crawl that may be running
        titles = list(store.titles())
        edges = list(store.edge_rows(None if source == "all" else source))
        graph = _graph_of(
            db_path,
            titles,
            edges,
            min_votes=min_votes,
            title_types=title_types,
            include_uncrawled=include_uncrawled,
        )
        if largest_component:
            graph = _largest_component(graph)
        graph.outside_names.update(store.title_names(_missing_ids(graph)))
        graph.demo = is_sandbox_crawl(store.run_hosts()) if demo is None else demo
    logger.info(
        "graph: %d nodes, %d edges (%d edges to titles outside the graph dropped)",
        graph.node_count,
        graph.edge_count,
        graph.dropped_edges,
    )
    return graph


def _graph_of(
    db_path: str | Path,
    titles: list[dict],
    edges: list[tuple[str, str, int, str]],
    *,
    min_votes: int | None,
    title_types: Iterable[str] | None,
    include_uncrawled: bool,
) -> MapGraph:
    """The graph of the titles that pass the filters."""
    if not titles:
        raise GraphError(f"{describe(db_path)} holds no crawled titles yet: run a crawl first")
    types = set(title_types) if title_types else None
    kept = [
        t
        for t in titles
        if (types is None or t["title_type"] in types)
        and (min_votes is None or (t["votes"] or 0) >= min_votes)
    ]
    if not kept:
        raise GraphError(
            f"no title of {describe(db_path)} passes the filters (min votes {min_votes}, "
            f"types {sorted(types) if types else 'any'})"
        )
    return _build(kept, edges, include_uncrawled)


def _missing_ids(graph: MapGraph) -> set[str]:
    return {tt for entries in graph.missing_recs for _, tt in entries}


def is_sandbox_crawl(hosts: list[str | None]) -> bool:
    """Whether runs that crawled ``hosts`` (``Store.run_hosts``) made a demo map: there was a
    run, and every one crawled a loopback host (the bundled sandbox). A run that recorded no
    host counts as real."""
    return bool(hosts) and all(host is not None and _loopback(host) for host in hosts)


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _build(titles: list[dict], edges: list[tuple[str, str, int, str]], uncrawled: bool) -> MapGraph:
    ids = [t["id"] for t in titles]
    index = {tt: i for i, tt in enumerate(ids)}
    columns = [(f.name, f.metadata[NODE], f.metadata[MISSING]) for f in node_fields()]
    if uncrawled:
        extra = sorted({t for s, t, _, _ in edges if s in index and t not in index})
        for tt in extra:
            index[tt] = len(ids)
            ids.append(tt)
            titles.append({column: missing(tt) for _, column, missing in columns})
    sources, targets, ranks, bits = [], [], [], []
    dropped = 0
    outside: dict[int, dict[str, int]] = {}  # node -> {id not on the map: best rank}
    for source, target, rank, origin in edges:
        s, t = index.get(source), index.get(target)
        if s is None:
            continue  # the source title itself is filtered out
        if t is None or s == t:
            dropped += 1
            if t is None:
                best = outside.setdefault(s, {})
                best[target] = min(rank, best.get(target, rank))
            continue
        sources.append(s)
        targets.append(t)
        ranks.append(rank)
        bits.append(ORIGIN_BITS[origin])
    lists = _merge_sources(len(ids), sources, targets, ranks, bits)
    values: dict[str, Any] = {name: [t[column] for t in titles] for name, column, _ in columns}
    for f in edge_fields():
        values[f.name] = np.asarray(lists[f.name], dtype=f.metadata[EDGE])
    missing = [sorted((r, tt) for tt, r in outside.get(i, {}).items()) for i in range(len(ids))]
    return MapGraph(**values, dropped_edges=dropped, missing_recs=missing)


def _merge_sources(
    n: int, sources: list[int], targets: list[int], ranks: list[int], bits: list[int]
) -> dict[str, np.ndarray]:
    """One edge per (source, target): the sources' bits or-ed, the best rank kept; ordered
    by source, rank, target (a one-source crawl keeps its stored order)."""
    s = np.asarray(sources, dtype=np.int64)
    t = np.asarray(targets, dtype=np.int64)
    r = np.asarray(ranks, dtype=np.int64)
    b = np.asarray(bits, dtype=np.uint8)
    key = s * max(n, 1) + t
    order = np.lexsort((r, key))
    key, r, b = key[order], r[order], b[order]
    if key.shape[0]:
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        merged = np.bitwise_or.reduceat(b, starts)
    else:
        starts = np.zeros(0, dtype=np.int64)
        merged = b
    s, t, r = key[starts] // max(n, 1), key[starts] % max(n, 1), r[starts]
    final = np.lexsort((t, r, s))
    return {"sources": s[final], "targets": t[final], "ranks": r[final], "origins": merged[final]}


def largest_component_nodes(graph: MapGraph) -> np.ndarray:
    """Node numbers of the largest weakly connected component, ascending; of equal-sized
    components, the one holding the lowest node number."""
    n = graph.node_count
    adjacency = coo_matrix(
        (np.ones(graph.edge_count, dtype=np.int8), (graph.sources, graph.targets)), shape=(n, n)
    )
    _, labels = connected_components(adjacency, directed=True, connection="weak")
    sizes = np.bincount(labels)
    first_biggest = int(np.flatnonzero(sizes[labels] == sizes.max())[0])
    return np.flatnonzero(labels == labels[first_biggest])


def _largest_component(graph: MapGraph) -> MapGraph:
    """Keep the largest weakly connected component."""
    keep = largest_component_nodes(graph)
    if len(keep) == graph.node_count:
        return graph
    logger.info("largest component: %d of %d nodes", len(keep), graph.node_count)
    return graph.subgraph(keep)
