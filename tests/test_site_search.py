"""The viewer's search in a real browser, against the reference ranking over the whole map.

A map of 600 titles (``random_graph``'s graph with film titles: a few well known ones with
their years, the rest made of common words and articles) is written by ``write_tiles`` and
served with the site; every query's suggestions must be the top of
``tests/exporter_fixtures.search_matches`` (stop words, one typo, years and decades), from a
few small shards.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devtools.browser import chromium_missing
from exporters.serve import StaticServer

from .conftest import needs_tool
from .exporter_fixtures import random_graph, search_matches
from .site_helpers import SITE, Session, wait_drawn

pytestmark = needs_tool(chromium_missing())

FILMS = [
    ("The Godfather", 1972, 2_100_000),
    ("The Matrix", 1999, 2_000_000),
    ("Star Wars", 1977, 1_400_000),
    ("The Godfather Part II", 1974, 1_400_000),
    ("Star Wars: Episode V - The Empire Strikes Back", 1980, 1_300_000),
    ("Back to the Future", 1985, 1_300_000),
    ("The Shining", 1980, 1_100_000),
    ("1917", 2019, 700_000),
    ("2001: A Space Odyssey", 1968, 700_000),
    ("The Matrix Reloaded", 2003, 600_000),
    ("Star Trek", 2009, 600_000),
    ("Raging Bull", 1980, 380_000),
    ("Airplane!", 1980, 250_000),
    ("Matrimony", 1988, 1_000),
]
WORDS = ["Night", "River", "Silent", "Empire", "Mother", "Storm", "Garden", "Murder", "Star",
         "Road", "Winter", "Matter", "Shadow", "House", "Game", "Moon"]  # fmt: skip
HEADS = ["The", "A", "", "", "Night of the", "La"]


def film_graph():
    """600 titles: FILMS first, then "<head> <word> <word>" made with a seeded generator."""
    g = random_graph(600, seed=5)
    rng = np.random.default_rng(5)
    titles, years, votes = list(g.titles), list(g.years), list(g.votes)
    for i in range(len(titles)):
        if i < len(FILMS):
            titles[i], years[i], votes[i] = FILMS[i]
            continue
        head, a, b = rng.choice(HEADS), rng.choice(WORDS), rng.choice(WORDS)
        titles[i] = f"{head} {a} {b}".strip()
        votes[i] = min(votes[i], 200_000)
    return dataclasses.replace(g, titles=titles, years=years, votes=votes)


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    from exporters.tiles import write_tiles

    g = film_graph()
    root = tmp_path_factory.mktemp("search-site")
    write_tiles(g, root / "films", search_shard_entries=60)
    with StaticServer(SITE, data_dir=root) as server:
        yield g, server


# Every "No matching title" the list ever shows, with the query it answered.
RECORD_NO_MATCH = """
window.__noMatch = [];
new MutationObserver(() => {
  const list = document.querySelector('.suggestions');
  if (list && list.querySelector('.no-results')) window.__noMatch.push(list.dataset.query);
}).observe(document, { subtree: true, childList: true });
"""


@pytest.fixture
def page_on(browser, films):
    contexts = []

    def opener() -> Session:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        contexts.append(context)
        context.add_init_script(RECORD_NO_MATCH)
        session = Session.open(context)
        session.page.goto(f"{films[1].url}?data=data/films/")
        wait_drawn(session.page)
        return session

    yield opener
    for context in contexts:
        context.close()


def suggestions(s: Session, query: str) -> list[str]:
    box = s.page.locator("input[type=search]")
    box.fill(query)
    s.page.wait_for_function(
        "(q) => document.querySelector('.suggestions').dataset.query === q", arg=query
    )
    return s.page.locator(".suggestion").evaluate_all("(li) => li.map((x) => x.dataset.id)")


def title_shards(s: Session) -> list[str]:
    return [u.split("/search/", 1)[1] for u in s.requests if "/search/" in u and "/id/" not in u]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("the", "The Godfather"),  # a stop word finds the titles that start with it
        ("THE M", "The Matrix"),
        ("matrx", "The Matrix"),  # one typo (a letter left out)
        ("mtarix", "The Matrix"),  # two neighbours swapped, in the first two letters
        ("godfathr part", "The Godfather Part II"),
        ("star wars 1980", "Star Wars: Episode V - The Empire Strikes Back"),
        ("1980", "Star Wars: Episode V - The Empire Strikes Back"),
        ("80s", "Star Wars: Episode V - The Empire Strikes Back"),
        ("1917", "1917"),  # a year word also finds a title that is a year
        ("the 1970s", "The Godfather"),
        ("night of the", None),
        ("shadw", None),
    ],
)
def test_search_forgives_and_matches_the_reference(page_on, films, query, first) -> None:
    g, _ = films
    s = page_on()
    before = len(title_shards(s))
    shown = suggestions(s, query)
    expected = [g.ids[i] for i in search_matches(g, query)[:12]]
    assert shown == expected and shown, query
    if first is not None:
        assert s.page.locator(".suggestion .t").first.text_content() == first
    loaded = title_shards(s)[before:]
    assert 1 <= len(loaded) <= 6, loaded  # a few small shards, never the whole index
    assert s.page.evaluate("window.__noMatch") == []
    s.assert_clean()


def test_no_match_never_shows_while_a_shard_loads(page_on, films) -> None:
    """Typing "the m" key by key while the shard is held back: nothing says "No matching
    title"; once it arrives the list is the reference's."""
    g, _ = films
    s = page_on()
    held, holding = [], [True]

    def hold(route) -> None:
        if holding[0]:
            held.append(route)
        else:
            route.continue_()

    def release() -> None:
        holding[0] = False  # what comes next goes through
        while held:
            held.pop().continue_()

    s.page.route("**/search/t/**", hold)
    box = s.page.locator("input[type=search]")
    box.click()
    s.page.keyboard.type("the m", delay=30)
    s.page.wait_for_function("() => document.querySelector('.suggestions').ariaBusy === 'true'")
    assert held, "the shard was not requested"
    assert s.page.locator(".suggestions .no-results").count() == 0
    release()
    s.page.wait_for_function(
        "() => document.querySelector('.suggestions').dataset.query === 'the m'"
    )
    shown = s.page.locator(".suggestion").evaluate_all("(li) => li.map((x) => x.dataset.id)")
    assert shown == [g.ids[i] for i in search_matches(g, "the m")[:12]]
    # A query that truly matches nothing says so, and only once it has its answer.
    assert suggestions(s, "zzzz qqqq") == []
    assert s.page.locator(".suggestions .no-results").text_content() == "No matching title"
    assert s.page.evaluate("window.__noMatch") == ["zzzz qqqq"]
    # The next query's shard held back: the old answer gives way to "Searching…".
    holding[0] = True
    box.fill("godfathr")
    s.page.wait_for_function("() => document.querySelector('.suggestions').ariaBusy === 'true'")
    assert held and s.page.locator(".suggestions .no-results").count() == 0
    assert s.page.locator(".suggestions .searching").text_content() == "Searching…"
    release()
    s.page.wait_for_function(
        "() => document.querySelector('.suggestions').dataset.query === 'godfathr'"
    )
    assert s.page.locator(".suggestion .t").first.text_content() == "The Godfather"
    assert s.page.evaluate("window.__noMatch") == ["zzzz qqqq"]
    s.assert_clean()
