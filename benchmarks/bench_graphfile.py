"""The whole-graph file at the reference scale: ``python -m benchmarks.bench_graphfile``.

Builds a seeded synthetic graph (``devtools.synthetic``, 176,000 titles by default), writes
``graph.bin.gz`` (``exporters.graphfile``) and prints its raw and gzip'd bytes and the time to
generate and compress it; then, in headless Chromium (Debian's), fetches it from a local
static server and times inflating, parsing (the reverse CSR included) and the first
``index(id)`` call, with the JS heap after. Not a test. Options: ``--nodes``, ``--seed``,
``--no-browser``.
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

SITE = Path(__file__).resolve().parents[1] / "site"

MEASURE = """async (url) => {
  const m = await import("/js/graphfile.js");
  const t0 = performance.now();
  const buf = await (await fetch(url)).arrayBuffer();
  const t1 = performance.now();
  const raw = await new Response(
    new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  const t2 = performance.now();
  const g = m.parseGraphFile(raw);
  const t3 = performance.now();
  const i = g.index(g.id(g.nodeCount - 1));
  const t4 = performance.now();
  let reached = 0;
  for (let k = 0; k < 1000; k++) reached += g.neighbours(k).length + g.recommendedBy(k).length;
  const t5 = performance.now();
  return {fetch: t1 - t0, inflate: t2 - t1, parse: t3 - t2, index: t4 - t3, lookups: t5 - t4,
          ok: i === g.nodeCount - 1 && reached > 0,
          heap: performance.memory ? performance.memory.usedJSHeapSize : null};
}"""


def browser_times(folder: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from devtools.browser import launch_chromium
    from exporters.graphfile import FILE_NAME
    from exporters.serve import StaticServer

    (folder / "blank.html").write_text("<!doctype html><title>bench</title>")
    with StaticServer(SITE, data_dir=folder) as server, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.goto(server.url + "data/blank.html")
            return page.evaluate(MEASURE, server.url + "data/" + FILE_NAME)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_graphfile", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--nodes", type=int, default=176_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    args = parser.parse_args(argv)

    from devtools.synthetic import synthetic_graph
    from exporters.graphfile import FILE_NAME, graph_bytes

    graph = synthetic_graph(args.nodes, seed=args.seed)
    start = time.perf_counter()
    raw = graph_bytes(graph)
    generated = time.perf_counter() - start
    packed = gzip.compress(raw, 6, mtime=0)
    compressed = time.perf_counter() - start - generated
    print(f"graph: {graph.node_count:,} titles, {graph.edge_count:,} edges (seed {args.seed})")
    print(f"graph.bin: {len(raw):,} bytes raw, {len(packed):,} gzip'd ({len(packed) / 1e6:.2f} MB)")
    print(f"write: {generated:.2f} s to generate, {compressed:.2f} s to gzip")
    if args.no_browser:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / FILE_NAME).write_bytes(packed)
        t = browser_times(Path(tmp))
    heap = f"{t['heap'] / 1e6:.0f} MB" if t["heap"] else "n/a"
    print(
        f"chromium: fetch {t['fetch']:.0f} ms, inflate {t['inflate']:.0f} ms, parse with reverse "
        f"CSR {t['parse']:.0f} ms, first index() {t['index']:.0f} ms, 1,000 nodes' neighbours "
        f"{t['lookups']:.1f} ms, JS heap {heap}, checks {'ok' if t['ok'] else 'FAILED'}"
    )
    return 0 if t["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
