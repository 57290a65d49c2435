"""Export benchmark at the reference scale: a crawl database of the sandbox universe at
176,000 titles (no crawl needed), exported with ``python -m exporters all``.

Run: ``python -m benchmarks.bench_export [--titles 176000] [--work DIR]``. Reports wall time
and peak RSS per step (from the exporter's own step lines) and for the whole run, files
written, total bytes and gzip'd bytes of the map folder. Goals (issue #4): whole export
<= 5 min, layout <= 2 min, peak RSS <= 4 GB, tiles <= 300 MB (<= 60 MB gzip'd).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MEASURE = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps([done.returncode, use.ru_utime + use.ru_stime, use.ru_maxrss / 1024]),"
    " file=sys.stderr)\n"
)


def folder_bytes(folder: Path, pattern: str = "*") -> tuple[int, int, int]:
    """(files, bytes, gzip'd bytes) of the files under ``folder`` matching ``pattern``."""
    files = total = packed = 0
    for path in folder.rglob(pattern):
        if path.is_file() and ".export" not in path.parts:
            data = path.read_bytes()
            files += 1
            total += len(data)
            packed += len(gzip.compress(data, 6))
    return files, total, packed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=176_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-export")
    parser.add_argument("--keep", action="store_true", help="keep the exported map folder")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / f"reference-{args.titles}-{args.seed}.sqlite"
    if not db.exists():
        subprocess.run([sys.executable, "-m", "sandbox.crawldb", "--titles",
                        str(args.titles), "--seed", str(args.seed), "--db", str(db)],
                       check=True, cwd=ROOT)  # fmt: skip
    out = args.work / "data"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "exporters", "all", "--db", str(db), "--out", str(out),
               "--graph-dir", str(args.work / "graph"), "--force"]  # fmt: skip
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", _MEASURE, *command], cwd=ROOT,
                         capture_output=True, text=True, check=False)  # fmt: skip
    wall = time.perf_counter() - start
    print(run.stdout)
    status, cpu, rss = json.loads(run.stderr.strip().splitlines()[-1])
    if status != 0:
        raise SystemExit(f"export failed:\n{run.stderr}")
    tiles = [folder_bytes(out, p) for p in ("quad_*", "equad_*", "table*", "mapinfo.json")]
    search = folder_bytes(out / "search")
    everything = folder_bytes(out)
    tile_files = sum(t[0] for t in tiles)
    tile_bytes = sum(t[1] for t in tiles)
    tile_packed = sum(t[2] for t in tiles)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.titles:,} titles, seed {args.seed}")
    print(f"whole export: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MB")
    print(f"tile JSON:    {tile_files:,} files, {tile_bytes / 1e6:.1f} MB, "
          f"{tile_packed / 1e6:.1f} MB gzip'd")  # fmt: skip
    print(f"search index: {search[0]:,} files, {search[1] / 1e6:.1f} MB, "
          f"{search[2] / 1e6:.1f} MB gzip'd")  # fmt: skip
    print(f"map folder:   {everything[0]:,} files, {everything[1] / 1e6:.1f} MB, "
          f"{everything[2] / 1e6:.1f} MB gzip'd")  # fmt: skip
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
