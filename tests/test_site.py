"""The map site in a real browser (Debian's Chromium driven by Playwright).

One sandbox crawl (600 titles) is exported with ``python -m exporters all`` for the session, plus
a small map of hostile titles written by ``exporters.tiles.write_tiles``; ``exporters.serve``
serves ``site/`` with both under ``/data/``. Lists in the panel are checked against the crawl
database. Screenshots go to ``test-output/site/``.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from devtools.browser import chromium_missing
from exporters.serve import StaticServer
from imdb_spider.store import Store

from .conftest import needs_tool
from .site_helpers import (
    ROOT,
    SITE,
    Session,
    crawl_and_export,
    inspect,
    once,
    wait_drawn,
    wait_settled,
    wait_until,
)

SHOTS = ROOT / "test-output" / "site"
HOSTILE = "<img src=x onerror=alert(1)>"
BACKGROUND = (13, 17, 23)

pytestmark = needs_tool(chromium_missing())


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def maps(tmp_path_factory) -> dict:
    """The crawl's database and map, and the hostile map, under one folder served at /data/
    (made once per run, whichever module asks first)."""
    return once("site-maps", lambda: _make_maps(tmp_path_factory))


def _make_maps(tmp_path_factory) -> dict:
    from exporters.tiles import write_tiles

    from .exporter_fixtures import hostile_graph, random_graph

    root = tmp_path_factory.mktemp("site")
    db, data = crawl_and_export(root / "work", titles=600)
    (root / "maps").mkdir()
    (root / "maps" / "crawl").symlink_to(data)
    graph = hostile_graph()
    graph.titles[graph.titles.index("Toy Story")] = HOSTILE
    write_tiles(graph, root / "maps" / "hostile")
    # "Title <i> of community <c>" x 3,000 with 100-title search shards: words too common to
    # split by prefix, so the index pairs them with the titles' other words. No bitmaps.
    paired = root / "maps" / "paired"
    write_tiles(random_graph(3000, seed=9), paired, search_shard_entries=100, bitmaps=False)
    tables = {}
    for path in (root / "maps" / "crawl").glob("table*.json"):
        tables.update(json.loads(path.read_text()))
    return {"db": db, "root": root / "maps", "on_map": tables}


@pytest.fixture(scope="session")
def server(maps):
    with StaticServer(SITE, data_dir=maps["root"]) as s:
        yield s


@pytest.fixture(scope="session")
def browser(browser):  # conftest's, shared with the other browser test modules
    SHOTS.mkdir(parents=True, exist_ok=True)
    return browser


@pytest.fixture
def open_map(browser, server):
    """open_map(map="crawl", fragment="", settings={}, **context options) -> a Session on a
    drawn map. `settings` become data-* attributes of the page's map element (as a site owner
    would set them)."""
    contexts = []

    def opener(
        name: str = "crawl",
        fragment: str = "",
        *,
        wait: bool = True,
        settings: dict[str, str] | None = None,
        **options,
    ) -> Session:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("bypass_csp", True)  # Playwright's polling uses eval
        context = browser.new_context(**options)
        contexts.append(context)
        if settings:
            attrs = "".join(f' data-{k}="{v}"' for k, v in settings.items())

            def with_settings(route) -> None:
                page = (
                    route.fetch().text().replace(' data-path="data/"', f' data-path="data/"{attrs}')
                )
                route.fulfill(body=page, content_type="text/html; charset=utf-8")

            context.route(lambda url: urllib.parse.urlsplit(url).path == "/", with_settings)
        session = Session.open(context)
        query = name if name.startswith("?") else f"?data=data/{name}/"
        session.page.goto(f"{server.url}{query}{fragment}")
        if wait:
            wait_drawn(session.page)
        return session

    yield opener
    for context in contexts:
        context.close()


def db_lists(db: Path, on_map: dict) -> tuple[dict, dict, dict]:
    """recs (rank order) and recommenders of every title, restricted to titles on the map."""
    recs: dict[str, list[str]] = {}
    by: dict[str, set[str]] = {}
    with Store(db, create=False) as store:
        titles = {t["id"]: t for t in store.titles()}
        for source, target, _rank in store.edges():
            if source in on_map and target in on_map:
                recs.setdefault(source, []).append(target)
                by.setdefault(target, set()).add(source)
    return recs, by, titles


def shot(session: Session, name: str) -> Path:
    path = SHOTS / f"{name}.png"
    session.page.screenshot(path=str(path))
    return path


def painted_pixels(session: Session) -> int:
    """Pixels of the map canvas that are not the background colour."""
    import numpy as np
    from PIL import Image

    png = session.page.locator("canvas.map").screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.asarray(BACKGROUND)).max(axis=2) > 24).sum())


def wait_panel(session: Session, tt: str) -> None:
    session.page.wait_for_function(
        "(id) => { const p = document.querySelector('.panel');"
        " return !p.hidden && p.dataset.id === id && !p.querySelector('.muted')"
        " && [...p.querySelectorAll('.pick .t')].every((t) => !/^tt\\d+$/.test(t.textContent)); }",
        arg=tt,
        timeout=10_000,
    )


def first_suggestion(session: Session, expected: str) -> bool:
    """Wait until the first suggestion reads ``expected`` (as text); False if it never does."""
    try:
        session.page.wait_for_function(
            "(want) => { const t = document.querySelector('.suggestion .t');"
            " return t !== null && t.textContent === want; }",
            arg=expected,
            timeout=5000,
        )
    except Exception:  # Playwright's TimeoutError
        return False
    return True


def view(session: Session) -> dict:
    """The camera, the selected id and the URL fragment."""
    state = inspect(session.page)
    selected = state["selection"] and state["selection"]["id"]
    hash_ = session.page.evaluate("location.hash")
    return {**state["view"], "selected": selected, "hash": hash_}


def biggest_title(session: Session) -> dict:
    """The biggest title drawn, with its position in the page."""
    titles = wait_settled(session.page)["titles"]
    top = max(titles, key=lambda t: t["r"])
    canvas = session.page.locator("canvas.map").bounding_box()
    return {**top, "x": top["sx"] + canvas["x"], "y": top["sy"] + canvas["y"]}


# --- the static server ---------------------------------------------------------------------


def test_server_types_queries_gzip_and_data_mount(server) -> None:
    def get(path: str, gz: bool = False):
        request = urllib.request.Request(server.url + path.lstrip("/"))
        if gz:
            request.add_header("Accept-Encoding", "gzip")
        with urllib.request.urlopen(request) as response:
            return response.headers, response.read()

    for path, mime in [
        ("index.html", "text/html"),
        ("js/main.js?v=3", "text/javascript"),
        ("css/style.css", "text/css"),
        ("data/crawl/mapinfo.json?httpAccept=application%2Fjson", "application/json"),
        ("data/crawl/image_2400low.jpg", "image/jpeg"),
        ("favicon.svg", "image/svg+xml"),
    ]:
        headers, body = get(path)
        assert headers["Content-Type"].startswith(mime), path
        assert body
    headers, body = get("data/crawl/mapinfo.json", gz=True)
    assert headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["data-format-version"] == 2
    for bad in ("data/../../etc/passwd", "data/%2e%2e/%2e%2e/etc/passwd", "nope.json"):
        with pytest.raises(urllib.error.HTTPError) as info:
            get(bad)
        info.value.close()
        assert info.value.code == 404


def test_serve_refuses_a_folder_without_index(tmp_path: Path) -> None:
    from exporters.serve import main

    assert main(["--dir", str(tmp_path), "--port", "0"]) == 1


def test_serve_on_a_taken_port_says_so_in_one_line(capsys) -> None:
    """`make serve` with SITE_PORT taken: one line naming SITE_PORT=, no traceback."""
    import socket

    from exporters.serve import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--dir", str(SITE), "--port", str(port), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert f"make serve SITE_PORT={port + 1}" in err


# --- the map --------------------------------------------------------------------------------


def test_map_draws_with_bitmap_and_labels(open_map, maps) -> None:
    s = open_map()
    state = wait_settled(s.page)
    assert any(url.endswith("image_2400low.jpg") for url in s.requests)
    assert any("/quad_" in url for url in s.requests)
    assert not any("/equad_" in url for url in s.requests)  # details only on demand
    # The whole-graph file is there, and the first draw never asks for it (nor its reader).
    assert (maps["root"] / "crawl" / "graph.bin.gz").is_file()
    assert not any("graph.bin" in url or "graphfile.js" in url for url in s.requests)
    assert painted_pixels(s) > 5000
    assert 0 < state["frame"]["quads"] <= state["treeQuads"]
    assert state["frame"]["visible"] > 50 and len(state["titles"]) == state["frame"]["visible"]
    assert state["bitmap"] == "image_2400.jpg"  # the full-size one replaced the small one
    # One time per drawing pass: bitmap, edges, nodes, marks, selection, labels.
    passes = state["frame"]["passMs"]
    assert len(passes) == 6 and all(ms >= 0 for ms in passes)
    assert sum(passes) <= state["frame"]["drawMs"] + 1e-6
    # Drawn in the render worker: the page's canvas was handed over (it has no context here).
    assert state["renderer"] == "worker"
    with pytest.raises(Exception, match=r"transferred|InvalidStateError"):
        s.page.evaluate("() => document.querySelector('canvas.map').getContext('2d')")
    shot(s, "overview")
    s.assert_clean()


def labels_and_titles(s: Session) -> tuple[list[dict], list[dict]]:
    """Labels and titles of one frame, once every label is drawn (they appear over a few)."""
    state = wait_settled(s.page)
    return state["labels"], state["titles"]


def assert_labels_readable(s: Session, labels: list[dict], titles: list[dict]) -> None:
    """Labels never overlap, stay on screen, name drawn titles, the biggest title has one."""
    size = s.page.viewport_size
    boxes = [lab["box"] for lab in labels]
    for k, (x0, y0, x1, y1) in enumerate(boxes):
        assert 0 <= x0 < x1 <= size["width"] and 0 <= y0 < y1 <= size["height"]
        for a0, b0, a1, b1 in boxes[k + 1 :]:
            assert not (x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1), (labels[k], (a0, b0, a1, b1))
    names = {t["name"] for t in titles}
    assert all(lab["text"] in names or lab["text"].endswith("…") for lab in labels)
    canvas = s.page.locator("canvas.map").bounding_box()
    inner = [
        t for t in titles
        if 150 < t["sx"] < canvas["width"] - 150 and 150 < t["sy"] < canvas["height"] - 150
    ]  # fmt: skip
    biggest = max(inner, key=lambda t: t["r"])
    assert biggest["name"] in {lab["text"] for lab in labels}


def test_labels_never_overlap_and_name_the_biggest_titles(open_map) -> None:
    import numpy as np
    from PIL import Image

    s = open_map()
    labels, titles = labels_and_titles(s)
    assert len(labels) >= 20
    assert_labels_readable(s, labels, titles)
    # The text is really painted: light pixels inside a label's box.
    png = s.page.locator("canvas.map").screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    x0, y0, x1, y1 = (round(v) for v in labels[0]["box"])
    assert (pixels[y0:y1, x0:x1] > 170).sum() > 10
    # Zoomed in, labels are placed again for what is on screen, still without overlaps.
    s.page.mouse.move(640, 420)
    for _ in range(4):
        s.page.mouse.wheel(0, -300)
    zoomed, titles = labels_and_titles(s)
    assert len(zoomed) >= 5 and {lab["text"] for lab in zoomed} != {lab["text"] for lab in labels}
    assert_labels_readable(s, zoomed, titles)
    s.assert_clean()


def test_far_quads_leave_memory_and_come_back(open_map) -> None:
    """With room for 16 quads, a tour evicts the first deep quads; going back reloads them."""
    # 3,000 titles in ~120 quads; this map has no bitmaps.
    s = open_map("paired", settings={"max-cached-quads": "16", "use-bitmap": "false"})
    assert inspect(s.page)["treeQuads"] > 60

    def zoom_at(x: int, y: int, steps: int) -> dict:
        s.page.mouse.move(x, y)
        for _ in range(abs(steps)):
            s.page.mouse.wheel(0, -300 if steps > 0 else 300)
        return wait_settled(s.page)

    home = view(s)
    first = set(zoom_at(400, 300, 6)["quads"])
    for x, y in ((900, 600), (300, 650), (1000, 200)):
        zoom_at(640, 420, -6)
        state = zoom_at(x, y, 6)
        assert state["frame"]["quads"] <= max(16, state["frame"]["wanted"]), state["frame"]
    evicted = first - set(state["quads"])
    assert evicted
    # Back to the opening view at once, as a link to it would.
    z = math.log2(home["scale"])
    s.page.evaluate("(hash) => { location.hash = hash; }", f"#x={home['x']}&y={home['y']}&z={z}")
    wait_until(
        s.page,
        "async (scale) => Math.abs((await imdbMap.inspect()).view.scale / scale - 1) < 1e-9",
        home["scale"],
    )
    back = evicted & set(zoom_at(400, 300, 6)["quads"])
    assert back, (evicted, first)
    for path in back:  # fetched again after being dropped
        assert sum(u.endswith(f"/quad_{path}.json") for u in s.requests) >= 2
    s.assert_clean()


def test_page_renderer_fallback_draws_and_picks(open_map) -> None:
    """`?renderer=page` (what browsers without OffscreenCanvas get) draws and hit-tests the same."""
    s = open_map("?data=data/crawl/&renderer=page")
    assert wait_settled(s.page)["renderer"] == "page"
    assert painted_pixels(s) > 5000
    node = biggest_title(s)
    s.page.mouse.click(node["x"], node["y"])
    wait_panel(s, node["id"])
    shot(s, "page-renderer")
    s.assert_clean()


def test_zoom_loads_deeper_quads_and_pan_moves(open_map) -> None:
    s = open_map()
    before = view(s)
    shallow = max(len(path) for path in wait_settled(s.page)["quads"])
    s.page.mouse.move(640, 420)
    for _ in range(5):
        s.page.mouse.wheel(0, -300)
    deep = max(len(path) for path in wait_settled(s.page)["quads"])
    zoomed = view(s)
    assert zoomed["scale"] > before["scale"] * 4
    assert deep > shallow
    s.page.mouse.move(600, 400)
    s.page.mouse.down()
    s.page.mouse.move(400, 300, steps=8)
    s.page.mouse.up()
    panned = view(s)
    assert panned["x"] > zoomed["x"] and panned["y"] > zoomed["y"]
    s.page.keyboard.press("ArrowRight")
    s.page.keyboard.press("+")
    wait_settled(s.page)  # the flights are over and the URL written
    keyed = view(s)
    assert keyed["x"] > panned["x"] and keyed["scale"] > panned["scale"]
    assert "x=" in keyed["hash"]  # replaceState while moving
    shot(s, "zoomed")
    s.assert_clean()


def test_search_partial_query_opens_panel_with_lists_from_the_database(open_map, maps) -> None:
    recs, by, titles = db_lists(maps["db"], maps["on_map"])
    # A title with several words, recommendations and recommenders on the map.
    candidates = [
        tt for tt in recs
        if tt in by and len(titles[tt]["title"].split()) >= 2 and len(recs[tt]) >= 5
    ]  # fmt: skip
    tt = max(candidates, key=lambda t: (titles[t].get("votes") or 0, t))
    title = titles[tt]["title"]
    from exporters.search_index import STOPWORDS, words

    content = [w for w in words(title) if w not in STOPWORDS] or words(title)
    query = " ".join(w[: max(2, len(w) - 2)] for w in content[:2]).upper()
    s = open_map()
    s.page.keyboard.press("-")  # further out than a title's neighbourhood is readable
    s.page.keyboard.press("-")
    wait_settled(s.page)
    before = view(s)
    s.page.keyboard.press("/")
    assert s.page.evaluate("document.activeElement.type") == "search"
    s.page.keyboard.type(query, delay=20)
    s.page.wait_for_selector(f".suggestion[data-id='{tt}']", timeout=5000)
    texts = s.page.locator(".suggestion .t").all_text_contents()
    assert title in texts
    shot(s, "search")
    s.page.locator(f".suggestion[data-id='{tt}']").click()
    wait_panel(s, tt)
    panel = s.page.locator(".panel")
    assert panel.locator(".panel-title").text_content().startswith(title)
    shown_recs = panel.locator(".list-recs .pick").evaluate_all("(b) => b.map((x) => x.dataset.id)")
    assert shown_recs == recs[tt]  # rank order
    shown_by = panel.locator(".list-by .pick").evaluate_all("(b) => b.map((x) => x.dataset.id)")
    assert set(shown_by) <= by[tt] and len(shown_by) == min(len(by[tt]), 30)
    count = panel.locator(".section-by .count").text_content()
    assert count.startswith(str(len(by[tt])))
    # Every entry is titled from the map or the id shards.
    names = panel.locator(".list-recs .pick .t").all_text_contents()
    assert names == [titles[r]["title"] for r in recs[tt]]
    # A sandbox map: its ids are invented, so no "Open on IMDb" (see test_site_layout.py).
    assert panel.locator("a.imdb-link").count() == 0
    assert s.page.evaluate("location.hash").startswith(f"#t={tt}&")
    # The flight zooms in to where the title's neighbourhood is readable and frames it in the
    # part of the map the panel and the legend leave free.
    state = wait_settled(s.page)
    ratio = state["view"]["scale"] / before["scale"]
    assert 1.2 < ratio < 64, ratio
    drawn = {t["id"]: t for t in state["titles"]}
    assert tt in drawn
    stage = s.page.locator("canvas.map").bounding_box()
    area = s.page.evaluate("imdbMap.visibleArea()")
    assert area["right"] <= panel.bounding_box()["x"] - stage["x"] + 1
    assert area["left"] < drawn[tt]["sx"] < area["right"]
    assert area["top"] < drawn[tt]["sy"] < area["bottom"]
    shot(s, "panel")
    s.assert_clean()


def test_enter_picks_the_most_popular_match_and_ids_are_searchable(open_map, maps) -> None:
    s = open_map()
    tt = next(iter(sorted(maps["on_map"])))
    s.page.locator("input[type=search]").fill(tt)
    s.page.wait_for_selector(f".suggestion[data-id='{tt}']", timeout=5000)
    s.page.keyboard.press("Enter")
    wait_panel(s, tt)
    # Suggestions are most voted first.
    s.page.locator("input[type=search]").fill("the")
    # The id's one suggestion stays until the new list replaces it.
    s.page.wait_for_function("() => document.querySelectorAll('.suggestion').length > 1")
    votes = s.page.locator(".suggestion").evaluate_all(
        "(li) => li.map((x) => x.dataset.id)"
    )  # fmt: skip
    _, _, titles = db_lists(maps["db"], maps["on_map"])
    counts = [titles[v].get("votes") or 0 for v in votes]
    assert counts == sorted(counts, reverse=True) and len(counts) > 1
    s.assert_clean()


def test_two_word_search_loads_the_paired_shard_not_the_common_word(open_map) -> None:
    """ "title 1234": "title" is in all 3,000 titles; the second word picks a small shard."""
    from .exporter_fixtures import random_graph, search_matches

    g = random_graph(3000, seed=9)
    s = open_map("paired")
    for query, expected in (("title 1234", "Title 1234 of community"), ("TITLE 29", "Title 29")):
        s.page.locator("input[type=search]").fill(query)
        s.page.wait_for_function(
            "(q) => document.querySelector('.suggestions').dataset.query === q", arg=query
        )
        shown = s.page.locator(".suggestion").evaluate_all("(li) => li.map((x) => x.dataset.id)")
        matches = search_matches(g, query)
        assert shown == [g.ids[i] for i in matches[:12]], query
        first = s.page.locator(".suggestion .t").first.text_content()
        assert first.startswith(expected)
    shards = [u.rsplit("/", 1)[-1] for u in s.requests if "/search/t/" in u]
    pair = "_" + b"title 1".hex()  # keys with a space are hex file names
    assert any(name.startswith(pair) for name in shards), shards
    # A map without overview bitmaps still draws; the missing bitmap is its only error.
    assert painted_pixels(s) > 2000
    assert [f.rsplit("/", 1)[-1] for f in s.failed] == ["image_2400low.jpg HTTP 404"]
    assert all("404" in e for e in s.errors), s.errors


def test_deep_link_back_and_forward(open_map, maps) -> None:
    recs, _, _ = db_lists(maps["db"], maps["on_map"])
    tt = sorted(recs)[len(recs) // 2]
    s = open_map(fragment=f"#t={tt}")
    wait_panel(s, tt)
    wait_settled(s.page)  # the view is in the URL
    first = view(s)
    assert first["selected"] == tt
    link = s.page.evaluate("location.href")
    assert "x=" in link and "z=" in link
    # The same link in a new page reopens the same title and view.
    again = open_map(fragment="#" + link.split("#", 1)[1])
    wait_panel(again, tt)
    reopened = view(again)
    assert reopened["selected"] == tt
    for k in ("x", "y"):
        assert abs(reopened[k] - first[k]) * first["scale"] < 1.0  # under a pixel
    assert abs(reopened["scale"] / first["scale"] - 1) < 0.002
    # Clicking a list entry flies there, pushes a history entry; back and forward work.
    target = recs[tt][0]
    s.page.locator(f".list-recs .pick[data-id='{target}']").click()
    wait_panel(s, target)
    wait_settled(s.page)
    assert view(s)["selected"] == target
    s.page.go_back()
    wait_panel(s, tt)
    back = view(s)
    assert back["selected"] == tt
    s.page.go_forward()
    wait_panel(s, target)
    assert view(s)["selected"] == target
    s.assert_clean()
    again.assert_clean()


def test_hostile_titles_are_literal_text_and_accents_are_ignored(open_map) -> None:
    from playwright.sync_api import expect

    s = open_map("hostile")
    box = s.page.locator("input[type=search]")
    box.fill("onerror")
    s.page.wait_for_selector(".suggestion", timeout=5000)
    assert s.page.locator(".suggestion .t").first.text_content() == HOSTILE
    s.page.keyboard.press("Enter")
    expect(s.page.locator(".panel-title")).to_have_text(re.compile("^" + re.escape(HOSTILE)))
    assert s.page.locator("img").count() == 0 and s.page.locator("script:not([src])").count() == 0
    box.fill("AMELIE")
    s.page.wait_for_selector(".suggestion .t >> text=Amélie", timeout=5000)
    # The previous query's suggestions stay until the new ones arrive: wait for the new first.
    box.fill("tom jer")
    assert first_suggestion(s, "Tom & Jerry &amp; &lt;b&gt; &#9;")
    box.fill("script")
    script = "<script>alert('x')</script>"
    assert first_suggestion(s, script)
    s.page.keyboard.press("Enter")
    expect(s.page.locator(".panel-title")).to_have_text(re.compile("^" + re.escape(script)))
    wait_settled(s.page)
    shot(s, "hostile")
    legend_names = s.page.locator(".legend-item .name").all_text_contents()
    assert any('"<"' in n or '"&"' in n for n in legend_names)  # names are text too
    assert s.dialogs == []
    s.assert_clean()


def test_legend_hides_and_shows_communities(open_map) -> None:
    s = open_map()

    def drawn() -> list[int]:
        return [t["community"] for t in wait_settled(s.page)["titles"]]

    shown = len(drawn())
    boxes = s.page.locator(".legend-item input")
    assert boxes.count() >= 2
    first = boxes.first
    community = int(first.get_attribute("data-community"))
    first.uncheck()
    left = drawn()
    assert community not in left and 0 < len(left) < shown
    s.page.locator(".legend .hide-all").click()
    assert drawn() == []
    shot(s, "legend-hidden")
    s.page.locator(".legend .show-all").click()
    assert len(drawn()) == shown
    s.page.locator(".legend-toggle").click()
    assert s.page.locator(".legend").is_hidden()
    s.assert_clean()


def test_click_hover_and_escape(open_map) -> None:
    s = open_map()
    node = biggest_title(s)
    s.page.mouse.move(node["x"], node["y"])
    s.page.wait_for_selector(".tooltip:not([hidden])")
    assert s.page.locator(".tooltip").text_content().startswith(node["name"])
    s.page.mouse.click(node["x"], node["y"])
    wait_panel(s, node["id"])
    # The neighbours are placed (and highlighted) once the panel's lists are resolved.
    highlighted = wait_until(
        s.page,
        "async () => { const { selection } = await imdbMap.inspect();"
        " return selection && selection.neighbours.filter((n) => n.x !== null).length; }",
    )
    assert highlighted > 0
    shot(s, "selected")
    s.page.keyboard.press("Escape")
    assert s.page.locator(".panel").is_hidden()
    assert "t=" not in s.page.evaluate("location.hash")
    s.page.go_back()
    wait_panel(s, node["id"])
    s.assert_clean()


def test_phone_viewport_touch(open_map, maps) -> None:
    s = open_map(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                 device_scale_factor=2)  # fmt: skip
    wait_settled(s.page)
    assert painted_pixels(s) > 2000
    assert s.page.locator(".legend").is_hidden()  # starts closed on a phone
    cdp = s.page.context.new_cdp_session(s.page)
    canvas = s.page.locator("canvas.map").bounding_box()
    cx, cy = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2

    def touch(kind: str, points: list[tuple[float, float]]) -> None:
        fingers = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": fingers})

    before = view(s)
    touch("touchStart", [(cx, cy)])
    for k in range(1, 9):
        touch("touchMove", [(cx - 12 * k, cy)])
    touch("touchEnd", [])
    panned = view(s)
    assert panned["x"] > before["x"]
    touch("touchStart", [(cx - 40, cy), (cx + 40, cy)])
    for k in range(1, 9):
        touch("touchMove", [(cx - 40 - 12 * k, cy), (cx + 40 + 12 * k, cy)])
    touch("touchEnd", [])
    pinched = view(s)
    assert pinched["scale"] > panned["scale"] * 1.8
    tt = sorted(maps["on_map"])[3]
    s.page.locator("input[type=search]").fill(tt)
    s.page.wait_for_selector(f".suggestion[data-id='{tt}']", timeout=5000)
    s.page.locator(f".suggestion[data-id='{tt}']").tap()
    wait_panel(s, tt)
    wait_settled(s.page)
    panel = s.page.locator(".panel").bounding_box()
    assert panel["width"] <= 390 and panel["y"] > 844 * 0.3  # a bottom sheet
    shot(s, "phone")
    s.assert_clean()


def test_real_csp_and_a_scripted_session_are_clean(browser, server) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        s = Session.open(context)
        s.page.goto(f"{server.url}?data=data/crawl/")
        # wait_until polls inside an evaluate, which the page's CSP does not block.
        assert wait_drawn(s.page)["firstDraw"] is not None
        s.page.mouse.move(500, 350)
        for _ in range(6):
            s.page.mouse.wheel(0, -400)
        s.page.mouse.dblclick(500, 350)
        s.page.keyboard.press("-")
        s.page.keyboard.press("ArrowUp")
        s.page.locator("[data-action=reset]").click()
        s.page.keyboard.press("/")
        s.page.keyboard.type("th")
        s.page.keyboard.press("ArrowDown")
        s.page.keyboard.press("Enter")
        wait_until(
            s.page,
            "() => { const p = document.querySelector('.panel');"
            " return !p.hidden && p.querySelector('.panel-title') !== null"
            " && ![...p.querySelectorAll('.muted')].some((m) => m.textContent === 'Loading…'); }",
        )
        wait_settled(s.page)
        s.assert_clean()
    finally:
        context.close()


def test_settings_are_validated_with_exact_messages(open_map) -> None:
    s = open_map()
    messages = s.page.evaluate(
        """async () => {
          const { validateSettings, DEFAULTS } = await import("./js/settings.js");
          const out = [];
          for (const bad of [{ labelMaxCount: -1 }, { quadMinPixels: "big" }, { zoomStep: 1 },
                             { dataPath: "data" }, { nodeColors: [] }, { colour: "red" }]) {
            try { validateSettings(bad); out.push(null); } catch (e) { out.push(e.message); }
          }
          out.push(validateSettings({}).labelMaxCount === DEFAULTS.labelMaxCount);
          return out;
        }"""
    )
    assert messages[:5] == [
        "invalid `labelMaxCount`: expecting an integer >= 0",
        "invalid `quadMinPixels`: expecting a positive number",
        "invalid `zoomStep`: expecting a number > 1",
        'invalid `dataPath`: expecting a non-empty path ending with "/"',
        "invalid `nodeColors`: expecting a non-empty array of CSS colours",
    ]
    assert messages[5].startswith("unknown setting `colour`: expecting one of dataPath,")
    assert messages[6] is True
    s.assert_clean()
    bad = open_map("?data=https://example.com/evil/", wait=False)
    bad.page.wait_for_selector(".status.error")
    assert "expecting a path on this site" in bad.page.locator(".status").text_content()
