"""Parser for IMDb's server-rendered title pages (2014 to 2021).

Three generations share the page furniture read here (``div.rec_item`` recommendations, the
"Country:" details block, the year link) and differ in where the title data sits:

- ``microdata-2014``: ``h1.header`` and schema.org microdata (``itemprop=...``);
- ``microdata-2016`` (2016 to Apr 2018): ``div.title_wrapper`` and microdata;
- ``jsonld-2018`` (Aug 2018 on): no microdata; a JSON-LD block carries the data.

Field sources, first that answers wins: microdata, then JSON-LD, then visible text of named
elements (``#titleYear``, ``div.subtext``). Values come from elements found by structure; the
only regular expressions run over the text of one such element (a year, an id in a link).
Recommendations are ``div.rec_item[data-tconst]`` only: ``data-tconst`` also sits on watchlist
buttons. Genres come from the header's ``itemprop=genre`` spans (the storyline block repeats
them with more) and the aggregate rating from ``[itemprop=aggregateRating]`` only (a user
review carries a second ``ratingValue``).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import lxml.html

from .common import (
    NM_RE,
    TT_RE,
    RecordBuilder,
    clean_text,
    country_code,
    iso_minutes,
    json_ld,
    offer_json_ld,
    to_float,
    to_int,
    unique,
    years,
)
from .errors import IncompletePageError
from .record import MLT_ABSENT, MLT_LISTED, TitleRecord

# Visible title-type labels of the old layouts, longest first so "TV Mini-Series" wins over
# "TV Series" and "Video Game" over "Video".
_TYPE_LABELS = (
    ("tv mini-series", "tvMiniSeries"),
    ("tv mini series", "tvMiniSeries"),
    ("tv series", "tvSeries"),
    ("tv episode", "tvEpisode"),
    ("tv movie", "tvMovie"),
    ("tv special", "tvSpecial"),
    ("tv short", "tvShort"),
    ("video game", "videoGame"),
    ("video", "video"),
)
_OG_TYPES = {"video.tv_show": "tvSeries", "video.episode": "tvEpisode", "video.movie": "movie"}
_LD_TYPES = {"TVSeries": "tvSeries", "TVEpisode": "tvEpisode", "VideoGame": "videoGame"}


class Page:
    """One pass over the document indexing the few element kinds the parser reads.

    A handful of ``//`` XPath scans over a 200 KB page cost ~1 ms each; one union scan and
    dictionary look-ups keep a legacy page near the cost of lxml's own parse.
    """

    _SCAN = (
        "//*[@itemprop] | //*[@id='titleYear'] | //h1 | //h4 | //link[@rel='canonical']"
        " | //meta[@property='og:type' or @property='og:url']"
        " | //div[contains(@class,'title_wrapper') or contains(@class,'subtext')"
        " or contains(@class,'infobar') or contains(@class,'rec_item')"
        " or contains(@class,'originalTitle')]"
    )

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.tree = tree
        self.props: dict[str, list] = {}
        self.by_key: dict[str, list] = {}
        for el in tree.xpath(self._SCAN):
            prop = el.get("itemprop")
            if prop:
                self.props.setdefault(prop, []).append(el)
            classes = (el.get("class") or "").split()
            keys = [f"{el.tag}.{c}" for c in classes] + [el.tag]
            if el.get("id"):
                keys.append("#" + el.get("id"))
            for key in keys:
                self.by_key.setdefault(key, []).append(el)

    def all(self, key: str) -> list:
        return self.by_key.get(key, [])

    def first(self, key: str):
        found = self.by_key.get(key)
        return found[0] if found else None

    def text(self, key: str) -> str | None:
        found = self.first(key)
        return clean_text(found.text_content()) if found is not None else None


def looks_legacy(tree: lxml.html.HtmlElement) -> tuple[str, Page] | None:
    """Which server-rendered generation this is (with its index), or None."""
    page = Page(tree)
    if "name" in page.props and ("aggregateRating" in page.props or "genre" in page.props):
        generation = "microdata-2014" if page.first("h1.header") is not None else "microdata-2016"
        return generation, page
    if page.all("div.title_wrapper") or page.all("div.rec_item"):
        return "jsonld-2018", page
    return None


def parse(url: str, body: bytes, page: Page, generation: str) -> TitleRecord:
    b = RecordBuilder(generation)
    if generation.startswith("microdata"):
        _offer_microdata(b, page, generation)
    # The visible year is the title's year; JSON-LD's datePublished is one release date and
    # can fall in the next year (a festival film released abroad later).
    year, end_year = years(page.text("#titleYear"))
    b.offer("year", year, "titleYear")
    b.offer("end_year", end_year, "titleYear")
    # Series have no #titleYear: their years stand in the subtext, "TV Series (2012–2015)".
    subtext = page.text("div.subtext")
    if subtext and "(" in subtext:
        year, end_year = years(subtext[subtext.index("(") :])
        b.offer("year", year, "subtext")
        b.offer("end_year", end_year, "subtext")
    ld = json_ld(body)
    offer_json_ld(b, ld)

    # Shared furniture, for every generation.
    b.offer("id", _page_id(page), "link.canonical")
    b.offer("id", _first_match(TT_RE, url), "url")
    if generation == "jsonld-2018":
        wrapper = page.first("div.title_wrapper")
        heading = wrapper.find(".//h1") if wrapper is not None else None
        if heading is not None:
            b.offer("title", clean_text(_own_text(heading)), "h1.text")
    b.offer("title_type", _title_type(page, ld, _all_genres(page, b)), "subtext")
    b.offer("countries", _countries(page), "details.country")
    b.offer("original_title", _original_title(page), "originalTitle")

    recs = unique(
        [
            t
            for t in (el.get("data-tconst") or "" for el in page.all("div.rec_item"))
            if TT_RE.fullmatch(t)
        ]
    )
    b.provenance["recommendations"] = "div.rec_item"
    if b.missing("id") or b.missing("title"):
        raise IncompletePageError(url, generation, "no title id or title in microdata nor JSON-LD")
    if "directors" not in b.values:
        b.values["directors"] = []
    return b.build(
        recommendations=recs,
        recommendation_types=[None] * len(recs),
        recommendations_state=MLT_LISTED if recs else MLT_ABSENT,
    )


def _offer_microdata(b: RecordBuilder, page: Page, generation: str) -> None:
    names = page.props.get("name", [])
    if generation == "microdata-2014":
        header = page.first("h1.header")
        name = header.find(".//*[@itemprop='name']") if header is not None else None
        if name is not None:
            b.offer("title", clean_text(name.text_content()), "microdata.name")
        nobr = header.find("span[@class='nobr']") if header is not None else None
        year, end_year = years(clean_text(nobr.text_content()) if nobr is not None else None)
        b.offer("year", year, "h1.nobr")
        b.offer("end_year", end_year, "h1.nobr")
    else:
        heading = next((el for el in names if el.tag == "h1"), None)
        if heading is not None:
            b.offer("title", clean_text(_own_text(heading)), "microdata.name")
    rating = page.props.get("aggregateRating")
    if rating:
        b.offer(
            "rating",
            to_float(_text(rating[0], ".//*[@itemprop='ratingValue']")),
            "microdata.aggregateRating",
        )
        b.offer(
            "votes",
            to_int(_text(rating[0], ".//*[@itemprop='ratingCount']")),
            "microdata.aggregateRating",
        )
    durations = [el.get("datetime") for el in page.props.get("duration", []) if el.tag == "time"]
    if durations:
        b.offer("runtime_minutes", iso_minutes(durations[0]), "microdata.duration")
    genres = [clean_text(g.text_content()) for g in page.props.get("genre", []) if g.tag == "span"]
    b.offer("genres", unique([g for g in genres if g]), "microdata.genre")
    descriptions = page.props.get("description")
    b.offer("plot", _plot(descriptions[0]) if descriptions else None, "microdata.description")
    directors = []
    for person in page.props.get("director", []):
        for link in person.iterfind(".//a"):
            if "/name/" in link.get("href", ""):
                name = clean_text(link.text_content())
                if name:
                    directors.append((name, _first_match(NM_RE, link.get("href", ""))))
    b.offer("directors", unique(directors), "microdata.director")


def _all_genres(page: Page, b: RecordBuilder) -> list[str]:
    """Every genre the page names: the header's (cut to three) and the storyline block's."""
    found = list(b.values.get("genres") or [])
    for block in page.props.get("genre", []):
        if block.tag == "div":
            found += [clean_text(a.text_content()) or "" for a in block.iterfind(".//a")]
    return found


def _plot(node: lxml.html.HtmlElement) -> str | None:
    # The "See full summary" / "Add a Plot" links are furniture, not plot text.
    parts = [node.text or ""]
    for child in node:
        if child.tag != "a":
            parts.append(child.text_content())
        parts.append(child.tail or "")
    text = clean_text("".join(parts))
    if text:
        text = text.rstrip("» ").rstrip()
    return text or None


def _title_type(page: Page, ld: dict | None, genres: list[str]) -> str | None:
    labels = [el.text_content() for el in page.all("div.subtext") + page.all("div.infobar")]
    header = page.first("h1.header")
    nobr = header.find("span[@class='nobr']") if header is not None else None
    if nobr is not None:
        labels.append(nobr.text_content())
    label = " ".join(labels).lower()
    for needle, type_id in _TYPE_LABELS:
        if needle in label:
            return type_id
    if ld and ld.get("@type") in _LD_TYPES:
        return _LD_TYPES[ld["@type"]]
    og = [el.get("content", "") for el in page.all("meta") if el.get("property") == "og:type"]
    og_type = _OG_TYPES.get(og[0].strip()) if og else None
    if og_type is None and ld and ld.get("@type") == "Movie":
        og_type = "movie"
    if og_type == "movie" and "Short" in genres:
        return "short"
    return og_type


def _countries(page: Page) -> list[str]:
    codes = []
    for heading in page.all("h4"):
        if not (heading.text or "").strip().startswith("Countr"):
            continue
        for link in heading.getparent().iterfind(".//a"):
            parts = urlsplit(link.get("href", ""))
            code = parse_qs(parts.query).get("country_of_origin", [None])[0]
            if code is None and parts.path.startswith("/country/"):
                code = parts.path.split("/")[2]
            code = country_code(code) if code else None
            if code:
                codes.append(code)
    return unique(codes)


def _original_title(page: Page) -> str | None:
    header = page.first("h1.header")
    extra = header.find(".//span[@class='title-extra']") if header is not None else None
    for node in [*page.all("div.originalTitle"), extra]:
        if node is not None:
            text = clean_text(_own_text(node))
            if text:
                return text.strip('"')
    return None


def _page_id(page: Page) -> str | None:
    links = [el.get("href", "") for el in page.all("link")]
    links += [el.get("content", "") for el in page.all("meta") if el.get("property") == "og:url"]
    for href in links:
        found = _first_match(TT_RE, href)
        if found:
            return found
    return None


def _text(node: lxml.html.HtmlElement, xpath: str) -> str | None:
    found = node.xpath(xpath)
    return clean_text(found[0].text_content()) if found else None


def _own_text(node: lxml.html.HtmlElement) -> str:
    """Text of an element without its child elements' text (h1 holds a year span)."""
    return (node.text or "") + "".join(child.tail or "" for child in node)


def _first_match(pattern, text: str) -> str | None:
    match = pattern.search(text or "")
    return match.group(0) if match else None
