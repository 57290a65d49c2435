"""The map folder the site loads: shingle.js tiles, legend, search index and bitmaps.

``write_tiles(graph, out_dir)`` builds the ``TileSet`` (``tileset``) and writes what every
writer gives for it: the shingle.js files (``shingle``), ``legend.json`` (``legend``),
``search/`` (``search_index``), the background bitmaps ``image_2400.jpg`` /
``image_2400low.jpg`` (``bitmap``) and the whole graph as ``graph.bin.gz`` (``graphfile``),
plus a ``preview.png`` of the whole map if asked.

Only files whose content changed are rewritten (the others keep their mtime, so a sync to a
static host ships only what a re-crawl changed), and files a previous export wrote that this
one did not are removed, so no stale quad survives. Reads a filled ``MapGraph``.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .bitmap import iter_bitmaps, write_preview
from .graphfile import FILE_NAME as GRAPH_FILE
from .graphfile import gzip_graph_bytes
from .legend import legend_json
from .map_edges import SPEC_COMPACT_RELATIONS, SPEC_EDGE_CAP
from .model import MapGraph
from .search_index import iter_search_files
from .shingle import iter_tile_files
from .tileset import TileSet, build_tileset

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class TileStats:
    """What ``write_tiles`` wrote; the counts come from the tile set, not from the files."""

    nodes: int
    edges: int  # undirected map edges
    kept_edges: int  # after the per-node cap
    quads: int
    leaves: int
    depth: int
    relations: int  # in all equad_ files
    compact_relations: int  # in all quad_ files
    average_quad_width: float
    map_width: float
    map_height: float
    files: int = 0
    unchanged: int = 0  # files left as the previous export wrote them
    bytes: int = 0
    bytes_by_kind: dict[str, int] = field(default_factory=dict)


_OUR_FILES = re.compile(
    r"^(mapinfo|legend|(e|x|by)?quad_[lr]*|table\d+)\.json$|^image_\d+(low)?\.jpg$|^graph\.bin\.gz$"
)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless ``path`` holds exactly that already; True if written. Unchanged
    files keep their mtime, so after a re-crawl only what changed is rewritten, and a sync to
    a static host ships only that."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.write_bytes(data)
    return True


def _previous_files(out: Path) -> set[Path]:
    """Files a previous export wrote (only our own names)."""
    found = {p for p in out.iterdir() if p.is_file() and _OUR_FILES.match(p.name)}
    search = out / "search"
    if search.is_dir():
        found.update(search.rglob("*.json"))
    return found


def _remove_stale(out: Path, stale: set[Path]) -> None:
    """Remove what a previous export wrote and this one did not, so no stale quad survives."""
    for path in sorted(stale, reverse=True):
        path.unlink(missing_ok=True)
    search = out / "search"
    if search.is_dir():
        for folder in sorted((d for d in search.rglob("*") if d.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()


class _Files:
    """Writes the files of one export into ``out``, counting them in ``stats``; ``stale`` is
    what a previous export wrote that this one has not (yet)."""

    def __init__(self, out: Path, stats: TileStats) -> None:
        self.out = out
        self.stats = stats
        self.stale = _previous_files(out)

    def put(self, name: str, data: bytes, kind: str) -> None:
        path = self.out / name
        if path in self.stale:
            self.stale.discard(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        if not write_if_changed(path, data):
            self.stats.unchanged += 1
        self.stats.files += 1
        self.stats.bytes += len(data)
        self.stats.bytes_by_kind[kind] = self.stats.bytes_by_kind.get(kind, 0) + len(data)

    def put_all(self, files: Iterable[tuple[str, bytes]], kind: str) -> None:
        for name, data in files:
            self.put(name, data, kind)


def _tile_kind(name: str) -> str:
    """What a shingle.js file counts as in ``bytes_by_kind``: quad, equad, table or mapinfo."""
    if "_" in name:
        return name.partition("_")[0]  # quad_lr.json -> quad
    return re.sub(r"\d*\.json$", "", name)  # table12.json -> table


def _write_preview_png(ts: TileSet, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    png = io.BytesIO()
    write_preview(ts, png)
    write_if_changed(path, png.getvalue())


def write_tiles(
    graph: MapGraph,
    out_dir: str | Path,
    *,
    max_nodes_per_quad: int = 50,
    max_edges_per_node: int = SPEC_EDGE_CAP,
    max_compact_relations: int = SPEC_COMPACT_RELATIONS,
    min_quad_fraction: float = 0.3,
    legend: bool = True,
    search: bool = True,
    bitmaps: bool = True,
    graph_file: bool = True,
    preview: str | Path | None = None,
    progress: Callable[[str, float], None] | None = None,
    search_shard_entries: int = 1500,
) -> TileStats:
    """Write a shingle.js graph directory (plus legend, search index and bitmaps) to ``out_dir``,
    and the whole map as a PNG to ``preview`` if given. ``progress(stage, fraction)`` is told
    how far the writing is; ``search_shard_entries`` is the search index's shard size."""
    report = progress or (lambda stage, fraction: None)
    report("tree", 0.0)
    ts = build_tileset(
        graph,
        max_nodes_per_quad=max_nodes_per_quad,
        max_edges_per_node=max_edges_per_node,
        max_compact_relations=max_compact_relations,
        min_quad_fraction=min_quad_fraction,
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stats = TileStats(
        nodes=graph.node_count,
        edges=int(ts.edges.a.shape[0]),
        kept_edges=int(ts.edges.kept.sum()),
        quads=ts.tree.size,
        leaves=int(ts.tree.leaves.shape[0]),
        depth=ts.tree.depth,
        relations=ts.relations.full_count,  # what was picked, not what the files spell
        compact_relations=ts.relations.compact_count,
        average_quad_width=ts.average_quad_width,
        map_width=ts.map_box[1] - ts.map_box[0],
        map_height=ts.map_box[3] - ts.map_box[2],
    )
    files = _Files(out, stats)
    expected = 2 * ts.tree.size + 1  # quad_ and equad_ files, then tables and mapinfo
    for k, (name, data) in enumerate(iter_tile_files(ts)):
        if k % 256 == 0:
            report("quads", 0.8 * min(1.0, k / expected))
        files.put(name, data, _tile_kind(name))
    if legend:
        files.put("legend.json", legend_json(ts), "legend")
    if search:
        report("search index", 0.8)
        files.put_all(iter_search_files(ts, max_shard_entries=search_shard_entries), "search")
    if graph_file:  # for the site's features that need every edge; never the first draw
        files.put(GRAPH_FILE, gzip_graph_bytes(graph), "graph")
    if bitmaps:
        report("bitmaps", 0.9)
        files.put_all(iter_bitmaps(ts), "image")
    _remove_stale(out, files.stale - ({Path(preview)} if preview is not None else set()))
    report("preview", 0.97)
    if preview is not None:
        _write_preview_png(ts, Path(preview))
    logger.info(
        "tiles: %d quads (%d leaves, depth %d), %d files, %.1f MB in %s",
        stats.quads,
        stats.leaves,
        stats.depth,
        stats.files,
        stats.bytes / 1e6,
        out,
    )
    report("done", 1.0)
    return stats
