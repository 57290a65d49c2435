"""The complexity allow-list in pyproject.toml: short, each entry with its reason, none stale.

``make lint`` runs ruff's complexity rules (C901, PLR0911, PLR0912, PLR0915) over the whole
tree except where ``[tool.ruff.lint.per-file-ignores]`` keeps a long function on purpose. An
entry nothing needs any more (the long function was split, as the temporary one for
``imdb_spider/pages/nextjs.py`` will be) must go, or the list stops saying where and why.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from .conftest import ROOT

COMPLEXITY = ("C901", "PLR0911", "PLR0912", "PLR0915")
MAX_ENTRIES = 6


def _lint_config() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["ruff"]["lint"]


def _allow_list() -> dict[str, set[str]]:
    """File -> the complexity rules it is let off."""
    entries = _lint_config()["per-file-ignores"].items()
    return {
        path: set(rules) & set(COMPLEXITY)
        for path, rules in entries
        if set(rules) & set(COMPLEXITY)
    }


def _still_reported(paths: list[str]) -> set[tuple[str, str]]:
    """(file, rule) of every complexity finding in ``paths`` with the allow-list set aside."""
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", ",".join(COMPLEXITY),
         "--config", "lint.per-file-ignores = {}", "--output-format", "json", *paths],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert run.returncode in (0, 1), run.stderr  # 1: findings, as expected; else ruff failed
    return {
        (Path(d["filename"]).resolve().relative_to(ROOT).as_posix(), d["code"])
        for d in json.loads(run.stdout)
    }


def test_the_complexity_rules_are_on() -> None:
    lint = _lint_config()
    assert "C901" in lint["select"] and "PL" in lint["select"]
    assert not set(COMPLEXITY) & set(lint["ignore"])


def test_the_allow_list_is_short_and_names_files() -> None:
    allowed = _allow_list()
    assert 0 < len(allowed) <= MAX_ENTRIES, sorted(allowed)
    for path in allowed:  # one file each, never a glob that would let a package off
        assert (ROOT / path).is_file(), f"{path} in the allow-list is not a file"


def test_every_allow_list_entry_is_still_needed() -> None:
    allowed = _allow_list()
    found = _still_reported(sorted(allowed))
    stale = [
        f"{path}: {rule}"
        for path, rules in sorted(allowed.items())
        for rule in sorted(rules)
        if (path, rule) not in found
    ]
    assert not stale, (
        "nothing there breaks these rules any more: drop them from "
        "[tool.ruff.lint.per-file-ignores] in pyproject.toml\n" + "\n".join(stale)
    )


def test_every_allow_list_entry_says_why() -> None:
    # tomllib drops comments: read the section's lines, each entry after its comment.
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.ruff.lint.per-file-ignores]\n", 1)[1].split("\n[", 1)[0]
    lines = section.splitlines()
    checked = 0
    for k, line in enumerate(lines):
        if line.startswith('"') and any(rule in line for rule in COMPLEXITY):
            assert k > 0 and lines[k - 1].startswith("# "), f"no comment says why: {line}"
            checked += 1
    assert checked == len(_allow_list())
