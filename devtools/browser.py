"""Start Debian's Chromium for the site tests and the site benchmark, never a downloaded one.

``CHROMIUM`` (environment) names another executable; ``chromium_missing()`` says why the
browser cannot run, for a skip message.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Quiet and offline: no GPU in CI containers, no background fetches that could leave the box.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run, or None."""
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} not found: apt-get install chromium (or set CHROMIUM)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed: pip install 'playwright>=1.44,<2'"
    return None


def launch_chromium(playwright: Any, **options: Any) -> Any:
    """``playwright.chromium.launch`` on ``CHROMIUM`` with our flags (a Playwright ``Browser``)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **options
    )


# An in-page loop: Playwright's wait_for_function neither awaits an async predicate nor runs
# under the site's Content-Security-Policy (it evals), so the predicate is pasted into the
# script and awaited once per animation frame until it returns something truthy.
_WAIT_UNTIL = """async ([arg, timeout, what]) => {
  const test = (%s);
  const until = performance.now() + timeout;
  for (;;) {
    const value = await test(arg);
    if (value) return value;
    if (performance.now() > until) throw new Error(`waited ${timeout} ms for ${what}`);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}"""


def wait_until(page: Any, predicate: str, arg: Any = None, *, timeout: float = 15_000) -> Any:
    """Wait until the JS function ``predicate(arg)`` (it may be async) returns something truthy
    in ``page`` (a Playwright page); returns that value. Waits on a condition, never a clock."""
    return page.evaluate(_WAIT_UNTIL % predicate, [arg, timeout, predicate[:200]])
