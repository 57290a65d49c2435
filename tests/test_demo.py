"""``make demo``'s driver end to end: sandbox, three local proxies, crawl, export, serve."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from exporters.validate import validate_tiles

from .conftest import ROOT


def test_demo_crawls_exports_and_serves_the_map(tmp_path: Path) -> None:
    out, data, graph = tmp_path / "crawl", tmp_path / "map", tmp_path / "graph"
    command = [
        sys.executable, "-m", "imdb_spider.demo", "--titles", "500", "--max-titles", "150",
        "--out", str(out), "--map", str(data), "--graph-dir", str(graph), "--serve", "0",
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
                assert json.load(info)["nrnodes"] > 100
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(30) == 0
    assert "crawl finished: 150 titles" in printed
    # The captcha proxy and the dead port were banned; tinyproxy carried the crawl.
    proxies = [line for line in lines if line.strip().startswith("proxy ")]
    assert len(proxies) == 3
    assert sum(" 0 bans, good" in line for line in proxies) == 1
    assert sum("dead" in line for line in proxies) == 2
    assert validate_tiles(data) == []
    assert (graph / "graph.gexf").is_file() and (graph / "graph.dot").is_file()
