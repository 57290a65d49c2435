"""Errors raised by the page parsers.

Every error names the URL, the page generation that was tried (or ``None`` when none was
recognised) and what was missing, so a log line alone tells what to look at.
"""

from __future__ import annotations


class PageError(Exception):
    """A title page that could not be turned into a record."""

    def __init__(self, url: str, generation: str | None, detail: str) -> None:
        self.url = url
        self.generation = generation
        self.detail = detail
        tried = f" (layout: {generation})" if generation else ""
        super().__init__(f"{detail} at {url}{tried}")


class BlockedPageError(PageError):
    """IMDb answered with a challenge, captcha, consent or empty page instead of the title.

    Not a parse failure: the page holds no title data at all. The crawler treats it as a ban of
    the proxy that fetched it and fetches the title again later.
    """

    def __init__(self, url: str, kind: str, detail: str) -> None:
        self.kind = kind
        super().__init__(url, None, f"blocked page ({kind}): {detail}")


class UnknownLayoutError(PageError):
    """A page that looks like HTML but matches no page generation we know."""


class IncompletePageError(PageError):
    """A page of a known generation that lacks data it must have (cut off, or broken)."""
