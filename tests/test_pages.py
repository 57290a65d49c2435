"""Golden and failure tests for the pure page parsers (imdb_spider.pages)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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

from .conftest import ROOT, TESTS, real_fixture_dir

EXPECTED_GENERATION = {
    "legacy_tt0078788": "microdata-2014",
    "legacy_tt0114814": "microdata-2016",
    "legacy_tt1300562": "microdata-2016",
    "modern_tt0086425_empty_mlt": "nextjs",
    "modern_tt0133093": "nextjs",
    "modern_tt1392190": "nextjs",
    "modern_urql_tt2250192": "nextjs-urql",
    # The October 2025 generation still carries __NEXT_DATA__; issue #12 may name it apart.
    "modern2025_tt0083987": "nextjs",
    "modern2025_tt1856101": "nextjs",
    "jsonld2018_tt0133093": "jsonld-2018",
}


# Pages of the October 2025 generation, which the parser does not read yet (directors and
# countries moved): their golden cases are expected to fail until issue #12 teaches it, and
# then fail loudly (strict) so the mark is removed.
NOT_YET_PARSED = {"modern2025_tt0083987", "modern2025_tt1856101"}
NOT_YET = pytest.mark.xfail(strict=True, reason="issue #12: the October 2025 page generation")


def golden_cases() -> list:
    real = sorted(real_fixture_dir().glob("*.expected.json"))
    own = sorted((TESTS / "pages").glob("*.expected.json"))
    assert len(real) >= 9, "expected the nine real fixture pages in tests/fixtures/imdb"
    return [
        pytest.param(path, id=name, marks=[NOT_YET] if name in NOT_YET_PARSED else [])
        for path in real + own
        for name in [path.name.split(".")[0]]
    ]


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
    assert pages <= set(EXPECTED_GENERATION)


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
