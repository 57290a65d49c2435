"""``python -m exporters all``: from a real crawl database to graph files and a valid map."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import field, fields, make_dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import orjson
import pytest

from exporters.cli import graph_digest
from exporters.cli import main as export_main
from exporters.graph import load_graph
from exporters.model import MapGraph, node_field, node_fields
from exporters.validate import validate_tiles
from imdb_spider.pages import MLT_LISTED, TitleRecord
from imdb_spider.store import Store
from sandbox import build_universe
from sandbox.crawldb import records, write_crawl_db

from .conftest import ROOT

HOSTILE = [
    "Quote \" and ' apostrophe",
    "Back\\slash",
    "New\nline\tand tab",
    "<script>alert(1)</script> & <img src=x onerror=alert(1)>",
    "東京物語",
    "ملاك",
    "Control \x01\x1f chars",
]


@pytest.fixture(scope="module")
def universe():
    return build_universe(800, seed=5)


@pytest.fixture(scope="module")
def crawl_db(universe, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crawl") / "imdb.sqlite"
    write_crawl_db(universe, path, limit=700)
    with Store(path) as store:
        hostile = []
        for k, title in enumerate(HOSTILE):
            tt = f"tt9{k:07d}9"
            recs = [universe.id_of(k), universe.id_of(k + 1)]
            hostile.append(
                TitleRecord(id=tt, title=title, page_generation="sandbox", year=2000 + k,
                            votes=10, genres=["Drama"], recommendations=recs,
                            recommendation_types=[None, None], recommendations_state=MLT_LISTED)
            )  # fmt: skip
        store.save_pages(hostile)
    return path


def export(db: Path, out: Path, *extra: str) -> int:
    return export_main(["all", "--db", str(db), "--out", str(out / "data"),
                        "--graph-dir", str(out / "graph"), *extra])  # fmt: skip


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".export" not in p.parts
    }


@pytest.fixture(scope="module")
def exported(crawl_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    assert export(crawl_db, out, "--quiet") == 0
    return out


def test_every_output_is_written_and_valid(exported: Path, crawl_db: Path) -> None:
    data = exported / "data"
    assert validate_tiles(data) == []
    names = ["mapinfo.json", "legend.json", "search/manifest.json", "image_2400.jpg"]
    names += ["image_2400low.jpg", "preview.png", "table0.json", "quad_.json", "equad_.json"]
    for name in names:
        assert (data / name).is_file(), name
    assert not list(data.glob("xquad_*"))
    with Store(crawl_db, create=False) as store:
        titles = {t["id"] for t in store.titles()}
    info = orjson.loads((data / "mapinfo.json").read_bytes())
    assert info["nrnodes"] == len(titles)
    legend = orjson.loads((data / "legend.json").read_bytes())
    assert sum(c["size"] for c in legend["communities"]) == len(titles)
    assert all(" · " in c["name"] or c["name"] for c in legend["communities"])


def test_graph_files_read_back(exported: Path) -> None:
    gexf = nx.read_gexf(exported / "graph" / "graph.gexf")
    labels = {data["label"] for _, data in gexf.nodes(data=True)}
    assert "東京物語" in labels and "Quote \" and ' apostrophe" in labels
    assert all("x" in data["viz"]["position"] for _, data in gexf.nodes(data=True))
    dot = exported / "graph" / "graph.dot"
    assert dot.read_text(encoding="utf-8").startswith("digraph imdb")
    parsed = subprocess.run(["nop", str(dot)], capture_output=True, text=True, check=False)
    assert parsed.returncode == 0, parsed.stderr
    gdf = (exported / "graph" / "graph.gdf").read_text(encoding="utf-8")
    assert gdf.startswith("nodedef>") and "\nedgedef>" in gdf


def test_rerun_without_change_does_nothing(crawl_db: Path, tmp_path: Path, capsys) -> None:
    assert export(crawl_db, tmp_path) == 0
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert export(crawl_db, tmp_path) == 0
    assert "up to date" in capsys.readouterr().out
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert before == after


def test_same_seed_gives_identical_files(crawl_db: Path, exported: Path, tmp_path: Path) -> None:
    assert export(crawl_db, tmp_path, "--quiet") == 0
    assert digests(tmp_path) == digests(exported)


def test_reuse_layout_keeps_old_titles_in_place(universe, tmp_path: Path) -> None:
    db = tmp_path / "grow.sqlite"
    write_crawl_db(universe, db, limit=500)
    assert export(db, tmp_path / "out", "--quiet", "--formats", "") == 0
    tables = tmp_path / "out" / "data"

    def positions() -> dict[str, tuple[float, float]]:
        found = {}
        for table in tables.glob("table*.json"):
            for tt, (x, y, _quad) in orjson.loads(table.read_bytes()).items():
                found[tt] = (x, y)
        return found

    def communities() -> dict[str, int]:
        return {
            node["nodeid"]: node["community"]
            for quad in tables.glob("quad_*.json")
            for node in orjson.loads(quad.read_bytes())["nodes"]
        }

    def mtimes() -> dict[str, int]:
        # The map's files (not the exporter's own state in .export/).
        return {
            str(p.relative_to(tables)): p.stat().st_mtime_ns
            for p in tables.rglob("*")
            if p.is_file() and ".export" not in p.parts
        }

    old, old_communities, old_mtimes = positions(), communities(), mtimes()
    # The same crawl exported again rewrites nothing.
    assert export(db, tmp_path / "out", "--quiet", "--formats", "", "--force") == 0
    assert mtimes() == old_mtimes
    with Store(db) as store:  # the crawl grows
        store.save_pages(list(records(universe))[500:650])
    assert export(db, tmp_path / "out", "--quiet", "--formats", "", "--reuse-layout") == 0
    # Communities keep their ids (so their colours) for most old titles.
    new_communities = communities()
    kept = sum(new_communities[tt] == c for tt, c in old_communities.items())
    assert kept >= 0.8 * len(old_communities), (kept, len(old_communities))
    new = positions()
    assert len(new) > len(old)
    moved = [
        tt
        for tt in old
        if abs(new[tt][0] - old[tt][0]) > 1e-3 or abs(new[tt][1] - old[tt][1]) > 1e-3
    ]
    assert moved == []
    assert validate_tiles(tables) == []


def test_empty_and_missing_databases_are_clear_errors(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.sqlite"
    Store(empty).close()
    assert export(empty, tmp_path / "a") == 1
    assert "holds no crawled titles yet" in capsys.readouterr().err
    assert export(tmp_path / "missing.sqlite", tmp_path / "b") == 1
    assert "no crawl database" in capsys.readouterr().err


def test_bad_options_are_refused(crawl_db: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="unknown format"):
        export(crawl_db, tmp_path, "--formats", "dot,svg")
    with pytest.raises(SystemExit):
        export(crawl_db, tmp_path, "--edge-cap", "40")


def test_module_entry_point_help() -> None:
    result = subprocess.run([sys.executable, "-m", "exporters", "all", "--help"],
                            capture_output=True, text=True, cwd=ROOT, check=False)  # fmt: skip
    assert result.returncode == 0
    assert "--reuse-layout" in result.stdout and "--db" in result.stdout


def test_loader_fills_every_declared_field(crawl_db: Path) -> None:
    graph = load_graph(crawl_db)
    for f in node_fields():
        assert len(getattr(graph, f.name)) == graph.node_count, f.name
    assert any(graph.countries), "countries are read like every other declared field"
    assert graph.edge_count > 0 and graph.ranks.dtype == np.int16


@pytest.mark.skipif(importlib.util.find_spec("tulip") is not None, reason="tulip is installed")
def test_fmme_without_tulip_is_a_one_line_error_before_any_work(
    crawl_db: Path, tmp_path: Path, capsys
) -> None:
    assert export(crawl_db, tmp_path, "--layout", "fmme") == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "error: layout method 'fmme' needs the optional package tulip-python "
        "(pip install tulip-python); the default method 'clustered' does not"
    ]
    assert captured.out == ""  # not even the graph step ran
    assert not (tmp_path / "data").exists() and not (tmp_path / "graph").exists()


def test_sfdp_without_graphviz_on_path_is_a_one_line_error(crawl_db: Path, tmp_path: Path) -> None:
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    assert shutil.which("sfdp", path=str(empty_path)) is None
    command = [sys.executable, "-m", "exporters", "all", "--db", str(crawl_db),
               "--out", str(tmp_path / "data"), "--layout", "sfdp"]  # fmt: skip
    env = {**os.environ, "PATH": str(empty_path)}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: layout method 'sfdp' needs Graphviz's sfdp on PATH (apt-get install graphviz); "
        "the default method 'clustered' does not"
    ]
    assert done.stdout == ""
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong arrays"])
def test_a_corrupt_saved_layout_is_a_warning_and_the_map_is_redrawn(
    crawl_db: Path, exported: Path, tmp_path: Path, caplog, damage: str
) -> None:
    shutil.copytree(exported, tmp_path, dirs_exist_ok=True)
    saved = tmp_path / "data" / ".export" / "layout.npz"
    if damage == "garbage":
        saved.write_bytes(b"not a numpy archive")
    elif damage == "truncated":
        saved.write_bytes(saved.read_bytes()[:300])
    else:
        np.savez(saved, ids=np.asarray(["tt1", "tt2"]), x=np.zeros(3))
    with caplog.at_level(logging.WARNING, logger="exporters"):
        assert export(crawl_db, tmp_path, "--quiet", "--reuse-layout", "--force") == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(saved) in warnings[0] and "the map will be redrawn" in warnings[0]
    # Redrawn from scratch: the same files as an export that had no saved layout.
    assert digests(tmp_path) == digests(exported)


def _with_languages(graph: MapGraph, languages: list[list[str]]) -> MapGraph:
    """``graph`` as an instance of a MapGraph that declares one more database field."""
    wider = make_dataclass(
        "WiderMapGraph",
        [("languages", list, field(default_factory=list, metadata=node_field("languages")))],
        bases=(MapGraph,),
        slots=True,
    )
    values = {f.name: getattr(graph, f.name) for f in fields(MapGraph)}
    return wider(**values, languages=languages)


def test_a_new_field_is_part_of_the_export_digest(crawl_db: Path) -> None:
    graph = load_graph(crawl_db)
    options = {"seed": 1}
    base = graph_digest(graph, options)
    assert graph_digest(load_graph(crawl_db), options) == base  # stable
    english = _with_languages(graph, [["en"]] * graph.node_count)
    french = _with_languages(graph, [["fr"]] * graph.node_count)
    assert len({base, graph_digest(english, options), graph_digest(french, options)}) == 3
    # every declared field counts, countries included (an old digest left them out)
    graph.countries[0] = [*graph.countries[0], "XX"]
    assert graph_digest(graph, options) != base


EDGE_COUNT = re.compile(r"([\d,]+) (?:edges|recommendations)\b")
JARGON = ("ownL", "occ ", "short .", "neighbours .", "dropped", " drawn:")


def test_output_has_one_edge_count_and_no_jargon_unless_verbose(
    crawl_db: Path, tmp_path: Path, capsys
) -> None:
    assert export(crawl_db, tmp_path / "plain", "--formats", "") == 0
    plain = capsys.readouterr().out
    assert len(set(EDGE_COUNT.findall(plain))) == 1, plain  # one number, said once
    assert not [j for j in JARGON if j in plain], plain
    assert "of titles lie nearest their own community's centre" in plain
    assert export(crawl_db, tmp_path / "verbose", "--formats", "", "--verbose") == 0
    verbose = capsys.readouterr().out
    assert "layout quality: ownL ." in verbose and "occ ." in verbose
    assert "to titles outside the graph dropped" in verbose and " drawn: 12 a title" in verbose
