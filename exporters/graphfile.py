"""The whole recommendation graph as one compact binary file, ``graph.bin.gz``, for the site's
features that need every edge (ratings overlay, "Tonight", paths); never the first map draw.

``graph_bytes(graph)`` is the pure generator (the uncompressed ``graph.bin``),
``write_graph_file(graph, target)`` the thin writer (path or binary file object, gzip'd),
``read_graph_bytes(data)`` the reader the tests and benchmarks use. ``site/js/graphfile.js``
reads the same layout in the browser.

Why gzip'd on disk rather than left to the server: static hosts gzip only the MIME types they
know (JSON, JS), rarely ``application/octet-stream``, so the served size would depend on the
host; a ``.gz`` file is the same bytes everywhere, and the browser inflates it with
``DecompressionStream`` off the main thread's parse path.

Layout of ``graph.bin`` (version 2), all integers little-endian::

    offset  size  what
    0       8     magic b"IMDBGRF\\0"
    8       4     uint32 version (2); a reader refuses a newer one
    12      4     uint32 N, the node count
    16      4     uint32 E, the directed edge count
    20      4     uint32 S, the section count (12 in version 2, 11 in version 1)
    24      8*S   S x (uint32 byte offset, uint32 byte length) of the sections, in order:
     0  out_start  uint32[N+1]  CSR row starts: node i's out-edges are
                                out_target[out_start[i]:out_start[i+1]]
     1  out_target uint32[E]    targets of the directed edges "i recommends t", per source in
                                rank order (rank 0 first)
     2  votes      uint32[N]    IMDb votes, 0 = unknown
     3  genres     uint32[N]    bit g set = the title has genre ``tables.genres[g]``
     4  id_start   uint32[N+1]  byte starts of the ids in ``id_bytes``
     5  year       uint16[N]    0 = unknown
     6  runtime    uint16[N]    minutes, 0 = unknown
     7  rating     uint8[N]     IMDb rating x 10 (7.3 -> 73), 0 = unknown
     8  type       uint8[N]     index into ``tables.types``; 0 = unknown (``tables.types[0]``
                                is null)
     9  id_bytes   UTF-8        the ids ("tt0133093"), concatenated
    10  tables     UTF-8 JSON   {"genres": [...], "types": [null, ...]}
    11  community  uint32[N]    the title's community (legend.json's ids), 0xFFFFFFFF = none;
                                new in version 2 (the legend's "seen per community")

Every section starts at a multiple of 4 (zero padding between them), so a JavaScript
``Uint32Array`` / ``Uint16Array`` can view the file's ``ArrayBuffer`` without copying. Node
numbers are the ``MapGraph``'s. In-edges are not stored: the reader builds the reverse CSR in
one pass: stored, at 176K titles / 1.9M edges, it would add 5.4 MB gzip'd to the 7.1 MB.
"""

from __future__ import annotations

import gzip
import json
import struct
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from .fileio import PathOrFile, write_bytes
from .model import MapGraph

FILE_NAME = "graph.bin.gz"
MAGIC = b"IMDBGRF\0"
VERSION = 2
SECTIONS = (
    ("out_start", "<u4"),
    ("out_target", "<u4"),
    ("votes", "<u4"),
    ("genres", "<u4"),
    ("id_start", "<u4"),
    ("year", "<u2"),
    ("runtime", "<u2"),
    ("rating", "u1"),
    ("type", "u1"),
    ("id_bytes", None),
    ("tables", None),
    ("community", "<u4"),
)
NO_COMMUNITY = 0xFFFFFFFF
SECTIONS_OF_VERSION = {1: 11, 2: 12}
_HEAD = struct.Struct("<8sIIII")
MAX_GENRES = 32  # one uint32 of genre bits per title
MAX_TYPES = 255  # uint8, 0 kept for "unknown"


class GraphFileError(ValueError):
    """A graph file that cannot be read (wrong magic, newer version, truncated)."""


def _genre_table(graph: MapGraph) -> list[str]:
    table = sorted({g for gs in graph.genres for g in gs})
    if len(table) > MAX_GENRES:
        raise ValueError(
            f"{len(table)} distinct genres: the graph file holds at most {MAX_GENRES} "
            f"(one uint32 of bits per title); first ones: {table[:5]}"
        )
    return table


def _type_table(graph: MapGraph) -> list[str | None]:
    table: list[str | None] = [None, *sorted({t for t in graph.title_types if t})]
    if len(table) > MAX_TYPES + 1:
        raise ValueError(f"{len(table) - 1} distinct title types: at most {MAX_TYPES} fit")
    return table


def _uint(values: list[Any], dtype: str, name: str, scale: float = 1.0) -> np.ndarray:
    """``values`` (None = unknown = 0) as an unsigned array, refusing what does not fit."""
    out = np.array([0 if v is None else round(v * scale) for v in values], dtype=np.int64)
    top = np.iinfo(np.dtype(dtype)).max
    bad = np.flatnonzero((out < 0) | (out > top))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name} {values[i]!r} of node {i} does not fit the graph file (0..{top})")
    return out.astype(dtype)


def _node_arrays(graph: MapGraph) -> tuple[dict[str, np.ndarray], bytes, dict[str, list]]:
    """The per-node sections, the packed ids and the tables."""
    genres = _genre_table(graph)
    types = _type_table(graph)
    bit = {g: 1 << k for k, g in enumerate(genres)}
    type_number = {t: k for k, t in enumerate(types)}
    ids = [tt.encode("utf-8") for tt in graph.ids]
    arrays = {
        "votes": _uint(graph.votes, "<u4", "votes"),
        "genres": np.array([sum(bit[g] for g in set(gs)) for gs in graph.genres], dtype="<u4"),
        "id_start": np.concatenate(([0], np.cumsum([len(b) for b in ids]))).astype("<u4"),
        "year": _uint(graph.years, "<u2", "year"),
        "runtime": _uint(graph.runtimes, "<u2", "runtime"),
        "rating": _uint(graph.ratings, "u1", "rating x 10", scale=10.0),
        "type": np.array([type_number[t or None] for t in graph.title_types], dtype="u1"),
    }
    arrays["community"] = _communities(graph)
    return arrays, b"".join(ids), {"genres": genres, "types": types}


def _communities(graph: MapGraph) -> np.ndarray:
    if graph.community is None:
        return np.full(graph.node_count, NO_COMMUNITY, dtype="<u4")
    return np.where(graph.community < 0, NO_COMMUNITY, graph.community).astype("<u4")


def _csr(graph: MapGraph) -> tuple[np.ndarray, np.ndarray]:
    """Out-edge CSR, each source's targets in rank order."""
    order = np.lexsort((graph.ranks, graph.sources))
    counts = np.bincount(graph.sources, minlength=graph.node_count)
    start = np.concatenate(([0], np.cumsum(counts))).astype("<u4")
    return start, graph.targets[order].astype("<u4")


def graph_bytes(graph: MapGraph) -> bytes:
    """The uncompressed ``graph.bin`` of ``graph`` (layout in the module docstring)."""
    out_start, out_target = _csr(graph)
    arrays, id_bytes, tables = _node_arrays(graph)
    arrays["out_start"], arrays["out_target"] = out_start, out_target
    payload = {
        **{name: a.tobytes() for name, a in arrays.items()},
        "id_bytes": id_bytes,
        "tables": json.dumps(tables).encode("utf-8"),
    }
    offset = _HEAD.size + 8 * len(SECTIONS)
    table, chunks = [], []
    for name, _dtype in SECTIONS:
        pad = -offset % 4
        chunks.append(b"\0" * pad)
        offset += pad
        data = payload[name]
        table.append(struct.pack("<II", offset, len(data)))
        chunks.append(data)
        offset += len(data)
    head = _HEAD.pack(MAGIC, VERSION, graph.node_count, graph.edge_count, len(SECTIONS))
    return head + b"".join(table) + b"".join(chunks)


def write_graph_file(graph: MapGraph, target: PathOrFile) -> int:
    """Write ``graph.bin`` gzip'd (``FILE_NAME``) to ``target``; returns the bytes written."""
    data = gzip_graph_bytes(graph)
    write_bytes(data, target)
    return len(data)


def gzip_graph_bytes(graph: MapGraph) -> bytes:
    """``graph_bytes`` gzip'd, with no timestamp so an unchanged graph gives the same file.
    Level 6: at 176K titles level 9 saves 0.3 % for twice the time."""
    return gzip.compress(graph_bytes(graph), 6, mtime=0)


@dataclass(slots=True)
class GraphFile:
    """A read ``graph.bin``: the sections as numpy arrays, the ids and the tables."""

    version: int
    out_start: np.ndarray
    out_target: np.ndarray
    votes: np.ndarray
    genres: np.ndarray
    year: np.ndarray
    runtime: np.ndarray
    rating: np.ndarray
    type: np.ndarray
    ids: list[str]
    genre_table: list[str]
    type_table: list[str | None]
    community: np.ndarray | None  # None in a version 1 file

    def neighbours(self, i: int) -> list[int]:
        return self.out_target[self.out_start[i] : self.out_start[i + 1]].tolist()


def read_graph_bytes(data: bytes) -> GraphFile:
    """Parse an uncompressed ``graph.bin`` (gzip'd input is inflated first)."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < _HEAD.size or data[:8] != MAGIC:
        raise GraphFileError(f"not a graph file: starts with {data[:8]!r}, expecting {MAGIC!r}")
    _magic, version, n, e, count = _HEAD.unpack_from(data)
    if version > VERSION:
        raise GraphFileError(
            f"graph file version {version} is newer than this reader's {VERSION}: "
            "update imdb-spider or export the map again"
        )
    expected = SECTIONS_OF_VERSION.get(version, len(SECTIONS))
    if count < expected or len(data) < _HEAD.size + 8 * count:
        raise GraphFileError(f"graph file truncated: header of {count} sections cut short")
    sections: dict[str, Any] = {"community": None}
    for k, (name, dtype) in enumerate(SECTIONS[:expected]):
        offset, length = struct.unpack_from("<II", data, _HEAD.size + 8 * k)
        if offset + length > len(data):
            raise GraphFileError(
                f"graph file truncated: section {name} ends at byte {offset + length}, "
                f"the file has {len(data)}"
            )
        chunk = data[offset : offset + length]
        sections[name] = chunk if dtype is None else np.frombuffer(chunk, dtype=dtype)
    if len(sections["out_start"]) != n + 1 or len(sections["out_target"]) != e:
        raise GraphFileError(f"graph file sections disagree with its counts ({n} nodes, {e} edges)")
    id_bytes, starts = sections["id_bytes"], sections["id_start"].tolist()
    tables = json.loads(sections["tables"].decode("utf-8"))
    return GraphFile(
        version=version,
        out_start=sections["out_start"],
        out_target=sections["out_target"],
        votes=sections["votes"],
        genres=sections["genres"],
        year=sections["year"],
        runtime=sections["runtime"],
        rating=sections["rating"],
        type=sections["type"],
        ids=[id_bytes[a:b].decode("utf-8") for a, b in pairwise(starts)],
        genre_table=tables["genres"],
        type_table=tables["types"],
        community=sections["community"],
    )
