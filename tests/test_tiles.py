"""The shingle.js tile writer, its validator, the search index, legend and bitmaps."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson
import pytest
from PIL import Image

from exporters import shingle
from exporters.bitmap import bitmap_size, pixel_coords, write_preview
from exporters.cli import main as export_main
from exporters.map_edges import map_edges
from exporters.palette import PALETTE, hex_color
from exporters.quadtree import drawable_quad_sides
from exporters.search_index import file_key, id_key, id_shard_count, words
from exporters.shingle import node_hash, sym_table_size
from exporters.tiles import write_tiles
from exporters.tileset import build_tileset
from exporters.validate import deepest_view, reference_hash, validate_tiles
from tests.exporter_fixtures import hostile_graph, random_graph, search_matches


def _json(path: Path):
    return orjson.loads(path.read_bytes())


def _dump(path: Path, data) -> None:
    path.write_bytes(orjson.dumps(data))


@pytest.fixture(scope="module")
def golden():
    return random_graph(2000, seed=11)


@pytest.fixture(scope="module")
def golden_dir(golden, tmp_path_factory):
    out = tmp_path_factory.mktemp("golden")
    write_tiles(golden, out)
    return out


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    write_tiles(hostile_graph(), out, bitmaps=False)
    return out


# --- hash -----------------------------------------------------------------------------------


# The test vectors of shared/specs/shingle-format.md section 5 (211 / 2111 buckets), copied
# here so the suite needs nothing beside the repository; then one of ours for a character
# outside the BMP (a surrogate pair in JavaScript), worked out by hand from charCodeAt:
# h = 97 -> 56909 -> 967376 -> 15478114; 15478114 mod 211 = 209, mod 2111 = 262.
HASH_VECTORS = [
    ("0", 48, 48),
    ("m605", 74, 911),
    ("tt0114709", 189, 1862),
    ("Toy Story (1995)", 120, 1893),
    ("é", 22, 233),
    ("a\U0001f600b", 209, 262),
]


@pytest.mark.parametrize("hash_of", [node_hash, reference_hash], ids=["writer", "validator"])
@pytest.mark.parametrize(("node_id", "small", "large"), HASH_VECTORS)
def test_hash_matches_the_browser(hash_of, node_id, small, large):
    assert hash_of(node_id, 211) == small
    assert hash_of(node_id, 2111) == large


# (averageQuadWidth, map width, map height) -> the least quad (width, height) shingle.js draws
# at its deepest zoom on every screen from 0.45:1 to 2.4:1 at threshold 0.25, worked out by
# hand from spec section 7: the deepest view is averageQuadWidth wide and high in map
# proportions, widened on a screen wider (or taller) than the map.
DRAWABLE_VECTORS = [
    ((10.0, 100.0, 100.0), (6.0, 5.5556)),  # square map: 2.4:1 gives 24 wide, 0.45:1 22.2 high
    ((10.0, 100.0, 50.0), (3.0, 5.5556)),  # 2:1 map: 12 wide on 2.4:1, 22.2 high on 0.45:1
    ((10.0, 300.0, 100.0), (2.5, 5.5556)),  # 3:1, wider than any screen: 10 wide
    ((10.0, 20.0, 100.0), (30.0, 12.5)),  # 1:5: 50 high, and 120 wide on a 2.4:1 screen
]


@pytest.mark.parametrize(("case", "least"), DRAWABLE_VECTORS)
def test_drawable_quad_rule_matches_the_spec(case, least):
    average, width, height = case
    writer = drawable_quad_sides(average, width / height, 0.25)
    views = [deepest_view(average, width, height, s) for s in (0.45, 1.0, 1.6, 2.4)]
    validator = (0.25 * max(w for w, _ in views), 0.25 * max(h for _, h in views))
    for got in (writer, validator):
        assert got == pytest.approx(least, abs=1e-4)


def test_a_wrong_hash_in_the_writer_is_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(shingle, "node_hash", lambda node_id, buckets: len(node_id) % buckets)
    write_tiles(random_graph(300, seed=2), tmp_path, search=False, bitmaps=False)
    assert any(p.startswith("tables:") for p in validate_tiles(tmp_path))


def test_table_size_rule():
    assert sym_table_size(2_000_000) == 211 and sym_table_size(2_000_001) == 2111


# --- written directories are valid ----------------------------------------------------------


def test_golden_directory_is_valid(golden, golden_dir, capsys):
    assert validate_tiles(golden_dir) == []
    assert export_main(["check", str(golden_dir)]) == 0
    quads = len(list(golden_dir.glob("quad_*")))
    edges = _json(golden_dir / "mapinfo.json")["nredges"]
    summary = f"{golden_dir}: valid (2,000 nodes, {quads} quads, {edges:,} edges drawn)"
    assert capsys.readouterr().out.strip().splitlines() == [summary]


def test_check_runs_as_a_module(golden_dir, tmp_path):
    broken = tmp_path / "tiles"
    shutil.copytree(golden_dir, broken)
    shutil.copy(broken / "equad_.json", broken / "xquad_.json")

    def check(directory: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "exporters", "check", str(directory)]
        root = Path(__file__).parents[1]
        return subprocess.run(command, capture_output=True, text=True, cwd=root, check=False)

    good, bad = check(golden_dir), check(broken)
    assert good.returncode == 0 and good.stdout.startswith(f"{golden_dir}: valid (")
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [
        "xquad-file: xquad_.json: shingle.js never reads xquad_ files",
        f"{broken}: 1 problem(s)",
    ]


def test_check_refuses_what_is_not_a_directory(tmp_path, capsys):
    assert export_main(["check", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'nowhere'} is not a directory"


def test_relation_counts_are_what_was_picked(golden, golden_dir, tmp_path):
    stats = write_tiles(golden, tmp_path, search=False, bitmaps=False, legend=False)
    ts = build_tileset(golden)
    in_files = {"quad_": 0, "equad_": 0}
    pairs = set()
    for prefix in in_files:
        for path in golden_dir.glob(prefix + "*.json"):
            relations = _json(path)["relations"]
            in_files[prefix] += len(relations)
            pairs.update(frozenset((r["nodeidA"], r["nodeidB"])) for r in relations)
    assert stats.relations == ts.relations.full_count == in_files["equad_"]
    assert stats.compact_relations == ts.relations.compact_count == in_files["quad_"]
    assert _json(golden_dir / "mapinfo.json")["nredges"] == stats.kept_edges == len(pairs)


def test_hostile_directory_is_valid_and_names_are_safe(hostile_dir):
    assert validate_tiles(hostile_dir) == []
    g = hostile_graph()
    info = _json(hostile_dir / "mapinfo.json")
    nodes = {}
    for path in hostile_dir.glob("quad_*.json"):
        for node in _json(path)["nodes"]:
            nodes[node["nodeid"]] = node
    assert len(nodes) == g.node_count
    script = nodes[g.ids[g.titles.index("<script>alert('x')</script>")]]
    assert script["name"] == "&lt;script&gt;alert('x')&lt;/script&gt;"
    empty_id = g.ids[g.titles.index("")]
    assert nodes[empty_id]["name"] == empty_id
    amp = nodes[g.ids[g.titles.index("Tom & Jerry &amp; &lt;b&gt; &#9;")]]
    assert amp["name"] == "Tom &amp; Jerry &amp;amp; &amp;lt;b&amp;gt; &amp;#9;"
    toy = nodes[g.ids[0]]
    assert set(toy) >= {"nodeid", "name", "x", "y", "size", "community", "tne", "href"}
    # shingle's info panel often shows the compact record on a click: the link is there too.
    assert toy["href"] == f"https://www.imdb.com/title/{g.ids[0]}/"
    full = {n["nodeid"]: n for p in hostile_dir.glob("equad_*.json") for n in _json(p)["nodes"]}
    assert full[g.ids[0]]["href"] == f"https://www.imdb.com/title/{g.ids[0]}/"
    assert info["symTableSize"] == 211 and info["data-format-version"] == 2
    assert not list(hostile_dir.glob("xquad_*"))


def test_golden_tree_structure(golden, golden_dir):
    """Spec section 3, checked from the files alone."""
    info = _json(golden_dir / "mapinfo.json")
    ts = build_tileset(golden)
    pos = {golden.ids[i]: (ts.x[i], ts.y[i], ts.size[i]) for i in range(golden.node_count)}

    def walk(node, qid):
        own = _json(golden_dir / f"{qid}.json")["nodes"]
        ids = [n["nodeid"] for n in own]
        if "left" not in node:
            assert node["type"] == "Leaf" and 1 <= len(ids) <= 75
            return ids
        left, right = walk(node["left"], qid + "l"), walk(node["right"], qid + "r")
        subtree = ids + left + right
        assert len(ids) == 50 and len(subtree) > 75
        # the quad keeps the 50 biggest of its subtree
        assert min(pos[i][2] for i in ids) >= max(pos[i][2] for i in left + right)
        xs = [pos[i][0] for i in subtree]
        ys = [pos[i][1] for i in subtree]
        wide = max(xs) - min(xs) > max(ys) - min(ys)
        assert node["type"] == ("SplitX" if wide else "SplitY")
        axis = 0 if wide else 1
        assert min(pos[i][axis] for i in left) >= max(pos[i][axis] for i in right)
        assert len(left) == (len(subtree) - 50) // 2
        return subtree

    everything = walk(info["quadtree"], "quad_")
    assert sorted(everything) == sorted(golden.ids)
    assert info["nrnodes"] == 2000 and info["averageQuadWidth"] > 0


def test_compact_files_list_every_nodes_strongest_edge_first(golden, golden_dir):
    ts = build_tileset(golden)
    e = ts.edges
    kept = np.flatnonzero(e.kept)
    strongest: dict[str, tuple[str, str]] = {}
    for k in kept.tolist():  # strength order: the first kept edge of a node is its best
        for u in (e.a[k], e.b[k]):
            strongest.setdefault(golden.ids[u], (golden.ids[e.a[k]], golden.ids[e.b[k]]))
    for path in golden_dir.glob("quad_*.json"):
        data = _json(path)
        pairs = {(r["nodeidA"], r["nodeidB"]) for r in data["relations"]}
        assert len(data["relations"]) <= 101
        for node in data["nodes"]:
            if node["nodeid"] in strongest:
                assert strongest[node["nodeid"]] in pairs


def test_edge_cap_follows_the_counter_rule():
    g = hostile_graph()
    e = map_edges(g)
    counters = np.zeros(g.node_count, dtype=int)
    expected = []
    for a, b in zip(e.a.tolist(), e.b.tolist(), strict=True):  # the C++ walk, literally
        counters[a] += 1
        counters[b] += 1
        expected.append(counters[a] < 25 and counters[b] < 25)
    assert e.kept.tolist() == expected
    hub = g.titles.index("Hub")
    assert e.degree[hub] > 24
    assert np.count_nonzero(e.kept & ((e.a == hub) | (e.b == hub))) == 24
    assert (e.rank[:-1] <= e.rank[1:]).all()  # strongest first


def test_reciprocal_recommendations_become_one_relation():
    g = random_graph(300, seed=5)
    pairs = set(zip(g.sources.tolist(), g.targets.tolist(), strict=True))
    mutual = sum(1 for s, t in pairs if (t, s) in pairs) // 2
    assert map_edges(g).a.shape[0] == len(pairs) - mutual


def test_thin_layouts_are_padded(tmp_path):
    g = random_graph(1500, seed=4)
    g.y = g.y * 1e-4  # nearly a line: every quad would be thin
    write_tiles(g, tmp_path / "raw", search=False, bitmaps=False, min_quad_fraction=0.0)
    assert any(p.startswith("thin-quad:") for p in validate_tiles(tmp_path / "raw"))
    write_tiles(g, tmp_path, search=False, legend=False)
    assert validate_tiles(tmp_path) == []
    info = _json(tmp_path / "mapinfo.json")
    root = info["quadtree"]
    assert root["xmin"] == -root["xmax"] and root["ymin"] == -root["ymax"]


def _shingle_deepest_view(root: dict, average: float, screen_w: int, screen_h: int):
    """The world rectangle (w, h) shingle.js shows at its deepest zoom: its viewBox is the root
    box times minScale (= averageQuadWidth / map width), fitted into the screen with "meet"."""
    map_w, map_h = root["xmax"] - root["xmin"], root["ymax"] - root["ymin"]
    box_w, box_h = average, average * map_h / map_w
    fit = min(screen_w / box_w, screen_h / box_h)  # pixels per world unit
    return screen_w / fit, screen_h / fit


@pytest.mark.parametrize("screen", [(1200, 600), (390, 844), (2560, 1080), (1280, 800)])
def test_every_quad_is_drawable_on_phone_and_wide_screens(tmp_path, screen):
    g = random_graph(3000, seed=8)
    write_tiles(g, tmp_path, search=False, legend=False, bitmaps=False)
    assert validate_tiles(tmp_path) == []
    info = _json(tmp_path / "mapinfo.json")
    view_w, view_h = _shingle_deepest_view(info["quadtree"], info["averageQuadWidth"], *screen)
    stack = [info["quadtree"]]
    while stack:
        quad = stack.pop()
        assert quad["xmax"] - quad["xmin"] >= 0.25 * view_w
        assert quad["ymax"] - quad["ymin"] >= 0.25 * view_h
        stack += [quad[k] for k in ("left", "right") if k in quad]


def test_validator_flags_quads_too_thin_for_a_wide_screen(tmp_path):
    g = random_graph(3000, seed=8)
    # Padded only for square screens (the old rule): wide screens lose quads.
    write_tiles(g, tmp_path, search=False, legend=False, bitmaps=False, min_quad_fraction=0.0)
    problems = validate_tiles(tmp_path)
    assert any(p.startswith("thin-quad:") and "2.4:1" in p for p in problems)


def test_uncentred_layout_is_centred(tmp_path):
    g = random_graph(500, seed=6)
    g.x = g.x + 5000.0
    write_tiles(g, tmp_path, search=False, bitmaps=False)
    assert validate_tiles(tmp_path) == []


def test_tiny_graphs(tmp_path):
    g = random_graph(3, seed=1)
    g.x[:] = 0.0
    g.y[:] = 0.0
    write_tiles(g, tmp_path, bitmaps=True)
    assert validate_tiles(tmp_path) == []


def test_bad_input_is_refused(tmp_path):
    g = random_graph(50, seed=1)
    g.x[3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        write_tiles(g, tmp_path)
    g = random_graph(50, seed=1)
    g.size = None
    with pytest.raises(ValueError, match="no size"):
        write_tiles(g, tmp_path)


def _digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_writing_is_deterministic_and_replaces_stale_files(golden, golden_dir, tmp_path):
    (tmp_path / "quad_lllllllllll.json").write_text("{}")
    write_tiles(golden, tmp_path)
    assert _digest(tmp_path) == _digest(golden_dir)


# --- the validator catches each broken rule ------------------------------------------------


def _first_leaf(info) -> tuple[str, dict]:
    node, qid = info["quadtree"], "quad_"
    while "left" in node:
        node, qid = node["left"], qid + "l"
    return qid, node


def _break_missing_table(d):
    (d / "table7.json").unlink()


def _break_nan(d):
    raw = (d / "quad_l.json").read_bytes()
    (d / "quad_l.json").write_bytes(raw.replace(b'"size":', b'"size":NaN,"s":', 1))


def _break_header(d):
    data = _json(d / "equad_r.json")
    data["header"]["xmin"] -= 1
    _dump(d / "equad_r.json", data)


def _break_compact_flag(d):
    data = _json(d / "quad_r.json")
    data["header"]["compact"] = False
    _dump(d / "quad_r.json", data)


def _break_nesting(d):
    info = _json(d / "mapinfo.json")
    info["quadtree"]["left"]["xmax"] = info["quadtree"]["xmax"] + 10
    _dump(d / "mapinfo.json", info)


def _break_idmap(d):
    for name in ("quad_.json", "equad_.json"):
        data = _json(d / name)
        data["idmap"].popitem()
        _dump(d / name, data)


def _break_duplicate_node(d):
    src, dst = _json(d / "quad_.json"), _json(d / "quad_l.json")
    for name in ("quad_l.json", "equad_l.json"):
        data = _json(d / name)
        data["nodes"].append(src["nodes"][0])
        data["idmap"][src["nodes"][0]["nodeid"]] = len(dst["nodes"])
        _dump(d / name, data)


def _break_relation(d):
    data = _json(d / "equad_.json")
    data["relations"][0]["nodeidB"] = "tt9999999"
    _dump(d / "equad_.json", data)


def _break_cap(d):
    data = _json(d / "equad_.json")
    node, other = data["nodes"][0]["nodeid"], data["nodes"]
    data["relations"] = [
        {"quadA": "quad_", "nodeidA": node, "quadB": "quad_", "nodeidB": n["nodeid"]}
        for n in other[1:31]
    ]
    _dump(d / "equad_.json", data)


def _break_compact_limit(d):
    data = _json(d / "quad_.json")
    full = _json(d / "equad_.json")["relations"]
    assert len(full) > 101
    data["relations"] = full[:102]
    _dump(d / "quad_.json", data)


def _break_table_bucket(d):
    t0, t1 = _json(d / "table0.json"), _json(d / "table1.json")
    key = next(iter(t0))
    t1[key] = t0.pop(key)
    _dump(d / "table0.json", t0)
    _dump(d / "table1.json", t1)


def _break_table_entry(d):
    t0 = _json(d / "table3.json")
    key = next(iter(t0))
    t0[key][0] += 1.0
    _dump(d / "table3.json", t0)


def _break_thin(d):
    info = _json(d / "mapinfo.json")
    qid, leaf = _first_leaf(info)
    mid = (leaf["xmin"] + leaf["xmax"]) / 2
    data = _json(d / f"{qid}.json")
    for node in data["nodes"]:
        node["x"] = mid
    leaf["xmin"] = leaf["xmax"] = mid
    _dump(d / "mapinfo.json", info)


def _break_name(d):
    for name in ("quad_l.json", "equad_l.json"):
        data = _json(d / name)
        data["nodes"][0]["name"] = ""
        data["nodes"][1]["name"] = "<b>bold</b> & co"
        _dump(d / name, data)


def _break_community(d):
    for name in ("quad_r.json", "equad_r.json"):
        data = _json(d / name)
        data["nodes"][0]["community"] = -1
        data["nodes"][1]["community"] = 1.5
        _dump(d / name, data)


def _break_average(d):
    info = _json(d / "mapinfo.json")
    info["averageQuadWidth"] *= 1.5
    _dump(d / "mapinfo.json", info)


def _break_maxsize(d):
    info = _json(d / "mapinfo.json")
    info["maxsize"] += 1
    _dump(d / "mapinfo.json", info)


def _break_centre(d):
    info = _json(d / "mapinfo.json")
    info["quadtree"]["xmax"] += info["totalMapWidth"]
    info["totalMapWidth"] *= 2
    _dump(d / "mapinfo.json", info)


def _break_bitmap(d):
    Image.new("RGB", (2400, 2400), "white").save(d / "image_2400.jpg", "JPEG")


def _break_backend(d):
    info = _json(d / "mapinfo.json")
    info["loadFromBackend"] = True
    _dump(d / "mapinfo.json", info)


def _break_edge_count(d):
    info = _json(d / "mapinfo.json")
    info["nredges"] += 1
    _dump(d / "mapinfo.json", info)


def _break_xquad(d):
    shutil.copy(d / "equad_.json", d / "xquad_.json")


def _break_one_sided(d):
    info = _json(d / "mapinfo.json")
    qid, _ = _first_leaf(info)
    data = _json(d / f"e{qid}.json")
    cross = [r for r in data["relations"] if r["quadA"] != r["quadB"]]
    assert cross, "the golden leaf has no edge to another quad"
    other = cross[0]["quadB"] if cross[0]["quadA"] == qid else cross[0]["quadA"]
    mate = _json(d / f"e{other}.json")
    mate["relations"] = [r for r in mate["relations"] if r != cross[0]]
    _dump(d / f"e{other}.json", mate)


def _break_tree_type(d):
    info = _json(d / "mapinfo.json")
    info["quadtree"]["type"] = "SplitZ"
    _dump(d / "mapinfo.json", info)


def _break_node_outside(d):
    info = _json(d / "mapinfo.json")
    qid, leaf = _first_leaf(info)
    for name in (f"{qid}.json", f"e{qid}.json"):
        data = _json(d / name)
        data["nodes"][0]["x"] = leaf["xmax"] + (leaf["xmax"] - leaf["xmin"])
        _dump(d / name, data)


BREAKAGES = [
    (_break_missing_table, "missing-file"),
    (_break_nan, "invalid-json"),
    (_break_header, "quad-header"),
    (_break_compact_flag, "quad-header"),
    (_break_nesting, "tree-nesting"),
    (_break_idmap, "idmap"),
    (_break_duplicate_node, "node-in-many-quads"),
    (_break_relation, "relation"),
    (_break_cap, "edge-cap"),
    (_break_compact_limit, "compact-relations"),
    (_break_table_bucket, "tables"),
    (_break_table_entry, "tables"),
    (_break_thin, "thin-quad"),
    (_break_name, "node-name"),
    (_break_community, "node-community"),
    (_break_average, "average-quad-width"),
    (_break_maxsize, "min-max-size"),
    (_break_centre, "not-centred"),
    (_break_bitmap, "bitmap-aspect"),
    (_break_backend, "mapinfo"),
    (_break_edge_count, "mapinfo"),
    (_break_xquad, "xquad-file"),
    (_break_one_sided, "relation-one-sided"),
    (_break_tree_type, "tree-type"),
    (_break_node_outside, "node-outside-quad"),
]


@pytest.mark.parametrize(("breakage", "rule"), BREAKAGES, ids=[r for _, r in BREAKAGES])
def test_validator_reports_each_broken_rule(breakage, rule, golden_dir, tmp_path, capsys):
    d = tmp_path / "tiles"
    shutil.copytree(golden_dir, d)
    breakage(d)
    problems = validate_tiles(d)
    assert any(p.startswith(rule + ":") for p in problems), problems
    assert export_main(["check", str(d)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:-1] == problems and lines[-1] == f"{d}: {len(problems)} problem(s)"


def test_validator_names_a_missing_mapinfo(tmp_path):
    assert validate_tiles(tmp_path) == ["missing-file: mapinfo.json is missing"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("mapinfo.json", "mapinfo: mapinfo.json is not an object"),
        ("quad_l.json", "quad-file: quad_l.json is not an object"),
        ("equad_r.json", "quad-file: equad_r.json is not an object"),
        ("table5.json", "tables: table5.json is not an object"),
    ],
)
def test_validator_names_a_file_that_holds_null(name, problem, golden_dir, tmp_path):
    # JSON null is valid JSON: the file must not pass as read, nor as missing.
    d = tmp_path / "tiles"
    shutil.copytree(golden_dir, d)
    (d / name).write_bytes(b"null")
    assert problem in validate_tiles(d)


# --- beyond the format: legend, search index, bitmaps ---------------------------------------


def test_legend(golden, golden_dir):
    legend = _json(golden_dir / "legend.json")
    assert [c["id"] for c in legend["communities"]] == list(range(len(golden.communities)))
    assert sum(c["size"] for c in legend["communities"]) == golden.node_count
    first = golden.communities[0]
    assert legend["communities"][0]["name"] == first.name
    assert legend["nodeColors"][0] == "#{:02x}{:02x}{:02x}".format(*first.color)
    # the palette comes from exporters.palette, the one place it is written down
    assert legend["nodeColors"][: len(PALETTE)] == [hex_color(c) for c in PALETTE]


def test_the_sites_fallback_colours_are_the_exporters_palette():
    """The site draws with legend.json's nodeColors; before it loads (or for a map without a
    legend) it uses DEFAULT_COLORS, which must not drift from the exporter's palette."""
    settings = (Path(__file__).parents[1] / "site" / "js" / "settings.js").read_text()
    found = re.search(r"DEFAULT_COLORS = \[([^\]]*)\]", settings)
    assert found, "site/js/settings.js no longer defines DEFAULT_COLORS"
    assert re.findall(r'"(#[0-9a-f]{6})"', found.group(1)) == [hex_color(c) for c in PALETTE]


def test_search_index_finds_titles_and_ids(hostile_dir):
    g = hostile_graph()
    manifest = _json(hostile_dir / "search" / "manifest.json")
    assert manifest["nodes"] == g.node_count

    def lookup(query: str) -> list[list]:
        word = max(words(query), key=len)
        key = word[:3] if word[:2] in manifest["split"] and len(word) >= 3 else word[:2]
        path = hostile_dir / "search" / "t" / f"{file_key(key)}.json"
        entries = _json(path) if path.exists() else []
        wanted = words(query)
        return [
            e for e in entries if all(any(w.startswith(q) for w in words(e[1])) for q in wanted)
        ]

    assert [e[1] for e in lookup("AMELIE")] == ["Amélie"]
    assert [e[1] for e in lookup("千と")] == ["千と千尋の神隠し"]
    assert lookup("schindler")[0][0] == g.ids[g.titles.index("Schindler's List")]
    entry = _json(
        hostile_dir
        / "search"
        / "id"
        / f"{file_key(id_key(g.ids[5], id_shard_count(g.node_count)))}.json"
    )
    (hit,) = [e for e in entry if e[0] == g.ids[5]]
    quad = _json(hostile_dir / f"quad_{hit[3]}.json")
    assert g.ids[5] in quad["idmap"]


def client_shard_keys(manifest: dict, order: list[str], j: int = 0, base: str = "") -> list[str]:
    """The viewer's walk (site/js/search.js ``shardKeys``), without its download budget."""
    shards, split, paired = manifest["titleShards"], set(manifest["split"]), set(manifest["paired"])
    word = order[j]
    n = 2 if j == 0 else 1
    key = base + word[:n]
    while key in split and len(word) > n:
        n += 1
        key = base + word[:n]
    subs = (
        [k for k in shards if k.startswith(key) and k != key and " " not in k[len(key) :]]
        if key in split
        else []
    )
    nxt = order[j + 1] if j + 1 < len(order) else None
    if key in paired and nxt is not None and not any(w.startswith(nxt) for w in order[: j + 1]):
        return client_shard_keys(manifest, order, j + 1, key + " ") + subs
    return ([key] if key in shards else []) + subs


def client_plan(manifest: dict, qwords: list[str], min_chars: int = 2) -> tuple[list, list]:
    """The viewer's shard files for a query (site/js/search.js ``_plan``): (files, typo files)."""
    from exporters.search_index import STOPWORDS, year_span

    def short(w: str) -> bool:
        return len(w) < min_chars

    order = sorted(
        (w for w in qwords if year_span(w) is None),
        key=lambda w: (short(w), w in STOPWORDS, -len(w)),
    )
    year = next((w for w in qwords if year_span(w) is not None), None)
    if order:
        keys = client_shard_keys(manifest, order)
        if not short(order[0]) or order[0] in keys:
            return client_word_plan(manifest, order, keys, year, min_chars)
    if year is None:
        return [], None
    return client_year_file(manifest, year) + [
        f"t/{file_key(k)}" for k in client_shard_keys(manifest, [year])
    ], None


def client_word_plan(manifest: dict, order: list, keys: list, year, min_chars: int) -> tuple:
    """site/js/search.js ``_wordPlan``: (files, typo: None, a list of title files, or the
    word and the other words to look typos up with)."""
    from exporters.search_index import STOPWORDS

    files = [f"t/{file_key(k)}" for k in keys]
    if year is not None and any(k in manifest["paired"] for k in keys):
        walk = client_shard_keys(manifest, [*order, year])
        files = client_year_file(manifest, year) + [f"t/{file_key(k)}" for k in walk]
    typo_min = manifest["typoMinChars"]
    if len(order[0]) < typo_min:
        return files, None
    exact = [w for w in order if len(w) < typo_min]
    if exact and len(exact[0]) >= min_chars and exact[0] not in STOPWORDS:
        return files, [f"t/{file_key(k)}" for k in client_shard_keys(manifest, exact)]
    return files, (order[0], exact)


def client_typo_files(folder: Path, manifest: dict, word: str, rest: list) -> list[str]:
    """site/js/search.js ``_typoFiles``: the typo files, then the shards of the words named."""
    from exporters.search_index import typo_keys
    from exporters.shingle import node_hash

    from .exporter_fixtures import typo_match

    count = manifest["typoShards"]
    meant: set[str] = set()
    for key in typo_keys(word):
        listed = _json(folder / "search" / "e" / f"{node_hash(key, count)}.json").get(key, [])
        meant |= {w for w in listed if typo_match(word, w)}
    files = {f"t/{file_key(k)}" for w in meant for k in client_shard_keys(manifest, [w, *rest])}
    return sorted(files)


def client_year_file(manifest: dict, word: str) -> list[str]:
    from exporters.search_index import year_span

    first, last = year_span(word)
    key = str(first) if first == last else f"{first}s"
    return [f"y/{key}"] if key in manifest["yearShards"] else []


def client_suggest(folder: Path, manifest: dict, query: str, limit: int = 12) -> tuple[list, int]:
    """(ids of the suggestions, titles downloaded), as the viewer computes them."""
    from tests.exporter_fixtures import search_rank

    qwords = list(dict.fromkeys(words(query)))
    files, typo = client_plan(manifest, qwords) if qwords else ([], None)
    found: dict[str, tuple] = {}
    loaded = 0

    def collect(names: list[str]) -> None:
        nonlocal loaded
        for name in names:
            entries = _json(folder / "search" / f"{name}.json")
            loaded += len(entries)
            for e in entries:
                typos = search_rank(e[1], e[2], qwords)
                if e[0] not in found and typos is not None:
                    found[e[0]] = (typos, -(e[6] or 0), e[0])

    collect(files)
    if typo is not None and sum(1 for f in found.values() if f[0] == 0) < limit:
        collect(typo if isinstance(typo, list) else client_typo_files(folder, manifest, *typo))
    return [f[2] for f in sorted(found.values())[:limit]], loaded


def test_search_shards_split_when_big(tmp_path):
    from exporters.search_index import MAX_KEY_CHARS, MAX_KEY_WORDS, words

    g = random_graph(3000, seed=9)  # "Title <i> of community <c>"
    write_tiles(g, tmp_path, bitmaps=False, search_shard_entries=100)
    manifest = _json(tmp_path / "search" / "manifest.json")
    limit, shards = manifest["maxShardEntries"], manifest["titleShards"]
    assert limit == 100
    # "ti" is split, then "tit" and "titl": every title's word is exactly "title", too many
    # to split by prefix, so "title" keeps its 100 most voted and pairs with the other words.
    assert {"ti", "tit", "titl"} <= set(manifest["split"])
    assert "ti" not in shards and "tit" not in shards
    assert {"title", "communit"} <= set(manifest["paired"])  # MAX_KEY_CHARS: "communit"
    top = _json(tmp_path / "search" / "t" / "title.json")
    by_votes = sorted(range(3000), key=lambda i: (-(g.votes[i] or 0), g.ids[i]))
    assert [e[0] for e in top] == [g.ids[i] for i in by_votes[:100]]
    assert any(k.startswith("title 1") for k in shards) and "title 1" in manifest["split"]
    # Every shard over the limit is one that nothing can split further.
    for key, count in shards.items():
        segments = key.split(" ")
        if count > limit:
            assert (
                len(segments[-1]) >= MAX_KEY_CHARS
                or len(segments) == MAX_KEY_WORDS
                or (key not in manifest["split"])
            ), (key, count)
            entries = _json(tmp_path / "search" / "t" / f"{file_key(key)}.json")
            assert all(any(w.startswith(segments[-1]) for w in words(e[1])) for e in entries)


@pytest.mark.parametrize(
    "query",
    ["title 123", "Title 1234", "community 7", "title community 3", "of 12", "tit",
     "title", "title t", "community 7 title", "2999", "title 99 of",
     # stop words are searchable; a typo in a long word; years and decades filter
     "of", "of c", "titel 12", "comunity", "ttile 7 of", "titles", "title 1980", "1980",
     "80s", "community 3 1990s", "2001", "titel comunity 3"],
)  # fmt: skip
def test_search_suggestions_match_a_full_scan(tmp_path_factory, query):
    """The viewer's shard walk gives exactly the most voted matches of the whole map, and only
    small shards for a query with a second word."""
    from exporters.search_index import words

    folder = tmp_path_factory.getbasetemp() / "search-scan"
    g = random_graph(3000, seed=9)
    if not (folder / "search" / "manifest.json").exists():
        write_tiles(g, folder, bitmaps=False, search_shard_entries=100)
    manifest = _json(folder / "search" / "manifest.json")
    matches = search_matches(g, query)
    got, loaded = client_suggest(folder, manifest, query)
    assert got == [g.ids[i] for i in matches[:12]], query
    if len(words(query)) > 1 and len(matches) < 100:
        assert loaded <= 3 * 100, (query, loaded)  # not the 3,000 titles of "title"


def test_search_typo_files_list_words_not_titles(tmp_path_factory):
    """The typo files name words ("comunity" -> "community"), whose own shards, walked on by
    the query's other words, hold every match: "comunity 7" ("7" is too short to look up)
    is the full scan's answer from a few small files; a one-letter query loads nothing."""
    from exporters.search_index import TYPO_SHARD_WORDS

    folder = tmp_path_factory.getbasetemp() / "search-scan"
    g = random_graph(3000, seed=9)
    if not (folder / "search" / "manifest.json").exists():
        write_tiles(g, folder, bitmaps=False, search_shard_entries=100)
    manifest = _json(folder / "search" / "manifest.json")
    assert manifest["version"] == 2 and manifest["typoShards"] >= 1
    for path in (folder / "search" / "e").glob("*.json"):
        listed = _json(path)
        assert all(isinstance(w, str) for words_ in listed.values() for w in words_)
        assert sum(len(v) for v in listed.values()) <= 4 * TYPO_SHARD_WORDS
    got, loaded = client_suggest(folder, manifest, "comunity 7")
    assert got == [g.ids[i] for i in search_matches(g, "comunity 7")[:12]]
    assert loaded <= 3 * 100
    assert client_suggest(folder, manifest, "t") == ([], 0)  # too short: nothing loaded


def test_search_year_shards_keep_the_most_voted_of_each_year(tmp_path_factory):
    from exporters.search_index import YEAR_SHARD_ENTRIES

    folder = tmp_path_factory.getbasetemp() / "search-scan"
    g = random_graph(3000, seed=9)
    if not (folder / "search" / "manifest.json").exists():
        write_tiles(g, folder, bitmaps=False, search_shard_entries=100)
    manifest = _json(folder / "search" / "manifest.json")
    by_votes = sorted(range(3000), key=lambda i: (-(g.votes[i] or 0), g.ids[i]))
    limit = min(YEAR_SHARD_ENTRIES, 100)
    for key, first, last in (("1980", 1980, 1980), ("1980s", 1980, 1989)):
        want = [g.ids[i] for i in by_votes if first <= g.years[i] <= last][:limit]
        assert [e[0] for e in _json(folder / "search" / "y" / f"{key}.json")] == want
        assert manifest["yearShards"][key] == len(want)
    assert set(manifest["yearShards"]) >= {str(y) for y in set(g.years)}


def test_search_query_words_years_and_typos():
    from exporters.search_index import typo_keys, year_span

    from .exporter_fixtures import one_edit, typo_match

    assert year_span("1980") == (1980, 1980) and year_span("1980s") == (1980, 1989)
    assert year_span("80s") == (1980, 1989) and year_span("00s") == (2000, 2009)
    assert year_span("1234") is None and year_span("2999") is None and year_span("8os") is None
    assert typo_keys("matrix") == {"atr", "mtr", "mar", "mat"} and typo_keys("abc") == set()
    assert one_edit("matrx", "matri") and one_edit("mtarix", "matrix") and one_edit("ab", "abc")
    assert one_edit("matrxi", "matrix")  # a swap of two neighbours is one edit
    assert not one_edit("mxtrx", "matrix") and not one_edit("abcd", "badc")
    assert typo_match("matrx", "matrix") and typo_match("godfathr", "godfather")
    assert not typo_match("matr", "mats")  # under 5 characters: exact only
    # Two words one edit apart always share a typo key (what makes 4 shards enough).
    for word, other in (("matrx", "matrix"), ("amtrix", "matrix"), ("mtrix", "matrix")):
        assert typo_match(word, other) and typo_keys(word) & typo_keys(other)


def test_pixel_mapping_follows_the_spec():
    box = (-100.0, 100.0, -50.0, 50.0)
    assert bitmap_size(box, 2400) == (2400, 1200)
    assert bitmap_size((-1.0, 1.0, -3.0, 3.0), 2400) == (800, 2400)
    col, row = pixel_coords(
        np.array([-100.0, 100.0, 0.0]), np.array([-50.0, 50.0, 0.0]), box, 2400, 1200
    )
    assert col.tolist() == [0, 2399, 1200] and row.tolist() == [0, 1199, 600]


def test_bitmaps_have_the_maps_aspect_and_colours(golden, golden_dir, tmp_path):
    info = _json(golden_dir / "mapinfo.json")
    ratio = info["totalMapHeight"] / info["totalMapWidth"]
    for name, long_side in (("image_2400.jpg", 2400), ("image_2400low.jpg", 1200)):
        with Image.open(golden_dir / name) as im:
            w, h = im.size
        assert max(w, h) == long_side
        assert abs(h - w * ratio) <= 1
    # the biggest node's pixel carries its community colour
    ts = build_tileset(golden)
    big = int(np.argmax(ts.size))
    with Image.open(golden_dir / "image_2400.jpg") as im:
        col, row = pixel_coords(ts.x[[big]], ts.y[[big]], ts.map_box, *im.size)
        pixel = np.asarray(im.convert("RGB"))[row[0], col[0]].astype(int)
    colour = np.array(golden.communities[golden.community[big]].color)
    assert np.abs(pixel - colour).max() < 60
    write_preview(ts, tmp_path / "preview.png", width=400)
    with Image.open(tmp_path / "preview.png") as im:
        assert im.size[0] == 400 and im.format == "PNG"


def test_equad_records_carry_the_panel_lists(golden, golden_dir):
    g = golden
    out: dict[str, list[tuple[int, str]]] = {}
    into: dict[str, list[tuple[int, int, str]]] = {}
    for s, t, r in zip(g.sources.tolist(), g.targets.tolist(), g.ranks.tolist(), strict=True):
        out.setdefault(g.ids[s], []).append((r, g.ids[t]))
        into.setdefault(g.ids[t], []).append((r, -(g.votes[s] or 0), g.ids[s]))
    checked = 0
    for path in sorted(golden_dir.glob("equad_*.json")):
        full = _json(path)
        compact = _json(path.with_name(path.name[1:]))
        for node, lean in zip(full["nodes"], compact["nodes"], strict=True):
            tt = node["nodeid"]
            assert node["recs"] == [t for _, t in sorted(out.get(tt, []))]
            expected_by = [s for *_, s in sorted(into.get(tt, []))]
            assert node["byCount"] == len(expected_by)
            assert node["by"] == expected_by[:30]
            assert "genres" not in lean and "recs" not in lean
            assert {k: lean[k] for k in ("nodeid", "name", "x", "y")} == {
                k: node[k] for k in ("nodeid", "name", "x", "y")
            }
            checked += 1
    assert checked == g.node_count


def test_id_search_shards_use_the_table_hash(golden, golden_dir):
    manifest = _json(golden_dir / "search" / "manifest.json")
    shards = manifest["idShards"]
    assert shards == id_shard_count(golden.node_count)
    for tt in golden.ids[:50]:
        entries = _json(golden_dir / "search" / "id" / f"{node_hash(tt, shards)}.json")
        assert tt in {e[0] for e in entries}


def test_writing_reports_progress(tmp_path):
    seen = []
    write_tiles(random_graph(1500, seed=3), tmp_path, progress=lambda s, f: seen.append((s, f)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and seen[-1] == ("done", 1.0)
    assert {"quads", "search index", "bitmaps"} <= {s for s, _ in seen}
