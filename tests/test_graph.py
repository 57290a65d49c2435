"""The graph step's pieces that need no database: the largest component and subgraphs."""

from __future__ import annotations

import numpy as np
import pytest

from exporters.graph import largest_component_nodes
from exporters.model import MapGraph, node_fields


def graph_of(n: int, edges: list[tuple[int, int]]) -> MapGraph:
    """A graph of ``n`` titles with distinct metadata in every field and the given edges."""
    values = {
        f.name: [f"{f.name}-{i}" if f.name in ("ids", "titles") else [f.name, i] for i in range(n)]
        for f in node_fields()
    }
    return MapGraph(
        **values,
        sources=np.asarray([s for s, _ in edges], dtype=np.int32),
        targets=np.asarray([t for _, t in edges], dtype=np.int32),
        ranks=np.arange(len(edges), dtype=np.int16),
        origins=np.ones(len(edges), dtype=np.uint8),
    )


def union_find_largest(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """The reference: the hand-written union-find the graph step used before scipy."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for s, t in edges:
        a, b = find(s), find(t)
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots = [find(i) for i in range(n)]
    counts = np.bincount(roots)
    biggest = int(counts.argmax())
    return [i for i in range(n) if roots[i] == biggest]


@pytest.mark.parametrize("seed", range(8))
def test_largest_component_is_the_union_finds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    count = int(rng.integers(0, n))
    edges = [(int(a), int(b)) for a, b in rng.integers(0, n, size=(count, 2))]
    assert largest_component_nodes(graph_of(n, edges)).tolist() == union_find_largest(n, edges)


def test_equal_components_keep_the_one_with_the_lowest_node() -> None:
    # {1, 4} and {0, 3} have two titles each, 2 is alone: {0, 3} holds the lowest number.
    edges = [(4, 1), (3, 0)]
    assert largest_component_nodes(graph_of(5, edges)).tolist() == [0, 3]
    assert union_find_largest(5, edges) == [0, 3]


def test_edge_direction_does_not_matter() -> None:
    # 0 -> 1 <- 2 is one weak component although 0 and 2 reach nothing in common.
    assert largest_component_nodes(graph_of(4, [(0, 1), (2, 1)])).tolist() == [0, 1, 2]


def test_a_subgraph_keeps_every_declared_field_and_renumbers_edges() -> None:
    graph = graph_of(6, [(0, 1), (1, 5), (5, 0), (2, 3), (4, 1)])
    sub = graph.subgraph(np.asarray([0, 1, 5]))
    for f in node_fields():
        column = getattr(graph, f.name)
        assert getattr(sub, f.name) == [column[0], column[1], column[5]], f.name
    assert list(zip(sub.sources.tolist(), sub.targets.tolist(), strict=True)) == [
        (0, 1),
        (1, 2),
        (2, 0),
    ]
    assert sub.ranks.tolist() == [0, 1, 2] and sub.sources.dtype == np.int32
