"""Tonight, the filters and the paths in a real browser (issue #13, sections 3-5).

The map is test_site.py's: a 600-title sandbox crawl exported with ``python -m exporters all``
and served with ``exporters.serve``. The user's titles are put in ``imdbMap.ratings`` directly
(the import is tested with its own UI); what the page lists is checked against the crawl
database and against ``tests/tonight_reference.py``, a numpy implementation of the same
scoring over the exported graph file.
"""

from __future__ import annotations

import re
from itertools import pairwise

import numpy as np
import pytest

from devtools.browser import chromium_missing
from exporters.graphfile import read_graph_bytes
from imdb_spider.store import Store

from . import test_site
from . import tonight_reference as ref
from .conftest import needs_tool
from .site_helpers import inspect, wait_settled, wait_until

pytestmark = needs_tool(chromium_missing())

# test_site.py's fixtures: its crawl's map, the server, the browser, a page opener.
maps, server, browser, open_map = (
    test_site.maps,
    test_site.server,
    test_site.browser,
    test_site.open_map,
)

TIE = 1e-9  # scores this close (relative) may come in either order


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(maps) -> dict:
    """The exported graph file and the database's titles (by id) of the map."""
    graph = read_graph_bytes((maps["root"] / "crawl" / "graph.bin.gz").read_bytes())
    with Store(maps["db"], create=False) as store:
        titles = {t["id"]: t for t in store.titles() if t["id"] in set(graph.ids)}
        edges = {(s, t) for s, t, _r in store.edges()}
    return {"graph": graph, "titles": titles, "edges": edges}


def user_titles(crawl: dict) -> dict[str, tuple[str, float | None]]:
    """A user: liked, disliked, seen and watchlist titles among well-connected ones."""
    g = crawl["graph"]
    degree = sorted(range(len(g.ids)), key=lambda i: (-len(g.neighbours(i)), i))
    ids = [g.ids[i] for i in degree]
    ratings: dict[str, tuple[str, float | None]] = {}
    for k, tt in enumerate(ids[:4]):
        ratings[tt] = ("rated", 10 - k)  # 10, 9, 8, 7: liked, weights 4..1
    ratings[ids[4]] = ("rated", 3)
    ratings[ids[5]] = ("seen", None)
    # On the watchlist: titles the liked ones recommend (so the boost matters).
    first = g.ids.index(ids[0])
    for t in g.neighbours(first)[:2]:
        ratings.setdefault(g.ids[t], ("watchlist", None))
    return ratings


def give_ratings(page, ratings: dict) -> None:
    rows = [[tt, {"kind": k, "rating": r}] for tt, (k, r) in ratings.items()]
    page.evaluate("(rows) => imdbMap.ratings.merge(rows)", rows)


def tonight_state(page) -> dict:
    return inspect(page)["tonight"]


def wait_list(page, filter_key: str = "", timeout: float = 30_000) -> list[dict]:
    """Wait until the Tonight list answers the current ratings and ``filter_key``; returns
    its items [{id, why, text}]."""
    wait_until(
        page,
        """async (key) => {
          const t = (await imdbMap.inspect()).tonight;
          return t.answered && t.answered.filter === key && t.answered.ratings === t.ratingsVersion;
        }""",
        filter_key,
        timeout=timeout,
    )
    return page.evaluate(
        """() => [...document.querySelectorAll('.tonight-list > li')].map((li) => ({
          id: li.dataset.id, why: li.dataset.why ? li.dataset.why.split(' ') : [],
          text: li.textContent }))"""
    )


def open_tonight(page) -> None:
    page.get_by_role("button", name="Tonight", exact=True).click()
    page.get_by_role("heading", name="Tonight").wait_for()


def more_filters(page) -> None:
    """Unfold "More filters" (years, rating, votes, type, genres), folded at first."""
    assert page.get_by_label("Year from", exact=True).is_hidden()
    page.get_by_text("More filters", exact=True).click()
    page.get_by_label("Year from", exact=True).wait_for()


def assert_agrees(listed: list[str], expected: list[tuple[str, float]], count: int = 10) -> None:
    """The first ``count`` listed ids are the reference's, up to ties in its scores."""
    assert listed, "the Tonight list is empty"
    score = dict(expected)
    n = min(count, len(expected))
    assert len(listed) >= n
    for k in range(n):
        want = expected[k][1]
        got = score.get(listed[k])
        assert got is not None, f"#{k + 1} {listed[k]} is not in the reference's list"
        assert abs(got - want) <= TIE * max(want, 1e-300), (k, listed[k], got, expected[k])


def passes(title: dict, f: dict, seen: set[str]) -> bool:
    """Does the database's ``title`` pass filter ``f`` (the site's rules: unknown fails)?"""
    checks = [
        not f.get("runtime") or 0 < (title["runtime_minutes"] or 0) <= f["runtime"],
        not f.get("genres") or bool(set(title["genres"]) & set(f["genres"])),
        not f.get("year_from") or (title["year"] or 0) >= f["year_from"],
        not f.get("year_to") or (title["year"] and title["year"] <= f["year_to"]),
        not f.get("rating")
        or (title["rating"] is not None and round(title["rating"] * 10) >= round(f["rating"] * 10)),
        not f.get("votes") or (title["votes"] or 0) >= f["votes"],
        not f.get("type") or title["title_type"] == f["type"],
        not f.get("unseen") or title["id"] not in seen,
    ]
    return all(bool(c) for c in checks)


def choose(page, label: str, query: str, tt: str) -> None:
    """Type ``query`` in the search field labelled ``label`` and pick suggestion ``tt``."""
    field = page.get_by_label(label, exact=True)
    field.fill(query)
    option = page.locator(f"#{field.get_attribute('aria-controls')} [role=option][data-id='{tt}']")
    option.wait_for()
    option.dispatch_event("mousedown")


def path_items(page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.path-list > li')].map((li) => li.dataset.id)"
    )


# --- the graph file is loaded only when needed ----------------------------------------------


def test_graph_file_waits_for_a_feature_that_needs_it(open_map) -> None:
    s = open_map()
    wait_settled(s.page)
    lazy = ("graph.bin", "graph-worker.js", "tonight-core.js", "graphfile.js")
    assert not [u for u in s.requests if any(name in u for name in lazy)]
    assert tonight_state(s.page)["graphStarted"] is False
    open_tonight(s.page)
    wait_until(s.page, "() => document.querySelector('.tonight').dataset.state === 'ready'")
    assert any("graph.bin.gz" in u for u in s.requests)
    # No ratings, no picks: it says where to start, in words.
    assert "import your ratings" in s.page.locator(".tonight-status").inner_text()
    s.assert_clean()


# --- Tonight --------------------------------------------------------------------------------


def test_tonight_lists_unseen_titles_ranked_like_the_reference(open_map, crawl) -> None:
    s = open_map()
    ratings = user_titles(crawl)
    give_ratings(s.page, ratings)
    open_tonight(s.page)
    items = wait_list(s.page)
    listed = [i["id"] for i in items]
    assert len(listed) == 20
    seen = {tt for tt, (kind, _r) in ratings.items() if kind != "watchlist"}
    assert not seen & set(listed), "a seen or rated title is listed"
    g = crawl["graph"]
    expected = ref.tonight(g, ratings, limit=40)
    assert_agrees(listed, expected, count=20)
    # Watchlist titles are listed (unseen), boosted: they rank as the reference's boosted
    # scores say (assert_agrees), and higher than without the boost.
    watch = [tt for tt, (kind, _r) in ratings.items() if kind == "watchlist"]
    assert set(watch) & set(listed)
    plain = {tt: v for tt, v in ratings.items() if v[0] != "watchlist"}  # no boost
    unboosted = [tt for tt, _s in ref.tonight(g, plain, limit=len(g.ids))]
    best = min(listed.index(tt) for tt in watch if tt in listed)
    assert best <= min(unboosted.index(tt) for tt in watch if tt in unboosted)
    # The why: liked titles only, the first one the biggest (exact) contributor, by name.
    seeds, _seen, _watch = ref.seeds_of(g, ratings)
    liked = {g.ids[i] for i in seeds}
    index = {tt: i for i, tt in enumerate(g.ids)}
    for item in items[:5]:
        assert item["why"] and set(item["why"]) <= liked
        shares = ref.contributions(g, seeds, index[item["id"]])
        best = max(shares.values())
        assert shares[index[item["why"][0]]] >= 0.9 * best
        name = crawl["titles"][item["why"][0]]["title"]
        assert f"because you liked {name}" in item["text"]
    # A click flies to the title and opens its panel.
    s.page.locator(".tonight-list > li").first.get_by_role("button").first.click()
    wait_until(s.page, "async (id) => (await imdbMap.inspect()).selection?.id === id", listed[0])
    wait_until(s.page, "(id) => location.hash.includes(id)", listed[0])
    assert set(re.findall(r"tt\d+", s.page.url)) == {listed[0]}  # none of the user's titles
    s.assert_clean()


def test_picked_titles_start_the_list_without_ratings(open_map, crawl) -> None:
    s = open_map()
    open_tonight(s.page)
    g = crawl["graph"]
    start = max(range(len(g.ids)), key=lambda i: (len(g.neighbours(i)), -i))
    tt = g.ids[start]
    title = crawl["titles"][tt]["title"]
    choose(s.page, "I liked…", title, tt)
    items = wait_list(s.page)
    assert_agrees([i["id"] for i in items], ref.tonight(g, {}, picked=[tt], limit=40))
    assert tt not in [i["id"] for i in items]
    assert all(i["why"] == [tt] for i in items)
    assert s.page.get_by_role("list", name="Titles you picked").get_by_text(title).count() == 1
    s.assert_clean()


FILTERS = [
    ("Max runtime", "100", {"runtime": 100}, "runtime=100"),
    ("Year from", "1990", {"year_from": 1990}, "years=1990-"),
    ("Year to", "2005", {"year_to": 2005}, "years=-2005"),
    ("Minimum rating", "6.5", {"rating": 6.5}, "rating=6.5"),
    ("Minimum votes", "5000", {"votes": 5000}, "votes=5000"),
]


def test_every_filter_is_honoured_checked_against_the_database(open_map, crawl) -> None:
    s = open_map()
    ratings = user_titles(crawl)
    give_ratings(s.page, ratings)
    open_tonight(s.page)
    wait_list(s.page)
    g = crawl["graph"]
    titles = crawl["titles"]
    seen = {tt for tt, (kind, _r) in ratings.items() if kind != "watchlist"}
    page = s.page
    more_filters(page)
    for label, value, f, key in FILTERS:
        page.get_by_label(label, exact=True).fill(value)
        listed = [i["id"] for i in wait_list(page, key)]
        assert listed, f"nothing passes {key}"
        assert all(passes(titles[tt], f, seen) for tt in listed), key
        expected = ref.tonight(
            g, ratings, keep=lambda tt, f=f: passes(titles[tt], f, seen), limit=40
        )
        assert_agrees(listed, expected)
        page.get_by_label(label, exact=True).fill("")
        wait_list(page, "")
    # Title type and genres (any of), then all at once with "Unseen only".
    kinds = sorted({t["title_type"] for t in titles.values() if t["title_type"]})
    page.get_by_label("Title type").select_option(kinds[0])
    listed = [i["id"] for i in wait_list(page, f"type={kinds[0]}")]
    assert listed and all(titles[tt]["title_type"] == kinds[0] for tt in listed)
    page.get_by_label("Title type").select_option("")
    genres = sorted({g for t in titles.values() for g in t["genres"]})[:2]
    for genre in genres:
        page.get_by_role("checkbox", name=genre, exact=True).check()
    listed = [i["id"] for i in wait_list(page, f"genres={','.join(genres)}")]
    assert listed and all(set(titles[tt]["genres"]) & set(genres) for tt in listed)
    page.get_by_label("Max runtime", exact=True).fill("120")
    page.get_by_label("Unseen only").check()
    f = {"runtime": 120, "genres": genres, "unseen": True}
    listed = [i["id"] for i in wait_list(page, f"runtime=120&genres={','.join(genres)}&unseen=1")]
    assert all(passes(titles[tt], f, seen) for tt in listed)
    keep = lambda tt: passes(titles[tt], f, seen)  # noqa: E731
    assert_agrees(listed, ref.tonight(g, ratings, keep=keep, limit=40))
    s.assert_clean()


# --- the filter on the map and in the URL ---------------------------------------------------


def test_filter_survives_reload_and_dims_the_map(open_map, crawl) -> None:
    s = open_map()
    page = s.page
    open_tonight(page)
    page.get_by_label("Max runtime", exact=True).fill("100")
    more_filters(page)
    page.get_by_label("Minimum votes", exact=True).fill("2000")
    wait_until(
        page, "() => location.hash.includes('runtime=100') && location.hash.includes('votes=2000')"
    )
    assert re.search(r"[#&]x=.*&y=.*&z=", page.url)  # the view is still there
    page.reload()
    s.failed[:] = [f for f in s.failed if "ERR_ABORTED" not in f]  # the first page's, cut short
    wait_until(page, "async () => window.imdbMap && (await imdbMap.inspect()).tonight.dim")
    state = wait_settled(page)
    assert state["tonight"]["filter"]["maxRuntime"] == 100
    assert state["tonight"]["filter"]["minVotes"] == 2000
    assert page.get_by_label("Max runtime", exact=True).input_value() == "100"
    # A filter from the URL among "More filters" unfolds them.
    assert page.get_by_label("Minimum votes", exact=True).input_value() == "2000"
    titles = crawl["titles"]
    f = {"runtime": 100, "votes": 2000}
    drawn = state["titles"]
    assert drawn and any(t["dimmed"] for t in drawn) and not all(t["dimmed"] for t in drawn)
    for t in drawn:
        assert t["dimmed"] == (not passes(titles[t["id"]], f, set())), t["id"]
    dim = state["tonight"]["dim"]
    assert dim["passing"] == sum(passes(t, f, set()) for t in titles.values())
    # Clearing the filter un-dims every title and leaves the URL's view alone.
    open_tonight(page)
    page.get_by_role("button", name="Clear filters").click()
    wait_until(page, "() => !location.hash.includes('runtime=')")
    state = wait_until(
        page,
        "async () => { const s = await imdbMap.inspect();"
        " return !s.titles.some((t) => t.dimmed) && s; }",
    )
    assert state["tonight"]["dim"] is None
    s.assert_clean()


def test_a_filter_in_the_url_waits_for_the_first_draw(open_map, crawl) -> None:
    s = open_map(fragment="#runtime=90")
    state = wait_until(
        s.page, "async () => { const s = await imdbMap.inspect(); return s.tonight.dim && s; }"
    )
    assert state["tonight"]["graphStartedAt"] >= state["firstDraw"]
    assert state["tonight"]["dim"]["passing"] == sum(
        passes(t, {"runtime": 90}, set()) for t in crawl["titles"].values()
    )
    s.assert_clean()


def test_malformed_filters_in_the_url_are_ignored(open_map) -> None:
    s = open_map(
        fragment="#runtime=abc&years=x-y&rating=99&votes=-5&genres=%3Cscript%3E&unseen=yes"
    )
    state = wait_settled(s.page)
    f = state["tonight"]["filter"]
    assert f == {"maxRuntime": None, "genres": [], "yearFrom": None, "yearTo": None,
                 "minRating": None, "minVotes": None, "types": [], "unseen": False}  # fmt: skip
    assert state["tonight"]["graphStarted"] is False  # nothing to filter: no graph file
    assert not any(t["dimmed"] for t in state["titles"])
    # Out of range in the form: left out, as in the URL (a number field refuses letters).
    open_tonight(s.page)
    s.page.get_by_label("Max runtime", exact=True).fill("-5")
    more_filters(s.page)
    s.page.get_by_label("Year from", exact=True).fill("99999")
    s.page.get_by_label("Minimum rating", exact=True).fill("11")
    s.page.get_by_label("Minimum votes", exact=True).fill("2.5")
    # The URL is written again after the form's edit: without the bad values, the view kept.
    wait_until(s.page, "() => location.hash.includes('z=') && !location.hash.includes('runtime')")
    assert "years" not in s.page.url and "rating" not in s.page.url
    assert tonight_state(s.page)["filter"]["maxRuntime"] is None
    s.assert_clean()


# --- paths ----------------------------------------------------------------------------------


def far_pair(crawl: dict) -> tuple[str, str, int]:
    """(a, b, distance) with a shortest path a -> b of at least 2 steps."""
    g = crawl["graph"]
    degree = sorted(range(len(g.ids)), key=lambda i: (-len(g.neighbours(i)), i))
    for i in degree[:40]:
        for j in reversed(degree):
            there = ref.distance(g, g.ids[i], g.ids[j])
            if there is not None and there >= 2:
                return g.ids[i], g.ids[j], there
    pytest.skip("no such pair in this crawl")


@pytest.fixture(scope="module")
def one_way(maps) -> tuple[str, str, str, str]:
    """On the "paired" map (test_site.py's random graph, which, unlike the sandbox crawl, has
    titles nothing recommends): (a, title, b, title) with no path a -> b, one b -> a."""
    from .exporter_fixtures import random_graph

    graph = random_graph(3000, seed=9)
    f = read_graph_bytes((maps["root"] / "paired" / "graph.bin.gz").read_bytes())
    assert f.ids == graph.ids
    indegree = np.bincount(f.out_target, minlength=len(f.ids))
    for b in np.flatnonzero(indegree == 0).tolist():
        for a in range(len(f.ids)):
            if a != b and ref.distance(f, f.ids[b], f.ids[a]) is not None:
                assert ref.distance(f, f.ids[a], f.ids[b]) is None
                return f.ids[a], graph.titles[a], f.ids[b], graph.titles[b]
    raise AssertionError("the paired map has no title nothing recommends")


def test_path_is_a_shortest_chain_of_real_edges(open_map, crawl) -> None:
    s = open_map()
    page = s.page
    open_tonight(page)
    a, b, steps = far_pair(crawl)
    titles = crawl["titles"]
    choose(page, "From", titles[a]["title"], a)
    choose(page, "To", titles[b]["title"], b)
    wait_until(page, "() => document.querySelectorAll('.path-list > li').length > 0")
    chain = path_items(page)
    assert chain[0] == a and chain[-1] == b
    assert len(chain) - 1 == steps  # as short as a BFS in Python finds
    assert all((x, y) in crawl["edges"] for x, y in pairwise(chain))
    assert page.get_by_role("heading", name="Path").is_visible()
    items = page.locator(".path-list > li")
    assert titles[chain[1]]["title"] in items.nth(1).inner_text()
    assert "recommends" in items.nth(1).inner_text()
    state = wait_until(
        page, "async () => { const s = await imdbMap.inspect(); return s.path && s; }"
    )
    assert state["path"] == chain  # drawn on the map too
    s.assert_clean()


def test_no_path_says_so_and_offers_the_other_direction(open_map, maps, one_way) -> None:
    s = open_map("paired")
    page = s.page
    open_tonight(page)
    a, a_title, b, b_title = one_way
    choose(page, "From", a, a)  # by id: these titles' words are too common to rank first
    choose(page, "To", b, b)
    other = page.get_by_role("button", name=re.compile("^Show the path from"))
    other.wait_for()
    said = page.locator(".path-status").inner_text()
    assert f"No path from {a_title} to {b_title}" in said
    assert path_items(page) == []
    other.click()
    wait_until(page, "() => document.querySelectorAll('.path-list > li').length > 0")
    chain = path_items(page)
    assert chain[0] == b and chain[-1] == a
    f = read_graph_bytes((maps["root"] / "paired" / "graph.bin.gz").read_bytes())
    assert len(chain) - 1 == ref.distance(f, b, a)
    assert all(f.ids.index(y) in f.neighbours(f.ids.index(x)) for x, y in pairwise(chain))
    assert not s.errors and not s.dialogs
    assert all("image_2400" in failed for failed in s.failed)  # this map has no bitmaps


def test_why_shows_the_path_from_the_liked_title(open_map, crawl) -> None:
    s = open_map()
    give_ratings(s.page, user_titles(crawl))
    open_tonight(s.page)
    items = wait_list(s.page)
    first = items[0]
    s.page.locator(".tonight-list > li").first.get_by_role(
        "button", name="Why is this in my Tonight list?"
    ).click()
    wait_until(s.page, "() => document.querySelectorAll('.path-list > li').length > 0")
    chain = path_items(s.page)
    assert chain[0] == first["why"][0] and chain[-1] == first["id"]
    assert len(chain) - 1 == ref.distance(crawl["graph"], chain[0], chain[-1])
    wait_until(
        s.page, "async () => { const s = await imdbMap.inspect(); return s.path && s.settled; }"
    )
    test_site.SHOTS.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(test_site.SHOTS / "tonight.png"))  # the README's picture
    s.assert_clean()


def test_a_missing_graph_file_is_said_not_crashed(open_map) -> None:
    s = open_map(wait=False)
    s.page.context.route("**/graph.bin.gz", lambda route: route.fulfill(status=404, body="no"))
    s.page.wait_for_function("window.imdbMap && imdbMap.firstDraw !== null")
    open_tonight(s.page)
    status = s.page.locator(".tonight-status")
    wait_until(
        s.page,
        "() => document.querySelector('.tonight-status').textContent.includes('not available')",
    )
    assert "HTTP 404" in status.inner_text()
    assert not s.errors and not s.dialogs


def test_seen_per_community_for_the_legend(open_map, crawl) -> None:
    """``imdbMap.graph.perCommunity(ids)``: what the legend calls to show, per community, how
    much of it the user has seen; unknown ids are left out."""
    s = open_map()
    g = crawl["graph"]
    ids = [*g.ids[::7], "tt9999999999"]
    got = s.page.evaluate(
        "async (ids) => [...(await imdbMap.graph.perCommunity(ids))].sort((a, b) => a[0] - b[0])",
        ids,
    )
    expected: dict[int, int] = {}
    for tt in g.ids[::7]:
        c = int(g.community[g.ids.index(tt)])
        expected[c] = expected.get(c, 0) + 1
    assert got == sorted([c, n] for c, n in expected.items())
    assert len(got) > 1
    # Handed to the ratings panel (mine.js's showCommunitySeen) after each change, once the
    # graph file is in: rated and seen titles count, watchlist ones do not.
    # Listen on the ratings panel's method (a stand-in where there is no panel).
    s.page.evaluate(
        """() => {
          const mine = imdbMap.mine || (imdbMap.mine = {});
          const original = mine.showCommunitySeen;
          mine.showCommunitySeen = function (counts, complete) {
            window.__seen = [[...counts].sort((a, b) => a[0] - b[0]), complete];
            return original && original.call(this, counts, complete);
          };
        }"""
    )
    rows = [
        [tt, {"kind": "seen" if k % 2 else "watchlist", "rating": None}]
        for k, tt in enumerate(g.ids[:40])
    ]
    s.page.evaluate("(rows) => imdbMap.ratings.merge(rows)", rows)
    seen: dict[int, int] = {}
    for k in range(1, 40, 2):  # the "seen" rows
        seen[int(g.community[k])] = seen.get(int(g.community[k]), 0) + 1
    shared = wait_until(s.page, "() => window.__seen")
    assert shared == [sorted([c, n] for c, n in seen.items()), True]
    s.assert_clean()


def test_hostile_titles_stay_text_in_the_list_and_the_path(open_map, maps) -> None:
    """The hostile map (test_site.py: a title that is an <img onerror> tag): picked in "I
    liked…", listed on a path, its text is shown literally and nothing runs."""
    from .exporter_fixtures import hostile_graph

    graph = hostile_graph()
    f = read_graph_bytes((maps["root"] / "hostile" / "graph.bin.gz").read_bytes())
    hostile = graph.ids[graph.titles.index("Toy Story")]
    target = f.ids[f.neighbours(f.ids.index(hostile))[0]]
    s = open_map("hostile")
    page = s.page
    open_tonight(page)
    choose(page, "I liked…", hostile, hostile)
    items = wait_list(page)
    assert items and all(i["why"] == [hostile] for i in items)
    assert all(f"because you liked {test_site.HOSTILE}" in i["text"] for i in items)
    choose(page, "From", hostile, hostile)
    choose(page, "To", target, target)
    wait_until(page, "() => document.querySelectorAll('.path-list > li').length > 0")
    assert path_items(page) == [hostile, target]
    assert test_site.HOSTILE in page.locator(".path-list > li").first.inner_text()
    assert page.locator(".tonight img").count() == 0
    assert not s.dialogs and not s.errors
