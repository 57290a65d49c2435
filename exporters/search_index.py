"""A sharded title and id search index for the viewer (``search/`` next to the tiles).

Reads a ``TileSet`` (ids, titles, years, votes, tile coordinates, quad of each node). A browser
downloads ``search/manifest.json`` once (a few KB) and then one small shard per query, or a few:

* ``search/t/<key>.json``: titles with a word starting with ``key``. Titles are normalised
  (Unicode NFKD, combining marks dropped, lower-cased; words = runs of letters and digits; in
  JavaScript ``s.normalize("NFKD").replace(/\\p{M}/gu, "").toLowerCase()`` and
  ``/[\\p{L}\\p{N}]+/gu``). ``key`` is a word's first two characters; a shard with more than
  ``max_shard_entries`` titles is split by one more character, again and again while a shard
  is too big (up to ``MAX_KEY_CHARS``): the split key is listed in the manifest's ``split``
  and its own shard keeps only the words that are exactly the key. A client walks down:
  ``key = word[:2]``; while ``key`` is split and the word is longer, ``key = word[:len+1]``.
  Every word is indexed, stop words ("the", "of", "la", …) too (version 2; version 1 left them
  out, so "the" could not find *The Matrix*). One word can have too many titles to split by
  prefix ("the", or "part" in "… Part II"). Past ``PAIR_FACTOR`` shards' worth, such a key is
  listed in ``paired``: its shard keeps its ``max_shard_entries`` most voted titles (all a
  one-word query shows), and all of them are grouped again by their *other* words under
  ``"<key> <c>"`` (``c``: the other word's first character), split by prefix in turn, up to
  ``MAX_KEY_WORDS`` words. A client with a second query word ``w2`` (not the start of an
  earlier one) walks on from ``key + " " + w2[:1]``: "the m" loads ``"the m"``.
* ``search/e/<n>.json`` (version 2), for one typo: the title words (not the titles) of 4 or
  more characters by typo key, ``{key: [word, ...]}``. A word's typo keys are its first 4
  characters with one of them deleted (``typo_keys``); a query word ``w`` of
  ``TYPO_MIN_CHARS`` or more is within one edit (insert, delete, replace, swap two neighbours)
  of a start of a word ``t`` only if their typo keys meet, so the files of ``typo_keys(w)``
  name every word it can mean, and the client then walks to those words' own shards above.
  ``n`` = the table hash of the key (as for ids) modulo the manifest's ``typoShards`` (about
  one file per ``TYPO_SHARD_WORDS`` words listed).
* ``search/y/<token>.json`` (version 2): the ``YEAR_SHARD_ENTRIES`` most voted titles of a
  year (``"1980"``) or a decade (``"1980s"``), for a query of years alone, which shows the
  first dozen (manifest ``yearShards``). A query word that names a year or a decade
  (``year_span``: "1980", "1980s", "80s") filters: a title passes if its year is in the span
  or one of its words starts with the query word ("1917", "2001: A Space Odyssey").
* ``search/id/<n>.json``: by IMDb id, ``n`` = shingle.js' table hash of the id (h = 0; for
  each UTF-16 code unit h = (h * 16 + code) & 0xFFFFFF) modulo the manifest's ``idShards``
  (about one shard per ``ID_SHARD_SIZE`` titles), so the few ids of a panel's lists cost a few
  small files wherever they are.

A file name is the key itself when it is ASCII letters/digits, else ``_`` + the hex of its UTF-8
bytes. Every entry of a title, year or id shard is ``[id, title, year, quad, x, y, votes]``
(``quad`` without the ``quad_`` prefix, ``x``/``y`` in tile coordinates, ``year``/``votes``
may be null), most-voted first. The title is plain text (show it with ``textContent``).

A client (site/js/search.js; tests/exporter_fixtures.py ``search_matches`` is the reference
over the whole map) splits the query's words into year words and the others. A title matches
when every other word starts one of its words, or, for a word of ``TYPO_MIN_CHARS`` or more,
is one edit from the start of one (a typo); and passes every year word. Matches rank by the
number of typo words, then votes (most first), then id. The client looks up the query's longest
word of ``searchMinChars`` or more that is not a stop word (else a stop word), walks to its
shard, and only when that gives fewer than a list's worth looks for typos: through the shard
of a shorter word of the query if it has one (a word under ``TYPO_MIN_CHARS`` is never a
typo, so its shard holds every match), else through the typo files and the shards of the
words they name. A query of years alone loads the year's shard and the year word's own shard;
a year with a word whose walk ends at a paired key (its shard cut to the most voted) adds the
year's shard and walks on by the year word.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from .shingle import node_hash

if TYPE_CHECKING:
    from .tileset import TileSet

INDEX_VERSION = 2
STOPWORDS = frozenset(
    {
        "a", "an", "and", "the", "of", "in", "on", "to", "for", "at", "by", "with", "from",
        "la", "le", "les", "el", "los", "las", "del", "der", "die", "das", "des", "il", "lo",
        "un", "une", "et", "y", "e", "o",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W_]+")
_SAFE = re.compile(r"[a-z0-9]+")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
# ~100 titles a shard (~7 KB): a panel names its ~40 listed titles from ~40 small files.
ID_SHARD_SIZE = 100
MAX_KEY_CHARS = 8  # a key segment is split by prefix up to this many characters
MAX_KEY_WORDS = 3  # and a key pairs up to this many words (see _split_shards)
TYPO_MIN_CHARS = 5  # a query word this long may have one typo
TYPO_PREFIX = 4  # typo keys come from a word's first 4 characters
TYPO_SHARD_WORDS = 400  # words listed per typo file, about (~4 KB)
# Titles kept per year or decade: a query of years alone shows 12; with a common word ("the
# 1980") the year's 300 most voted leave that word's 12 most voted of the year (~20 KB).
YEAR_SHARD_ENTRIES = 300
_YEAR = re.compile(r"(18[89]\d|19\d\d|20[0-4]\d)")
_DECADE = re.compile(r"(18[89]|19\d|20[0-4])0s")
_SHORT_DECADE = re.compile(r"(\d)0s")
# A word's titles are paired only past this many shards' worth: pairing stores each title once
# per other word, so a shard up to twice the size costs less than the copies.
PAIR_FACTOR = 2


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def year_span(word: str) -> tuple[int, int] | None:
    """The years a query word names: "1980" (1880-2049), "1980s", "80s" (30s-90s: the 1900s,
    00s-20s: the 2000s); None for any other word."""
    if _YEAR.fullmatch(word):
        return int(word), int(word)
    if _DECADE.fullmatch(word):
        start = int(word[:4])
        return start, start + 9
    if m := _SHORT_DECADE.fullmatch(word):
        start = int(m.group(1)) * 10 + (2000 if m.group(1) in "012" else 1900)
        return start, start + 9
    return None


def typo_keys(word: str) -> set[str]:
    """The word's first ``TYPO_PREFIX`` characters with one of them deleted (none for a
    shorter word): two words one edit apart (or a word and a start of the other) share one."""
    head = word[:TYPO_PREFIX]
    if len(head) < TYPO_PREFIX:
        return set()
    return {head[:i] + head[i + 1 :] for i in range(TYPO_PREFIX)}


def file_key(key: str) -> str:
    return key if _SAFE.fullmatch(key) else "_" + key.encode("utf-8").hex()


def id_shard_count(node_count: int) -> int:
    return max(1, math.ceil(node_count / ID_SHARD_SIZE))


def id_key(node_id: str, shards: int) -> str:
    """The id shard of a title (see the module docstring)."""
    return str(node_hash(node_id, shards))


def _other_words(
    i: int, done: list[str], word_sets: list[set[str]], all_words: list[set[str]]
) -> set[str]:
    """Title ``i``'s words a key segment after ``done`` can start: its indexed words for the
    first segment, then any of its words (stop words too) not starting with a done one."""
    if not done:
        return word_sets[i]
    return {w for w in all_words[i] if not any(w.startswith(d) for d in done)}


def _split_shards(
    by_key2: dict[str, list[int]],
    word_sets: list[set[str]],
    all_words: list[set[str]],
    limit: int,
) -> tuple[dict[str, list[int]], list[str], list[str]]:
    """Title shards no bigger than ``limit`` where the words allow: (shards, split, paired).

    A key is space-separated segments: the first a prefix of an indexed word, each further one
    a prefix of another word of the title. A shard over the limit is split by one more
    character of its last segment (``split``). Titles whose word is exactly the last segment
    cannot be split that way; if there are over ``PAIR_FACTOR * limit``, their shard keeps the
    ``limit`` most voted (all a one-word query shows) and they are grouped again by the first
    character of their other words, under ``key + " " + c`` (``paired``), up to
    ``MAX_KEY_WORDS`` segments. Member lists stay most voted first.
    """
    shards: dict[str, list[int]] = {}
    split: list[str] = []
    paired: list[str] = []
    todo = sorted(by_key2.items())
    while todo:
        key, members = todo.pop()
        if len(members) <= limit:
            shards[key] = members
            continue
        subs, own = _split_by_prefix(key, members, word_sets, all_words)
        if subs:
            split.append(key)
            todo.extend(sorted(subs.items()))
        if not own:
            continue
        groups = (
            _pair_by_next_word(key, own, word_sets, all_words)
            if len(own) > PAIR_FACTOR * limit
            else {}
        )
        if groups:
            paired.append(key)
            shards[key] = own[:limit]
            todo.extend(sorted(groups.items()))
        else:
            shards[key] = own
    return shards, split, paired


def _split_by_prefix(
    key: str, members: list[int], word_sets: list[set[str]], all_words: list[set[str]]
) -> tuple[dict[str, list[int]], list[int]]:
    """An over-full shard split by one more character of its last segment: (sub-shards,
    the members that stay under ``key``, those whose word is exactly the segment). No
    sub-shards, and every member stays, if the segment is already ``MAX_KEY_CHARS`` long or
    no word is longer."""
    segments = key.split(" ")
    last, done = segments[-1], segments[:-1]
    if len(last) >= MAX_KEY_CHARS:
        return {}, members
    n = len(last) + 1
    base = key[: len(key) - len(last)]
    subs: dict[str, list[int]] = defaultdict(list)
    exact: list[int] = []
    for i in members:  # most voted first, and so every sub-shard
        prefixes = {
            w[:n] for w in _other_words(i, done, word_sets, all_words) if w.startswith(last)
        }
        if last in prefixes:  # a word that is exactly the segment
            exact.append(i)
        for sub in sorted(prefixes - {last}):
            subs[base + sub].append(i)
    return (subs, exact) if subs else ({}, members)


def _pair_by_next_word(
    key: str, own: list[int], word_sets: list[set[str]], all_words: list[set[str]]
) -> dict[str, list[int]]:
    """Titles that stay under ``key`` grouped again by the first character of each of their
    other words, under ``key + " " + c``; none once a key has ``MAX_KEY_WORDS`` segments."""
    segments = key.split(" ")
    if len(segments) >= MAX_KEY_WORDS:
        return {}
    groups: dict[str, list[int]] = defaultdict(list)
    for i in own:
        for c in sorted({w[:1] for w in _other_words(i, segments, word_sets, all_words)}):
            groups[f"{key} {c}"].append(i)
    return groups


def _entries(ts: TileSet) -> list[list]:
    """``[id, title, year, quad, x, y, votes]`` of every node, coordinates rounded to what
    a click needs (4 significant digits of the map's span)."""
    g = ts.graph
    span = max(ts.map_box[1] - ts.map_box[0], ts.map_box[3] - ts.map_box[2])
    digits = 0 if span <= 0 else max(0, 4 - len(str(int(span))))
    xs = [round(v, digits) for v in ts.x.tolist()]
    ys = [round(v, digits) for v in ts.y.tolist()]
    if digits == 0:
        xs, ys = [int(v) for v in xs], [int(v) for v in ys]
    paths = ts.tree.paths
    quad_of = ts.tree.quad_of.tolist()
    entries = []
    for i, node_id in enumerate(g.ids):
        title = _CONTROL.sub(" ", g.titles[i]).strip() or node_id
        entries.append([node_id, title, g.years[i], paths[quad_of[i]], xs[i], ys[i], g.votes[i]])
    return entries


def _typo_shards(all_words: list[set[str]]) -> tuple[dict[str, dict[str, list[str]]], int]:
    """(file number -> {typo key: the words with that key}, over every title word; the
    number of files the keys are hashed over)."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for title_words in all_words:
        for w in title_words:
            for key in typo_keys(w):
                by_key[key].add(w)
    count = max(1, math.ceil(sum(len(v) for v in by_key.values()) / TYPO_SHARD_WORDS))
    files: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for key in sorted(by_key):
        files[str(node_hash(key, count))][key] = sorted(by_key[key])
    return files, count


def _year_shards(order: list[int], years: list[int | None], limit: int) -> dict[str, list[int]]:
    """ "1980" and "1980s" -> the ``limit`` most voted titles of that year or decade."""
    shards: dict[str, list[int]] = defaultdict(list)
    for i in order:
        year = years[i]
        if year is None or year_span(str(year)) is None:
            continue
        for key in (str(year), f"{year // 10 * 10}s"):
            if len(shards[key]) < limit:
                shards[key].append(i)
    return shards


def build_search_index(ts: TileSet, *, max_shard_entries: int = 1500) -> dict[str, bytes]:
    """Relative path -> file content, for every file of the index."""
    g = ts.graph
    entries = _entries(ts)
    order = sorted(range(len(entries)), key=lambda i: (-(g.votes[i] or 0), g.ids[i]))

    all_words: list[set[str]] = [set(words(title)) for title in g.titles]
    by_key2: dict[str, list[int]] = defaultdict(list)
    for i in order:
        for key in sorted({w[:2] for w in all_words[i]}):
            by_key2[key].append(i)
    shards, split, paired = _split_shards(by_key2, all_words, all_words, max_shard_entries)
    typos, typo_count = _typo_shards(all_words)
    years = _year_shards(order, g.years, min(YEAR_SHARD_ENTRIES, max_shard_entries))
    id_shards = id_shard_count(len(entries))
    by_id: dict[str, list[int]] = defaultdict(list)
    for i in order:
        by_id[id_key(g.ids[i], id_shards)].append(i)

    files: dict[str, bytes] = {}
    for folder, groups in (("t", shards), ("y", years), ("id", by_id)):
        for key in sorted(groups):
            files[f"search/{folder}/{file_key(key)}.json"] = orjson.dumps(
                [entries[i] for i in groups[key]]
            )
    for key in sorted(typos):
        files[f"search/e/{key}.json"] = orjson.dumps(typos[key])
    manifest = {
        "version": INDEX_VERSION,
        "nodes": len(entries),
        "fields": ["id", "title", "year", "quad", "x", "y", "votes"],
        "normalise": "NFKD, drop combining marks, lower case; words = runs of letters/digits",
        "stopwords": sorted(STOPWORDS),
        "maxShardEntries": max_shard_entries,
        "split": sorted(split),
        "paired": sorted(paired),
        "titleShards": {key: len(shards[key]) for key in sorted(shards)},
        "typoMinChars": TYPO_MIN_CHARS,
        "typoShards": typo_count,
        "typoKey": "shingle table hash of the typo key (UTF-16 code units) modulo typoShards",
        "yearShards": {key: len(years[key]) for key in sorted(years)},
        "idKey": "shingle table hash of the id (UTF-16 code units) modulo idShards",
        "idShards": id_shards,
        "file": "key if it is [a-z0-9]+ else '_' + hex(utf-8 bytes of key)",
    }
    files["search/manifest.json"] = orjson.dumps(manifest)
    return files


def iter_search_files(ts: TileSet, **options: int) -> Iterator[tuple[str, bytes]]:
    files = build_search_index(ts, **options)
    for name in sorted(files):
        yield name, files[name]


def write_search_index(ts: TileSet, out_dir: str | Path, **options: int) -> int:
    """Write the index under ``out_dir/search``; returns the number of files."""
    count = 0
    for name, data in iter_search_files(ts, **options):
        path = Path(out_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        count += 1
    return count
