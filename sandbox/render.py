"""Sandbox pages in IMDb's real page structures: pure functions, ``Title`` in, bytes out.

Layouts (see the project README for the exact paths a parser reads):

* ``nextjs``: the 2022+ Next.js page. A JSON-LD ``<script>`` in ``<head>`` (genre cut to 3,
  like IMDb's) and ``<script id="__NEXT_DATA__">`` with ``props.pageProps.aboveTheFoldData``
  and ``props.pageProps.mainColumnData`` using IMDb's key names and nesting, including
  ``moreLikeThisTitles.edges[].node`` entries that carry their own ratings and titles.
* ``microdata``: the 2016-2018 server-rendered page (``itemprop``s on the title block,
  ``div.rec_item[data-tconst]`` recommendations).
* ``jsonld2018``: IMDb's August-2018 page: no ``itemprop`` in the title block, a full JSON-LD
  block, ``div.rec_item[data-tconst]`` recommendations.
* ``nextjs2025``: IMDb's October 2025 Next.js page: the same two trees with credits grouped
  by concept id (``principalCreditsV2``, ``crewV2``), every country in
  ``mainColumnData.countriesDetails`` (``aboveTheFoldData`` still names only the first), whole
  ratings as JSON integers, JSON-LD without directors, a US release date that can be a year
  after the title's year, ``tt_mlt_`` links.
* ``mixed``: one of the four per title, chosen by ``layout_for(seed, id)``.

Plus the pages a crawler meets when it is not served a title: IMDb's AWS WAF challenge (HTTP
202, the shape of ``tests/fixtures/imdb/waf_challenge_2026.html``),
a captcha, a cookie-consent interstitial, an unknown layout, and 404.

Realistic pages (default) are padded to IMDb's sizes with ``filler``; ``small=True`` gives
the same structure without padding (a few KB). Text is HTML-escaped; JSON inside
``<script>`` is escaped so it can never close the script (``<`` -> ``\\u003c``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
from collections.abc import Callable, Sequence

import orjson

from .filler import VARIANT_SCALES, escape_script_json, filler, json_members
from .universe import Title, person_id, person_name
from .words import COUNTRIES

LAYOUTS = ("nextjs", "nextjs2025", "microdata", "jsonld2018")
LAYOUT_CHOICES = (*LAYOUTS, "mixed")
SITE = "https://www.imdb.com"

_TYPE_TEXT = {
    "movie": "Movie",
    "short": "Short",
    "tvMovie": "TV Movie",
    "video": "Video",
    "tvSeries": "TV Series",
    "tvMiniSeries": "TV Mini Series",
}
_JSONLD_TYPE = {"tvSeries": "TVSeries", "tvMiniSeries": "TVSeries"}
# How the old server-rendered pages named countries (and their link codes).
_LEGACY_COUNTRY = {"US": ("USA", "us"), "GB": ("UK", "uk")}
_COUNTRY_NAMES = {c[0]: c[1] for c in COUNTRIES}
_COUNTRY_CODES = {c[0]: c[2] for c in COUNTRIES}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _h(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def layout_for(seed: int, tid: str, layout: str = "mixed") -> str:
    """The concrete layout of a title: ``layout`` itself unless it is ``mixed``."""
    if layout != "mixed":
        return layout
    return LAYOUTS[_h(f"layout:{seed}:{tid}") % len(LAYOUTS)]


def _variant(tid: str) -> int:
    return _h(f"size:{tid}") % len(VARIANT_SCALES)


def _release(t: Title) -> tuple[int, int]:
    """A stable (month, day) of first release, derived from the id."""
    k = _h(f"release:{t.id}")
    return k % 12 + 1, (k >> 8) % 28 + 1


def _date_published(t: Title) -> str | None:
    if t.year is None:
        return None
    m, d = _release(t)
    return f"{t.year:04d}-{m:02d}-{d:02d}"


def _iso_duration(minutes: int | None, *, hours: bool = True) -> str | None:
    if not minutes:
        return None
    if not hours:
        return f"PT{minutes}M"
    h, m = divmod(minutes, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m or not h else "")


def _human_runtime(minutes: int, *, legacy: bool = False) -> str:
    h, m = divmod(minutes, 60)
    if legacy:
        return (f"{h}h " if h else "") + (f"{m}min" if m else "")
    return (f"{h}h " if h else "") + (f"{m}m" if m else "")


def _year_span(t: Title) -> str:
    """'2008–2013', '2012– ' (ongoing) or '2005' (mini-series within a year)."""
    if t.title_type == "tvSeries":
        return f"{t.year}–{t.end_year if t.end_year else ' '}"
    if t.end_year and t.end_year != t.year:
        return f"{t.year}–{t.end_year}"
    return f"{t.year}"


def _people(t: Title) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Writers and stars of a title: synthetic people derived from the id (not part of
    the truth a parser is checked against, but present like on real pages)."""
    k = _h(f"people:{t.id}")
    writers = [(person_id(k % 50_000 + 1_000_000), person_name(k % 50_000 + 1_000_000))]
    stars = [
        (person_id(j), person_name(j))
        for j in ((k >> 16) % 60_000 + 2_000_000, (k >> 32) % 60_000 + 2_060_000)
    ]
    return writers, stars


def _poster(tid: str) -> str:
    digest = hashlib.blake2b(tid.encode(), digest_size=16).hexdigest()
    return f"https://m.media-amazon.com/images/M/MV5B{digest}._V1_.jpg"


# --- JSON-LD ---------------------------------------------------------------------------------


def _jsonld(t: Title, *, era: str) -> bytes:
    """The JSON-LD block. ``era="nextjs"``: genre cut to 3 (like IMDb's), a list of
    directors; ``era="2018"``: all genres (a bare string when there is one), director an
    object (one) or a list, rating values as strings, pretty-printed."""
    writers, stars = _people(t)
    person = lambda p: {"@type": "Person", "url": f"/name/{p[0]}/", "name": p[1]}  # noqa: E731
    doc: dict = {
        "@context": "https://schema.org" if era == "nextjs" else "http://schema.org",
        "@type": _JSONLD_TYPE.get(t.title_type, "Movie"),
        "url": f"/title/{t.id}/",
        "name": t.title,
    }
    if t.original_title != t.title:
        doc["alternateName"] = t.original_title
    doc["image"] = _poster(t.id)
    if t.plot:
        doc["description"] = t.plot
    if t.rating is not None:
        if era == "nextjs":
            doc["aggregateRating"] = {
                "@type": "AggregateRating",
                "ratingCount": t.votes,
                "bestRating": 10,
                "worstRating": 1,
                "ratingValue": t.rating,
            }
        else:
            doc["aggregateRating"] = {
                "@type": "AggregateRating",
                "ratingCount": t.votes,
                "bestRating": "10.0",
                "worstRating": "1.0",
                "ratingValue": f"{t.rating:.1f}",
            }
    if t.genres:
        if era == "nextjs":
            doc["genre"] = list(t.genres[:3])
        else:
            doc["genre"] = t.genres[0] if len(t.genres) == 1 else list(t.genres)
    if (published := _date_published(t)) is not None:
        doc["datePublished"] = published
    doc["actor"] = [person(p) for p in stars]
    if t.directors:
        dirs = [person(p) for p in t.directors]
        doc["director"] = dirs if era == "nextjs" or len(dirs) > 1 else dirs[0]
    doc["creator"] = [{"@type": "Organization", "url": "/company/co0000001/"}] + [
        person(p) for p in writers
    ]
    if (dur := _iso_duration(t.runtime_minutes)) is not None:
        doc["duration"] = dur
    opts = orjson.OPT_INDENT_2 if era == "2018" else 0
    return escape_script_json(orjson.dumps(doc, option=opts))


# --- Next.js ---------------------------------------------------------------------------------


def _text(s: str) -> dict:
    return {"text": s, "__typename": "TitleText"}


def _title_type(t: Title, *, full: bool) -> dict:
    series = t.is_series
    d: dict = {"id": t.title_type, "text": _TYPE_TEXT[t.title_type]}
    if full:
        d = {
            "displayableProperty": {
                "value": {
                    "plainText": "" if t.title_type == "movie" else d["text"],
                    "__typename": "Markdown",
                },
                "__typename": "DisplayableTitleTypeProperty",
            },
            **d,
            "isSeries": series,
            "isEpisode": False,
            "categories": [
                {"value": "tv" if series else "movie", "__typename": "TitleTypeCategory"}
            ],
        }
    d["canHaveEpisodes"] = series
    d["__typename"] = "TitleType"
    return d


def _name(p: tuple[str, str], typename: str) -> dict:
    return {
        "name": {
            "nameText": {"text": p[1], "__typename": "NameText"},
            "id": p[0],
            "__typename": "Name",
        },
        "attributes": None,
        "__typename": typename,
    }


def _credit_group(cat_id: str, text: str, people: Sequence[tuple[str, str]], tn: str) -> dict:
    return {
        "totalCredits": len(people),
        "category": {"text": text, "id": cat_id, "__typename": "CreditCategory"},
        "credits": [_name(p, tn) for p in people],
        "__typename": "PrincipalCreditsForCategory",
    }


def _rec_node(r: Title) -> dict:
    return {
        "node": {
            "id": r.id,
            "titleText": _text(r.title),
            "titleType": _title_type(r, full=False),
            "originalTitleText": _text(r.original_title),
            "primaryImage": {
                "id": "rm" + r.id[2:],
                "width": 1000,
                "height": 1500,
                "url": _poster(r.id),
                "__typename": "Image",
            },
            "releaseYear": {"year": r.year, "endYear": r.end_year, "__typename": "YearRange"},
            "ratingsSummary": {
                "aggregateRating": r.rating,
                "voteCount": r.votes,
                "__typename": "RatingsSummary",
            },
            "runtime": {"seconds": r.runtime_minutes * 60, "__typename": "Runtime"}
            if r.runtime_minutes
            else None,
            "certificate": None,
            "canRate": {"isRatable": True, "__typename": "CanRate"},
            "titleGenres": {
                "genres": [
                    {"genre": {"text": g, "__typename": "GenreItem"}, "__typename": "TitleGenre"}
                    for g in r.genres
                ],
                "__typename": "TitleGenres",
            },
            "canHaveEpisodes": r.is_series,
            "__typename": "Title",
        },
        "__typename": "MoreLikeThisEdge",
    }


def _above_the_fold(t: Title) -> dict:
    writers, stars = _people(t)
    credits = []
    if t.directors:
        text = "Director" if len(t.directors) == 1 else "Directors"
        credits.append(_credit_group("director", text, t.directors, "Crew"))
    if t.is_series:
        credits.append(_credit_group("creator", "Creator", writers, "Crew"))
    else:
        credits.append(_credit_group("writer", "Writer", writers, "Crew"))
    credits.append(_credit_group("cast", "Stars", stars, "Cast"))
    month, day = _release(t)
    return {
        "id": t.id,
        "productionStatus": {
            "currentProductionStage": {
                "id": "released",
                "text": "Released",
                "__typename": "ProductionStage",
            },
            "__typename": "ProductionStatusDetails",
        },
        "canHaveEpisodes": t.is_series,
        "series": None,
        "titleText": _text(t.title),
        "titleType": _title_type(t, full=True),
        "originalTitleText": _text(t.original_title),
        "certificate": None,
        "releaseYear": {"year": t.year, "endYear": t.end_year, "__typename": "YearRange"},
        "releaseDate": {"day": day, "month": month, "year": t.year, "__typename": "ReleaseDate"},
        "runtime": {
            "seconds": t.runtime_minutes * 60,
            "displayableProperty": {
                "value": {"plainText": _human_runtime(t.runtime_minutes), "__typename": "Markdown"},
                "__typename": "DisplayableTitleRuntimeProperty",
            },
            "__typename": "Runtime",
        }
        if t.runtime_minutes
        else None,
        "canRate": {"isRatable": True, "__typename": "CanRate"},
        "ratingsSummary": {
            "aggregateRating": t.rating,
            "voteCount": t.votes,
            "__typename": "RatingsSummary",
        },
        "primaryImage": {
            "id": "rm" + t.id[2:],
            "width": 1000,
            "height": 1500,
            "url": _poster(t.id),
            "__typename": "Image",
        },
        "genres": {
            "genres": [{"text": g, "id": g, "__typename": "Genre"} for g in t.genres],
            "__typename": "Genres",
        },
        "plot": {
            "plotText": {"plainText": t.plot, "__typename": "Markdown"},
            "language": {"id": "en-US", "__typename": "DisplayableLanguage"},
            "__typename": "Plot",
        }
        if t.plot
        else None,
        "principalCredits": credits,
        # IMDb's above-the-fold data names only the first country of origin.
        "countriesOfOrigin": {
            "countries": [{"id": c, "__typename": "CountryOfOrigin"} for c in t.countries[:1]],
            "__typename": "CountriesOfOrigin",
        }
        if t.countries
        else None,
        "meta": {"canonicalId": t.id, "publicationStatus": "PUBLISHED", "__typename": "TitleMeta"},
        "__typename": "Title",
    }


def _seasons(t: Title) -> int:
    return 1 + max(0, (t.end_year or 2025) - (t.year or 2025)) % 8


def _main_column(t: Title, recs: Sequence[Title], *, empty_mlt: bool) -> dict:
    names = _COUNTRY_NAMES
    writers, _ = _people(t)
    directors = []
    if t.directors:
        g = _credit_group("director", "Directors", t.directors, "Crew")
        del g["category"]["id"]
        directors.append(g)
    return {
        "id": t.id,
        "ratingsSummary": {"topRanking": None, "__typename": "RatingsSummary"},
        "episodes": {
            "episodes": {"total": 10 * (1 + (t.end_year or t.year or 0) - (t.year or 0))},
            "seasons": [{"value": str(k + 1)} for k in range(_seasons(t))],
            "__typename": "Episodes",
        }
        if t.is_series
        else None,
        "titleType": {
            "id": t.title_type,
            "canHaveEpisodes": t.is_series,
            "__typename": "TitleType",
        },
        "creators": [_credit_group("creator", "Creator", writers, "Crew")] if t.is_series else [],
        "directors": directors,
        "writers": [] if t.is_series else [_credit_group("writer", "Writer", writers, "Crew")],
        "isAdult": False,
        "moreLikeThisTitles": {
            "edges": [] if empty_mlt else [_rec_node(r) for r in recs],
            "__typename": "MoreLikeThisConnection",
        },
        "titleText": _text(t.title),
        "originalTitleText": _text(t.original_title),
        "releaseYear": {"year": t.year, "__typename": "YearRange"},
        "countriesOfOrigin": {
            "countries": [
                {"id": c, "text": names.get(c, c), "__typename": "CountryOfOrigin"}
                for c in t.countries
            ],
            "__typename": "CountriesOfOrigin",
        }
        if t.countries
        else None,
        "runtime": {"seconds": t.runtime_minutes * 60, "__typename": "Runtime"}
        if t.runtime_minutes
        else None,
        "series": None,
        "canHaveEpisodes": t.is_series,
        "__typename": "Title",
    }


def _splice(obj: dict, extra: bytes) -> tuple[bytes, ...]:
    """``obj`` as escaped JSON with the pre-encoded members ``extra`` added (as parts, so
    the padding is copied once, into the page)."""
    body = escape_script_json(orjson.dumps(obj))
    if not extra:
        return (body,)
    return body[:-1], b",", extra, b"}"


def _nextjs_visible(t: Title, recs: Sequence[Title], *, empty_mlt: bool) -> str:
    """The server-rendered markup of the Next.js page (hero, chips, More like this)."""
    chips = "".join(
        '<a class="ipc-chip ipc-chip--on-baseAlt" role="button" tabindex="0" '
        f'aria-disabled="false" href="/search/title?genres={esc(g.lower())}&amp;explore='
        f'title_type,genres&amp;ref_=tt_ov_inf"><span class="ipc-chip__text">{esc(g)}</span></a>'
        for g in t.genres[:3]
    )
    rating = (
        '<div data-testid="hero-rating-bar__aggregate-rating__score" class="sc-bde20123-2 '
        f'gYgHoj"><span class="sc-bde20123-1 iZlgcd">{t.rating}</span><span>/<!-- -->10</span>'
        f'</div><div class="sc-bde20123-3 bjjENQ">{t.votes:,}</div>'
        if t.rating is not None
        else ""
    )
    plot = (
        f'<span role="presentation" data-testid="plot-xl" class="sc-2eb29e65-2">{esc(t.plot)}'
        "</span>"
        if t.plot
        else ""
    )
    dirs = "".join(
        f'<li role="presentation" class="ipc-inline-list__item"><a class="ipc-metadata-list-'
        f'item__list-content-item" href="/name/{p[0]}/?ref_=tt_ov_dr">{esc(p[1])}</a></li>'
        for p in t.directors
    )
    cards = ""
    if recs and not empty_mlt:
        cards = (
            '<section data-testid="MoreLikeThis" cel_widget_id="StaticFeature_MoreLikeThis" '
            'class="ipc-page-section ipc-page-section--base celwidget"><h3 class="ipc-title__text">'
            '<span>More like this</span></h3><div class="ipc-sub-grid ipc-shoveler__grid" '
            'data-testid="shoveler-items-container">'
            + "".join(
                '<div class="ipc-poster-card ipc-poster-card--base" role="group"><a class='
                f'"ipc-lockup-overlay" href="/title/{r.id}/?ref_=tt_sims_tt_i_{k}" aria-label='
                f'"View title page for {esc(r.title)}"></a><span class="ipc-rating-star">'
                f'{r.rating if r.rating is not None else ""}</span><a class="ipc-poster-title" '
                f'href="/title/{r.id}/?ref_=tt_sims_tt_t_{k}"><span data-testid="title">'
                f"{esc(r.title)}</span></a></div>"
                for k, r in enumerate(recs, 1)
            )
            + "</div></section>"
        )
    return (
        '<main role="main" class="ipc-page-wrapper"><section class="ipc-page-background">'
        f'<h1 textLength="{len(t.title)}" data-testid="hero__pageTitle" class="sc-afe43def-0">'
        f'<span class="sc-afe43def-1 fDTGTb">{esc(t.title)}</span></h1>'
        + (
            f'<div class="sc-afe43def-3 EpHJp">Original title: {esc(t.original_title)}</div>'
            if t.original_title != t.title
            else ""
        )
        + f'<ul class="ipc-inline-list"><li role="presentation"><a href="/title/{t.id}/'
        f'releaseinfo?ref_=tt_ov_rdat">{esc(_year_span(t) if t.is_series else str(t.year))}'
        f'</a></li></ul><div class="ipc-chip-list__scroller">{chips}</div>{rating}'
        f'<p data-testid="plot">{plot}</p><ul class="ipc-metadata-list title-pc-list">'
        f"{dirs}</ul></section>{cards}</main>"
    )


def render_nextjs(
    t: Title, recs: Sequence[Title], *, small: bool = False, empty_mlt: bool = False
) -> bytes:
    return _next_page(
        t,
        atf=_above_the_fold(t),
        main=_main_column(t, recs, empty_mlt=empty_mlt),
        jsonld=_jsonld(t, era="nextjs"),
        visible=_nextjs_visible(t, recs, empty_mlt=empty_mlt),
        small=small,
    )


def _next_page(
    t: Title,
    *,
    atf: dict,
    main: dict,
    jsonld: bytes,
    visible: str,
    small: bool,
    mc_extra: Callable[[int], bytes] | None = None,
) -> bytes:
    """A Next.js page (both generations): head with JSON-LD, visible markup, __NEXT_DATA__.
    ``mc_extra(variant)`` replaces the filler's padding of ``mainColumnData``."""
    f = None if small else filler(_variant(t.id))
    year = f" ({_TYPE_TEXT[t.title_type]} {_year_span(t)})" if t.is_series else f" ({t.year})"
    head_title = esc(t.title + year)
    desc = esc(
        (f"{t.title}: Directed by {', '.join(p[1] for p in t.directors)}. " if t.directors else "")
        + (t.plot or "")
    )
    og_type = "video.tv_show" if t.is_series else "video.movie"
    next_data = (
        b'{"props":{"pageProps":{"tconst":"',
        t.id.encode(),
        b'","aboveTheFoldData":',
        *_splice(atf, f.atf_extra if f else b""),
        b',"mainColumnData":',
        *_splice(main, (mc_extra(_variant(t.id)) if mc_extra else f.mc_extra) if f else b""),
        *((b",", f.page_props_extra) if f else (b',"urqlState":null,"fetchState":null',)),
        b'},"__N_SSP":true},"page":"/title/[tconst]","query":{"tconst":"',
        t.id.encode(),
        b'"}',
        *((b",", f.next_tail) if f else ()),
        b"}",
    )
    url = f"{SITE}/title/{t.id}/"
    return b"".join(
        (
            b'<!DOCTYPE html><html lang="en-US" xmlns:og="http://opengraphprotocol.org/schema/" '
            b'xmlns:fb="http://www.facebook.com/2008/fbml"><head><meta charSet="utf-8"/>'
            b'<meta name="viewport" content="width=device-width"/>',
            f.head_scripts if f else b"",
            f'<title>{head_title} - IMDb</title><meta name="description" content="{desc}" '
            'data-id="main"/><script type="application/ld+json">'.encode(),
            jsonld,
            f'</script><meta property="og:url" content="{url}"/><meta property="og:site_name" '
            f'content="IMDb"/><meta property="og:title" content="{head_title} - IMDb"/>'
            f'<meta property="og:type" content="{og_type}"/><link rel="canonical" href="{url}"/>'
            '<meta property="imdb:pageType" content="title"/><meta property="imdb:subPageType" '
            f'content="main"/><meta property="imdb:pageConst" content="{t.id}"/>'.encode(),
            f.css if f else b"",
            b"</head><body><div>",
            f.body_top if f else b"",
            visible.encode(),
            f.body_sections if f else b"",
            b'</div><script id="__NEXT_DATA__" type="application/json">',
            *next_data,
            b"</script>",
            f.body_tail if f else b"",
            b"</body></html>",
        )
    )


# --- Next.js, October 2025 -------------------------------------------------------------------
# What changed (tests/fixtures/imdb/README.md, the modern2025_* pages): credits are grouped by
# ``grouping`` (a concept id and a localised text) in ``atf.principalCreditsV2``,
# ``atf.crewV2`` (ids only) and ``main.crewV2``; ``main`` lost ``directors``, ``writers``,
# ``cast``, ``countriesOfOrigin`` and ``releaseYear``, and names every country in
# ``countriesDetails``; ``atf.countriesOfOrigin`` still names only the first; a whole rating
# is a JSON integer; JSON-LD names no director or actor, only companies as ``creator``; the
# "More like this" links say ``tt_mlt_``. As on IMDb, the US release date (``releaseDate``,
# JSON-LD ``datePublished``) is for some titles a year after the title's year.

# IMDb's concept ids of the credit groups (the same on every page, whatever the language).
_GROUP_DIRECTOR = "amzn1.imdb.concept.name_credit_category.ace5cb4c-8708-4238-9542-04641e7c8171"
_GROUP_WRITER = "amzn1.imdb.concept.name_credit_category.c84ecaff-add5-4f2e-81db-102a41881fe3"
_GROUP_CREATOR = "amzn1.imdb.concept.name_credit_group.85198717-6c2d-481e-93a5-47858774bcce"
_GROUP_STARS = "amzn1.imdb.concept.name_credit_group.7510356e-fde9-438e-b3ad-0099ba6bc8ce"
_GROUP_CAST = "amzn1.imdb.concept.name_credit_group.7caf7d16-5db9-4f4f-8864-d4c6e711c686"
# Interest chips shown before the genre chips (invented names in IMDb's style).
_INTERESTS = (
    "Epic",
    "Period Drama",
    "Dark Comedy",
    "Psychological Thriller",
    "Coming-of-Age",
    "Slow Burn",
    "Road Trip",
    "Whodunnit",
    "Satire",
    "Tragedy",
    "Caper",
    "Quirky Comedy",
)


def _rating_2025(rating: float | None) -> float | int | None:
    """IMDb's 2025 JSON writes a whole rating as an integer (8, shown "8.0")."""
    if rating is not None and rating == int(rating):
        return int(rating)
    return rating


def _us_release(t: Title) -> tuple[int, int, int] | None:
    """(year, month, day) of the US release: a quarter of the films reached the US the year
    after their first release (Gandhi: 1982, in the US February 1983)."""
    if t.year is None:
        return None
    month, day = _release(t)
    later = not t.is_series and _h(f"us-release:{t.id}") % 4 == 0
    return t.year + later, month, day


def _people_2025(t: Title) -> list[tuple[str, str, Sequence[tuple[str, str]]]]:
    """(group id, English text, people) of the title's principal credits, in page order."""
    writers, stars = _people(t)
    groups: list[tuple[str, str, Sequence[tuple[str, str]]]] = []
    if t.directors:
        text = "Director" if len(t.directors) == 1 else "Directors"
        groups.append((_GROUP_DIRECTOR, text, t.directors))
    if t.is_series:
        groups.append((_GROUP_CREATOR, "Creator", writers))
    else:
        groups.append((_GROUP_WRITER, "Writer", writers))
    groups.append((_GROUP_STARS, "Stars", stars))
    return groups


def _name_v2(p: tuple[str, str]) -> dict:
    return {
        "name": {"id": p[0], "nameText": {"text": p[1], "__typename": "NameText"},
                 "__typename": "Name"},
        "__typename": "CreditV2",
    }  # fmt: skip


def _group_v2(group: str, text: str | None, people: Sequence[tuple[str, str]]) -> dict:
    """A 2025 credit group; ``atf.crewV2`` gives only the group's id (``text=None``)."""
    grouping = {"groupingId": group, "text": text, "__typename": "CreditGrouping"}
    out: dict = {"totalCredits": len(people), "grouping": grouping}
    if text is None:
        del grouping["text"], out["totalCredits"]
    out["credits"] = [_name_v2(p) for p in people]
    out["__typename"] = "PrincipalCreditsForGrouping"
    return out


def _page_title_credits(people: Sequence[tuple[str, str]]) -> list[dict]:
    """``directorsPageTitle`` / ``creatorsPageTitle``: one category, or none."""
    if not people:
        return []
    credits = [
        {
            "name": {
                "id": p[0],
                "nameText": {"text": p[1], "__typename": "NameText"},
                "__typename": "Name",
            },
            "__typename": "Crew",
        }
        for p in people
    ]
    return [{"credits": credits, "__typename": "PrincipalCreditsForCategory"}]


def _release_date(t: Title, *, with_id: bool) -> dict | None:
    us = _us_release(t)
    if us is None:
        return None
    country: dict = {"text": "United States", "__typename": "LocalizedDisplayableCountry"}
    if with_id:
        country = {"id": "US", **country}
    year, month, day = us
    return {
        "day": day,
        "month": month,
        "year": year,
        "country": country,
        "__typename": "ReleaseDate",
    }


def _interests(t: Title) -> list[tuple[str, str]]:
    """(interest id, text) chips: a few interests, then the first three genres."""
    k = _h(f"interests:{t.id}")
    picked = dict.fromkeys(_INTERESTS[(k >> (4 * i)) % len(_INTERESTS)] for i in range(k % 4 + 2))
    names = [*picked, *t.genres[:3]]
    return [(f"in9{_h('interest:' + n) % 1_000_000:06d}", n) for n in names]


def _rec_node_2025(r: Title) -> dict:
    edge = _rec_node(r)
    node = edge["node"]
    node["titleType"] = {
        "id": r.title_type,
        "text": _TYPE_TEXT[r.title_type],
        "canHaveEpisodes": r.is_series,
        "displayableProperty": {
            "value": {
                "plainText": "" if r.title_type == "movie" else _TYPE_TEXT[r.title_type],
                "__typename": "Markdown",
            },
            "__typename": "DisplayableTitleTypeProperty",
        },
        "__typename": "TitleType",
    }
    node["ratingsSummary"]["aggregateRating"] = _rating_2025(r.rating)
    del node["canHaveEpisodes"]
    return edge


def _above_the_fold_2025(t: Title) -> dict:
    atf = _above_the_fold(t)
    del atf["principalCredits"], atf["canHaveEpisodes"]
    atf["releaseDate"] = _release_date(t, with_id=False)
    atf["ratingsSummary"]["aggregateRating"] = _rating_2025(t.rating)
    atf["isAdult"] = False
    atf["interests"] = {
        "edges": [
            {
                "node": {
                    "id": iid,
                    "primaryText": {"text": text, "__typename": "InterestText"},
                    "__typename": "Interest",
                },
                "__typename": "InterestEdge",
            }
            for iid, text in _interests(t)
        ],
        "__typename": "InterestConnection",
    }
    atf["principalCreditsV2"] = [_group_v2(*g) for g in _people_2025(t)]
    atf["titleGenres"] = {
        "genres": [
            {"genre": {"text": g, "__typename": "GenreItem"}, "__typename": "TitleGenre"}
            for g in t.genres[:3]
        ],
        "__typename": "TitleGenres",
    }
    writers, stars = _people(t)
    atf["castPageTitle"] = {
        "edges": [
            {
                "node": {
                    "name": {
                        "id": p[0],
                        "nameText": {"text": p[1], "__typename": "NameText"},
                        "__typename": "Name",
                    },
                    "__typename": "Cast",
                },
                "__typename": "CreditEdge",
            }
            for p in stars
        ],
        "__typename": "CreditConnection",
    }
    atf["creatorsPageTitle"] = _page_title_credits(writers if t.is_series else [])
    atf["directorsPageTitle"] = _page_title_credits(t.directors)
    # Moved to the end of the tree, where the 2025 page has it; still only the first country.
    atf["countriesOfOrigin"] = atf.pop("countriesOfOrigin")
    atf["castV2"] = [
        {"credits": [_name_v2(p) for p in stars],
         "__typename": "PrincipalCreditsForGrouping"}
    ]  # fmt: skip
    atf["crewV2"] = [_group_v2(_GROUP_DIRECTOR, None, t.directors)] if t.directors else []
    atf["__typename"] = atf.pop("__typename")
    return atf


def _main_column_2025(t: Title, recs: Sequence[Title], *, empty_mlt: bool) -> dict:
    main = _main_column(t, recs, empty_mlt=empty_mlt)
    for gone in ("directors", "writers", "creators", "countriesOfOrigin", "releaseYear"):
        del main[gone]
    _, stars = _people(t)
    main["ratingsSummary"] = {
        "topRanking": None,
        "__typename": "RatingsSummary",
        "aggregateRating": _rating_2025(t.rating),
        "voteCount": t.votes,
        "notificationText": None,
    }
    main["castV2"] = [
        {
            "grouping": {"groupingId": _GROUP_CAST, "text": "Top Cast",
                         "__typename": "CreditGrouping"},
            "totalCredits": len(stars),
            "credits": [_name_v2(p) for p in stars],
            "__typename": "PrincipalCreditsForGrouping",
        }
    ]  # fmt: skip
    main["crewV2"] = [
        _group_v2(group, text, people)
        for group, text, people in _people_2025(t)
        if group != _GROUP_STARS
    ]
    if not empty_mlt:
        main["moreLikeThisTitles"]["edges"] = [_rec_node_2025(r) for r in recs]
    main["releaseDate"] = _release_date(t, with_id=True)
    main["countriesDetails"] = (
        {
            "countries": [
                {"id": c, "text": _COUNTRY_NAMES.get(c, c), "__typename": "CountryOfOrigin"}
                for c in t.countries
            ],
            "__typename": "CountriesOfOrigin",
        }
        if t.countries
        else None
    )
    main["spokenLanguages"] = {
        "spokenLanguages": [{"id": "en", "text": "English", "__typename": "SpokenLanguage"}],
        "__typename": "SpokenLanguages",
    }
    main["__typename"] = main.pop("__typename")
    return main


def _jsonld_2025(t: Title) -> bytes:
    """The 2025 JSON-LD: absolute url, a whole rating as an integer, the US release date,
    genre cut to 3, HTML entities in the description, no director or actor (companies only,
    as ``creator``)."""
    doc: dict = {
        "@context": "https://schema.org",
        "@type": _JSONLD_TYPE.get(t.title_type, "Movie"),
        "url": f"{SITE}/title/{t.id}/",
        "name": t.title,
    }
    if t.original_title != t.title:
        doc["alternateName"] = t.original_title
    doc["image"] = _poster(t.id)
    if t.plot:
        doc["description"] = (
            t.plot.replace("&", "&amp;").replace("'", "&apos;").replace('"', "&quot;")
        )
    if t.rating is not None:
        doc["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingCount": t.votes,
            "bestRating": 10,
            "worstRating": 1,
            "ratingValue": _rating_2025(t.rating),
        }
    if t.genres:
        doc["genre"] = list(t.genres[:3])
    if (us := _us_release(t)) is not None:
        doc["datePublished"] = f"{us[0]:04d}-{us[1]:02d}-{us[2]:02d}"
    doc["creator"] = [
        {"@type": "Organization", "url": f"{SITE}/company/co{_h('co:' + t.id) % 10**7:07d}/"}
    ]
    if (dur := _iso_duration(t.runtime_minutes)) is not None:
        doc["duration"] = dur
    return escape_script_json(orjson.dumps(doc))


def _nextjs2025_visible(t: Title, recs: Sequence[Title], *, empty_mlt: bool) -> str:
    """The server-rendered markup of the 2025 page: hero, interest chips (the genres last),
    "More like this" with ``tt_mlt_`` links."""
    chips = "".join(
        '<a class="ipc-chip ipc-chip--on-baseAlt" tabindex="0" aria-disabled="false" '
        f'href="/interest/{iid}/?ref_=tt_ov_in_{k}"><span class="ipc-chip__text">{esc(text)}'
        "</span></a>"
        for k, (iid, text) in enumerate(_interests(t), 1)
    )
    rating = (
        '<div data-testid="hero-rating-bar__aggregate-rating__score" class="sc-d541859f-0">'
        f'<span class="sc-d541859f-1 imUuxf">{t.rating:.1f}</span><span>/<!-- -->10</span>'
        f'</div><div class="sc-d541859f-3 dwhNqC">{t.votes:,}</div>'
        if t.rating is not None
        else ""
    )
    plot = (
        f'<span role="presentation" data-testid="plot-xl" class="sc-bf30a0e-2">{esc(t.plot)}</span>'
        if t.plot
        else ""
    )
    dirs = "".join(
        f'<li role="presentation" class="ipc-inline-list__item"><a class="ipc-metadata-list-'
        f'item__list-content-item" href="/name/{p[0]}/?ref_=tt_ov_1_{k}">{esc(p[1])}</a></li>'
        for k, p in enumerate(t.directors, 1)
    )
    cards = ""
    if recs and not empty_mlt:
        cards = (
            '<section data-testid="MoreLikeThis" class="ipc-page-section ipc-page-section--base">'
            '<h3 class="ipc-title__text"><span>More like this</span></h3><div class="ipc-sub-'
            'grid ipc-shoveler__grid" data-testid="shoveler-items-container">'
            + "".join(
                '<div class="ipc-poster-card ipc-poster-card--base" role="group"><a class='
                f'"ipc-lockup-overlay" href="/title/{r.id}/?ref_=tt_mlt_i_{k}" aria-label='
                f'"View title page for {esc(r.title)}"></a><span class="ipc-rating-star">'
                f'{f"{r.rating:.1f}" if r.rating is not None else ""}</span><a class="ipc-'
                f'poster-card__title" aria-label="View title page for {esc(r.title)}" '
                f'href="/title/{r.id}/?ref_=tt_mlt_t_{k}"><span data-testid="title">'
                f"{esc(r.title)}</span></a></div>"
                for k, r in enumerate(recs, 1)
            )
            + "</div></section>"
        )
    return (
        '<main role="main" class="ipc-page-wrapper"><section class="ipc-page-background">'
        f'<h1 textLength="{len(t.title)}" data-testid="hero__pageTitle" class="sc-16bda17f-0">'
        f'<span class="hero__primary-text" data-testid="hero__primary-text">{esc(t.title)}'
        "</span></h1>"
        + (
            f'<div class="sc-16bda17f-1">Original title: {esc(t.original_title)}</div>'
            if t.original_title != t.title
            else ""
        )
        + f'<ul class="ipc-inline-list"><li role="presentation"><a href="/title/{t.id}/'
        f'releaseinfo/?ref_=tt_ov_rdat">{esc(_year_span(t) if t.is_series else str(t.year))}'
        '</a></li></ul><div class="ipc-chip-list--baseAlt ipc-chip-list" data-testid='
        f'"interests"><div class="ipc-chip-list__scroller">{chips}</div></div>{rating}'
        f'<p data-testid="plot">{plot}</p><ul class="ipc-metadata-list title-pc-list">'
        f"{dirs}</ul></section>{cards}</main>"
    )


def render_nextjs2025(
    t: Title, recs: Sequence[Title], *, small: bool = False, empty_mlt: bool = False
) -> bytes:
    return _next_page(
        t,
        atf=_above_the_fold_2025(t),
        main=_main_column_2025(t, recs, empty_mlt=empty_mlt),
        jsonld=_jsonld_2025(t),
        visible=_nextjs2025_visible(t, recs, empty_mlt=empty_mlt),
        small=small,
        mc_extra=_mc_extra_2025,
    )


@functools.cache
def _mc_extra_2025(variant: int) -> bytes:
    """The padding of ``mainColumnData`` without ``cast``, a key the 2025 page no longer has
    (its cast is in ``castV2``)."""
    members = orjson.loads(b"{" + filler(variant).mc_extra + b"}")
    del members["cast"]
    return json_members(members)


# --- the server-rendered layouts (2016 microdata, 2018 JSON-LD) ------------------------------


def _legacy_head(t: Title, f, *, jsonld: bytes | None) -> str:
    og_type = "video.tv_show" if t.is_series else "video.movie"
    year = f" ({_TYPE_TEXT[t.title_type]} {_year_span(t)})" if t.is_series else f" ({t.year})"
    title = esc(t.title + year)
    url = f"http://www.imdb.com/title/{t.id}/"
    return (
        '<!DOCTYPE html>\n<html\nxmlns:og="http://ogp.me/ns#"\nxmlns:fb="http://www.facebook.com'
        '/2008/fbml">\n<head>\n<meta charset="utf-8">\n<meta http-equiv="X-UA-Compatible" '
        f'content="IE=edge">\n<title>{title} - IMDb</title>\n'
        f'<link rel="canonical" href="{url}" />\n<meta property="og:url" content="{url}" />\n'
        + (f.legacy_head.decode() if f else "")
        + f"\n<meta property='og:type' content=\"{og_type}\" />\n"
        f"<meta property='og:title' content=\"{title}\" />\n"
        "<meta property='og:site_name' content='IMDb' />\n"
        f'<meta name="description" content="{esc(t.plot or "")}" />\n'
        + (
            f'<script type="application/ld+json">{jsonld.decode()}</script>\n'
            if jsonld is not None
            else ""
        )
        + '</head>\n<body id="styleguide-v2" class="fixed">\n'
    )


def _subtext_release(t: Title, *, microdata: bool) -> str:
    published = _date_published(t)
    meta = f'\n<meta itemprop="datePublished" content="{published}" />' if microdata else ""
    if t.is_series:
        text = (
            f"{'TV Series' if t.title_type == 'tvSeries' else 'TV Mini-Series'} ({_year_span(t)})"
        )
    else:
        m, d = _release(t)
        when = f"{d} {_MONTHS[m - 1]} {t.year}"
        prefix = {"tvMovie": "TV Movie ", "video": "Video "}.get(t.title_type, "")
        text = (
            f"{prefix}{when} ({esc(_legacy_country(t.countries[0])[0]) if t.countries else 'USA'})"
        )
    return (
        f'<a href="/title/{t.id}/releaseinfo?ref_=tt_ov_inf"\ntitle="See more release dates" >'
        f"{text}{meta}\n</a>"
    )


def _legacy_country(code: str) -> tuple[str, str]:
    if code in _LEGACY_COUNTRY:
        return _LEGACY_COUNTRY[code]
    return _COUNTRY_NAMES.get(code, code), _COUNTRY_CODES.get(code, code.lower())


def _rec_items(t: Title, recs: Sequence[Title]) -> str:
    if not recs:
        return ""
    items = []
    for r in recs:
        items.append(
            f'\n    <div class="rec_item" data-info="" data-spec="p13nsims:{t.id}" '
            f'data-tconst="{r.id}">\n        <div class="rec_overlay">\n            '
            '<div class="rec_filter"></div>\n            <div class="glyph rec_watchlist_glyph">'
            "</div>\n        </div>\n"
            f'<a href="/title/{r.id}/?ref_=tt_rec_tti"\n><img height="113" width="76" '
            f'alt="{esc(r.title)}" title="{esc(r.title)}" src="{_poster(r.id)}" '
            'class="loadlate hidden rec_poster_img" /> <br/>\n</a>    </div>\n'
        )
    details = "".join(
        f'\n<div class="rec_details" data-tconst="{r.id}" style="display:none"><div '
        f'class="rec-title"><a href="/title/{r.id}/?ref_=tt_rec_tt"><b>{esc(r.title)}</b></a> '
        f'<span class="nobr">({r.year})</span></div><div class="rec-rating"><span '
        f'class="value">{r.rating if r.rating is not None else "-"}</span></div></div>'
        for r in recs
    )
    return (
        '\n<div class="article" id="titleRecs">\n<h2>People who liked this also liked...&nbsp;'
        '</h2>\n<div class="rec_wrapper" id="title_recs" data-items-per-page="6">\n<div '
        'class="rec_view">\n<div class="rec_slide">\n<div class="rec_page">'
        + "".join(items)
        + '</div>\n</div>\n</div>\n<div class="rec_details_wrapper">'
        + details
        + "</div>\n</div>\n</div>\n"
    )


def _legacy_page(t: Title, recs: Sequence[Title], *, microdata: bool, small: bool) -> bytes:
    f = None if small else filler(_variant(t.id))
    # The 2018 layout is the 2016 one with every itemprop removed.
    prop = {
        k: f' itemprop="{k}"' if microdata else ""
        for k in ("duration", "ratingValue", "bestRating", "ratingCount", "description", "genre")
    }
    rating_scope = (
        ' itemtype="http://schema.org/AggregateRating" itemscope="" itemprop="aggregateRating"'
        if microdata
        else ""
    )
    runtime = t.runtime_minutes
    dur = _iso_duration(runtime, hours=False)
    genres_head = t.genres[:3]
    if microdata:
        genre_links = ", \n".join(
            f'<a href="/genre/{esc(g)}?ref_=tt_ov_inf"\n><span class="itemprop" '
            f'itemprop="genre">{esc(g)}</span></a>'
            for g in genres_head
        )
    else:
        genre_links = ", \n".join(
            f'<a href="/search/title?genres={esc(g.lower())}&amp;explore=title_type,genres&amp;'
            f'ref_=tt_ov_inf"\n>{esc(g)}</a>'
            for g in genres_head
        )
    year_span = (
        ""
        if t.is_series
        else f'<span id="titleYear">(<a href="/year/{t.year}/?ref_=tt_ov_inf"\n>{t.year}</a>)'
        "</span>"
    )
    h1_attr = ' itemprop="name"' if microdata else ""
    original = (
        f'\n                <div class="originalTitle">{esc(t.original_title)}<span '
        'class="description"> (original title)</span></div>'
        if t.original_title != t.title
        else ""
    )
    subtext_parts = []
    if runtime:
        subtext_parts.append(
            f'<time{prop["duration"]} datetime="{dur}">\n'
            f"                        {_human_runtime(runtime, legacy=True)}\n"
            "                    </time>"
        )
    if genre_links:
        subtext_parts.append(genre_links)
    subtext_parts.append(_subtext_release(t, microdata=microdata))
    subtext = '\n<span class="ghost">|</span>\n'.join(subtext_parts)
    if t.rating is not None:
        rating = (
            f'<div class="imdbRating"{rating_scope}>\n'
            f'<div class="ratingValue">\n<strong title="{t.rating} based on {t.votes:,} user '
            f'ratings"><span{prop["ratingValue"]}>{t.rating}'
            '</span></strong><span class="grey">/</span><span class="grey"'
            f"{prop['bestRating']}>10</span></div>\n"
            f'<a href="/title/{t.id}/ratings?ref_=tt_ov_rt"\n><span class="small"'
            f"{prop['ratingCount']}>{t.votes:,}</span></a>\n"
            "</div>"
        )
    else:
        rating = '<div class="notEnoughRatings">Coming Soon</div>'
    stars_widget = (
        f'<div id="star-rating-widget" class="star-rating-widget" data-tconst="{t.id}" '
        'data-rating="0" data-user="" data-auth="" data-tracking-tag="title-maindetails"></div>'
    )
    ribbon = (
        '<div class="primary_ribbon">\n'
        f'<div class="ribbonize" data-tconst="{t.id}" data-caller-name="title"></div>\n'
        f'<div class="wlb_dropdown_btn" data-tconst="{t.id}" data-size="large" '
        'data-caller-name="title" data-type="primary"></div>\n</div>'
    )
    plot = (
        esc(t.plot)
        if t.plot
        else f'<a href="/updates?update={t.id}%3Aoutlines.add.1&amp;ref_=tt_ov_cn_pl"\n>Add a '
        "Plot</a>&nbsp;&raquo;"
    )
    writers, stars = _people(t)

    def credit(label: str, prop: str, people: Sequence[tuple[str, str]], ref: str) -> str:
        if not people:
            return ""
        label = label + ("s" if len(people) > 1 else "")
        if microdata:
            links = ", \n".join(
                f'<span itemprop="{prop}" itemscope itemtype="http://schema.org/Person">\n'
                f'<a href="/name/{p[0]}/?ref_=tt_ov_{ref}"\nitemprop=\'url\'><span class="itemprop"'
                f' itemprop="name">{esc(p[1])}</span></a>            </span>'
                for p in people
            )
        else:
            links = ", \n".join(
                f'<a href="/name/{p[0]}/?ref_=tt_ov_{ref}"\n>{esc(p[1])}</a>' for p in people
            )
        return (
            f'\n    <div class="credit_summary_item">\n        <h4 class="inline">{label}:</h4>\n'
            f"            {links}\n    </div>"
        )

    storyline_genres = "&nbsp;<span>|</span>\n".join(
        f'<a href="/genre/{esc(g)}?ref_=tt_stry_gnr"\n> {esc(g)}</a>'
        if microdata
        else f'<a href="/search/title?genres={esc(g.lower())}&amp;explore=title_type,genres&amp;'
        f'ref_=tt_stry_gnr"\n> {esc(g)}</a>'
        for g in t.genres
    )
    url_prop = "itemprop='url'" if microdata else ""
    countries = '\n              <span class="ghost">|</span>\n'.join(
        f'<a href="/search/title?country_of_origin={_legacy_country(c)[1]}&amp;ref_=tt_dt_dt"\n'
        f"{url_prop}>"
        f"{esc(_legacy_country(c)[0])}</a>"
        for c in t.countries
    )
    review = (
        '\n<div class="user-comments">\n<h2>User Reviews</h2>\n<div itemprop="review" '
        'itemscope itemtype="http://schema.org/Review">\n<strong itemprop="name">A classic'
        '</strong>\n<span itemprop="reviewRating" itemscope itemtype="http://schema.org/Rating">'
        '\n<meta itemprop="worstRating" content = "1" />\n<meta itemprop="ratingValue" content='
        '"10" />\n<meta itemprop="bestRating" content="10" />\n</span>\n<div class="comment-meta">'
        '8 September 2004 | by <a href="/user/ur0000001/?ref_=tt_urv"\n><span itemprop="author">'
        'cinephile</span></a></div>\n<div>\n<p itemprop="reviewBody">Still holds up.</p>\n'
        "</div>\n</div>\n</div>"
        if microdata
        else '\n<div class="user-comments">\n<h2>User Reviews</h2>\n<div><strong>A classic'
        '</strong>\n<span class="rating-other-user-rating"><span>10</span><span class="point-scale"'
        ">/10</span></span>\n<p>Still holds up.</p></div>\n</div>"
    )
    page_attr = ' itemscope itemtype="http://schema.org/Movie"' if microdata else ""
    if microdata and t.is_series:
        page_attr = ' itemscope itemtype="http://schema.org/TVSeries"'
    jsonld = None if microdata else _jsonld(t, era="2018")
    body = (
        _legacy_head(t, f, jsonld=jsonld)
        + (f.legacy_top.decode() if f else "")
        + f'\n<div id="pagecontent" class="pagecontent"{page_attr}>\n<div id="content-2-wide" '
        'class="flatland">\n<div id="main_top" class="main">\n<div class="title-overview">\n'
        '<div class="title_block">\n<div class="title_bar_wrapper">\n<div class="ratings_wrapper">'
        f'\n{rating}\n{stars_widget}\n</div>\n<div class="titleBar">\n{ribbon}\n'
        f'<div class="title_wrapper">\n<h1{h1_attr} class="">{esc(t.title)}&nbsp;{year_span}'
        f"            </h1>{original}\n"
        f'            <div class="subtext">\n{subtext}\n            </div>\n</div>\n</div>\n'
        '</div>\n</div>\n<div class="plot_summary_wrapper">\n<div class="plot_summary ">\n'
        f'<div class="summary_text"{prop["description"]}>\n'
        f"                    {plot}\n            </div>"
        + credit("Director", "director", t.directors, "dr")
        + credit("Writer", "creator", writers, "wr")
        + credit("Star", "actors", stars, "st")
        + "\n</div>\n</div>\n</div>\n</div>\n"
        + _rec_items(t, recs)
        + '<div id="main_bottom" class="main">\n'
        + ((f.legacy_mid if microdata else f.legacy_mid_plain).decode() if f else "")
        + '\n<div class="article" id="titleStoryLine">\n<h2>Storyline</h2>\n'
        + (
            f'<div class="see-more inline canwrap"{prop["genre"]}>'
            f'\n<h4 class="inline">Genres:</h4>\n{storyline_genres}\n</div>\n'
            if t.genres
            else ""
        )
        + "</div>\n"
        + review
        + '\n<div class="article" id="titleDetails">\n<h2>Details</h2>\n'
        + (
            f'<div class="txt-block">\n<h4 class="inline">Country:</h4>\n{countries}\n</div>\n'
            if t.countries
            else ""
        )
        + '<div class="txt-block">\n<h4 class="inline">Language:</h4>\n<a href="/search/title?'
        'title_type=feature&amp;primary_language=en&amp;ref_=tt_dt_dt"\n>English</a>\n</div>\n'
        + (
            '<h3 class="subheading">Technical Specs</h3>\n<div class="txt-block">\n<h4 class='
            f'"inline">Runtime:</h4>\n<time{prop["duration"]} '
            f'datetime="{dur}">{runtime} min</time>\n</div>\n'
            if runtime
            else ""
        )
        + "</div>\n</div>\n</div>\n</div>\n"
        + (f.legacy_tail.decode() if f else "")
        + "\n</body>\n</html>\n"
    )
    return body.encode()


def render_microdata(t: Title, recs: Sequence[Title], *, small: bool = False) -> bytes:
    return _legacy_page(t, recs, microdata=True, small=small)


def render_jsonld2018(t: Title, recs: Sequence[Title], *, small: bool = False) -> bytes:
    return _legacy_page(t, recs, microdata=False, small=small)


def render_title(
    t: Title,
    recs: Sequence[Title],
    layout: str = "nextjs",
    *,
    small: bool = False,
    empty_mlt: bool = False,
) -> bytes:
    """The title page of ``t`` in ``layout`` (not ``mixed``: resolve it with ``layout_for``).
    ``recs`` are the recommended titles, in order. ``empty_mlt`` serves a Next.js page with
    ``moreLikeThisTitles.edges: []`` (IMDb does that now and then, whatever the layout
    asked for; the 2025 page when that was asked for, else the 2022 one)."""
    if layout == "nextjs2025":
        return render_nextjs2025(t, recs, small=small, empty_mlt=empty_mlt)
    if empty_mlt or layout == "nextjs":
        return render_nextjs(t, recs, small=small, empty_mlt=empty_mlt)
    if layout == "microdata":
        return render_microdata(t, recs, small=small)
    if layout == "jsonld2018":
        return render_jsonld2018(t, recs, small=small)
    raise ValueError(f"invalid layout {layout!r}: expecting one of {', '.join(LAYOUTS)}")


# --- pages without title data ----------------------------------------------------------------


def render_unknown_layout(t: Title) -> bytes:
    """A valid page about the title with none of __NEXT_DATA__, JSON-LD or microdata (a
    redesign the parser has not seen)."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
        f'{esc(t.title)} ({t.year}) - IMDb</title></head><body><div id="app-root">'
        f'<header class="tp-header"><h2 class="tp-title">{esc(t.title)}</h2><span '
        f'class="tp-year">{t.year}</span></header><article class="tp-body"><p>{esc(t.plot or "")}'
        '</p><nav class="tp-similar"><a href="/chart/top/">Top 250</a></nav></article></div>'
        '<script src="/static/app.bundle.js" defer></script></body></html>'
    ).encode()


def render_waf_challenge(token: str) -> bytes:
    """IMDb's AWS WAF JavaScript challenge (served with HTTP 202 and ``x-amzn-waf-action:
    challenge``): an empty ``<title>``, ``window.gokuProps``, ``challenge.js`` from a
    ``token.awswaf.com`` host, ``AwsWafIntegration`` calls; no title data. The same shape as
    ``tests/fixtures/imdb/waf_challenge_2026.html``, with values derived from ``token`` (hex)."""
    stream = b"".join(
        hashlib.blake2b(f"{token}:{k}".encode(), digest_size=64).digest() for k in range(12)
    )
    key = "AQIDAHj" + base64.b64encode(stream[:150]).decode()
    iv = base64.b64encode(stream[150:162]).decode()
    context = base64.b64encode(stream[162:762]).decode()
    labels = hashlib.blake2b(token.encode(), digest_size=22).hexdigest()
    host = f"{labels[:12]}.{labels[12:20]}.us-east-1.token.awswaf.com"
    src = f"https://{host}/{labels[:12]}/{labels[20:32]}/challenge.js"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title></title>
    <style>
        body {{
            font-family: "Arial";
        }}
    </style>
    <script type="text/javascript">
    window.awsWafCookieDomainList = [];
    window.gokuProps = {{
"key":"{key}",
          "iv":"{iv}",
          "context":"{context}"
}};
    </script>
    <script src="{src}"></script>
</head>
<body>
    <div id="challenge-container"></div>
    <script type="text/javascript">
        AwsWafIntegration.saveReferrer();
        AwsWafIntegration.checkForceRefresh().then((forceRefresh) => {{
            if (forceRefresh) {{
                AwsWafIntegration.forceRefreshToken().then(() => {{
                    window.location.reload(true);
                }});
            }} else {{
                AwsWafIntegration.getToken().then(() => {{
                    window.location.reload(true);
                }});
            }}
        }});
    </script>
    <noscript>
        <h1>JavaScript is disabled</h1>
        In order to continue, we need to verify that you're not a robot.
        This requires JavaScript. Enable JavaScript and then reload the page.
    </noscript>
</body>
</html>
""".encode()


def render_captcha() -> bytes:
    """A robot-check page (served with HTTP 200): no title data."""
    return (
        b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>IMDb</title>\n'
        b'</head>\n<body>\n<div class="a-container a-padding-double-large">\n<h4>Enter the '
        b'characters you see below</h4>\n<p class="a-last">Sorry, we just need to make sure '
        b"you're not a robot. For best results, please make sure your browser is accepting "
        b'cookies.</p>\n<form method="get" action="/errors/validateCaptcha" name="">\n<input '
        b'type=hidden name="amzn" value="sandbox" />\n<img src="https://sandbox-captcha.invalid/'
        b'captcha/abc/Captcha_xyz.jpg">\n<input autocomplete="off" spellcheck="false" '
        b'placeholder="Type characters" id="captchacharacters" name="field-keywords" type="text">'
        b'\n<button type="submit" class="a-button-text">Continue shopping</button>\n</form>\n'
        b"</div>\n</body>\n</html>\n"
    )


def render_consent(target: str) -> bytes:
    """A cookie-consent interstitial (HTTP 200) in front of ``target``: no title data."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Before you '
        'continue to IMDb</title>\n</head>\n<body>\n<div id="consent-banner" role="dialog" '
        'aria-label="Cookie preferences">\n<h1>Before you continue</h1>\n<p>We use cookies and '
        "similar tools that are necessary to enable you to make purchases, to enhance your "
        'shopping experiences and to provide our services.</p>\n<form method="post" '
        f'action="/consent?continue={esc(target)}">\n<button name="accept" value="all">Accept '
        'all</button>\n<button name="accept" value="essential">Decline</button>\n</form>\n'
        "</div>\n</body>\n</html>\n"
    ).encode()


def render_not_found(path: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>404 Error - '
        'IMDb</title>\n</head>\n<body>\n<div class="error_code_404">\n<h1>404 Error</h1>\n<p>The '
        f"requested URL {esc(path)} was not found on our server.</p>\n</div>\n</body>\n</html>\n"
    ).encode()


def render_error(status: int, reason: str) -> bytes:
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{status} '
        f"{esc(reason)}</title></head>\n<body><h1>{status} {esc(reason)}</h1></body>\n</html>\n"
    ).encode()


ROBOTS_TXT = (
    b"# robots.txt for the imdb-spider sandbox (shaped like www.imdb.com's)\n"
    b"User-agent: *\n"
    b"Allow: /title/\n"
    b"Disallow: /OnThisDay\n"
    b"Disallow: /ads/\n"
    b"Disallow: /ap/\n"
    b"Disallow: /mymovies/\n"
    b"Disallow: /r/\n"
    b"Disallow: /register\n"
    b"Disallow: /registration/\n"
    b"Disallow: /search/title?\n"
    b"Disallow: /find?\n"
    b"Disallow: /tvschedule\n"
    b"Disallow: /updates\n"
    b"Disallow: /watch/_ajax/option\n"
    b"Disallow: /_json/video/mon\n"
    b"Disallow: /_json/getAdsForMediaViewer/\n"
    b"Disallow: /list/ls*/_ajax\n"
    b"Disallow: /__\n"
)
