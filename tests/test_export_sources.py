"""Where each recommendation came from, through the export: ``--source``, the graph files, the
tiles' panel lists, mapinfo/legend, the validator, and the site (real Chromium) with its source
tags, TMDb's attribution and links for ``tmdb:`` titles.

The crawl database holds both sources, written the way the spiders write them
(``Store.save_page(..., origin=...)``): IMDb pages for every ``tt`` title, TMDb answers for
every other one and for two titles TMDb knows no IMDb id for (``tmdb:9001``, ``tmdb:9002``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import orjson
import pytest

from devtools.browser import chromium_missing
from exporters.cli import graph_digest
from exporters.cli import main as export_main
from exporters.gdf import read_gdf
from exporters.graph import GraphError, load_graph
from exporters.serve import StaticServer
from exporters.validate import validate_tiles
from imdb_spider.pages import MLT_LISTED, TitleRecord
from imdb_spider.store import Store

from .conftest import needs_tool
from .site_helpers import ROOT, SITE, Session, wait_drawn, wait_until

N = 40
ONLY_TMDB = {"tmdb:9001": ["tt0000100", "tt0000101"], "tmdb:9002": ["tmdb:9001", "tt0000102"]}
BITS = {"imdb": 1, "tmdb": 2}
ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."


def tt(i: int) -> str:
    return f"tt{100 + i % N:07d}"


def imdb_recs(i: int) -> list[str]:
    return [tt(i + 1), tt(i + 2), tt(i + 5)]


def tmdb_recs(i: int) -> list[str]:
    # the first agrees with IMDb's (same rank), the others differ, one is TMDb-only
    return [tt(i + 1), tt(i + 3), "tmdb:9001"]


def record(title_id: str, name: str, recs: list[str], k: int, tmdb_id: int | None) -> TitleRecord:
    return TitleRecord(
        id=title_id, title=name, page_generation="sandbox", year=1960 + k, votes=1000 * (k + 1),
        genres=["Drama" if k % 2 else "Comedy"], recommendations=recs,
        recommendation_types=[None] * len(recs), recommendations_state=MLT_LISTED,
        tmdb_id=tmdb_id,
    )  # fmt: skip


def build_db(path: Path, *, with_tmdb: bool = True) -> Path:
    with Store(path) as store:
        for i in range(N):
            store.save_page(
                record(tt(i), f"Film {i}", imdb_recs(i), i, None),
                requested_id=tt(i),
                depth=0,
                origin="imdb",
            )
            if with_tmdb and i % 2 == 0:
                store.save_page(
                    record(tt(i), f"Film {i}", tmdb_recs(i), i, 5000 + i),
                    requested_id=tt(i),
                    depth=0,
                    origin="tmdb",
                )
        if with_tmdb:
            for k, (title_id, recs) in enumerate(ONLY_TMDB.items()):
                number = int(title_id.split(":")[1])
                store.save_page(
                    record(title_id, f"Only on TMDb {k}", recs, k, number),
                    requested_id=title_id,
                    depth=0,
                    origin="tmdb",
                )
    return path


def db_edges(db: Path) -> dict[str, dict[tuple[str, str], tuple[int, set[str]]]]:
    """Per --source: (source, target) -> (best rank, sources), straight from the database."""
    out: dict[str, dict[tuple[str, str], tuple[int, set[str]]]] = {
        "all": {},
        "imdb": {},
        "tmdb": {},
    }
    with Store(db, create=False) as store:
        for s, t, rank, origin in store.edge_rows():
            for key in ("all", origin):
                best, sources = out[key].get((s, t), (rank, set()))
                out[key][(s, t)] = (min(best, rank), sources | {origin})
    return out


def graph_edges(graph) -> dict[tuple[str, str], tuple[int, set[str]]]:
    names = {bit: name for name, bit in BITS.items()}
    return {
        (graph.ids[s], graph.ids[t]): (r, {names[b] for b in names if m & b})
        for s, t, r, m in zip(
            graph.sources.tolist(),
            graph.targets.tolist(),
            graph.ranks.tolist(),
            graph.origins.tolist(),
            strict=True,
        )
    }


@pytest.fixture(scope="module")
def both_db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("both") / "crawl.sqlite")


@pytest.fixture(scope="module")
def exported(both_db: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    args = ["all", "--db", str(both_db), "--out", str(out / "data")]
    assert export_main([*args, "--graph-dir", str(out / "graph"), "--quiet"]) == 0
    return out


# --- the graph ------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["all", "imdb", "tmdb"])
def test_source_takes_exactly_that_source_s_edges(both_db: Path, source: str) -> None:
    expected = db_edges(both_db)[source]
    graph = load_graph(both_db, source=source)
    assert graph_edges(graph) == expected
    assert graph.node_count == N + len(ONLY_TMDB)  # the titles, whatever the source
    if source == "all":
        # an edge both give is one edge, with both sources and the better rank
        assert expected[(tt(0), tt(1))] == (0, {"imdb", "tmdb"})
        assert expected[(tt(0), tt(3))] == (1, {"tmdb"})
        assert len(expected) < len(db_edges(both_db)["imdb"]) + len(db_edges(both_db)["tmdb"])


def test_an_unknown_source_is_a_clear_error(both_db: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(GraphError, match="unknown source 'netflix'"):
        load_graph(both_db, source="netflix")
    with pytest.raises(SystemExit):
        export_main(["all", "--db", str(both_db), "--out", str(tmp_path), "--source", "netflix"])
    assert "invalid choice: 'netflix'" in capsys.readouterr().err


def test_the_sources_are_part_of_the_export_digest(both_db: Path) -> None:
    digests = {s: graph_digest(load_graph(both_db, source=s), {}) for s in ("all", "imdb", "tmdb")}
    assert len(set(digests.values())) == 3
    graph = load_graph(both_db)
    graph.origins[0] ^= 2  # the same edges, one of them from other sources
    assert graph_digest(graph, {}) != digests["all"]


# --- the files ------------------------------------------------------------------------------


def test_the_map_says_where_each_recommendation_came_from(exported: Path, both_db: Path) -> None:
    data = exported / "data"
    assert validate_tiles(data) == []
    info = orjson.loads((data / "mapinfo.json").read_bytes())
    assert info["origins"] == BITS
    assert "edgeOrigins" not in info  # the edges' sources differ: listed per id
    assert orjson.loads((data / "legend.json").read_bytes())["origins"] == ["imdb", "tmdb"]
    expected = db_edges(both_db)["all"]
    records = {}
    for path in data.glob("equad_*.json"):
        for node in orjson.loads(path.read_bytes())["nodes"]:
            records[node["nodeid"]] = node
    assert len(records) == N + len(ONLY_TMDB)
    checked = 0
    for source, node in records.items():
        assert len(node["recsOrigin"]) == len(node["recs"])
        assert len(node["byOrigin"]) == len(node["by"])
        for target, mask in zip(node["recs"], node["recsOrigin"], strict=True):
            assert {n for n, b in BITS.items() if mask & b} == expected[(source, target)][1]
            checked += 1
        for by, mask in zip(node["by"], node["byOrigin"], strict=True):
            assert {n for n, b in BITS.items() if mask & b} == expected[(by, source)][1]
    assert checked == len(expected)
    assert records["tmdb:9002"]["href"] == "https://www.themoviedb.org/movie/9002"
    assert records[tt(3)]["href"] == f"https://www.imdb.com/title/{tt(3)}/"


def test_graph_files_carry_each_edge_s_sources(exported: Path, both_db: Path) -> None:
    expected = {k: "|".join(sorted(v[1])) for k, v in db_edges(both_db)["all"].items()}
    graph_dir = exported / "graph"
    ElementTree.parse(graph_dir / "graph.gexf")
    gexf = nx.read_gexf(graph_dir / "graph.gexf")
    assert {(u, v): d["origin"] for u, v, d in gexf.edges(data=True)} == expected
    gdf = read_gdf(graph_dir / "graph.gdf")
    assert {(e["node1"], e["node2"]): e["origin"] for e in gdf.edges} == expected
    assert ("origin", "VARCHAR") in gdf.edge_columns


@needs_tool(None if shutil.which("gvpr") else "Debian's graphviz is not installed")
def test_graphviz_reads_the_dot_origin(exported: Path, both_db: Path) -> None:
    expected = {k: "|".join(sorted(v[1])) for k, v in db_edges(both_db)["all"].items()}
    program = 'E{printf("%s %s %s\\n", $.tail.name, $.head.name, $.origin)}'
    out = subprocess.run(
        ["gvpr", program, str(exported / "graph" / "graph.dot")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    got = {(a, b): o for a, b, o in (line.split(" ") for line in out.splitlines())}
    assert got == expected


def test_an_imdb_only_export_names_only_imdb(tmp_path: Path) -> None:
    db = build_db(tmp_path / "imdb.sqlite", with_tmdb=False)
    assert export_main(["all", "--db", str(db), "--out", str(tmp_path / "data"),
                        "--formats", "", "--no-preview", "--quiet"]) == 0  # fmt: skip
    info = orjson.loads((tmp_path / "data" / "mapinfo.json").read_bytes())
    assert info["origins"] == {"imdb": 1}
    # every edge is IMDb's: said once in mapinfo, not once per listed id
    assert info["edgeOrigins"] == 1
    for path in (tmp_path / "data").glob("equad_*.json"):
        for node in orjson.loads(path.read_bytes())["nodes"]:
            assert node["recs"] and "recsOrigin" not in node and "byOrigin" not in node
    assert validate_tiles(tmp_path / "data") == []
    info["edgeOrigins"] = 2  # TMDb's, which the map does not hold
    (tmp_path / "data" / "mapinfo.json").write_bytes(orjson.dumps(info))
    assert any("edgeOrigins 2 names sources" in p for p in validate_tiles(tmp_path / "data"))


def test_the_validator_checks_the_origin_lists(exported: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(exported / "data", data)
    path = next(p for p in sorted(data.glob("equad_*.json")))
    quad = orjson.loads(path.read_bytes())
    node = next(n for n in quad["nodes"] if n["recs"])
    node["recsOrigin"] = [4] * len(node["recs"])  # a source mapinfo does not name
    node["byOrigin"] = [1] * (len(node["by"]) + 1)  # one tag too many
    path.write_bytes(orjson.dumps(quad))
    problems = validate_tiles(data)
    assert any("recsOrigin" in p and "names sources mapinfo lacks" in p for p in problems)
    assert any("byOrigin is not a list as long as its by" in p for p in problems)
    info = orjson.loads((data / "mapinfo.json").read_bytes())
    info["origins"] = {"imdb": 1, "tmdb": 1}
    (data / "mapinfo.json").write_bytes(orjson.dumps(info))
    assert any("gives two sources one bit" in p for p in validate_tiles(data))


# --- the site -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(exported: Path, tmp_path_factory, browser):
    root = tmp_path_factory.mktemp("maps")
    (root / "both").symlink_to(exported / "data")
    imdb = build_db(root / "imdb.sqlite", with_tmdb=False)
    assert export_main(["all", "--db", str(imdb), "--out", str(root / "imdb"),
                        "--formats", "", "--no-preview", "--quiet"]) == 0  # fmt: skip
    with StaticServer(SITE, data_dir=root) as server:
        yield server, browser


def open_page(site, name: str, fragment: str = "") -> Session:
    server, browser = site
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    session = Session.open(context)
    session.page.goto(f"{server.url}?data=data/{name}/{fragment}")
    wait_drawn(session.page)
    return session


# The panel of id, once it has loaded and every listed title is named: its entries and tags.
_PANEL_ENTRIES = """(id) => {
  const p = document.querySelector('.panel');
  if (p.hidden || p.dataset.id !== id || p.querySelector('.panel-body > .muted')) return null;
  const picks = [...p.querySelectorAll('.pick')];
  const unnamed = (b) => /^(tt|tmdb:)\\d+$/.test(b.querySelector('.t').textContent);
  if (!picks.length || picks.some(unnamed)) return null;
  return picks.map((b) => {
    const tag = b.querySelector('.src');
    const list = b.closest('ol').classList.contains('list-recs') ? 'recs' : 'by';
    return { id: b.dataset.id, list, text: tag && tag.textContent,
             label: tag && tag.getAttribute('aria-label') };
  });
}"""


def panel_entries(session: Session, title_id: str) -> list[dict]:
    """The panel's list entries once the panel of ``title_id`` has every title filled in."""
    return wait_until(session.page, _PANEL_ENTRIES, title_id)


@needs_tool(chromium_missing())
def test_the_panel_tags_each_recommendation_and_tmdb_is_credited(site, both_db: Path) -> None:
    expected = db_edges(both_db)["all"]
    labels = {
        frozenset({"imdb"}): ("IMDb", "from IMDb"),
        frozenset({"tmdb"}): ("TMDb", "from TMDb"),
        frozenset({"imdb", "tmdb"}): ("both", "from IMDb and TMDb"),
    }
    session = open_page(site, "both", f"#t={tt(0)}")
    entries = panel_entries(session, tt(0))
    assert {e["text"] for e in entries} == {"IMDb", "TMDb", "both"}
    for e in entries:
        pair = (tt(0), e["id"]) if e["list"] == "recs" else (e["id"], tt(0))
        assert (e["text"], e["label"]) == labels[frozenset(expected[pair][1])], e
    # the tag is part of the entry's accessible name
    both = session.page.get_by_role("button", name="from IMDb and TMDb")
    assert both.count() >= 1
    credits = session.page.locator(".credits")
    assert credits.is_visible()
    assert ATTRIBUTION in credits.inner_text()
    assert session.page.get_by_role("link", name="TMDB").is_visible()
    link = session.page.locator(".panel a.imdb-link")
    assert link.get_attribute("href") == f"https://www.imdb.com/title/{tt(0)}/"
    shots = ROOT / "test-output" / "site"
    shots.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=str(shots / "sources-panel.png"))
    session.assert_clean()


@needs_tool(chromium_missing())
def test_a_tmdb_title_works_in_search_panel_and_url(site) -> None:
    session = open_page(site, "both")
    page = session.page
    page.locator("#search-input").fill("tmdb:9002")
    page.wait_for_selector('.suggestion[data-id="tmdb:9002"]', timeout=10_000)
    page.keyboard.press("Enter")
    panel_entries(session, "tmdb:9002")
    link = page.locator(".panel a.imdb-link")
    assert link.get_attribute("href") == "https://www.themoviedb.org/movie/9002"
    assert link.inner_text() == "Open on TMDb ↗"
    assert "t=tmdb%3A9002" in page.evaluate("location.hash")
    # the URL brings the title back on a fresh page
    again = open_page(site, "both", page.evaluate("location.hash"))
    panel_entries(again, "tmdb:9002")
    session.assert_clean()
    again.assert_clean()


@needs_tool(chromium_missing())
def test_an_imdb_only_map_has_no_tmdb_notice(site) -> None:
    session = open_page(site, "imdb", f"#t={tt(0)}")
    entries = panel_entries(session, tt(0))
    assert {e["text"] for e in entries} == {"IMDb"}
    assert session.page.locator(".credits").is_hidden()
    assert not session.page.get_by_text(ATTRIBUTION).is_visible()
    session.assert_clean()
