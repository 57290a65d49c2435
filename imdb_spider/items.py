"""Items the spider hands to the storage pipeline.

The callback decides nothing about storage: it yields what it saw (a parsed page or a failed
attempt); the pipeline commits it and fills in the outcome (``new_ids``, ``retry``), which the
spider then schedules once the commit is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .pages import TitleRecord


@dataclass(slots=True)
class PageItem:
    record: TitleRecord
    requested_id: str
    depth: int
    # The source the record came from: ``imdb`` (a title page) or ``tmdb`` (TMDb's API).
    origin: str = "imdb"
    # Recommended ids the crawl may follow (title type and depth allow it).
    follow: list[str] = field(default_factory=list)
    # The frontier never grows past this many titles (the spider's max_titles).
    limit: int | None = None
    # Filled in by the pipeline.
    new_ids: list[str] = field(default_factory=list)
    refetch: bool = False


@dataclass(slots=True)
class FailureItem:
    title_id: str
    depth: int
    kind: str  # "blocked", "parse", "http-404", "download", ...
    detail: str
    final: bool = False  # give up at once (404: no such title)
    origin: str = "imdb"
    # Filled in by the pipeline.
    retry: bool = False
