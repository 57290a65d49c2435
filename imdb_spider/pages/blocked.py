"""Recognise pages that are not title pages at all: WAF challenges, captchas, consent walls,
empty answers.

Only consulted once no known layout matched, so a word like "captcha" in a real title page can
never turn it into a ban.
"""

from __future__ import annotations

# Lower-case byte markers, most specific first. IMDb's WAF (since early 2026) answers HTTP 202
# with a page that loads a JavaScript challenge; older robot checks were captcha forms.
_MARKERS = (
    (b"gokuprops", "waf-challenge"),
    (b"awswaf", "waf-challenge"),
    (b"challenge.js", "waf-challenge"),
    (b"captcha", "captcha"),
    (b"robot check", "captcha"),
    (b"are you a human", "captcha"),
    (b"consent", "consent"),
)
_SCAN_BYTES = 65536


def blocked_kind(body: bytes) -> str | None:
    """The kind of non-title page this is, or None if it is none we recognise."""
    head = body[:_SCAN_BYTES].lower()
    if not head.strip():
        return "empty"
    for marker, kind in _MARKERS:
        if marker in head:
            return kind
    return None
