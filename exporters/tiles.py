"""Map tiles in exactly the shingle.js graph-directory format (``shared/specs/shingle-format.md``).

Reads a filled ``MapGraph``: ids, titles and metadata, the edge arrays (rank 0 = strongest),
``x``/``y``, ``size``, ``community`` + ``communities``. Writes, in levels mode (format version 2):

* ``mapinfo.json``: the k-d tree with every quad's bounding box, ``averageQuadWidth`` (mean
  width of the leaf boxes), map size, ``minsize``/``maxsize``, ``symTableSize``;
* per tree node ``quad_<path>.json`` (compact: the 101 most important relations, every own node's
  strongest ones first) and ``equad_<path>.json`` (every relation that survives the per-node cap
  of 24); no ``xquad_`` files (shingle.js never reads them);
* ``table<N>.json`` for every hash bucket (browser UTF-16 hash), empty ones as ``{}``;
* beyond the format: ``legend.json`` (``legend``), ``search/`` (``search_index``) and the
  background bitmaps ``image_2400.jpg``/``image_2400low.jpg`` (``bitmap``, needs Pillow).

Choices the spec leaves open:

* Coordinates are shifted so the nodes' bounding box is centred on (0, 0) (the viewer zooms about
  the origin) and rounded to about a millionth of the map size (smaller files). Every file, the
  search index and the bitmaps use these tile coordinates.
* Edges are undirected for the map: a reciprocated recommendation is one relation, oriented from
  the title that ranks the other higher. Strength order: best rank, then the rank of the reverse
  recommendation (reciprocated first), then node numbers. The cap walks that order.
* Quad boxes are padded so every quad stays drawable in shingle.js at its deepest zoom on any
  screen from a portrait phone to a wide monitor (``VIEWER_ASPECTS``): shingle fits the root box
  into the screen, so the view there is ``averageQuadWidth`` wide and high in map proportions,
  widened along the axis where the screen's shape differs from the map's; a quad under 0.25 of
  the view on either axis is skipped with its subtree. We pad to ``min_quad_fraction`` (0.3,
  a margin above 0.25) of that view on each axis: leaves grow symmetrically, parents are
  re-unioned, the root is made symmetric about the origin, and because padding changes the leaf
  mean and the map's shape the whole thing is repeated until both are stable.

Everything is ordered explicitly (ties broken by node number), so the same graph gives
byte-identical files.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from .model import MapGraph

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
SPEC_EDGE_CAP = 24  # the C++ counter rule keeps at most 24 edges per node
SPEC_COMPACT_RELATIONS = 101
VIEWER_QUAD_THRESHOLD = 0.25  # shingle.js quadDisplayThreshold
# Screen shapes (width / height) the real viewer must draw every quad on: 9:19.5 phone to 21:9.
VIEWER_ASPECTS = (0.45, 2.4)


def drawable_quad_sides(
    average: float,
    map_aspect: float,
    threshold: float = VIEWER_QUAD_THRESHOLD,
    aspects: tuple[float, float] = VIEWER_ASPECTS,
) -> tuple[float, float]:
    """The least (width, height) of a quad that shingle.js still draws at its deepest zoom on
    every screen shape in ``aspects``, for a map ``map_aspect`` (width / height) wide.

    At that zoom the fitted root box is ``average`` wide and ``average / map_aspect`` high; a
    screen wider than the map shows more width, a taller one more height."""
    narrow, wide = aspects
    view_w = average * max(1.0, wide / map_aspect)
    view_h = average * max(1.0 / map_aspect, 1.0 / narrow)
    return threshold * view_w, threshold * view_h


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def sym_table_size(node_count: int) -> int:
    return 211 if node_count <= 2_000_000 else 2111


def node_hash(node_id: str, buckets: int) -> int:
    """The bucket shingle.js looks in: UTF-16 code units, h = (h * 16 + c) mod 2^24."""
    data = node_id.encode("utf-16-le", "surrogatepass")
    h = 0
    for k in range(0, len(data), 2):
        h = ((h << 4) + (data[k] | (data[k + 1] << 8))) & 0xFFFFFF
    return h % buckets


def html_name(title: str, node_id: str) -> str:
    """Title as the HTML-safe, non-empty ``name`` (controls → spaces; ``&``, ``<``, ``>``)."""
    text = _CONTROL.sub(" ", title).strip()
    if not text:
        text = node_id
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the k-d tree ---------------------------------------------------------------------------


@dataclass(slots=True)
class QuadTree:
    paths: list[str]  # "" for the root, then "l", "lr", … (preorder)
    parent: np.ndarray  # int64, -1 for the root
    left: np.ndarray  # int64, -1 for leaves
    right: np.ndarray
    kind: list[str]  # "SplitX", "SplitY" or "Leaf"
    split: list[float | None]
    members: list[np.ndarray]  # the quad's own nodes, biggest first
    tight: np.ndarray  # (quads, 4): xmin, xmax, ymin, ymax of the whole subtree
    quad_of: np.ndarray  # node number -> quad number
    bbox: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))  # padded

    @property
    def size(self) -> int:
        return len(self.paths)

    @property
    def names(self) -> list[str]:
        return ["quad_" + p for p in self.paths]

    @property
    def leaves(self) -> np.ndarray:
        return np.flatnonzero(self.left < 0)

    @property
    def depth(self) -> int:
        return max(len(p) for p in self.paths)


def build_quadtree(
    x: np.ndarray, y: np.ndarray, size: np.ndarray, max_nodes_per_quad: int = 50
) -> QuadTree:
    """The reference k-d tree (spec section 3): leaves up to 1.5 M nodes, M biggest kept."""
    n = x.shape[0]
    if n == 0:
        raise ValueError("cannot build map tiles for a graph without nodes")
    keep = max_nodes_per_quad
    leaf_limit = (3 * keep) // 2
    paths: list[str] = []
    parent: list[int] = []
    kind: list[str] = []
    split: list[float | None] = []
    members: list[np.ndarray] = []
    tight: list[tuple[float, float, float, float]] = []
    left: dict[int, int] = {}
    right: dict[int, int] = {}
    quad_of = np.empty(n, dtype=np.int64)
    stack: list[tuple[np.ndarray, str, int]] = [(np.arange(n, dtype=np.int64), "", -1)]
    while stack:
        idx, path, up = stack.pop()
        q = len(paths)
        paths.append(path)
        parent.append(up)
        if up >= 0:
            (left if path[-1] == "l" else right)[up] = q
        xs, ys = x[idx], y[idx]
        box = (float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max()))
        tight.append(box)
        by_size = idx[np.lexsort((idx, -size[idx]))]
        if idx.shape[0] <= leaf_limit:
            members.append(by_size)
            kind.append("Leaf")
            split.append(None)
            quad_of[by_size] = q
            continue
        own, rest = by_size[:keep], by_size[keep:]
        members.append(own)
        quad_of[own] = q
        split_x = box[1] - box[0] > box[3] - box[2]
        coord = x if split_x else y
        rest = rest[np.lexsort((rest, -coord[rest]))]
        half = rest.shape[0] // 2
        kind.append("SplitX" if split_x else "SplitY")
        split.append(float(coord[rest[half]]))
        stack.append((rest[half:], path + "r", q))
        stack.append((rest[:half], path + "l", q))
    count = len(paths)
    left_arr = np.full(count, -1, dtype=np.int64)
    right_arr = np.full(count, -1, dtype=np.int64)
    for q, child in left.items():
        left_arr[q] = child
    for q, child in right.items():
        right_arr[q] = child
    return QuadTree(
        paths=paths,
        parent=np.asarray(parent, dtype=np.int64),
        left=left_arr,
        right=right_arr,
        kind=kind,
        split=split,
        members=members,
        tight=np.asarray(tight, dtype=np.float64),
        quad_of=quad_of,
    )


def _padded(tree: QuadTree, min_w: float, min_h: float) -> np.ndarray:
    boxes = tree.tight.copy()
    for q in range(tree.size - 1, -1, -1):  # preorder reversed: children before parents
        b = boxes[q]
        for child in (tree.left[q], tree.right[q]):
            if child >= 0:
                c = boxes[child]
                b[0], b[1] = min(b[0], c[0]), max(b[1], c[1])
                b[2], b[3] = min(b[2], c[2]), max(b[3], c[3])
        for (lo, hi), side in (((0, 1), min_w), ((2, 3), min_h)):
            if b[hi] - b[lo] < side:
                mid = (b[lo] + b[hi]) / 2
                b[lo], b[hi] = mid - side / 2, mid + side / 2
    root = boxes[0]
    ax, ay = max(-root[0], root[1]), max(-root[2], root[3])
    boxes[0] = (-ax, ax, -ay, ay)
    return boxes


def _shape(boxes: np.ndarray, leaves: np.ndarray) -> tuple[float, float]:
    """(leaf mean width, root width / height) of padded boxes."""
    root = boxes[0]
    height = root[3] - root[2]
    aspect = (root[1] - root[0]) / height if height > 0 else 1.0
    return float(np.mean(boxes[leaves, 1] - boxes[leaves, 0])), float(aspect)


def pad_quadtree(tree: QuadTree, min_quad_fraction: float = 0.3) -> float:
    """Pad ``tree.bbox`` so every quad is at least ``min_quad_fraction`` of shingle's deepest
    view on each axis (``drawable_quad_sides``); return the new averageQuadWidth."""
    leaves = tree.leaves
    tight = tree.tight
    span = max(tight[0, 1] - tight[0, 0], tight[0, 3] - tight[0, 2])
    floor = span * 1e-4 if span > 0 else 1.0  # coincident nodes still get a visible quad
    average, aspect = _shape(tight, leaves)
    boxes = tight
    for _ in range(200):
        min_w, min_h = drawable_quad_sides(average, aspect, min_quad_fraction)
        boxes = _padded(tree, max(min_w, floor), max(min_h, floor))
        new_average, new_aspect = _shape(boxes, leaves)
        stable = abs(new_average - average) <= 1e-12 * new_average
        stable = stable and abs(new_aspect - aspect) <= 1e-12 * new_aspect
        average, aspect = new_average, new_aspect
        if stable:
            break
    tree.bbox = boxes
    return average  # of the final boxes


# --- edges ----------------------------------------------------------------------------------


@dataclass(slots=True)
class MapEdges:
    """Undirected map edges in strength order (strongest first)."""

    a: np.ndarray  # node numbers, oriented from the stronger recommendation
    b: np.ndarray
    rank: np.ndarray  # best rank of the pair
    kept: np.ndarray  # bool: survives the per-node counter rule
    degree: np.ndarray  # per node: all map edges touching it (``tne``)


def _positions(ends_a: np.ndarray, ends_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    pos_a, pos_b = _positions(a, b)
    # counter rule: both counters are raised, the edge stays if both are still below cap + 1
    kept = (pos_a < cap) & (pos_b < cap)
    degree = np.bincount(np.concatenate((a, b)), minlength=n)
    return MapEdges(a=a, b=b, rank=best, kept=kept, degree=degree)


# --- the tile set ---------------------------------------------------------------------------


@dataclass(slots=True)
class TileSet:
    """Everything the tile, search, legend and bitmap writers need, in tile coordinates."""

    graph: MapGraph
    tree: QuadTree
    x: np.ndarray  # tile coordinates (centred, rounded)
    y: np.ndarray
    size: np.ndarray
    names: list[str]  # HTML-safe node names
    edges: MapEdges
    average_quad_width: float
    max_nodes_per_quad: int
    max_edges_per_node: int
    max_compact_relations: int

    @property
    def map_box(self) -> tuple[float, float, float, float]:
        b = self.tree.bbox[0]
        return float(b[0]), float(b[1]), float(b[2]), float(b[3])


@dataclass(slots=True)
class TileStats:
    nodes: int
    edges: int  # undirected map edges
    kept_edges: int  # after the per-node cap
    quads: int
    leaves: int
    depth: int
    relations: int  # in all equad_ files
    compact_relations: int  # in all quad_ files
    average_quad_width: float
    map_width: float
    map_height: float
    files: int = 0
    unchanged: int = 0  # files left as the previous export wrote them
    bytes: int = 0
    bytes_by_kind: dict[str, int] = field(default_factory=dict)


def _check(graph: MapGraph) -> None:
    missing = [name for name in ("x", "y", "community", "size") if getattr(graph, name) is None]
    if missing:
        raise ValueError(
            f"the graph has no {', '.join(missing)} yet: run the layout, communities and size "
            "steps before writing tiles"
        )
    for name in ("x", "y", "size"):
        values = getattr(graph, name)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name} of {graph.ids[i]} is {values[i]}: must be a finite number")
    comm = graph.community
    if comm.size and (comm.min() < 0 or not np.issubdtype(comm.dtype, np.integer)):
        raise ValueError("communities must be integers >= 0")
    if len(set(graph.ids)) != graph.node_count:
        raise ValueError("node ids must be unique")


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
    """The tree, padded boxes, tile coordinates and capped edges (no files yet)."""
    _check(graph)
    x0, y0 = graph.x, graph.y
    span = float(max(np.ptp(x0), np.ptp(y0))) if graph.node_count else 0.0
    digits = _decimals(span)
    x = np.round(x0 - (x0.min() + x0.max()) / 2, digits)
    y = np.round(y0 - (y0.min() + y0.max()) / 2, digits)
    x[x == 0] = 0.0  # no "-0.0" in the files
    y[y == 0] = 0.0
    size = np.round(graph.size.astype(np.float64), 4)
    tree = build_quadtree(x, y, size, max_nodes_per_quad)
    average = pad_quadtree(tree, min_quad_fraction)
    edges = map_edges(graph, max_edges_per_node)
    names = [html_name(t, i) for t, i in zip(graph.titles, graph.ids, strict=True)]
    return TileSet(
        graph=graph,
        tree=tree,
        x=x,
        y=y,
        size=size,
        names=names,
        edges=edges,
        average_quad_width=average,
        max_nodes_per_quad=max_nodes_per_quad,
        max_edges_per_node=max_edges_per_node,
        max_compact_relations=max_compact_relations,
    )


def _quadtree_json(tree: QuadTree, q: int = 0) -> dict:
    b = tree.bbox[q]
    node: dict = {
        "xmin": float(b[0]),
        "xmax": float(b[1]),
        "ymin": float(b[2]),
        "ymax": float(b[3]),
        "type": tree.kind[q],
    }
    if tree.left[q] >= 0:
        node["splitValue"] = tree.split[q]
        node["left"] = _quadtree_json(tree, int(tree.left[q]))
        node["right"] = _quadtree_json(tree, int(tree.right[q]))
    return node


def mapinfo(ts: TileSet) -> dict:
    tree = ts.tree
    leaves = tree.leaves
    kept = ts.edges.kept
    a, b = ts.edges.a[kept], ts.edges.b[kept]
    lengths = np.hypot(ts.x[a] - ts.x[b], ts.y[a] - ts.y[b])
    xmin, xmax, ymin, ymax = ts.map_box
    return {
        "data-format-version": FORMAT_VERSION,
        "symTableSize": sym_table_size(ts.graph.node_count),
        "averageQuadWidth": ts.average_quad_width,
        "averageQuadHeight": float(np.mean(tree.bbox[leaves, 3] - tree.bbox[leaves, 2])),
        "totalMapWidth": xmax - xmin,
        "totalMapHeight": ymax - ymin,
        "minsize": float(ts.size.min()),
        "maxsize": float(ts.size.max()),
        "maxNodesPerQuad": ts.max_nodes_per_quad,
        "nrnodes": ts.graph.node_count,
        "nredges": int(kept.sum()),
        "averageLineLength": float(lengths.mean()) if lengths.size else 0.0,
        "quadtree": _quadtree_json(tree),
    }


# Fields every node record carries in both files of a quad (what shingle.js reads, plus the
# year and link a hover or shingle's info panel shows). The equad file adds the panel's data.
CORE_FIELDS = ("nodeid", "name", "x", "y", "size", "community", "tne")
MAX_RECOMMENDED_BY = 30


def _neighbour_lists(g: MapGraph) -> tuple[list[list[str]], list[list[str]], list[int]]:
    """Per node: the ids it recommends (rank order), the ids recommending it (best rank
    first, then most voted), capped at ``MAX_RECOMMENDED_BY``, and the full in-count."""
    n = g.node_count
    src, dst, rank = g.sources, g.targets, g.ranks
    order = np.lexsort((rank, src))
    bounds = np.searchsorted(src[order], np.arange(n + 1))
    dst_sorted = dst[order].tolist()
    ids = g.ids
    recs = [[ids[t] for t in dst_sorted[bounds[i] : bounds[i + 1]]] for i in range(n)]
    votes = np.asarray([v or 0 for v in g.votes], dtype=np.int64)
    order = np.lexsort((src, -votes[src], rank, dst))
    bounds = np.searchsorted(dst[order], np.arange(n + 1))
    src_sorted = src[order].tolist()
    by_count = np.diff(bounds).tolist()
    by = [
        [ids[s] for s in src_sorted[bounds[i] : min(bounds[i + 1], bounds[i] + MAX_RECOMMENDED_BY)]]
        for i in range(n)
    ]
    return recs, by, by_count


def _node_records(ts: TileSet) -> tuple[list[bytes], list[bytes]]:
    """(compact, full) JSON records of every node: ``quad_`` files get the core fields, the
    year and the IMDb link (what drawing, a hover and shingle's info panel need: on a click
    shingle.js often shows the compact record); ``equad_`` files add rating, votes, genres,
    directors and the "recommends" / "recommended by" lists of our panel."""
    g = ts.graph
    xs, ys, sizes = ts.x.tolist(), ts.y.tolist(), ts.size.tolist()
    comm = g.community.tolist()
    tne = ts.edges.degree.tolist()
    recs, by, by_count = _neighbour_lists(g)
    compact, full = [], []
    for i, node_id in enumerate(g.ids):
        rec: dict = {
            "nodeid": node_id,
            "name": ts.names[i],
            "x": xs[i],
            "y": ys[i],
            "size": sizes[i],
            "community": comm[i],
            "tne": tne[i],
        }
        if g.years[i] is not None:
            rec["year"] = g.years[i]
        rec["href"] = g.imdb_url(i)
        compact.append(orjson.dumps(rec))
        if g.ratings[i] is not None:
            rec["rating"] = g.ratings[i]
        if g.votes[i] is not None:
            rec["votes"] = g.votes[i]
        if g.genres[i]:
            rec["genres"] = g.genres[i]
        if g.directors[i]:
            rec["directors"] = g.directors[i]
        rec["recs"] = recs[i]
        rec["by"] = by[i]
        rec["byCount"] = by_count[i]
        full.append(orjson.dumps(rec))
    return compact, full


def _relations_by_quad(ts: TileSet) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per quad: all kept edge numbers (strength order) and the compact selection."""
    e = ts.edges
    kept = np.flatnonzero(e.kept)
    a, b = e.a[kept], e.b[kept]
    pos_a, pos_b = _positions(a, b)
    qa, qb = ts.tree.quad_of[a], ts.tree.quad_of[b]
    both = qa == qb
    round_a = np.where(both, np.minimum(pos_a, pos_b), pos_a)
    cross = np.flatnonzero(~both)
    quad = np.concatenate((qa, qb[cross]))
    edge = np.concatenate((np.arange(kept.shape[0]), cross))
    rounds = np.concatenate((round_a, pos_b[cross]))
    count = ts.tree.size
    o = np.lexsort((edge, quad))
    bounds = np.searchsorted(quad[o], np.arange(count + 1))
    full = [edge[o[bounds[q] : bounds[q + 1]]] for q in range(count)]
    o = np.lexsort((edge, rounds, quad))
    bounds = np.searchsorted(quad[o], np.arange(count + 1))
    limit = ts.max_compact_relations
    compact = [edge[o[bounds[q] : min(bounds[q + 1], bounds[q] + limit)]] for q in range(count)]
    return full, compact


def iter_tile_files(ts: TileSet) -> Iterator[tuple[str, bytes]]:
    """(file name, content) of every shingle.js file, in a fixed order."""
    tree = ts.tree
    g = ts.graph
    quad_names = tree.names
    yield "mapinfo.json", orjson.dumps(mapinfo(ts))
    compact_records, full_records = _node_records(ts)
    id_json = [orjson.dumps(i) for i in g.ids]
    e = ts.edges
    kept = np.flatnonzero(e.kept)
    ka, kb = e.a[kept].tolist(), e.b[kept].tolist()
    qa, qb = tree.quad_of[e.a[kept]].tolist(), tree.quad_of[e.b[kept]].tolist()
    qname = [n.encode() for n in quad_names]
    relation = [
        b'{"quadA":"%s","nodeidA":%s,"quadB":"%s","nodeidB":%s}'
        % (qname[qa[k]], id_json[ka[k]], qname[qb[k]], id_json[kb[k]])
        for k in range(len(ka))
    ]
    full, compact = _relations_by_quad(ts)
    for q, name in enumerate(quad_names):
        own = tree.members[q].tolist()
        idmap = orjson.dumps({g.ids[i]: k for k, i in enumerate(own)})
        b = tree.bbox[q]
        box = b'"xmin":%s,"xmax":%s,"ymin":%s,"ymax":%s}' % tuple(orjson.dumps(float(v)) for v in b)
        for prefix, compact_flag, picks, records in (
            ("quad_", b"true", compact[q], compact_records),
            ("equad_", b"false", full[q], full_records),
        ):
            nodes = b",".join(records[i] for i in own)
            body = b',"idmap":' + idmap + b',"nodes":[' + nodes + b'],"relations":['
            rels = b",".join(relation[k] for k in picks.tolist())
            yield (
                prefix + name[len("quad_") :] + ".json",
                b'{"header":{"compact":'
                + compact_flag
                + b","
                + box
                + body
                + rels
                + b'],"referenced":[]}',
            )
    buckets = sym_table_size(g.node_count)
    tables: list[dict] = [{} for _ in range(buckets)]
    xs, ys = ts.x.tolist(), ts.y.tolist()
    quad_of = tree.quad_of.tolist()
    for i, node_id in enumerate(g.ids):
        tables[node_hash(node_id, buckets)][node_id] = [xs[i], ys[i], quad_names[quad_of[i]]]
    for k, table in enumerate(tables):
        yield f"table{k}.json", orjson.dumps(table)


_OUR_FILES = re.compile(
    r"^(mapinfo|legend|(e|x)?quad_[lr]*|table\d+)\.json$|^image_\d+(low)?\.jpg$"
)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless ``path`` holds exactly that already; True if written. Unchanged
    files keep their mtime, so after a re-crawl only what changed is rewritten, and a sync to
    a static host ships only that."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.write_bytes(data)
    return True


def _previous_files(out: Path) -> set[Path]:
    """Files a previous export wrote (only our own names)."""
    found = {p for p in out.iterdir() if p.is_file() and _OUR_FILES.match(p.name)}
    search = out / "search"
    if search.is_dir():
        found.update(search.rglob("*.json"))
    return found


def _remove_stale(out: Path, stale: set[Path]) -> None:
    """Remove what a previous export wrote and this one did not, so no stale quad survives."""
    for path in sorted(stale, reverse=True):
        path.unlink(missing_ok=True)
    search = out / "search"
    if search.is_dir():
        for folder in sorted((d for d in search.rglob("*") if d.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()


def write_tiles(
    graph: MapGraph,
    out_dir: str | Path,
    *,
    max_nodes_per_quad: int = 50,
    max_edges_per_node: int = SPEC_EDGE_CAP,
    max_compact_relations: int = SPEC_COMPACT_RELATIONS,
    min_quad_fraction: float = 0.3,
    legend: bool = True,
    search: bool = True,
    bitmaps: bool = True,
    preview: str | Path | None = None,
    progress: Callable[[str, float], None] | None = None,
    search_shard_entries: int = 1500,
) -> TileStats:
    """Write a shingle.js graph directory (plus legend, search index and bitmaps) to ``out_dir``,
    and the whole map as a PNG to ``preview`` if given. ``progress(stage, fraction)`` is told
    how far the writing is; ``search_shard_entries`` is the search index's shard size."""
    report = progress or (lambda stage, fraction: None)
    report("tree", 0.0)
    ts = build_tileset(
        graph,
        max_nodes_per_quad=max_nodes_per_quad,
        max_edges_per_node=max_edges_per_node,
        max_compact_relations=max_compact_relations,
        min_quad_fraction=min_quad_fraction,
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stale = _previous_files(out)
    full, compact = 0, 0
    stats = TileStats(
        nodes=graph.node_count,
        edges=int(ts.edges.a.shape[0]),
        kept_edges=int(ts.edges.kept.sum()),
        quads=ts.tree.size,
        leaves=int(ts.tree.leaves.shape[0]),
        depth=ts.tree.depth,
        relations=0,
        compact_relations=0,
        average_quad_width=ts.average_quad_width,
        map_width=ts.map_box[1] - ts.map_box[0],
        map_height=ts.map_box[3] - ts.map_box[2],
    )

    def put(name: str, data: bytes, kind: str) -> None:
        path = out / name
        if path in stale:
            stale.discard(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        if not write_if_changed(path, data):
            stats.unchanged += 1
        stats.files += 1
        stats.bytes += len(data)
        stats.bytes_by_kind[kind] = stats.bytes_by_kind.get(kind, 0) + len(data)

    expected = 2 * ts.tree.size + 1  # quad_ and equad_ files, then tables and mapinfo
    for k, (name, data) in enumerate(iter_tile_files(ts)):
        if k % 256 == 0:
            report("quads", 0.8 * min(1.0, k / expected))
        kind = name.split("_")[0] if "_" in name else re.sub(r"\d+\.json$", "", name)
        put(name, data, kind.removesuffix(".json"))
        if name.startswith("quad_"):
            compact += data.count(b'"quadA"')
        elif name.startswith("equad_"):
            full += data.count(b'"quadA"')
    stats.relations, stats.compact_relations = full, compact
    if legend:
        from .legend import legend_json  # noqa: PLC0415

        put("legend.json", legend_json(ts), "legend")
    if search:
        from .search_index import iter_search_files  # noqa: PLC0415

        report("search index", 0.8)
        for name, data in iter_search_files(ts, max_shard_entries=search_shard_entries):
            put(name, data, "search")
    if bitmaps:
        from .bitmap import iter_bitmaps  # noqa: PLC0415

        report("bitmaps", 0.9)
        for name, data in iter_bitmaps(ts):
            put(name, data, "image")
    _remove_stale(out, stale - ({Path(preview)} if preview is not None else set()))
    report("preview", 0.97)
    if preview is not None:
        from .bitmap import write_preview  # noqa: PLC0415

        Path(preview).parent.mkdir(parents=True, exist_ok=True)
        png = io.BytesIO()
        write_preview(ts, png)
        write_if_changed(Path(preview), png.getvalue())
    logger.info(
        "tiles: %d quads (%d leaves, depth %d), %d files, %.1f MB in %s",
        stats.quads,
        stats.leaves,
        stats.depth,
        stats.files,
        stats.bytes / 1e6,
        out,
    )
    report("done", 1.0)
    return stats
