"""Round trips of the graph-file writers (DOT, GDF, GEXF) with hostile titles."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from xml.etree import ElementTree

import networkx as nx
import numpy as np
import pydot
import pytest

from exporters.dot import label_text, quote_label, rank_weight, write_dot
from exporters.fileio import open_file
from exporters.gdf import (
    EDGEDEF,
    NODEDEF,
    GdfError,
    generate_gdf,
    quote,
    read_gdf,
    split_line,
    write_gdf,
)
from exporters.gexf import write_gexf, xml_text
from exporters.model import origin_label
from tests.conftest import needs_tool
from tests.exporter_fixtures import HOSTILE_TITLES, hostile_graph, random_graph

needs_graphviz = needs_tool(
    None
    if shutil.which("gvpr") and shutil.which("neato")
    else "Debian's graphviz is not installed (apt-get install graphviz)"
)


@pytest.fixture(scope="module")
def graph():
    return hostile_graph()


def test_hostile_fixture_is_hostile(graph):
    assert "" in graph.titles and any("\x00" in t for t in graph.titles)
    assert np.bincount(graph.targets).max() > 24  # a hub beyond the per-node cap


def test_rank_weight():
    assert rank_weight(np.array([0, 1, 11, 12, 40])).tolist() == [12, 11, 1, 1, 1]


# --- DOT ------------------------------------------------------------------------------------


def _unescape_label(raw: str) -> str:
    """What Graphviz renders for a parsed label attribute (escString, then HTML entities)."""
    text = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), raw)
    return text.replace("&amp;", "&")


@needs_graphviz
def test_dot_parses_with_graphviz_and_labels_round_trip(graph, tmp_path):
    path = tmp_path / "graph.dot"
    write_dot(graph, path)
    nop = subprocess.run(["nop", str(path)], capture_output=True, text=True, check=False)
    assert nop.returncode == 0, nop.stderr
    program = (
        'BEG_G{printf("%d %d\\n", nNodes($G), nEdges($G))} '
        'N{printf("%s<<LABEL>>%s<<END>>\\n", $.name, $.label)}'
    )
    out = subprocess.run(
        ["gvpr", program, str(path)], capture_output=True, text=True, check=True
    ).stdout
    counts, rest = out.split("\n", 1)
    assert counts == f"{graph.node_count} {graph.edge_count}"
    labels = dict(
        item.strip("\n").split("<<LABEL>>", 1) for item in rest.split("<<END>>") if item.strip()
    )
    for node_id, title in zip(graph.ids, graph.titles, strict=True):
        assert _unescape_label(labels[node_id]) == label_text(title), title


@needs_graphviz
def test_dot_renders_the_exact_titles(graph, tmp_path):
    """Graphviz's own SVG shows each title exactly (line breaks kept, controls dropped)."""
    path = tmp_path / "graph.dot"
    write_dot(graph, path)
    svg = subprocess.run(
        ["neato", "-n2", "-Tsvg", str(path)], capture_output=True, text=True, check=True
    ).stdout
    ns = "{http://www.w3.org/2000/svg}"
    shown = {}
    for g in ElementTree.fromstring(svg).iter(f"{ns}g"):
        if g.get("class") == "node":
            texts = [t.text or "" for t in g.findall(f"{ns}text")]
            shown[g.find(f"{ns}title").text] = "\n".join(texts).replace("\xa0", " ")
    for node_id, title in zip(graph.ids, graph.titles, strict=True):
        assert shown[node_id] == label_text(title), title


# pydot's parser calls pyparsing's old camelCase names; only those warnings are let through.
PYDOT_PYPARSING = (
    "ignore:'[a-zA-Z]+' deprecated - use:pyparsing.warnings.PyparsingDeprecationWarning"
)


@pytest.mark.filterwarnings(PYDOT_PYPARSING)
def test_dot_quoting_agrees_with_pydot(graph):
    buf = io.BytesIO()
    write_dot(graph, buf)
    (parsed,) = pydot.graph_from_dot_data(buf.getvalue().decode())
    nodes = {n.get_name().strip('"'): n for n in parsed.get_nodes()}
    for i, node_id in enumerate(graph.ids):
        node = nodes[node_id]
        assert node.get("label") == quote_label(graph.titles[i])
        assert node.get("community") == str(graph.community[i])
        x, y = node.get("pos").strip('"!').split(",")
        assert float(x) == graph.x[i] and float(y) == -graph.y[i]  # y flipped for Graphviz
    assert len(parsed.get_edges()) == graph.edge_count


def test_dot_rejects_ids_it_cannot_carry(graph):
    bad = hostile_graph()
    bad.ids[0] = 'tt"1'
    with pytest.raises(ValueError, match="cannot be written to DOT"):
        write_dot(bad, io.BytesIO())


def test_writers_need_a_layout():
    g = random_graph(50, seed=2)
    g.x = None
    for writer in (write_dot, write_gdf, write_gexf):
        with pytest.raises(ValueError, match="no layout"):
            writer(g, io.BytesIO())


# --- GDF ------------------------------------------------------------------------------------


def test_gdf_round_trip(graph, tmp_path):
    path = tmp_path / "graph.gdf"
    write_gdf(graph, path)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == NODEDEF and EDGEDEF in lines
    assert len(lines) == graph.node_count + graph.edge_count + 3  # 2 headers + final newline
    data = read_gdf(path)
    assert [n["name"] for n in data.nodes] == graph.ids
    assert [n["label"] for n in data.nodes] == graph.titles  # exact, every hostile title
    for i, node in enumerate(data.nodes):
        assert node["year"] == graph.years[i]
        assert node["rating"] == graph.ratings[i]
        assert node["votes"] == graph.votes[i]
        assert node["genres"] == "|".join(graph.genres[i])
        assert node["x"] == graph.x[i] and node["y"] == -graph.y[i]
        assert node["color"] == "{},{},{}".format(*graph.communities[graph.community[i]].color)
    weights = rank_weight(graph.ranks).tolist()
    for k, edge in enumerate(data.edges):
        assert edge["node1"] == graph.ids[graph.sources[k]]
        assert edge["node2"] == graph.ids[graph.targets[k]]
        assert edge["directed"] is True and edge["weight"] == weights[k]
        assert edge["origin"] == origin_label(int(graph.origins[k]))
    assert {e["origin"] for e in data.edges} == {"imdb", "tmdb", "imdb|tmdb"}


# Gephi's ImporterGDF splits each line with this expression (Java); translated to Python's re
# (alternation instead of variable-width look-behind, Java's "." excludes all line terminators).
_DOT = "[^\n\r\x85\u2028\u2029]"
GEPHI_FIELD = re.compile(
    f"""(?:(?<=,")|(?<=^"))({_DOT}*?)(?=(?<=[^\\\\])",|"$)"""
    f"""|(?:(?<=,')|(?<=^'))({_DOT}*?)(?=(?<=[^\\\\])',|'$)"""
    f"""|(?:(?<=,)|^)(?=[^'"])({_DOT}*?)(?=,|$)"""
    """|(?<=,)($)"""
)


def gephi_fields(line: str) -> list[str]:
    """Java's Matcher.find loop: after an empty match the next search starts one further."""
    fields, pos = [], 0
    while pos <= len(line) and (m := GEPHI_FIELD.search(line, pos)):
        fields.append(next(g for g in m.groups() if g is not None))
        pos = m.end() if m.end() > m.start() else m.end() + 1
    return fields


def test_gdf_lines_split_the_way_gephi_splits_them(graph):
    lines = "".join(generate_gdf(graph)).split("\n")
    node_lines = lines[1 : 1 + graph.node_count]
    for line, title in zip(node_lines, graph.titles, strict=True):
        fields = gephi_fields(line)
        assert len(fields) == 10, line
        assert fields[1] == quote(title)[1:-1]  # Gephi sees the escaped text, nothing else
        if quote(title) == f"'{title}'":  # nothing to escape: Gephi shows the title itself
            assert fields[1].strip() == title.strip()
    assert gephi_fields("'a','b',true,3") == ["a", "b", "true", "3"]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_gdf_quote_round_trips_each_title(title):
    assert split_line(f"{quote(title)},{quote(title)},7") == [title, title, "7"]


def test_gdf_reader_errors():
    with pytest.raises(GdfError, match="unterminated"):
        split_line("'abc,1")
    with pytest.raises(GdfError, match="before any nodedef"):
        read_gdf(io.BytesIO(b"a,b\n"))
    with pytest.raises(GdfError, match="fields"):
        read_gdf(io.BytesIO(b"nodedef>name VARCHAR,label VARCHAR\n'a','b','c'\n"))


# --- GEXF -----------------------------------------------------------------------------------


def test_gexf_round_trip_with_networkx(graph, tmp_path):
    path = tmp_path / "graph.gexf"
    write_gexf(graph, path)
    ElementTree.parse(path)  # well-formed XML 1.0
    g = nx.read_gexf(path)
    assert g.number_of_nodes() == graph.node_count
    assert g.number_of_edges() == graph.edge_count
    for i, node_id in enumerate(graph.ids):
        data = g.nodes[node_id]
        assert data["label"] == xml_text(graph.titles[i])
        pos = data["viz"]["position"]
        assert pos["x"] == graph.x[i] and pos["y"] == -graph.y[i]
        color = data["viz"]["color"]
        assert (color["r"], color["g"], color["b"]) == graph.communities[graph.community[i]].color
        assert data["community"] == graph.community[i]
        assert data.get("year") == graph.years[i]
        assert data.get("votes") == graph.votes[i]
        assert data["directors"] == "|".join(graph.directors[i])
    weights = rank_weight(graph.ranks).tolist()
    got = {(u, v): d for u, v, d in g.edges(data=True)}
    for k in range(graph.edge_count):
        d = got[(graph.ids[graph.sources[k]], graph.ids[graph.targets[k]])]
        assert d["weight"] == weights[k] and d["rank"] == graph.ranks[k]
        assert d["origin"] == origin_label(int(graph.origins[k]))


def test_gexf_keeps_tabs_and_newlines_drops_other_controls():
    assert xml_text("a\tb\nc\r\x00\x1f\x0b\ufffe") == "a\tb\nc\r"


# --- all three ------------------------------------------------------------------------------


@pytest.mark.parametrize("writer", [write_dot, write_gdf, write_gexf])
def test_writers_accept_paths_and_files_and_are_deterministic(writer, graph, tmp_path):
    path = tmp_path / "out"
    writer(graph, path)
    buf = io.BytesIO()
    writer(graph, buf)
    assert buf.getvalue() == path.read_bytes()
    writer(hostile_graph(), tmp_path / "again")
    assert (tmp_path / "again").read_bytes() == path.read_bytes()
    buf.getvalue().decode("utf-8")  # valid UTF-8


def test_open_file_opens_paths_and_leaves_callers_files_open(graph, tmp_path):
    with open_file(str(tmp_path / "a.bin")) as fh:
        fh.write(b"abc")
    assert fh.closed and (tmp_path / "a.bin").read_bytes() == b"abc"
    buf = io.BytesIO()
    with open_file(buf) as fh:
        fh.write(b"xyz")
    assert not buf.closed and buf.getvalue() == b"xyz"  # the caller's file stays the caller's
    with pytest.raises(ValueError, match="expecting 'wb' or 'rb'"):
        open_file(tmp_path / "b.bin", "a").__enter__()
    write_gdf(graph, tmp_path / "g.gdf")
    from_path = read_gdf(tmp_path / "g.gdf")
    with open(tmp_path / "g.gdf", "rb") as fh:
        assert read_gdf(fh) == from_path
    assert [n["label"] for n in from_path.nodes] == graph.titles
