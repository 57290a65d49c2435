"""Golden and failure tests for the pure page parsers (imdb_spider.pages)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import orjson
import pytest

from imdb_spider.pages import (
    MLT_ABSENT,
    MLT_EMPTY,
    MLT_LISTED,
    BlockedPageError,
    IncompletePageError,
    UnknownLayoutError,
    parse_title,
)
from imdb_spider.pages.common import json_ld

from .conftest import ROOT, TESTS, real_fixture_dir

EXPECTED_GENERATION = {
    "legacy_tt0078788": "microdata-2014",
    "legacy_tt0114814": "microdata-2016",
    "legacy_tt1300562": "microdata-2016",
    "modern_tt0086425_empty_mlt": "nextjs",
    "modern_tt0133093": "nextjs",
    "modern_tt1392190": "nextjs",
    "modern_urql_tt2250192": "nextjs-urql",
    # IMDb's October 2025 generation: still __NEXT_DATA__, credits and countries moved.
    "modern2025_tt0083987": "nextjs-2025",
    "modern2025_tt1856101": "nextjs-2025",
    "jsonld2018_tt0133093": "jsonld-2018",
}
# Saved pages that are not title pages: no expected output, the parser must refuse them with
# a BlockedPageError of this kind.
REFUSED_PAGES = {"waf_challenge_2026": "waf-challenge"}


def golden_cases() -> list:
    real = sorted(real_fixture_dir().glob("*.expected.json"))
    own = sorted((TESTS / "pages").glob("*.expected.json"))
    assert len(real) >= 9, "expected the nine real fixture pages in tests/fixtures/imdb"
    return [pytest.param(path, id=path.name.split(".")[0]) for path in real + own]


def _html_for(expected: Path) -> Path:
    return expected.with_name(expected.name.replace(".expected.json", ".html"))


def _url(name: str) -> str:
    tt = name.rsplit("_", 1)[-1] if "empty_mlt" not in name else "tt0086425"
    return f"https://www.imdb.com/title/{tt}/"


@pytest.mark.parametrize("expected_path", golden_cases())
def test_golden_page(expected_path: Path) -> None:
    name = expected_path.name.split(".")[0]
    expected = json.loads(expected_path.read_text())
    record = parse_title(_url(name), _html_for(expected_path).read_bytes()).to_dict()
    assert {key: record[key] for key in expected} == expected
    assert record["page_generation"] == EXPECTED_GENERATION[name]


def test_every_real_fixture_has_a_known_generation(fixtures_dir: Path) -> None:
    pages = {p.name.removesuffix(".html") for p in fixtures_dir.glob("*.html")}
    assert pages <= set(EXPECTED_GENERATION) | set(REFUSED_PAGES)
    assert set(REFUSED_PAGES) <= pages


def test_directors_carry_name_ids(fixtures_dir: Path) -> None:
    record = parse_title("u", (fixtures_dir / "modern_tt0133093.html").read_bytes())
    assert record.director_ids == ["nm0905154", "nm0905152"]
    legacy = parse_title("u", (fixtures_dir / "legacy_tt0078788.html").read_bytes())
    assert legacy.director_ids == ["nm0000338"]


def test_recommendation_states_are_distinguished(fixtures_dir: Path) -> None:
    empty = parse_title("u", (fixtures_dir / "modern_tt0086425_empty_mlt.html").read_bytes())
    full = parse_title("u", (fixtures_dir / "modern_tt0133093.html").read_bytes())
    assert (empty.recommendations, empty.recommendations_state) == ([], MLT_EMPTY)
    assert full.recommendations_state == MLT_LISTED


def test_original_title_and_plot_of_legacy_page(fixtures_dir: Path) -> None:
    record = parse_title("u", (fixtures_dir / "legacy_tt1300562.html").read_bytes())
    assert record.original_title == "Adieu mères"
    assert record.plot is None  # the page only offers "Add a Plot"


def test_modern_plot_and_recommendation_nodes_do_not_leak(fixtures_dir: Path) -> None:
    record = parse_title("u", (fixtures_dir / "modern_tt0133093.html").read_bytes())
    assert record.plot.startswith("When a beautiful stranger leads computer hacker Neo")
    # Each recommended node carries its own rating; the title's must be its own.
    assert (record.rating, record.votes) == (8.7, 1956171)


# --- the October 2025 generation -----------------------------------------------------------

MODERN_2025 = {
    # Fields beside the expected JSON: ids, plot, and the path each field was read from.
    "modern2025_tt1856101": {
        "director_ids": ["nm0898288"],
        "original_title": "Blade Runner 2049",
        "end_year": None,
        "plot": "Young Blade Runner K's discovery of a long-buried secret leads him to track "
        "down former Blade Runner Rick Deckard, who's been missing for thirty years.",
        "recommendation_types": ["movie"] * 12,
    },
    "modern2025_tt0083987": {
        "director_ids": ["nm0000277"],
        "original_title": "Gandhi",
        "end_year": None,
        "plot": "The life of the lawyer who became the famed leader of the Indian revolts "
        "against the British rule through his philosophy of nonviolent protest.",
        # The ninth, tt1533751 "Thank You, P.G. Wodehouse", is a TV movie.
        "recommendation_types": ["movie"] * 8 + ["tvMovie"] + ["movie"] * 3,
    },
}
PROVENANCE_2025 = {
    "id": "atf.id",
    "title": "atf.titleText",
    "original_title": "atf.original",
    "year": "atf.releaseYear",
    "title_type": "atf.titleType",
    "runtime_minutes": "atf.runtime",
    "rating": "atf.ratingsSummary",
    "votes": "atf.ratingsSummary",
    "genres": "atf.genres",
    "plot": "atf.plot",
    "countries": "main.countriesDetails",
    "directors": "main.crewV2",
    "recommendations": "main.moreLikeThisTitles",
}


def _next_data(body: bytes) -> dict:
    start = body.index(b">", body.index(b'id="__NEXT_DATA__"')) + 1
    return orjson.loads(body[start : body.index(b"</script>", start)])


@pytest.mark.parametrize("name", sorted(MODERN_2025))
def test_2025_page_every_field_and_its_source(fixtures_dir: Path, name: str) -> None:
    record = parse_title(_url(name), (fixtures_dir / f"{name}.html").read_bytes())
    assert {k: getattr(record, k) for k in MODERN_2025[name]} == MODERN_2025[name]
    assert record.provenance == PROVENANCE_2025
    # The page holds the rating as the JSON integer 8; the record holds a float.
    assert type(record.rating) is float and record.rating == 8.0


def test_2025_page_has_the_pitfalls_the_parser_avoids(fixtures_dir: Path) -> None:
    """The fixtures really have what changed, so the tests above prove something."""
    body = (fixtures_dir / "modern2025_tt0083987.html").read_bytes()
    props = _next_data(body)["props"]["pageProps"]
    atf, main = props["aboveTheFoldData"], props["mainColumnData"]
    assert not {"directors", "writers", "cast", "countriesOfOrigin", "releaseYear"} & set(main)
    assert "principalCredits" not in atf
    assert [c["id"] for c in atf["countriesOfOrigin"]["countries"]] == ["GB"]
    assert atf["ratingsSummary"]["aggregateRating"] == 8
    assert type(atf["ratingsSummary"]["aggregateRating"]) is int
    ld = json_ld(body)
    assert ld is not None and "director" not in ld
    # The year is the hero's 1982; the US release (JSON-LD and releaseDate) was in 1983.
    assert (atf["releaseYear"]["year"], atf["releaseDate"]["year"]) == (1982, 1983)
    assert ld["datePublished"].startswith("1983")
    assert parse_title(_url("modern2025_tt0083987"), body).year == 1982


def _edited_page(fixtures_dir: Path, edit, name: str = "modern2025_tt1856101") -> bytes:
    """A real Next.js page with its __NEXT_DATA__ edited by ``edit(atf, main)``."""
    body = (fixtures_dir / f"{name}.html").read_bytes()
    data = _next_data(body)
    props = data["props"]["pageProps"]
    edit(props["aboveTheFoldData"], props["mainColumnData"])
    start = body.index(b">", body.index(b'id="__NEXT_DATA__"')) + 1
    end = body.index(b"</script>", start)
    return body[:start] + orjson.dumps(data).replace(b"<", b"\\u003c") + body[end:]


def _drop(*keys: str):
    def edit(atf: dict, main: dict) -> None:
        for key in keys:
            part, name = key.split(".")
            del (atf if part == "atf" else main)[name]

    return edit


@pytest.mark.parametrize(
    ("dropped", "source"),
    [
        ((), "main.crewV2"),
        (("main.crewV2",), "atf.directorsPageTitle"),
        (("main.crewV2", "atf.directorsPageTitle"), "atf.principalCreditsV2"),
    ],
)
def test_2025_directors_come_from_the_next_source(fixtures_dir: Path, dropped, source) -> None:
    record = parse_title(_url("modern2025_tt1856101"), _edited_page(fixtures_dir, _drop(*dropped)))
    assert (record.directors, record.director_ids) == (["Denis Villeneuve"], ["nm0898288"])
    assert record.provenance["directors"] == source


def test_2022_page_without_main_directors_keeps_the_ids(fixtures_dir: Path) -> None:
    """Older pages carry ``directorsPageTitle`` too, without nm ids: their own
    ``principalCredits`` (with ids) still comes first."""
    page = _edited_page(fixtures_dir, _drop("main.directors"), "modern_tt0133093")
    record = parse_title(_url("modern_tt0133093"), page)
    assert record.page_generation == "nextjs"
    assert record.director_ids == ["nm0905154", "nm0905152"]
    assert record.provenance["directors"] == "atf.principalCredits"


def test_2025_without_any_director_source_has_none(fixtures_dir: Path) -> None:
    page = _edited_page(
        fixtures_dir, _drop("main.crewV2", "atf.directorsPageTitle", "atf.principalCreditsV2")
    )
    record = parse_title(_url("modern2025_tt1856101"), page)
    # The writers and stars groups are never taken for directors, nor JSON-LD's creators.
    assert (record.directors, record.director_ids) == ([], [])
    assert "directors" not in record.provenance


def test_2025_director_group_is_known_by_its_id_in_any_language(fixtures_dir: Path) -> None:
    def localise(atf: dict, main: dict) -> None:
        # A German page: the group texts are translated, the concept ids are not.
        for group, text in zip(main["crewV2"], ("Regie", "Drehbuch"), strict=True):
            group["grouping"]["text"] = text
        # A writers group named like a director group by mistake still is not one by its id:
        # the id decides, the English text only where there is no id.
        main["crewV2"].reverse()
        del atf["directorsPageTitle"]

    record = parse_title(_url("modern2025_tt1856101"), _edited_page(fixtures_dir, localise))
    assert record.directors == ["Denis Villeneuve"]
    assert record.provenance["directors"] == "main.crewV2"


def test_2025_director_group_without_id_is_known_by_its_text(fixtures_dir: Path) -> None:
    def strip_ids(atf: dict, main: dict) -> None:
        for group in main["crewV2"]:
            del group["grouping"]["groupingId"]

    record = parse_title(_url("modern2025_tt1856101"), _edited_page(fixtures_dir, strip_ids))
    assert record.directors == ["Denis Villeneuve"]
    assert record.provenance["directors"] == "main.crewV2"


def test_2025_countries_fall_back_on_the_first_one(fixtures_dir: Path) -> None:
    record = parse_title(
        _url("modern2025_tt1856101"), _edited_page(fixtures_dir, _drop("main.countriesDetails"))
    )
    assert (record.countries, record.provenance["countries"]) == (["US"], "atf.countriesOfOrigin")


def test_2025_year_is_never_a_release_date(fixtures_dir: Path) -> None:
    def no_year(atf: dict, main: dict) -> None:
        atf["releaseYear"] = None
        # No directors either, so the parser reads the JSON-LD (which has none) as a fallback.
        _drop("main.crewV2", "atf.directorsPageTitle", "atf.principalCreditsV2")(atf, main)

    name = "modern2025_tt0083987"
    record = parse_title(_url(name), _edited_page(fixtures_dir, no_year, name))
    # Without the hero's year the record has none: releaseDate and datePublished say 1983.
    assert record.year is None and "year" not in record.provenance
    assert record.title == "Gandhi" and record.directors == []


def test_2025_page_cut_in_half_is_an_error(fixtures_dir: Path) -> None:
    body = (fixtures_dir / "modern2025_tt1856101.html").read_bytes()
    with pytest.raises(IncompletePageError, match="cut off"):
        parse_title(_url("modern2025_tt1856101"), body[: len(body) // 2])


def test_cli_provenance_names_the_2025_paths(fixtures_dir: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imdb_spider.pages",
            "--provenance",
            str(fixtures_dir / "modern2025_tt1856101.html"),
        ],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["page_generation"] == "nextjs-2025"
    assert got["provenance"] == PROVENANCE_2025


# --- IMDb's WAF challenge (2026) ------------------------------------------------------------


def test_waf_challenge_page_is_faithful(fixtures_dir: Path) -> None:
    """The reconstructed page has every trait IMDb's has (issue #12), and no title data."""
    body = (fixtures_dir / "waf_challenge_2026.html").read_bytes()
    doc = lxml.html.fromstring(body)
    assert doc.findtext(".//title") in ("", None)
    scripts = " ".join(s.text or "" for s in doc.iter("script"))
    assert "window.awsWafCookieDomainList" in scripts
    props = re.search(r"window\.gokuProps = (\{.*?\});", scripts, re.S)
    assert props is not None and set(json.loads(props.group(1))) == {"key", "iv", "context"}
    (src,) = [s.get("src") for s in doc.iter("script") if s.get("src")]
    host = urlsplit(src).hostname or ""
    assert host.endswith(".token.awswaf.com") and src.endswith("/challenge.js")
    assert doc.get_element_by_id("challenge-container") is not None
    assert "AwsWafIntegration." in scripts
    assert b"__NEXT_DATA__" not in body and b"ld+json" not in body
    assert not re.search(rb"tt\d{7}", body)
    assert len(body) < 5000


@pytest.mark.parametrize("name", sorted(REFUSED_PAGES))
def test_refused_pages_raise_their_kind(fixtures_dir: Path, name: str) -> None:
    url = "https://www.imdb.com/title/tt0133093/"
    with pytest.raises(BlockedPageError) as info:
        parse_title(url, (fixtures_dir / f"{name}.html").read_bytes())
    assert info.value.kind == REFUSED_PAGES[name]
    assert str(info.value).startswith(f"blocked page ({REFUSED_PAGES[name]})")
    assert url in str(info.value)


def test_waf_challenge_cut_off_is_still_the_waf(fixtures_dir: Path) -> None:
    body = (fixtures_dir / "waf_challenge_2026.html").read_bytes()
    with pytest.raises(BlockedPageError) as info:
        parse_title("https://www.imdb.com/title/tt0133093/", body[: body.index(b"<body>")])
    assert info.value.kind == "waf-challenge"


def _response(status: int, body: bytes, **headers: str):
    from scrapy.http import HtmlResponse, Request

    url = "https://www.imdb.com/title/tt0133093/"
    request = Request(url, meta={"title_id": "tt0133093"})
    return request, HtmlResponse(url, status=status, body=body, headers=headers, request=request)


@pytest.mark.parametrize("status", [200, 202, 405])
def test_waf_challenge_whatever_the_status(fixtures_dir: Path, status: int) -> None:
    """The parser sees only the body, so the page is the WAF at any status; the crawler's ban
    check (which sees the status first) calls it a ban at every one of them."""
    from imdb_spider.proxies import response_ban_reason

    body = (fixtures_dir / "waf_challenge_2026.html").read_bytes()
    request, response = _response(status, body, **{"x-amzn-waf-action": "challenge"})
    with pytest.raises(BlockedPageError) as info:
        parse_title(response.url, response.body)
    assert info.value.kind == "waf-challenge"
    reason = response_ban_reason(request, response)
    assert reason is not None
    if status in (200, 202):
        assert reason == "waf-challenge"


def test_empty_202_is_the_waf_by_its_status() -> None:
    """An empty body tells the parser nothing (kind ``empty``); the 202 status tells the
    crawler's ban check, which runs before the parser, that it was IMDb's WAF."""
    from imdb_spider.proxies import response_ban_reason

    request, response = _response(202, b"", **{"x-amzn-waf-action": "challenge"})
    assert response_ban_reason(request, response) == "waf-challenge"
    with pytest.raises(BlockedPageError) as info:
        parse_title(response.url, response.body)
    assert info.value.kind == "empty"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["modern_tt0133093", "modern_urql_tt2250192", "legacy_tt0114814", "legacy_tt0078788"]
)
def test_page_cut_in_half_is_an_error(fixtures_dir: Path, name: str) -> None:
    body = (fixtures_dir / f"{name}.html").read_bytes()
    url = _url(name)
    with pytest.raises(IncompletePageError) as info:
        parse_title(url, body[: len(body) // 2])
    assert url in str(info.value)
    assert "cut off" in str(info.value)
    assert info.value.generation == EXPECTED_GENERATION[name].removesuffix("-urql")


def test_page_cut_inside_next_data_names_the_problem(fixtures_dir: Path) -> None:
    body = (fixtures_dir / "modern_tt0133093.html").read_bytes()
    start = body.index(b'id="__NEXT_DATA__"')
    cut = body[: start + 5000] + b"</script></body></html>"
    with pytest.raises(IncompletePageError, match="not valid JSON"):
        parse_title("https://www.imdb.com/title/tt0133093/", cut)


def test_next_data_without_title_data() -> None:
    page = (
        b'<html><body><script id="__NEXT_DATA__" type="application/json">'
        b'{"props":{"pageProps":{"other":1}}}</script></body></html>'
    )
    with pytest.raises(IncompletePageError, match="neither aboveTheFoldData nor urqlState"):
        parse_title("https://x/title/tt1/", page)


def test_unknown_layout_names_url_and_what_is_missing() -> None:
    page = b"<html><head><title>Something</title></head><body><p>hello</p></body></html>"
    url = "https://www.imdb.com/title/tt0000001/"
    with pytest.raises(UnknownLayoutError) as info:
        parse_title(url, page)
    message = str(info.value)
    assert url in message
    assert "no __NEXT_DATA__, no JSON-LD, no microdata" in message


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"<html><body></body></html>", "empty"),
        (
            b'<html><head><script>window.gokuProps = {"key":"x"};</script>'
            b'<script src="https://x.token.awswaf.com/challenge.js"></script></head>'
            b"<body><div id=challenge-container></div></body></html>",
            "waf-challenge",
        ),
        (
            b"<html><head><title>Robot Check</title></head><body>"
            b"<form action=/errors/validateCaptcha>"
            b"Enter the characters you see below</form></body></html>",
            "captcha",
        ),
        (
            b"<html><body><h1>Before you continue</h1><form action=/consent>We use cookies"
            b"</form></body></html>",
            "consent",
        ),
    ],
)
def test_blocked_pages_are_recognised(body: bytes, kind: str) -> None:
    with pytest.raises(BlockedPageError) as info:
        parse_title("https://www.imdb.com/title/tt0133093/", body)
    assert info.value.kind == kind
    assert "tt0133093" in str(info.value)


def test_blocked_is_not_a_parse_failure() -> None:
    assert not issubclass(BlockedPageError, (UnknownLayoutError, IncompletePageError))


def test_unseen_layout_falls_back_on_json_ld_and_never_guesses_recommendations() -> None:
    ld = {
        "@type": "Movie",
        "url": "/title/tt7654321/",
        "name": 'He said "<script>alert(1)</script>" & left — Ωmega',
        "genre": "Drama",
        "aggregateRating": {"ratingValue": 6.1, "ratingCount": "1,234"},
        "director": {"@type": "Person", "url": "/name/nm0000001/", "name": "Zoë Ångström"},
    }
    page = (
        '<html><head><script type="application/ld+json">'
        + json.dumps(ld).replace("</", "<\\/")
        + '</script></head><body><a href="/title/tt0000002/">link</a></body></html>'
    ).encode()
    record = parse_title("https://www.imdb.com/title/tt7654321/", page)
    assert record.page_generation == "jsonld-only"
    assert record.title == ld["name"]
    assert (record.rating, record.votes, record.genres) == (6.1, 1234, ["Drama"])
    assert (record.directors, record.director_ids) == (["Zoë Ångström"], ["nm0000001"])
    assert (record.recommendations, record.recommendations_state) == ([], MLT_ABSENT)


def _next_page(title: dict, main: dict | None = None, tconst: str = "tt0000042") -> bytes:
    data = {
        "props": {
            "pageProps": {
                "tconst": tconst,
                "aboveTheFoldData": title,
                "mainColumnData": main or {},
            }
        }
    }
    blob = orjson.dumps(data).replace(b"<", b"\\u003c")
    return (
        b'<html><body><script id="__NEXT_DATA__" type="application/json">'
        + blob
        + (b"</script></body></html>")
    )


def test_hostile_title_text_survives_exactly() -> None:
    hostile = 'Quote " back\\slash </script><img src=x onerror=alert(1)> 東京物語 ملاك\n'
    page = _next_page(
        {"id": "tt0000042", "titleText": {"text": hostile}, "titleType": {"id": "movie"}},
        {"moreLikeThisTitles": {"edges": [{"node": {"id": "tt0000043"}}]}},
    )
    record = parse_title("https://www.imdb.com/title/tt0000042/", page)
    # Whitespace is normalised (the trailing newline goes), everything else is kept verbatim.
    assert record.title == hostile.strip()
    assert record.recommendations == ["tt0000043"]
    assert record.genres == [] and record.rating is None


def test_next_page_without_more_like_this_is_absent_not_empty() -> None:
    page = _next_page({"id": "tt0000042", "titleText": {"text": "A"}})
    assert parse_title("u", page).recommendations_state == MLT_ABSENT


def test_duplicate_recommendations_are_dropped_in_order() -> None:
    edges = [{"node": {"id": t}} for t in ("tt0000003", "tt0000002", "tt0000003")]
    page = _next_page(
        {"id": "tt0000042", "titleText": {"text": "A"}}, {"moreLikeThisTitles": {"edges": edges}}
    )
    assert parse_title("u", page).recommendations == ["tt0000003", "tt0000002"]


def test_urql_fragments_about_other_titles_are_ignored() -> None:
    state = {
        "1": {"data": {"title": {"id": "tt0000099", "titleText": {"text": "Other"}}}},
        "2": {
            "data": {
                "title": {
                    "id": "tt0000042",
                    "titleText": {"text": "Mine"},
                    "ratingsSummary": {"voteCount": 5},
                }
            }
        },
        "3": {"data": {"title": {"id": "tt0000042", "ratingsSummary": {"aggregateRating": 7.0}}}},
        "4": {"data": {"title": {"countriesOfOrigin": {"countries": [{"id": "fr"}]}}}},
    }
    data = {"props": {"pageProps": {"tconst": "tt0000042", "urqlState": state}}}
    page = (
        b'<html><script id="__NEXT_DATA__" type="application/json">'
        + orjson.dumps(data)
        + b"</script></html>"
    )
    record = parse_title("u", page)
    assert (record.id, record.title, record.page_generation) == ("tt0000042", "Mine", "nextjs-urql")
    assert (record.rating, record.votes, record.countries) == (7.0, 5, ["FR"])


def test_legacy_uk_country_code_is_iso() -> None:
    page = (TESTS / "pages" / "jsonld2018_tt0133093.html").read_bytes()
    page = page.replace(b"country_of_origin=au", b"country_of_origin=uk")
    assert parse_title("u", page).countries == ["US", "GB"]


def test_string_body_is_accepted(fixtures_dir: Path) -> None:
    text = (fixtures_dir / "legacy_tt0114814.html").read_text(encoding="utf-8")
    assert parse_title("u", text).id == "tt0114814"


# --- command line ---------------------------------------------------------------------------


def test_cli_prints_one_object_per_page(fixtures_dir: Path) -> None:
    names = ["modern_tt0133093", "legacy_tt0078788"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imdb_spider.pages",
            *(str(fixtures_dir / f"{n}.html") for n in names),
        ],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 2
    for name, line in zip(names, lines, strict=True):
        expected = json.loads((fixtures_dir / f"{name}.expected.json").read_text())
        got = json.loads(line)
        assert {k: got[k] for k in expected} == expected


def test_cli_fails_with_the_error_message(tmp_path: Path, fixtures_dir: Path) -> None:
    bad = tmp_path / "challenge.html"
    bad.write_bytes(b"<html><script>window.gokuProps={}</script></html>")
    good = fixtures_dir / "legacy_tt0114814.html"
    result = subprocess.run(
        [sys.executable, "-m", "imdb_spider.pages", str(bad), str(good), str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert "blocked page (waf-challenge)" in result.stderr
    assert "cannot read" in result.stderr
    assert json.loads(result.stdout)["id"] == "tt0114814"
