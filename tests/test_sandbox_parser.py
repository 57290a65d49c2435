"""Sandbox pages against the page parser: the parser must recover the universe's truth from
every layout, and take the same code paths (``TitleRecord.provenance``) on sandbox pages as on
the real IMDb pages in the fixtures."""

from __future__ import annotations

import http.client
import re
from pathlib import Path

import orjson
import pytest

from imdb_spider import pages
from imdb_spider.pages.common import json_ld
from sandbox import LAYOUTS, layout_for, render_title

ROOT = Path(__file__).resolve().parents[1]
# Sandbox layout -> (real page, parser generation) with the same structure.
REAL_COUNTERPARTS = {
    "nextjs": ("modern_tt0133093.html", "nextjs"),
    "nextjs2025": ("modern2025_tt1856101.html", "nextjs-2025"),
    "microdata": ("legacy_tt0114814.html", "microdata-2016"),
}
# Fields whose source on the page is cut to IMDb's first three genres in this layout: the
# parser may read either that list or the full storyline block.
HEADER_GENRES = {"microdata"}


def _sample(universe, k: int = 240) -> list[int]:
    """Every kind of title the universe has: series, shorts, no plot, foreign, 2 directors."""
    picked, seen = [], set()
    for i in range(len(universe)):
        t = universe.record(i)
        key = (t.title_type, t.plot is None, t.original_title != t.title, len(t.directors),
               len(t.genres) > 3, len(t.recommendations) < 12)  # fmt: skip
        if key not in seen or len(picked) < k // 2:
            seen.add(key)
            picked.append(i)
        if len(picked) >= k:
            break
    return picked


def _mismatches(universe, layout: str, *, small: bool) -> dict[str, list]:
    out: dict[str, list] = {}
    for i in _sample(universe):
        t = universe.record(i)
        recs = [universe.record(r) for r in t.recommendations]
        body = render_title(t, recs, layout, small=small)
        got = pages.parse_title(f"https://www.imdb.com/title/{t.id}/", body)
        want = t.to_dict()
        checks = {
            "id": got.id,
            "title": got.title,
            "original_title": got.original_title,
            "year": got.year,
            "end_year": got.end_year,
            "rating": got.rating,
            "votes": got.votes,
            "title_type": got.title_type,
            "runtime_minutes": got.runtime_minutes,
            "countries": list(got.countries),
            "plot": got.plot,
            "recommendations": list(got.recommendations),
        }
        if (
            not layout.startswith("nextjs")
            and want["end_year"] == want["year"]
            and got.end_year is None
            and got.year == want["year"]
        ):
            # Old layouts show a one-year run as "TV Mini-Series (1968)": the page cannot
            # say whether it ended that year, and the parser does not guess.
            checks["end_year"] = want["end_year"]
        for field, value in checks.items():
            if value != want[field]:
                out.setdefault(field, []).append((t.id, value, want[field]))
        directors = [
            {"id": d, "name": n} for d, n in zip(got.director_ids, got.directors, strict=True)
        ]
        if directors != want["directors"]:
            out.setdefault("directors", []).append((t.id, directors, want["directors"]))
        genres = list(got.genres)
        ok = genres == want["genres"] or (layout in HEADER_GENRES and genres == want["genres"][:3])
        if not ok:
            out.setdefault("genres", []).append((t.id, genres, want["genres"]))
        expected_state = (
            "listed"
            if t.recommendations
            else ("empty" if layout.startswith("nextjs") else "absent")
        )
        if got.recommendations_state != expected_state:
            out.setdefault("recommendations_state", []).append((t.id, got.recommendations_state))
    return out


@pytest.mark.parametrize("small", [True, False], ids=["small", "realistic"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_parser_recovers_the_truth(sandbox_universe, layout, small):
    bad = _mismatches(sandbox_universe, layout, small=small)
    assert not {field: cases[:3] for field, cases in bad.items()}


@pytest.mark.parametrize("layout", ["nextjs", "nextjs2025"])
def test_empty_mlt_is_told_apart(sandbox_universe, layout):
    t = sandbox_universe.record(7)
    recs = [sandbox_universe.record(r) for r in t.recommendations]
    url = f"https://www.imdb.com/title/{t.id}/"
    listed = pages.parse_title(url, render_title(t, recs, layout))
    empty = pages.parse_title(url, render_title(t, recs, layout, empty_mlt=True))
    assert listed.recommendations_state == "listed" and listed.recommendations
    assert empty.recommendations_state == "empty" and empty.recommendations == []
    assert empty.page_generation == listed.page_generation


@pytest.mark.parametrize("layout", sorted(REAL_COUNTERPARTS))
def test_same_code_paths_as_real_pages(sandbox_universe, fixtures_dir, layout):
    name, generation = REAL_COUNTERPARTS[layout]
    real = pages.parse_title("https://www.imdb.com/title/x/", (fixtures_dir / name).read_bytes())
    t, recs = _matrix(sandbox_universe)
    ours = pages.parse_title(f"https://www.imdb.com/title/{t.id}/", render_title(t, recs, layout))
    assert real.page_generation == ours.page_generation == generation
    assert ours.provenance == {k: v for k, v in real.provenance.items() if k in ours.provenance}
    assert set(real.provenance) <= set(ours.provenance)


def test_jsonld2018_takes_the_2018_code_path(sandbox_universe):
    ref = ROOT / "tests" / "pages" / "jsonld2018_tt0133093.html"
    if not ref.is_file():
        pytest.skip("no 2018 reference page in tests/pages")
    real = pages.parse_title("https://www.imdb.com/title/tt0133093/", ref.read_bytes())
    t = sandbox_universe.record(0)
    recs = [sandbox_universe.record(r) for r in t.recommendations]
    ours = pages.parse_title(
        f"https://www.imdb.com/title/{t.id}/", render_title(t, recs, "jsonld2018")
    )
    assert real.page_generation == ours.page_generation == "jsonld-2018"
    assert {k: real.provenance[k] for k in ours.provenance if k in real.provenance} == {
        k: ours.provenance[k] for k in ours.provenance if k in real.provenance
    }


def _fetch(sandbox, tid: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    conn.request("GET", f"/title/{tid}/")
    response = conn.getresponse()
    got = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    conn.close()
    return got


@pytest.mark.parametrize(
    ("kind", "error", "blocked"),
    [("waf", "BlockedPageError", "waf-challenge"), ("captcha", "BlockedPageError", "captcha"),
     ("consent", "BlockedPageError", "consent"), ("unknown_layout", "UnknownLayoutError", None)],
)  # fmt: skip
def test_fault_pages_are_refused(sandbox, kind, error, blocked):
    tid = sandbox.universe.id_of(50)
    sandbox.set_faults({"ids": {kind: [tid]}})
    _, _, body = _fetch(sandbox, tid)
    with pytest.raises(getattr(pages, error)) as info:
        pages.parse_title(f"https://www.imdb.com/title/{tid}/", body)
    assert getattr(info.value, "kind", None) == blocked


# --- the 2025 generation: the sandbox's page has the real page's structure -------------------

# Where the parser looks (and where the 2025 generation stopped putting things): each path is
# in the sandbox's 2025 page exactly when it is in the real one.
PARSER_PATHS = {
    "atf": ("id", "titleText", "originalTitleText", "releaseYear", "releaseDate", "titleType",
            "runtime", "ratingsSummary", "genres", "plot", "countriesOfOrigin",
            "principalCredits", "principalCreditsV2", "directorsPageTitle", "crewV2"),
    "main": ("id", "titleText", "originalTitleText", "releaseYear", "releaseDate", "titleType",
             "runtime", "ratingsSummary", "genres", "plot", "countriesOfOrigin",
             "countriesDetails", "directors", "writers", "cast", "crewV2", "castV2",
             "moreLikeThisTitles"),
}  # fmt: skip


def _trees(body: bytes) -> tuple[dict, dict, dict | None]:
    start = body.index(b">", body.index(b'id="__NEXT_DATA__"')) + 1
    props = orjson.loads(body[start : body.index(b"</script>", start)])["props"]["pageProps"]
    return props["aboveTheFoldData"], props["mainColumnData"], json_ld(body)


def _matrix(universe) -> tuple:
    (tid,) = universe.search("The Matrix", 1999)
    t = universe.record(tid)
    return t, [universe.record(r) for r in t.recommendations]


def test_2025_page_has_the_real_pages_structure(sandbox_universe, fixtures_dir):
    u = sandbox_universe
    t = next(
        t
        for t in map(u.record, range(len(u)))
        if len(t.countries) > 1 and t.directors and t.plot and t.recommendations
    )
    recs = [u.record(r) for r in t.recommendations]
    real_atf, real_main, real_ld = _trees((fixtures_dir / "modern2025_tt1856101.html").read_bytes())
    atf, main, ld = _trees(render_title(t, recs, "nextjs2025"))
    for tree, ours, real in (("atf", atf, real_atf), ("main", main, real_main)):
        present = {k for k in PARSER_PATHS[tree] if ours.get(k) is not None}
        assert present == {k for k in PARSER_PATHS[tree] if real.get(k) is not None}, tree
    # Credit groups: the director group found by its concept id, text only in main/principal.
    group = real_main["crewV2"][0]["grouping"]["groupingId"]
    assert main["crewV2"][0]["grouping"]["groupingId"] == group
    assert atf["principalCreditsV2"][0]["grouping"]["groupingId"] == group
    assert set(atf["crewV2"][0]["grouping"]) == set(real_atf["crewV2"][0]["grouping"])
    assert set(main["crewV2"][0]) == set(real_main["crewV2"][0])
    assert len(atf["countriesOfOrigin"]["countries"]) == 1 < len(t.countries)
    assert set(main["countriesDetails"]["countries"][0]) == set(
        real_main["countriesDetails"]["countries"][0]
    )
    assert {"director", "actor"}.isdisjoint(ld) and {"director", "actor"}.isdisjoint(real_ld)
    assert ld["url"].startswith("https://") and real_ld["url"].startswith("https://")


def test_2025_page_has_integer_ratings_and_later_release_dates(sandbox_universe):
    """The two traps of the real 2025 pages occur in the sandbox's, and the parser avoids
    them there too: a whole rating as a JSON integer, a US release in the next year."""
    whole = later = 0
    for i in range(400):
        t = sandbox_universe.record(i)
        body = render_title(t, [], "nextjs2025", small=True)
        atf, main, ld = _trees(body)
        got = pages.parse_title(f"https://www.imdb.com/title/{t.id}/", body)
        assert (got.year, got.rating) == (t.year, t.rating)
        if t.rating is not None and t.rating == int(t.rating):
            whole += 1
            assert type(atf["ratingsSummary"]["aggregateRating"]) is int
            assert type(ld["aggregateRating"]["ratingValue"]) is int
            assert type(got.rating) is float
        if t.year is not None and main["releaseDate"]["year"] != t.year:
            later += 1
            assert ld["datePublished"].startswith(str(t.year + 1))
    assert whole >= 5 and later >= 40


def test_2025_page_links_say_mlt(sandbox_universe):
    t, recs = _matrix(sandbox_universe)
    body = render_title(t, recs, "nextjs2025", small=True)
    assert f'href="/title/{recs[0].id}/?ref_=tt_mlt_t_1"'.encode() in body
    assert f'href="/title/{recs[0].id}/?ref_=tt_mlt_i_1"'.encode() in body
    assert b"tt_sims_" not in body


def test_mixed_layout_serves_the_2025_generation(sandbox_universe):
    ids = [sandbox_universe.id_of(i) for i in range(200)]
    layouts = [layout_for(1, tid) for tid in ids]
    assert 20 <= layouts.count("nextjs2025") <= 80
    t = sandbox_universe.record(layouts.index("nextjs2025"))
    recs = [sandbox_universe.record(r) for r in t.recommendations]
    body = render_title(t, recs, layout_for(1, t.id))
    assert pages.parse_title(f"https://www.imdb.com/title/{t.id}/", body).page_generation == (
        "nextjs-2025"
    )


# --- IMDb's WAF challenge ---------------------------------------------------------------------

_WAF_VALUES = re.compile(
    rb'"(key|iv|context)":"[A-Za-z0-9+/=]+"|https://[0-9a-f]{12}\.[0-9a-f]{8}\.'
    rb"us-east-1\.token\.awswaf\.com/[0-9a-f]{12}/[0-9a-f]{12}/"
)


def _waf_shape(body: bytes) -> bytes:
    """The page with its per-challenge values (gokuProps, the host's labels) blanked."""
    return _WAF_VALUES.sub(lambda m: b"<%s>" % (m.group(1) or b"src"), body)


def test_waf_fault_serves_the_real_challenge_page(sandbox, fixtures_dir):
    tid = sandbox.universe.id_of(60)
    sandbox.set_faults({"ids": {"waf": [tid]}})
    status, headers, body = _fetch(sandbox, tid)
    assert status == 202 and headers["x-amzn-waf-action"] == "challenge"
    reconstructed = (fixtures_dir / "waf_challenge_2026.html").read_bytes()
    assert _waf_shape(body) == _waf_shape(reconstructed)
    assert _waf_shape(body).count(b"<key>") == 1 and b"<src>challenge.js" in _waf_shape(body)
    assert tid.encode() not in body and not re.search(rb"tt\d{7}", body)
    with pytest.raises(pages.BlockedPageError) as info:
        pages.parse_title(f"https://www.imdb.com/title/{tid}/", body)
    assert info.value.kind == "waf-challenge"
    # Each challenge carries its own values.
    again = _fetch(sandbox, tid)[2]
    assert again != body and _waf_shape(again) == _waf_shape(body)
