"""``legend.json``: the communities of a tile set, for our viewer's legend and colours.

Reads ``MapGraph.communities`` and ``community`` and the tile coordinates of a ``TileSet``.
Shape (compact JSON)::

    {"communities": [{"id": 0, "name": "Horror · 1980s", "color": "#f0bc00",
                      "size": 1234, "x": -10.5, "y": 88.0, "top": ["tt0081505", …]}, …],
     "nodeColors": ["#f0bc00", …], "origins": ["imdb", "tmdb"]}

``size`` counts the community's nodes in this map; ``x``/``y`` is the mean position of its
nodes; ``top`` lists its three biggest titles. ``nodeColors`` is indexed by community id, ready
for shingle.js's ``nodeColors`` option (colour = ``nodeColors[community mod length]``);
``origins`` names the sources of the map's data (``MapGraph.origins_present``).
Community names are plain text (not HTML-escaped): show them with ``textContent``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from .fileio import PathOrFile, write_bytes
from .palette import UNKNOWN_COLOR, hex_color

if TYPE_CHECKING:
    from .tileset import TileSet

TOP_TITLES = 3


def build_legend(ts: TileSet) -> dict[str, Any]:
    """The content of ``legend.json`` (see the module docstring)."""
    g = ts.graph
    comm = ts.community.astype(np.int64)
    known = {c.id: c for c in g.communities}
    count = int(max([*known, int(comm.max()) if comm.size else -1]) + 1)
    sizes = np.bincount(comm, minlength=count)
    sx = np.bincount(comm, weights=ts.x, minlength=count)
    sy = np.bincount(comm, weights=ts.y, minlength=count)
    order = np.lexsort((np.arange(comm.shape[0]), -ts.size, comm))
    starts = np.searchsorted(comm[order], np.arange(count))
    entries: list[dict[str, Any]] = []
    colors: list[str] = []
    for c in range(count):
        info = known.get(c)
        color = hex_color(info.color if info else UNKNOWN_COLOR)
        colors.append(color)
        if sizes[c] == 0 and info is None:
            continue
        top = order[starts[c] : starts[c] + min(TOP_TITLES, int(sizes[c]))]
        entries.append(
            {
                "id": c,
                "name": info.name if info else f"Community {c}",
                "color": color,
                "size": int(sizes[c]),
                "x": round(float(sx[c] / sizes[c]), 3) if sizes[c] else 0.0,
                "y": round(float(sy[c] / sizes[c]), 3) if sizes[c] else 0.0,
                "top": [g.ids[i] for i in top.tolist()],
            }
        )
    return {"communities": entries, "nodeColors": colors, "origins": g.origins_present()}


def legend_json(ts: TileSet) -> bytes:
    return orjson.dumps(build_legend(ts))


def write_legend(ts: TileSet, path: PathOrFile) -> None:
    write_bytes(legend_json(ts), path)
