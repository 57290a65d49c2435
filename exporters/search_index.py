"""A sharded title and id search index for the viewer (``search/`` next to the tiles).

Reads a ``TileSet`` (ids, titles, years, votes, tile coordinates, quad of each node). A browser
downloads ``search/manifest.json`` once (a few KB) and then one small shard per query:

* ``search/t/<key>.json``: titles with a word starting with ``key``. Titles are normalised
  (Unicode NFKD, combining marks dropped, lower-cased; words = runs of letters and digits; in
  JavaScript ``s.normalize("NFKD").replace(/\\p{M}/gu, "").toLowerCase()`` and
  ``/[\\p{L}\\p{N}]+/gu``). ``key`` is a word's first two characters; a shard with more than
  ``max_shard_entries`` titles is split by one more character, again and again while a shard
  is too big (up to ``MAX_KEY_CHARS``): the split key is listed in the manifest's ``split``
  and its own shard keeps only the words that are exactly the key. A client walks down:
  ``key = word[:2]``; while ``key`` is split and the word is longer, ``key = word[:len+1]``.
  Stop words ("the", "of", "la", …) are not indexed unless a title has nothing else.
  One word can have too many titles to split by prefix ("part" in "… Part II"). Past
  ``PAIR_FACTOR`` shards' worth, such a key is listed in ``paired``: its shard keeps its
  ``max_shard_entries`` most voted titles (all a one-word query shows), and all of them are
  grouped again by their *other* words, stop words included, under ``"<key> <c>"`` (``c``:
  the other word's first character), split by prefix in turn, up to ``MAX_KEY_WORDS`` words.
  A client with a second query word ``w2`` (not the start of an earlier one) walks on from
  ``key + " " + w2[:1]``.
* ``search/id/<n>.json``: by IMDb id, ``n`` = shingle.js' table hash of the id (h = 0; for
  each UTF-16 code unit h = (h * 16 + code) & 0xFFFFFF) modulo the manifest's ``idShards``
  (about one shard per ``ID_SHARD_SIZE`` titles), so the few ids of a panel's lists cost a few
  small files wherever they are.

A file name is the key itself when it is ASCII letters/digits, else ``_`` + the hex of its UTF-8
bytes. Every entry is ``[id, title, year, quad, x, y, votes]`` (``quad`` without the ``quad_``
prefix, ``x``/``y`` in tile coordinates, ``year``/``votes`` may be null), most-voted first. The
title is plain text (show it with ``textContent``). A client picks the query's longest
non-stop word (then the others, longest first), loads its shard and keeps entries whose title
words start with every query word.
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

INDEX_VERSION = 1
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
# A word's titles are paired only past this many shards' worth: pairing stores each title once
# per other word, so a shard up to twice the size costs less than the copies.
PAIR_FACTOR = 2


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def file_key(key: str) -> str:
    return key if _SAFE.fullmatch(key) else "_" + key.encode("utf-8").hex()


def id_shard_count(node_count: int) -> int:
    return max(1, math.ceil(node_count / ID_SHARD_SIZE))


def id_key(node_id: str, shards: int) -> str:
    """The id shard of a title (see the module docstring)."""
    return str(node_hash(node_id, shards))


def _index_words(title_words: list[str]) -> set[str]:
    content = {w for w in title_words if w not in STOPWORDS}
    return content or set(title_words)


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


def build_search_index(ts: TileSet, *, max_shard_entries: int = 1500) -> dict[str, bytes]:
    """Relative path -> file content, for every file of the index."""
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
    order = sorted(range(len(entries)), key=lambda i: (-(g.votes[i] or 0), g.ids[i]))

    word_sets: list[set[str]] = [set() for _ in entries]
    all_words: list[set[str]] = [set() for _ in entries]
    by_key2: dict[str, list[int]] = defaultdict(list)
    for i in order:
        title_words = words(g.titles[i])
        all_words[i] = set(title_words)
        word_sets[i] = ws = _index_words(title_words)
        for key in sorted({w[:2] for w in ws}):
            by_key2[key].append(i)
    shards, split, paired = _split_shards(by_key2, word_sets, all_words, max_shard_entries)
    id_shards = id_shard_count(len(entries))
    by_id: dict[str, list[int]] = defaultdict(list)
    for i in order:
        by_id[id_key(g.ids[i], id_shards)].append(i)

    files: dict[str, bytes] = {}
    for key in sorted(shards):
        files[f"search/t/{file_key(key)}.json"] = orjson.dumps([entries[i] for i in shards[key]])
    for key in sorted(by_id):
        files[f"search/id/{file_key(key)}.json"] = orjson.dumps([entries[i] for i in by_id[key]])
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
