"""Communities (Leiden, stable ids, colours, names) and node sizes (step 3)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from devtools.synthetic import synthetic_graph, synthetic_graph_with_truth
from exporters.communities import OTHER_NAME, compute_sizes, detect_communities
from exporters.model import MapGraph
from exporters.palette import PALETTE, community_color


def _graph() -> MapGraph:
    return synthetic_graph_with_truth(2000, seed=11, communities=10)[0]


def test_partition_is_seeded_and_ids_are_stable() -> None:
    a, b, c = _graph(), _graph(), _graph()
    detect_communities(a, seed=1)
    detect_communities(b, seed=1)
    detect_communities(c, seed=2)
    assert a.community.dtype == np.int32 and a.community.min() >= 0
    assert np.array_equal(a.community, b.community)
    assert [x.name for x in a.communities] == [x.name for x in b.communities]
    # Ids are ordered by size (ties by smallest member), never by Leiden's own labels.
    sizes = [x.size for x in a.communities]
    assert sizes == [int(v) for v in np.bincount(a.community)]
    real = [x for x in a.communities if x.name != OTHER_NAME]
    assert [x.size for x in real] == sorted((x.size for x in real), reverse=True)
    assert [x.id for x in a.communities] == list(range(len(a.communities)))
    assert c.community.min() >= 0 and len(c.communities) == int(c.community.max()) + 1


def test_planted_communities_are_found() -> None:
    graph, truth = synthetic_graph_with_truth(2000, seed=11, communities=10)
    detect_communities(graph, seed=1)
    # Each found community is dominated by one planted community.
    purity = sum(
        np.bincount(truth[graph.community == c]).max() for c in range(len(graph.communities))
    )
    assert purity / graph.node_count > 0.8


def test_names_colours_and_sizes_are_readable() -> None:
    graph = _graph()
    detect_communities(graph, seed=3)
    names = [c.name for c in graph.communities]
    assert len(set(names)) == len(names)
    pattern = re.compile(r"^([A-Z][\w-]+|Mixed) · \d{4}s( \(\d+\))?$|^Community \d+$|^Other$")
    assert all(pattern.match(n) for n in names), names
    assert sum(n.split(" · ")[0] != "Mixed" for n in names) >= len(names) // 2
    for c in graph.communities:
        assert len(c.color) == 3 and all(0 <= v <= 255 for v in c.color)
    assert graph.communities[0].color == PALETTE[0]
    assert sum(c.size for c in graph.communities) == graph.node_count


def test_name_follows_the_over_represented_genre_and_decade() -> None:
    graph = _graph()
    # Make every title of one planted group a 1980s horror film.
    detect_communities(graph, seed=3)
    members = np.flatnonzero(graph.community == 0)
    for i in members.tolist():
        graph.genres[i] = ["Horror"]
        graph.years[i] = 1984
    detect_communities(graph, seed=3)
    assert graph.communities[0].name == "Horror · 1980s"


def test_tiny_pieces_go_to_other() -> None:
    graph = synthetic_graph(300, seed=4)
    # Two isolated titles: no edge touches nodes 0 and 1 any more.
    keep = ~np.isin(graph.sources, [0, 1]) & ~np.isin(graph.targets, [0, 1])
    graph.sources, graph.targets, graph.ranks = (
        graph.sources[keep],
        graph.targets[keep],
        graph.ranks[keep],
    )
    detect_communities(graph, seed=1)
    other = graph.communities[-1]
    assert other.name == OTHER_NAME and other.color == (160, 160, 160)
    assert graph.community[0] == graph.community[1] == other.id


def test_colours_beyond_the_palette_are_distinct() -> None:
    colours = [community_color(c) for c in range(60)]
    assert colours[:10] == list(PALETTE)
    assert len(set(colours)) == 60
    assert all(0 <= v <= 255 for colour in colours for v in colour)


def test_sizes_follow_in_degree_with_votes_as_tie_break() -> None:
    graph = synthetic_graph(500, seed=2)
    compute_sizes(graph)
    assert graph.in_degree.dtype == np.int32
    assert np.array_equal(graph.in_degree, np.bincount(graph.targets, minlength=500))
    assert (graph.size > 0).all() and graph.size.dtype == np.float64
    order = np.lexsort((np.array(graph.votes), graph.in_degree))
    assert (np.diff(graph.size[order]) >= 0).all()
    more = graph.in_degree[:, None] > graph.in_degree[None, :]
    assert (graph.size[:, None] > graph.size[None, :])[more].all()
    graph.votes[0] = None  # unknown votes still give a positive size
    compute_sizes(graph)
    assert graph.size[0] >= 1.0


def test_errors() -> None:
    graph = synthetic_graph(50, seed=1)
    with pytest.raises(ValueError, match="resolution"):
        detect_communities(graph, seed=1, resolution=0)
    for name in ("ids", "titles", "years", "ratings", "votes", "title_types", "genres"):
        setattr(graph, name, [])
    graph.directors, graph.countries = [], []
    graph.sources = graph.targets = np.zeros(0, dtype=np.int32)
    graph.ranks = np.zeros(0, dtype=np.int16)
    with pytest.raises(ValueError, match="empty graph"):
        detect_communities(graph, seed=1)


def test_new_communities_follow_the_previous_ids():
    from exporters.communities import follow_previous

    labels = np.asarray([0, 0, 0, 1, 1, 2, 2, 3], dtype=np.int32)  # 3 = "Other"
    old = np.asarray([2, 2, 1, 0, 0, -1, -1, 5])
    # 0 overlaps old 2 most, 1 overlaps old 0; 2 is new and takes the free id 1.
    assert follow_previous(labels, 3, old).tolist() == [2, 2, 2, 0, 0, 1, 1, 3]
    # Two new communities wanting the same old id: the bigger overlap wins.
    labels = np.asarray([0, 0, 0, 1, 1], dtype=np.int32)
    assert follow_previous(labels, 2, np.asarray([1, 1, 1, 1, 1])).tolist() == [1, 1, 1, 0, 0]
    # Nothing known: unchanged.
    assert follow_previous(labels, 2, np.full(5, -1)).tolist() == labels.tolist()
