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
* ``search/id/<n>.json``: by IMDb id, ``n`` = shingle.js' table hash of the id (h = 0; for
  each UTF-16 code unit h = (h * 16 + code) & 0xFFFFFF) modulo the manifest's ``idShards``
  (about one shard per ``ID_SHARD_SIZE`` titles), so the few ids of a panel's lists cost a few
  small files wherever they are.

A file name is the key itself when it is ASCII letters/digits, else ``_`` + the hex of its UTF-8
bytes. Every entry is ``[id, title, year, quad, x, y, votes]`` (``quad`` without the ``quad_``
prefix, ``x``/``y`` in tile coordinates, ``year``/``votes`` may be null), most-voted first. The
title is plain text (show it with ``textContent``). A client picks the query's longest
non-stop word, loads its shard and keeps entries whose title words start with every query word.
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

if TYPE_CHECKING:
    from .tiles import TileSet

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
MAX_KEY_CHARS = 8  # past this a shard stays whole, however big (one word, many titles)


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
    from .tiles import node_hash  # noqa: PLC0415 (tiles imports this module lazily too)

    return str(node_hash(node_id, shards))


def _index_words(title_words: list[str]) -> set[str]:
    content = {w for w in title_words if w not in STOPWORDS}
    return content or set(title_words)


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

    by_key2: dict[str, list[int]] = defaultdict(list)
    word_sets: list[set[str]] = [set() for _ in entries]
    for i in order:
        ws = _index_words(words(g.titles[i]))
        word_sets[i] = ws
        for key in sorted({w[:2] for w in ws}):
            by_key2[key].append(i)
    shards: dict[str, list[int]] = {}
    split = []
    todo = sorted(by_key2.items())
    while todo:
        key, members = todo.pop()
        if len(members) <= max_shard_entries or len(key) >= MAX_KEY_CHARS:
            shards[key] = members
            continue
        n = len(key) + 1
        subs: dict[str, list[int]] = defaultdict(list)
        for i in members:  # most voted first, and so every sub-shard
            for sub in sorted({w[:n] for w in word_sets[i] if w.startswith(key)}):
                subs[sub].append(i)
        own = subs.pop(key, None)  # titles whose word is exactly the key
        if not subs:  # one word, many titles: nothing to split by
            shards[key] = members
            continue
        split.append(key)
        if own:
            shards[key] = own
        todo.extend(sorted(subs.items()))
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
