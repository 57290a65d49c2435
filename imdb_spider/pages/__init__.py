"""Pure parsers for IMDb title pages: ``(url, body bytes) -> TitleRecord``. No I/O, no Scrapy.

``parse_title`` recognises the page generation and hands the page to its parser:

1. ``nextjs`` / ``nextjs-2025`` / ``nextjs-urql`` (2021 to today): a ``__NEXT_DATA__`` script
   (``nextjs.py``);
2. ``microdata-2014``, ``microdata-2016``, ``jsonld-2018``: server-rendered pages
   (``legacy.py``);
3. ``jsonld-only``: a page of a layout we have not seen that still carries a JSON-LD block
   about a title: the title data comes from JSON-LD alone and the recommendations are marked
   ``absent`` (never guessed from links).

Anything else raises: ``BlockedPageError`` for challenge/captcha/consent/empty pages (the
crawler treats these as bans; IMDb's AWS WAF challenge is kind ``waf-challenge`` from its body
alone, whatever the status it came with, while an empty body is only ``empty``: the crawler's
ban check, which sees the status 202 first, names that one), ``IncompletePageError`` for a
known layout missing data (a page cut off mid-way), ``UnknownLayoutError`` otherwise.
"""

from __future__ import annotations

import lxml.etree
import lxml.html

from . import legacy, nextjs
from .blocked import blocked_kind
from .common import TT_RE, RecordBuilder, json_ld, offer_json_ld
from .errors import BlockedPageError, IncompletePageError, PageError, UnknownLayoutError
from .record import GENERATIONS, MLT_ABSENT, MLT_EMPTY, MLT_LISTED, TitleRecord

__all__ = [
    "GENERATIONS",
    "MLT_ABSENT",
    "MLT_EMPTY",
    "MLT_LISTED",
    "BlockedPageError",
    "IncompletePageError",
    "PageError",
    "TitleRecord",
    "UnknownLayoutError",
    "parse_title",
]

# Every IMDb page generation ends its document with </html>; a body without it was cut off.
_TAIL_BYTES = 512


def parse_title(url: str, body: bytes | str) -> TitleRecord:
    """Parse one title page. Raises a ``PageError`` subclass for anything else."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body.strip():
        raise BlockedPageError(url, "empty", "the response body is empty")

    if b"</html>" not in body[-_TAIL_BYTES:].lower():
        _raise_cut_off(url, body)
    if nextjs.is_nextjs(body):
        return nextjs.parse(url, body)

    try:
        tree = lxml.html.fromstring(body)
    except (lxml.etree.ParserError, ValueError) as exc:
        kind = blocked_kind(body)
        if kind:
            raise BlockedPageError(url, kind, "no title data in the page") from None
        raise UnknownLayoutError(url, None, f"not an HTML page ({exc})") from None

    found = legacy.looks_legacy(tree)
    if found:
        generation, page = found
        return legacy.parse(url, body, page, generation)

    ld = json_ld(body)
    if ld is not None:
        return _parse_json_ld_only(url, ld)

    kind = blocked_kind(body) or ("empty" if not tree.text_content().strip() else None)
    if kind:
        raise BlockedPageError(url, kind, "no title data in the page")
    raise UnknownLayoutError(
        url, None, "unknown page layout: no __NEXT_DATA__, no JSON-LD, no microdata"
    )


# Markers that tell the generation of a page even when it was cut off before its data.
_CUT_OFF_HINTS = (
    (b'id="__NEXT_DATA__"', "nextjs"),
    (b"/_next/static/", "nextjs"),
    (b'class="header"', "microdata-2014"),
    (b"itemprop=", "microdata-2016"),
    (b"title_wrapper", "jsonld-2018"),
)


def _raise_cut_off(url: str, body: bytes) -> None:
    """Every IMDb page generation ends with ``</html>``: without it the body was cut off."""
    generation = next((g for marker, g in _CUT_OFF_HINTS if marker in body), None)
    if generation is None:
        kind = blocked_kind(body)
        if kind:
            raise BlockedPageError(url, kind, "no title data in the page")
    raise IncompletePageError(
        url, generation, f"page cut off: no closing </html> ({len(body)} bytes received)"
    )


def _parse_json_ld_only(url: str, ld: dict) -> TitleRecord:
    b = RecordBuilder("jsonld-only")
    offer_json_ld(b, ld)
    match = TT_RE.search(str(ld.get("url") or "")) or TT_RE.search(url)
    b.offer("id", match.group(0) if match else None, "jsonld.url")
    if b.missing("title") or b.missing("id"):
        raise IncompletePageError(url, "jsonld-only", "JSON-LD block has no name or title url")
    b.values.setdefault("directors", [])
    return b.build(recommendations=[], recommendations_state=MLT_ABSENT)
