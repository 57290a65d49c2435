"""The parser benchmark's ``--baseline REV``: another revision's parser, loaded from git."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench_parse import baseline_parser, generation_of
from imdb_spider.pages import parse_title

from .conftest import ROOT

needs_git = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)


@needs_git
def test_baseline_is_the_parser_of_that_revision(tmp_path: Path, fixtures_dir: Path) -> None:
    parse, error = baseline_parser("HEAD", tmp_path)
    body = (fixtures_dir / "modern_tt0133093.html").read_bytes()
    url = "https://www.imdb.com/title/tt0133093/"
    assert parse is not parse_title and parse.__module__.startswith("baseline_pages")
    assert parse(url, body).to_dict() == parse_title(url, body).to_dict()  # type: ignore[attr-defined]
    waf = (fixtures_dir / "waf_challenge_2026.html").read_bytes()
    assert generation_of((parse, error), url, waf) == "refused: waf-challenge"


@needs_git
def test_unknown_revision_is_a_one_line_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_parse", "--baseline", "no-such-rev-12"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot read the parser at revision 'no-such-rev-12'")
