"""The repository's own copy of the real IMDb pages, and ``make fixtures`` that brings new ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devtools.fixtures import copy_new_fixtures

from .conftest import FIXTURES, ROOT
from .test_pages import REFUSED_PAGES


def test_every_real_page_has_its_expected_output_and_provenance() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    pages = sorted(FIXTURES.glob("*.html"))
    assert len(pages) >= 9
    for page in pages:
        assert f"`{page.name}`" in readme, f"{page.name} has no provenance line in the README"
        if page.stem in REFUSED_PAGES:  # a challenge page: it has an error, not an output
            continue
        assert page.with_name(page.name.replace(".html", ".expected.json")).is_file(), page.name


def _collection(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_copies_only_what_the_repository_lacks(tmp_path: Path) -> None:
    source = _collection(
        tmp_path / "shared",
        {"README.md": "new provenance", "a.html": "a", "b.html": "b from shared", "c.json": "c"},
    )
    target = _collection(tmp_path / "repo", {"README.md": "old", "b.html": "b, corrected"})
    report = copy_new_fixtures(source, target)
    assert report.copied == ["README.md", "a.html", "c.json"]
    assert report.differing == ["b.html"]
    assert (target / "a.html").read_text() == "a"
    assert (target / "README.md").read_text() == "new provenance"
    assert (target / "b.html").read_text() == "b, corrected"
    again = copy_new_fixtures(source, target)
    assert again.copied == []
    assert "nothing to copy" in "\n".join(again.lines())


def test_command_says_what_it_copied_and_refuses_a_missing_source(tmp_path: Path) -> None:
    source = _collection(tmp_path / "shared", {"README.md": "r", "x.html": "x"})
    target = tmp_path / "repo"
    command = [sys.executable, "-m", "devtools.fixtures", "--from", str(source), "--to"]
    done = subprocess.run(
        [*command, str(target)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["copied README.md", "copied x.html"]
    missing = [sys.executable, "-m", "devtools.fixtures", "--from", str(tmp_path / "nope")]
    done = subprocess.run(
        [*missing, "--to", str(target)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "no fixture collection at" in done.stderr
