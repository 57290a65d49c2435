"""The sandbox's TMDb: API v3 under ``/3/`` and the daily id export, in TMDb's real shapes.

Everything comes from the universe's TMDb view (``Universe.tmdb``, see ``tmdbview``), so it
agrees with the IMDb pages and the dataset files: same titles, years, runtimes, countries,
directors (same names; TMDb person id ``1,000,000 + k`` for ``nm{90000000 + k}``).

Routes (the base URL a client uses is ``{sandbox}/3``):

* ``GET /3/movie/{id}[?append_to_response=recommendations,external_ids,credits]``: the movie
  (field names and types of ``tests/fixtures/imdb/tmdb_movie_603.json``) plus each appended
  object (``recommendations`` is page 1);
* ``GET /3/movie/{id}/recommendations?page=N`` (20 a page; past the end: ``results: []``
  with the totals), ``/3/movie/{id}/external_ids``, ``/3/movie/{id}/credits``;
* ``GET /3/find/{tt}?external_source=imdb_id``: ``movie_results`` holds the movie TMDb maps
  that IMDb id to (none for a merged id or a movie TMDb knows no IMDb id for).

Auth: the ``api_key`` query parameter (v3) or ``Authorization: Bearer <token>`` (v4), checked
against the configured key. Errors are TMDb's ``{"success": false, "status_code": N,
"status_message": ...}``: 7 (HTTP 401, bad or missing key), 34 (404), 22 (400, bad page),
5 (422, bad ``find`` parameters), 25 (429: over ``rate`` requests in the last second, with
``Retry-After: 1``; 0 = no limit). Faults (``faults.TMDB_FAULT_KINDS``) are decided like the
IMDb side's, with ids ``tmdb:N`` (``find``: the ``tt`` id asked for).

The export: ``export_lines(universe)`` yields TMDb's ``movie_ids_MM_DD_YYYY.json`` lines.
"""

from __future__ import annotations

import collections
import hashlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson

from . import words
from .faults import TMDB_FAULT_KINDS, Faults
from .replies import Reply, json_reply
from .universe import GENRE_BIT, NO_COUNTRY, TYPE_IDS, Universe, person_name

DEFAULT_KEY = "sandbox"
DEFAULT_RATE = 50
RETRY_AFTER = 1
PAGE_SIZE = 20
MAX_PAGE = 500
JSON_TYPE = "application/json;charset=utf-8"

# TMDb's movie genres (id, name); IMDb genres map onto them, several IMDb genres have none.
_TMDB_GENRES = {
    "Action": (28, "Action"),
    "Adventure": (12, "Adventure"),
    "Animation": (16, "Animation"),
    "Biography": (36, "History"),
    "Comedy": (35, "Comedy"),
    "Crime": (80, "Crime"),
    "Documentary": (99, "Documentary"),
    "Drama": (18, "Drama"),
    "Family": (10751, "Family"),
    "Fantasy": (14, "Fantasy"),
    "Film-Noir": (80, "Crime"),
    "History": (36, "History"),
    "Horror": (27, "Horror"),
    "Music": (10402, "Music"),
    "Musical": (10402, "Music"),
    "Mystery": (9648, "Mystery"),
    "News": (99, "Documentary"),
    "Romance": (10749, "Romance"),
    "Sci-Fi": (878, "Science Fiction"),
    "Thriller": (53, "Thriller"),
    "War": (10752, "War"),
    "Western": (37, "Western"),
}
_TV_MOVIE = (10770, "TV Movie")
_COUNTRY_NAMES = {c[0]: c[1] for c in words.COUNTRIES} | {"US": "United States of America"}
# Original language of a title by its first country of origin (ISO 639-1, TMDb's codes:
# Cantonese for Hong Kong is TMDb's "cn").
_LANGUAGE = {
    "FR": "fr", "IT": "it", "DE": "de", "JP": "ja", "IN": "hi", "ES": "es", "HK": "cn",
    "KR": "ko", "SE": "sv", "MX": "es", "BR": "pt", "RU": "ru", "CN": "zh", "DK": "da",
    "NL": "nl", "BE": "fr", "AR": "es", "PL": "pl", "GR": "el", "TR": "tr", "NO": "no",
    "FI": "fi", "EG": "ar", "MA": "ar", "CZ": "cs", "HU": "hu", "IR": "fa", "PH": "tl",
    "CH": "de", "AT": "de", "PT": "pt", "IL": "he", "TW": "zh",
}  # fmt: skip
_LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "it": "Italian", "de": "German", "ja": "Japanese",
    "hi": "Hindi", "es": "Spanish", "cn": "Cantonese", "ko": "Korean", "sv": "Swedish",
    "pt": "Portuguese", "ru": "Russian", "zh": "Mandarin", "da": "Danish", "nl": "Dutch",
    "pl": "Polish", "el": "Greek", "tr": "Turkish", "no": "Norwegian", "fi": "Finnish",
    "ar": "Arabic", "cs": "Czech", "hu": "Hungarian", "fa": "Persian", "tl": "Tagalog",
    "he": "Hebrew",
}  # fmt: skip

_ERRORS = {
    5: (422, "Invalid parameters: Your request parameters are incorrect."),
    7: (401, "Invalid API key: You must be granted a valid key."),
    9: (503, "Service offline: This service is temporarily offline, try again later."),
    22: (400, "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer."),
    34: (404, "The resource you requested could not be found."),
}
_FORBIDDEN = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
    b"<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>\n"
    b"<H1>403 ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n"
    b"Request blocked.\n</BODY></HTML>\n"
)


def error_doc(code: int, message: str | None = None) -> dict[str, Any]:
    return {
        "success": False,
        "status_code": code,
        "status_message": message or _ERRORS[code][1],
    }


def _error(code: int, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    reply = json_reply(_ERRORS[code][0], error_doc(code), JSON_TYPE)
    reply.headers = headers
    return reply


def _rate_error(limit: int) -> Reply:
    msg = f"Your request count (#) is over the allowed limit of ({limit})."
    return Reply(
        429,
        orjson.dumps(error_doc(25, msg)),
        JSON_TYPE,
        headers=(("Retry-After", str(RETRY_AFTER)),),
    )


def _h(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _image(kind: str, tmdb_id: int) -> str:
    digest = hashlib.blake2b(f"{kind}:{tmdb_id}".encode(), digest_size=14).hexdigest()
    return f"/{digest[:27]}.jpg"


# --- documents ---------------------------------------------------------------------------------


class Documents:
    """TMDb's JSON documents for the titles of a universe (list items cached: popular titles
    are in many lists)."""

    def __init__(self, universe: Universe) -> None:
        self.universe = universe
        self.view = universe.tmdb
        self._items: dict[int, dict[str, Any]] = {}

    def genres(self, i: int) -> list[dict[str, Any]]:
        u = self.universe
        mask = int(u.genre_mask[i])
        out: list[tuple[int, str]] = []
        for name, pair in _TMDB_GENRES.items():
            if mask >> GENRE_BIT[name] & 1 and pair not in out:
                out.append(pair)
        if TYPE_IDS[int(u.title_type[i])] == "tvMovie":
            out.append(_TV_MOVIE)
        return [{"id": gid, "name": name} for gid, name in out]

    def countries(self, i: int) -> list[str]:
        return [words.COUNTRIES[c][0] for c in self.universe.countries[i] if c != NO_COUNTRY]

    def language(self, i: int) -> str:
        countries = self.countries(i)
        return _LANGUAGE.get(countries[0], "en") if countries else "en"

    def release_date(self, i: int) -> str:
        md = int(self.view.release_md[i])
        if not md:
            return ""
        return f"{int(self.universe.year[i]):04d}-{md // 100:02d}-{md % 100:02d}"

    def _common(self, i: int) -> dict[str, Any]:
        u, v = self.universe, self.view
        tid = int(v.ids[i])
        obscure = int(u.votes[i]) < 20
        original = u.original_titles[i]
        return {
            "adult": False,
            "backdrop_path": None if obscure else _image("backdrop", tid),
            "id": tid,
            "title": u.titles[i],
            "original_title": u.titles[i] if original is None else original,
            "overview": u.plot(i) or "",
            "poster_path": None if obscure else _image("poster", tid),
            "original_language": self.language(i),
            "popularity": float(v.popularity[i]),
            "release_date": self.release_date(i),
            "video": TYPE_IDS[int(u.title_type[i])] == "video",
            "vote_average": float(v.vote_average[i]),
            "vote_count": int(v.vote_count[i]),
        }

    def list_item(self, i: int) -> dict[str, Any]:
        """A movie as it appears in ``recommendations`` and ``find`` results."""
        item = self._items.get(i)
        if item is None:
            c = self._common(i)
            item = {
                "adult": c["adult"],
                "backdrop_path": c["backdrop_path"],
                "id": c["id"],
                "title": c["title"],
                "original_title": c["original_title"],
                "overview": c["overview"],
                "poster_path": c["poster_path"],
                "media_type": "movie",
                "original_language": c["original_language"],
                "genre_ids": [g["id"] for g in self.genres(i)],
                "popularity": c["popularity"],
                "release_date": c["release_date"],
                "video": c["video"],
                "vote_average": c["vote_average"],
                "vote_count": c["vote_count"],
            }
            if len(self._items) > 65_536:
                self._items.clear()
            self._items[i] = item
        return item

    def movie(self, i: int) -> dict[str, Any]:
        """``GET /3/movie/{id}`` without appended objects."""
        u = self.universe
        c = self._common(i)
        countries = self.countries(i)
        lang = c["original_language"]
        runtime = int(u.runtime[i])
        return {
            "adult": c["adult"],
            "backdrop_path": c["backdrop_path"],
            "belongs_to_collection": None,
            "budget": 0,
            "genres": self.genres(i),
            "homepage": "",
            "id": c["id"],
            "imdb_id": self.universe.tmdb_imdb_id(i),
            "origin_country": countries[:1],
            "original_language": lang,
            "original_title": c["original_title"],
            "overview": c["overview"],
            "popularity": c["popularity"],
            "poster_path": c["poster_path"],
            "production_companies": [],
            "production_countries": [
                {"iso_3166_1": cc, "name": _COUNTRY_NAMES[cc]} for cc in countries
            ],
            "release_date": c["release_date"],
            "revenue": 0,
            "runtime": runtime or None,
            "spoken_languages": [
                {
                    "english_name": _LANGUAGE_NAMES[lang],
                    "iso_639_1": lang,
                    "name": _LANGUAGE_NAMES[lang],
                }
            ],
            "status": "Released",
            "tagline": "",
            "title": c["title"],
            "video": c["video"],
            "vote_average": c["vote_average"],
            "vote_count": c["vote_count"],
        }

    def external_ids(self, i: int) -> dict[str, Any]:
        return {
            "imdb_id": self.universe.tmdb_imdb_id(i),
            "wikidata_id": None,
            "facebook_id": None,
            "instagram_id": None,
            "twitter_id": None,
        }

    def credits(self, i: int) -> dict[str, Any]:
        """Directors are the universe's (the IMDb pages' names); cast and the writer are
        synthetic people derived from the TMDb id, like the pages' other people."""
        u = self.universe
        tid = int(self.view.ids[i])
        k = _h(f"credits:{tid}")

        def person(pid: int, name: str, dept: str) -> dict[str, Any]:
            return {
                "adult": False,
                "gender": pid % 3,
                "id": pid,
                "known_for_department": dept,
                "name": name,
                "original_name": name,
                "popularity": round(0.6 + (pid % 997) / 50, 3),
                "profile_path": None,
            }

        def credit_id(role: str) -> str:
            return hashlib.blake2b(f"{tid}:{role}".encode(), digest_size=12).hexdigest()

        cast = []
        for order in range(2 + k % 4):
            p = 3_000_000 + (k >> (8 * order)) % 500_000
            cast.append(
                person(u.tmdb_person_id(p), person_name(p), "Acting")
                | {
                    "cast_id": order + 1,
                    "character": words.FIRST_NAMES[(k >> order) % len(words.FIRST_NAMES)],
                    "credit_id": credit_id(f"cast{order}"),
                    "order": order,
                }
            )
        crew = [
            person(u.tmdb_person_id(int(d)), person_name(int(d)), "Directing")
            | {
                "credit_id": credit_id(f"director{d}"),
                "department": "Directing",
                "job": "Director",
            }
            for d in u.directors[i]
            if d >= 0
        ]
        w = 3_500_000 + (k >> 20) % 500_000
        crew.append(
            person(u.tmdb_person_id(w), person_name(w), "Writing")
            | {"credit_id": credit_id("writer"), "department": "Writing", "job": "Screenplay"}
        )
        return {"cast": cast, "crew": crew}

    def recommendations(self, i: int, page: int) -> dict[str, Any]:
        recs = self.view.recommendations_of(i)
        total = len(recs)
        chunk = recs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return {
            "page": page,
            "results": [self.list_item(int(j)) for j in chunk],
            "total_pages": -(-total // PAGE_SIZE),
            "total_results": total,
        }


def export_lines(universe: Universe) -> Iterator[bytes]:
    """TMDb's daily id export: one JSON object a line for every movie, by id."""
    view = universe.tmdb
    for i in view.by_id.tolist():
        original = universe.original_titles[i]
        yield (
            orjson.dumps(
                {
                    "adult": False,
                    "id": int(view.ids[i]),
                    "original_title": universe.titles[i] if original is None else original,
                    "popularity": float(view.popularity[i]),
                    "video": TYPE_IDS[int(universe.title_type[i])] == "video",
                }
            )
            + b"\n"
        )


# --- the API -------------------------------------------------------------------------------------


@dataclass
class TmdbStats:
    requests: int = 0
    by_status: collections.Counter = field(default_factory=collections.Counter)
    faults: collections.Counter = field(default_factory=collections.Counter)
    fetches: collections.Counter = field(default_factory=collections.Counter)  # movie id -> n
    finds: int = 0
    rate_limited: int = 0

    def snapshot(self, *, detail: bool = True) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "tmdb_requests": self.requests,
            "tmdb_responses_by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "tmdb_faults": dict(sorted(self.faults.items())),
            "tmdb_rate_limited": self.rate_limited,
            "tmdb_movies_fetched": len(self.fetches),
            "tmdb_movie_fetches": sum(self.fetches.values()),
            "tmdb_finds": self.finds,
        }
        if detail:
            doc["tmdb_fetches"] = {str(k): v for k, v in self.fetches.items()}
        return doc


class TmdbApi:
    """Answers ``/3/`` requests. Lives on the server's event loop (no locking)."""

    def __init__(
        self, universe: Universe, *, key: str = DEFAULT_KEY, rate: int = DEFAULT_RATE
    ) -> None:
        if not key:
            raise ValueError("invalid TMDb key '': expecting a non-empty string")
        if rate < 0:
            raise ValueError(f"invalid TMDb rate {rate!r}: expecting >= 0 (0 = no limit)")
        self.universe = universe
        self.key = key
        self.rate = rate
        self.docs = Documents(universe)
        self.stats = TmdbStats()
        self._window: collections.deque[float] = collections.deque()
        self._path_fetches: collections.Counter[str] = collections.Counter()

    def reset(self) -> None:
        """Zero the counters and the rate window (a fresh start for the next test)."""
        self.stats = TmdbStats()
        self._window.clear()
        self._path_fetches.clear()

    def _authorised(self, query: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        if query.get("api_key") == self.key:
            return True
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.key

    def _over_limit(self) -> bool:
        if not self.rate:
            return False
        now = time.monotonic()
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate:
            return True
        self._window.append(now)
        return False

    def route(
        self, path: str, query: str, headers: Mapping[str, str], faults: Faults, seed: int
    ) -> Reply:
        reply = self._route(path, query, headers, faults, seed)
        self.stats.requests += 1
        self.stats.by_status[reply.status] += 1
        return reply

    def _route(
        self, path: str, query: str, headers: Mapping[str, str], faults: Faults, seed: int
    ) -> Reply:
        q = {k: v[-1] for k, v in parse_qs(query).items()}
        if not self._authorised(q, headers):
            return _error(7)
        if self._over_limit():
            self.stats.rate_limited += 1
            return _rate_error(self.rate)
        parts = path.strip("/").split("/")[1:]  # after "3"
        if len(parts) == 2 and parts[0] == "find":
            return self._find(parts[1], q, path, faults, seed)
        if not (2 <= len(parts) <= 3 and parts[0] == "movie" and parts[1].isdigit()):
            return _error(34)
        sub = parts[2] if len(parts) == 3 else ""
        if sub not in ("", "recommendations", "external_ids", "credits"):
            return _error(34)
        i = self.universe.index_of_tmdb(int(parts[1]))
        if i is None:
            return _error(34)
        page = 1
        if sub == "recommendations":
            try:
                page = int(q.get("page", "1"))
            except ValueError:
                page = 0
            if not 1 <= page <= MAX_PAGE:
                return _error(22)
        movie_id = int(parts[1])
        self.stats.fetches[movie_id] += 1
        fault = self._fault(f"tmdb:{movie_id}", path, faults, seed)
        if fault is not None and fault not in ("slow", "badjson", "truncate"):
            return self._fault_reply(fault)
        if sub == "recommendations":
            doc = self.docs.recommendations(i, page)
        elif sub == "external_ids":
            doc = {"id": movie_id} | self.docs.external_ids(i)
        elif sub == "credits":
            doc = {"id": movie_id} | self.docs.credits(i)
        else:
            doc = self.docs.movie(i)
            for name in q.get("append_to_response", "").split(","):
                extra = name.strip()
                if extra == "recommendations":
                    doc["recommendations"] = self.docs.recommendations(i, 1)
                elif extra == "external_ids":
                    doc["external_ids"] = self.docs.external_ids(i)
                elif extra == "credits":
                    doc["credits"] = self.docs.credits(i)
        return self._ok(orjson.dumps(doc), fault, faults)

    def _find(self, ext: str, q: Mapping[str, str], path: str, faults: Faults, seed: int) -> Reply:
        if q.get("external_source") != "imdb_id":
            return _error(5)
        self.stats.finds += 1
        fault = self._fault(ext, path, faults, seed)
        if fault is not None and fault not in ("slow", "badjson", "truncate"):
            return self._fault_reply(fault)
        results = []
        if ext in self.universe:  # a merged (alias) id is unknown to TMDb
            i = self.universe.index(ext)
            if self.universe.tmdb_imdb_id(i) is not None:
                results.append(self.docs.list_item(i))
        doc = {
            "movie_results": results,
            "person_results": [],
            "tv_results": [],
            "tv_episode_results": [],
            "tv_season_results": [],
        }
        return self._ok(orjson.dumps(doc), fault, faults)

    def _fault(self, key: str, path: str, faults: Faults, seed: int) -> str | None:
        nth = self._path_fetches[path]
        self._path_fetches[path] = nth + 1
        fault = faults.pick(seed, key, path, nth, TMDB_FAULT_KINDS) if faults else None
        if fault is not None:
            self.stats.faults[fault] += 1
        return fault

    def _fault_reply(self, fault: str) -> Reply:
        if fault == "reset":
            return Reply(0, fault="reset")
        if fault == "status401":
            return _error(7)
        if fault == "status403":
            return Reply(403, _FORBIDDEN)
        if fault == "status429":
            return _rate_error(self.rate or 40)
        # status503
        return _error(9, (("Retry-After", str(RETRY_AFTER)),))

    def _ok(self, body: bytes, fault: str | None, faults: Faults) -> Reply:
        if fault == "badjson":
            # A complete response whose JSON stops halfway: an object never closed.
            return Reply(200, body[: max(1, len(body) // 2)], JSON_TYPE)
        if fault == "truncate":
            return Reply(200, body, JSON_TYPE, fault="truncate")
        delay = faults.slow_seconds if fault == "slow" else 0.0
        return Reply(200, body, JSON_TYPE, delay=delay)
