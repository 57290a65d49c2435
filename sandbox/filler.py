"""Realistic padding for sandbox pages, generated once per process and reused as bytes.

Real title pages are mostly weight that carries no title data: styled-components CSS, ad and
metrics scripts, cast/photo/review markup, and inside ``__NEXT_DATA__`` a translation table,
request and CMS context, videos, trivia and reviews. Parsers (and crawlers' memory and
bandwidth) have to cope with that weight, so the sandbox pads its pages the same way. The
padding is the same for every title of a variant and is spliced, pre-encoded and
pre-escaped, around the small per-title part, so rendering a 1 MB page costs well under a
millisecond.

Reads nothing; deterministic (``random.Random`` with a fixed seed per variant). Written for
this project; the shapes follow IMDb's pages, the content is invented.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

import orjson

from . import words

# Page size variants: the title's hash picks one, so sizes spread like real pages
# (0.6-1.1 MB for the Next.js layout, ~0.15-0.25 MB for the server-rendered ones).
VARIANT_SCALES = (0.85, 1.0, 1.15, 1.3)

_HEX = "0123456789abcdef"
_MICRODATA_ATTR = re.compile(rb""" (?:itemprop|itemtype)=(?:"[^"]*"|'[^']*')| itemscope""")
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def escape_script_json(data: bytes) -> bytes:
    """Make JSON safe inside ``<script>``: no ``<``/``>``/``&`` and no U+2028/U+2029 raw,
    the way Next.js escapes ``__NEXT_DATA__`` (the JSON value is unchanged)."""
    return (
        data.replace(b"<", b"\\u003c")
        .replace(b">", b"\\u003e")
        .replace(b"&", b"\\u0026")
        .replace("\u2028".encode(), b"\\u2028")
        .replace("\u2029".encode(), b"\\u2029")
    )


def json_members(obj: dict) -> bytes:
    """``{"a":1,"b":2}`` -> ``"a":1,"b":2`` (escaped), to splice into another object."""
    return escape_script_json(orjson.dumps(obj))[1:-1]


@dataclass(frozen=True)
class Filler:
    """Pre-rendered padding of one size variant."""

    head_scripts: bytes  # Next.js <head> scripts
    css: bytes  # styled-components <style> block
    body_top: bytes  # metrics/ads scripts at the top of <body>
    body_sections: bytes  # cast, photos, videos, reviews, trivia markup
    body_tail: bytes  # scripts after __NEXT_DATA__
    atf_extra: bytes  # members appended to aboveTheFoldData
    mc_extra: bytes  # members appended to mainColumnData
    page_props_extra: bytes  # requestContext, cmsContext, translationContext, ...
    next_tail: bytes  # members of __NEXT_DATA__ after props/page/query
    legacy_head: bytes  # old server-rendered <head> scripts and links
    legacy_top: bytes  # old layout: nav, ads before the title block
    legacy_mid: bytes  # old layout: photos, cast table, news between blocks
    legacy_mid_plain: bytes  # the same without microdata, for the 2018 layout
    legacy_tail: bytes  # old layout: footer scripts


class _Gen:
    """Deterministic text helpers."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def token(self, n: int, alphabet: str = _ALNUM) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def sentence(self) -> str:
        return self.r.choice(words.FILLER_SENTENCES)

    def paragraph(self, k: int) -> str:
        return " ".join(self.sentence() for _ in range(k))

    def person(self) -> tuple[str, str]:
        k = self.r.randrange(0, 20000)
        return f"nm{80_000_000 + k:08d}", (
            f"{self.r.choice(words.FIRST_NAMES)} {self.r.choice(words.LAST_NAMES)}"
        )

    def image(self) -> dict:
        return {
            "id": f"rm{self.r.randrange(10**9, 10**10)}",
            "width": self.r.choice([1000, 1200, 2000, 2048]),
            "height": self.r.choice([563, 675, 1125, 1500]),
            "url": f"https://m.media-amazon.com/images/M/MV5B{self.token(40)}@._V1_.jpg",
            "caption": {"plainText": self.sentence(), "__typename": "Markdown"},
            "__typename": "Image",
        }


def _css(g: _Gen, size: int) -> bytes:
    parts = ['<style data-styled="" data-styled-version="5.3.6">']
    total = 0
    props = (
        "display:flex;",
        "align-items:center;",
        "margin:0 auto;",
        "padding:0.5rem 1rem;",
        "font-size:0.875rem;",
        "letter-spacing:0.01786em;",
        "color:rgba(255,255,255,0.7);",
        "grid-template-columns:repeat(12,1fr);",
        "-webkit-box-pack:justify;",
        "overflow:hidden;",
    )
    while total < size:
        cls = g.token(6, _ALNUM[:52])
        rule = (
            f".{cls}{{{''.join(g.r.sample(props, 4))}}}/*!sc*/\n"
            f"@media screen and (min-width:1024px){{.{cls}{{width:{g.r.randrange(20, 80)}%;}}}}"
            f'/*!sc*/\ndata-styled.g{g.r.randrange(1, 900)}[id="sc-{g.token(8, _HEX)}-'
            f'{g.r.randrange(0, 9)}"]{{content:"{cls},"}}/*!sc*/\n'
        )
        parts.append(rule)
        total += len(rule)
    parts.append("</style>")
    return "".join(parts).encode()


def _metric_scripts(g: _Gen, size: int) -> bytes:
    out, total = [], 0
    features = ("Hero", "Cast", "Videos", "Photos", "Reviews", "Details", "BoxOffice", "News")
    while total < size:
        f = g.r.choice(features)
        s = (
            f"<script>if(typeof uet === 'function'){{ uet('bb', 'StaticFeature_{f}', "
            f"{{wb: 1}}); }}</script><script>if(typeof uex === 'function'){{ uex('ld', "
            f"'StaticFeature_{f}', {{wb: 1}}); }}</script>"
        )
        if g.r.random() < 0.15:
            s += (
                '<script id="ads_' + g.token(6, _ALNUM[:26]) + '">window.ads = window.ads '
                "|| {}; (function(w){var q=w.adq=w.adq||[];q.push({slot:'"
                + g.token(10)
                + "',sizes:[[300,250],[728,90]],t:"
                + str(g.r.randrange(10**12, 10**13))
                + "});})(window);</script>"
            )
        out.append(s)
        total += len(s)
    return "".join(out).encode()


def _minified_js(g: _Gen, size: int) -> bytes:
    out, total = ["<script>\n"], 0
    while total < size:
        a, b, c = g.token(1, _ALNUM[:26]), g.token(1, _ALNUM[:26]), g.token(2, _ALNUM[:26])
        s = (
            f"!function({a},{b}){{var {c}={a}.ue_csm||{{}};function n({a}){{return "
            f"{b}.performance&&{b}.performance.getEntriesByName({a})}}{c}.{g.token(5)}="
            f"function(){{return n('{g.token(12)}')||[]}};}}(window,document);\n"
        )
        out.append(s)
        total += len(s)
    out.append("</script>")
    return "".join(out).encode()


def _body_sections(g: _Gen, size: int) -> bytes:
    out, total = [], 0
    while total < size:
        pid, name = g.person()
        img = g.image()
        s = (
            '<div data-testid="title-cast-item" class="sc-bfec09a1-5 kUzsHJ"><div '
            'class="ipc-avatar ipc-avatar--base ipc-avatar--dynamic-width" role="group">'
            f'<img alt="{name}" class="ipc-image" loading="lazy" src="{img["url"]}" '
            f'width="140"/></div><div class="sc-bfec09a1-7 gWwKlt"><a '
            f'data-testid="title-cast-item__actor" href="/name/{pid}/?ref_=tt_cl_t_1" '
            f'class="sc-bfec09a1-1 fUguci">{name}</a><div class="title-cast-item__char">'
            f"{g.r.choice(words.TITLE_NOUNS)}</div></div></div>"
        )
        if g.r.random() < 0.2:
            s += (
                '<div class="ipc-list-card--border-line ipc-list-card--base"><div '
                'class="ipc-html-content ipc-html-content--base"><div class="ipc-html-content'
                f'-inner-div">{g.paragraph(4)}</div></div></div>'
            ).replace("&", "&amp;")
        out.append(s)
        total += len(s)
    return "".join(out).encode()


def _nextjs_json(g: _Gen, scale: float) -> tuple[bytes, bytes, bytes, bytes]:
    videos = [
        {
            "node": {
                "id": f"vi{g.r.randrange(10**9, 10**10)}",
                "contentType": {"displayName": {"value": "Trailer"}, "__typename": "VideoType"},
                "name": {"value": g.sentence(), "__typename": "LocalizedString"},
                "runtime": {"value": g.r.randrange(30, 200), "__typename": "VideoRuntime"},
                "thumbnail": g.image(),
                "playbackURLs": [
                    {
                        "displayName": {"value": q, "__typename": "LocalizedString"},
                        "mimeType": "video/mp4",
                        "url": f"https://imdb-video.media-imdb.com/vi{g.token(10, _HEX)}/"
                        f"{g.token(60)}.mp4?Expires={g.r.randrange(10**9, 10**10)}",
                        "__typename": "PlaybackURL",
                    }
                    for q in ("1080p", "720p", "480p", "SD")
                ],
                "__typename": "Video",
            },
            "__typename": "VideoEdge",
        }
        for _ in range(max(1, int(6 * scale)))
    ]
    keywords = [
        {
            "node": {
                "text": f"{g.r.choice(words.TITLE_ADJECTIVES).lower()} "
                f"{g.r.choice(words.TITLE_NOUNS).lower()}",
                "__typename": "Keyword",
            }
        }
        for _ in range(5)
    ]
    atf = {
        "primaryVideos": {"edges": videos[:2], "__typename": "VideoConnection"},
        "keywords": {"total": 200, "edges": keywords, "__typename": "TitleKeywordConnection"},
        "externalLinks": {"total": 187, "__typename": "ExternalLinkConnection"},
        "engagementStatistics": {
            "watchlistStatistics": {
                "displayableCount": {
                    "text": "Added by 2.4M users",
                    "__typename": "LocalizedDisplayableCount",
                },
                "__typename": "WatchlistStatistics",
            },
            "__typename": "EngagementStatistics",
        },
        "featuredReviews": {
            "edges": [
                {
                    "node": {
                        "author": {"nickName": g.token(9, _ALNUM[:26]), "__typename": "User"},
                        "summary": {"originalText": g.sentence(), "__typename": "ReviewSummary"},
                        "text": {
                            "originalText": {
                                "plaidHtml": g.paragraph(6),
                                "__typename": "Markdown",
                            },
                            "__typename": "ReviewText",
                        },
                        "authorRating": g.r.randrange(1, 11),
                        "submissionDate": f"20{g.r.randrange(10, 23)}-0{g.r.randrange(1, 9)}-1"
                        f"{g.r.randrange(0, 9)}",
                        "__typename": "Review",
                    },
                    "__typename": "ReviewEdge",
                }
                for _ in range(2)
            ],
            "__typename": "ReviewConnection",
        },
    }
    cast = []
    for _ in range(max(3, int(18 * scale))):
        pid, name = g.person()
        cast.append(
            {
                "node": {
                    "name": {
                        "id": pid,
                        "nameText": {"text": name, "__typename": "NameText"},
                        "primaryImage": g.image(),
                        "__typename": "Name",
                    },
                    "attributes": None,
                    "characters": [{"name": g.r.choice(words.TITLE_NOUNS)}],
                    "episodeCredits": {
                        "total": 0,
                        "year": None,
                        "__typename": "EpisodeCastConnection",
                    },
                    "__typename": "Cast",
                },
                "__typename": "CreditEdge",
            }
        )
    mc = {
        "wins": {"total": g.r.randrange(0, 50), "__typename": "AwardNominationConnection"},
        "nominations": {"total": g.r.randrange(0, 80), "__typename": "AwardNominationConnection"},
        "videoStrip": {"edges": videos, "total": len(videos), "__typename": "VideoConnection"},
        "titleMainImages": {
            "total": 200,
            "edges": [
                {"node": g.image(), "__typename": "ImageEdge"} for _ in range(int(12 * scale))
            ],
            "__typename": "ImageConnection",
        },
        "cast": {"edges": cast, "__typename": "CreditConnection"},
        "trivia": {
            "edges": [
                {
                    "node": {
                        "text": {"plaidHtml": g.paragraph(2), "__typename": "Markdown"},
                        "__typename": "TitleTrivia",
                    },
                    "__typename": "TitleTriviaEdge",
                }
                for _ in range(3)
            ],
            "__typename": "TitleTriviaConnection",
        },
        "quotes": {
            "edges": [
                {
                    "node": {
                        "lines": [
                            {
                                "characters": [{"character": g.r.choice(words.TITLE_NOUNS)}],
                                "text": g.sentence(),
                            }
                            for _ in range(3)
                        ]
                    }
                }
                for _ in range(2)
            ],
            "__typename": "TitleQuoteConnection",
        },
        "technicalSpecifications": {
            "soundMixes": {"items": [{"id": "dolby_digital", "text": "Dolby Digital"}]},
            "aspectRatios": {"items": [{"aspectRatio": "2.39 : 1"}]},
            "colorations": {"items": [{"conceptId": "color", "text": "Color"}]},
            "__typename": "TechnicalSpecifications",
        },
        "spokenLanguages": {"spokenLanguages": [{"id": "en", "text": "English"}]},
        "filmingLocations": {
            "edges": [{"node": {"text": g.r.choice(words.TITLE_PLACES)}}],
            "total": 14,
        },
        "productionBudget": {"budget": {"amount": g.r.randrange(10**6, 10**8), "currency": "USD"}},
        "faqs": {
            "total": 40,
            "edges": [{"node": {"question": {"plainText": g.sentence()}}} for _ in range(4)],
        },
    }
    i18n_keys = max(200, int(2300 * scale))
    resources = {
        f"{g.r.choice(['common', 'title', 'name', 'search', 'nav'])}_{g.token(6, _ALNUM[:26])}"
        f"_{g.token(8, _ALNUM[:26])}": g.sentence()[: g.r.randrange(8, 60)]
        for _ in range(i18n_keys)
    }
    props = {
        "requestContext": {
            "timestamp": "2023-05-26T03:57:03.612Z",
            "sidecar": {
                "localizedStrings": {
                    f"k{g.token(10)}": g.sentence() for _ in range(int(200 * scale))
                },
                "ads": {"slots": [{"id": g.token(8), "sizes": [[300, 250]]} for _ in range(30)]},
            },
            "weblabs": {f"IMDB_{g.r.randrange(10**5, 10**6)}": {"t": "T1"} for _ in range(20)},
            "pageType": "title",
            "subPageType": "main",
            "refTagPrefix": "tt",
            "headers": {"accept-language": "en-US,en;q=0.9", "x-forwarded-proto": "https"},
            "requestId": g.token(20).upper(),
            "isInternal": False,
            "ipAddress": "127.0.0.1",
            "queryParams": {},
            "isIMDbAppWebView": False,
        },
        "cmsContext": {
            "transformedPlacements": {
                f"center-{k}": {
                    "transformedArguments": {
                        "title": g.sentence(),
                        "items": [
                            {
                                "href": f"/list/ls{g.r.randrange(10**8, 10**9)}/",
                                "text": g.sentence(),
                            }
                            for _ in range(6)
                        ],
                    }
                }
                for k in range(int(10 * scale))
            },
            "isDebug": False,
        },
        "translationContext": {"i18n": {"translations": {"resources": resources}}},
        "urqlState": None,
        "fetchState": None,
    }
    tail = {
        "buildId": g.token(21),
        "assetPrefix": "https://sandbox-assets.invalid",
        "runtimeConfig": {"env": "sandbox", "stage": "Prod", "graphQLTimeout": "11000"},
        "isFallback": False,
        "dynamicIds": [g.r.randrange(100, 50000) for _ in range(3)],
        "gssp": True,
        "customServer": True,
        "scriptLoader": [],
    }
    return json_members(atf), json_members(mc), json_members(props), json_members(tail)


def _legacy_parts(g: _Gen, scale: float) -> tuple[bytes, bytes, bytes, bytes]:
    head = (
        "\n".join(
            f'<link rel="stylesheet" type="text/css" href="https://sandbox-assets.invalid/'
            f'css/{g.token(8)}.css" />'
            for _ in range(8)
        )
        + "\n"
        + _minified_js(g, int(12_000 * scale)).decode()
    )
    top = [
        '<div id="wrapper"><div id="root" class="redesign"><div id="nb20" class="navbar">'
        '<div id="supertab"><!-- no content received for slot: top_ad --></div>'
    ]
    for _ in range(int(40 * scale)):
        top.append(
            f'<li class="subnav_item_main"><a href="/chart/{g.token(6, _ALNUM[:26])}'
            f'?ref_=nv_mv_{g.token(3, _ALNUM[:26])}" >{g.r.choice(words.TITLE_NOUNS)} '
            f"{g.r.choice(words.TITLE_ADJECTIVES)}</a></li>\n"
        )
    top.append("</div>")
    mid = []
    for k in range(int(60 * scale)):
        pid, name = g.person()
        mid.append(
            f'<tr class="{"odd" if k % 2 else "even"}"><td class="primary_photo"><a href="/name/'
            f'{pid}/?ref_=tt_cl_i{k}" ><img height="44" width="32" alt="{name}" title="{name}" '
            'src="https://sandbox-assets.invalid/images/nopicture/32x44/name.png" class="loadlate'
            ' hidden " /></a></td><td class="itemprop" itemprop="actor" itemscope itemtype='
            f'"http://schema.org/Person"><a href="/name/{pid}/?ref_=tt_cl_t{k}" itemprop=\'url\'>'
            f' <span class="itemprop" itemprop="name">{name}</span></a></td><td class="ellipsis">'
            f'...</td><td class="character"><div>{g.r.choice(words.TITLE_NOUNS)}</div></td></tr>\n'
        )
    for _ in range(int(25 * scale)):
        mid.append(
            '<div class="news_item"><div class="headline"><a href="/news/ni'
            f'{g.r.randrange(10**7, 10**8)}?ref_=tt_nwr_1">{g.sentence()}</a></div><small>'
            '<span itemprop="datePublished">1 December 2016 9:25 AM, -05:00</span></small>'
            "</div>\n".replace("&", "&amp;")
        )
    tail = (
        _minified_js(g, int(80_000 * scale)).decode()
        + _metric_scripts(g, int(10_000 * scale)).decode()
    )
    return head.encode(), "".join(top).encode(), "".join(mid).encode(), tail.encode()


@functools.cache
def filler(variant: int) -> Filler:
    """The padding of size variant ``variant`` (0..3), built on first use."""
    scale = VARIANT_SCALES[variant]
    g = _Gen(7919 + variant)
    atf, mc, props, tail = _nextjs_json(g, scale)
    lhead, ltop, lmid, ltail = _legacy_parts(g, scale)
    return Filler(
        head_scripts=_metric_scripts(g, int(18_000 * scale)),
        css=_css(g, int(150_000 * scale)),
        body_top=_minified_js(g, int(60_000 * scale)),
        body_sections=_body_sections(g, int(200_000 * scale)),
        body_tail=_minified_js(g, int(60_000 * scale)) + _metric_scripts(g, int(20_000 * scale)),
        atf_extra=atf,
        mc_extra=mc,
        page_props_extra=props,
        next_tail=tail,
        legacy_head=lhead,
        legacy_top=ltop,
        legacy_mid=lmid,
        legacy_mid_plain=_MICRODATA_ATTR.sub(b"", lmid),
        legacy_tail=ltail,
    )
