"""The README's pictures of the site, taken in Debian's Chromium from an exported map.

    python -m devtools.screenshots --map site/data --query "matrix" --out docs

Serves ``site/`` with the map, opens it on a desktop (1280x800) and on a phone (390x844,
touch), searches ``--query`` and opens the first suggestion, waits until the map has
settled (``imdbMap.inspect().settled``) and writes ``desktop.jpg`` and ``phone.jpg``. With
``--ratings CSV`` it also imports that file, opens the Tonight panel and asks why of its first
suggestion, which draws the path from a liked title (``tonight.jpg``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from exporters.serve import StaticServer

from .browser import chromium_missing, launch_chromium, wait_until

ROOT = Path(__file__).resolve().parents[1]
VIEWS = {"desktop.jpg": {"width": 1280, "height": 800}, "phone.jpg": {"width": 390, "height": 844}}
SETTLED = "async () => { const m = window.imdbMap; return !!m && (await m.inspect()).settled; }"
# The selection's neighbours are placed (drawn and highlighted), and nothing moves.
PLACED = (
    "async () => { const s = await imdbMap.inspect();"
    " return s.settled && s.selection && s.selection.neighbours.length > 0; }"
)
WAIT_MS = 60_000


def _open_title(page, query: str) -> None:
    page.get_by_role("combobox", name="Search titles").fill(query)
    page.get_by_role("option").first.wait_for(timeout=WAIT_MS)
    page.keyboard.press("Enter")
    wait_until(page, PLACED, timeout=WAIT_MS)


def _tonight(page, ratings: Path) -> None:
    page.get_by_label("Import ratings").set_input_files(str(ratings))
    page.get_by_text(" matched").first.wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Tonight").click()
    page.get_by_role("heading", name="Tonight").wait_for(timeout=WAIT_MS)
    page.locator(".tonight li").first.wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Why is this in my Tonight list?").first.click()
    page.locator(".path-list li").first.wait_for(timeout=WAIT_MS)
    wait_until(page, SETTLED, timeout=WAIT_MS)


def take(map_dir: Path, out: Path, query: str, ratings: Path | None) -> list[Path]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (a test extra)

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with StaticServer(ROOT / "site", data_dir=map_dir) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        for name, size in VIEWS.items():
            phone = size["width"] < 700
            context = browser.new_context(
                viewport=size,
                device_scale_factor=2 if phone else 1,
                has_touch=phone,
                is_mobile=phone,
            )
            page = context.new_page()
            page.goto(server.url)
            wait_until(page, SETTLED, timeout=WAIT_MS)
            _open_title(page, query)
            page.screenshot(path=out / name, type="jpeg", quality=82)
            written.append(out / name)
            if ratings is not None and not phone:
                page.keyboard.press("Escape")
                _tonight(page, ratings)
                page.screenshot(path=out / "tonight.jpg", type="jpeg", quality=82)
                written.append(out / "tonight.jpg")
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.screenshots", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--map", type=Path, default=Path("site/data"), help="an exported map folder"
    )
    parser.add_argument("--out", type=Path, default=Path("docs"), help="where the pictures go")
    parser.add_argument("--query", default="matrix", help="the title to search and open")
    parser.add_argument("--ratings", type=Path, help="a ratings CSV to import for tonight.jpg")
    args = parser.parse_args(argv)
    why = chromium_missing()
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 1
    if not (args.map / "mapinfo.json").is_file():
        print(
            f"error: no map in {args.map}: run `make demo` or `make export` first", file=sys.stderr
        )
        return 1
    for path in take(args.map, args.out, args.query, args.ratings):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
