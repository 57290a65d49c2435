r"""Gephi's GDF (GUESS format, ``graph.gdf``) from a filled ``MapGraph``, and a reader for it.

Reads ``ids``, ``titles``, ``years``, ``ratings``, ``votes``, ``genres``, ``x``/``y``,
``community`` + ``communities`` (colours) and the edge arrays.

Layout of the file::

    nodedef>name VARCHAR,label VARCHAR,year INTEGER,rating DOUBLE,votes INTEGER,genres VARCHAR,
            community INTEGER,x DOUBLE,y DOUBLE,color VARCHAR          (one line)
    'tt0114709','Toy Story',1995,8.3,1000000,'Animation|Adventure',3,-12.5,40.25,'21,163,206'
    edgedef>node1 VARCHAR,node2 VARCHAR,directed BOOLEAN,weight DOUBLE,origin VARCHAR
    'tt0114709','tt0120363',true,12,'imdb'

* weight = ``dot.rank_weight(rank)`` = ``max(1, 12 - rank)`` (12 for the first recommendation);
  genres are joined with ``|``; missing numbers are empty fields; ``origin`` is the source(s) of
  the recommendation (``imdb``, ``tmdb``, ``imdb|tmdb``).
* y is written as ``-y``: our map's y grows downward (SVG), Gephi's grows upward, so Gephi shows
  the same picture as our map. ``read_gdf`` gives the file's values (flip back yourself).

Quoting. Gephi reads the file line by line and splits a line with one regular expression: a
field that starts with ``'`` ends at the first ``'`` that is followed by ``,`` or the end of the
line and is *not* preceded by a backslash; nothing is unescaped; values are trimmed and ``null``
means missing. Every VARCHAR is therefore written in single quotes, and a few characters are
escaped with a backslash so that the line stays one line and Gephi finds the right end:
``\\`` (backslash), ``\n``, ``\r``, ``\t``, ``\xHH`` (other control characters), ``\uHHHH``
(U+2028, U+2029; like U+0085 they end a Java regex ``.``), ``\'`` (a quote
followed by a comma or ending the value), and a trailing ``,`` or ``\`` as ``\x2c`` / ``\x5c``
(Gephi would otherwise misread the next field). Ordinary apostrophes ("Schindler's List") stay
as they are, so Gephi shows almost every title exactly; ``read_gdf`` undoes all escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .dot import rank_weight
from .fileio import PathOrFile, open_file, write_lines
from .model import MapGraph, origin_label
from .palette import UNKNOWN_COLOR

NODEDEF = (
    "nodedef>name VARCHAR,label VARCHAR,year INTEGER,rating DOUBLE,votes INTEGER,"
    "genres VARCHAR,community INTEGER,x DOUBLE,y DOUBLE,color VARCHAR"
)
EDGEDEF = "edgedef>node1 VARCHAR,node2 VARCHAR,directed BOOLEAN,weight DOUBLE,origin VARCHAR"

_NEEDS_ESCAPE = re.compile("[\\\\\x00-\x1f\x7f\x85\u2028\u2029]|'(?=,|\\Z)")
_SHORT = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "'": "\\'"}


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    return _SHORT.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def quote(value: str) -> str:
    """``value`` as a single-quoted GDF string that Gephi and ``read_gdf`` both split right."""
    text = _NEEDS_ESCAPE.sub(_escape_char, value)
    if text.endswith(","):
        text = text[:-1] + "\\x2c"
    elif value.endswith("\\"):
        text = text[:-2] + "\\x5c"
    return f"'{text}'"


def _num(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def generate_gdf(graph: MapGraph) -> Iterator[str]:
    """Lines of the GDF file (each ends with a newline)."""
    if graph.x is None or graph.y is None or graph.community is None:
        raise ValueError("the graph has no layout or communities yet: run those steps first")
    colors = [quote("{},{},{}".format(*c.color)) for c in graph.communities]
    grey = quote("{},{},{}".format(*UNKNOWN_COLOR))
    qids = [quote(i) for i in graph.ids]
    xs = graph.x.tolist()
    ys = graph.y.tolist()
    comm = graph.community.tolist()
    yield NODEDEF + "\n"
    for i, qid in enumerate(qids):
        year, rating, votes = graph.years[i], graph.ratings[i], graph.votes[i]
        c = comm[i]
        yield (
            f"{qid},{quote(graph.titles[i])},{_num(year)},{_num(rating)},{_num(votes)},"
            f"{quote('|'.join(graph.genres[i]))},{c},{xs[i]!r},{-ys[i]!r},"
            f"{colors[c] if c < len(colors) else grey}\n"
        )
    yield EDGEDEF + "\n"
    weights = rank_weight(graph.ranks).tolist()
    labels = {m: quote(origin_label(m)) for m in set(graph.origins.tolist())}
    origins = [labels[m] for m in graph.origins.tolist()]
    for s, t, w, o in zip(
        graph.sources.tolist(), graph.targets.tolist(), weights, origins, strict=True
    ):
        yield f"{qids[s]},{qids[t]},true,{w},{o}\n"


def write_gdf(graph: MapGraph, path: PathOrFile) -> None:
    """Write ``graph.gdf`` to a path or a binary file object (UTF-8)."""
    write_lines(generate_gdf(graph), path)


# --- reading --------------------------------------------------------------------------------


class GdfError(ValueError):
    """A GDF file this reader cannot understand (the message names the line)."""


@dataclass
class GdfData:
    node_columns: list[tuple[str, str]] = field(default_factory=list)  # (name, TYPE)
    edge_columns: list[tuple[str, str]] = field(default_factory=list)
    nodes: list[dict[str, object]] = field(default_factory=list)
    edges: list[dict[str, object]] = field(default_factory=list)


_UNESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.DOTALL)
_UNSHORT = {"n": "\n", "r": "\r", "t": "\t"}


def _unescape_char(m: re.Match[str]) -> str:
    code = m.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _UNSHORT.get(code, code)


def split_line(line: str) -> list[str | None]:
    """Fields of one data line: quoted ones unescaped, bare ones as text, empty ones None."""
    fields: list[str | None] = []
    i, n = 0, len(line)
    while True:
        value, i = _field_at(line, i)
        fields.append(value)
        if i >= n:
            return fields
        if line[i] != ",":
            raise GdfError(f"expected a comma at column {i} of GDF line: {line!r}")
        i += 1
        if i == n:  # a trailing comma: one more, empty field
            fields.append(None)
            return fields


def _field_at(line: str, i: int) -> tuple[str | None, int]:
    """The field that starts at column ``i``, and the column just after it."""
    if i < len(line) and line[i] == "'":
        end = _closing_quote(line, i + 1)
        return _UNESCAPE.sub(_unescape_char, line[i + 1 : end]), end + 1
    end = line.find(",", i)
    if end < 0:
        end = len(line)
    return line[i:end].strip() or None, end


def _closing_quote(line: str, j: int) -> int:
    """The column of the quote that closes a quoted value whose text starts at ``j``: its
    first unescaped quote that a comma or the end of the line follows."""
    n = len(line)
    while j < n:
        ch = line[j]
        if ch == "\\":
            j += 2  # an escaped character, maybe a quote: never the end
        elif ch == "'" and (j + 1 == n or line[j + 1] == ","):
            return j
        else:
            j += 1
    raise GdfError(f"unterminated quoted value in GDF line: {line!r}")


def _columns(header: str, prefix: str) -> list[tuple[str, str]]:
    cols = []
    for part in header[len(prefix) :].split(","):
        bits = part.strip().split()
        if not bits:
            raise GdfError(f"empty column definition in GDF header: {header!r}")
        cols.append((bits[0].lower(), bits[1].upper() if len(bits) > 1 else "VARCHAR"))
    return cols


def _typed(value: str | None, kind: str) -> object:
    if value is None:
        return None
    if kind in ("INTEGER", "INT", "TINYINT"):
        return int(value)
    if kind in ("DOUBLE", "FLOAT"):
        return float(value)
    if kind in ("BOOLEAN", "BOOL"):
        return value.lower() == "true"
    return value


def parse_gdf(lines: Iterator[str]) -> GdfData:
    data = GdfData()
    section = None
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n") if number > 1 else raw.lstrip("\ufeff").rstrip("\r\n")
        lowered = line.lower()
        if lowered.startswith("nodedef>"):
            data.node_columns, section = _columns(line, "nodedef>"), "nodes"
            continue
        if lowered.startswith("edgedef>"):
            data.edge_columns, section = _columns(line, "edgedef>"), "edges"
            continue
        if not line:
            continue
        if section is None:
            raise GdfError(f"line {number} comes before any nodedef> header")
        cols = data.node_columns if section == "nodes" else data.edge_columns
        values = split_line(line)
        if len(values) != len(cols):
            raise GdfError(f"line {number} has {len(values)} fields, the header {len(cols)}")
        row = {name: _typed(v, kind) for (name, kind), v in zip(cols, values, strict=True)}
        (data.nodes if section == "nodes" else data.edges).append(row)
    return data


def read_gdf(path: PathOrFile) -> GdfData:
    """Read a GDF file written by ``write_gdf`` (or any single-quote GDF without ``"`` quoting)."""
    with open_file(path, "rb") as fh:
        text = fh.read().decode("utf-8")
    # Only "\n" ends a line: a "\r" inside a value was escaped by the writer, and a
    # "\r\n" file's "\r" is stripped by the parser.
    return parse_gdf(iter(text.split("\n")))
