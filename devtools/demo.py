"""``python -m devtools.demo``: the whole pipeline offline, on the bundled sandbox.

By default it follows the route that works for a real user today (``--route tmdb``): it starts
the sandbox (which serves TMDb's API and IMDb's dataset files too), crawls TMDb's
recommendations with ``scrapy crawl tmdb`` (progress on the terminal), downloads IMDb's
dataset files and fills the titles' metadata with ``python -m imdb_spider.datasets``, prints a
summary, exports the map with ``python -m exporters all`` into the site's data folder and says
where everything is.

``--route imdb`` shows the IMDb crawler instead: it starts three local HTTP forward proxies on
127.0.0.1 — a real one (Debian's tinyproxy), a dead port, and one that answers every request
with a captcha page — and crawls the sandbox's IMDb pages through them with ``scrapy crawl
imdb`` (today's real IMDb answers every title page with a WAF challenge; the sandbox does not).
Everything it started is stopped on exit or Ctrl-C.

It deletes only what it made: the crawl folder (``--out``) is replaced on the next run only
when it carries the marker file the demo wrote there; a folder it did not make, or a map folder
(``--map``) that holds something other than an exported map, is refused with a one-line
message before anything starts. So is a ``--serve`` port something else listens on (``make
demo`` serves on ``SITE_PORT``, 8080 by default): the message names ``SITE_PORT=`` to pick
another, before the crawl rather than after it.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from devtools.localproxies import BadProxy, TinyProxy, dead_proxy_url

ROOT = Path(__file__).resolve().parents[1]


# Written into every folder the demo creates: the one sign that it may delete the folder later.
MARKER = ".made-by-imdb-spider-demo"
MARKER_TEXT = "made by python -m devtools.demo, which replaces this folder on its next run\n"


class DemoError(Exception):
    pass


def _ours(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def _create_marked(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(MARKER_TEXT)


def fresh_crawl_folder(folder: Path) -> None:
    """Make ``folder`` a new, empty crawl folder (the demo always crawls from scratch): delete
    it only if the demo made it (marker), use it if it is empty, refuse otherwise."""
    if folder.exists():
        if not folder.is_dir():
            raise DemoError(f"--out {folder} is a file, not a folder")
        if _ours(folder):
            shutil.rmtree(folder)
        elif any(folder.iterdir()):
            raise DemoError(
                f"--out {folder} is not empty and the demo did not make it (no {MARKER}): "
                "the demo only replaces its own folders; remove it yourself or pick another"
            )
    _create_marked(folder)


def check_map_folder(folder: Path) -> None:
    """The export writes into ``folder`` and removes stale files of an earlier export from it:
    allow a missing or empty folder, one the demo made, or an earlier export; refuse the rest."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise DemoError(f"--map {folder} is a file, not a folder")
    if _ours(folder) or (folder / "mapinfo.json").is_file() or not any(folder.iterdir()):
        return
    raise DemoError(
        f"--map {folder} holds files that are not an exported map (no mapinfo.json) and the "
        f"demo did not make it (no {MARKER}): pick an empty or new folder"
    )


def port_taken_message(port: int) -> str:
    return (
        f"port {port} on 127.0.0.1 is already in use: serve on another with "
        f"make demo SITE_PORT={port + 1} (python -m devtools.demo --serve {port + 1}; "
        "0 picks a free one), or stop what listens there"
    )


def check_port(port: int | None) -> None:
    """Refuse a ``--serve`` port that something already listens on, before any work. The
    server binds it again after the export (ThreadingHTTPServer reuses the address the same
    way), and says the same if the port was taken in between."""
    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise DemoError(port_taken_message(port)) from None
            raise DemoError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None


def start_sandbox(
    stack: ExitStack, titles: int, seed: int, extra: list[str], log: Path | None = None
) -> str:
    """Start the sandbox in its own process; return its base URL. Its own (timestamped) log
    goes to ``log`` when given, not between the demo's lines."""
    errors = stack.enter_context(log.open("w")) if log is not None else None
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            "0",
            "--titles",
            str(titles),
            "--seed",
            str(seed),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        cwd=ROOT,
    )
    stack.callback(_stop, process)
    line = process.stdout.readline() if process.stdout else ""
    url = next((word for word in line.split() if word.startswith("http://")), None)
    if url is None:
        raise DemoError(f"the sandbox did not start (it printed {line!r})")
    return url.rstrip("/")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The sandbox's TMDb key: a real one comes from a TMDb account (README).
DEMO_KEY = "demo"
DATASETS = ("title.basics", "title.ratings", "title.crew", "name.basics")


# The crawl's log lines the demo shows (the rest is in Scrapy's usual log; its last line, the
# totals, the demo's summary says), and the database's set-up it leaves out among them.
SHOWN = ("progress:", "proxy ", "] ERROR:", "] WARNING:", "every proxy", "crawl database")
HIDDEN = ("applying migration",)


def crawl_line(line: str) -> str | None:
    """A crawl log line as the demo prints it: no timestamp, logger or "INFO:" (a warning or
    an error keeps its level), or None for a line it leaves out."""
    if not any(key in line for key in SHOWN) or any(key in line for key in HIDDEN):
        return None
    text = line.split("] ", 1)[-1].rstrip()
    return "  " + text.removeprefix("INFO: ").removeprefix("DEBUG: ")


def _run_crawl(command: list[str], summary_path: Path, env: dict[str, str] | None = None) -> dict:
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    for line in process.stderr:
        shown = crawl_line(line)
        if shown is not None:
            print(shown, flush=True)
    if process.wait() != 0:
        raise DemoError(f"the crawl failed (exit status {process.returncode})")
    return json.loads(summary_path.read_text())


def _crawl_command(
    spider: str, out: Path, seeds: list[str], max_titles: int, *settings: str
) -> list[str]:
    """``scrapy crawl SPIDER`` into the demo's crawl folder ``out`` (its database and summary
    there, the sandbox profile, progress every 2 s), plus the spider's own ``settings``."""
    command = [
        sys.executable, "-m", "scrapy", "crawl", spider,
        "-a", f"seeds={','.join(seeds)}",
        "-a", f"max_titles={max_titles}",
        "-s", "IMDB_PROFILE=sandbox",
        "-s", f"IMDB_DB_PATH={out / 'imdb.sqlite'}",
        "-s", f"IMDB_SUMMARY_PATH={out / 'summary.json'}",
        "-s", "IMDB_PROGRESS_INTERVAL=2",
    ]  # fmt: skip
    for setting in settings:
        command += ["-s", setting]
    return command


def crawl_tmdb(base_url: str, out: Path, seeds: list[str], max_titles: int) -> dict:
    summary_path = out / "summary.json"
    command = _crawl_command("tmdb", out, seeds, max_titles, f"TMDB_API_URL={base_url}/3")
    print(f"$ TMDB_API_KEY=… scrapy crawl tmdb -s TMDB_API_URL={base_url}/3 -a seeds=… ...")
    env = {**os.environ, "TMDB_API_KEY": DEMO_KEY}
    return _run_crawl(command, summary_path, env)


def load_datasets(base_url: str, out: Path, db: str) -> None:
    """Download IMDb's dataset files (the sandbox's) and fill the titles' metadata."""
    folder = out / "datasets"
    folder.mkdir(exist_ok=True)
    for name in DATASETS:
        urllib.request.urlretrieve(f"{base_url}/datasets/{name}.tsv.gz", folder / f"{name}.tsv.gz")
    print(f"IMDb's dataset files: {', '.join(DATASETS)} in {folder}")
    print(f"$ python -m imdb_spider.datasets --db {db} {folder}")
    command = [sys.executable, "-m", "imdb_spider.datasets", "--db", db, str(folder)]
    if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
        raise DemoError("loading IMDb's dataset files failed")


def crawl(base_url: str, out: Path, proxies: Path, seeds: list[str], max_titles: int) -> dict:
    summary_path = out / "summary.json"
    command = _crawl_command(
        "imdb", out, seeds, max_titles,
        f"IMDB_BASE_URL={base_url}", f"JOBDIR={out / 'job'}", f"ROTATING_PROXY_LIST_PATH={proxies}",
    )  # fmt: skip
    print(f"$ scrapy crawl imdb -s IMDB_BASE_URL={base_url} -s IMDB_PROFILE=sandbox ...")
    return _run_crawl(command, summary_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo", description=__doc__)
    parser.add_argument(
        "--route",
        choices=("tmdb", "imdb"),
        default="tmdb",
        help="tmdb (default): TMDb's API and IMDb's datasets, the route that works today; "
        "imdb: IMDb's pages through local proxies",
    )
    parser.add_argument("--titles", type=int, default=3000, help="sandbox size (default 3000)")
    parser.add_argument("--seed", type=int, default=1, help="sandbox seed (default 1)")
    parser.add_argument(
        "--max-titles", type=int, default=1500, help="stop after this many titles (default 1500)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "crawls" / "demo", help="crawl folder (crawls/demo)"
    )
    parser.add_argument(
        "--map", type=Path, default=ROOT / "site" / "data", help="map folder (site/data)"
    )
    parser.add_argument(
        "--graph-dir", type=Path, default=ROOT / "build" / "graph", help="graph files (build/graph)"
    )
    parser.add_argument(
        "--serve",
        type=int,
        metavar="PORT",
        help="then serve the site on 127.0.0.1:PORT until Ctrl-C (0: any free port)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="the export's layout-quality figures and edge counts of each stage",
    )
    args = parser.parse_args(argv)
    out = args.out
    try:
        check_port(args.serve)
        check_map_folder(args.map)
        fresh_crawl_folder(out)
        if not args.map.exists():
            _create_marked(args.map)
        with ExitStack() as stack:
            extra = ["--small-pages", "--tmdb-key", DEMO_KEY, "--tmdb-rate", "0"]
            base_url = start_sandbox(stack, args.titles, args.seed, extra, log=out / "sandbox.log")
            print(f"sandbox IMDb and TMDb with {args.titles} titles at {base_url}")
            with urllib.request.urlopen(f"{base_url}/__seeds?n=3", timeout=10) as answer:
                seeds = json.load(answer)
            if args.route == "tmdb":
                report = crawl_tmdb(base_url, out, seeds, args.max_titles)
                load_datasets(base_url, out, report["database"]["path"])
            else:
                report = crawl_imdb_through_proxies(stack, base_url, out, seeds, args.max_titles)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    # Everything the crawl needed is stopped by now; the map needs none of it.
    return finish(report, args)


def crawl_imdb_through_proxies(
    stack: ExitStack, base_url: str, out: Path, seeds: list[str], max_titles: int
) -> dict:
    """The IMDb route: tinyproxy, a captcha proxy and a dead port; returns the summary."""
    good = stack.enter_context(TinyProxy())
    captcha = stack.enter_context(BadProxy("captcha"))
    dead = dead_proxy_url()
    proxies = out / "proxies.txt"
    proxies.write_text(f"{good.url}\n{captcha.url}\n{dead}\n")
    print(f"proxies: good {good.url} (tinyproxy), captcha {captcha.url}, dead {dead}")
    return crawl(base_url, out, proxies, seeds, max_titles)


def finish(report: dict, args: argparse.Namespace) -> int:
    """Print the crawl's summary, export the map, and serve it if asked."""
    database = report["database"]
    print()
    # The proxy table was printed as the crawl ended; the edge count is the map's, below.
    print(f"crawl {report['reason']}: {database['titles']} titles")
    print(
        f"frontier: {database['frontier']['pending']} pending, "
        f"{database['frontier']['failed']} failed; failures by kind: "
        f"{database['failures_by_kind'] or 'none'}"
    )
    print(f"database: {database['path']}  (python -m imdb_spider.store {database['path']})")
    print()
    export = [sys.executable, "-m", "exporters", "all", "--db", database["path"],
              "--out", str(args.map), "--graph-dir", str(args.graph_dir), "--force",
              *(["--verbose"] if args.verbose else [])]  # fmt: skip
    print(f"$ python -m exporters all --db {database['path']} --out {args.map}")
    if subprocess.run(export, cwd=ROOT, check=False).returncode != 0:
        print("error: the export failed", file=sys.stderr)
        return 1
    print(f"\nthe map is in {args.map}")
    if args.serve is None:
        print("serve it with: make serve")
        return 0
    return serve_site(args.map, args.serve)


def serve_site(data: Path, port: int) -> int:
    """Serve site/ with ``data`` at /data/ until Ctrl-C."""
    from exporters import serve  # noqa: PLC0415 (only when serving)

    try:
        server = serve.make_server(ROOT / "site", port, data_dir=data, quiet=True)
    except OSError as exc:
        taken = exc.errno == errno.EADDRINUSE
        print(f"error: {port_taken_message(port) if taken else exc}", file=sys.stderr)
        return 1
    serve.serve_until_interrupted(server, f"open the map: {serve.server_url(server)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
