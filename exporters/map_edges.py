"""The map's edges: recommendations made undirected, ordered by strength, capped per node,
and picked for each quad's files (``shared/specs/shingle-format.md`` section 4).

* A reciprocated recommendation is one relation, oriented from the title that ranks the other
  higher. Strength order: best rank, then the rank of the reverse recommendation (reciprocated
  first), then node numbers.
* The per-node cap is the C++ writer's counter rule: walking that order, both ends' counters
  are raised and the edge stays if both are still within the cap (``SPEC_EDGE_CAP``, 24).
* Per quad, the ``equad_`` file lists every kept edge touching one of its nodes, and the
  ``quad_`` file the ``SPEC_COMPACT_RELATIONS`` (101) most important ones: every own node's
  strongest edge first, then its second, and so on.

Reads the edge arrays of a ``MapGraph`` and the quad of each node; everything is ordered
explicitly (ties broken by node number), so the same graph gives the same picks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import MapGraph

SPEC_EDGE_CAP = 24  # the C++ counter rule keeps at most 24 edges per node
SPEC_COMPACT_RELATIONS = 101


@dataclass(slots=True)
class MapEdges:
    """Undirected map edges in strength order (strongest first)."""

    a: np.ndarray  # node numbers, oriented from the stronger recommendation
    b: np.ndarray
    rank: np.ndarray  # best rank of the pair
    kept: np.ndarray  # bool: survives the per-node counter rule
    degree: np.ndarray  # per node: all map edges touching it (``tne``)


def edge_positions(ends_a: np.ndarray, ends_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each edge (in order) its 0-based position among the edges of ``a`` and of ``b``."""
    count = ends_a.shape[0]
    ends = np.concatenate((ends_a, ends_b))
    order_key = np.concatenate((np.arange(count), np.arange(count)))
    o = np.lexsort((order_key, ends))
    sorted_ends = ends[o]
    first = np.searchsorted(sorted_ends, sorted_ends, side="left")
    pos = np.empty(2 * count, dtype=np.int64)
    pos[o] = np.arange(2 * count) - first
    return pos[:count], pos[count:]


def map_edges(graph: MapGraph, cap: int = SPEC_EDGE_CAP) -> MapEdges:
    """The graph's recommendations as undirected map edges in strength order, with the
    per-node counter rule applied at ``cap`` (see the module docstring)."""
    n = graph.node_count
    s = graph.sources.astype(np.int64)
    t = graph.targets.astype(np.int64)
    r = graph.ranks.astype(np.int64)
    ok = s != t
    s, t, r = s[ok], t[ok], r[ok]
    lo, hi = np.minimum(s, t), np.maximum(s, t)
    key = lo * n + hi
    o = np.lexsort((s, r, key))
    key, s, t, r = key[o], s[o], t[o], r[o]
    if key.shape[0]:
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    else:
        starts = np.zeros(0, dtype=np.int64)
    ends = np.append(starts[1:], key.shape[0]) - 1
    best = r[starts]
    other = np.where(ends > starts, r[ends], 1 << 20)  # reverse recommendation, if any
    a, b = s[starts], t[starts]
    order = np.lexsort((np.maximum(a, b), np.minimum(a, b), other, best))
    a, b, best = a[order], b[order], best[order]
    pos_a, pos_b = edge_positions(a, b)
    # counter rule: both counters are raised, the edge stays if both are still below cap + 1
    kept = (pos_a < cap) & (pos_b < cap)
    degree = np.bincount(np.concatenate((a, b)), minlength=n)
    return MapEdges(a=a, b=b, rank=best, kept=kept, degree=degree)


@dataclass(slots=True)
class QuadRelations:
    """Per quad, the kept edges (numbers into the kept edges, strength order) of its files."""

    full: list[np.ndarray]  # ``equad_``: every kept edge touching the quad
    compact: list[np.ndarray]  # ``quad_``: at most ``max_compact_relations``

    @property
    def full_count(self) -> int:
        """Relations in all ``equad_`` files together."""
        return sum(int(p.shape[0]) for p in self.full)

    @property
    def compact_count(self) -> int:
        """Relations in all ``quad_`` files together."""
        return sum(int(p.shape[0]) for p in self.compact)


def relations_by_quad(
    edges: MapEdges, quad_of: np.ndarray, quads: int, max_compact_relations: int
) -> QuadRelations:
    """The edges of each quad's two files: ``quad_of`` gives each node's quad (``quads`` of
    them); numbers index the kept edges (``np.flatnonzero(edges.kept)``), strength order."""
    kept = np.flatnonzero(edges.kept)
    a, b = edges.a[kept], edges.b[kept]
    pos_a, pos_b = edge_positions(a, b)
    qa, qb = quad_of[a], quad_of[b]
    both = qa == qb
    # The compact file takes every own node's strongest edge, then every second one, …: an
    # edge's round is its rank among the edges of its end in the quad (the better of both
    # ranks when both ends are in it).
    round_a = np.where(both, np.minimum(pos_a, pos_b), pos_a)
    cross = np.flatnonzero(~both)
    quad = np.concatenate((qa, qb[cross]))
    edge = np.concatenate((np.arange(kept.shape[0]), cross))
    rounds = np.concatenate((round_a, pos_b[cross]))
    o = np.lexsort((edge, quad))
    bounds = np.searchsorted(quad[o], np.arange(quads + 1))
    full = [edge[o[bounds[q] : bounds[q + 1]]] for q in range(quads)]
    o = np.lexsort((edge, rounds, quad))
    bounds = np.searchsorted(quad[o], np.arange(quads + 1))
    limit = max_compact_relations
    compact = [edge[o[bounds[q] : min(bounds[q + 1], bounds[q] + limit)]] for q in range(quads)]
    return QuadRelations(full=full, compact=compact)
