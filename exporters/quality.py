"""How good a layout is: the figures of ``shared/research/layout-benchmarks.md``, sampled.

Reads ``MapGraph.x``/``y``, the edges and (for ``ownL``) ``community``. All figures are
shares in [0, 1], higher is better:

``neighbour_share``
    for each sampled node, the share of its (undirected) graph neighbours among its ``k``
    nearest nodes in the plane, ``k`` = its degree; averaged.
``ownL``
    share of nodes whose nearest community centre (mean position) is their own community's.
    A random layout scores about the largest community's share.
``occ``
    share of a 512×512 grid over the bounding box holding at least one node: low means
    clusters collapsed to points. It cannot exceed ``occ_max`` = nodes / 512².
``short``
    share of edges shorter than a tenth of the median distance between two random nodes.

Sampled with a seeded generator, so the figures are reproducible; a few seconds at 176,000
nodes.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .model import MapGraph

GRID = 512


def layout_quality(
    graph: MapGraph, *, seed: int = 0, sample: int = 2000, pairs: int = 200_000
) -> dict[str, float]:
    """The quality figures of the graph's layout (see the module docstring)."""
    if graph.x is None or graph.y is None:
        raise ValueError("the graph has no layout yet: run compute_layout first")
    n = graph.node_count
    if n == 0:
        raise ValueError("cannot measure the layout of an empty graph (0 nodes)")
    rng = np.random.default_rng(seed)
    xy = np.column_stack((graph.x, graph.y)).astype(np.float64)
    out: dict[str, float] = {"nodes": float(n)}

    # occ: occupied share of a 512x512 grid over the bounding box.
    low, span = xy.min(0), np.ptp(xy, axis=0)
    cell = np.floor((xy - low) / np.where(span > 0, span, 1.0) * GRID).astype(np.int64)
    cell = np.clip(cell, 0, GRID - 1)
    out["occ"] = np.unique(cell[:, 0] * GRID + cell[:, 1]).shape[0] / GRID**2
    out["occ_max"] = min(1.0, n / GRID**2)

    # short: edges shorter than a tenth of the median distance between random pairs.
    a, b = rng.integers(0, n, size=(2, pairs))
    median = float(np.median(np.hypot(*(xy[a] - xy[b]).T)))
    e = graph.edge_count
    if e:
        pick = rng.integers(0, e, size=min(e, pairs))
        length = np.hypot(*(xy[graph.sources[pick]] - xy[graph.targets[pick]]).T)
        out["short"] = float((length < median / 10).mean())
    else:
        out["short"] = 0.0

    # neighbour_share: graph neighbours among the k nearest in the plane.
    adjacent, bounds = _undirected_adjacency(graph)
    tree = cKDTree(xy)
    nodes = rng.choice(n, size=min(n, sample), replace=False)
    shares = []
    for i in nodes.tolist():
        mine = adjacent[bounds[i] : bounds[i + 1]]
        k = len(mine)
        if k == 0:
            continue
        _, found = tree.query(xy[i], k=min(n, k + 1))
        found = np.atleast_1d(found)
        found = found[found != i][:k]
        shares.append(np.intersect1d(found, mine, assume_unique=True).shape[0] / k)
    out["neighbour_share"] = float(np.mean(shares)) if shares else 0.0

    # ownL: nearest community centre is the node's own.
    if graph.community is not None:
        labels = graph.community.astype(np.int64)
        count = np.bincount(labels).astype(np.float64)
        present = np.flatnonzero(count > 0)
        centres = np.column_stack(
            (
                np.bincount(labels, weights=xy[:, 0])[present] / count[present],
                np.bincount(labels, weights=xy[:, 1])[present] / count[present],
            )
        )
        _, nearest = cKDTree(centres).query(xy, k=1)
        out["ownL"] = float((present[nearest] == labels).mean())
    return out


def _undirected_adjacency(graph: MapGraph) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours of node i: ``adjacent[bounds[i]:bounds[i + 1]]``, sorted."""
    n = graph.node_count
    s = np.concatenate((graph.sources, graph.targets)).astype(np.int64)
    t = np.concatenate((graph.targets, graph.sources)).astype(np.int64)
    key = np.unique(s * n + t)
    s, t = key // n, key % n
    return t, np.searchsorted(s, np.arange(n + 1))


def describe_quality(quality: dict[str, float]) -> str:
    """The figures a reader can use, in words (``format_quality`` has them all, for
    ``--verbose``), e.g. ``layout: 90% of titles lie nearest their own community's centre``."""
    parts = []
    if "ownL" in quality:
        parts.append(f"{quality['ownL']:.0%} of titles lie nearest their own community's centre")
    if "neighbour_share" in quality:
        parts.append(
            f"{quality['neighbour_share']:.0%} of the titles drawn closest to a title are ones "
            "it is linked to"
        )
    return "layout: " + ("; ".join(parts) if parts else "placed")


def format_quality(quality: dict[str, float]) -> str:
    """One line for the CLI, e.g. ``layout quality: ownL .83  occ .58/.67  short .38 ...``."""

    def share(v: float) -> str:
        return f"{v:.2f}".removeprefix("0")

    parts = []
    if "ownL" in quality:
        parts.append(f"ownL {share(quality['ownL'])}")
    if "occ" in quality:
        ceiling = f" (max {share(quality['occ_max'])})" if "occ_max" in quality else ""
        parts.append(f"occ {share(quality['occ'])}{ceiling}")
    for key, label in (("short", "short"), ("neighbour_share", "neighbours")):
        if key in quality:
            parts.append(f"{label} {share(quality[key])}")
    return "layout quality: " + "  ".join(parts)
