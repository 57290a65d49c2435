"""Parser for IMDb's Next.js title pages (2021 to today).

Reads the ``<script id="__NEXT_DATA__">`` JSON, found by byte search and decoded with orjson:

- ``nextjs`` (2022+): ``props.pageProps.aboveTheFoldData`` ("atf") and ``mainColumnData``
  ("main");
- ``nextjs-urql`` (2021 to Jan 2022): the same title data split over the entries of
  ``props.pageProps.urqlState[<hash>].data.title``, merged here into one tree.

Field sources, first that answers wins: id ``atf.id`` then ``pageProps.tconst``; countries
``main`` (all of them) before ``atf`` (only the first); directors ``main.directors`` before
``atf.principalCredits``; recommendations only ``main.moreLikeThisTitles`` (never the raw HTML:
each recommended node carries its own titleText and ratingsSummary). Anything still missing
falls back on the page's JSON-LD (whose genres are cut to three).
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


def is_nextjs(body: bytes) -> bool:
    return NEXT_DATA_MARKER in body


def parse(url: str, body: bytes) -> TitleRecord:
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

    if isinstance(props.get("aboveTheFoldData"), dict):
        generation = "nextjs"
        atf = props["aboveTheFoldData"]
        main = props.get("mainColumnData") or {}
    elif isinstance(props.get("urqlState"), dict):
        generation = "nextjs-urql"
        atf = main = _merge_urql(props["urqlState"], props.get("tconst"))
        if not atf:
            raise IncompletePageError(url, generation, "urqlState holds no title data")
    else:
        raise IncompletePageError(
            url, "nextjs", "__NEXT_DATA__ has neither aboveTheFoldData nor urqlState"
        )
    if not isinstance(main, dict):
        main = {}

    b = RecordBuilder(generation)
    b.offer("id", atf.get("id"), "atf.id")
    b.offer("id", props.get("tconst"), "pageProps.tconst")
    b.offer("title", clean_text(dig(atf, "titleText", "text")), "atf.titleText")
    b.offer("title", clean_text(dig(main, "titleText", "text")), "main.titleText")
    b.offer("original_title", clean_text(dig(atf, "originalTitleText", "text")), "atf.original")
    b.offer("original_title", clean_text(dig(main, "originalTitleText", "text")), "main.original")
    for part, source in ((atf, "atf"), (main, "main")):
        b.offer("year", to_int(dig(part, "releaseYear", "year")), f"{source}.releaseYear")
        b.offer("end_year", to_int(dig(part, "releaseYear", "endYear")), f"{source}.releaseYear")
        b.offer("title_type", dig(part, "titleType", "id"), f"{source}.titleType")
        seconds = to_int(dig(part, "runtime", "seconds"))
        if seconds:
            b.offer("runtime_minutes", round(seconds / 60), f"{source}.runtime")
        rating = dig(part, "ratingsSummary")
        b.offer("rating", to_float(dig(rating, "aggregateRating")), f"{source}.ratingsSummary")
        b.offer("votes", to_int(dig(rating, "voteCount")), f"{source}.ratingsSummary")
        genres = [clean_text(dig(g, "text")) for g in dig(part, "genres", "genres") or []]
        b.offer("genres", unique([g for g in genres if g]), f"{source}.genres")
        plot = clean_text(dig(part, "plot", "plotText", "plainText"))
        b.offer("plot", plot, f"{source}.plot")
    for part, source in ((main, "main"), (atf, "atf")):
        countries = [dig(c, "id") for c in dig(part, "countriesOfOrigin", "countries") or []]
        countries = [c.upper() for c in countries if isinstance(c, str) and c]
        b.offer("countries", unique(countries), f"{source}.countriesOfOrigin")
    b.offer("directors", _credits(main.get("directors")), "main.directors")
    principal = [
        c for c in atf.get("principalCredits") or [] if dig(c, "category", "id") == "director"
    ]
    b.offer("directors", _credits(principal), "atf.principalCredits")

    mlt = dig(main, "moreLikeThisTitles")
    edges = dig(mlt, "edges")
    types: dict[str, str | None] = {}
    if isinstance(edges, list):
        for edge in edges:
            node_id = dig(edge, "node", "id")
            if isinstance(node_id, str) and node_id and node_id not in types:
                node_type = dig(edge, "node", "titleType", "id")
                types[node_id] = node_type if isinstance(node_type, str) else None
        state = MLT_LISTED if types else MLT_EMPTY
        b.provenance["recommendations"] = "main.moreLikeThisTitles"
    else:
        state = MLT_ABSENT

    if b.missing("title") or any(
        b.missing(f) for f in ("rating", "genres", "plot", "directors", "runtime_minutes")
    ):
        offer_json_ld(b, json_ld(body))
    if b.missing("id") or b.missing("title"):
        raise IncompletePageError(
            url, generation, "no title id or title text in __NEXT_DATA__ nor JSON-LD"
        )
    if "directors" not in b.values:
        b.values["directors"] = []
    return b.build(
        recommendations=list(types),
        recommendation_types=list(types.values()),
        recommendations_state=state,
    )


def _credits(categories: Any) -> list[tuple[str, str | None]]:
    """(name, nm id) pairs from a list of credit categories."""
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
