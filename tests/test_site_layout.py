"""The map as a newcomer meets it (issue #14), in a real browser: a 390×844 phone with touch and
a 1280×800 desktop (Debian's Chromium driven by Playwright).

* A chosen title and its neighbours are framed in the visible map area (the canvas minus the
  panel, the phone's sheet and the legend) once the panel has its final size.
* Panels are opaque; the legend scrolls at 800 px; any ``data-covers-map`` element joins the
  visible-area computation.
* "5 of 12 on this map" with the missing recommendations greyed; "Show all 38" recommenders.
* A sandbox map shows a "demo data" badge and no IMDb links; a real one keeps them.
* On a phone: no "( / )" key hint, and small titles are round dots.

Reuses test_site.py's session (the sandbox crawl's map, the hostile and the 3,000-title maps)
and writes two more maps under the same served folder: the crawl exported with
``--min-votes`` (titles filtered out become "not on this map", named) and the hostile map with
unnamed and hostile missing recommendations.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys

import numpy as np
import orjson
import pytest

from devtools.browser import chromium_missing

from . import test_site as site
from .conftest import needs_tool
from .site_helpers import ROOT, Session, wait_settled, wait_until
from .test_site import HOSTILE, db_lists, shot, wait_panel

# test_site.py's fixtures, shared: the session's crawl, its maps, the server and the browser.
browser, maps, open_map, server = site.browser, site.maps, site.open_map, site.server

pytestmark = needs_tool(chromium_missing())

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}  # fmt: skip
BACKGROUND = np.asarray((13, 17, 23))


@pytest.fixture(scope="module")
def extra_maps(maps) -> dict:
    """The crawl exported again keeping titles with at least the median votes ("filtered"),
    and the hostile map with missing recommendations ("hostile-missing")."""
    from exporters.tiles import write_tiles
    from imdb_spider.store import Store

    from .exporter_fixtures import hostile_graph

    with Store(maps["db"], create=False) as store:
        votes = sorted(t["votes"] or 0 for t in store.titles())
    filtered = maps["root"] / "filtered"
    export = [
        sys.executable, "-m", "exporters", "all", "--db", str(maps["db"]), "--out", str(filtered),
        "--graph-dir", str(maps["root"].parent / "filtered-graph"), "--formats", "",
        "--no-preview", "--quiet", "--min-votes", str(votes[len(votes) // 2]),
    ]  # fmt: skip
    subprocess.run(export, cwd=ROOT, check=True, capture_output=True, timeout=300)
    graph = hostile_graph()
    hub = graph.titles.index("Hub")
    graph.missing_recs = [[] for _ in graph.ids]
    graph.missing_recs[hub] = [(0, "tt7654321"), (3, "tt7654322")]
    graph.outside_names = {"tt7654322": (HOSTILE, 2001)}
    write_tiles(graph, maps["root"] / "hostile-missing")
    return {"filtered": filtered, "hub": graph.ids[hub]}


def equad_records(folder) -> dict[str, dict]:
    return {
        n["nodeid"]: n
        for path in folder.glob("equad_*.json")
        for n in orjson.loads(path.read_bytes())["nodes"]
    }


# --- framing into the visible map area ------------------------------------------------------


def covers(s: Session) -> list[dict]:
    """The boxes of the panel and the legend where they are shown (page coordinates)."""
    boxes = []
    for selector in (".panel", ".legend"):
        loc = s.page.locator(selector)
        if loc.is_visible():
            boxes.append(loc.bounding_box())
    return boxes


def hidden_points(s: Session) -> tuple[list, int]:
    """The selection's title and placed neighbours that lie outside the canvas or under a
    panel or the legend, once the panel has its final size and nothing moves; and how many
    were checked."""
    state = wait_settled(s.page)
    v, sel = state["view"], state["selection"]
    canvas = s.page.locator("canvas.map").bounding_box()
    boxes = covers(s)
    drawn = {t["id"]: t for t in state["titles"]}
    if sel["id"] not in drawn:
        return [(sel["id"], "not drawn")], 1
    points = [(sel["id"], drawn[sel["id"]]["x"], drawn[sel["id"]]["y"])]
    points += [(n["id"], n["x"], n["y"]) for n in sel["neighbours"] if n["x"] is not None]
    hidden = []
    for tt, x, y in points:
        px = canvas["x"] + (x - v["x"]) * v["scale"] + v["width"] / 2
        py = canvas["y"] + (y - v["y"]) * v["scale"] + v["height"] / 2
        inside = canvas["x"] <= px <= canvas["x"] + canvas["width"] and (
            canvas["y"] <= py <= canvas["y"] + canvas["height"]
        )
        under = [
            b
            for b in boxes
            if b["x"] <= px <= b["x"] + b["width"] and b["y"] <= py <= b["y"] + b["height"]
        ]
        if not inside or under:
            hidden.append((tt, round(px), round(py)))
    return hidden, len(points)


def well_linked(maps) -> str:
    """A title with many recommendations and recommenders on the map (most votes first)."""
    recs, by, titles = db_lists(maps["db"], maps["on_map"])
    candidates = [tt for tt in recs if len(recs[tt]) >= 8 and len(by.get(tt, ())) >= 8]
    return max(candidates, key=lambda t: (titles[t].get("votes") or 0, t))


def search_and_pick(s: Session, tt: str, *, tap: bool = False) -> None:
    s.page.locator("input[type=search]").fill(tt)
    suggestion = s.page.locator(f".suggestion[data-id='{tt}']")
    suggestion.wait_for(timeout=5000)
    suggestion.tap() if tap else suggestion.click()
    wait_panel(s, tt)


def test_phone_frames_the_title_and_its_neighbours_above_the_sheet(open_map, maps) -> None:
    s = open_map(**PHONE)
    wait_settled(s.page)
    tt = well_linked(maps)
    search_and_pick(s, tt, tap=True)
    sheet = s.page.locator(".panel").bounding_box()
    assert sheet["height"] > 844 * 0.4  # the sheet at its final size covers much of the map
    hidden, checked = hidden_points(s)
    assert checked >= 10 and hidden == [], hidden
    shot(s, "layout-phone-selected")
    # A tap on a title low on the map: the sheet opens over it, so the view moves to uncover it.
    s.page.locator(".panel-close").tap()
    s.page.locator("[data-action=reset]").tap()  # the whole map again
    state = wait_settled(s.page)
    canvas = s.page.locator("canvas.map").bounding_box()
    low = [t for t in state["titles"] if canvas["height"] * 0.65 < t["sy"] < canvas["height"] - 20]
    assert low, "no title low on the map to tap"
    target = max(low, key=lambda t: t["r"])
    s.page.touchscreen.tap(canvas["x"] + target["sx"], canvas["y"] + target["sy"])
    wait_panel(s, target["id"])
    hidden, _ = hidden_points(s)
    assert hidden == [], hidden
    s.assert_clean()


def test_desktop_frames_the_selection_clear_of_panel_and_legend(open_map, maps) -> None:
    s = open_map()
    assert s.page.locator(".legend").is_visible()
    state = wait_settled(s.page)
    # The opening view fits the map's busiest part into the area the legend leaves free.
    area = s.page.evaluate("imdbMap.visibleArea()")
    legend = s.page.locator(".legend").bounding_box()
    canvas = s.page.locator("canvas.map").bounding_box()
    assert area["left"] >= legend["x"] + legend["width"] - canvas["x"] or (
        area["bottom"] <= legend["y"] - canvas["y"]
    )
    home = s.page.evaluate("imdbMap.tree.homeBox")
    v = state["view"]
    for wx, wy in ((home[0], home[2]), (home[1], home[3])):
        sx = (wx - v["x"]) * v["scale"] + v["width"] / 2
        sy = (wy - v["y"]) * v["scale"] + v["height"] / 2
        assert area["left"] - 1 <= sx <= area["right"] + 1, (sx, area)
        assert area["top"] - 1 <= sy <= area["bottom"] + 1, (sy, area)
    tt = well_linked(maps)
    search_and_pick(s, tt)
    hidden, checked = hidden_points(s)
    assert checked >= 10 and hidden == [], hidden
    shot(s, "layout-desktop-selected")
    s.assert_clean()


def test_panels_are_opaque_and_any_covering_element_counts(open_map) -> None:
    s = open_map()
    for selector in (".legend", ".zoom button", ".bar"):
        color = s.page.locator(selector).first.evaluate(
            "(e) => getComputedStyle(e).backgroundColor"
        )
        assert color.startswith("rgb(") or color.endswith(", 1)"), (selector, color)
    s.page.locator(".legend-toggle").click()  # legend closed: the whole canvas is free
    wait_until(
        s.page, "() => imdbMap.visibleArea().left === 0 && imdbMap.visibleArea().width > 1200"
    )
    s.page.evaluate(
        """() => { const panel = document.createElement("aside");
        panel.setAttribute("data-covers-map", "");
        panel.style.cssText = "position:absolute;left:0;top:0;bottom:0;width:300px";
        document.querySelector(".stage").append(panel); }"""
    )
    area = wait_until(s.page, "() => imdbMap.visibleArea().left >= 300 && imdbMap.visibleArea()")
    assert area["right"] == 1280
    tt = wait_settled(s.page)["titles"][0]["id"]
    s.page.goto(s.page.url.split("#")[0] + f"#t={tt}")
    wait_panel(s, tt)
    color = s.page.locator(".panel").evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert color.startswith("rgb(") or color.endswith(", 1)"), color


def test_the_legend_scrolls_at_800_px(open_map) -> None:
    s = open_map("paired")  # 3,000 titles in 37 communities, at 1280×800
    body = s.page.locator(".legend-body")
    body.locator(".legend-item").first.wait_for()
    sizes = body.evaluate("(e) => [e.scrollHeight, e.clientHeight]")
    assert sizes[0] > sizes[1] + 50, sizes  # more than it shows
    legend = s.page.locator(".legend").bounding_box()
    inner = body.bounding_box()
    assert inner["y"] + inner["height"] <= legend["y"] + legend["height"] + 1  # not spilling
    # The wheel over the legend scrolls the list, not the map.
    before = wait_settled(s.page)["view"]
    s.page.mouse.move(legend["x"] + legend["width"] / 2, legend["y"] + legend["height"] - 20)
    s.page.mouse.wheel(0, 2000)
    wait_until(s.page, "() => document.querySelector('.legend-body').scrollTop > 0")
    assert wait_settled(s.page)["view"]["scale"] == before["scale"]
    last = body.locator(".legend-item").last
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert (
        legend["y"] <= box["y"] and box["y"] + box["height"] <= legend["y"] + legend["height"] + 1
    )
    # "Show all" / "Hide all" stay in view, above the scrolled list.
    tools = s.page.locator(".legend-tools").bounding_box()
    assert legend["y"] <= tools["y"] and tools["y"] + tools["height"] <= box["y"]
    top = s.page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.legend-tools') !== null",
        [tools["x"] + tools["width"] / 2, tools["y"] + tools["height"] / 2],
    )
    assert top
    assert not s.errors  # (this map has no bitmaps: their 404s are expected)


# --- what the lists leave out ---------------------------------------------------------------


def test_recommends_says_how_many_are_on_this_map_and_greys_the_rest(open_map, extra_maps) -> None:
    records = equad_records(extra_maps["filtered"])
    tt, rec = max(
        ((t, r) for t, r in records.items() if r.get("recsMissing") and r["recs"]),
        key=lambda item: (len(item[1]["recsMissing"]), item[0]),
    )
    s = open_map("filtered", fragment=f"#t={tt}")
    wait_panel(s, tt)
    section = s.page.locator(".panel .section-recs")
    count = section.locator("h3 .count").text_content()
    assert count == f"{len(rec['recs'])} of {rec['recsCount']} on this map"
    assert section.locator(".list-recs .pick").count() == len(rec["recs"])
    missing = section.locator(".list-missing li")
    assert missing.count() == len(rec["recsMissing"])
    texts = missing.all_text_contents()
    for text, entry in zip(texts, rec["recsMissing"], strict=True):
        assert text.startswith(entry.get("name", entry["id"]))
    assert section.locator(".list-missing button, .list-missing a").count() == 0  # not pickable
    grey = missing.first.evaluate("(e) => getComputedStyle(e).color")
    title = s.page.locator(".panel .pick .t").first.evaluate("(e) => getComputedStyle(e).color")
    assert grey != title
    name = section.locator(".missing-heading").text_content()
    assert name == f"Not on this map ({len(rec['recsMissing'])})"
    shot(s, "layout-missing")
    s.assert_clean()


def test_missing_titles_without_a_name_show_their_id_as_text(open_map, extra_maps) -> None:
    hub = extra_maps["hub"]
    s = open_map("hostile-missing", fragment=f"#t={hub}")
    s.page.locator(".list-missing li").first.wait_for()
    texts = s.page.locator(".list-missing li").all_text_contents()
    assert texts == ["tt7654321", f"{HOSTILE} (2001)"]
    assert s.page.locator("img").count() == 0
    count = s.page.locator(".section-recs h3 .count").text_content()
    assert count.endswith("on this map") and " of " in count
    s.assert_clean()


def test_show_all_recommenders(open_map, maps) -> None:
    _, by, _ = db_lists(maps["db"], maps["on_map"])
    tt = max((t for t in by if len(by[t]) > 30), key=lambda t: (len(by[t]), t))
    s = open_map(fragment=f"#t={tt}")
    wait_panel(s, tt)
    section = s.page.locator(".panel .section-by")
    assert section.locator("h3 .count").text_content() == f"{len(by[tt])} (first 30 shown)"
    assert section.locator(".pick").count() == 30
    # A failed load says so and keeps the list; the next try works.
    s.page.route("**/byquad_*.json", lambda route: route.fulfill(status=404, body="no"))
    button = section.locator(".show-all-list")
    button.click()
    s.page.wait_for_function(
        "() => /failed/.test(document.querySelector('.show-all-list').textContent)"
    )
    assert section.locator(".pick").count() == 30
    s.page.unroute("**/byquad_*.json")
    s.failed.clear()  # the 404 above was ours
    s.errors[:] = [e for e in s.errors if "404" not in e]
    button.click()
    section.locator(".show-all-list").wait_for(state="detached")
    wait_panel(s, tt)  # every added entry titled
    ids = section.locator(".pick").evaluate_all("(b) => b.map((x) => x.dataset.id)")
    assert len(ids) == len(by[tt]) and set(ids) == by[tt]
    assert section.locator("h3 .count").text_content() == str(len(by[tt]))
    s.assert_clean()


# --- demo data ------------------------------------------------------------------------------


def test_a_sandbox_map_shows_a_demo_badge_and_no_imdb_links(open_map, maps) -> None:
    from imdb_spider.store import Store

    with Store(maps["db"], create=False) as store:
        assert store.run_hosts() == ["127.0.0.1"]  # the crawl recorded the sandbox's host
    s = open_map()
    badge = s.page.locator(".demo-badge")
    assert badge.is_visible() and badge.text_content() == "demo data"
    tt = sorted(maps["on_map"])[5]
    s.page.goto(s.page.url.split("#")[0] + f"#t={tt}")
    wait_panel(s, tt)
    assert s.page.locator(".panel a").count() == 0  # the ids are invented
    # A map that is not a demo keeps its links and has no badge.
    real = open_map("hostile")
    real.page.locator("input[type=search]").fill("Hub")
    real.page.wait_for_selector(".suggestion", timeout=5000)
    real.page.keyboard.press("Enter")
    real.page.wait_for_selector(".panel a.imdb-link", timeout=5000)
    assert real.page.locator(".demo-badge").count() == 0
    s.assert_clean()
    real.assert_clean()


# --- phones ---------------------------------------------------------------------------------


def test_phone_placeholder_has_no_key_hint(open_map) -> None:
    phone = open_map(**PHONE)
    assert phone.page.locator("input[type=search]").get_attribute("placeholder") == (
        "Search a title or tt id"
    )
    desktop = open_map()
    assert "( / )" in desktop.page.locator("input[type=search]").get_attribute("placeholder")


HEADER_BOXES = """() => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width};
  };
  const bar = document.querySelector("header.bar");
  return {width: innerWidth, search: box(bar.querySelector("input[type=search]")),
          controls: [...bar.querySelectorAll("button, .brand, .demo-badge")].map(box)};
}"""


def test_the_phone_bar_fits_its_buttons_and_a_wide_search_box(open_map) -> None:
    """Three buttons, the brand and the search box in one row of 390 px crushed the search box
    to a few pixels and pushed "Tonight" off the screen: on a phone the search box gets its
    own row."""
    s = open_map(**PHONE)
    got = s.page.evaluate(HEADER_BOXES)
    assert got["search"]["width"] >= 0.8 * got["width"], got["search"]
    for control in got["controls"]:
        assert control["left"] >= 0 and control["right"] <= got["width"], (control, got["width"])
    s.assert_clean()


def test_small_titles_are_round_dots_on_a_phone(open_map) -> None:
    from PIL import Image

    # Every title small (what a big map's obscure titles are), on a phone's dense screen.
    s = open_map(settings={"node-max-radius": "1.9"}, **PHONE)
    state = wait_settled(s.page)
    titles = state["titles"]
    labels = [label["box"] for label in state["labels"]]

    def isolated(t: dict) -> bool:
        reach = t["r"] + 2  # no other title's disc reaches the corners looked at
        return 1.4 <= t["r"] < 2.2 and not any(
            o is not t and math.hypot(o["sx"] - t["sx"], o["sy"] - t["sy"]) < reach + o["r"]
            for o in titles
        )

    def labelled(x: float, y: float) -> bool:
        return any(b[0] - 1 <= x <= b[2] + 1 and b[1] - 1 <= y <= b[3] + 1 for b in labels)

    small = [t for t in titles if isolated(t)]
    assert len(small) >= 5, f"only {len(small)} small isolated titles to look at"
    png = s.page.locator("canvas.map").screenshot()  # device pixels: 2 per CSS pixel
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    round_ = looked = 0
    for t in small:
        # Corners well inside a square of half-side 0.89 r, on a disc's outline (the
        # background colour, 1 px wide, on its edge at r).
        corners = [
            (t["sx"] + dx * 0.6 * t["r"], t["sy"] + dy * 0.6 * t["r"])
            for dx in (-1, 1)
            for dy in (-1, 1)
        ]
        corners = [(x, y) for x, y in corners if not labelled(x, y)]
        if len(corners) < 2:
            continue
        looked += 1
        centre = pixels[int(2 * t["sy"]), int(2 * t["sx"])]
        filled = sum(
            int(np.abs(pixels[int(2 * y), int(2 * x)] - centre).max()) < 40 for x, y in corners
        )
        round_ += filled <= len(corners) // 4
    assert looked >= 5, f"only {looked} small titles clear of labels"
    assert round_ >= 0.8 * looked, f"{round_} of {looked} small titles are round"
    s.assert_clean()


# --- malformed data -------------------------------------------------------------------------


def test_malformed_list_data_is_ignored_not_shown(open_map) -> None:
    """What a broken or hostile map folder could put in a record or mapinfo: junk entries are
    left out, text stays text, and only ``"demo": true`` makes a demo map."""
    s = open_map("hostile")
    result = s.page.evaluate(
        """async (hostile) => {
        const lists = await import("/js/panel-lists.js");
        const hints = await import("/js/hints.js");
        const junk = [null, 7, "tt1", {}, {id: ""}, {id: 5}, {id: "tt2", name: hostile, year: "x"},
                      {id: "tt3", name: 12}];
        const section = lists.missingSection(junk);
        return {
          counts: [lists.recsCount(3, null, "nope"), lists.recsCount(3, 2, null),
                   lists.recsCount(3, null, junk), lists.recsCount(3, 9.5, [])],
          texts: section.length ? [...section[1].children].map((li) => li.textContent) : null,
          imgs: section.length ? section[1].querySelectorAll("img").length : null,
          none: lists.missingSection("nope").length,
          demo: [hints.isDemoMap({demo: true}), hints.isDemoMap({demo: "yes"}),
                 hints.isDemoMap({demo: 1}), hints.isDemoMap(null)],
          more: lists.showAllButton(null, 30, 30, async () => ({}), () => {}) === null
            && lists.showAllButton(null, 30, 40, null, () => {}) === null,
        };
      }""",
        HOSTILE,
    )
    assert result["counts"] == ["3", "3", "3 of 5 on this map", "3"]
    assert result["texts"] == [HOSTILE, "tt3"] and result["imgs"] == 0
    assert result["none"] == 0
    assert result["demo"] == [True, False, False, False]
    assert result["more"] is True
    s.assert_clean()


def test_my_ratings_and_tonight_open_one_at_a_time(open_map) -> None:
    """Both open over the map's left side: the second used to cover the first."""
    s = open_map()
    page = s.page
    page.get_by_role("button", name="My ratings", exact=True).click()
    mine = page.locator("#mine")
    tonight = page.locator("#tonight")
    assert mine.is_visible()
    page.get_by_role("button", name="Tonight", exact=True).click()
    page.get_by_role("heading", name="Tonight").wait_for()
    assert tonight.is_visible() and not mine.is_visible()
    assert (
        page.get_by_role("button", name="Tonight", exact=True).get_attribute("aria-expanded")
        == "true"
    )
    page.get_by_role("button", name="My ratings", exact=True).click()
    assert mine.is_visible() and not tonight.is_visible()
    assert (
        page.get_by_role("button", name="Tonight", exact=True).get_attribute("aria-expanded")
        == "false"
    )
    s.assert_clean()
