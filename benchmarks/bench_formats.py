"""Format writers at the reference scale: ``python -m benchmarks.bench_formats``.

Builds a seeded synthetic graph (``devtools.synthetic``, 176,000 titles, ~1.5M edges) with a
clustered layout and planted communities, then runs each writer (DOT, GDF, GEXF, tiles with
legend/search/bitmaps, preview, validator) in its own process and prints wall time, peak RSS
(of that process, graph included), files and bytes; for the tile directory also gzip'd bytes
and bytes per kind. Not a test. Options: ``--nodes``, ``--seed``, ``--out`` (kept if given),
``--edge-cap`` (the tiles' per-node edge cap, default 24 as in the spec).
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

WRITERS = ("dot", "gdf", "gexf", "tiles", "preview", "validate")


def make_graph(n: int, seed: int):
    from devtools.synthetic import synthetic_graph_with_truth
    from exporters.model import Community
    from exporters.palette import PALETTE

    graph, truth = synthetic_graph_with_truth(n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    k = int(truth.max()) + 1
    counts = np.bincount(truth, minlength=k)
    radius = 40.0 * np.sqrt(n)
    r = radius * np.sqrt(rng.random(k))
    phi = rng.random(k) * 2 * np.pi
    spread = 6.0 * np.sqrt(counts) + 5.0
    x = r[truth] * np.cos(phi[truth]) + rng.normal(0, 1, n) * spread[truth]
    y = 0.7 * r[truth] * np.sin(phi[truth]) + rng.normal(0, 1, n) * spread[truth]
    graph.x = x - (x.min() + x.max()) / 2
    graph.y = y - (y.min() + y.max()) / 2
    graph.community = truth.astype(np.int32)
    graph.communities = [
        Community(id=c, name=f"Community {c}", color=PALETTE[c % len(PALETTE)], size=int(counts[c]))
        for c in range(k)
    ]
    graph.in_degree = np.bincount(graph.targets, minlength=n).astype(np.int32)
    votes = np.asarray(graph.votes, dtype=np.float64)
    graph.size = 1.0 + graph.in_degree + votes / (votes.max() + 1.0)
    return graph


def run_one(writer: str, graph_file: Path, out: Path, edge_cap: int = 24) -> dict:
    with open(graph_file, "rb") as fh:
        graph = pickle.load(fh)
    start = time.perf_counter()
    result: dict = {"writer": writer}
    if writer == "dot":
        from exporters.dot import write_dot

        write_dot(graph, out / "graph.dot")
        result["files"], result["bytes"] = 1, (out / "graph.dot").stat().st_size
    elif writer == "gdf":
        from exporters.gdf import write_gdf

        write_gdf(graph, out / "graph.gdf")
        result["files"], result["bytes"] = 1, (out / "graph.gdf").stat().st_size
    elif writer == "gexf":
        from exporters.gexf import write_gexf

        write_gexf(graph, out / "graph.gexf")
        result["files"], result["bytes"] = 1, (out / "graph.gexf").stat().st_size
    elif writer == "tiles":
        from exporters.tiles import write_tiles

        stats = write_tiles(graph, out / "tiles", max_edges_per_node=edge_cap)
        result["files"], result["bytes"] = stats.files, stats.bytes
        result["stats"] = {
            "quads": stats.quads,
            "leaves": stats.leaves,
            "depth": stats.depth,
            "edges": stats.edges,
            "kept_edges": stats.kept_edges,
            "relations": stats.relations,
            "compact_relations": stats.compact_relations,
            "by_kind": stats.bytes_by_kind,
        }
    elif writer == "preview":
        from exporters.bitmap import write_preview
        from exporters.tileset import build_tileset

        write_preview(build_tileset(graph), out / "preview.png")
        result["files"], result["bytes"] = 1, (out / "preview.png").stat().st_size
    elif writer == "validate":
        from exporters.validate import validate_tiles

        problems = validate_tiles(out / "tiles", max_edges_per_node=edge_cap)
        result["files"], result["bytes"] = 0, 0
        result["problems"] = len(problems)
        result["examples"] = problems[:5]
    result["seconds"] = time.perf_counter() - start
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def gzip_size(directory: Path) -> tuple[int, int, int]:
    files = total = packed = 0
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            files += 1
            total += len(data)
            packed += len(zlib.compress(data, 6)) + 18  # + gzip header/trailer
    return files, total, packed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=176_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--edge-cap", type=int, default=24, help="tiles: max edges per node")
    parser.add_argument("--one", choices=WRITERS, help=argparse.SUPPRESS)
    parser.add_argument("--graph", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(repr(run_one(args.one, args.graph, args.out, args.edge_cap)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        graph_file = Path(tmp) / "graph.pickle"
        start = time.perf_counter()
        graph = make_graph(args.nodes, args.seed)
        built = time.perf_counter() - start
        with open(graph_file, "wb") as fh:
            pickle.dump(graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
        print(
            f"graph: {graph.node_count:,} nodes, {graph.edge_count:,} edges, "
            f"{len(graph.communities)} communities (built in {built:.1f} s)"
        )
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
        del graph
        rows = []
        for writer in WRITERS:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_formats",
                    "--one",
                    writer,
                    "--graph",
                    str(graph_file),
                    "--out",
                    str(out),
                    "--edge-cap",
                    str(args.edge_cap),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(eval(proc.stdout.strip().splitlines()[-1]))  # our own repr
        print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")
        print()
        print(f"{'writer':<10}{'wall s':>8}{'peak RSS MB':>13}{'files':>8}{'MB':>10}")
        for row in rows:
            print(
                f"{row['writer']:<10}{row['seconds']:>8.1f}{row['peak_rss_mb']:>13.0f}"
                f"{row['files']:>8}{row['bytes'] / 1e6:>10.1f}"
            )
        tiles = next(r for r in rows if r["writer"] == "tiles")
        files, total, packed = gzip_size(out / "tiles")
        print()
        print(f"tile directory: {files} files, {total / 1e6:.1f} MB, {packed / 1e6:.1f} MB gzip'd")
        for key, value in sorted(tiles["stats"].items()):
            if key != "by_kind":
                print(f"  {key}: {value:,}")
        for kind, size in sorted(tiles["stats"]["by_kind"].items(), key=lambda kv: -kv[1]):
            print(f"  {kind:<10}{size / 1e6:>10.1f} MB")
        check = next(r for r in rows if r["writer"] == "validate")
        print(f"validator: {check['problems']} problem(s) {check['examples']}")


if __name__ == "__main__":
    main()
