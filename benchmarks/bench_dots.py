"""The nodes pass on a phone: ``python -m benchmarks.bench_dots --tiles DIR``.

Small titles are round dots on a dense screen (``site/js/passes/nodes.js`` draws a square only
under 2.2 device pixels), which costs arcs where squares were. This opens the map folder
``DIR`` in Debian's Chromium as a 390×844 phone (touch, device pixel ratio 2), zooms in
``--zoom`` steps, then steps the view 40 times (right, left, down, up) and prints the nodes
pass's draw time of the settled frame after each step (``imdbMap.inspect()``'s
``frame.passMs``: median and max) with the titles drawn and how many were small.
``--all-small`` sets ``data-node-max-radius="1.9"`` on the page: every title small, the worst
case. Not a test; compare against another ``site/`` folder with ``--site``.
"""

from __future__ import annotations

import argparse
import statistics
import urllib.parse
from pathlib import Path

from .bench_site import map_info

ROOT = Path(__file__).resolve().parents[1]
NODES_PASS = 2  # passMs order: bitmap, edges, nodes, selection, labels
STEPS = ("ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp")


def run(tiles: Path, site: Path, zoom: int, all_small: bool) -> dict:
    from playwright.sync_api import sync_playwright

    from benchmarks.bench_site import WAIT_SETTLED
    from devtools.browser import launch_chromium
    from exporters.serve import StaticServer

    phone = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
             "device_scale_factor": 2, "bypass_csp": True}  # fmt: skip
    with StaticServer(site, data_dir=tiles.parent) as server, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(**phone)
        if all_small:

            def small(route) -> None:
                page = (
                    route.fetch()
                    .text()
                    .replace(' data-path="data/"', ' data-path="data/" data-node-max-radius="1.9"')
                )
                route.fulfill(body=page, content_type="text/html; charset=utf-8")

            context.route(lambda url: urllib.parse.urlsplit(url).path == "/", small)
        page = context.new_page()
        page.goto(f"{server.url}?data=data/{tiles.name}/")
        page.wait_for_function("() => window.imdbMap && imdbMap.firstDraw !== null", timeout=60_000)
        for _ in range(zoom):
            page.keyboard.press("+")
            page.evaluate(WAIT_SETTLED, 60_000)
        times, drawn, small_titles = [], [], []
        for k in range(40):
            page.keyboard.press(STEPS[k % 4])
            state = page.evaluate(WAIT_SETTLED, 60_000)
            times.append(state["frame"]["passMs"][NODES_PASS])
            drawn.append(len(state["titles"]))
            small_titles.append(sum(1 for t in state["titles"] if t["r"] < 2.2))
        browser.close()
    return {
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "titles": statistics.median(drawn),
        "small": statistics.median(small_titles),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=Path, required=True, help="an exported tile directory")
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the site to serve")
    parser.add_argument("--zoom", type=int, default=2, help="zoom-in steps before the tour")
    parser.add_argument("--all-small", action="store_true", help="every title a small dot")
    args = parser.parse_args()
    map_info(args.tiles)
    r = run(args.tiles.resolve(), args.site.resolve(), args.zoom, args.all_small)
    print(f"nodes pass on a phone (dpr 2): median {r['median_ms']:.2f} ms, max "
          f"{r['max_ms']:.2f} ms over 40 views; median {r['titles']:.0f} titles drawn, "
          f"{r['small']:.0f} of them small")  # fmt: skip


if __name__ == "__main__":
    main()
