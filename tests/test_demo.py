"""``make demo``'s driver end to end: sandbox, three local proxies, crawl, export, serve."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from devtools.demo import MARKER, DemoError, fresh_crawl_folder, main
from exporters.validate import validate_tiles
from imdb_spider.store import Store

from .conftest import ROOT


def run_demo(tmp_path: Path, *extra: str) -> tuple[list[str], str]:
    """Run the demo until it serves the map; check the page and the map; stop it with
    Ctrl-C. Returns the lines it printed and the map folder."""
    out, data, graph = tmp_path / "crawl", tmp_path / "map", tmp_path / "graph"
    command = [
        sys.executable, "-m", "devtools.demo", "--titles", "500", "--max-titles", "150",
        "--out", str(out), "--map", str(data), "--graph-dir", str(graph), "--serve", "0", *extra,
    ]  # fmt: skip
    lines = []
    with (
        (tmp_path / "stderr.txt").open("w") as errors,
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as process,
    ):
        try:
            for line in process.stdout:
                lines.append(line)
                if line.startswith("open the map: "):
                    break
            printed = "".join(lines)
            assert process.poll() is None, printed + (tmp_path / "stderr.txt").read_text()
            url = line.split()[3]
            with urllib.request.urlopen(url, timeout=10) as page:
                assert b"<canvas" in page.read()
            with urllib.request.urlopen(url + "data/mapinfo.json", timeout=10) as info:
                mapinfo = json.load(info)
            assert mapinfo["nrnodes"] > 100
            assert mapinfo["demo"] is True  # the sandbox's invented titles: a demo map
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(30) == 0
    assert validate_tiles(data) == []
    assert (graph / "graph.gexf").is_file() and (graph / "graph.dot").is_file()
    return lines, str(out / "imdb.sqlite")


def test_demo_follows_the_route_that_works_today(tmp_path: Path) -> None:
    """TMDb's API for the recommendations, IMDb's datasets for the metadata."""
    lines, db = run_demo(tmp_path)
    printed = "".join(lines)
    assert "scrapy crawl tmdb" in printed and "python -m imdb_spider.datasets" in printed
    assert "crawl finished: 150 titles" in printed
    assert_plain_output(lines)
    with Store(db, create=False) as store:
        assert store.summary()["frontier"]["pending"] == 0
        assert {origin for (origin,) in store.db.execute("SELECT DISTINCT origin FROM edges")} == {
            "tmdb"
        }
        imdb_ids = [t["id"] for t in store.titles() if t["id"].startswith("tt")]
        # Every title TMDb matched to an IMDb id gets IMDb's metadata from the datasets.
        records = [store.title_record(tt) for tt in imdb_ids]
        record = records[0]
    assert len(imdb_ids) >= 140
    assert all(r is not None and "imdb-datasets" in r["fetched"] for r in records)
    assert record is not None and record["sources"]["rating"] == "imdb-datasets"


def test_demo_crawls_imdb_through_proxies(tmp_path: Path) -> None:
    lines, _ = run_demo(tmp_path, "--route", "imdb")
    printed = "".join(lines)
    assert "crawl finished: 150 titles" in printed
    # The captcha proxy and the dead port were banned; tinyproxy carried the crawl. The table
    # (one line a proxy) is printed once.
    proxies = [line for line in lines if re.match(r"\s*proxy \S+: \d+ requests", line)]
    assert len(proxies) == 3 and len({line.split()[1] for line in proxies}) == 3
    assert sum(" 0 bans, good" in line for line in proxies) == 1
    assert sum("dead" in line for line in proxies) == 2
    assert_plain_output(lines)


def assert_plain_output(lines: list[str]) -> None:
    """One kind of line (no timestamps, no log levels), one edge count, and the layout's
    quality in words (its figures only with --verbose)."""
    printed = "".join(lines)
    assert not [x for x in lines if re.match(r"\s*\d{4}-\d\d-\d\d \d\d:\d\d", x)], printed
    assert "INFO" not in printed
    assert len(set(re.findall(r"([\d,]+) (?:edges|recommendations)\b", printed))) == 1, printed
    assert "ownL" not in printed and "occ ." not in printed
    assert "of titles lie nearest their own community's centre" in printed


def test_demo_refuses_a_crawl_folder_it_did_not_make(tmp_path: Path, capsys) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    assert main(["--out", str(mine), "--map", str(tmp_path / "map")]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"--out {mine} is not empty and the demo did not make it" in err
    assert (mine / "thesis.tex").read_text() == "years of work"
    assert not (tmp_path / "map").exists()  # refused before anything was made


def test_demo_refuses_a_map_folder_that_is_not_a_map(tmp_path: Path, capsys) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "cat.jpg").write_bytes(b"\xff\xd8")
    out = tmp_path / "crawl"
    assert main(["--out", str(out), "--map", str(photos)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"--map {photos} holds files that are not an exported map" in err
    assert (photos / "cat.jpg").is_file()
    assert not out.exists()


def test_demo_replaces_only_its_own_crawl_folder(tmp_path: Path) -> None:
    new = tmp_path / "new"
    fresh_crawl_folder(new)
    assert [p.name for p in new.iterdir()] == [MARKER]
    (new / "imdb.sqlite").write_bytes(b"an old demo crawl")
    fresh_crawl_folder(new)  # marked by the demo: replaced
    assert [p.name for p in new.iterdir()] == [MARKER]
    empty = tmp_path / "empty"
    empty.mkdir()
    fresh_crawl_folder(empty)  # empty: adopted, nothing to delete
    assert (empty / MARKER).is_file()
    with pytest.raises(DemoError, match="the demo did not make it"):
        fresh_crawl_folder(tmp_path)  # holds the folders above, but carries no marker
    assert new.is_dir() and empty.is_dir()


@pytest.fixture
def taken_port():
    """A port something listens on (as another server on SITE_PORT would)."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_demo_with_its_port_taken_fails_before_crawling(tmp_path: Path, taken_port) -> None:
    out, data = tmp_path / "crawl", tmp_path / "map"
    command = [
        sys.executable, "-m", "devtools.demo", "--titles", "500", "--max-titles", "150",
        "--out", str(out), "--map", str(data), "--serve", str(taken_port),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert done.stdout == ""  # no sandbox started, nothing crawled
    (line,) = done.stderr.splitlines()
    assert f"port {taken_port} on 127.0.0.1 is already in use" in line
    assert f"SITE_PORT={taken_port + 1}" in line and "Traceback" not in done.stderr
    assert not out.exists() and not data.exists()


def test_demo_says_the_same_if_the_port_is_taken_during_the_crawl(
    tmp_path: Path, taken_port, capsys
) -> None:
    from devtools.demo import serve_site

    (tmp_path / "map").mkdir()
    assert serve_site(tmp_path / "map", taken_port) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "is already in use" in line and "SITE_PORT=" in line


def test_demo_shows_the_crawls_progress_and_problems_without_log_prefixes() -> None:
    from devtools.demo import crawl_line

    stamp = "2026-12-02 03:39:51 [imdb_spider.progress] "
    progress = stamp + "INFO: progress: 35 titles stored\n"
    assert crawl_line(progress) == "  progress: 35 titles stored"
    warning = stamp + "WARNING: proxy http://a:1 banned\n"
    assert crawl_line(warning) == "  WARNING: proxy http://a:1 banned"
    error = stamp + "ERROR: Spider error processing\n"
    assert crawl_line(error) == "  ERROR: Spider error processing"
    # Set-up chatter, Scrapy's stats dump and the totals (the demo's summary says them) stay out.
    assert crawl_line(stamp + "INFO: crawl database x.sqlite: applying migration 0001\n") is None
    assert crawl_line("   'log_count/WARNING': 1,\n") is None
    assert crawl_line(stamp + "INFO: crawl finished: 150 titles, 1800 edges\n") is None
