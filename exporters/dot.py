"""Graphviz DOT (``graph.dot``) from a filled ``MapGraph``, streamed line by line.

Reads ``ids``, ``titles``, ``years``, ``x``/``y``, ``community`` + ``communities`` (colours) and
the edge arrays. pydot builds the whole graph as Python objects first (53 s / 1.8 GB at 173K
nodes / 1.5M edges); writing strings is ~20 times faster, so this module never uses it.

Conventions shared with ``gdf`` and ``gexf``:

* edge weight = ``rank_weight(rank)`` = ``max(1, 12 - rank)``: 12 for a title's first
  recommendation down to 1 for the twelfth and later ones. An integer, because Graphviz's ``dot``
  engine only accepts integer weights.
* y is flipped: our maps use SVG coordinates (y grows downward), Graphviz and Gephi draw y
  upward, so ``pos`` is ``"x,-y!"`` and the picture has the same orientation as our map.
* an edge's ``origin`` is the source(s) of the recommendation: ``imdb``, ``tmdb`` or
  ``imdb|tmdb`` (``model.origin_label``).

Label quoting (what Graphviz does with a quoted string): the parser only turns ``\\"`` into
``"``; the label renderer then reads ``\\\\`` as one backslash, ``\\n`` as a line break, other
backslash letters (``\\N``, ``\\G``, ``\\l`` …) as substitutions or justification, and decodes
HTML entities. So a title is written with ``\\`` → ``\\\\``, ``"`` → ``\\"``, ``&`` → ``&amp;``,
line feed → ``\\n``; a carriage return and every other control character (C0 except tab, and
DEL) and U+FFFE/U+FFFF are dropped (``label_text`` gives the text Graphviz then shows). Node ids
are quoted too; an
id that DOT cannot carry exactly (backslash, quote or control character) is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from .fileio import PathOrFile, write_lines
from .model import MapGraph, origin_label
from .palette import UNKNOWN_COLOR, hex_color

# C0 controls but tab (LF is handled first), DEL, and the non-characters Graphviz would copy
# into its SVG output, which XML cannot carry
_DROPPED = re.compile("[\x00-\x08\x0a-\x1f\x7f\ufffe\uffff]")
_BAD_ID = re.compile('[\\\\"\x00-\x1f\x7f]')


def rank_weight(ranks: np.ndarray) -> np.ndarray:
    """Edge weight from recommendation rank (0 = strongest): 12, 11, …, 1, then 1."""
    return np.maximum(1, 12 - ranks.astype(np.int64))


def label_text(title: str) -> str:
    """The text Graphviz shows for ``title`` (line feeds kept, other controls dropped)."""
    return "\n".join(_DROPPED.sub("", part) for part in title.split("\n"))


def quote_label(text: str) -> str:
    """``text`` as a quoted DOT label that Graphviz renders as ``label_text(text)``."""
    parts = [
        _DROPPED.sub("", line).replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
        for line in text.split("\n")
    ]
    return '"' + "\\n".join(parts) + '"'


def quote_id(node_id: str) -> str:
    if _BAD_ID.search(node_id):
        raise ValueError(
            f"node id {node_id!r} cannot be written to DOT exactly (backslash, quote or control "
            "character): ids must be plain IMDb ids such as tt0133093"
        )
    return f'"{node_id}"'


def generate_dot(graph: MapGraph, *, name: str = "imdb") -> Iterator[str]:
    """Lines of the DOT file (each ends with a newline)."""
    if graph.x is None or graph.y is None or graph.community is None:
        raise ValueError("the graph has no layout or communities yet: run those steps first")
    yield f"digraph {name} {{\n"
    yield "  graph [overlap=true, splines=false, outputorder=edgesfirst];\n"
    yield '  node [shape=circle, style=filled, fontsize=10, label=""];\n'
    colors = [hex_color(c.color) for c in graph.communities]
    unknown = hex_color(UNKNOWN_COLOR)
    qids = [quote_id(i) for i in graph.ids]
    xs = graph.x.tolist()
    ys = graph.y.tolist()
    comm = graph.community.tolist()
    for i, qid in enumerate(qids):
        year = graph.years[i]
        year_attr = "" if year is None else f", year={int(year)}"
        c = comm[i]
        color = colors[c] if c < len(colors) else unknown
        yield (
            f"  {qid} [label={quote_label(graph.titles[i])}{year_attr}, community={c}, "
            f'pos="{xs[i]!r},{-ys[i]!r}!", color="{color}"];\n'
        )
    weights = rank_weight(graph.ranks).tolist()
    labels = {m: origin_label(m) for m in set(graph.origins.tolist())}
    origins = [labels[m] for m in graph.origins.tolist()]
    edges = zip(graph.sources.tolist(), graph.targets.tolist(), weights, origins, strict=True)
    for s, t, w, origin in edges:
        yield f'  {qids[s]} -> {qids[t]} [weight={w}, origin="{origin}"];\n'
    yield "}\n"


def write_dot(graph: MapGraph, path: PathOrFile, *, name: str = "imdb") -> None:
    """Write ``graph.dot`` to a path or a binary file object (UTF-8)."""
    write_lines(generate_dot(graph, name=name), path)
