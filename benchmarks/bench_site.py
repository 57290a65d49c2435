"""Map site benchmark in headless Chromium: ``python -m benchmarks.bench_site --tiles DIR``.

Serves ``site/`` with the tile directory ``DIR`` at ``/data/`` (``exporters.serve``, gzip on like
a static host) and drives Debian's ``/usr/bin/chromium`` with Playwright. Measures (goals of
issue #5 in brackets):

* bytes fetched (on the wire and decoded) and time until the first map is drawn [<= 2 MB,
  <= 1.5 s]: the viewer's ``map-first-draw`` mark, set when the overview bitmap and every quad
  the opening view needs are drawn;
* typing a query to suggestions [<= 100 ms], cold (its shard not yet loaded) and warm;
* Enter to the panel [<= 500 ms]: title shown, and both lists titled;
* long tasks (> 50 ms, PerformanceObserver ``longtask``) on the page's main thread during a
  scripted pan-and-zoom tour with the mouse (wheel zooms about the cursor, drags) [none]; and,
  as the main thread no longer draws, the frames drawn during the tour and those that took
  over 50 ms wherever they were drawn;
* JS heap after the tour [<= 300 MB]: the page's and its workers' (CDP
  ``Runtime.getHeapUsage`` of each target).

The page is read only through the viewer's inspection object (``imdbMap.inspect()``: plain
data) and the ``map-first-draw`` mark; between steps it waits for conditions (the map drawn,
drawing settled), never for a fixed time. The tour alone is paced by the clock: it replays a
user's gestures at a user's speed, and its pace is part of what is measured (the long tasks
and frames within it).

``--renderer page`` draws on the main thread instead of the render worker, for comparison.
``--renderer svg`` runs the same tour on the 2018 approach: ``benchmarks/svg2018/``, the same
tiles loaded by the same code but drawn as shingle.js draws them (an SVG element per node and
edge, the view a transform); it has no search or panel, so those rows are empty.

A reference-scale tile directory: ``python -m benchmarks.bench_formats --out DIR`` or
``python -m benchmarks.bench_export --keep``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GOALS = {
    "first_draw_bytes": 2_000_000,
    "first_draw_ms": 1500,
    "suggest_ms": 100,
    "panel_ms": 500,
    "long_tasks": 0,
    "heap_mb": 300,
}

LONGTASK_OBSERVER = """
window.__longTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
} catch (e) {}
"""

MEASURE_SUGGEST = """
async (q) => {
  const input = document.querySelector("input[type=search]");
  const list = document.querySelector(".suggestions");
  input.focus();
  return await new Promise((resolve) => {
    const t0 = performance.now();
    const done = (e) => {
      if (e.detail.query !== q) return;
      list.removeEventListener("suggestions", done);
      resolve([performance.now() - t0, e.detail.count]);
    };
    list.addEventListener("suggestions", done);
    input.value = q;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}
"""

MEASURE_ENTER = """
async () => {
  const input = document.querySelector("input[type=search]");
  const panel = document.querySelector(".panel");
  const app = document.querySelector("#app");
  return await new Promise((resolve) => {
    const t0 = performance.now();
    let shown = null;
    const watch = new MutationObserver(() => {
      if (shown === null && !panel.hidden && panel.querySelector(".panel-title")) {
        shown = performance.now() - t0;
      }
    });
    watch.observe(panel, { attributes: true, childList: true, subtree: true });
    app.addEventListener("panelready", () => {
      watch.disconnect();
      resolve([shown ?? performance.now() - t0, performance.now() - t0, panel.dataset.id]);
    }, { once: true });
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  });
}
"""


# Polls `imdbMap.inspect()` once per animation frame, inside the page, until drawing has
# settled (nothing moving, loading or left to draw); resolves with the inspected state.
WAIT_SETTLED = """
async (timeout) => {
  const until = performance.now() + timeout;
  for (;;) {
    const state = await imdbMap.inspect();
    if (state.settled) return state;
    if (performance.now() > until) throw new Error(`drawing did not settle in ${timeout} ms`);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}
"""


def pick_query(tiles: Path) -> tuple[str, str]:
    """A popular title of the map and a partial query for it (prefixes of two of its words)."""
    sys.path.insert(0, str(ROOT))
    from exporters.search_index import STOPWORDS, words

    root = json.loads((tiles / "quad_.json").read_text())
    for node in sorted(root["nodes"], key=lambda n: -n.get("size", 0)):
        name = node["name"].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        ws = [w for w in words(name) if w not in STOPWORDS and len(w) >= 4]
        if ws:
            query = " ".join(w[: max(3, len(w) - 2)] for w in ws[:2])
            return name, query
    raise SystemExit("no title with a word of 4+ letters in quad_.json")


def tour(page, width: int, height: int) -> None:
    """Zoom in at a few spots with the wheel, drag around, zoom out: a user exploring.

    Paced by the clock on purpose (a user's speed, then 0.8 s to let the last frames land):
    the tour is the measurement, so it must take the same time whatever the page does."""
    spots = [(0.5, 0.5), (0.35, 0.55), (0.6, 0.4), (0.45, 0.6)]
    for sx, sy in spots:
        page.mouse.move(width * sx, height * sy)
        for _ in range(10):
            page.mouse.wheel(0, -240)
            page.wait_for_timeout(60)
        for dx, dy in ((220, 40), (-160, 120), (-120, -200)):
            page.mouse.down()
            for k in range(1, 11):
                page.mouse.move(width * sx + dx * k / 10, height * sy + dy * k / 10)
                page.wait_for_timeout(16)
            page.mouse.up()
            page.wait_for_timeout(150)
        for _ in range(10):
            page.mouse.wheel(0, 240)
            page.wait_for_timeout(60)
    page.wait_for_timeout(800)


def heaps(browser, page) -> dict[str, float]:
    """Used JS heap (MB) of the page and each worker, by script name, after a garbage collection.

    Workers have no Playwright CDP session, so this goes through the browser's: attach to each
    target and exchange raw protocol messages with it.
    """
    cdp = browser.new_browser_cdp_session()
    replies: dict[tuple[str, int], dict] = {}

    def received(event: dict) -> None:
        message = json.loads(event["message"])
        if "id" in message:
            replies[event["sessionId"], message["id"]] = message

    cdp.on("Target.receivedMessageFromTarget", received)
    out: dict[str, float] = {}
    for target in cdp.send("Target.getTargets")["targetInfos"]:
        if target["type"] not in ("page", "worker"):
            continue
        attach = {"targetId": target["targetId"], "flatten": False}
        sid = cdp.send("Target.attachToTarget", attach)["sessionId"]
        for n, method in enumerate(("HeapProfiler.collectGarbage", "Runtime.getHeapUsage")):
            message = json.dumps({"id": n, "method": method})
            cdp.send("Target.sendMessageToTarget", {"sessionId": sid, "message": message})
        deadline = time.monotonic() + 10
        while (sid, 1) not in replies and time.monotonic() < deadline:
            # A round trip on the same connection: Playwright delivers the events that
            # arrived before its answer (the target's reply among them).
            cdp.send("Target.getTargets")
        used = replies.get((sid, 1), {}).get("result", {}).get("usedSize")
        if used is not None:
            name = "page" if target["type"] == "page" else target["url"].rsplit("/", 1)[-1]
            out[name] = out.get(name, 0) + used / 1e6
        cdp.send("Target.detachFromTarget", {"sessionId": sid})
    cdp.detach()
    return out


def run(tiles: Path, width: int, height: int, screenshots: Path | None, renderer: str) -> dict:
    from playwright.sync_api import sync_playwright

    from devtools.browser import launch_chromium
    from exporters.serve import StaticServer

    title, query = pick_query(tiles)
    out: dict = {"title": title, "query": query, "renderer": renderer}
    site = ROOT / "site"
    path = f"?renderer={renderer}"
    if renderer == "svg":
        # The baseline page imports the site's modules from ../js/: serve both side by side.
        scratch = tempfile.TemporaryDirectory(prefix="bench-site-")
        site = Path(scratch.name)
        (site / "js").symlink_to(ROOT / "site" / "js")
        (site / "svg2018").symlink_to(ROOT / "benchmarks" / "svg2018")
        (site / "index.html").symlink_to(ROOT / "benchmarks" / "svg2018" / "index.html")
        path = "svg2018/"
    with StaticServer(site, data_dir=tiles) as server, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(LONGTASK_OBSERVER)
        page = context.new_page()
        finished: list = []
        page.on("requestfinished", lambda r: finished.append(r))  # noqa: PLW0108 (needs a function)
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        start = time.perf_counter()
        page.goto(f"{server.url}{path}")
        page.wait_for_function("() => performance.getEntriesByName('map-first-draw').length > 0",
                               timeout=30_000, polling=20)  # fmt: skip
        first = page.evaluate(
            "async () => ({t: performance.getEntriesByName('map-first-draw')[0].startTime,"
            " origin: performance.timeOrigin, quads: (await imdbMap.inspect()).frame.quads})"
        )
        out["first_draw_ms"] = first["t"]
        out["first_draw_wall_ms"] = (time.perf_counter() - start) * 1000
        page.evaluate(WAIT_SETTLED, 30_000)  # the full-size bitmap too
        first_epoch = first["origin"] + first["t"]
        wire = decoded = count = 0
        for r in finished:
            timing = r.timing
            if timing["startTime"] + timing["responseEnd"] > first_epoch:
                continue
            sizes = r.sizes()
            count += 1
            wire += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            response = r.response()
            body_len = len(response.body()) if response else 0
            decoded += body_len
        out["first_draw_bytes"] = wire
        out["first_draw_decoded_bytes"] = decoded
        out["first_draw_requests"] = count
        out["first_draw_quads"] = first["quads"]
        if screenshots:
            page.screenshot(path=str(screenshots / "bench-first.png"))

        if renderer != "svg":
            search_and_panel(page, query, out, screenshots)

        frames = (
            "async () => { const { frame } = await imdbMap.inspect();"
            " return [performance.now(), frame.frames, frame.slowFrames]; }"
        )
        tour_start, frames0, slow0 = page.evaluate(frames)
        tour(page, width, height)
        tour_end, frames1, slow1 = page.evaluate(frames)
        out["tour_frames"] = frames1 - frames0
        out["tour_slow_frames"] = slow1 - slow0
        long_tasks = page.evaluate("() => window.__longTasks")
        during = [d for t, d in long_tasks if tour_start <= t <= tour_end]
        out["tour_s"] = (tour_end - tour_start) / 1000
        out["long_tasks"] = len(during)
        out["longest_task_ms"] = max(during, default=0)
        out["long_tasks_whole_session"] = len(long_tasks)
        # Where main-thread time goes: the slowest frame and the slowest quad merge.
        frame = page.evaluate("async () => (await imdbMap.inspect()).frame")
        out["frame_max_ms"] = frame["maxDrawMs"]
        out["quad_add_max_ms"] = frame["maxAddMs"]
        out["heaps_mb"] = heaps(browser, page)
        out["heap_mb"] = sum(out["heaps_mb"].values())
        out["quads_in_memory"] = page.evaluate("async () => (await imdbMap.inspect()).frame.quads")
        out["requests_total"] = len(finished)
        out["failed_requests"] = failed
        out["console_errors"] = errors
        if screenshots:
            page.screenshot(path=str(screenshots / f"bench-after-tour-{renderer}.png"))
        browser.close()
    return out


def search_and_panel(page, query: str, out: dict, screenshots: Path | None) -> None:
    """Query to suggestions (cold, then warm), Enter to the panel; closes it again."""
    cold, n_cold = page.evaluate(MEASURE_SUGGEST, query)
    out["suggest_cold_ms"] = cold
    out["suggest_count"] = n_cold
    warm, _ = page.evaluate(MEASURE_SUGGEST, query[:-1])
    warm2, _ = page.evaluate(MEASURE_SUGGEST, query)
    out["suggest_warm_ms"] = max(warm, warm2)
    shown, ready, picked = page.evaluate(MEASURE_ENTER)
    out["panel_ms"] = shown
    out["panel_lists_ms"] = ready
    out["panel_id"] = picked
    page.evaluate(WAIT_SETTLED, 30_000)  # the flight to the title
    if screenshots:
        page.screenshot(path=str(screenshots / "bench-panel.png"))
    page.keyboard.press("Escape")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.evaluate(WAIT_SETTLED, 30_000)


def map_info(tiles: Path) -> dict:
    """``tiles``' mapinfo.json, or exit with a one-line message when it is no exported map."""
    if not (tiles / "mapinfo.json").is_file():
        raise SystemExit(f"no mapinfo.json in {tiles}: pass an exported tile directory")
    sys.path.insert(0, str(ROOT))
    return json.loads((tiles / "mapinfo.json").read_text())


def report(heading: str, text: str, result: dict, json_path: Path | None) -> None:
    """Print a benchmark's heading line and table; also write its figures to ``json_path``."""
    print(heading)
    print(text)
    if json_path:
        json_path.write_text(json.dumps(result, indent=2))


def table(r: dict) -> str:
    def ok(value: float, goal: float) -> str:
        return "ok" if value <= goal else "MISSED"

    searched = "suggest_cold_ms" in r  # the svg baseline has no search or panel
    rows = [
        (
            "bytes until first map (wire)",
            f"{r['first_draw_bytes'] / 1e6:.2f} MB",
            "<= 2 MB",
            ok(r["first_draw_bytes"], GOALS["first_draw_bytes"]),
        ),
        (
            "  decoded / requests / quads",
            f"{r['first_draw_decoded_bytes'] / 1e6:.2f} MB / "
            f"{r['first_draw_requests']} / {r['first_draw_quads']}",
            "",
            "",
        ),
        (
            "time until first map",
            f"{r['first_draw_ms']:.0f} ms",
            "<= 1500 ms",
            ok(r["first_draw_ms"], GOALS["first_draw_ms"]),
        ),
    ]
    if searched:
        rows += [
            (
                f"suggestions, cold ({r['query']!r})",
                f"{r['suggest_cold_ms']:.1f} ms",
                "<= 100 ms",
                ok(r["suggest_cold_ms"], GOALS["suggest_ms"]),
            ),
            (
                "suggestions, warm",
                f"{r['suggest_warm_ms']:.1f} ms",
                "<= 100 ms",
                ok(r["suggest_warm_ms"], GOALS["suggest_ms"]),
            ),
            (
                "Enter to panel (title shown)",
                f"{r['panel_ms']:.0f} ms",
                "<= 500 ms",
                ok(r["panel_ms"], GOALS["panel_ms"]),
            ),
            ("Enter to both lists titled", f"{r['panel_lists_ms']:.0f} ms", "", ""),
        ]
    rows += [
        (f"long tasks > 50 ms in a {r['tour_s']:.0f} s tour", f"{r['long_tasks']} "
         f"(longest {r['longest_task_ms']:.0f} ms)", "0", ok(r["long_tasks"], 0)),
        (f"  frames drawn ({r['renderer']}) / over 50 ms", f"{r['tour_frames']} / "
         f"{r['tour_slow_frames']} (max {r['frame_max_ms']:.0f} ms)", "", ""),
        ("JS heap after the tour", f"{r['heap_mb']:.1f} MB", "<= 300 MB",
         ok(r["heap_mb"], GOALS["heap_mb"])),
        ("  by context", ", ".join(f"{k} {v:.1f}" for k, v in r["heaps_mb"].items()), "", ""),
        ("quads in memory / requests", f"{r['quads_in_memory']} / {r['requests_total']}", "", ""),
    ]  # fmt: skip
    width = max(len(row[0]) for row in rows)
    lines = [f"{'measure':<{width}}  {'value':>22}  {'goal':>10}  result", "-" * (width + 46)]
    lines += [f"{a:<{width}}  {b:>22}  {c:>10}  {d}" for a, b, c, d in rows]
    if r["failed_requests"] or r["console_errors"]:
        lines.append(
            f"failed requests: {r['failed_requests']}; console errors: {r['console_errors']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=Path, required=True, help="an exported tile directory")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--screenshots", type=Path, help="save screenshots in this folder")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--renderer",
        choices=("worker", "page", "svg"),
        default="worker",
        help="draw in the render worker (the default), on the main thread, or with the 2018-style"
        " SVG baseline (benchmarks/svg2018/)",
    )
    args = parser.parse_args()
    info = map_info(args.tiles)
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    result = run(args.tiles, args.width, args.height, args.screenshots, args.renderer)
    nodes, edges = info.get("nrnodes", 0), info.get("nredges", 0)
    heading = (f"map: {args.tiles} ({nodes:,} titles, {edges:,} edges drawn); "
               f"viewport {args.width}x{args.height}")  # fmt: skip
    report(heading, table(result), result, args.json)


if __name__ == "__main__":
    main()
