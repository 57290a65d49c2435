"""Helpers for the browser tests of the map site (``tests/test_site.py``).

* ``crawl_and_export(work, titles=600)``: a sandbox IMDb in this process, ``scrapy crawl imdb``
  into ``work/crawl.sqlite`` in a subprocess, then ``python -m exporters all`` into
  ``work/data``; returns both paths.
* ``Session``: a page that records console errors, dialogs and failed requests.
* ``once(key, make)``: one of each costly session value (a crawl's maps) for every test
  module that uses it in a run: a session fixture imported into a second module is a second
  fixture. (The browser is conftest's ``browser`` fixture: Playwright's sync API runs once
  per thread.)
* ``inspect(page)``, ``wait_until(page, predicate)``, ``wait_drawn(page)``,
  ``wait_settled(page)``: the viewer's state (``imdbMap.inspect()``, plain data) and waits on
  conditions, never on fixed sleeps.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.browser import wait_until

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
CRAWL_TIMEOUT = 300
EXPORT_TIMEOUT = 300


def crawl_and_export(work: Path, *, titles: int = 600, seed: int = 5) -> tuple[Path, Path]:
    """Crawl a sandbox of ``titles`` titles and export its map; returns (database, map folder)."""
    from sandbox import Sandbox

    from .conftest import crawl_command

    work.mkdir(parents=True, exist_ok=True)
    db, data = work / "crawl.sqlite", work / "data"
    for stale in (db, data):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    with Sandbox(titles=titles, seed=seed, small_pages=True) as sandbox:
        seeds = sandbox.seeds(3)
        command = crawl_command(sandbox.base_url, db, seeds, settings={"LOG_LEVEL": "WARNING"})
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=CRAWL_TIMEOUT, check=False
        )
    if done.returncode != 0:
        raise RuntimeError(f"crawl failed:\n{done.stderr[-3000:]}")
    export = [
        sys.executable, "-m", "exporters", "all", "--db", str(db), "--out", str(data),
        "--graph-dir", str(work / "graph"), "--formats", "", "--no-preview", "--quiet",
    ]  # fmt: skip
    done = subprocess.run(
        export, cwd=ROOT, capture_output=True, text=True, timeout=EXPORT_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"export failed:\n{done.stderr[-3000:]}")
    return db, data


_ONCE: dict[str, Any] = {}
_CHROMIUM: dict[str, Any] = {"users": 0}


def once(key: str, make: Callable[[], Any]) -> Any:
    """``make()`` the first time ``key`` is asked for in this test run, the same value after."""
    if key not in _ONCE:
        _ONCE[key] = make()
    return _ONCE[key]


@dataclass
class Session:
    """A page plus what went wrong on it: console errors, dialogs, failed requests."""

    page: object
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, context) -> Session:
        page = context.new_page()
        session = cls(page)
        page.on("console", session._console)
        page.on("pageerror", lambda exc: session.errors.append(f"pageerror: {exc}"))
        page.on("dialog", session._dialog)
        page.on("requestfailed", lambda r: session.failed.append(f"{r.url} {r.failure}"))
        page.on("request", lambda r: session.requests.append(r.url))
        page.on("response", session._response)
        return session

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"console: {msg.text}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url} HTTP {response.status}")

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs
        assert not self.failed, self.failed


# --- waiting on the viewer ------------------------------------------------------------------


# wait_until (devtools/browser.py) polls a condition inside one evaluate, once per animation
# frame: Playwright's wait_for_function does not await an async predicate.
def inspect(page) -> dict:
    """``imdbMap.inspect()``: the viewer's view, selection, frame figures, titles and labels
    drawn, and whether drawing has settled (see site/js/viewer.js)."""
    return page.evaluate("() => imdbMap.inspect()")


def wait_drawn(page, *, timeout: float = 15_000) -> dict:
    """Wait until the first view of the map is drawn complete; returns ``inspect()``."""
    return wait_until(
        page,
        "async () => { if (!window.imdbMap) return null;"
        " const state = await imdbMap.inspect(); return state.firstDraw !== null && state; }",
        timeout=timeout,
    )


def wait_settled(page, *, timeout: float = 15_000) -> dict:
    """Wait until nothing moves, loads or remains to draw (a flight, a fade, quads, labels);
    returns ``inspect()`` at that moment."""
    return wait_until(
        page,
        "async () => { const state = await imdbMap.inspect(); return state.settled && state; }",
        timeout=timeout,
    )
