# ruff: noqa: F811  (the map fixtures are test_site's, imported, then named as arguments)
"""Your ratings on the map (issue #13, sections 1 and 2) in a real browser.

Ratings exports in IMDb's and Letterboxd's real formats are written here from the crawl
database of ``tests/test_site.py``'s map, imported through the "Import ratings" file input (or
dropped on the page), and checked: the summary's counts, the marks drawn, the title panel's
line, the legend's key, persistence across a reload, "Forget my ratings", and every kind of
malformed file. The CSV reader is checked in the page against Python's ``csv`` module.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from devtools.browser import chromium_missing
from imdb_spider.store import Store

from .conftest import needs_tool
from .site_helpers import Session, inspect, wait_settled, wait_until
from .test_site import browser, maps, open_map, server  # noqa: F401  (fixtures)

pytestmark = needs_tool(chromium_missing())

IMDB_HEADER = [
    "Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL", "Title Type",
    "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date", "Directors",
]  # fmt: skip
LETTERBOXD_HEADER = ["Date", "Name", "Year", "Letterboxd URI"]
STORAGE_KEY = "imdb-map.my-ratings.v1"


# --- writing exports ------------------------------------------------------------------------


def on_map_titles(maps: dict) -> list[dict]:
    """The crawled titles that are on the map, most voted first."""
    with Store(maps["db"], create=False) as store:
        titles = [t for t in store.titles() if t["id"] in maps["on_map"]]
    return sorted(titles, key=lambda t: (-(t["votes"] or 0), t["id"]))


def csv_bytes(
    header: list[str], rows: list[list], *, bom: bool = False, crlf: bool = True
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def imdb_row(title: dict, rating: int | str | None, header: list[str] = IMDB_HEADER) -> list:
    values = {
        "Const": title["id"], "Your Rating": "" if rating is None else rating,
        "Date Rated": "2024-05-01", "Title": title["title"], "Original Title": title["title"],
        "URL": f"https://www.imdb.com/title/{title['id']}/", "Title Type": "Movie",
        "IMDb Rating": title["rating"] or "", "Runtime (mins)": title["runtime_minutes"] or "",
        "Year": title["year"] or "", "Genres": ", ".join(title.get("genres") or []),
        "Num Votes": title["votes"] or "", "Release Date": "", "Directors": "A, B",
    }  # fmt: skip
    return [values[c] for c in header]


def fake_title(n: int, name: str = "Nowhere Film") -> dict:
    """A title the map does not have."""
    return {"id": f"tt99{n:07d}", "title": name, "year": 2001, "rating": 6.1, "votes": 10,
            "runtime_minutes": 90, "genres": ["Drama"]}  # fmt: skip


def letterboxd_row(title: dict, stars: float | None, year_shift: int = 0) -> list:
    row = [
        "2024-05-01",
        title["title"],
        (title["year"] or 0) + year_shift or "",
        "https://boxd.it/x",
    ]
    return row if stars is None else [*row, stars]


# --- driving the page -----------------------------------------------------------------------


def import_file(s: Session, name: str, data: bytes, mime: str = "text/csv") -> str:
    """Import a file through the labelled input; returns the summary once the import is done."""
    page = s.page
    if page.locator("#mine").is_hidden():
        page.get_by_role("button", name=re.compile("^My ratings")).click()
    before = page.evaluate("() => Number(document.querySelector('#mine').dataset.imports || 0)")
    page.get_by_label("Import ratings").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    wait_until(
        page,
        "(n) => Number(document.querySelector('#mine').dataset.imports || 0) > n",
        before,
        timeout=60_000,
    )
    return page.locator(".mine-summary").text_content()


def ratings_state(s: Session) -> dict:
    return inspect(s.page)["ratings"]


def marks_at(s: Session, title_id: str) -> str | None:
    """Select a title (its quad loads), wait until drawn, and return its mark."""
    s.page.evaluate("(id) => imdbMap.select(id, {fly: true, push: false, instant: true})", title_id)
    state = wait_until(
        s.page,
        "async (id) => { const st = await imdbMap.inspect();"
        " return st.settled && st.titles.some((t) => t.id === id) && st; }",
        title_id,
    )
    return next(t["mark"] for t in state["titles"] if t["id"] == title_id)


def panel_line(s: Session, title_id: str) -> str | None:
    s.page.wait_for_function(
        "(id) => { const p = document.querySelector('.panel');"
        " return !p.hidden && p.dataset.id === id && !p.querySelector('.muted'); }",
        arg=title_id,
    )
    line = s.page.locator(".panel .yours")
    return line.text_content() if line.count() else None


def stored(s: Session):
    return s.page.evaluate("(key) => localStorage.getItem(key)", STORAGE_KEY)


# --- the CSV reader, in the page, against Python's csv ----------------------------------------

CSV_CASES = [
    'a,b,c\r\n1,"two, with comma",3\r\n',
    'a,b\n"line\nbreak","say ""hi"""\n',
    "a,b\n,\n\n1,2",
    '"only"',
    "x\r\ny\r\n",
    'a,"b\r\nc",d\r\ne,f,g',
]


def test_csv_reader_matches_python_csv_and_reads_formats(open_map) -> None:
    s = open_map()
    got = s.page.evaluate(
        """async (cases) => {
          const m = await import('/js/ratings-import.js');
          const fmt = (h, name) => { try { const f = m.detectFormat(h, name);
            return [f.name, f.kind]; } catch (e) { return ['error', e.message]; } };
          const imdb = m.detectFormat(['Year', 'Title', 'Your Rating', 'Const', 'Title Type']);
          const lb = m.detectFormat(['Date', 'Name', 'Year', 'Letterboxd URI', 'Rating']);
          return {
            rows: cases.map((c) => m.readCsv(c)),
            bom: m.readCsv('\\uFEFFConst,Title\\r\\ntt1,A'),
            empty: m.readCsv(''),
            formats: [
              fmt(['Const', 'Your Rating', 'Title', 'Title Type', 'Year']),
              fmt(['Position', 'Const', 'Title', 'Title Type', 'Year', 'Your Rating']),
              fmt(['Const', 'Title', 'Title Type', 'Year']),
              fmt(['Date', 'Name', 'Year', 'Letterboxd URI', 'Rating']),
              fmt(['Date', 'Name', 'Year', 'Letterboxd URI']),
              fmt(['Date', 'Name', 'Year', 'Letterboxd URI'], 'watchlist.csv'),
              fmt(['id', 'name', 'price']),
            ],
            records: [
              m.parseRecord(imdb, ['1999', 'A', '8', 'tt0000001', 'movie']),
              m.parseRecord(imdb, ['1999', 'A', '11', 'tt0000001', 'movie']),
              m.parseRecord(imdb, ['1999', 'A', '', 'tt0000001', 'movie']),
              m.parseRecord(imdb, ['1999', 'A', '7', 'nm0000001', 'movie']),
              m.parseRecord(imdb, ['1999', 'A']),
              m.parseRecord(imdb, ['1999', 'A', '10.0', 'tt0000001', 'movie']).rating,
              m.parseRecord(lb, ['2024-01-01', 'Heat', '1995', 'u', '3.5']),
              m.parseRecord(lb, ['2024-01-01', 'Heat', '1995', 'u', '3.3']),
              m.parseRecord(lb, ['2024-01-01', '!!', '1995', 'u', '3']),
              m.parseRecord(lb, ['2024-01-01', 'Heat', 'soon', 'u', '3']),
            ],
          };
        }""",
        CSV_CASES,
    )
    for case, rows in zip(CSV_CASES, got["rows"], strict=True):
        assert rows == list(csv.reader(io.StringIO(case, newline=""))), case
    assert got["bom"] == [["Const", "Title"], ["tt1", "A"]]
    assert got["empty"] == []
    assert got["formats"][:6] == [
        ["IMDb ratings", "rated"],
        ["IMDb list", "watchlist"],
        ["IMDb list", "watchlist"],
        ["Letterboxd ratings", "rated"],
        ["Letterboxd watched", "seen"],
        ["Letterboxd watchlist", "watchlist"],
    ]
    assert got["formats"][6][0] == "error" and "“id, name, price”" in got["formats"][6][1]
    assert "expected IMDb's ratings.csv" in got["formats"][6][1]
    records = got["records"]
    assert records[0] == {
        "id": "tt0000001",
        "title": "A",
        "year": 1999,
        "kind": "rated",
        "rating": 8,
    }
    assert records[1:6] == [
        "rating “11” is not 1–10",
        "no rating",
        "Const “nm0000001” is not an IMDb id",
        "2 fields, expected 5",
        10,
    ]
    assert records[6]["rating"] == 7 and records[6]["id"] is None
    assert records[7:] == [
        "rating “3.3” is not 0.5–5 stars",
        "no name",
        "year “soon” is not a year",
    ]
    s.assert_clean()


# --- imports ----------------------------------------------------------------------------------


def test_imdb_ratings_marks_panel_reload_and_forget(open_map, maps) -> None:
    titles = on_map_titles(maps)[:40]
    ratings = {t["id"]: 3 + (i % 8) for i, t in enumerate(titles)}  # 3..10: high and low
    rows = [imdb_row(t, ratings[t["id"]]) for t in titles]
    rows += [imdb_row(fake_title(n, 'A "quoted", title\nover two lines'), 9) for n in range(5)]
    rows.insert(16, imdb_row(fake_title(99), None))  # row 18: no rating
    s = open_map()
    wait_settled(s.page)
    assert not any("ratings-import.js" in url for url in s.requests)  # loaded on import only
    summary = import_file(s, "ratings.csv", csv_bytes(IMDB_HEADER, rows, bom=True))
    assert summary == (
        "IMDb ratings: 46 rows read, 40 matched, 5 not on this map, "
        "1 skipped as malformed: row 18: no rating"
    )
    high = sum(r >= 7 for r in ratings.values())
    assert ratings_state(s) == {"rated": 40, "seen": 0, "watchlist": 0, "liked": high}
    # The legend's key counts each kind; its first lines are the marks.
    key = s.page.locator(".mine-key")
    assert key.is_visible()
    assert key.locator(".mark-high .size").text_content() == str(high)
    assert key.locator(".mark-low .size").text_content() == str(40 - high)
    # Marks on the map: every drawn title of ours carries its mark, nobody else's does.
    top = titles[0]["id"]
    assert marks_at(s, top) == ("high" if ratings[top] >= 7 else "low")
    state = wait_settled(s.page)
    for t in state["titles"]:
        want = None if t["id"] not in ratings else ("high" if ratings[t["id"]] >= 7 else "low")
        assert t["mark"] == want, t
    assert panel_line(s, top) == f"Your rating: {ratings[top]}/10"
    # The legend says per community how many we have seen (of the quads loaded so far).
    seen = wait_until(
        s.page,
        "() => [...document.querySelectorAll('.legend-item .seen')]"
        ".map((e) => Number(e.textContent.split(' ')[0]))",
    )
    drawn_ours = {t["id"]: t["community"] for t in state["titles"] if t["id"] in ratings}
    assert sum(seen) >= len(drawn_ours) > 0
    # Kept across a reload; never in the URL.
    assert top in json.dumps(json.loads(stored(s)))
    assert "tt" not in s.page.evaluate("location.hash").replace(top, "")
    s.page.reload()
    wait_until(s.page, "() => window.imdbMap")
    assert ratings_state(s)["rated"] == 40
    assert marks_at(s, top) in {"high", "low"}
    assert panel_line(s, top) == f"Your rating: {ratings[top]}/10"
    # Forget: nothing left, and a reload shows none.
    s.page.get_by_role("button", name=re.compile("^My ratings")).click()
    s.page.get_by_role("button", name="Forget my ratings").click()
    assert ratings_state(s)["rated"] == 0
    assert stored(s) is None
    s.page.reload()
    wait_until(s.page, "() => window.imdbMap")
    assert ratings_state(s) == {"rated": 0, "seen": 0, "watchlist": 0, "liked": 0}
    assert marks_at(s, top) is None
    assert panel_line(s, top) is None
    assert s.page.locator(".mine-key").is_hidden()
    assert s.page.locator(".legend-item .seen").count() == 0
    s.assert_clean()


def test_imdb_watchlist_old_header_any_order_and_drop(open_map, maps) -> None:
    titles = on_map_titles(maps)[40:60]
    header = [c for c in IMDB_HEADER if c not in ("Your Rating", "Original Title")][::-1]
    data = csv_bytes(header, [imdb_row(t, None, header) for t in titles], crlf=False)
    s = open_map()
    summary = import_file(s, "WATCHLIST.csv", data)
    assert summary == "IMDb list: 20 rows read, 20 matched, 0 not on this map."
    assert ratings_state(s) == {"rated": 0, "seen": 0, "watchlist": 20, "liked": 0}
    assert marks_at(s, titles[0]["id"]) == "watchlist"
    assert panel_line(s, titles[0]["id"]) == "On your watchlist"
    # A rating of an older export (no Original Title), columns shuffled, dropped on the page:
    # the title is now rated, which beats the watchlist.
    header = [c for c in IMDB_HEADER if c != "Original Title"][::-1]
    dropped = csv_bytes(header, [imdb_row(titles[0], 4, header)]).decode()
    s.page.evaluate(
        """(text) => { const dt = new DataTransfer();
          dt.items.add(new File([text], 'ratings.csv', {type: 'text/csv'}));
          window.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, cancelable: true})); }""",
        dropped,
    )
    wait_until(s.page, "() => document.querySelector('#mine').dataset.imports === '2'")
    assert "1 matched" in s.page.locator(".mine-summary").text_content()
    assert ratings_state(s) == {"rated": 1, "seen": 0, "watchlist": 19, "liked": 0}
    assert marks_at(s, titles[0]["id"]) == "low"
    assert panel_line(s, titles[0]["id"]) == "Your rating: 4/10"
    # Complete counts per community from elsewhere (the graph file) replace the tiles' partial
    # ones, and the "loaded so far" note goes.
    communities = s.page.evaluate(
        "() => [...document.querySelectorAll('.legend-item input')].map((b) => b.dataset.community)"
    )
    s.page.evaluate(
        "(c) => imdbMap.mine.showCommunitySeen(new Map([[Number(c), 1234]]))", communities[-1]
    )
    seen = s.page.locator(".legend-item .seen")
    assert seen.all_text_contents() == ["1,234 seen"]
    assert s.page.locator(".mine-key-note").is_hidden()
    s.assert_clean()


def unique_names(maps: dict) -> list[dict]:
    """On-map titles whose normalised name and year ±1 match no other on-map title."""
    titles = on_map_titles(maps)
    key = lambda t: " ".join(re.findall(r"[^\W_]+", t["title"].lower()))  # noqa: E731
    by_name: dict[str, list[dict]] = {}
    for t in titles:
        by_name.setdefault(key(t), []).append(t)
    return [t for t in titles if len(by_name[key(t)]) == 1 and t["year"]]


def test_letterboxd_ratings_and_watched_by_name_and_year(open_map, maps) -> None:
    titles = unique_names(maps)[:30]
    assert len(titles) == 30
    rated = titles[:20]
    stars = {t["id"]: 0.5 + (i % 10) * 0.5 for i, t in enumerate(rated)}
    rows = [letterboxd_row(t, stars[t["id"]], year_shift=(i % 3) - 1) for i, t in enumerate(rated)]
    rows.append(["2024-05-01", "No Such Film Anywhere", 1990, "https://boxd.it/y", 4])
    rows.append(["2024-05-01", "<script>alert(1)</script>", 2000, "https://boxd.it/z", 5])
    rows.append(["2024-05-01", rated[0]["title"], rated[0]["year"] + 5, "https://boxd.it/w", 3])
    s = open_map()
    summary = import_file(s, "ratings.csv", csv_bytes([*LETTERBOXD_HEADER, "Rating"], rows))
    assert summary == "Letterboxd ratings: 23 rows read, 20 matched, 3 not on this map."
    missing = s.page.locator(".mine-missing li").all_text_contents()
    assert sorted(missing) == sorted(
        [
            "No Such Film Anywhere (1990)",
            "<script>alert(1)</script> (2000)",
            f"{rated[0]['title']} ({rated[0]['year'] + 5})",
        ]
    )
    assert s.page.locator(".mine script").count() == 0
    high = sum(v * 2 >= 7 for v in stars.values())
    assert ratings_state(s) == {"rated": 20, "seen": 0, "watchlist": 0, "liked": high}
    first = rated[1]["id"]
    assert marks_at(s, first) == ("high" if stars[first] * 2 >= 7 else "low")
    assert panel_line(s, first) == f"Your rating: {round(stars[first] * 2)}/10"
    watched = [letterboxd_row(t, None) for t in titles[15:30]]
    summary = import_file(s, "watched.csv", csv_bytes(LETTERBOXD_HEADER, watched))
    assert summary == "Letterboxd watched: 15 rows read, 15 matched, 0 not on this map."
    # Rated titles stay rated; the 10 others are seen.
    assert ratings_state(s) == {"rated": 20, "seen": 10, "watchlist": 0, "liked": high}
    assert marks_at(s, titles[29]["id"]) == "seen"
    assert panel_line(s, titles[29]["id"]) == "Seen"
    s.assert_clean()


@pytest.fixture(scope="session")
def twins(maps) -> dict:
    """A small map (served as /data/twins/) where "Leaf A", "Leaf B" and "Leaf C" are all
    called "Twin Film", from three consecutive years."""
    from exporters.tiles import write_tiles

    from .exporter_fixtures import hostile_graph

    graph = hostile_graph()
    picked = [graph.titles.index(name) for name in ("Leaf A", "Leaf B", "Leaf C")]
    for k, i in enumerate(picked):
        graph.titles[i] = "Twin Film"
        graph.years[i] = 1990 + k
    years = [graph.years[i] for i in picked]
    write_tiles(graph, maps["root"] / "twins")
    return {"ids": [graph.ids[i] for i in picked], "years": years}


def test_same_name_titles_are_listed_not_guessed(open_map, twins) -> None:
    (a, b, c), (ya, yb, yc) = twins["ids"], twins["years"]
    rows = [
        ["2024-05-01", "Twin Film", ya - 1, "https://boxd.it/1", 4],  # only A is within a year
        ["2024-05-01", "twin  FILM", yc, "https://boxd.it/2", 2],  # B and C; C is that year
        ["2024-05-01", "Twin Film", yb + 10, "https://boxd.it/3", 2],  # none
        ["2024-05-01", "Twin Film", "", "https://boxd.it/4", 1],  # no year: all three
    ]
    rows.append(["2024-05-01", "Twin Film", yb, "https://boxd.it/5", 5])  # A, B, C; B exactly
    s = open_map("twins")
    summary = import_file(s, "ratings.csv", csv_bytes([*LETTERBOXD_HEADER, "Rating"], rows))
    assert summary == "Letterboxd ratings: 5 rows read, 3 matched, 1 not on this map, 1 ambiguous."
    ambiguous = s.page.locator(".mine-ambiguous li").all_text_contents()
    assert len(ambiguous) == 1
    assert ambiguous[0].startswith("Twin Film: ") and all(i in ambiguous[0] for i in (a, b, c))
    assert s.page.locator(".mine-missing li").all_text_contents() == [f"Twin Film ({yb + 10})"]
    assert s.page.evaluate(
        "(ids) => ids.map((id) => imdbMap.ratings.get(id)?.rating ?? null)", [a, b, c]
    ) == [8, 10, 4]
    s.assert_clean()


# --- bad input --------------------------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_wrong_empty_and_hostile_files_are_refused_clearly(open_map, maps) -> None:
    s = open_map()
    cases = [
        ("empty.csv", b"", "The file is empty: expected IMDb's ratings.csv"),
        ("bom-only.csv", b"\xef\xbb\xbf\r\n", "The file is empty"),
        ("poster.png", PNG, "This file is not text (an image?): expected IMDb's ratings.csv"),
        ("sales.csv", b"id,name,price\n1,pen,2\n",
         "Not a ratings export (its first columns are “id, name, price”)"),
        ("<b>x</b>.csv", b"<script>alert(1)</script>,b\n1,2\n",
         "Not a ratings export (its first columns are “<script>alert(1)</script>, b”)"),
    ]  # fmt: skip
    for name, data, message in cases:
        summary = import_file(
            s, name, data, mime="image/png" if name.endswith("png") else "text/csv"
        )
        assert summary.startswith(message), (name, summary)
        assert s.page.locator(".mine-summary.error").count() == 1
    assert s.page.locator(".mine script, .mine b").count() == 0
    # Only a header: nothing read, nothing lost.
    assert import_file(s, "ratings.csv", csv_bytes(IMDB_HEADER, [])).startswith(
        "IMDb ratings: 0 rows read, 0 matched"
    )
    # An unclosed quote swallows the rest of the file: one malformed row, said so.
    title = on_map_titles(maps)[0]
    data = csv_bytes(IMDB_HEADER, [imdb_row(title, 8)]) + b'tt0000001,7,2024,"Never closed,\r\n'
    summary = import_file(s, "ratings.csv", data)
    assert summary.endswith(
        "1 matched, 0 not on this map, 1 skipped as malformed: "
        "row 3: a quoted field is never closed"
    )
    assert ratings_state(s)["rated"] == 1
    assert inspect(s.page)["firstDraw"] is not None  # the page still works
    s.assert_clean()


def test_fifty_thousand_rows(open_map, maps) -> None:
    titles = on_map_titles(maps)
    rows = [imdb_row(t, 1 + i % 10) for i, t in enumerate(titles)]
    rows += [imdb_row(fake_title(n), 1 + n % 10) for n in range(50_000 - len(rows))]
    s = open_map()
    summary = import_file(s, "ratings.csv", csv_bytes(IMDB_HEADER, rows))
    assert summary == (
        f"IMDb ratings: 50,000 rows read, {len(titles):,} matched, "
        f"{50_000 - len(titles):,} not on this map."
    )
    assert ratings_state(s)["rated"] == len(titles)
    s.assert_clean()


def test_storage_refused_keeps_the_import_for_the_visit_and_says_so(open_map, maps) -> None:
    titles = on_map_titles(maps)[:5]
    s = open_map()
    s.page.evaluate(
        "() => { Storage.prototype.setItem = () => {"
        " throw new DOMException('the quota is full', 'QuotaExceededError'); }; }"
    )
    summary = import_file(
        s, "ratings.csv", csv_bytes(IMDB_HEADER, [imdb_row(t, 9) for t in titles])
    )
    assert summary == (
        "IMDb ratings: 5 rows read, 5 matched, 0 not on this map. Your ratings are kept for this"
        " visit only (the browser refused to store them: the quota is full)."
    )
    assert s.page.locator(".mine-summary.error").count() == 1
    assert ratings_state(s)["rated"] == 5  # nothing lost for this visit
    assert marks_at(s, titles[0]["id"]) == "high"
    assert stored(s) is None
    s.assert_clean()


def test_ids_by_table_buckets_and_by_id_shards_agree(open_map, maps) -> None:
    """The two ways of telling which ids are on the map give the same answer; a small map's
    few id shards win over its 211 table buckets."""
    on_map = sorted(maps["on_map"])[:300]
    ids = on_map + [f"tt88{n:07d}" for n in range(300)]
    s = open_map()
    wait_settled(s.page)
    run = """async ([ids, via]) => {
      const m = await import('/js/ratings-import.js');
      const items = ids.map((id) => ({ id, kind: 'rated', rating: 8 }));
      const out = await m.matchItems(items, imdbMap.search, { via });
      return [out.matched.map(([id]) => id).sort(), out.notOnMap];
    }"""
    before = len(s.requests)
    assert s.page.evaluate(run, [ids, None]) == [on_map, 300]
    fetched = s.requests[before:]
    assert any("/search/id/" in url for url in fetched)
    assert not any(re.search(r"/table\d+\.json", url) for url in fetched)
    assert s.page.evaluate(run, [ids, "buckets"]) == [on_map, 300]
    assert any(re.search(r"/table\d+\.json", url) for url in s.requests)
    assert s.page.evaluate(run, [ids, "shards"]) == [on_map, 300]
    s.assert_clean()
