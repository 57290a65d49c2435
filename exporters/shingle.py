"""The shingle.js files of a tile set (``shared/specs/shingle-format.md``, levels mode,
format version 2), as (file name, bytes) pairs; ``tiles`` writes them.

Reads a ``TileSet``: tile coordinates, names, sizes, communities, the tree, capped edges and
each quad's picks, and the graph's metadata and edge arrays (for the panel's lists). Gives:

* ``mapinfo.json``: the k-d tree with every quad's bounding box, ``averageQuadWidth`` (mean
  width of the leaf boxes), map size, ``minsize``/``maxsize``, ``symTableSize``, and
  ``origins``: the sources of the map's data with the bit of each (``{"imdb": 1, "tmdb": 2}``,
  only the ones present), and ``demo: true`` on a map of the sandbox's invented titles;
* per tree node ``quad_<path>.json`` (compact: the 101 most important relations, every own
  node's strongest ones first) and ``equad_<path>.json`` (every relation that survives the
  per-node cap); no ``xquad_`` files (shingle.js never reads them);
* ``table<N>.json`` for every hash bucket (browser UTF-16 hash), empty ones as ``{}``.

Node records carry what shingle.js reads (``CORE_FIELDS``) plus the year and page link (IMDb's,
or TMDb's for a ``tmdb:`` id) in both files of a quad; the ``equad_`` record adds our panel's
data (rating, votes, genres, directors, "recommends" ``recs`` and "recommended by" ``by``, with
``recsOrigin`` / ``byOrigin``: per listed id, the bits of the sources that give that
recommendation, as in mapinfo's ``origins``; 3 = both). When every edge has the same sources
(a one-source crawl), mapinfo says so once (``edgeOrigins``: their bits) and the records leave
the lists out: at the reference scale they would add ~12 MB to the tiles for nothing.
A title that recommends titles the map leaves out (never crawled, filtered out) says how many
it recommends in all (``recsCount``) and which are missing (``recsMissing``: ``{"id", "name",
"year"}`` in rank order, name and year when the crawl knows them, as plain text). "by" lists
the first ``MAX_RECOMMENDED_BY`` recommenders; ``byquad_<path>.json`` (only for quads that
need one, fetched when the panel's "Show all" is pressed) holds the rest: ``{id: {"by": [...],
"byOrigin": [...]}}``.
Everything is ordered explicitly, so
the same tile set gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson

from .model import ORIGIN_BITS, MapGraph
from .quadtree import QuadTree
from .tileset import TileSet

FORMAT_VERSION = 2


def sym_table_size(node_count: int) -> int:
    """Hash buckets (``table<N>.json`` files): the C++ writer's rule."""
    return 211 if node_count <= 2_000_000 else 2111


def node_hash(node_id: str, buckets: int) -> int:
    """The bucket shingle.js looks in: UTF-16 code units, h = (h * 16 + c) mod 2^24."""
    data = node_id.encode("utf-16-le", "surrogatepass")
    h = 0
    for k in range(0, len(data), 2):
        h = ((h << 4) + (data[k] | (data[k + 1] << 8))) & 0xFFFFFF
    return h % buckets


def _quadtree_json(tree: QuadTree, q: int = 0) -> dict[str, Any]:
    b = tree.bbox[q]
    node: dict[str, Any] = {
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


def mapinfo(ts: TileSet) -> dict[str, Any]:
    """The content of ``mapinfo.json``."""
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
        "origins": {name: ORIGIN_BITS[name] for name in ts.graph.origins_present()},
        **({"edgeOrigins": shared} if (shared := shared_origins(ts.graph)) is not None else {}),
        **({"demo": True} if ts.graph.demo else {}),
        "quadtree": _quadtree_json(tree),
    }


# Fields every node record carries in both files of a quad (what shingle.js reads, plus the
# year and link a hover or shingle's info panel shows). The equad file adds the panel's data.
CORE_FIELDS = ("nodeid", "name", "x", "y", "size", "community", "tne")
MAX_RECOMMENDED_BY = 30


Lists = list[list[Any]]


def shared_origins(g: MapGraph) -> int | None:
    """The sources' bits every edge of ``g`` shares, or None when they differ (or no edge)."""
    if not g.edge_count:
        return None
    first = int(g.origins[0])
    return first if bool(np.all(g.origins == first)) else None


def _neighbour_lists(g: MapGraph) -> tuple[Lists, Lists, Lists, Lists, list[int]]:
    """Per node: the ids it recommends (rank order) and their sources (``MapGraph.origins``
    bits), the ids recommending it (best rank first, then most voted) and their sources, and
    the full in-count."""
    n = g.node_count
    src, dst, rank = g.sources, g.targets, g.ranks
    order = np.lexsort((rank, src))
    bounds = np.searchsorted(src[order], np.arange(n + 1))
    dst_sorted = dst[order].tolist()
    bits_sorted = g.origins[order].tolist()
    ids = g.ids
    recs = [[ids[t] for t in dst_sorted[bounds[i] : bounds[i + 1]]] for i in range(n)]
    recs_from = [bits_sorted[bounds[i] : bounds[i + 1]] for i in range(n)]
    votes = np.asarray([v or 0 for v in g.votes], dtype=np.int64)
    order = np.lexsort((src, -votes[src], rank, dst))
    bounds = np.searchsorted(dst[order], np.arange(n + 1))
    src_sorted = src[order].tolist()
    bits_sorted = g.origins[order].tolist()
    by_count = np.diff(bounds).tolist()
    ends = [(bounds[i], bounds[i + 1]) for i in range(n)]
    by = [[ids[s] for s in src_sorted[a:b]] for a, b in ends]
    by_from = [bits_sorted[a:b] for a, b in ends]
    return recs, recs_from, by, by_from, by_count


def _split_by(rec: dict[str, Any], by: list[str], by_from: list[int] | None) -> bytes | None:
    """Put the first ``MAX_RECOMMENDED_BY`` recommenders (and their sources, if given) in
    ``rec``; the rest as a ``byquad_`` entry, or None when there is no rest."""
    rec["by"] = by[:MAX_RECOMMENDED_BY]
    if by_from is not None:
        rec["byOrigin"] = by_from[:MAX_RECOMMENDED_BY]
    if len(by) <= MAX_RECOMMENDED_BY:
        return None
    rest: dict[str, Any] = {"by": by[MAX_RECOMMENDED_BY:]}
    if by_from is not None:
        rest["byOrigin"] = by_from[MAX_RECOMMENDED_BY:]
    return orjson.dumps(rest)


def _missing_entries(g: MapGraph, i: int) -> list[dict[str, Any]]:
    """``recsMissing`` of node ``i``: the titles it recommends that the map leaves out."""
    entries = []
    for _rank, tt in g.missing_of(i):
        entry: dict[str, Any] = {"id": tt}
        named = g.outside_names.get(tt)
        if named:
            entry["name"] = named[0]
            if named[1] is not None:
                entry["year"] = named[1]
        entries.append(entry)
    return entries


def _node_records(ts: TileSet) -> tuple[list[bytes], list[bytes], dict[int, bytes]]:
    """(compact, full) JSON records of every node: ``quad_`` files get the core fields, the
    year and the IMDb link (what drawing, a hover and shingle's info panel need: on a click
    shingle.js often shows the compact record); ``equad_`` files add rating, votes, genres,
    directors and the "recommends" / "recommended by" lists of our panel (and what they leave
    out); the third item is, per node with more recommenders than ``by`` lists, the rest (a
    ``byquad_`` file's entry)."""
    g = ts.graph
    xs, ys, sizes = ts.x.tolist(), ts.y.tolist(), ts.size.tolist()
    comm = ts.community.tolist()
    tne = ts.edges.degree.tolist()
    recs, recs_from, by, by_from, by_count = _neighbour_lists(g)
    per_entry = shared_origins(g) is None
    compact, full = [], []
    more: dict[int, bytes] = {}
    for i, node_id in enumerate(g.ids):
        rec: dict[str, Any] = {
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
        rec["href"] = g.url(i)
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
        if per_entry:
            rec["recsOrigin"] = recs_from[i]
        missing = _missing_entries(g, i)
        if missing:
            rec["recsCount"] = len(recs[i]) + len(missing)
            rec["recsMissing"] = missing
        rest = _split_by(rec, by[i], by_from[i] if per_entry else None)
        rec["byCount"] = by_count[i]
        full.append(orjson.dumps(rec))
        if rest is not None:
            more[i] = rest
    return compact, full, more


def _byquad_files(
    tree: QuadTree, ids: list[str], more_by: dict[int, bytes]
) -> Iterator[tuple[str, bytes]]:
    """``byquad_<path>.json`` of every quad with a title whose recommenders ``by`` cut short."""
    for q, name in enumerate(tree.names):
        own = [i for i in tree.members[q].tolist() if i in more_by]
        if own:
            body = b",".join(orjson.dumps(ids[i]) + b":" + more_by[i] for i in own)
            yield "by" + name + ".json", b"{" + body + b"}"


def iter_tile_files(ts: TileSet) -> Iterator[tuple[str, bytes]]:
    """(file name, content) of every shingle.js file, in a fixed order."""
    tree = ts.tree
    g = ts.graph
    quad_names = tree.names
    yield "mapinfo.json", orjson.dumps(mapinfo(ts))
    compact_records, full_records, more_by = _node_records(ts)
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
    full, compact = ts.relations.full, ts.relations.compact
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
    yield from _byquad_files(tree, g.ids, more_by)
    buckets = sym_table_size(g.node_count)
    tables: list[dict[str, list[Any]]] = [{} for _ in range(buckets)]
    xs, ys = ts.x.tolist(), ts.y.tolist()
    quad_of = tree.quad_of.tolist()
    for i, node_id in enumerate(g.ids):
        tables[node_hash(node_id, buckets)][node_id] = [xs[i], ys[i], quad_names[quad_of[i]]]
    for k, table in enumerate(tables):
        yield f"table{k}.json", orjson.dumps(table)
