"""Parser speed: CPU milliseconds per page, per page generation, optionally against an older
revision of the parser.

Run: ``python -m benchmarks.bench_parse [--rounds N] [--baseline REV]``. Reads the real pages in
tests/fixtures/imdb (the WAF challenge among them: the time to refuse it) and realistic sandbox
pages of each layout (the 2025 one included). ``--baseline main`` also times the parser of git
revision ``main`` (its ``imdb_spider/pages``, extracted with ``git archive`` into a temporary
directory) on the same pages, side by side. Goal (issue #2): <= 8 ms CPU for a ~1 MB modern
page.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import orjson

from devtools.fixtures import FIXTURES
from imdb_spider.pages import PageError, parse_title

ROOT = Path(__file__).resolve().parents[1]

# A parser: its parse_title and the base class of the errors it raises (an older revision
# has its own classes).
Parser = tuple[Callable[[str, bytes], object], type[Exception]]
NOW: Parser = (parse_title, PageError)


def cpu_ms_per_parse(parser: Parser, url: str, body: bytes, rounds: int) -> float:
    """Best of three timings of ``rounds`` parses (a page that is refused: ``rounds`` refusals)."""
    parse, error = parser

    def once() -> None:
        # A refused page (the WAF challenge) is timed like a parsed one.
        with contextlib.suppress(error):
            parse(url, body)

    once()  # warm up imports and caches
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(rounds):
            once()
        best = min(best, (time.process_time() - start) / rounds * 1000)
    return best


def json_decode_ms(body: bytes, rounds: int) -> float | None:
    """Cost of decoding the __NEXT_DATA__ blob alone: the floor for a modern page."""
    at = body.find(b'id="__NEXT_DATA__"')
    if at < 0:
        return None
    start = body.find(b">", at) + 1
    blob = body[start : body.find(b"</script>", start)]
    begin = time.process_time()
    for _ in range(rounds):
        orjson.loads(blob)
    return (time.process_time() - begin) / rounds * 1000


def pages() -> list[tuple[str, str, bytes]]:
    found = []
    for path in sorted(FIXTURES.glob("*.html")):
        found.append(
            (f"real {path.stem}", f"https://www.imdb.com/title/{path.stem}/", path.read_bytes())
        )
    from sandbox import LAYOUTS, build_universe, render_title

    universe = build_universe(2000, seed=1)
    t = universe.record(0)
    recs = [universe.record(r) for r in t.recommendations]
    for layout in LAYOUTS:
        body = render_title(t, recs, layout)
        found.append((f"sandbox {layout}", f"http://sandbox/title/{t.id}/", body))
    return found


def generation_of(parser: Parser, url: str, body: bytes) -> str:
    parse, error = parser
    try:
        return parse(url, body).page_generation  # type: ignore[attr-defined]
    except error as exc:
        return f"refused: {getattr(exc, 'kind', type(exc).__name__)}"


def baseline_parser(rev: str, into: Path) -> Parser:
    """``parse_title`` of ``imdb_spider/pages`` at git revision ``rev``, loaded as its own
    package (the parser uses only relative imports, so it needs nothing else of that tree)."""
    try:
        tar = subprocess.run(
            ["git", "archive", rev, "imdb_spider/pages"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        detail = stderr.decode(errors="replace").strip() or str(exc)
        raise SystemExit(f"error: cannot read the parser at revision {rev!r}: {detail}") from None
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    package = into / "imdb_spider" / "pages"
    name = "baseline_pages"
    spec = importlib.util.spec_from_file_location(
        name, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.parse_title, module.PageError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="parses per timing (default 50)")
    parser.add_argument(
        "--baseline", metavar="REV", help="also time the parser of this git revision (e.g. main)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        old = baseline_parser(args.baseline, Path(tmp)) if args.baseline else None
        run(args.rounds, old, args.baseline or "")


def run(rounds: int, old: Parser | None, rev: str) -> None:
    extra = f" {'ms ' + rev:>12} {'gen ' + rev:>22}" if old else ""
    print(f"{'page':36} {'KB':>6} {'generation':>24} {'parse ms':>9} {'json ms':>8}{extra}")
    by_generation: dict[str, list[tuple[float, float | None]]] = defaultdict(list)
    for name, url, body in pages():
        generation = generation_of(NOW, url, body)
        ms = cpu_ms_per_parse(NOW, url, body, rounds)
        decode = json_decode_ms(body, rounds)
        decode_text = f"{decode:8.2f}" if decode is not None else f"{'-':>8}"
        line = f"{name:36} {len(body) // 1024:6d} {generation:>24} {ms:9.2f} {decode_text}"
        old_ms = None
        if old is not None:
            old_ms = cpu_ms_per_parse(old, url, body, rounds)
            line += f" {old_ms:12.2f} {generation_of(old, url, body):>22}"
        print(line)
        by_generation[generation].append((ms, old_ms))
    print()
    head = f"{'generation (now)':24} {'pages':>5} {'mean parse ms':>14}"
    print(head + (f" {'mean ms ' + rev:>16}" if old else ""))
    for generation, times in sorted(by_generation.items()):
        now = sum(t for t, _ in times) / len(times)
        line = f"{generation:24} {len(times):5d} {now:14.2f}"
        if old is not None:
            line += f" {sum(t or 0.0 for _, t in times) / len(times):16.2f}"
        print(line)


if __name__ == "__main__":
    main()
