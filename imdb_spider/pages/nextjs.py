"""Parser for IMDb's Next.js title pages (2021 to today).

Reads the ``<script id="__NEXT_DATA__">`` JSON, found by byte search and decoded with orjson:

- ``nextjs`` (2022 to Sep 2025): ``props.pageProps.aboveTheFoldData`` ("atf") and
  ``mainColumnData`` ("main");
- ``nextjs-2025`` (Oct 2025 on): the same two trees, but credits are grouped by
  ``grouping`` (``atf.principalCreditsV2``, ``main.crewV2``) instead of ``category``,
  ``main.directors`` and ``main.countriesOfOrigin`` are gone (countries are in
  ``main.countriesDetails``) and JSON-LD names no director;
- ``nextjs-urql`` (2021 to Jan 2022): the same title data split over the entries of
  ``props.pageProps.urqlState[<hash>].data.title``, merged here into one tree.

Each field has one small extractor that offers its sources in order of trust (the first that
answers wins, see ``RecordBuilder``): id ``atf.id`` then ``pageProps.tconst``; the year only
from the hero block's ``releaseYear`` (a release *date*, in ``releaseDate`` or JSON-LD's
``datePublished``, can be a later year in the country of the page: Gandhi is 1982, released in
the US in 1983); countries ``main`` (all of them) before ``atf`` (only the first); directors
``main.directors``, ``main.crewV2``, ``atf.principalCredits``, ``atf.directorsPageTitle``,
``atf.principalCreditsV2``; recommendations only ``main.moreLikeThisTitles`` (never the raw
HTML: each recommended node carries its own titleText and ratingsSummary). Anything still
missing falls back on the page's JSON-LD (whose genres are cut to three).
"""

from __future__ import annotations

from typing import Any

import orjson

from .common import (
    RecordBuilder,
    clean_text,
    dig,
    json_ld,
    offer_json_ld,
    script_blobs,
    to_float,
    to_int,
    unique,
)
from .errors import IncompletePageError
from .record import MLT_ABSENT, MLT_EMPTY, MLT_LISTED, TitleRecord

NEXT_DATA_MARKER = b'id="__NEXT_DATA__"'

# The concept id IMDb gives the director credit group since credits went "V2" (Oct 2025). The
# group's ``text`` is localised ("Director", "Directors", "Regie") and ``atf.crewV2`` omits it,
# so the id is what identifies the group; the English text is the fallback.
DIRECTOR_GROUP = "amzn1.imdb.concept.name_credit_category.ace5cb4c-8708-4238-9542-04641e7c8171"
_DIRECTOR_TEXTS = frozenset({"Director", "Directors"})
# Keys only the October 2025 generation has.
_V2_ATF_KEYS = ("principalCreditsV2",)
_V2_MAIN_KEYS = ("crewV2", "countriesDetails")
# Fields whose absence makes the page's JSON-LD worth reading.
_JSON_LD_FIELDS = ("title", "rating", "genres", "plot", "directors", "runtime_minutes")


def is_nextjs(body: bytes) -> bool:
    return NEXT_DATA_MARKER in body


def parse(url: str, body: bytes) -> TitleRecord:
    props = _page_props(url, body)
    generation, atf, main = _title_trees(url, props)
    b = RecordBuilder(generation)
    _offer_names(b, props, atf, main)
    _offer_facts(b, atf, main)
    _offer_countries(b, atf, main)
    _offer_directors(b, atf, main)
    types, state = _recommendations(b, main)
    if b.missing("title") or any(b.missing(f) for f in _JSON_LD_FIELDS):
        # Never the year: JSON-LD's datePublished is a release date (see the docstring).
        offer_json_ld(b, json_ld(body), year=False)
    if b.missing("id") or b.missing("title"):
        raise IncompletePageError(
            url, generation, "no title id or title text in __NEXT_DATA__ nor JSON-LD"
        )
    b.values.setdefault("directors", [])
    return b.build(
        recommendations=list(types),
        recommendation_types=list(types.values()),
        recommendations_state=state,
    )


def _page_props(url: str, body: bytes) -> dict[str, Any]:
    blob = next(script_blobs(body, NEXT_DATA_MARKER), b"")
    try:
        data = orjson.loads(blob)
    except orjson.JSONDecodeError as exc:
        raise IncompletePageError(
            url, "nextjs", f"__NEXT_DATA__ is not valid JSON ({exc}); page cut off?"
        ) from None
    props = dig(data, "props", "pageProps")
    if not isinstance(props, dict):
        raise IncompletePageError(url, "nextjs", "__NEXT_DATA__ has no props.pageProps")
    return props


def _title_trees(url: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """``(generation, atf, main)``: the two trees the title data sits in."""
    atf = props.get("aboveTheFoldData")
    if isinstance(atf, dict):
        main = props.get("mainColumnData")
        main = main if isinstance(main, dict) else {}
        v2 = any(k in atf for k in _V2_ATF_KEYS) or any(k in main for k in _V2_MAIN_KEYS)
        return ("nextjs-2025" if v2 else "nextjs"), atf, main
    if isinstance(props.get("urqlState"), dict):
        merged = _merge_urql(props["urqlState"], props.get("tconst"))
        if not merged:
            raise IncompletePageError(url, "nextjs-urql", "urqlState holds no title data")
        return "nextjs-urql", merged, merged
    raise IncompletePageError(
        url, "nextjs", "__NEXT_DATA__ has neither aboveTheFoldData nor urqlState"
    )


def _parts(atf: dict[str, Any], main: dict[str, Any]) -> tuple[tuple[dict[str, Any], str], ...]:
    return (atf, "atf"), (main, "main")


def _offer_names(
    b: RecordBuilder, props: dict[str, Any], atf: dict[str, Any], main: dict[str, Any]
) -> None:
    b.offer("id", atf.get("id"), "atf.id")
    b.offer("id", props.get("tconst"), "pageProps.tconst")
    for part, source in _parts(atf, main):
        b.offer("title", clean_text(dig(part, "titleText", "text")), f"{source}.titleText")
    for part, source in _parts(atf, main):
        original = clean_text(dig(part, "originalTitleText", "text"))
        b.offer("original_title", original, f"{source}.original")


def _offer_facts(b: RecordBuilder, atf: dict[str, Any], main: dict[str, Any]) -> None:
    """Year, type, runtime, rating, genres and plot: the same paths in both trees."""
    for part, source in _parts(atf, main):
        b.offer("year", to_int(dig(part, "releaseYear", "year")), f"{source}.releaseYear")
        b.offer("end_year", to_int(dig(part, "releaseYear", "endYear")), f"{source}.releaseYear")
        b.offer("title_type", dig(part, "titleType", "id"), f"{source}.titleType")
        seconds = to_int(dig(part, "runtime", "seconds"))
        if seconds:
            b.offer("runtime_minutes", round(seconds / 60), f"{source}.runtime")
        rating = dig(part, "ratingsSummary")
        # to_float: since 2025 a whole rating is a JSON integer (8, shown "8.0").
        b.offer("rating", to_float(dig(rating, "aggregateRating")), f"{source}.ratingsSummary")
        b.offer("votes", to_int(dig(rating, "voteCount")), f"{source}.ratingsSummary")
        genres = [clean_text(dig(g, "text")) for g in dig(part, "genres", "genres") or []]
        b.offer("genres", unique([g for g in genres if g]), f"{source}.genres")
        plot = clean_text(dig(part, "plot", "plotText", "plainText"))
        b.offer("plot", plot, f"{source}.plot")


def _offer_countries(b: RecordBuilder, atf: dict[str, Any], main: dict[str, Any]) -> None:
    """All countries from ``main`` (its 2025 name first tried second), the first from atf."""
    for part, key, source in (
        (main, "countriesOfOrigin", "main.countriesOfOrigin"),
        (main, "countriesDetails", "main.countriesDetails"),
        (atf, "countriesOfOrigin", "atf.countriesOfOrigin"),
    ):
        codes = [dig(c, "id") for c in dig(part, key, "countries") or []]
        b.offer("countries", unique([c.upper() for c in codes if isinstance(c, str) and c]), source)


def _offer_directors(b: RecordBuilder, atf: dict[str, Any], main: dict[str, Any]) -> None:
    """Each generation's main list first, then the above-the-fold ones. The old
    ``principalCredits`` comes before ``directorsPageTitle``, which older pages also carry but
    without the nm ids (so a 2022 page reads as it always did)."""
    b.offer("directors", _credits(main.get("directors")), "main.directors")
    b.offer("directors", _credits(_director_groups(main.get("crewV2"))), "main.crewV2")
    principal = [
        c for c in atf.get("principalCredits") or [] if dig(c, "category", "id") == "director"
    ]
    b.offer("directors", _credits(principal), "atf.principalCredits")
    b.offer("directors", _credits(atf.get("directorsPageTitle")), "atf.directorsPageTitle")
    v2 = _director_groups(atf.get("principalCreditsV2"))
    b.offer("directors", _credits(v2), "atf.principalCreditsV2")


def _director_groups(groups: Any) -> list[Any]:
    """The director groups of a 2025 credit list (``crewV2``, ``principalCreditsV2``)."""
    if not isinstance(groups, list):
        return []
    return [
        g
        for g in groups
        if dig(g, "grouping", "groupingId") == DIRECTOR_GROUP
        or dig(g, "grouping", "text") in _DIRECTOR_TEXTS
    ]


def _recommendations(b: RecordBuilder, main: dict[str, Any]) -> tuple[dict[str, str | None], str]:
    """``({id: title type or None}, state)`` from ``main.moreLikeThisTitles``, in rank order."""
    edges = dig(main, "moreLikeThisTitles", "edges")
    if not isinstance(edges, list):
        return {}, MLT_ABSENT
    types: dict[str, str | None] = {}
    for edge in edges:
        node_id = dig(edge, "node", "id")
        if isinstance(node_id, str) and node_id and node_id not in types:
            node_type = dig(edge, "node", "titleType", "id")
            types[node_id] = node_type if isinstance(node_type, str) else None
    b.provenance["recommendations"] = "main.moreLikeThisTitles"
    return types, MLT_LISTED if types else MLT_EMPTY


def _credits(categories: Any) -> list[tuple[str, str | None]]:
    """(name, nm id) pairs from a list of credit groups (categories or V2 groupings)."""
    people = []
    for category in categories or []:
        for credit in dig(category, "credits") or []:
            name = clean_text(dig(credit, "name", "nameText", "text"))
            if name:
                nm = dig(credit, "name", "id")
                people.append((name, nm if isinstance(nm, str) else None))
    return unique(people)


def _merge_urql(state: dict[str, Any], tconst: Any) -> dict[str, Any]:
    """Merge the title fragments of an early Next.js page's urql cache into one tree.

    Each entry answered one GraphQL query about the page's title; a fragment without an ``id``
    (e.g. just countriesOfOrigin) belongs to the page's title too. Fragments about another
    title are skipped. Earlier entries win; nested dicts are merged key by key, because the
    same key (``ratingsSummary``) can be partial in one entry and complete in another.
    """
    merged: dict[str, Any] = {}
    for entry in state.values():
        title = dig(entry, "data", "title")
        if not isinstance(title, dict):
            continue
        if tconst and title.get("id") not in (None, tconst):
            continue
        _fill(merged, title)
    return merged


def _fill(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        have = into.get(key)
        if have is None:
            into[key] = value
        elif isinstance(have, dict) and isinstance(value, dict):
            _fill(have, value)
