"""TMDb's API v3 as the crawl reads it: ids, request URLs, one movie's JSON -> ``TitleRecord``.

Pure functions over bytes, text and files; the ``tmdb`` spider only calls them. One call per
title fetches the movie, its IMDb id, its directors and its first 20 recommendations::

    GET {api}/movie/{id}?append_to_response=recommendations,external_ids,credits

A title keeps one identity across sources: its IMDb ``tt`` id when TMDb gives one, else
``tmdb:ID`` until it does (the store then records ``tmdb:ID`` as an alias of the ``tt`` id).
TMDb's recommendations name TMDb ids only, so edges from TMDb point at ``tmdb:ID`` until that
title is known.

The API key never leaves this process except in the request to TMDb: ``redact`` removes it
(and bearer tokens) from any text before it is logged or stored.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

from .pages.errors import PageError
from .pages.record import MLT_EMPTY, MLT_LISTED, TitleRecord

DEFAULT_API_URL = "https://api.themoviedb.org/3"
APPEND = "recommendations,external_ids,credits"
GENERATION = "tmdb-v3"
ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."

_TMDB_REF = re.compile(r"tmdb:(\d{1,10})")
_TT = re.compile(r"tt\d{7,10}")
_MOVIE_URL = re.compile(r"themoviedb\.org/movie/(\d{1,10})")
_SECRET = re.compile(r"(api_key=)[^&\s'\"]+|(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


class TmdbError(PageError):
    """A TMDb answer the crawl cannot use (not JSON, not a movie, an error object)."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(redact(url), GENERATION, message)


def redact(text: str) -> str:
    """``text`` without API keys or bearer tokens."""
    return _SECRET.sub(lambda m: (m.group(1) or m.group(2)) + "[redacted]", text)


def tmdb_ref(movie_id: int) -> str:
    """The frontier id of a TMDb movie whose IMDb id is not known (yet)."""
    return f"tmdb:{movie_id}"


def tmdb_number(title_id: str) -> int | None:
    """The TMDb id in a ``tmdb:ID`` frontier id; None for other ids."""
    match = _TMDB_REF.fullmatch(title_id)
    return int(match.group(1)) if match else None


def seed_id(value: str) -> str:
    """A seed as a frontier id: ``tt…`` stays, ``tmdb:603``, ``603`` and TMDb movie URLs
    become ``tmdb:603``."""
    value = value.strip()
    if _TT.fullmatch(value) or _TMDB_REF.fullmatch(value):
        return value
    if value.isdigit():
        return tmdb_ref(int(value))
    match = _MOVIE_URL.search(value)
    if match:
        return tmdb_ref(int(match.group(1)))
    raise ValueError(f"not an IMDb id, a tmdb:ID or a TMDb movie URL: {value!r}")


def movie_url(api_url: str, movie_id: int, api_key: str | None) -> str:
    query = {"append_to_response": APPEND}
    if api_key:
        query["api_key"] = api_key
    return f"{api_url.rstrip('/')}/movie/{movie_id}?{urlencode(query)}"


def find_url(api_url: str, imdb_id: str, api_key: str | None) -> str:
    query = {"external_source": "imdb_id"}
    if api_key:
        query["api_key"] = api_key
    return f"{api_url.rstrip('/')}/find/{imdb_id}?{urlencode(query)}"


def _json(url: str, body: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise TmdbError(url, f"not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise TmdbError(url, f"a JSON {type(doc).__name__}, not an object")
    if doc.get("success") is False:
        raise TmdbError(
            url, f"TMDb error {doc.get('status_code')}: {doc.get('status_message', '')}"
        )
    return doc


def parse_find(url: str, body: bytes) -> int | None:
    """The TMDb movie id of a ``/find/{tt}`` answer; None when TMDb has no such movie."""
    results = _json(url, body).get("movie_results")
    if not isinstance(results, list):
        raise TmdbError(url, "no movie_results list")
    for movie in results:
        if isinstance(movie, dict) and isinstance(movie.get("id"), int):
            return int(movie["id"])
    return None


def parse_movie(url: str, body: bytes) -> TitleRecord:
    """One ``/movie/{id}`` answer (with ``append_to_response``) as a ``TitleRecord``."""
    doc = _json(url, body)
    movie_id = doc.get("id")
    title = doc.get("title") or doc.get("original_title")
    if not isinstance(movie_id, int) or not isinstance(title, str):
        raise TmdbError(url, "no movie id or title: not a /movie answer")
    imdb_id = _imdb_id(doc)
    recommendations = _recommendations(url, doc)
    directors = [
        str(person["name"])
        for person in _list(doc.get("credits"), "crew")
        if person.get("job") == "Director" and person.get("name")
    ]
    return TitleRecord(
        id=imdb_id or tmdb_ref(movie_id),
        tmdb_id=movie_id,
        title=title,
        original_title=_text(doc.get("original_title")),
        page_generation=GENERATION,
        year=_year(doc.get("release_date")),
        rating=_number(doc.get("vote_average"), float),
        votes=_number(doc.get("vote_count"), int),
        title_type="movie",
        runtime_minutes=_number(doc.get("runtime"), int) or None,
        genres=[str(g["name"]) for g in _items(doc.get("genres")) if g.get("name")],
        directors=directors,
        director_ids=[None] * len(directors),
        countries=[
            str(c["iso_3166_1"]).upper()
            for c in _items(doc.get("production_countries"))
            if c.get("iso_3166_1")
        ],
        plot=_text(doc.get("overview")),
        recommendations=recommendations,
        recommendation_types=["movie"] * len(recommendations),
        recommendations_state=MLT_LISTED if recommendations else MLT_EMPTY,
    )


def _imdb_id(doc: dict[str, Any]) -> str | None:
    external = doc.get("external_ids")
    from_external = external.get("imdb_id") if isinstance(external, dict) else None
    for value in (doc.get("imdb_id"), from_external):
        if isinstance(value, str) and _TT.fullmatch(value):
            return value
    return None


def _recommendations(url: str, doc: dict[str, Any]) -> list[str]:
    block = doc.get("recommendations")
    if not isinstance(block, dict) or not isinstance(block.get("results"), list):
        raise TmdbError(url, "no recommendations: ask with append_to_response=recommendations")
    out = []
    for movie in block["results"]:
        is_movie = isinstance(movie, dict) and movie.get("media_type", "movie") == "movie"
        if is_movie and isinstance(movie.get("id"), int):
            out.append(tmdb_ref(movie["id"]))
    return list(dict.fromkeys(out))


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _list(block: Any, key: str) -> list[dict[str, Any]]:
    return _items(block.get(key)) if isinstance(block, dict) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _number(value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return kind(value)


def _year(value: Any) -> int | None:
    if isinstance(value, str) and re.match(r"\d{4}-", value):
        return int(value[:4])
    return None


def read_id_export(path: str | Path, min_popularity: float = 0.0) -> Iterator[str]:
    """``tmdb:ID`` of every movie in TMDb's daily id export (``movie_ids_MM_DD_YYYY.json.gz``,
    one JSON object a line), streamed, skipping adult and video entries and those below
    ``min_popularity``. A line that is not such an object is an error naming its number."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    entry = orjson.loads(line)
                    movie_id = int(entry["id"])
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    raise ValueError(
                        f"{path}:{number}: not a line of TMDb's id export "
                        '(one {"id": …, "popularity": …} object a line)'
                    ) from None
                if entry.get("adult") or entry.get("video"):
                    continue
                if float(entry.get("popularity") or 0) < min_popularity:
                    continue
                yield tmdb_ref(movie_id)
    except (OSError, EOFError) as exc:
        raise ValueError(f"cannot read TMDb's id export {path}: {exc}") from None
