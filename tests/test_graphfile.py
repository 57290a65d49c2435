"""The compact binary graph file (``exporters/graphfile.py``, ``site/js/graphfile.js``): round
trip against the MapGraph, the reader's errors, the JS reader in real Chromium against Python,
and that ``write_tiles`` writes it beside the tiles."""

from __future__ import annotations

import gzip
import io
import struct
from pathlib import Path

import numpy as np
import pytest

from devtools.browser import chromium_missing
from exporters.graphfile import (
    FILE_NAME,
    NO_COMMUNITY,
    VERSION,
    GraphFileError,
    graph_bytes,
    read_graph_bytes,
    write_graph_file,
)
from exporters.model import MapGraph
from exporters.serve import StaticServer

from .conftest import needs_tool
from .exporter_fixtures import hostile_graph, random_graph

SITE = Path(__file__).resolve().parents[1] / "site"


def mixed_graph(n: int = 400, seed: int = 3) -> MapGraph:
    """A random graph with its edges shuffled (so rank order must be restored), mixed title
    types, unknown values and many genres."""
    graph = random_graph(n, seed=seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(graph.edge_count)
    graph.sources, graph.targets = graph.sources[order], graph.targets[order]
    graph.ranks = graph.ranks[order]
    kinds = [None, "movie", "tvMovie", "tvSeries", "short"]
    graph.title_types = [kinds[i % len(kinds)] for i in range(n)]
    names = [f"Genre{k:02d}" for k in range(32)]
    graph.genres = [[names[(i + 9 * j) % 32] for j in range(i % 3)] for i in range(n)]
    graph.years[0], graph.ratings[1], graph.votes[2] = None, None, None
    graph.ratings[3] = 10.0
    return graph


def expected_neighbours(graph: MapGraph) -> list[list[int]]:
    out: list[list[tuple[int, int]]] = [[] for _ in range(graph.node_count)]
    for s, t, r in zip(graph.sources, graph.targets, graph.ranks, strict=True):
        out[int(s)].append((int(r), int(t)))
    return [[t for _r, t in sorted(edges)] for edges in out]


def check_equal(f, graph: MapGraph) -> None:
    n = graph.node_count
    assert f.ids == graph.ids
    assert [f.neighbours(i) for i in range(n)] == expected_neighbours(graph)
    assert f.year.tolist() == [y or 0 for y in graph.years]
    assert f.rating.tolist() == [0 if r is None else round(r * 10) for r in graph.ratings]
    assert f.votes.tolist() == [v or 0 for v in graph.votes]
    assert f.runtime.tolist() == [m or 0 for m in graph.runtimes]
    assert n == 0 or any(graph.runtimes)  # the fixture graphs have runtimes to carry
    genres = [{g for k, g in enumerate(f.genre_table) if bits >> k & 1} for bits in f.genres]
    assert genres == [set(gs) for gs in graph.genres]
    assert [f.type_table[t] for t in f.type.tolist()] == graph.title_types
    assert f.community is not None
    assert f.community.tolist() == expected_communities(graph)


def expected_communities(graph: MapGraph) -> list[int]:
    if graph.community is None:
        return [NO_COMMUNITY] * graph.node_count
    return [NO_COMMUNITY if c < 0 else int(c) for c in graph.community.tolist()]


@pytest.mark.parametrize("make", [mixed_graph, hostile_graph], ids=["mixed", "hostile"])
def test_round_trip_equals_the_map_graph(make) -> None:
    graph = make()
    data = graph_bytes(graph)
    f = read_graph_bytes(data)
    assert f.version == VERSION
    check_equal(f, graph)
    assert f.type_table[0] is None


def test_sections_are_aligned_for_typed_array_views() -> None:
    data = graph_bytes(mixed_graph())
    count = struct.unpack_from("<I", data, 20)[0]
    offsets = [struct.unpack_from("<I", data, 24 + 8 * k)[0] for k in range(count)]
    assert all(o % 4 == 0 for o in offsets)
    assert offsets == sorted(offsets)


def test_writer_gzips_to_a_path_or_a_file_and_is_deterministic(tmp_path: Path) -> None:
    graph = mixed_graph()
    path = tmp_path / FILE_NAME
    size = write_graph_file(graph, path)
    buf = io.BytesIO()
    write_graph_file(graph, buf)
    assert path.stat().st_size == size == len(buf.getvalue())
    assert path.read_bytes() == buf.getvalue()  # no timestamp in the gzip header
    assert gzip.decompress(path.read_bytes()) == graph_bytes(graph)
    check_equal(read_graph_bytes(path.read_bytes()), graph)


def test_bad_magic_truncation_and_newer_version_are_refused() -> None:
    data = graph_bytes(mixed_graph())
    with pytest.raises(GraphFileError, match="not a graph file"):
        read_graph_bytes(b"\x89PNG\r\n\x1a\n" + data[8:])
    with pytest.raises(GraphFileError, match="not a graph file"):
        read_graph_bytes(b"")
    for cut in (30, 100, len(data) // 2, len(data) - 1):
        with pytest.raises(GraphFileError, match="truncated"):
            read_graph_bytes(data[:cut])
    newer = data[:8] + struct.pack("<I", VERSION + 1) + data[12:]
    with pytest.raises(GraphFileError, match=f"version {VERSION + 1} is newer"):
        read_graph_bytes(newer)


def test_a_version_1_file_reads_without_communities() -> None:
    """Version 2 only added the community section at the end: a version 1 file (11 sections)
    still reads, with ``community`` None."""
    graph = mixed_graph()
    data = graph_bytes(graph)
    old = data[:8] + struct.pack("<I", 1) + data[12:20] + struct.pack("<I", 11) + data[24:]
    f = read_graph_bytes(old)
    assert f.version == 1 and f.community is None
    assert f.ids == graph.ids
    assert any(c != NO_COMMUNITY for c in read_graph_bytes(data).community.tolist())


def test_values_that_do_not_fit_are_refused_naming_them() -> None:
    graph = mixed_graph()
    graph.genres[5].append("One too many")
    with pytest.raises(ValueError, match="33 distinct genres"):
        graph_bytes(graph)
    graph = mixed_graph()
    graph.years[4] = 70000
    with pytest.raises(ValueError, match="year 70000 of node 4"):
        graph_bytes(graph)
    graph = mixed_graph()
    graph.votes[4] = -1
    with pytest.raises(ValueError, match="votes -1 of node 4"):
        graph_bytes(graph)


def test_write_tiles_writes_it_beside_the_tiles(tmp_path: Path) -> None:
    from exporters.tiles import write_tiles

    graph = mixed_graph(300)
    stats = write_tiles(graph, tmp_path, search=False, bitmaps=False)
    check_equal(read_graph_bytes((tmp_path / FILE_NAME).read_bytes()), graph)
    assert stats.bytes_by_kind["graph"] == (tmp_path / FILE_NAME).stat().st_size
    write_tiles(graph, tmp_path, search=False, bitmaps=False, graph_file=False)
    assert not (tmp_path / FILE_NAME).exists()  # a stale graph file does not survive


# --- the JavaScript reader in real Chromium --------------------------------------------------


READ_IN_PAGE = """async ([url, picks, ids]) => {
  const m = await import("/js/graphfile.js");
  const g = await m.loadGraphFile(url);
  const node = (i) => ({
    out: Array.from(g.neighbours(i)), in: Array.from(g.recommendedBy(i)), id: g.id(i),
    year: g.yearOf(i), runtime: g.runtimeOf(i), rating: g.ratingOf(i), votes: g.votesOf(i),
    type: g.typeOf(i), genres: g.genresOf(i), community: g.communityOf(i),
  });
  const errors = [];
  const buf = await (await fetch(url)).arrayBuffer();
  const raw = new Uint8Array(await new Response(
    new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
  for (const bytes of [raw.slice(0, 60), raw.slice(0, raw.length - 1), new Uint8Array(64)]) {
    try { m.parseGraphFile(bytes.buffer); errors.push(null); }
    catch (e) { errors.push(e.message); }
  }
  return {n: g.nodeCount, e: g.edgeCount, nodes: picks.map(node),
          index: ids.map((id) => g.index(id)), errors};
}"""


@needs_tool(chromium_missing())
def test_javascript_reader_agrees_with_python(tmp_path: Path, browser) -> None:
    graph = mixed_graph(500, seed=8)
    data = tmp_path / "data"
    data.mkdir()
    write_graph_file(graph, data / FILE_NAME)
    (data / "blank.html").write_text("<!doctype html><title>graph file</title>")
    f = read_graph_bytes((data / FILE_NAME).read_bytes())
    picks = [0, 1, 2, 3, 7, 250, 499]
    asked = [graph.ids[9], graph.ids[499], "tt9999999"]
    with StaticServer(SITE, data_dir=data) as server:
        page = browser.new_page()
        try:
            page.goto(server.url + "data/blank.html")
            got = page.evaluate(READ_IN_PAGE, [server.url + "data/" + FILE_NAME, picks, asked])
        finally:
            page.close()
    assert (got["n"], got["e"]) == (graph.node_count, graph.edge_count)
    reverse: list[list[int]] = [[] for _ in range(graph.node_count)]
    for s, t in zip(graph.sources.tolist(), graph.targets.tolist(), strict=True):
        reverse[t].append(s)
    for i, node in zip(picks, got["nodes"], strict=True):
        assert node["out"] == f.neighbours(i) == expected_neighbours(graph)[i]
        assert node["in"] == sorted(reverse[i])
        assert node["id"] == graph.ids[i]
        assert node["year"] == graph.years[i]
        assert node["runtime"] == graph.runtimes[i]
        assert node["rating"] == graph.ratings[i]
        assert node["votes"] == graph.votes[i]
        assert node["type"] == graph.title_types[i]
        assert set(node["genres"]) == set(graph.genres[i])
        community = expected_communities(graph)[i]
        assert node["community"] == (None if community == NO_COMMUNITY else community)
    assert got["index"] == [9, 499, -1]
    assert "truncated" in got["errors"][0] and "truncated" in got["errors"][1]
    assert "not a graph file" in got["errors"][2]
