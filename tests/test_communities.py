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
    pattern = re.compile(
        r"^([A-Z][\w-]+|Mixed) · \d{4}s( · [^·]+| \(\d+\))?$|^Community \d+$|^Other$"
    )
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


def test_two_communities_with_one_name_are_told_apart_by_their_next_attribute() -> None:
    from exporters.communities import community_names, distinct_names

    graph = _graph()
    detect_communities(graph, seed=3)
    labels = graph.community
    count = int(labels.max()) + 1
    # Communities 0 and 1: 1970s dramas; a sixth of 1 (and a few titles elsewhere) are crime
    # films too, and 1's titles are mostly French. Everything else: comedies of the 2000s.
    for i in range(graph.node_count):
        c = int(labels[i])
        graph.genres[i] = ["Drama"] if c in (0, 1) else ["Comedy"]
        graph.years[i] = 1975 if c in (0, 1) else 2005
        graph.countries[i] = ["FR"] if c == 1 else ["US"]
        if (c == 1 and i % 6 == 0) or (c > 1 and i % 40 == 0):
            graph.genres[i] = [*graph.genres[i], "Crime"]
    names = community_names(graph, labels, count)
    assert names[0] == "Drama · 1970s"
    assert names[1] == "Drama · 1970s · Crime"  # its next most telling genre
    assert len(set(names)) == len(names), names
    # Without a telling genre, the country; with nothing telling at all, a number.
    for i in range(graph.node_count):
        graph.genres[i] = [g for g in graph.genres[i] if g != "Crime"]
    assert community_names(graph, labels, count)[1] == "Drama · 1970s · FR"
    graph.genres = [["Drama"]] * graph.node_count
    graph.countries = [["US"]] * graph.node_count
    graph.directors = [[]] * graph.node_count
    plain = ["Drama · 1970s"] * 3 + [f"Community {c}" for c in range(3, count)]
    again = distinct_names(graph, labels, plain)
    assert again[:3] == ["Drama · 1970s", "Drama · 1970s (2)", "Drama · 1970s (3)"]
    assert again[3:] == plain[3:]


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
