"""Shared fixtures for the test suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# A real PostgreSQL server, started once per session, and a database per test (tests/postgres.py).
from .postgres import pg_url, postgres_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures" / "imdb"


def crawl_command(
    base_url: str,
    db: Path | str,
    seeds: list[str],
    *,
    settings=None,
    args=None,
    spider: str = "imdb",
):
    """``scrapy crawl imdb`` (or ``tmdb``: ``base_url`` is then the API's) against a sandbox,
    following every title type, no delays."""
    command = [
        sys.executable, "-m", "scrapy", "crawl", spider,
        "-a", f"seeds={','.join(seeds)}",
        "-s", f"IMDB_DB_PATH={db}",
        "-s", "IMDB_PROFILE=sandbox", "-s", "IMDB_PROGRESS_INTERVAL=1",
    ]  # fmt: skip
    if spider == "imdb":
        command += ["-a", "follow_types=", "-s", f"IMDB_BASE_URL={base_url}"]
    else:
        command += ["-s", f"TMDB_API_URL={base_url}"]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    return command


def needs_tool(missing: str | None) -> pytest.MarkDecorator:
    """Skip where a tool the test drives is missing (``missing`` says which and how to get it),
    except under CI (``CI`` set), where a missing tool fails the run: CI installs everything,
    and a skipped check there would be a check that cannot fail."""
    if missing and os.environ.get("CI"):
        raise RuntimeError(f"CI must run every test: {missing}")
    return pytest.mark.skipif(missing is not None, reason=str(missing))


def real_fixture_dir() -> Path:
    """The real IMDb pages, with their expected JSON and provenance, in tests/fixtures/imdb
    (``make fixtures`` copies new ones from ../shared/fixtures/imdb)."""
    return FIXTURES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return real_fixture_dir()


# --- sandbox (the top-level sandbox package) ----------------------------------------------
# One small universe and one in-process server for the whole session: building is the slow
# part. Tests that change faults get a clean server from the ``sandbox`` fixture.

SANDBOX_TITLES = 2000
SANDBOX_SEED = 1


@pytest.fixture(scope="session")
def sandbox_universe():
    from sandbox import build_universe

    return build_universe(SANDBOX_TITLES, seed=SANDBOX_SEED)


@pytest.fixture(scope="session")
def sandbox_session(sandbox_universe):
    from sandbox import Sandbox

    with Sandbox(sandbox_universe, seed=SANDBOX_SEED, small_pages=True) as sb:
        yield sb


@pytest.fixture
def sandbox(sandbox_session):
    """The session's sandbox (small pages, Next.js layout) with no faults and zeroed stats."""
    sandbox_session.set_faults(None)
    sandbox_session.reset_stats()
    yield sandbox_session
    sandbox_session.set_faults(None)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the session: the browser test modules
    share it (two sync Playwright instances cannot be alive at once)."""
    from playwright.sync_api import sync_playwright

    from devtools.browser import launch_chromium

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
