"""``python -m exporters``: turn a crawl database into graph files and a map.

``python -m exporters all --db crawls/imdb.sqlite --out site/data`` runs every step:

1. graph (``graph.py``) from the crawl database, with the filters below; ``--source imdb``
   or ``tmdb`` takes that source's recommendations only, ``all`` (the default) the union,
   an edge both give kept once with both sources recorded;
2. communities (``communities.py``): Leiden, seeded, named "Genre · 1980s";
3. layout (``layout.py``), seeded, with its quality in words after it (every figure of
   ``quality.py`` with ``--verbose``, and the edge counts of each stage);
4. DOT, GDF and GEXF (``--graph-dir``, default ``<out>/../graph``) for Graphviz and Gephi;
5. shingle.js tiles, legend, search index and overview bitmaps in ``--out``, and a
   ``preview.png`` of the whole map.

Re-running with no change in the crawl (or in the options) does nothing. With
``--reuse-layout`` (what ``make export`` uses) the positions of the previous export are kept
for every title that was on the map, so a re-crawl only places the new titles. The state
lives in ``<out>/.export/`` (input digest, options, positions).

``python -m exporters check DIR`` validates a tile directory against the shingle.js rules
(``validate.py``): one line per problem and exit status 1, or a one-line summary and 0.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import resource
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from imdb_spider.store import database_arg
from imdb_spider.store import describe as describe_database

from .communities import compute_sizes, detect_communities
from .dot import write_dot
from .gdf import write_gdf
from .gexf import write_gexf
from .graph import SOURCES, GraphError, load_graph
from .layout import DEFAULT_METHOD, METHODS, LayoutUnavailable, check_method, compute_layout
from .model import MapGraph, input_fields
from .quality import describe_quality, format_quality, layout_quality
from .tiles import write_tiles
from .validate import validate_tiles

logger = logging.getLogger("exporters")

WRITERS: dict[str, Callable[[MapGraph, Path], None]] = {
    "dot": write_dot,
    "gdf": write_gdf,
    "gexf": write_gexf,
}
FORMATS = tuple(WRITERS)
# Edges drawn per title in the tiles. shingle.js allows 24; 12 (IMDb's list length) keeps the
# reference-scale tiles under 300 MB, and the panel's lists come from the node records anyway.
DEFAULT_EDGE_CAP = 12
STATE_DIR = ".export"
STATE_VERSION = 1


class Steps:
    """Times each step and prints one line per step as it ends."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.times: dict[str, float] = {}
        self.peaks: dict[str, float] = {}  # peak RSS of the process when the step ended

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def run(
        self, name: str, fn: Callable[[], Any], detail: Callable[[Any], str] | None = None
    ) -> Any:
        start = time.perf_counter()
        if not self.quiet and sys.stdout.isatty():
            print(f"{name:>12} ...", end="\r", flush=True)
        result = fn()
        took = time.perf_counter() - start
        self.times[name] = took
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.peaks[name] = peak
        text = detail(result) if detail else ""
        self.say(f"{name:>12} {took:7.1f} s {peak:7.0f} MB  {text}".rstrip())
        return result

    def progress(self, name: str) -> Callable[[str, float], None]:
        """A progress callback drawing a bar on a terminal (silent in logs)."""
        if self.quiet or not sys.stdout.isatty():
            return lambda stage, fraction: None

        def show(stage: str, fraction: float) -> None:
            filled = int(fraction * 30)
            bar = "#" * filled + "." * (30 - filled)
            print(f"{name:>12} [{bar}] {fraction:4.0%} {stage:<20}", end="\r", flush=True)

        return show


def graph_digest(graph: MapGraph, options: dict[str, Any]) -> str:
    """A digest of everything the export depends on: the options and every field read from
    the database (``model.input_fields``, so a new field is part of it by being declared)."""
    h = hashlib.sha256()
    h.update(orjson.dumps(options, option=orjson.OPT_SORT_KEYS))
    for f in input_fields(type(graph)):
        value = getattr(graph, f.name)
        h.update(f.name.encode() + b"\0")
        if isinstance(value, np.ndarray):
            h.update(str(value.dtype).encode() + b"\0")
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            h.update(orjson.dumps(value))
    # What the panel says the map leaves out, and whether it is a demo map.
    h.update(orjson.dumps([graph.missing_recs, sorted(graph.outside_names.items()), graph.demo]))
    return h.hexdigest()


def _load_state(out: Path) -> dict[str, Any]:
    try:
        state = orjson.loads((out / STATE_DIR / "state.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return state if state.get("version") == STATE_VERSION else {}


def _previous_export(
    out: Path,
) -> tuple[dict[str, tuple[float, float]] | None, dict[str, int] | None]:
    """(positions, communities) by title id from the last export's state, each None if absent
    (communities are missing from exports older than their reuse). A saved layout that cannot
    be read is a warning, and the map is laid out afresh."""
    path = out / STATE_DIR / "layout.npz"
    if not path.exists():
        return None, None
    try:
        # Our own file handle: np.load leaks its own when the archive is broken.
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            ids = data["ids"].tolist()
            xy = zip(data["x"].tolist(), data["y"].tolist(), strict=True)
            positions = dict(zip(ids, xy, strict=True))
            communities = (
                dict(zip(ids, data["community"].tolist(), strict=True))
                if "community" in data.files
                else None
            )
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        logger.warning(
            "the saved layout %s cannot be read (%s): the map will be redrawn from scratch",
            path,
            exc,
        )
        return None, None
    return positions, communities


def _save_state(out: Path, digest: str, options: dict[str, Any], graph: MapGraph) -> None:
    if graph.x is None or graph.y is None or graph.community is None:
        raise ValueError("nothing to save: the graph has no layout or communities")
    folder = out / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(
        folder / "layout.npz",
        ids=np.asarray(graph.ids),
        x=graph.x,
        y=graph.y,
        community=np.asarray(graph.community),
    )
    state = {"version": STATE_VERSION, "digest": digest, "options": options, "time": time.time()}
    (folder / "state.json").write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2))


def _outputs_exist(out: Path, graph_dir: Path, formats: list[str], preview: Path | None) -> bool:
    wanted = [out / "mapinfo.json", out / "legend.json", out / "search" / "manifest.json"]
    wanted += [graph_dir / f"graph.{fmt}" for fmt in formats]
    if preview is not None:
        wanted.append(preview)
    return all(p.exists() for p in wanted)


def run_all(args: argparse.Namespace) -> int:
    # Refuse a layout method that cannot run here before any work, not after the graph step.
    check_method(args.layout)
    steps = Steps(args.quiet)
    out: Path = args.out
    graph_dir: Path = args.graph_dir or out.parent / "graph"
    formats = [f for f in args.formats.split(",") if f] if args.formats else []
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise SystemExit(f"error: unknown format(s) {', '.join(sorted(unknown))}: "
                         f"expecting some of {', '.join(FORMATS)}")  # fmt: skip
    preview = None if args.no_preview else (args.preview or out / "preview.png")
    options = {
        "min_votes": args.min_votes,
        "title_types": sorted(args.title_types.split(",")) if args.title_types else None,
        "largest_component": args.largest_component,
        "include_uncrawled": args.include_uncrawled,
        "source": args.source,
        "seed": args.seed,
        "layout": args.layout,
        "resolution": args.resolution,
        "edge_cap": args.edge_cap,
        "formats": formats,
    }
    started = time.perf_counter()
    graph = steps.run(
        "graph",
        lambda: load_graph(
            args.db,
            min_votes=args.min_votes,
            title_types=options["title_types"],
            largest_component=args.largest_component,
            include_uncrawled=args.include_uncrawled,
            source=args.source,
            demo=args.demo,
        ),
        functools.partial(_graph_line, verbose=args.verbose),
    )
    digest = graph_digest(graph, options)
    state = _load_state(out)
    if (
        not args.force
        and state.get("digest") == digest
        and _outputs_exist(out, graph_dir, formats, preview)
    ):
        where = describe_database(args.db)
        steps.say(f"up to date: nothing changed in {where} since the last export to {out}")
        return 0

    reuse, before = _previous_export(out) if args.reuse_layout else (None, None)
    steps.run(
        "communities",
        lambda: detect_communities(
            graph, seed=args.seed, resolution=args.resolution, previous=before
        ),
        lambda _: (
            f"{len(graph.communities)} communities, largest "
            f"{graph.communities[0].name!r} ({graph.communities[0].size:,} titles)"
        ),
    )
    compute_sizes(graph)
    if reuse is not None:
        placed = sum(1 for tt in graph.ids if tt in reuse)
        steps.say(f"{'':>12}          reusing positions of {placed:,} titles; "
                  f"placing {graph.node_count - placed:,} new ones")  # fmt: skip
    steps.run(
        "layout",
        lambda: compute_layout(
            graph,
            seed=args.seed,
            method=args.layout,
            reuse=reuse,
            progress=steps.progress("layout"),
        ),
        lambda _: f"method {args.layout}",
    )
    describe = format_quality if args.verbose else describe_quality
    steps.run("quality", lambda: layout_quality(graph, seed=args.seed), describe)
    graph_dir.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        writer = WRITERS[fmt]
        path = graph_dir / f"graph.{fmt}"
        steps.run(fmt, functools.partial(writer, graph, path), functools.partial(_written, path))
    tile_stats = steps.run(
        "tiles",
        lambda: write_tiles(
            graph,
            out,
            max_edges_per_node=args.edge_cap,
            preview=preview,
            progress=steps.progress("tiles"),
        ),
        lambda s: (
            f"{s.quads:,} quads, {s.files:,} files ({s.files - s.unchanged:,} changed), "
            f"{s.bytes / 1e6:.1f} MB in {out}"
        ),
    )
    _save_state(out, digest, options, graph)
    total = time.perf_counter() - started
    steps.say("")
    drawn = (
        f", {graph.edge_count:,} edges ({tile_stats.kept_edges:,} drawn: {args.edge_cap} a title "
        "at most)"
        if args.verbose
        else ""
    )
    steps.say(
        f"exported {graph.node_count:,} titles in {len(graph.communities)} communities{drawn} "
        f"in {total:.1f} s"
    )
    steps.say(f"map: {out} ({tile_stats.files:,} files, {tile_stats.bytes / 1e6:.1f} MB)"
              + (f"; preview {preview}" if preview else ""))  # fmt: skip
    if formats:
        steps.say(f"graph files: {', '.join(str(graph_dir / f'graph.{f}') for f in formats)}")
    steps.say("per step: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.times.items()))
    return 0


def _graph_line(g: MapGraph, verbose: bool) -> str:
    """The one edge count a reader needs: recommendations between the map's titles."""
    line = f"{g.node_count:,} titles, {g.edge_count:,} recommendations between them"
    if verbose:
        line += f" ({g.dropped_edges:,} to titles outside the graph dropped)"
    return line


def _written(path: Path, _result: object = None) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB {path}"


def run_check(args: argparse.Namespace) -> int:
    """Print every problem of the tile directory, one a line, and exit 1; or a short summary
    of a valid one and exit 0."""
    directory: Path = args.dir
    if not directory.is_dir():
        print(f"error: {directory} is not a directory", file=sys.stderr)
        return 1
    problems = validate_tiles(directory)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{directory}: {len(problems)} problem(s)")
        return 1
    info = orjson.loads((directory / "mapinfo.json").read_bytes())
    quads = sum(1 for _ in directory.glob("quad_*.json"))
    print(f"{directory}: valid ({info.get('nrnodes', '?'):,} nodes, {quads:,} quads, "
          f"{info.get('nredges', '?'):,} edges drawn)")  # fmt: skip
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m exporters",
        description="Turn an imdb-spider crawl database into graph files (DOT, GDF, GEXF) and "
        "a zoomable map (shingle.js tiles, legend, search index, bitmaps).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    every = sub.add_parser("all", help="run every export step", description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    every.add_argument(
        "--db",
        type=database_arg,
        required=True,
        help="the crawl database (IMDB_DB_PATH: a SQLite file or a postgresql:// URL)",
    )
    every.add_argument("--out", type=Path, required=True, help="map folder, e.g. site/data")
    every.add_argument("--graph-dir", type=Path, help="where graph.dot/.gdf/.gexf go "
                       "(default: <out>/../graph)")  # fmt: skip
    every.add_argument("--formats", default="dot,gdf,gexf",
                       help="graph files (default: dot,gdf,gexf; '' for none)")  # fmt: skip
    every.add_argument("--seed", type=int, default=1, help="seed of layout and communities")
    every.add_argument("--layout", choices=METHODS, default=DEFAULT_METHOD,
                       help=f"layout method (default: {DEFAULT_METHOD})")  # fmt: skip
    every.add_argument("--reuse-layout", action="store_true",
                       help="keep the last export's positions; place new titles")  # fmt: skip
    every.add_argument("--resolution", type=float, default=1.0,
                       help="Leiden resolution: higher = more, smaller communities")  # fmt: skip
    every.add_argument("--min-votes", type=int, help="drop titles with fewer votes")
    every.add_argument("--title-types", help="keep only these title types (movie,tvMovie)")
    every.add_argument("--largest-component", action="store_true",
                       help="keep only the largest connected component")  # fmt: skip
    every.add_argument("--include-uncrawled", action="store_true",
                       help="recommended titles never crawled become (bare) nodes too")  # fmt: skip
    every.add_argument("--source", choices=SOURCES, default="all",
                       help="whose recommendations: imdb, tmdb, or all (default: the union, "
                       "each edge once with its sources)")  # fmt: skip
    every.add_argument("--demo", action=argparse.BooleanOptionalAction, default=None,
                       help="mark the map as demo data (invented titles: a badge, no IMDb "
                       "links); default: when every crawl run fetched from a loopback host "
                       "(the sandbox)")  # fmt: skip
    every.add_argument("--edge-cap", type=int, default=DEFAULT_EDGE_CAP,
                       help=f"edges drawn per title (1-24, default {DEFAULT_EDGE_CAP}); the "
                       "panel lists every recommendation whatever the cap")  # fmt: skip
    every.add_argument("--preview", type=Path, help="preview PNG path (default: <out>/preview.png)")
    every.add_argument("--no-preview", action="store_true", help="do not write the preview PNG")
    every.add_argument("--force", action="store_true", help="export even if nothing changed")
    every.add_argument("--quiet", action="store_true", help="print nothing but errors")
    every.add_argument("--verbose", action="store_true",
                       help="all layout-quality figures, edge counts of each stage")  # fmt: skip
    every.set_defaults(func=run_all)
    check = sub.add_parser("check", help="validate a tile directory against the shingle.js rules")
    check.add_argument("dir", type=Path)
    check.set_defaults(func=run_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not 1 <= getattr(args, "edge_cap", DEFAULT_EDGE_CAP) <= 24:
        parser.error(f"--edge-cap must be between 1 and 24, not {args.edge_cap}")
    try:
        status: int = args.func(args)
        return status
    except (GraphError, LayoutUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
