"""``python -m devtools.fixtures``: copy new real IMDb pages from the shared collection into
the repository's ``tests/fixtures/imdb/``.

The repository carries its own copy of every real page (with its expected JSON and the
provenance README), so a clone needs nothing beside it; ``../shared/fixtures/imdb/`` stays
the place new pages arrive. This copies the files the source has and the repository lacks, and
the README when it changed (new pages come with new provenance lines). A file both have but
that differs is reported and left alone: the repository's copy may carry a correction.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "imdb"
SHARED = ROOT.parent / "shared" / "fixtures" / "imdb"
README = "README.md"


@dataclass
class CopyReport:
    """What ``copy_new_fixtures`` did, by file name."""

    copied: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"copied {name}" for name in self.copied]
        out += [f"differs, kept the repository's copy: {name}" for name in self.differing]
        if not self.copied:
            out.append("nothing to copy: the repository has every fixture file")
        return out


def copy_new_fixtures(source: Path, target: Path) -> CopyReport:
    """Copy the files of ``source`` that ``target`` lacks (and a changed README)."""
    if not (source / README).is_file():
        raise FileNotFoundError(f"no fixture collection at {source} (no {README} there)")
    target.mkdir(parents=True, exist_ok=True)
    report = CopyReport()
    for path in sorted(source.iterdir()):
        if not path.is_file():
            continue
        here = target / path.name
        if not here.exists() or (path.name == README and not filecmp.cmp(path, here, False)):
            # copyfile, not copy2: the shared collection is read-only, our copy must not be.
            shutil.copyfile(path, here)
            report.copied.append(path.name)
        elif not filecmp.cmp(path, here, shallow=False):
            report.differing.append(path.name)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.fixtures", description=__doc__)
    parser.add_argument(
        "--from", dest="source", type=Path, default=SHARED, help="source (../shared/fixtures/imdb)"
    )
    parser.add_argument(
        "--to", dest="target", type=Path, default=FIXTURES, help="target (tests/fixtures/imdb)"
    )
    args = parser.parse_args(argv)
    try:
        report = copy_new_fixtures(args.source, args.target)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
