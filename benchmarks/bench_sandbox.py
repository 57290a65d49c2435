"""Benchmark the sandbox: universe build time and peak memory, server throughput (IMDb pages
and TMDb API calls), and the time to make IMDb's dataset files padded to full size.

Run as ``python -m benchmarks.bench_sandbox`` (a few minutes; ``--dataset-rows 0`` skips the
dataset files, the longest part). Each measurement runs in its own process: the universe
build in a child (its peak RSS is the child's), the server as ``python -m sandbox`` pinned to
one core, and the client (keep-alive, a few connections in threads, seeded random ids) here,
pinned to another core when there is one; the dataset files are written by
``python -m sandbox.files`` in a child (wall time per file, peak RSS).
Prints a table and writes ``bench-results/bench_sandbox.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

_BUILD_SNIPPET = """
import json, resource, sys, time
t0 = time.perf_counter()
from sandbox import build_universe
u = build_universe(int(sys.argv[1]), seed=int(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t0, "build_seconds": u.build_seconds,
                  "links": int(len(u.rec_idx)), "arrays_mb": u.nbytes() / 2**20,
                  "reciprocity": u.reciprocity(),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench_build(titles: int, seed: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _BUILD_SNIPPET, str(titles), str(seed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client(port: int, paths: list[str], connections: int) -> tuple[int, int, dict]:
    """Fetch ``paths`` over ``connections`` keep-alive connections (one thread each, blocking
    sockets reading into a reused buffer, so the client is cheaper than the server);
    returns (pages, bytes, statuses)."""
    lock = threading.Lock()
    queue = list(reversed(paths))
    totals = {"pages": 0, "bytes": 0}
    statuses: dict[int, int] = {}

    def worker() -> None:
        buf = bytearray(4 * 2**20)
        view = memoryview(buf)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            pending = b""
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop()
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                while b"\r\n\r\n" not in pending:
                    pending += sock.recv(65536)
                head, _, pending = pending.partition(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                got = len(pending)
                pending = b""
                while got < length:
                    got += sock.recv_into(view[: min(len(buf), length - got)])
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    totals["pages"] += 1
                    totals["bytes"] += length

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return totals["pages"], totals["bytes"], statuses


def bench_server(
    *,
    titles: int,
    seed: int,
    layout: str,
    small: bool,
    requests: int,
    connections: int,
    tmdb: bool = False,
) -> dict:
    """Throughput of title pages (``tmdb=False``) or of TMDb's one-call-per-title
    ``/3/movie/{id}?append_to_response=recommendations,external_ids,credits`` (rate limit
    off: the server's own speed)."""
    cmd = [sys.executable, "-m", "sandbox", "--port", "0", "--titles", str(titles),
           "--seed", str(seed), "--layout", layout, "--tmdb-rate", "0"]  # fmt: skip
    if small:
        cmd.append("--small-pages")
    cores = sorted(os.sched_getaffinity(0))
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        base = proc.stdout.readline().strip()
        port = int(base.rsplit(":", 1)[1])
        os.sched_setaffinity(proc.pid, {cores[0]})  # the server gets one core
        if len(cores) > 1:
            os.sched_setaffinity(0, set(cores[1:]))
        rng = np.random.default_rng(seed)
        ids = rng.integers(0, titles, requests + 200)
        if tmdb:
            movies = _tmdb_ids(port)
            paths = [
                f"/3/movie/{movies[int(i)]}?api_key=sandbox"
                "&append_to_response=recommendations,external_ids,credits"
                for i in ids
            ]
        else:
            paths = [f"/title/tt{90_000_000 + int(i):08d}/" for i in ids]
        _client(port, paths[:200], connections)  # warm-up: caches, page faults
        cpu0, t0 = _cpu_seconds(proc.pid), time.perf_counter()
        pages, nbytes, statuses = _client(port, paths[200:], connections)
        wall, cpu = time.perf_counter() - t0, _cpu_seconds(proc.pid) - cpu0
    finally:
        os.sched_setaffinity(0, set(cores))
        proc.terminate()
        proc.wait(timeout=30)
    return {
        "layout": "TMDb /3/movie" if tmdb else layout + (" (small)" if small else ""),
        "requests": pages,
        "statuses": statuses,
        "wall_s": wall,
        "server_cpu_s": cpu,
        "pages_per_s": pages / wall,
        "mb_per_s": nbytes / wall / 2**20,
        "pages_per_server_cpu_s": pages / cpu if cpu else float("inf"),
        "mean_page_kb": nbytes / pages / 1024,
    }


def _tmdb_ids(port: int) -> list[int]:
    """Every TMDb movie id of the served universe, from its daily id export."""
    sock = socket.create_connection(("127.0.0.1", port))
    with sock:
        sock.sendall(b"GET /p/exports/movie_ids_01_01_2026.json.gz HTTP/1.1\r\n"
                     b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")  # fmt: skip
        data = b""
        while chunk := sock.recv(1 << 20):
            data += chunk
    body = data.partition(b"\r\n\r\n")[2]
    return [json.loads(line)["id"] for line in gzip.decompress(body).splitlines()]


def bench_datasets(titles: int, seed: int, rows: int) -> dict:
    """Write the five dataset files padded to ``rows`` title.basics rows (gzip level 1, as
    the server makes them): wall time per file, bytes, the child's peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as out:
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "sandbox.files", "--out", out, "--titles", str(titles),
             "--seed", str(seed), "--rows", str(rows)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        per_file = {
            m.group(1): float(m.group(2))
            for m in re.finditer(r"^(\S+\.gz): ([\d.]+)s$", done.stderr, re.M)
        }
        sizes = {p.name: p.stat().st_size for p in Path(out).iterdir()}
    return {"rows": rows, "wall_s": wall, "per_file_s": per_file, "bytes": sizes,
            "peak_rss_mb": rss}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_sandbox", description=__doc__)
    p.add_argument("--titles", type=int, default=176_000, help="universe size to build")
    p.add_argument("--serve-titles", type=int, default=20_000, help="universe size to serve")
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--dataset-rows",
        type=int,
        default=12_000_000,
        help="pad the dataset files to this many title.basics rows (0: skip)",
    )
    args = p.parse_args(argv)

    build = bench_build(args.titles, args.seed)
    print(f"universe: {args.titles:,} titles, {build['links']:,} links")
    print(
        f"  build {build['build_seconds']:.1f} s (process incl. imports {build['seconds']:.1f} s)"
    )
    print(f"  peak RSS {build['rss_mb']:.0f} MB (arrays {build['arrays_mb']:.0f} MB)")
    print(f"  reciprocity {build['reciprocity']:.2f}")

    runs = [
        bench_server(
            titles=args.serve_titles,
            seed=args.seed,
            layout=layout,
            small=small,
            requests=args.requests,
            connections=args.connections,
        )
        for layout, small in (("nextjs", False), ("mixed", False), ("nextjs", True))
    ]
    runs.append(
        bench_server(
            titles=args.serve_titles,
            seed=args.seed,
            layout="nextjs",
            small=True,
            requests=args.requests,
            connections=args.connections,
            tmdb=True,
        )
    )
    print(
        f"\nserver: {args.serve_titles:,} titles, {args.requests:,} requests over "
        f"{args.connections} keep-alive connections, server pinned to one core"
    )
    print(f"{'layout':<16}{'pages/s':>10}{'MB/s':>10}{'pages/cpu-s':>13}{'KB/page':>10}  statuses")
    for r in runs:
        print(
            f"{r['layout']:<16}{r['pages_per_s']:>10.0f}{r['mb_per_s']:>10.0f}"
            f"{r['pages_per_server_cpu_s']:>13.0f}{r['mean_page_kb']:>10.0f}  {r['statuses']}"
        )
    data = None
    if args.dataset_rows:
        data = bench_datasets(args.titles, args.seed, args.dataset_rows)
        print(
            f"\ndataset files padded to {args.dataset_rows:,} title.basics rows "
            f"({args.titles:,}-title universe): {data['wall_s']:.0f} s in all, "
            f"peak RSS {data['peak_rss_mb']:.0f} MB"
        )
        for name, seconds in data["per_file_s"].items():
            print(f"  {name:<24}{seconds:>7.1f} s{data['bytes'].get(name, 0) / 2**20:>8.0f} MB")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "bench_sandbox.json").write_text(
        json.dumps({"build": build, "server": runs, "datasets": data, "args": vars(args)}, indent=2)
        + "\n"
    )
    print(f"\nclient peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
