"""Step 2: positions for every title (``MapGraph.x``, ``MapGraph.y``).

Reads the nodes and edges of a ``MapGraph`` (and ``community`` when the community step ran
first, which saves the layout its own Leiden run); fills ``x`` and ``y`` (float64, finite,
no two nodes on the same point, y growing downward as in SVG).

Methods (``METHODS``):

``clustered`` (default)
    Leiden communities are laid out first as heavy nodes of a quotient graph; every title
    starts near its community's place and a force-directed layout of the whole graph then
    runs in numpy. Repulsion is computed particle-mesh style: node masses are spread over a
    grid, convolved by FFT with the ``1/r`` repulsion kernel and read back, plus a near-field
    term for nodes sharing a grid cell, so an iteration costs O(n + edges + grid log grid)
    and the reference scale (176,000 titles) takes well under a minute on one core.
    Attraction grows as ``d^1.5`` (between ForceAtlas2's ``d`` and Fruchterman–Reingold's
    ``d^2``): ``d`` leaves clusters dense with empty space between them, ``d^2`` blurs them.
``forces``
    The same force layout from a random start, without communities.
``fr``
    igraph's Fruchterman–Reingold with its grid approximation (for comparison: fine on small
    graphs, but more than 12 CPU minutes at the reference scale with rank weights).
``fmme``
    OGDF's Fast Multipole Multilevel Embedder through ``tulip-python`` (optional package).
``sfdp``
    Graphviz's multilevel ``sfdp`` (Debian's ``graphviz``), seeded with ``-Gstart``: the
    reference the clustered layout is measured against (minutes at the reference scale).

Positions are scaled so the longer side of the bounding box is ``10 * sqrt(n)`` world units
(about 10 units between neighbouring titles) and centred so the bounding box's centre is the
origin (shingle.js zooms about the origin).

``reuse`` (``--reuse-layout``): titles found in it keep their old position exactly and
nothing is re-centred or rescaled, so a re-crawl does not move the existing map. New titles
start at the mean position of their already placed graph neighbours (spreading outward over
a few rounds), those with none on a ring just outside the old map, grouped by connected
component; then a short force layout moves only the new titles.

One module (~480 lines): the methods share the force model, normalisation and reuse, and
read best side by side.
"""

from __future__ import annotations

import importlib.util
import logging
import random
import shutil
import subprocess
from collections.abc import Callable

import igraph
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .communities import leiden_membership, undirected_edges
from .model import MapGraph

logger = logging.getLogger(__name__)

METHODS = ("clustered", "forces", "fr", "fmme", "sfdp")
DEFAULT_METHOD = "clustered"

Progress = Callable[[str, float], None]  # (stage, fraction done in [0, 1])


class LayoutUnavailable(ValueError):
    """A layout method whose optional package or program is not installed."""


def check_method(method: str) -> None:
    """Raise ``LayoutUnavailable`` (or ValueError for an unknown name) if ``method`` cannot run
    here, so a caller can refuse before any work rather than fail after it."""
    if method not in METHODS:
        raise ValueError(f"unknown layout method {method!r}: expecting one of {', '.join(METHODS)}")
    if method == "fmme" and importlib.util.find_spec("tulip") is None:
        raise LayoutUnavailable(
            "layout method 'fmme' needs the optional package tulip-python "
            "(pip install tulip-python); the default method 'clustered' does not"
        )
    if method == "sfdp" and shutil.which("sfdp") is None:
        raise LayoutUnavailable(
            "layout method 'sfdp' needs Graphviz's sfdp on PATH (apt-get install graphviz); "
            "the default method 'clustered' does not"
        )


_ITERATIONS = 200  # force iterations at full scale
_ATTRACTION = 1.5  # attraction grows as distance ** _ATTRACTION
_REUSE_ITERATIONS = 60


def compute_layout(
    graph: MapGraph,
    *,
    seed: int,
    method: str = DEFAULT_METHOD,
    reuse: dict[str, tuple[float, float]] | None = None,
    progress: Progress | None = None,
    iterations: int = _ITERATIONS,
) -> None:
    """Fill ``graph.x`` and ``graph.y``; the same graph and seed give bit-identical positions."""
    if method not in METHODS:
        raise ValueError(f"unknown layout method {method!r}: expecting one of {', '.join(METHODS)}")
    n = graph.node_count
    if n == 0:
        raise ValueError("cannot lay out an empty graph (0 nodes): the graph step kept no title")
    rng = np.random.default_rng(seed)
    report = progress or (lambda stage, fraction: None)

    old = _reused_positions(graph, reuse) if reuse else None
    if old is not None and not np.isnan(old[:, 0]).any():
        pos = old  # every title was placed before: keep the map exactly as it was
    elif old is not None and not np.isnan(old[:, 0]).all():
        pos = _extend_layout(graph, old, rng, report)
    else:
        if method == "clustered":
            pos = _clustered(graph, rng, seed, iterations, report)
        elif method == "forces":
            pos = _forces_from_random(graph, rng, iterations, report)
        elif method == "fr":
            pos = _igraph_fr(graph, rng, seed)
        elif method == "sfdp":
            pos = _graphviz_sfdp(graph, seed)
        else:
            pos = _ogdf_fmme(graph)
        pos = _normalise(_pull_in_outliers(graph, pos))
    pos = _separate_duplicates(pos, rng, frozen=None if old is None else ~np.isnan(old[:, 0]))
    if not np.isfinite(pos).all():
        raise RuntimeError(f"layout method {method!r} produced non-finite positions")
    graph.x = np.ascontiguousarray(pos[:, 0], dtype=np.float64)
    graph.y = np.ascontiguousarray(pos[:, 1], dtype=np.float64)
    report("layout", 1.0)


# --- the force layout ---------------------------------------------------------------------


class _ForceLayout:
    """Force-directed layout with particle-mesh repulsion (see the module docstring).

    Forces: repulsion ``m_i m_j / d`` between all pairs (masses ``m``), attraction
    ``w_ij d^a`` along edges, and a weak gravity ``m_i`` towards the centre that keeps
    disconnected pieces together. Each node moves along its force by at most a temperature
    that cools geometrically from a tenth of the layout's extent.
    """

    def __init__(
        self,
        edges: np.ndarray,
        weights: np.ndarray,
        mass: np.ndarray,
        *,
        grid: int,
        attraction: float = _ATTRACTION,
        gravity: float = 1.0,
    ) -> None:
        self.s = edges[:, 0].astype(np.intp)
        self.t = edges[:, 1].astype(np.intp)
        self.w = weights.astype(np.float64)
        self.mass = mass.astype(np.float64)
        self.n = self.mass.shape[0]
        self.grid = grid
        self.attraction = attraction
        self.gravity = gravity
        side = 2 * grid  # zero-padded so the FFT convolution does not wrap around
        offset = np.fft.fftfreq(side) * side
        dx, dy = np.meshgrid(offset, offset, indexing="ij")
        r2 = dx * dx + dy * dy + 0.25  # softened at the origin (distances in cells)
        self.kernel_x = np.fft.rfft2(dx / r2)
        self.kernel_y = np.fft.rfft2(dy / r2)

    def run(
        self,
        pos: np.ndarray,
        iterations: int,
        *,
        start: float = 0.1,
        end: float = 0.002,
        movable: np.ndarray | None = None,
        report: Progress | None = None,
    ) -> np.ndarray:
        pos = pos.copy()
        for it in range(iterations):
            force = self.forces(pos)
            extent = float(np.ptp(pos, axis=0).max()) or 1.0
            temperature = extent * start * (end / start) ** (it / max(1, iterations - 1))
            norm = np.hypot(force[:, 0], force[:, 1]) + 1e-12
            step = force * np.minimum(1.0, temperature / norm)[:, None]
            if movable is not None:
                step[~movable] = 0.0
            pos += step
            if report is not None and it % 10 == 0:
                report("forces", it / iterations)
        return pos

    def forces(self, pos: np.ndarray) -> np.ndarray:
        n, grid, side = self.n, self.grid, 2 * self.grid
        mass = self.mass
        low = pos.min(0)
        h = float(np.ptp(pos, axis=0).max()) / (grid - 3) or 1.0
        u = (pos - (low - h)) / h
        corner = np.floor(u).astype(np.intp)
        fx, fy = (u - corner).T
        base = corner[:, 0] * side + corner[:, 1]
        # Cloud-in-cell: each node's mass goes to the four surrounding grid points.
        cells = (base, base + side, base + 1, base + side + 1)
        shares = ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
        density = np.zeros(side * side)
        for cell, share in zip(cells, shares, strict=True):
            density += np.bincount(cell, mass * share, minlength=side * side)
        spectrum = np.fft.rfft2(density.reshape(side, side))
        field_x = np.fft.irfft2(spectrum * self.kernel_x, s=(side, side)).reshape(-1)
        field_y = np.fft.irfft2(spectrum * self.kernel_y, s=(side, side)).reshape(-1)
        force = np.zeros((n, 2))
        for cell, share in zip(cells, shares, strict=True):
            force[:, 0] += field_x[cell] * share
            force[:, 1] += field_y[cell] * share
        force *= (mass / h)[:, None]

        # Near field: the grid cannot separate nodes sharing a cell; push each away from
        # the centre of mass of the others in its cell.
        cell_mass = np.bincount(base, mass, minlength=side * side)
        others = cell_mass[base] - mass
        crowded = others > 1e-12
        safe = np.where(crowded, others, 1.0)
        away = np.empty_like(pos)
        for axis in (0, 1):
            total = np.bincount(base, mass * pos[:, axis], minlength=side * side)
            away[:, axis] = pos[:, axis] - (total[base] - mass * pos[:, axis]) / safe
        r2 = away[:, 0] ** 2 + away[:, 1] ** 2 + (0.05 * h) ** 2
        force += np.where(crowded, mass * others / r2, 0.0)[:, None] * away

        # Attraction along edges, growing as distance ** attraction.
        d = pos[self.t] - pos[self.s]
        w = self.w
        if self.attraction != 1.0:
            length = np.hypot(d[:, 0], d[:, 1]) / h + 1e-12
            w = w * length ** (self.attraction - 1.0)
        for axis in (0, 1):
            pull = w * d[:, axis]
            force[:, axis] += np.bincount(self.s, pull, minlength=n)
            force[:, axis] -= np.bincount(self.t, pull, minlength=n)

        # Gravity towards the centre, constant in magnitude (as in ForceAtlas2).
        away = pos - pos.mean(0)
        r = np.hypot(away[:, 0], away[:, 1]) + 1e-12
        force -= (self.gravity * mass / r)[:, None] * away
        return force


def _grid_for(n: int) -> int:
    return int(min(512, max(32, 2 ** np.ceil(np.log2(np.sqrt(n) + 1)))))


def _clustered(
    graph: MapGraph, rng: np.random.Generator, seed: int, iterations: int, report: Progress
) -> np.ndarray:
    n = graph.node_count
    edges, weights = undirected_edges(graph)
    if graph.community is not None and graph.community.shape[0] == n:
        labels = graph.community.astype(np.intp)
    else:
        report("communities", 0.0)
        labels = leiden_membership(graph, seed=seed)
    _, labels = np.unique(labels, return_inverse=True)
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k).astype(np.float64)

    # The quotient graph: communities as nodes weighing their size, edges counting the
    # recommendations between them.
    cs, ct = labels[edges[:, 0]], labels[edges[:, 1]]
    between = cs != ct
    key = np.minimum(cs[between], ct[between]) * k + np.maximum(cs[between], ct[between])
    pairs, count = np.unique(key, return_counts=True)
    quotient = np.stack((pairs // k, pairs % k), axis=1)
    centres = rng.normal(size=(k, 2)) * np.sqrt(k)
    if k > 1:
        strength = count / np.sqrt(sizes[quotient[:, 0]] * sizes[quotient[:, 1]])
        coarse = _ForceLayout(quotient, strength, sizes / sizes.mean(), grid=_grid_for(k))
        centres = coarse.run(centres, 300, start=0.1, end=0.001)
    centres -= centres.mean(0)

    # Titles start around their community's place, each community in a disc of its area.
    spread = float(np.ptp(centres, axis=0).max()) if k > 1 else 1.0
    radius = np.sqrt(sizes / n) * spread * 0.5
    pos = centres[labels] + rng.normal(size=(n, 2)) * radius[labels, None] * 0.5
    pos += rng.normal(size=(n, 2)) * spread * 1e-4  # tiny: break exact ties
    layout = _ForceLayout(edges, weights, np.ones(n), grid=_grid_for(n))
    return layout.run(pos, iterations, report=report)


def _forces_from_random(
    graph: MapGraph, rng: np.random.Generator, iterations: int, report: Progress
) -> np.ndarray:
    n = graph.node_count
    edges, weights = undirected_edges(graph)
    pos = rng.random((n, 2)) * np.sqrt(n)
    layout = _ForceLayout(edges, weights, np.ones(n), grid=_grid_for(n))
    return layout.run(pos, iterations, report=report)


def _igraph_fr(graph: MapGraph, rng: np.random.Generator, seed: int) -> np.ndarray:
    n = graph.node_count
    edges, weights = undirected_edges(graph)
    g = igraph.Graph(n=n, edges=edges, directed=False)
    start = (rng.random((n, 2)) * np.sqrt(n)).tolist()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        layout = g.layout_fruchterman_reingold(
            weights=weights.tolist(), seed=start, grid="auto", niter=500
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(layout.coords, dtype=np.float64)


def _ogdf_fmme(graph: MapGraph) -> np.ndarray:
    check_method("fmme")
    from tulip import tlp  # noqa: PLC0415 (optional package, checked just above)

    n = graph.node_count
    edges, _ = undirected_edges(graph)
    g = tlp.newGraph()
    nodes = g.addNodes(n)
    g.addEdges([(nodes[a], nodes[b]) for a, b in edges.tolist()])
    params = tlp.getDefaultPluginParameters("Fast Multipole Multilevel Embedder (OGDF)", g)
    params["number of threads"] = 1  # deterministic
    result = g.getLayoutProperty("viewLayout")
    g.applyLayoutAlgorithm("Fast Multipole Multilevel Embedder (OGDF)", result, params)
    return np.array([[result[v][0], result[v][1]] for v in nodes], dtype=np.float64)


def _graphviz_sfdp(graph: MapGraph, seed: int) -> np.ndarray:
    check_method("sfdp")
    binary = shutil.which("sfdp") or "sfdp"
    edges, _ = undirected_edges(graph)
    lines = [f"graph g {{ overlap=true; start={int(seed)}; node [shape=point];"]
    lines += [f"{i};" for i in range(graph.node_count)]  # isolated titles too
    lines += [f"{a} -- {b};" for a, b in edges.tolist()]
    lines.append("}")
    done = subprocess.run(
        [binary, "-Tplain"], input="\n".join(lines).encode(), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"sfdp failed: {done.stderr.decode(errors='replace')[-500:]}")
    pos = np.full((graph.node_count, 2), np.nan)
    for line in done.stdout.decode().splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            pos[int(parts[1])] = (float(parts[2]), -float(parts[3]))  # Graphviz's y grows up
    if np.isnan(pos).any():
        raise RuntimeError("sfdp did not place every title")
    return pos


# --- reuse, normalisation, duplicates -----------------------------------------------------


def _reused_positions(graph: MapGraph, reuse: dict[str, tuple[float, float]]) -> np.ndarray | None:
    pos = np.full((graph.node_count, 2), np.nan)
    for i, tt in enumerate(graph.ids):
        xy = reuse.get(tt)
        if xy is not None:
            pos[i] = xy
    known = ~np.isnan(pos[:, 0])
    if not known.any():
        logger.info("reuse: no title of the old layout is in the graph; laying out afresh")
        return None
    if not np.isfinite(pos[known]).all():
        raise ValueError("the layout to reuse holds non-finite positions")
    return pos


def _extend_layout(
    graph: MapGraph, old: np.ndarray, rng: np.random.Generator, report: Progress
) -> np.ndarray:
    """Place the titles missing from ``old`` (NaN rows) without moving the others."""
    n = graph.node_count
    pos = old.copy()
    placed = ~np.isnan(pos[:, 0])
    new = ~placed
    logger.info("reuse: %d titles keep their place, %d are new", int(placed.sum()), int(new.sum()))
    edges, weights = undirected_edges(graph)
    s = np.concatenate((edges[:, 0], edges[:, 1]))
    t = np.concatenate((edges[:, 1], edges[:, 0]))
    extent = float(np.ptp(pos[placed], axis=0).max()) if placed.sum() > 1 else 10.0
    spacing = extent / max(1.0, np.sqrt(placed.sum()))
    # Rounds of "mean of placed neighbours", so chains of new titles grow outward.
    for _ in range(50):
        ready = placed[t] & ~placed[s]
        if not ready.any():
            break
        count = np.bincount(s[ready], minlength=n)
        take = (count > 0) & ~placed
        for axis in (0, 1):
            total = np.bincount(s[ready], pos[t[ready], axis], minlength=n)
            pos[take, axis] = total[take] / count[take]
        pos[take] += rng.normal(size=(int(take.sum()), 2)) * spacing * 0.5
        placed |= take
    # Titles with no placed title in reach: a ring just outside the old map, one angle per
    # connected component so each piece stays together.
    if (~placed).any():
        rest = np.flatnonzero(~placed)
        _, component = connected_components(
            coo_matrix((np.ones(s.shape[0]), (s, t)), shape=(n, n)), directed=False
        )
        _, piece = np.unique(component[rest], return_inverse=True)
        angle = rng.random(int(piece.max()) + 1) * 2 * np.pi
        centre = np.nanmean(old, axis=0)
        ring = np.nanmax(np.hypot(*(old - centre).T)) + 3 * spacing
        pos[rest, 0] = centre[0] + ring * np.cos(angle[piece])
        pos[rest, 1] = centre[1] + ring * np.sin(angle[piece])
        pos[rest] += rng.normal(size=(rest.shape[0], 2)) * spacing * 2
    # A short force layout that moves only the new titles.
    layout = _ForceLayout(edges, weights, np.ones(n), grid=_grid_for(n))
    moved = layout.run(pos, _REUSE_ITERATIONS, start=0.01, end=0.001, movable=new, report=report)
    moved[~new] = old[~new]  # exactly, not up to float noise
    return moved


def _pull_in_outliers(graph: MapGraph, pos: np.ndarray, margin: float = 1.1) -> np.ndarray:
    """Move small components that repulsion pushed far away back to the map's edge.

    A few titles connected to nothing else drift out until the forces vanish; left there they
    stretch the bounding box (seen: 9 titles five times further out than 99.9 % of the map,
    squeezing it into a corner of every tile and bitmap). Each component whose centre lies
    beyond ``margin`` times the 99.9th-percentile radius is moved rigidly, along its
    direction, to that radius; the shape of every component is kept."""
    n = pos.shape[0]
    if n < 10:
        return pos
    centre = np.median(pos, axis=0)
    radius = np.hypot(*(pos - centre).T)
    limit = margin * float(np.percentile(radius, 99.9))
    if limit <= 0 or radius.max() <= limit:
        return pos
    edges, _ = undirected_edges(graph)
    _, component = connected_components(
        coo_matrix((np.ones(edges.shape[0]), (edges[:, 0], edges[:, 1])), shape=(n, n)),
        directed=False,
    )
    pos = pos.copy()
    counts = np.bincount(component)
    sums = np.stack([np.bincount(component, w) for w in pos.T], axis=1)
    centres = sums / counts[:, None]
    offsets = centres - centre
    distance = np.hypot(*offsets.T)
    far = np.flatnonzero(distance > limit)
    if far.size:
        shift = offsets[far] * (limit / distance[far] - 1)[:, None]
        moved = np.zeros_like(centres)
        moved[far] = shift
        pos += moved[component]
        logger.info("layout: pulled %d far components back to the map's edge", far.size)
    return pos


def _normalise(pos: np.ndarray) -> np.ndarray:
    """Longer bounding-box side ``10 * sqrt(n)``, bounding-box centre at the origin."""
    n = pos.shape[0]
    low, high = pos.min(0), pos.max(0)
    span = float((high - low).max())
    scale = 10.0 * np.sqrt(n) / span if span > 0 else 1.0
    return (pos - (low + high) / 2) * scale


def _separate_duplicates(
    pos: np.ndarray, rng: np.random.Generator, frozen: np.ndarray | None
) -> np.ndarray:
    """Nudge nodes that share a point with another (frozen, i.e. reused, nodes never move)."""
    n = pos.shape[0]
    if n < 2:
        return pos
    extent = float(np.ptp(pos, axis=0).max()) or 1.0
    for _ in range(20):
        _, first, counts = np.unique(pos, axis=0, return_index=True, return_counts=True)
        if (counts == 1).all():
            return pos
        keep = np.zeros(n, dtype=bool)
        keep[first] = True  # one node of each point stays
        if frozen is not None:
            keep |= frozen
        move = np.flatnonzero(~keep)
        pos = pos.copy()
        pos[move] += rng.normal(size=(move.shape[0], 2)) * extent * 1e-6
    raise RuntimeError("could not separate nodes at identical positions")
