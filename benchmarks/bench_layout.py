"""Layout and community benchmark at the reference scale (not a test).

    python -m benchmarks.bench_layout                     # every method, 176,000 titles
    python -m benchmarks.bench_layout --method clustered --nodes 20000

Each step runs in a fresh child process so its peak RSS is its own. Prints wall time, CPU
time, peak RSS and the quality figures of ``exporters.quality`` as a table, with the machine
load before. ``ownL`` is measured twice: against Leiden communities (the research's measure;
it flatters ``clustered``, which starts from the same partition) and against the synthetic
graph's *planted* communities (``ownP``), which no method has seen: the fair comparison.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import time
from queue import Empty

from exporters.layout import METHODS

STEPS = ("communities", *METHODS)


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _run(step: str, nodes: int, seed: int, queue: multiprocessing.Queue) -> None:
    from devtools.synthetic import synthetic_graph_with_truth
    from exporters.communities import detect_communities
    from exporters.layout import compute_layout
    from exporters.quality import layout_quality

    graph, truth = synthetic_graph_with_truth(nodes, seed=seed)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    if step == "communities":
        detect_communities(graph, seed=seed)
    else:
        compute_layout(graph, seed=seed, method=step)
    row = {
        "step": step,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() + _children_cpu() - cpu,  # sfdp runs as a child
        "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        "graph_rss_gb": base / 1e6,
    }
    if step != "communities":
        detect_communities(graph, seed=seed)
        row.update(layout_quality(graph, seed=seed))
        graph.community = truth
        row["ownP"] = layout_quality(graph, seed=seed)["ownL"]
    else:
        row["communities"] = len(graph.communities)
    queue.put(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=176_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--method", choices=STEPS, action="append", help="repeatable")
    args = parser.parse_args()
    steps = args.method or list(STEPS)
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; nodes {args.nodes}")
    header = f"{'step':<12} {'wall s':>7} {'cpu s':>7} {'peak GB':>8} {'ownL':>5} {'occ':>5} "
    print(header + f"{'short':>5} {'nbrs':>5} {'ownP':>5}")
    context = multiprocessing.get_context("spawn")
    for step in steps:
        queue = context.Queue()
        child = context.Process(target=_run, args=(step, args.nodes, args.seed, queue))
        child.start()
        row = None
        while row is None:
            try:
                row = queue.get(timeout=2)
            except Empty:
                if not child.is_alive():
                    break
        child.join()
        if row is None:
            print(f"{step:<12} failed (exit code {child.exitcode})", flush=True)
            continue
        figures = " ".join(
            f"{row[k]:>5.2f}" if k in row else f"{'':>5}"
            for k in ("ownL", "occ", "short", "neighbour_share", "ownP")
        )
        print(
            f"{step:<12} {row['wall']:>7.1f} {row['cpu']:>7.1f} {row['rss_gb']:>8.2f} {figures}",
            flush=True,
        )
        if os.environ.get("BENCH_JSON"):
            print(json.dumps(row))
    ceiling = min(1.0, args.nodes / 512**2)
    print(f"load after: {os.getloadavg()[0]:.2f}; occ cannot exceed {ceiling:.2f}")


if __name__ == "__main__":
    main()
