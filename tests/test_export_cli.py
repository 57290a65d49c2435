"""``python -m exporters all``: from a real crawl database to graph files and a valid map."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import networkx as nx
import orjson
import pytest

from exporters.cli import main as export_main
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
