"""``python -m imdb_spider.pages FILE...``: parse saved title pages, print one JSON object each.

Exit status 0 when every page parsed, 1 when any failed (its error goes to stderr), 2 for
usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from . import PageError, parse_title


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m imdb_spider.pages",
        description="Parse saved IMDb title pages and print one JSON object per page "
        "(one per line), with the fields of a title record.",
    )
    parser.add_argument("files", nargs="+", type=Path, help="saved HTML pages")
    parser.add_argument(
        "--url",
        help="the page's URL, used in messages and when a page does not name its own id "
        "(default: file://PATH)",
    )
    parser.add_argument(
        "--indent", action="store_true", help="pretty-print instead of one object per line"
    )
    parser.add_argument(
        "--provenance", action="store_true", help="include where each field came from"
    )
    args = parser.parse_args(argv)
    failed = 0
    for path in args.files:
        url = args.url or path.resolve().as_uri()
        try:
            record = parse_title(url, path.read_bytes())
        except OSError as exc:
            print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
            failed += 1
            continue
        except PageError as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            failed += 1
            continue
        data = record.to_dict()
        if not args.provenance:
            del data["provenance"]
        option = orjson.OPT_INDENT_2 if args.indent else 0
        sys.stdout.buffer.write(orjson.dumps(data, option=option) + b"\n")
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
