"""Parser speed: CPU milliseconds per page, per page generation.

Run: ``python -m benchmarks.bench_parse [--rounds N]``. Reads the real pages in
tests/fixtures/imdb and realistic sandbox pages of each layout. Goal (issue #2): <= 8 ms CPU
for a ~1 MB modern page.
"""

from __future__ import annotations

import argparse
import time

import orjson

from devtools.fixtures import FIXTURES
from imdb_spider.pages import parse_title


def cpu_ms_per_parse(url: str, body: bytes, rounds: int) -> float:
    parse_title(url, body)  # warm up imports and caches
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(rounds):
            parse_title(url, body)
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
    from sandbox import build_universe, render_title

    universe = build_universe(2000, seed=1)
    t = universe.record(0)
    recs = [universe.record(r) for r in t.recommendations]
    for layout in ("nextjs", "microdata", "jsonld2018"):
        body = render_title(t, recs, layout)
        found.append((f"sandbox {layout}", f"http://sandbox/title/{t.id}/", body))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="parses per timing (default 50)")
    args = parser.parse_args()
    print(f"{'page':40} {'KB':>6} {'generation':>15} {'parse ms':>9} {'json ms':>8}")
    for name, url, body in pages():
        generation = parse_title(url, body).page_generation
        ms = cpu_ms_per_parse(url, body, args.rounds)
        decode = json_decode_ms(body, args.rounds)
        decode_text = f"{decode:8.2f}" if decode is not None else f"{'-':>8}"
        print(f"{name:40} {len(body) // 1024:6d} {generation:>15} {ms:9.2f} {decode_text}")


if __name__ == "__main__":
    main()
