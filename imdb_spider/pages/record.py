"""The title record every page parser returns.

Field names and normalisation are those of the fixtures' ``.expected.json`` files:
``title_type`` is IMDb's own id (``movie``, ``tvSeries``...), ``countries`` upper-case ISO 3166
codes, ``runtime_minutes`` an integer, missing values ``None`` and empty lists ``[]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# What the page says about its "More like this" list. IMDb intermittently serves a modern page
# whose list is empty although the same URL has twelve a few minutes later, so "empty" must not
# be read as "this title has no recommendations": the crawler fetches such a page again.
MLT_LISTED = "listed"  # the page carries one or more recommendations
MLT_EMPTY = "empty"  # the page has the list, and it is empty
MLT_ABSENT = "absent"  # the page has no such list at all (older layouts, obscure titles)

GENERATIONS = (
    "nextjs",
    "nextjs-2025",
    "nextjs-urql",
    "microdata-2014",
    "microdata-2016",
    "jsonld-2018",
)


@dataclass(slots=True)
class TitleRecord:
    id: str
    title: str
    page_generation: str
    original_title: str | None = None
    year: int | None = None
    end_year: int | None = None
    rating: float | None = None
    votes: int | None = None
    title_type: str | None = None
    runtime_minutes: int | None = None
    genres: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    # nm ids, parallel to ``directors``; None where the page names a director without a link.
    director_ids: list[str | None] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    plot: str | None = None
    recommendations: list[str] = field(default_factory=list)
    # IMDb title type of each recommendation where the page tells it (Next.js pages do), else
    # None; parallel to ``recommendations``. Lets the crawler follow only some types.
    recommendation_types: list[str | None] = field(default_factory=list)
    recommendations_state: str = MLT_ABSENT
    # The title's TMDb movie id, where the source tells it (TMDb's API does).
    tmdb_id: int | None = None
    # field name -> where its value came from (e.g. "atf.titleText", "jsonld.genre"). Lets the
    # tests prove that sandbox pages and real pages go through the same code paths.
    provenance: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
