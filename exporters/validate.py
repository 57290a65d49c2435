"""Check a shingle.js graph directory against every rule of ``shared/specs/shingle-format.md``.

``validate_tiles(directory)`` returns a list of problems (empty = valid); ``python -m
exporters check DIR`` (``cli``) prints them and exits 1 if there are any. Reads only the
directory, so it checks any writer's output (levels mode, i.e. ``data-format-version`` > 0).
Each kind of problem is reported for at most ``MAX_EXAMPLES`` cases, then counted.

It imports nothing from the writer: the bucket hash (``reference_hash``) and the rule for a
quad shingle.js draws (``deepest_view``) are written again here, straight from the spec and
checked against its test vectors, so a mistake in the writer's version cannot pass both.
One module of ~480 lines on purpose: it is the format's rule list, read top to bottom.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson
from PIL import Image

MAX_EXAMPLES = 20
# The spec's limits (sections 4 and 7) and the node fields shingle.js reads (section 4).
EDGE_CAP = 24
COMPACT_RELATIONS = 101
QUAD_THRESHOLD = 0.25  # shingle.js quadDisplayThreshold
SHINGLE_FIELDS = ("nodeid", "name", "x", "y", "size", "community", "tne")
# The screens (width / height) every quad must be drawn on: what we promise, from a 9:19.5
# phone held upright to a 21:9 monitor. Kept apart from the writer's copy on purpose.
SCREENS = (0.45, 1.0, 16 / 9, 2.4)
BACKEND_KEYS = ("loadFromBackend", "supportsMultipleQuadsLoader", "backendMapsNodeRelations")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")
_BOX = ("xmin", "xmax", "ymin", "ymax")


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.counts: Counter[str] = Counter()

    def add(self, rule: str, message: str) -> None:
        self.counts[rule] += 1
        if self.counts[rule] <= MAX_EXAMPLES:
            self.items.append(f"{rule}: {message}")

    def result(self) -> list[str]:
        extra = [
            f"{rule}: … and {count - MAX_EXAMPLES} more"
            for rule, count in sorted(self.counts.items())
            if count > MAX_EXAMPLES
        ]
        return self.items + extra


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _load(path: Path, problems: _Problems) -> object | None:
    if not path.is_file():
        problems.add("missing-file", f"{path.name} is missing")
        return None
    try:
        return orjson.loads(path.read_bytes())  # strict: no NaN/Infinity, trailing commas
    except orjson.JSONDecodeError as exc:
        problems.add("invalid-json", f"{path.name} is not strict JSON: {exc}")
        return None


def _walk_tree(root: dict, problems: _Problems) -> dict[str, dict]:
    """quad id -> tree node, checking shape and nesting on the way."""
    quads: dict[str, dict] = {}
    stack: list[tuple[dict, str, dict | None]] = [(root, "quad_", None)]
    while stack:
        node, qid, parent = stack.pop()
        if not isinstance(node, dict) or not all(_is_number(node.get(k)) for k in _BOX):
            problems.add("tree-box", f"{qid} has no numeric xmin/xmax/ymin/ymax")
            continue
        quads[qid] = node
        if node["xmin"] > node["xmax"] or node["ymin"] > node["ymax"]:
            problems.add("tree-box", f"{qid} box is inverted")
        if parent is not None and not (
            parent["xmin"] <= node["xmin"]
            and node["xmax"] <= parent["xmax"]
            and parent["ymin"] <= node["ymin"]
            and node["ymax"] <= parent["ymax"]
        ):
            problems.add("tree-nesting", f"{qid} box is not inside its parent's box")
        has_children = "left" in node or "right" in node
        kind = node.get("type")
        if kind not in ("SplitX", "SplitY", "Leaf"):
            problems.add("tree-type", f"{qid} has type {kind!r}")
        elif (kind == "Leaf") == has_children:
            problems.add("tree-type", f"{qid} is {kind} but has children: {has_children}")
        if has_children:
            if "left" not in node or "right" not in node:
                problems.add("tree-type", f"{qid} has only one child")
                continue
            if not _is_number(node.get("splitValue")):
                problems.add("tree-type", f"{qid} has no numeric splitValue")
            stack.append((node["right"], qid + "r", node))
            stack.append((node["left"], qid + "l", node))
    return quads


def validate_tiles(
    directory: str | Path,
    *,
    max_edges_per_node: int = EDGE_CAP,
    max_compact_relations: int = COMPACT_RELATIONS,
    quad_threshold: float = QUAD_THRESHOLD,
    centre_tolerance: float = 0.01,
) -> list[str]:
    """Every problem found in the graph directory (an empty list means valid)."""
    d = Path(directory)
    problems = _Problems()
    info = _load(d / "mapinfo.json", problems)
    if not isinstance(info, dict):
        if info is not None:
            problems.add("mapinfo", "mapinfo.json is not an object")
        return problems.result()
    version = info.get("data-format-version")
    if not isinstance(version, int) or isinstance(version, bool) or version <= 0:
        problems.add("mapinfo", f"data-format-version is {version!r}, expected 2 (levels mode)")
    for key in BACKEND_KEYS:
        if key in info:
            problems.add("mapinfo", f"{key} must not be set for a static directory")
    for key in ("averageQuadWidth", "totalMapWidth", "totalMapHeight", "minsize", "maxsize"):
        if not _is_number(info.get(key)):
            problems.add("mapinfo", f"{key} is {info.get(key)!r}, expected a number")
    if not isinstance(info.get("quadtree"), dict):
        problems.add("mapinfo", "quadtree is missing")
        return problems.result()
    origin_mask = _check_origins(info, problems)
    quads = _walk_tree(info["quadtree"], problems)
    root = info["quadtree"]
    if not all(_is_number(root.get(k)) for k in _BOX):
        return problems.result()

    width, height = root["xmax"] - root["xmin"], root["ymax"] - root["ymin"]
    for key, value in (("totalMapWidth", width), ("totalMapHeight", height)):
        if _is_number(info.get(key)) and not math.isclose(info[key], value, rel_tol=1e-9):
            problems.add("mapinfo", f"{key} {info[key]} != root box {value}")
    cx, cy = (root["xmin"] + root["xmax"]) / 2, (root["ymin"] + root["ymax"]) / 2
    if abs(cx) > centre_tolerance * max(width, 1e-12) or abs(cy) > (
        centre_tolerance * max(height, 1e-12)
    ):
        problems.add("not-centred", f"the map box is centred on ({cx}, {cy}), not (0, 0)")

    leaves = [q for q in quads.values() if q.get("type") == "Leaf" or "left" not in q]
    average = sum(q["xmax"] - q["xmin"] for q in leaves) / max(len(leaves), 1)
    awidth = info.get("averageQuadWidth")
    if isinstance(awidth, int | float) and _is_number(awidth):
        if awidth <= 0:
            problems.add("mapinfo", f"averageQuadWidth is {awidth}, must be > 0")
        if not math.isclose(awidth, average, rel_tol=1e-9, abs_tol=1e-12):
            problems.add("average-quad-width", f"averageQuadWidth {awidth} != leaf mean {average}")
        _check_drawable(
            quads,
            float(awidth),
            map_width=width,
            map_height=height,
            threshold=quad_threshold,
            problems=problems,
        )

    # --- quad files -----------------------------------------------------------------------
    where: dict[str, list[str]] = defaultdict(list)  # node id -> quads holding it
    nodes_by_id: dict[str, dict] = {}
    idmaps: dict[str, dict] = {}
    relations: dict[str, tuple[list, list]] = {}
    for qid in sorted(quads):
        box = quads[qid]
        loaded = {}
        for prefix, compact in (("quad_", True), ("equad_", False)):
            name = prefix + qid[len("quad_") :] + ".json"
            data = _load(d / name, problems)
            if data is None:
                continue
            if not isinstance(data, dict):
                problems.add("quad-file", f"{name} is not an object")
                continue
            header = data.get("header")
            if not isinstance(header, dict) or header.get("compact") is not compact:
                problems.add("quad-header", f"{name} header.compact must be {compact}")
            elif any(header.get(k) != box[k] for k in _BOX):
                problems.add("quad-header", f"{name} header box differs from mapinfo's {qid}")
            if data.get("referenced", []) != []:
                problems.add("quad-file", f"{name} referenced must be []")
            if not isinstance(data.get("idmap"), dict) or not isinstance(data.get("nodes"), list):
                problems.add("quad-file", f"{name} needs an idmap object and a nodes array")
                continue
            if not isinstance(data.get("relations"), list):
                problems.add("quad-file", f"{name} needs a relations array")
                data["relations"] = []
            loaded[prefix] = data
        for node in loaded["equad_"]["nodes"] if "equad_" in loaded else ():
            _check_node_origins(node, origin_mask, problems)
        if "quad_" not in loaded:
            continue
        data = loaded["quad_"]
        if "equad_" in loaded and (
            loaded["equad_"]["idmap"] != data["idmap"]
            or _core(loaded["equad_"]["nodes"]) != _core(data["nodes"])
        ):
            problems.add("quad-file", f"equad and quad files of {qid} hold different nodes")
        idmap, nodes = data["idmap"], data["nodes"]
        idmaps[qid] = idmap
        if len(idmap) != len(nodes):
            problems.add("idmap", f"{qid}: idmap has {len(idmap)} ids, nodes {len(nodes)}")
        for k, node in enumerate(nodes):
            _check_node(node, qid, k, idmap, box, problems)
            if isinstance(node, dict) and isinstance(node.get("nodeid"), str):
                where[node["nodeid"]].append(qid)
                nodes_by_id[node["nodeid"]] = node
        relations[qid] = (
            data["relations"],
            loaded["equad_"]["relations"] if "equad_" in loaded else [],
        )
    for node_id, holders in where.items():
        if len(holders) > 1:
            problems.add("node-in-many-quads", f"{node_id} is in {', '.join(sorted(holders))}")
    for qid, (compact_rels, full_rels) in relations.items():
        _check_relations(
            qid,
            compact_rels,
            full_rels,
            idmaps,
            problems,
            max_edges_per_node,
            max_compact_relations,
        )
    _check_cross_quad_edges({qid: full for qid, (_, full) in relations.items()}, problems)
    for stray in sorted(d.glob("xquad_*.json")):
        problems.add("xquad-file", f"{stray.name}: shingle.js never reads xquad_ files")

    # --- sizes ----------------------------------------------------------------------------
    sizes = [n["size"] for n in nodes_by_id.values() if _is_number(n.get("size"))]
    if sizes:
        for key, value in (("minsize", min(sizes)), ("maxsize", max(sizes))):
            if info.get(key) != value:
                problems.add("min-max-size", f"{key} is {info.get(key)}, nodes give {value}")
    count = len(nodes_by_id)
    if "nrnodes" in info and info["nrnodes"] != count:
        problems.add("mapinfo", f"nrnodes is {info['nrnodes']}, the quads hold {count}")
    drawn = {
        frozenset((key[1], key[3]))
        for _, full in relations.values()
        for key in map(_relation_key, full)
        if key is not None
    }
    if "nredges" in info and info["nredges"] != len(drawn):
        problems.add("mapinfo", f"nredges is {info['nredges']}, the equad files hold {len(drawn)}")

    # --- hash tables ----------------------------------------------------------------------
    buckets = info.get("symTableSize", 211)
    expected = 211 if count <= 2_000_000 else 2111
    if buckets != expected:
        problems.add("tables", f"symTableSize is {buckets}, expected {expected} for {count} nodes")
    if isinstance(buckets, int) and buckets > 0:
        _check_tables(d, buckets, nodes_by_id, where, problems)

    _check_bitmaps(d, width, height, problems)
    return problems.result()


def reference_hash(node_id: str, buckets: int) -> int:
    """The bucket of ``node_id`` as shingle.js computes it (spec section 5): h = 0; for each
    UTF-16 code unit c (``charCodeAt``), h = (h * 16 + c) mod 2^24; bucket = h mod buckets."""
    h = 0
    for char in node_id:
        point = ord(char)
        units: tuple[int, ...] = (point,)
        if point > 0xFFFF:  # a JavaScript string holds it as a surrogate pair
            point -= 0x10000
            units = (0xD800 + (point >> 10), 0xDC00 + (point & 0x3FF))
        for unit in units:
            h = (h * 16 + unit) % 0x1000000
    return h % buckets


def deepest_view(
    average_quad_width: float, map_width: float, map_height: float, screen: float
) -> tuple[float, float]:
    """(width, height) of the world shingle.js shows at its deepest zoom on a screen of shape
    ``screen`` (width / height), spec section 7: the whole map is the root box fitted inside
    the screen, and the deepest zoom is ``minScale = averageQuadWidth / totalMapWidth`` of it."""
    if map_width <= 0 or map_height <= 0:
        map_width = map_height = max(map_width, map_height, 1e-300)
    if map_width / map_height < screen:  # a wider screen shows more than the map's width
        whole = (map_height * screen, map_height)
    else:  # a taller screen shows more than its height
        whole = (map_width, map_width / screen)
    scale = average_quad_width / map_width
    return whole[0] * scale, whole[1] * scale


def _check_drawable(
    quads: dict[str, dict[str, Any]],
    average: float,
    *,
    map_width: float,
    map_height: float,
    threshold: float,
    problems: _Problems,
) -> None:
    """Every quad is at least ``threshold`` of the deepest view on each axis, on every screen
    of ``SCREENS``: shingle.js skips a smaller one, with its subtree."""
    views = [deepest_view(average, map_width, map_height, screen) for screen in SCREENS]
    min_w = threshold * max(w for w, _ in views)
    min_h = threshold * max(h for _, h in views)
    for qid, q in sorted(quads.items()):
        w, h = q["xmax"] - q["xmin"], q["ymax"] - q["ymin"]
        # A hair of slack: the files round coordinates.
        if w < min_w * (1 - 1e-6) or h < min_h * (1 - 1e-6):
            problems.add(
                "thin-quad",
                f"{qid} is {w:g} x {h:g}, under {min_w:g} x {min_h:g} ({threshold} of "
                f"shingle's deepest view on screens {min(SCREENS):g}:1 to "
                f"{max(SCREENS):g}:1): never drawn at the deepest zoom",
            )


def _check_node(  # noqa: PLR0917
    node, qid: str, k: int, idmap: dict, box: dict, problems: _Problems
) -> None:
    if not isinstance(node, dict) or not isinstance(node.get("nodeid"), str):
        problems.add("node", f"{qid} node #{k} has no string nodeid")
        return
    nid = node["nodeid"]
    if idmap.get(nid) != k:
        problems.add("idmap", f"{qid}: idmap[{nid!r}] is {idmap.get(nid)!r}, node is #{k}")
    name = node.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("node-name", f"{nid} has an empty name (shingle.js would not draw it)")
    elif "<" in name or _ENTITY.sub("", name).count("&"):
        problems.add("node-name", f"{nid} name {name!r} is not HTML-safe (raw < or &)")
    elif re.search("[\x00-\x1f\x7f]", name):
        problems.add("node-name", f"{nid} name has control characters")
    for key in ("x", "y", "size"):
        if not _is_number(node.get(key)):
            problems.add("node", f"{nid} {key} is {node.get(key)!r}, expected a number")
    comm = node.get("community")
    if not isinstance(comm, int) or isinstance(comm, bool) or comm < 0:
        problems.add("node-community", f"{nid} community is {comm!r}, expected an integer >= 0")
    tne = node.get("tne")
    if tne is not None and (not isinstance(tne, int) or isinstance(tne, bool)):
        problems.add("node", f"{nid} tne is {tne!r}, expected an integer")
    if (
        _is_number(node.get("x"))
        and _is_number(node.get("y"))
        and not (
            box["xmin"] <= node["x"] <= box["xmax"] and box["ymin"] <= node["y"] <= box["ymax"]
        )
    ):
        problems.add("node-outside-quad", f"{nid} at ({node['x']}, {node['y']}) is outside {qid}")


def _check_cross_quad_edges(full: dict[str, list[Any]], problems: _Problems) -> None:
    """An edge between two quads is listed in both quads' equad files (spec section 4)."""
    Edge = frozenset[tuple[str, str]]  # its two (quad, node id) ends
    edges: dict[str, set[Edge]] = {}
    for qid, rels in full.items():
        found = (_relation_key(rel) for rel in rels)
        edges[qid] = {frozenset(((k[0], k[1]), (k[2], k[3]))) for k in found if k is not None}
    for qid, ends_of in sorted(edges.items()):
        for edge in sorted(ends_of, key=sorted):
            ends = sorted(edge)
            for other, node in ends:
                if other != qid and other in edges and edge not in edges[other]:
                    mate = next(n for q, n in ends if (q, n) != (other, node))
                    problems.add(
                        "relation-one-sided",
                        f"equad file of {qid} lists {mate}-{node}, the equad file of {other} "
                        "does not",
                    )


def _relation_key(rel: object) -> tuple[str, str, str, str] | None:
    """(quadA, nodeidA, quadB, nodeidB) of a well-formed relation, else None."""
    if not isinstance(rel, dict):
        return None
    qa, na, qb, nb = (rel.get(k) for k in ("quadA", "nodeidA", "quadB", "nodeidB"))
    if isinstance(qa, str) and isinstance(na, str) and isinstance(qb, str) and isinstance(nb, str):
        return qa, na, qb, nb
    return None


def _check_relations(  # noqa: PLR0917
    qid, compact_rels, full_rels, idmaps, problems, cap, compact_limit
) -> None:
    if len(compact_rels) > compact_limit:
        problems.add(
            "compact-relations", f"quad file {qid} has {len(compact_rels)} > {compact_limit}"
        )
    full_keys = set()
    for label, rels in (("quad", compact_rels), ("equad", full_rels)):
        per_node: Counter[str] = Counter()
        seen = set()
        for rel in rels:
            key = _relation_key(rel)
            if key is None:
                problems.add("relation", f"{label} file of {qid} has a malformed relation {rel!r}")
                continue
            qa, na, qb, nb = key
            if key in seen:
                problems.add("relation", f"{label} file of {qid} lists {na}-{nb} twice")
            seen.add(key)
            if qid not in (qa, qb):
                problems.add("relation", f"{label} file of {qid}: {na}-{nb} touches neither node")
            for q, n in ((qa, na), (qb, nb)):
                if q not in idmaps:
                    problems.add("relation", f"{label} file of {qid} names unknown quad {q!r}")
                elif n not in idmaps[q]:
                    problems.add("relation", f"{label} file of {qid}: {n} is not in {q}")
                elif q == qid:
                    per_node[n] += 1
        for n, k in per_node.items():
            if k > cap:
                problems.add("edge-cap", f"{label} file of {qid}: {n} has {k} > {cap} edges")
        if label == "equad":
            full_keys = seen
        else:
            compact_keys = seen
    if full_rels and not compact_keys <= full_keys:
        problems.add("relation", f"quad file of {qid} has relations its equad file lacks")


def _check_tables(d: Path, buckets: int, nodes_by_id, where, problems: _Problems) -> None:
    found: set[str] = set()
    for k in range(buckets):
        table = _load(d / f"table{k}.json", problems)
        if table is None:
            continue
        if not isinstance(table, dict):
            problems.add("tables", f"table{k}.json is not an object")
            continue
        for nid, entry in table.items():
            found.add(nid)
            node = nodes_by_id.get(nid)
            if node is None:
                problems.add("tables", f"table{k}.json lists {nid}, which no quad holds")
                continue
            if reference_hash(nid, buckets) != k:
                problems.add(
                    "tables",
                    f"{nid} is in table{k}, its hash says table{reference_hash(nid, buckets)}",
                )
            quad = where[nid][0] if where.get(nid) else None
            if entry != [node.get("x"), node.get("y"), quad]:
                problems.add("tables", f"{nid} entry {entry!r} != [x, y, quad] {quad}")
    for nid in sorted(set(nodes_by_id) - found):
        problems.add("tables", f"{nid} is in no table file")
    if (d / f"table{buckets}.json").exists():
        problems.add("tables", f"table{buckets}.json exists beyond symTableSize {buckets}")


def _check_bitmaps(d: Path, width: float, height: float, problems: _Problems) -> None:
    images = [p for p in (d / "image_2400.jpg", d / "image_2400low.jpg") if p.is_file()]
    if not images:
        return
    for path in images:
        try:
            with Image.open(path) as im:
                w, h = im.size
        except OSError as exc:
            problems.add("bitmap", f"{path.name} cannot be read: {exc}")
            continue
        if width <= 0 or height <= 0:
            continue
        off = abs(h - w * height / width) if w >= h else abs(w - h * width / height)
        if off > 1:
            problems.add(
                "bitmap-aspect",
                f"{path.name} is {w}x{h}, the map is {width:g}x{height:g} "
                f"({off:.1f} px off its aspect ratio)",
            )


def _check_origins(info: dict, problems: _Problems) -> int | None:
    """``origins`` of mapinfo (our extension: the sources of the map's data, each with its own
    bit): the bits they hold together, or None when absent or malformed."""
    origins = info.get("origins")
    if origins is None:
        return None
    bits = list(origins.values()) if isinstance(origins, dict) else []
    if not isinstance(origins, dict) or not all(
        isinstance(b, int) and not isinstance(b, bool) and b > 0 and b & (b - 1) == 0 for b in bits
    ):
        problems.add("origins", f"mapinfo origins {origins!r} is not an object of distinct bits")
        return None
    if len(set(bits)) != len(bits):
        problems.add("origins", f"mapinfo origins {origins!r} gives two sources one bit")
        return None
    mask = 0
    for b in bits:
        mask |= b
    shared = info.get("edgeOrigins", mask)
    if not isinstance(shared, int) or isinstance(shared, bool) or shared <= 0 or shared & ~mask:
        problems.add("origins", f"mapinfo edgeOrigins {shared!r} names sources origins lacks")
    return mask


def _check_node_origins(node: object, mask: int | None, problems: _Problems) -> None:
    """An equad record's ``recsOrigin`` / ``byOrigin`` give, per id of ``recs`` / ``by``,
    a non-empty set of the sources mapinfo names."""
    if not isinstance(node, dict):
        return
    for ids_key, key in (("recs", "recsOrigin"), ("by", "byOrigin")):
        if key not in node:
            continue
        nid, value, ids = node.get("nodeid"), node[key], node.get(ids_key)
        if mask is None:
            problems.add("origins", f"{nid} has {key} but mapinfo names no origins")
        elif not isinstance(value, list) or not isinstance(ids, list) or len(value) != len(ids):
            problems.add("origins", f"{nid} {key} is not a list as long as its {ids_key}")
        elif not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 and v & ~mask == 0
            for v in value
        ):
            problems.add("origins", f"{nid} {key} {value!r} names sources mapinfo lacks")


def _core(nodes: object) -> object:
    """The shingle.js fields of node records, which both files of a quad must agree on (the
    equad file also carries the viewer's panel data)."""
    if not isinstance(nodes, list):
        return nodes
    return [{k: n.get(k) for k in SHINGLE_FIELDS} if isinstance(n, dict) else n for n in nodes]
