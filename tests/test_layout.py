"""Layout (step 2), layout quality figures, and the synthetic graph generator."""

from __future__ import annotations

import numpy as np
import pytest

from devtools.synthetic import synthetic_graph, synthetic_graph_with_truth
from exporters.layout import METHODS, compute_layout
from exporters.model import MapGraph
from exporters.quality import format_quality, layout_quality


@pytest.fixture(scope="module")
def planted() -> tuple[MapGraph, np.ndarray]:
    return synthetic_graph_with_truth(1500, seed=7, communities=8)


def _fresh(graph: MapGraph) -> MapGraph:
    return synthetic_graph_with_truth(graph.node_count, seed=7, communities=8)[0]


def test_synthetic_graph_is_seeded_and_imdb_like() -> None:
    a, truth = synthetic_graph_with_truth(3000, seed=1)
    b = synthetic_graph(3000, seed=1)
    c = synthetic_graph(3000, seed=2)
    assert a.ids == b.ids
    assert np.array_equal(a.sources, b.sources) and np.array_equal(a.targets, b.targets)
    assert not np.array_equal(a.targets[:500], c.targets[:500])
    n = a.node_count
    assert 6 <= a.edge_count / n <= 12  # about a dozen recommendations, fewer for obscure
    assert not (a.sources == a.targets).any()
    key = a.sources.astype(np.int64) * n + a.targets
    assert np.unique(key).shape[0] == a.edge_count  # no repeated recommendation
    reciprocated = np.isin(key, a.targets.astype(np.int64) * n + a.sources).mean()
    assert 0.12 < reciprocated < 0.35
    assert (truth[a.sources] == truth[a.targets]).mean() > 0.6
    assert a.ranks.min() == 0 and a.ranks.max() <= 11
    assert all(g for g in a.genres) and all(1915 <= y <= 2025 for y in a.years)


def test_layout_is_deterministic_for_a_seed(planted) -> None:
    graph, _ = planted
    first, second, other = _fresh(graph), _fresh(graph), _fresh(graph)
    compute_layout(first, seed=3, iterations=60)
    compute_layout(second, seed=3, iterations=60)
    compute_layout(other, seed=4, iterations=60)
    assert first.x.dtype == np.float64 and first.y.dtype == np.float64
    assert np.array_equal(first.x, second.x) and np.array_equal(first.y, second.y)
    assert not np.array_equal(first.x, other.x)


@pytest.mark.parametrize("method", ["clustered", "forces", "fr", "sfdp"])
def test_layout_is_centred_finite_and_distinct(planted, method: str) -> None:
    graph = _fresh(planted[0])
    compute_layout(graph, seed=1, method=method, iterations=40)
    xy = np.column_stack((graph.x, graph.y))
    assert np.isfinite(xy).all()
    extent = np.ptp(xy, axis=0).max()
    centre = (xy.min(0) + xy.max(0)) / 2
    assert np.abs(centre).max() < 1e-9 * extent
    assert extent == pytest.approx(10 * np.sqrt(graph.node_count))
    assert np.unique(xy, axis=0).shape[0] == graph.node_count


def test_layout_separates_planted_communities(planted) -> None:
    graph, truth = planted
    graph = _fresh(graph)
    compute_layout(graph, seed=2, iterations=120)
    graph.community = truth
    quality = layout_quality(graph, seed=0)
    # Random positions put a node nearest its own centre about 1/8 of the time.
    assert quality["ownL"] > 0.7
    assert quality["occ"] > 0.2 * quality["occ_max"]  # clusters not collapsed to points

    rng = np.random.default_rng(0)
    graph.x, graph.y = rng.random(graph.node_count), rng.random(graph.node_count)
    random_quality = layout_quality(graph, seed=0)
    assert random_quality["ownL"] < 0.45
    assert quality["short"] > 3 * random_quality["short"]
    assert quality["neighbour_share"] > 3 * random_quality["neighbour_share"]


def test_reuse_keeps_old_positions_and_places_new_titles_near_neighbours(planted) -> None:
    graph = _fresh(planted[0])
    compute_layout(graph, seed=5, iterations=80)
    rng = np.random.default_rng(1)
    new = rng.random(graph.node_count) < 0.05
    reuse = {
        tt: (float(x), float(y))
        for tt, x, y, fresh in zip(graph.ids, graph.x, graph.y, new, strict=True)
        if not fresh
    }
    again = _fresh(graph)
    compute_layout(again, seed=9, reuse=reuse)
    for i in np.flatnonzero(~new)[:200]:
        assert (again.x[i], again.y[i]) == reuse[again.ids[i]]
    # A new title lands closer to its neighbours than a typical distance on the map.
    spread = np.median(np.hypot(again.x - again.x.mean(), again.y - again.y.mean()))
    gaps = []
    for i in np.flatnonzero(new):
        mine = np.concatenate(
            (again.targets[again.sources == i], again.sources[again.targets == i])
        )
        if mine.size:
            gaps.append(np.mean(np.hypot(again.x[mine] - again.x[i], again.y[mine] - again.y[i])))
    assert np.median(gaps) < 0.5 * spread
    xy = np.column_stack((again.x, again.y))
    assert np.isfinite(xy).all() and np.unique(xy, axis=0).shape[0] == again.node_count


def test_reuse_of_a_complete_layout_changes_nothing(planted) -> None:
    graph = _fresh(planted[0])
    compute_layout(graph, seed=5, iterations=30)
    reuse = dict(zip(graph.ids, zip(graph.x.tolist(), graph.y.tolist(), strict=True), strict=True))
    again = _fresh(graph)
    compute_layout(again, seed=6, reuse=reuse)
    assert np.array_equal(again.x, graph.x) and np.array_equal(again.y, graph.y)


def test_progress_is_reported(planted) -> None:
    graph = _fresh(planted[0])
    seen: list[tuple[str, float]] = []
    compute_layout(graph, seed=1, iterations=30, progress=lambda s, f: seen.append((s, f)))
    assert seen[-1] == ("layout", 1.0)
    assert all(0.0 <= f <= 1.0 for _, f in seen)


def test_layout_errors() -> None:
    empty = synthetic_graph(10, seed=1)
    with pytest.raises(ValueError, match=r"unknown layout method 'spiral'.*clustered"):
        compute_layout(empty, seed=1, method="spiral")
    for name in ("ids", "titles", "years", "ratings", "votes", "title_types", "genres"):
        setattr(empty, name, [])
    empty.directors, empty.countries = [], []
    empty.sources = empty.targets = np.zeros(0, dtype=np.int32)
    empty.ranks = np.zeros(0, dtype=np.int16)
    with pytest.raises(ValueError, match="empty graph"):
        compute_layout(empty, seed=1)
    assert "clustered" in METHODS


def test_tiny_graphs_get_distinct_points() -> None:
    for n in (2, 3, 5):
        graph = synthetic_graph(n, seed=n)
        compute_layout(graph, seed=1, iterations=20)
        xy = np.column_stack((graph.x, graph.y))
        assert np.isfinite(xy).all()
        assert np.unique(xy, axis=0).shape[0] == n


def test_quality_figures_and_format(planted) -> None:
    graph = _fresh(planted[0])
    with pytest.raises(ValueError, match="no layout yet"):
        layout_quality(graph, seed=0)
    compute_layout(graph, seed=1, iterations=30)
    graph.community = planted[1]
    quality = layout_quality(graph, seed=0)
    for key in ("neighbour_share", "ownL", "occ", "short"):
        assert 0.0 <= quality[key] <= 1.0
    assert quality["occ_max"] == pytest.approx(graph.node_count / 512**2)
    assert layout_quality(graph, seed=0) == quality  # sampled, but seeded
    line = format_quality(quality)
    assert line.startswith("layout quality: ownL .")
    assert "occ ." in line and "short ." in line
