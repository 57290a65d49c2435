"""What the panel's lists leave out, through the export, and demo maps.

* A title's recommendations that are not on the map (never crawled, or filtered out) are kept
  in rank order with their names where the crawl or IMDb's datasets know them
  (``MapGraph.missing_recs``, ``Store.title_names``), and the ``equad_`` record says
  ``recsCount`` / ``recsMissing``; the first draw's ``quad_`` files stay as they were.
* "Recommended by" lists the first 30; ``byquad_<path>.json`` holds the rest.
* A crawl of the sandbox (every run on a loopback host, ``Store.run_hosts``) makes a demo map
  (``mapinfo.json``'s ``demo``); ``--demo`` / ``--no-demo`` say so explicitly; a real crawl's
  map keeps its links.

The crawl databases are real SQLite files written the way the spiders write them.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import orjson
import pytest

from exporters.cli import main as export_main
from exporters.graph import is_sandbox_crawl, load_graph
from exporters.model import MapGraph, node_fields
from exporters.shingle import MAX_RECOMMENDED_BY
from exporters.validate import validate_tiles
from imdb_spider.pages import MLT_LISTED, TitleRecord
from imdb_spider.store import Store

HUB = "tt0000050"
FANS = [f"tt{200 + k:07d}" for k in range(MAX_RECOMMENDED_BY + 5)]  # recommend the hub
# tt0000001 recommends, in rank order: on the map, filtered out (few votes), only in IMDb's
# datasets (never crawled), unknown (never crawled), on the map.
FIRST_RECS = ["tt0000002", "tt0000003", "tt0000009", "tt0000008", "tt0000004"]


def record(title_id: str, name: str, recs: list[str], votes: int) -> TitleRecord:
    return TitleRecord(
        id=title_id, title=name, page_generation="sandbox", year=1990, votes=votes,
        genres=["Drama"], recommendations=recs, recommendation_types=[None] * len(recs),
        recommendations_state=MLT_LISTED,
    )  # fmt: skip


def build_db(path: Path, hosts: list[str | None]) -> Path:
    pages = {
        "tt0000001": ("First", FIRST_RECS, 5000),
        "tt0000002": ("Second", ["tt0000001", HUB], 5000),
        "tt0000003": ("Obscure", ["tt0000001"], 10),
        "tt0000004": ("Fourth", ["tt0000001", "tt0000002"], 5000),
        HUB: ("Hub", ["tt0000001"], 9000),
        **{fan: (f"Fan {k}", [HUB, "tt0000001"], 2000 + k) for k, fan in enumerate(FANS)},
    }
    with Store(path) as store:
        for title_id, (name, recs, votes) in pages.items():
            store.save_page(record(title_id, name, recs, votes), requested_id=title_id, depth=0)
        store.save_dataset_titles(
            ["title", "year"], [("tt0000009", "Only In The Datasets", 1977)], time.time()
        )
        for host in hosts:
            run = store.start_run({"seeds": "tt0000001", **({"host": host} if host else {})})
            store.finish_run(run, "finished", clean=True)
    return path


def equad_records(folder: Path) -> dict[str, dict]:
    return {
        n["nodeid"]: n
        for path in folder.glob("equad_*.json")
        for n in orjson.loads(path.read_bytes())["nodes"]
    }


def quad_records(folder: Path) -> dict[str, dict]:
    return {
        n["nodeid"]: n
        for path in folder.glob("quad_*.json")
        for n in orjson.loads(path.read_bytes())["nodes"]
    }


def export(db: Path, out: Path, *extra: str) -> dict:
    args = ["all", "--db", str(db), "--out", str(out), "--graph-dir", str(out.parent / "g"),
            "--formats", "", "--no-preview", "--quiet", *extra]  # fmt: skip
    assert export_main(args) == 0
    return orjson.loads((out / "mapinfo.json").read_bytes())


@pytest.fixture
def real_db(tmp_path: Path) -> Path:
    return build_db(tmp_path / "real.sqlite", ["www.imdb.com"])


# --- the store's look-ups ------------------------------------------------------------------


def test_run_hosts_and_title_names(tmp_path: Path) -> None:
    db = build_db(tmp_path / "crawl.sqlite", ["127.0.0.1", None, "www.imdb.com"])
    with Store(db, create=False) as store:
        assert store.run_hosts() == ["127.0.0.1", None, "www.imdb.com"]
        many = [f"tt{k:07d}" for k in range(1, 1300)]  # more ids than one query binds
        names = store.title_names([*many, "tt0000009", "tt0000008"])
    assert names["tt0000003"] == ("Obscure", 1990)  # a stored page
    assert names["tt0000009"] == ("Only In The Datasets", 1977)  # IMDb's datasets only
    assert "tt0000008" not in names  # nothing names it
    assert names[FANS[-1]] == (f"Fan {len(FANS) - 1}", 1990)


# --- recommendations not on the map --------------------------------------------------------


def test_missing_recommendations_are_kept_in_rank_order_with_names(real_db: Path) -> None:
    graph = load_graph(real_db, min_votes=1000)
    first = graph.index()["tt0000001"]
    assert [tt for _, tt in graph.missing_of(first)] == ["tt0000003", "tt0000009", "tt0000008"]
    assert graph.outside_names["tt0000003"] == ("Obscure", 1990)
    assert graph.outside_names["tt0000009"] == ("Only In The Datasets", 1977)
    assert "tt0000008" not in graph.outside_names
    assert graph.missing_of(graph.index()["tt0000004"]) == []


def test_equad_records_say_how_many_and_which_are_missing(real_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "map"
    export(real_db, out, "--min-votes", "1000")
    full = equad_records(out)
    first = full["tt0000001"]
    assert first["recs"] == ["tt0000002", "tt0000004"]
    assert first["recsCount"] == len(FIRST_RECS)
    assert first["recsMissing"] == [
        {"id": "tt0000003", "name": "Obscure", "year": 1990},
        {"id": "tt0000009", "name": "Only In The Datasets", "year": 1977},
        {"id": "tt0000008"},
    ]
    # Nothing missing, nothing said; the first draw's compact records carry none of it.
    assert "recsCount" not in full["tt0000004"] and "recsMissing" not in full["tt0000004"]
    compact = quad_records(out)
    assert all("recsMissing" not in r and "recsCount" not in r for r in compact.values())
    assert validate_tiles(out) == []


def test_a_subgraph_moves_the_titles_it_drops_to_the_missing_ones() -> None:
    n = 5
    values = {f.name: [f"{f.name}-{i}" if f.name in ("ids", "titles") else None for i in range(n)]
              for f in node_fields()}  # fmt: skip
    values["ids"] = [f"tt{i:07d}" for i in range(n)]
    edges = [(0, 1), (0, 3), (0, 2), (4, 0)]
    graph = MapGraph(
        **values,
        sources=np.asarray([s for s, _ in edges], dtype=np.int32),
        targets=np.asarray([t for _, t in edges], dtype=np.int32),
        ranks=np.asarray([0, 1, 2, 0], dtype=np.int16),
        origins=np.ones(len(edges), dtype=np.uint8),
        missing_recs=[[(3, "tt9999999")], [], [], [], []],
    )
    sub = graph.subgraph(np.asarray([0, 1, 4]))
    assert sub.missing_of(0) == [(1, "tt0000003"), (2, "tt0000002"), (3, "tt9999999")]
    assert sub.outside_names["tt0000003"] == ("titles-3", None)
    assert sub.missing_of(2) == []  # node 4 (now 2) recommends only node 0, kept


# --- "Recommended by": the first 30, the rest on demand ------------------------------------


def test_recommenders_past_the_first_thirty_go_to_a_byquad_file(
    real_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "map"
    export(real_db, out)
    full = equad_records(out)
    hub = full[HUB]
    assert hub["byCount"] == len(FANS) + 1 and len(hub["by"]) == MAX_RECOMMENDED_BY
    files = sorted(out.glob("byquad_*.json"))
    assert files, "no byquad_ file"
    rest = {}
    for path in files:
        rest.update(orjson.loads(path.read_bytes()))
    # only the titles whose list was cut short (the fans recommend tt0000001 too)
    assert set(rest) == {t for t, r in full.items() if r["byCount"] > MAX_RECOMMENDED_BY}
    assert set(rest) == {HUB, "tt0000001"}
    assert len(rest[HUB]["by"]) == hub["byCount"] - MAX_RECOMMENDED_BY
    assert set(hub["by"]) | set(rest[HUB]["by"]) == {*FANS, "tt0000002"}
    assert validate_tiles(out) == []
    # A later export without such a title removes the stale byquad_ file.
    export(real_db, out, "--min-votes", "5000")
    assert not list(out.glob("byquad_*.json"))


# --- demo maps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hosts", "demo"),
    [
        (["127.0.0.1"], True),
        (["localhost", "::1", "127.0.0.2"], True),
        (["www.imdb.com"], False),
        (["127.0.0.1", "api.themoviedb.org"], False),
        (["127.0.0.1", None], False),  # a run that recorded no host counts as real
        ([], False),
        (["127.example.com"], False),
    ],
)
def test_a_sandbox_crawl_is_one_whose_every_run_was_on_loopback(
    hosts: list[str | None], demo: bool
) -> None:
    assert is_sandbox_crawl(hosts) is demo


def test_a_sandbox_crawl_makes_a_demo_map_and_the_flag_overrides(tmp_path: Path) -> None:
    db = build_db(tmp_path / "sandbox.sqlite", ["127.0.0.1", "127.0.0.1"])
    out = tmp_path / "map"
    assert export(db, out)["demo"] is True
    # The flag changes the export (not "up to date"), and wins over the hosts.
    assert "demo" not in export(db, out, "--no-demo")


def test_a_real_crawl_keeps_its_links_unless_marked_demo(real_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "map"
    info = export(real_db, out)
    assert "demo" not in info
    first = equad_records(out)["tt0000001"]
    assert first["href"] == "https://www.imdb.com/title/tt0000001/"
    assert export(real_db, out, "--demo")["demo"] is True


def test_the_validator_checks_what_the_lists_leave_out(real_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "map"
    export(real_db, out, "--min-votes", "1000")
    assert validate_tiles(out) == []
    # recsCount that does not add up, and a recsMissing entry without an id
    path = next(p for p in out.glob("equad_*.json") if b"recsMissing" in p.read_bytes())
    good = path.read_bytes()
    path.write_bytes(good.replace(b'"recsCount":5', b'"recsCount":6'))
    assert any(p.startswith("missing-recs: tt0000001 recsCount") for p in validate_tiles(out))
    path.write_bytes(good.replace(b'{"id":"tt0000008"}', b'{"name":"no id"}'))
    assert any(p.startswith("missing-recs: tt0000001 recsMissing") for p in validate_tiles(out))
    path.write_bytes(good)
    # a byquad file that lacks a title, or is gone
    byquad = next(out.glob("byquad_*.json"))
    rest = orjson.loads(byquad.read_bytes())
    byquad.write_bytes(orjson.dumps({k: v for k, v in rest.items() if k != HUB}))
    assert any(f"{HUB} should list" in p for p in validate_tiles(out))
    byquad.unlink()
    assert any(p.startswith(f"byquad: {byquad.name} is missing") for p in validate_tiles(out))
    byquad.write_bytes(orjson.dumps(rest))
    assert validate_tiles(out) == []
