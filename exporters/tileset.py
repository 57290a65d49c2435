"""A map ready to be written as tiles: tile coordinates, the k-d tree, capped edges, names.

``build_tileset`` reads a filled ``MapGraph`` (ids, titles, the edge arrays, ``x``/``y``,
``size``, ``community``) and gives the ``TileSet`` that every tile writer reads (``shingle``,
``legend``, ``search_index``, ``bitmap``); it writes nothing. Choices the spec leaves open:

* Coordinates are shifted so the nodes' bounding box is centred on (0, 0) (the viewer zooms
  about the origin) and rounded to about 1e-5 of the map size (smaller files). Every file, the
  search index and the bitmaps use these tile coordinates.
* Names are the titles made HTML-safe and never empty (shingle.js inserts them as markup and
  skips nodes without one).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .map_edges import (
    SPEC_COMPACT_RELATIONS,
    SPEC_EDGE_CAP,
    MapEdges,
    QuadRelations,
    map_edges,
    relations_by_quad,
)
from .model import MapGraph
from .quadtree import QuadTree, build_quadtree, pad_quadtree

_CONTROL = re.compile("[\x00-\x1f\x7f]")


def html_name(title: str, node_id: str) -> str:
    """Title as the HTML-safe, non-empty ``name`` (controls → spaces; ``&``, ``<``, ``>``)."""
    text = _CONTROL.sub(" ", title).strip()
    if not text:
        text = node_id
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(slots=True)
class TileSet:
    """Everything the tile, search, legend and bitmap writers need, in tile coordinates."""

    graph: MapGraph
    tree: QuadTree
    x: np.ndarray  # tile coordinates (centred, rounded)
    y: np.ndarray
    size: np.ndarray
    community: np.ndarray  # the graph's, checked
    names: list[str]  # HTML-safe node names
    edges: MapEdges
    relations: QuadRelations  # what each quad's files list
    average_quad_width: float
    max_nodes_per_quad: int
    max_edges_per_node: int
    max_compact_relations: int

    @property
    def map_box(self) -> tuple[float, float, float, float]:
        b = self.tree.bbox[0]
        return float(b[0]), float(b[1]), float(b[2]), float(b[3])


def _checked(graph: MapGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The graph's ``x``, ``y``, ``size`` and ``community``, or a ValueError naming what is
    missing or wrong."""
    x, y, size, comm = graph.x, graph.y, graph.size, graph.community
    if x is None or y is None or size is None or comm is None:
        missing = [name for name in ("x", "y", "community", "size") if getattr(graph, name) is None]
        raise ValueError(
            f"the graph has no {', '.join(missing)} yet: run the layout, communities and size "
            "steps before writing tiles"
        )
    for name, values in (("x", x), ("y", y), ("size", size)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name} of {graph.ids[i]} is {values[i]}: must be a finite number")
    if comm.size and (comm.min() < 0 or not np.issubdtype(comm.dtype, np.integer)):
        raise ValueError("communities must be integers >= 0")
    if len(set(graph.ids)) != graph.node_count:
        raise ValueError("node ids must be unique")
    return x, y, size, comm


def _decimals(span: float) -> int:
    """Decimals that keep positions to about 1e-5 of the map: far finer than a node (the
    layouts put neighbouring titles ~1e-3 of the map apart), and every digit costs ~3 MB."""
    if span <= 0:
        return 5
    return int(min(10, max(0, 5 - math.floor(math.log10(span)))))


def build_tileset(
    graph: MapGraph,
    *,
    max_nodes_per_quad: int = 50,
    max_edges_per_node: int = SPEC_EDGE_CAP,
    max_compact_relations: int = SPEC_COMPACT_RELATIONS,
    min_quad_fraction: float = 0.3,
) -> TileSet:
    """The tree, padded boxes, tile coordinates, capped edges and each quad's picks (no files
    yet)."""
    x0, y0, size0, community = _checked(graph)
    span = float(max(np.ptp(x0), np.ptp(y0))) if graph.node_count else 0.0
    digits = _decimals(span)
    x: np.ndarray = np.round(x0 - (x0.min() + x0.max()) / 2, digits)
    y: np.ndarray = np.round(y0 - (y0.min() + y0.max()) / 2, digits)
    x[x == 0] = 0.0  # no "-0.0" in the files
    y[y == 0] = 0.0
    size: np.ndarray = np.round(size0.astype(np.float64), 4)
    tree = build_quadtree(x, y, size, max_nodes_per_quad)
    average = pad_quadtree(tree, min_quad_fraction)
    edges = map_edges(graph, max_edges_per_node)
    relations = relations_by_quad(edges, tree.quad_of, tree.size, max_compact_relations)
    names = [html_name(t, i) for t, i in zip(graph.titles, graph.ids, strict=True)]
    return TileSet(
        graph=graph,
        tree=tree,
        x=x,
        y=y,
        size=size,
        community=community,
        names=names,
        edges=edges,
        relations=relations,
        average_quad_width=average,
        max_nodes_per_quad=max_nodes_per_quad,
        max_edges_per_node=max_edges_per_node,
        max_compact_relations=max_compact_relations,
    )
