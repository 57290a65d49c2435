"""Check a shingle.js graph directory against every rule of ``shared/specs/shingle-format.md``.

``validate_tiles(directory)`` returns a list of problems (empty = valid); ``python -m
exporters check DIR`` (``cli``) prints them and exits 1 if there are any. Reads only the
directory, so it checks any writer's output (levels mode, i.e. ``data-format-version`` > 0).
Each kind of problem is reported for at most ``MAX_EXAMPLES`` cases, then counted.

``validate_tiles`` is a short driver: it reads ``mapinfo.json``, its tree and the quad files,
then runs one check per group of rules, in the spec's order. Each check yields its problems as
``(rule, message)`` pairs; each reader returns what it read along with its own.

It imports nothing from the writer: the bucket hash (``reference_hash``) and the rule for a
quad shingle.js draws (``deepest_view``) are written again here, straight from the spec and
checked against its test vectors, so a mistake in the writer's version cannot pass both.
One module of ~600 lines on purpose: it is the format's rule list, read top to bottom, and
being one module keeps "imports nothing of the project" a one-line test.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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


Problem = tuple[str, str]  # (rule, message)


class _Problems:
    """The problems found, in the order found: at most ``MAX_EXAMPLES`` of each rule, then a
    count of the rest."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.counts: Counter[str] = Counter()

    def add(self, rule: str, message: str) -> None:
        self.counts[rule] += 1
        if self.counts[rule] <= MAX_EXAMPLES:
            self.items.append(f"{rule}: {message}")

    def extend(self, problems: Iterable[Problem]) -> None:
        for rule, message in problems:
            self.add(rule, message)

    def result(self) -> list[str]:
        extra = [
            f"{rule}: … and {count - MAX_EXAMPLES} more"
            for rule, count in sorted(self.counts.items())
            if count > MAX_EXAMPLES
        ]
        return self.items + extra


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
    found = _Problems()
    info, problems = _read_mapinfo(d)
    found.extend(problems)
    if info is None:
        return found.result()
    found.extend(_check_mapinfo_keys(info))
    origin_mask, problems = _check_origins(info)
    found.extend(problems)
    quads, problems = _read_tree(info)
    found.extend(problems)
    if quads is None:  # no tree, or no root box: nothing below can be checked
        return found.result()
    root = info["quadtree"]
    width, height = root["xmax"] - root["xmin"], root["ymax"] - root["ymin"]
    found.extend(_check_map_box(info, root, centre_tolerance))
    found.extend(_check_quad_width(info, quads, width, height, quad_threshold))
    held, problems = _read_quads(d, quads, origin_mask)
    found.extend(problems)
    found.extend(_check_node_homes(held))
    for qid in held.relations:
        found.extend(
            _check_relations(held, qid, cap=max_edges_per_node, compact_limit=max_compact_relations)
        )
    found.extend(_check_cross_quad_edges(held))
    found.extend(_check_no_xquad(d))
    found.extend(_check_counts(info, held))
    found.extend(_check_tables(d, info, held))
    found.extend(_check_bitmaps(d, width, height))
    return found.result()


# --- mapinfo.json and its tree --------------------------------------------------------------


def _read_mapinfo(d: Path) -> tuple[dict | None, list[Problem]]:
    info, problems = _load(d / "mapinfo.json")
    if problems:
        return None, problems
    if not isinstance(info, dict):  # a JSON null too: it is there, but holds no map
        return None, [("mapinfo", "mapinfo.json is not an object")]
    return info, []


def _check_mapinfo_keys(info: dict) -> Iterator[Problem]:
    version = info.get("data-format-version")
    if not isinstance(version, int) or isinstance(version, bool) or version <= 0:
        yield "mapinfo", f"data-format-version is {version!r}, expected 2 (levels mode)"
    for key in BACKEND_KEYS:
        if key in info:
            yield "mapinfo", f"{key} must not be set for a static directory"
    for key in ("averageQuadWidth", "totalMapWidth", "totalMapHeight", "minsize", "maxsize"):
        if not _is_number(info.get(key)):
            yield "mapinfo", f"{key} is {info.get(key)!r}, expected a number"


def _read_tree(info: dict) -> tuple[dict[str, dict] | None, list[Problem]]:
    """quad id -> tree node, or None if there is no tree or its root has no box."""
    root = info.get("quadtree")
    if not isinstance(root, dict):
        return None, [("mapinfo", "quadtree is missing")]
    quads, problems = _walk_tree(root)
    if not all(_is_number(root.get(k)) for k in _BOX):
        return None, problems
    return quads, problems


def _walk_tree(root: dict) -> tuple[dict[str, dict], list[Problem]]:
    """quad id -> tree node, checking shape and nesting on the way."""
    quads: dict[str, dict] = {}
    problems: list[Problem] = []
    stack: list[tuple[dict, str, dict | None]] = [(root, "quad_", None)]
    while stack:
        node, qid, parent = stack.pop()
        if not isinstance(node, dict) or not all(_is_number(node.get(k)) for k in _BOX):
            problems.append(("tree-box", f"{qid} has no numeric xmin/xmax/ymin/ymax"))
            continue
        quads[qid] = node
        problems.extend(_check_tree_node(node, qid, parent))
        if "left" in node and "right" in node:
            stack.append((node["right"], qid + "r", node))
            stack.append((node["left"], qid + "l", node))
    return quads, problems


def _check_tree_node(node: dict, qid: str, parent: dict | None) -> Iterator[Problem]:
    if node["xmin"] > node["xmax"] or node["ymin"] > node["ymax"]:
        yield "tree-box", f"{qid} box is inverted"
    if parent is not None and not (
        parent["xmin"] <= node["xmin"]
        and node["xmax"] <= parent["xmax"]
        and parent["ymin"] <= node["ymin"]
        and node["ymax"] <= parent["ymax"]
    ):
        yield "tree-nesting", f"{qid} box is not inside its parent's box"
    has_children = "left" in node or "right" in node
    kind = node.get("type")
    if kind not in ("SplitX", "SplitY", "Leaf"):
        yield "tree-type", f"{qid} has type {kind!r}"
    elif (kind == "Leaf") == has_children:
        yield "tree-type", f"{qid} is {kind} but has children: {has_children}"
    if not has_children:
        return
    if "left" not in node or "right" not in node:
        yield "tree-type", f"{qid} has only one child"
    elif not _is_number(node.get("splitValue")):
        yield "tree-type", f"{qid} has no numeric splitValue"


def _check_map_box(info: dict, root: dict, centre_tolerance: float) -> Iterator[Problem]:
    width, height = root["xmax"] - root["xmin"], root["ymax"] - root["ymin"]
    for key, value in (("totalMapWidth", width), ("totalMapHeight", height)):
        if _is_number(info.get(key)) and not math.isclose(info[key], value, rel_tol=1e-9):
            yield "mapinfo", f"{key} {info[key]} != root box {value}"
    cx, cy = (root["xmin"] + root["xmax"]) / 2, (root["ymin"] + root["ymax"]) / 2
    if abs(cx) > centre_tolerance * max(width, 1e-12) or abs(cy) > (
        centre_tolerance * max(height, 1e-12)
    ):
        yield "not-centred", f"the map box is centred on ({cx}, {cy}), not (0, 0)"


def _check_quad_width(
    info: dict, quads: dict[str, dict], width: float, height: float, threshold: float
) -> Iterator[Problem]:
    """averageQuadWidth is the leaves' mean width, and every quad is drawn at it."""
    awidth = info.get("averageQuadWidth")
    if not isinstance(awidth, int | float) or not _is_number(awidth):
        return  # _check_mapinfo_keys said so
    leaves = [q for q in quads.values() if q.get("type") == "Leaf" or "left" not in q]
    average = sum(q["xmax"] - q["xmin"] for q in leaves) / max(len(leaves), 1)
    if awidth <= 0:
        yield "mapinfo", f"averageQuadWidth is {awidth}, must be > 0"
    if not math.isclose(awidth, average, rel_tol=1e-9, abs_tol=1e-12):
        yield "average-quad-width", f"averageQuadWidth {awidth} != leaf mean {average}"
    yield from _check_drawable(
        quads, float(awidth), map_width=width, map_height=height, threshold=threshold
    )


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
) -> Iterator[Problem]:
    """Every quad is at least ``threshold`` of the deepest view on each axis, on every screen
    of ``SCREENS``: shingle.js skips a smaller one, with its subtree."""
    views = [deepest_view(average, map_width, map_height, screen) for screen in SCREENS]
    min_w = threshold * max(w for w, _ in views)
    min_h = threshold * max(h for _, h in views)
    for qid, q in sorted(quads.items()):
        w, h = q["xmax"] - q["xmin"], q["ymax"] - q["ymin"]
        # A hair of slack: the files round coordinates.
        if w < min_w * (1 - 1e-6) or h < min_h * (1 - 1e-6):
            yield (
                "thin-quad",
                f"{qid} is {w:g} x {h:g}, under {min_w:g} x {min_h:g} ({threshold} of "
                f"shingle's deepest view on screens {min(SCREENS):g}:1 to "
                f"{max(SCREENS):g}:1): never drawn at the deepest zoom",
            )


# --- the quad files -------------------------------------------------------------------------


@dataclass
class _Held:
    """What the quad files hold, for the rules that look across files."""

    where: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    nodes_by_id: dict[str, dict] = field(default_factory=dict)
    idmaps: dict[str, dict] = field(default_factory=dict)  # quad id -> its idmap
    # quad id -> (the quad_ file's relations, the equad_ file's)
    relations: dict[str, tuple[list, list]] = field(default_factory=dict)

    def add(self, qid: str, compact: dict, full: dict | None) -> None:
        self.idmaps[qid] = compact["idmap"]
        for node in compact["nodes"]:
            if isinstance(node, dict) and isinstance(node.get("nodeid"), str):
                self.where[node["nodeid"]].append(qid)
                self.nodes_by_id[node["nodeid"]] = node
        self.relations[qid] = (compact["relations"], full["relations"] if full is not None else [])


def _read_quads(
    d: Path, quads: dict[str, dict], origin_mask: int | None
) -> tuple[_Held, list[Problem]]:
    """Read and check each quad's pair of files, quad by quad (so the problems come in quad
    order); gather what they hold for the rules across files."""
    held = _Held()
    problems: list[Problem] = []
    for qid in sorted(quads):
        box = quads[qid]
        suffix = qid[len("quad_") :] + ".json"
        compact, found = _read_quad_file(d / ("quad_" + suffix), qid, box, compact=True)
        problems += found
        full, found = _read_quad_file(d / ("equad_" + suffix), qid, box, compact=False)
        problems += found
        for node in full["nodes"] if full is not None else ():
            problems.extend(_check_node_origins(node, origin_mask))
            problems.extend(_check_missing_recs(node))
        if full is not None:
            problems.extend(_check_byquad(d / ("by" + qid + ".json"), full))
        if compact is None:
            continue
        problems.extend(_check_quad(qid, box, compact, full))
        held.add(qid, compact, full)
    return held, problems


def _read_quad_file(
    path: Path, qid: str, box: dict, *, compact: bool
) -> tuple[dict | None, list[Problem]]:
    """One quad_ (``compact``) or equad_ file, or None if it cannot be read as one."""
    data, problems = _load(path)
    if problems:
        return None, problems
    name = path.name
    if not isinstance(data, dict):
        return None, [("quad-file", f"{name} is not an object")]
    header = data.get("header")
    if not isinstance(header, dict) or header.get("compact") is not compact:
        problems.append(("quad-header", f"{name} header.compact must be {compact}"))
    elif any(header.get(k) != box[k] for k in _BOX):
        problems.append(("quad-header", f"{name} header box differs from mapinfo's {qid}"))
    if data.get("referenced", []) != []:
        problems.append(("quad-file", f"{name} referenced must be []"))
    if not isinstance(data.get("idmap"), dict) or not isinstance(data.get("nodes"), list):
        problems.append(("quad-file", f"{name} needs an idmap object and a nodes array"))
        return None, problems
    if not isinstance(data.get("relations"), list):
        problems.append(("quad-file", f"{name} needs a relations array"))
        data["relations"] = []  # so the relation rules still run on the other file
    return data, problems


def _check_quad(qid: str, box: dict, compact: dict, full: dict | None) -> Iterator[Problem]:
    if full is not None and (
        full["idmap"] != compact["idmap"] or _core(full["nodes"]) != _core(compact["nodes"])
    ):
        yield "quad-file", f"equad and quad files of {qid} hold different nodes"
    idmap, nodes = compact["idmap"], compact["nodes"]
    if len(idmap) != len(nodes):
        yield "idmap", f"{qid}: idmap has {len(idmap)} ids, nodes {len(nodes)}"
    for k, node in enumerate(nodes):
        yield from _check_node(node, qid, k, idmap, box)


def _check_node(node: object, qid: str, k: int, idmap: dict, box: dict) -> Iterator[Problem]:
    if not isinstance(node, dict) or not isinstance(node.get("nodeid"), str):
        yield "node", f"{qid} node #{k} has no string nodeid"
        return
    nid = node["nodeid"]
    if idmap.get(nid) != k:
        yield "idmap", f"{qid}: idmap[{nid!r}] is {idmap.get(nid)!r}, node is #{k}"
    yield from _check_name(nid, node.get("name"))
    yield from _check_node_values(nid, node)
    if (
        _is_number(node.get("x"))
        and _is_number(node.get("y"))
        and not (
            box["xmin"] <= node["x"] <= box["xmax"] and box["ymin"] <= node["y"] <= box["ymax"]
        )
    ):
        yield "node-outside-quad", f"{nid} at ({node['x']}, {node['y']}) is outside {qid}"


def _check_name(nid: str, name: object) -> Iterator[Problem]:
    """shingle.js draws a name as HTML: it must be there, and escaped."""
    if not isinstance(name, str) or not name.strip():
        yield "node-name", f"{nid} has an empty name (shingle.js would not draw it)"
    elif "<" in name or _ENTITY.sub("", name).count("&"):
        yield "node-name", f"{nid} name {name!r} is not HTML-safe (raw < or &)"
    elif re.search("[\x00-\x1f\x7f]", name):
        yield "node-name", f"{nid} name has control characters"


def _check_node_values(nid: str, node: dict) -> Iterator[Problem]:
    for key in ("x", "y", "size"):
        if not _is_number(node.get(key)):
            yield "node", f"{nid} {key} is {node.get(key)!r}, expected a number"
    comm = node.get("community")
    if not isinstance(comm, int) or isinstance(comm, bool) or comm < 0:
        yield "node-community", f"{nid} community is {comm!r}, expected an integer >= 0"
    tne = node.get("tne")
    if tne is not None and (not isinstance(tne, int) or isinstance(tne, bool)):
        yield "node", f"{nid} tne is {tne!r}, expected an integer"


def _check_node_homes(held: _Held) -> Iterator[Problem]:
    for node_id, holders in held.where.items():
        if len(holders) > 1:
            yield "node-in-many-quads", f"{node_id} is in {', '.join(sorted(holders))}"


def _check_no_xquad(d: Path) -> Iterator[Problem]:
    for stray in sorted(d.glob("xquad_*.json")):
        yield "xquad-file", f"{stray.name}: shingle.js never reads xquad_ files"


# --- what the panel's lists leave out ---------------------------------------------------------


def _check_missing_recs(node: object) -> Iterator[Problem]:
    """An equad record's ``recsMissing`` lists objects with an id (name and year optional), and
    ``recsCount`` counts ``recs`` and them."""
    if not isinstance(node, dict) or ("recsMissing" not in node and "recsCount" not in node):
        return
    nid, missing, recs = node.get("nodeid"), node.get("recsMissing"), node.get("recs")
    if not isinstance(missing, list) or not all(
        isinstance(m, dict) and isinstance(m.get("id"), str) and m["id"] for m in missing
    ):
        yield "missing-recs", f"{nid} recsMissing is not a list of {{id, name, year}} objects"
    elif not isinstance(recs, list) or node.get("recsCount") != len(recs) + len(missing):
        yield "missing-recs", f"{nid} recsCount is not its recs and recsMissing counted"


def _byquad_wanted(full: dict) -> dict[str, int]:
    """Per node of an equad file whose ``by`` list is cut short: how many recommenders the
    byquad file must add."""
    wanted: dict[str, int] = {}
    for n in full["nodes"]:
        if isinstance(n, dict) and isinstance(n.get("by"), list):
            count, nid = n.get("byCount"), n.get("nodeid")
            if isinstance(count, int) and isinstance(nid, str) and count > len(n["by"]):
                wanted[nid] = count - len(n["by"])
    return wanted


def _check_byquad(path: Path, full: dict) -> Iterator[Problem]:
    """The byquad file of a quad lists the rest of every ``by`` list its equad file cuts short,
    and nothing else; a quad with no such list has no byquad file."""
    wanted = _byquad_wanted(full)
    if not wanted and not path.exists():
        return
    data, problems = _load(path)
    yield from (("byquad", message) for _, message in problems)
    if problems:
        return
    if not isinstance(data, dict):
        yield "byquad", f"{path.name} is not an object"
        return
    for nid in sorted(set(data) | set(wanted)):
        rest = data.get(nid)
        by = rest.get("by") if isinstance(rest, dict) else None
        if not isinstance(by, list) or len(by) != wanted.get(nid, 0):
            yield "byquad", f"{path.name}: {nid} should list {wanted.get(nid, 0)} more recommenders"


# --- relations ------------------------------------------------------------------------------


def _relation_key(rel: object) -> tuple[str, str, str, str] | None:
    """(quadA, nodeidA, quadB, nodeidB) of a well-formed relation, else None."""
    if not isinstance(rel, dict):
        return None
    qa, na, qb, nb = (rel.get(k) for k in ("quadA", "nodeidA", "quadB", "nodeidB"))
    if isinstance(qa, str) and isinstance(na, str) and isinstance(qb, str) and isinstance(nb, str):
        return qa, na, qb, nb
    return None


def _check_relations(held: _Held, qid: str, *, cap: int, compact_limit: int) -> Iterator[Problem]:
    """The relations of one quad's two files: each well-formed and listed once, each node
    within the edge cap, and the quad_ file's a subset of the equad_ file's."""
    compact_rels, full_rels = held.relations[qid]
    idmaps = held.idmaps
    if len(compact_rels) > compact_limit:
        yield "compact-relations", f"quad file {qid} has {len(compact_rels)} > {compact_limit}"
    yield from _check_relation_list("quad", qid, compact_rels, idmaps, cap)
    yield from _check_relation_list("equad", qid, full_rels, idmaps, cap)
    compact_keys, full_keys = (
        {key for key in map(_relation_key, rels) if key is not None}
        for rels in (compact_rels, full_rels)
    )
    if full_rels and not compact_keys <= full_keys:
        yield "relation", f"quad file of {qid} has relations its equad file lacks"


def _check_relation_list(
    label: str, qid: str, rels: list, idmaps: dict[str, dict], cap: int
) -> Iterator[Problem]:
    per_node: Counter[str] = Counter()
    seen = set()
    for rel in rels:
        key = _relation_key(rel)
        if key is None:
            yield "relation", f"{label} file of {qid} has a malformed relation {rel!r}"
            continue
        if key in seen:
            yield "relation", f"{label} file of {qid} lists {key[1]}-{key[3]} twice"
        seen.add(key)
        yield from _check_relation_ends(label, qid, key, idmaps)
        ends = ((key[0], key[1]), (key[2], key[3]))
        per_node.update(n for q, n in ends if q == qid and n in idmaps.get(q, ()))
    for n, k in per_node.items():
        if k > cap:
            yield "edge-cap", f"{label} file of {qid}: {n} has {k} > {cap} edges"


def _check_relation_ends(
    label: str, qid: str, key: tuple[str, str, str, str], idmaps: dict[str, dict]
) -> Iterator[Problem]:
    qa, na, qb, nb = key
    if qid not in (qa, qb):
        yield "relation", f"{label} file of {qid}: {na}-{nb} touches neither node"
    for q, n in ((qa, na), (qb, nb)):
        if q not in idmaps:
            yield "relation", f"{label} file of {qid} names unknown quad {q!r}"
        elif n not in idmaps[q]:
            yield "relation", f"{label} file of {qid}: {n} is not in {q}"


def _check_cross_quad_edges(held: _Held) -> Iterator[Problem]:
    """An edge between two quads is listed in both quads' equad files (spec section 4)."""
    Edge = frozenset[tuple[str, str]]  # its two (quad, node id) ends
    edges: dict[str, set[Edge]] = {}
    for qid, (_, rels) in held.relations.items():
        found = (_relation_key(rel) for rel in rels)
        edges[qid] = {frozenset(((k[0], k[1]), (k[2], k[3]))) for k in found if k is not None}
    for qid, ends_of in sorted(edges.items()):
        for edge in sorted(ends_of, key=sorted):
            ends = sorted(edge)
            for other, node in ends:
                if other != qid and other in edges and edge not in edges[other]:
                    mate = next(n for q, n in ends if (q, n) != (other, node))
                    yield (
                        "relation-one-sided",
                        f"equad file of {qid} lists {mate}-{node}, the equad file of {other} "
                        "does not",
                    )


# --- counts, hash tables, bitmaps -----------------------------------------------------------


def _check_counts(info: dict, held: _Held) -> Iterator[Problem]:
    """minsize, maxsize, nrnodes and nredges are what the quad files hold."""
    sizes = [n["size"] for n in held.nodes_by_id.values() if _is_number(n.get("size"))]
    if sizes:
        for key, value in (("minsize", min(sizes)), ("maxsize", max(sizes))):
            if info.get(key) != value:
                yield "min-max-size", f"{key} is {info.get(key)}, nodes give {value}"
    count = len(held.nodes_by_id)
    if "nrnodes" in info and info["nrnodes"] != count:
        yield "mapinfo", f"nrnodes is {info['nrnodes']}, the quads hold {count}"
    drawn = {
        frozenset((key[1], key[3]))
        for _, full in held.relations.values()
        for key in map(_relation_key, full)
        if key is not None
    }
    if "nredges" in info and info["nredges"] != len(drawn):
        yield "mapinfo", f"nredges is {info['nredges']}, the equad files hold {len(drawn)}"


def _check_tables(d: Path, info: dict, held: _Held) -> Iterator[Problem]:
    """symTableSize suits the node count, and the table files list every node once, in the
    bucket ``reference_hash`` gives it, with its position and quad."""
    buckets = info.get("symTableSize", 211)
    count = len(held.nodes_by_id)
    expected = 211 if count <= 2_000_000 else 2111
    if buckets != expected:
        yield "tables", f"symTableSize is {buckets}, expected {expected} for {count} nodes"
    if not isinstance(buckets, int) or buckets <= 0:
        return
    listed: set[str] = set()
    for k in range(buckets):
        table, problems = _load(d / f"table{k}.json")
        if problems:
            yield from problems
            continue
        if not isinstance(table, dict):
            yield "tables", f"table{k}.json is not an object"
            continue
        listed.update(table)
        yield from _check_table(k, table, buckets, held)
    for nid in sorted(set(held.nodes_by_id) - listed):
        yield "tables", f"{nid} is in no table file"
    if (d / f"table{buckets}.json").exists():
        yield "tables", f"table{buckets}.json exists beyond symTableSize {buckets}"


def _check_table(k: int, table: dict, buckets: int, held: _Held) -> Iterator[Problem]:
    for nid, entry in table.items():
        node = held.nodes_by_id.get(nid)
        if node is None:
            yield "tables", f"table{k}.json lists {nid}, which no quad holds"
            continue
        if reference_hash(nid, buckets) != k:
            yield (
                "tables",
                f"{nid} is in table{k}, its hash says table{reference_hash(nid, buckets)}",
            )
        quad = held.where[nid][0] if held.where.get(nid) else None
        if entry != [node.get("x"), node.get("y"), quad]:
            yield "tables", f"{nid} entry {entry!r} != [x, y, quad] {quad}"


def _check_bitmaps(d: Path, width: float, height: float) -> Iterator[Problem]:
    images = [p for p in (d / "image_2400.jpg", d / "image_2400low.jpg") if p.is_file()]
    for path in images:
        try:
            with Image.open(path) as im:
                w, h = im.size
        except OSError as exc:
            yield "bitmap", f"{path.name} cannot be read: {exc}"
            continue
        if width <= 0 or height <= 0:
            continue
        off = abs(h - w * height / width) if w >= h else abs(w - h * width / height)
        if off > 1:
            yield (
                "bitmap-aspect",
                f"{path.name} is {w}x{h}, the map is {width:g}x{height:g} "
                f"({off:.1f} px off its aspect ratio)",
            )


def _check_origins(info: dict) -> tuple[int | None, list[Problem]]:
    """``origins`` of mapinfo (our extension: the sources of the map's data, each with its own
    bit): the bits they hold together, or None when absent or malformed."""
    origins = info.get("origins")
    if origins is None:
        return None, []
    bits = list(origins.values()) if isinstance(origins, dict) else []
    if not isinstance(origins, dict) or not all(
        isinstance(b, int) and not isinstance(b, bool) and b > 0 and b & (b - 1) == 0 for b in bits
    ):
        return None, [("origins", f"mapinfo origins {origins!r} is not an object of distinct bits")]
    if len(set(bits)) != len(bits):
        return None, [("origins", f"mapinfo origins {origins!r} gives two sources one bit")]
    mask = 0
    for b in bits:
        mask |= b
    shared = info.get("edgeOrigins", mask)
    if not isinstance(shared, int) or isinstance(shared, bool) or shared <= 0 or shared & ~mask:
        return mask, [("origins", f"mapinfo edgeOrigins {shared!r} names sources origins lacks")]
    return mask, []


def _check_node_origins(node: object, mask: int | None) -> Iterator[Problem]:
    """An equad record's ``recsOrigin`` / ``byOrigin`` give, per id of ``recs`` / ``by``,
    a non-empty set of the sources mapinfo names."""
    if not isinstance(node, dict):
        return
    for ids_key, key in (("recs", "recsOrigin"), ("by", "byOrigin")):
        if key not in node:
            continue
        nid, value, ids = node.get("nodeid"), node[key], node.get(ids_key)
        if mask is None:
            yield "origins", f"{nid} has {key} but mapinfo names no origins"
        elif not isinstance(value, list) or not isinstance(ids, list) or len(value) != len(ids):
            yield "origins", f"{nid} {key} is not a list as long as its {ids_key}"
        elif not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 and v & ~mask == 0
            for v in value
        ):
            yield "origins", f"{nid} {key} {value!r} names sources mapinfo lacks"


def _core(nodes: object) -> object:
    """The shingle.js fields of node records, which both files of a quad must agree on (the
    equad file also carries the viewer's panel data)."""
    if not isinstance(nodes, list):
        return nodes
    return [{k: n.get(k) for k in SHINGLE_FIELDS} if isinstance(n, dict) else n for n in nodes]


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _load(path: Path) -> tuple[object, list[Problem]]:
    """The JSON in ``path``, or the problem that it is missing or not strict JSON (a file
    holding ``null`` is read, as None: the caller says it is not an object)."""
    if not path.is_file():
        return None, [("missing-file", f"{path.name} is missing")]
    try:
        return orjson.loads(path.read_bytes()), []  # strict: no NaN/Infinity, trailing commas
    except orjson.JSONDecodeError as exc:
        return None, [("invalid-json", f"{path.name} is not strict JSON: {exc}")]
