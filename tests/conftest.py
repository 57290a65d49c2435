"""Shared fixtures for the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def real_fixture_dir() -> Path:
    """The real IMDb pages in ../shared/fixtures/imdb (override with IMDB_FIXTURES)."""
    found = Path(os.environ.get("IMDB_FIXTURES", ROOT.parent / "shared" / "fixtures" / "imdb"))
    if not (found / "README.md").is_file():
        pytest.fail(
            f"real IMDb fixture pages not found at {found}: check out shared/ next to the "
            "repository or set IMDB_FIXTURES"
        )
    return found


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return real_fixture_dir()
