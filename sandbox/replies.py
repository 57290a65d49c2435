"""What a sandbox route answers: status, body, headers, and how the wire should carry it.

Shared by the IMDb pages (``server``), the TMDb API (``tmdb``) and the file downloads
(``datasets``), so each builds its answers without importing the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    fault: str | None = None  # reset / truncate need the connection handled specially
    page: bool = False  # a complete title page (counted in pages_served)
    delay: float = 0.0
    # A large file: made (once, off the event loop) by this call, then sent in chunks.
    file: Callable[[], Path] | None = None


def json_reply(status: int, doc: Any, content_type: str = "application/json") -> Reply:
    return Reply(status, orjson.dumps(doc), content_type)
