"""The sandbox's TMDb: identities and recommendations in the universe, API v3 under ``/3/``
(shapes of TMDb's real ``/movie/603`` response, errors, auth, rate limit, faults) and the
daily id export, against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import orjson
import pytest

from sandbox import TMDB_FAULT_KINDS, Faults, Sandbox, build_universe

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "imdb" / "tmdb_movie_603.json"
KEY = "sandbox"


def get(sb: Sandbox, target: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
    try:
        conn.request(method, target, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def api(sb: Sandbox, path: str, **params: str | int):
    """GET /3/{path} with the key; (status, headers, decoded JSON)."""
    query = "&".join(f"{k}={v}" for k, v in {"api_key": KEY, **params}.items())
    status, headers, body = get(sb, f"/3/{path}?{query}")
    return status, headers, orjson.loads(body)


def tmdb_ids(u, indices) -> list[int]:
    return [u.tmdb_id_of(int(j)) for j in indices]


def first_index(u, pred) -> int:
    for i in range(len(u)):
        if pred(i):
            return i
    pytest.skip("no title in the test universe matches")


@pytest.fixture
def tmdb(sandbox):
    """The session sandbox with no TMDb rate limit (tests here send bursts)."""
    sandbox.set_tmdb_rate(0)
    yield sandbox
    sandbox.set_tmdb_rate(50)


# --- the universe's TMDb side ---------------------------------------------------------------


def test_tmdb_ids_are_distinct_seeded_and_round_trip(sandbox_universe):
    u = sandbox_universe
    n = len(u)
    ids = [u.tmdb_id_of(i) for i in range(n)]
    assert len(set(ids)) == n
    assert min(ids) >= 1 and max(ids) <= 3 * n  # never an IMDb number (90,000,000+)
    assert all(u.index_of_tmdb(t) == i for i, t in enumerate(ids))
    assert u.index_of_tmdb(3 * n + 1) is None and u.index_of_tmdb(0) is None
    no_imdb = [i for i in range(n) if u.tmdb_imdb_id(i) is None]
    assert 0.015 <= len(no_imdb) / n <= 0.05  # about 3 %
    assert u.tmdb_imdb_id(next(i for i in range(n) if i not in no_imdb)).startswith("tt9")
    again = build_universe(n, seed=1)
    assert [again.tmdb_id_of(i) for i in range(n)] == ids
    assert np.array_equal(again.tmdb.rec_idx, u.tmdb.rec_idx)
    other = build_universe(n, seed=2)
    assert [other.tmdb_id_of(i) for i in range(n)] != ids


def test_tmdb_recommendations_are_correlated_not_equal(sandbox_universe):
    u = sandbox_universe
    jaccard, kept, lengths, full = [], [], [], []
    for i in range(len(u)):
        imdb = [int(j) for j in u.recommendations_of(i)]
        tmdb = [int(j) for j in u.tmdb_recommendations_of(i)]
        assert i not in tmdb and len(set(tmdb)) == len(tmdb) <= 40
        if not imdb:
            assert tmdb == []  # no IMDb list: no TMDb list either
            continue
        a, b = set(imdb), set(tmdb)
        jaccard.append(len(a & b) / len(a | b))
        if b:
            kept.append(len(a & b) / len(a))
        lengths.append(len(tmdb))
        if len(imdb) >= 10 and tmdb:
            full.append(len(tmdb))
    mean_j, mean_k = float(np.mean(jaccard)), float(np.mean(kept))
    print(f"TMDb vs IMDb lists: mean Jaccard {mean_j:.3f}, IMDb titles kept {mean_k:.3f}")
    assert 0.12 <= mean_j <= 0.45  # correlated, never equal
    assert 0.45 <= mean_k <= 0.75  # a seeded 50-70 % of IMDb's list
    assert np.median(lengths) >= 20
    # 20-40 for a well-known title (a small universe's neighbourhoods run short sometimes)
    assert np.mean(np.array(full) >= 20) >= 0.95 and min(full) >= 10


def test_tmdb_rank_follows_imdb_rank_loosely(sandbox_universe):
    u = sandbox_universe
    top, bottom = [], []
    for i in range(len(u)):
        imdb = [int(j) for j in u.recommendations_of(i)]
        pos = {int(j): r for r, j in enumerate(u.tmdb_recommendations_of(i))}
        if len(imdb) == 12:
            top += [pos[j] for j in imdb[:4] if j in pos]
            bottom += [pos[j] for j in imdb[8:] if j in pos]
    assert np.mean(top) < np.mean(bottom)


# --- /3/movie --------------------------------------------------------------------------------


def _same_type(ours, theirs) -> bool:
    if theirs is None or ours is None:
        return True
    if isinstance(theirs, float):
        return isinstance(ours, float | int) and not isinstance(ours, bool)
    return type(ours) is type(theirs)


def test_movie_has_tmdb_shapes_and_the_universe_values(tmdb):
    u = tmdb.universe
    real = orjson.loads(FIXTURE.read_bytes())
    i = first_index(u, lambda i: u.tmdb_imdb_id(i) and len(u.record(i).countries) > 1)
    t = u.record(i)
    status, headers, doc = api(tmdb, f"movie/{u.tmdb_id_of(i)}")
    assert status == 200 and headers["content-type"].startswith("application/json")
    for key, value in real.items():
        if key == "alternative_titles":  # an appended object, not asked for here
            continue
        assert key in doc, key
        assert _same_type(doc[key], value), (key, doc[key], value)
    assert doc["id"] == u.tmdb_id_of(i) and doc["imdb_id"] == t.id
    assert doc["title"] == t.title and doc["original_title"] == t.original_title
    assert doc["runtime"] == t.runtime_minutes
    assert doc["release_date"] == "" or doc["release_date"].startswith(f"{t.year}-")
    assert re.fullmatch(r"(\d{4}-\d\d-\d\d)?", doc["release_date"])
    assert [c["iso_3166_1"] for c in doc["production_countries"]] == list(t.countries)
    assert all(set(g) == {"id", "name"} and isinstance(g["id"], int) for g in doc["genres"])
    for g in real["genres"]:  # TMDb's own genre ids and names
        if g["name"] in {x["name"] for x in doc["genres"]}:
            assert g in doc["genres"]
    assert isinstance(doc["vote_average"], float) and isinstance(doc["popularity"], float)
    assert doc["overview"] == (t.plot or "")


def test_genres_map_to_tmdb_ids(tmdb):
    u = tmdb.universe
    i = first_index(u, lambda i: "Sci-Fi" in u.record(i).genres)
    doc = api(tmdb, f"movie/{u.tmdb_id_of(i)}")[2]
    assert {"id": 878, "name": "Science Fiction"} in doc["genres"]


def test_movie_with_appended_objects(tmdb):
    u = tmdb.universe
    i = first_index(u, lambda i: len(u.tmdb_recommendations_of(i)) > 20 and
                    len(u.record(i).directors) > 0)  # fmt: skip
    mid = u.tmdb_id_of(i)
    status, _, doc = api(
        tmdb, f"movie/{mid}", append_to_response="recommendations,external_ids,credits"
    )
    assert status == 200
    recs = doc["recommendations"]
    truth = tmdb_ids(u, u.tmdb_recommendations_of(i))
    assert recs["page"] == 1 and [r["id"] for r in recs["results"]] == truth[:20]
    assert recs["total_results"] == len(truth) and recs["total_pages"] == -(-len(truth) // 20)
    item = recs["results"][0]
    assert item["media_type"] == "movie" and isinstance(item["genre_ids"], list)
    assert {"id", "title", "original_title", "release_date", "popularity", "vote_average",
            "vote_count", "adult", "video", "overview"} <= set(item)  # fmt: skip
    assert item["title"] == u.titles[u.index_of_tmdb(item["id"])]
    assert doc["external_ids"]["imdb_id"] == u.tmdb_imdb_id(i)
    directors = [c for c in doc["credits"]["crew"] if c["job"] == "Director"]
    assert [d["name"] for d in directors] == [n for _, n in u.record(i).directors]
    assert all(d["department"] == "Directing" and isinstance(d["id"], int) for d in directors)
    assert {d["id"] for d in directors} == {
        u.tmdb_person_id(int(p)) for p in u.directors[i] if p >= 0
    }
    assert doc["credits"]["cast"] and all("character" in c for c in doc["credits"]["cast"])
    # the same through the sub-resources, which carry the movie id
    assert api(tmdb, f"movie/{mid}/external_ids")[2] == {"id": mid} | doc["external_ids"]
    assert api(tmdb, f"movie/{mid}/credits")[2] == {"id": mid} | doc["credits"]
    # unknown appended names are ignored, as TMDb does
    assert set(api(tmdb, f"movie/{mid}", append_to_response="videos")[2]) == set(doc) - {
        "recommendations", "external_ids", "credits"}  # fmt: skip


def test_recommendation_pages(tmdb):
    u = tmdb.universe
    i = first_index(u, lambda i: len(u.tmdb_recommendations_of(i)) > 20)
    mid = u.tmdb_id_of(i)
    truth = tmdb_ids(u, u.tmdb_recommendations_of(i))
    pages = -(-len(truth) // 20)
    got = []
    for page in range(1, pages + 1):
        status, _, doc = api(tmdb, f"movie/{mid}/recommendations", page=page)
        assert status == 200 and doc["page"] == page and len(doc["results"]) <= 20
        assert (doc["total_pages"], doc["total_results"]) == (pages, len(truth))
        got += [r["id"] for r in doc["results"]]
    assert got == truth
    past = api(tmdb, f"movie/{mid}/recommendations", page=pages + 1)
    assert past[0] == 200 and past[2]["results"] == [] and past[2]["total_results"] == len(truth)
    for bad in ("0", "501", "x"):
        status, _, doc = api(tmdb, f"movie/{mid}/recommendations", page=bad)
        assert status == 400 and doc["status_code"] == 22 and doc["success"] is False
    none = first_index(u, lambda i: len(u.tmdb_recommendations_of(i)) == 0)
    doc = api(tmdb, f"movie/{u.tmdb_id_of(none)}/recommendations")[2]
    assert doc == {"page": 1, "results": [], "total_pages": 0, "total_results": 0}


# --- /3/find ---------------------------------------------------------------------------------


def test_find_round_trips_imdb_ids(tmdb):
    u = tmdb.universe
    for i in range(0, len(u), 97):
        status, _, doc = api(tmdb, f"find/{u.id_of(i)}", external_source="imdb_id")
        assert status == 200
        assert set(doc) == {"movie_results", "person_results", "tv_results",
                            "tv_episode_results", "tv_season_results"}  # fmt: skip
        if u.tmdb_imdb_id(i) is None:
            assert doc["movie_results"] == []
        else:
            assert [m["id"] for m in doc["movie_results"]] == [u.tmdb_id_of(i)]
            back = api(tmdb, f"movie/{doc['movie_results'][0]['id']}")[2]
            assert back["imdb_id"] == u.id_of(i)
    unknown = first_index(u, lambda i: u.tmdb_imdb_id(i) is None)
    assert api(tmdb, f"find/{u.id_of(unknown)}", external_source="imdb_id")[2][
        "movie_results"] == []  # fmt: skip
    alias = next(iter(u.aliases))
    assert api(tmdb, f"find/{alias}", external_source="imdb_id")[2]["movie_results"] == []
    status, _, doc = api(tmdb, f"find/{u.id_of(0)}")
    assert status == 422 and doc["status_code"] == 5


# --- errors, auth, rate limit ----------------------------------------------------------------


def test_auth_and_not_found_errors(tmdb):
    u = tmdb.universe
    mid = u.tmdb_id_of(3)
    for target, headers in (
        (f"/3/movie/{mid}", {}),
        (f"/3/movie/{mid}?api_key=wrong", {}),
        (f"/3/movie/{mid}", {"Authorization": "Bearer wrong"}),
    ):
        status, h, body = get(tmdb, target, headers)
        assert status == 401 and h["content-type"].startswith("application/json")
        assert orjson.loads(body) == {
            "success": False,
            "status_code": 7,
            "status_message": "Invalid API key: You must be granted a valid key.",
        }
    assert get(tmdb, f"/3/movie/{mid}", {"Authorization": f"Bearer {KEY}"})[0] == 200
    for path in (f"movie/{3 * len(u) + 7}", "movie/abc", "tv/1", f"movie/{mid}/videos"):
        status, _, doc = api(tmdb, path)
        assert status == 404 and doc == {
            "success": False,
            "status_code": 34,
            "status_message": "The resource you requested could not be found.",
        }, path
    stats = tmdb.stats()
    assert stats["tmdb_responses_by_status"] == {"200": 1, "401": 3, "404": 4}
    assert stats["tmdb_fetches"] == {str(mid): 1}  # errors fetch no movie


def test_rate_limit_is_exact_per_sliding_second(sandbox_universe):
    u = sandbox_universe
    with Sandbox(u, seed=1, small_pages=True, tmdb_rate=5) as sb:
        conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
        statuses, bodies, retry = [], [], []
        started = time.monotonic()
        for k in range(8):
            conn.request("GET", f"/3/movie/{u.tmdb_id_of(k)}?api_key={KEY}")
            resp = conn.getresponse()
            statuses.append(resp.status)
            retry.append(resp.getheader("retry-after"))
            bodies.append(resp.read())
        elapsed = time.monotonic() - started
        if elapsed >= 1.0:
            pytest.skip(f"8 requests took {elapsed:.2f}s on this machine: not one second")
        assert statuses == [200] * 5 + [429] * 3
        assert retry[5:] == ["1"] * 3
        assert orjson.loads(bodies[-1]) == {
            "success": False,
            "status_code": 25,
            "status_message": "Your request count (#) is over the allowed limit of (5).",
        }
        assert sb.stats()["tmdb_rate_limited"] == 3
        # after Retry-After the window has room again
        deadline = time.monotonic() + 5
        while True:
            conn.request("GET", f"/3/movie/{u.tmdb_id_of(9)}?api_key={KEY}")
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200 or time.monotonic() > deadline:
                break
        assert resp.status == 200 and time.monotonic() - started >= 1.0
        conn.close()


# --- faults ----------------------------------------------------------------------------------


def test_tmdb_faults_by_id(tmdb):
    u = tmdb.universe
    kinds = ["status401", "status403", "status429", "status503", "badjson"]
    mids = [u.tmdb_id_of(50 + k) for k in range(len(kinds))]
    tmdb.set_faults(Faults(ids={k: [f"tmdb:{m}"] for k, m in zip(kinds, mids, strict=True)}))
    got = {k: get(tmdb, f"/3/movie/{m}?api_key={KEY}") for k, m in zip(kinds, mids, strict=True)}
    status, _, body = got["status401"]
    assert status == 401 and orjson.loads(body)["status_code"] == 7
    assert got["status403"][0] == 403
    status, headers, body = got["status429"]
    assert status == 429 and headers["retry-after"] == "1"
    assert orjson.loads(body)["status_code"] == 25
    status, headers, body = got["status503"]
    assert status == 503 and orjson.loads(body)["status_code"] == 9
    status, headers, body = got["badjson"]
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert int(headers["content-length"]) == len(body)  # complete on the wire
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)
    # a fault on one movie leaves the others alone; IMDb-only kinds never touch /3/
    assert api(tmdb, f"movie/{u.tmdb_id_of(70)}")[0] == 200
    tmdb.set_faults(Faults(ids={"waf": [f"tmdb:{mids[0]}"]}))
    assert api(tmdb, f"movie/{mids[0]}")[0] == 200
    stats = tmdb.stats()
    assert stats["tmdb_faults"] == dict.fromkeys(kinds, 1)
    assert stats["faults"] == {}  # the IMDb side's counter


def test_tmdb_truncate_reset_slow_and_find_faults(tmdb):
    u = tmdb.universe
    t_id, r_id, s_id = (u.tmdb_id_of(k) for k in (80, 81, 82))
    tt = u.id_of(first_index(u, lambda i: u.tmdb_imdb_id(i) is not None))
    tmdb.set_faults(
        Faults(ids={"truncate": [f"tmdb:{t_id}"], "reset": [f"tmdb:{r_id}"],
                    "slow": [f"tmdb:{s_id}"], "status503": [tt]}, slow_seconds=0.3)
    )  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", tmdb.port, timeout=10)
    conn.request("GET", f"/3/movie/{t_id}?api_key={KEY}")
    resp = conn.getresponse()
    declared = int(resp.getheader("content-length"))
    with pytest.raises(http.client.IncompleteRead) as err:
        resp.read()
    assert 0 < len(err.value.partial) < declared
    conn.close()
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(tmdb, f"/3/movie/{r_id}?api_key={KEY}")
    started = time.monotonic()
    status, _, doc = api(tmdb, f"movie/{s_id}")
    assert status == 200 and doc["id"] == s_id and time.monotonic() - started >= 0.3
    assert api(tmdb, f"find/{tt}", external_source="imdb_id")[0] == 503
    assert tmdb.stats()["tmdb_faults"] == {"truncate": 1, "reset": 1, "slow": 1, "status503": 1}


def test_tmdb_fault_rates_are_reproducible(tmdb):
    u = tmdb.universe
    mids = [u.tmdb_id_of(k) for k in range(300, 360)]
    tmdb.set_faults(Faults(rates={"badjson": 0.2, "status503": 0.2}))

    def run():
        tmdb.reset_stats()
        return [get(tmdb, f"/3/movie/{m}?api_key={KEY}")[0:3:2] for m in mids]

    first, second = run(), run()
    assert first == second  # same seed, kind, path and fetch count -> same fault
    codes = [s for s, _ in first]
    bad = sum(1 for s, b in first if s == 200 and not b.endswith(b"}"))
    assert 3 <= codes.count(503) <= 25 and 3 <= bad <= 25
    assert tmdb.stats()["tmdb_faults"] == {"badjson": bad, "status503": codes.count(503)}
    third = [get(tmdb, f"/3/movie/{m}?api_key={KEY}")[0:3:2] for m in mids]
    assert third != first  # the next fetch of each path is a fresh draw


def test_fault_ids_are_validated():
    with pytest.raises(ValueError, match=r"invalid id 'tmdb603'.*tmdb:603"):
        Faults(ids={"status401": ["tmdb603"]})
    assert set(TMDB_FAULT_KINDS) >= {"status401", "badjson", "reset", "status429", "slow"}


def test_stats_count_fetches_per_movie(tmdb):
    u = tmdb.universe
    a, b = u.tmdb_id_of(5), u.tmdb_id_of(6)
    api(tmdb, f"movie/{a}", append_to_response="recommendations")
    api(tmdb, f"movie/{a}/recommendations", page=2)
    api(tmdb, f"movie/{b}")
    stats = tmdb.stats()
    assert stats["tmdb_fetches"] == {str(a): 2, str(b): 1}
    assert (stats["tmdb_movies_fetched"], stats["tmdb_movie_fetches"]) == (2, 3)
    assert "tmdb_fetches" not in tmdb.stats(detail=False)


# --- the id export ---------------------------------------------------------------------------


def test_id_export_covers_the_universe(tmdb):
    u = tmdb.universe
    status, headers, body = get(tmdb, "/p/exports/movie_ids_12_01_2026.json.gz")
    assert status == 200 and headers["content-type"] == "application/gzip"
    lines = [orjson.loads(x) for x in gzip.decompress(body).splitlines()]
    assert len(lines) == len(u)
    assert {x["id"] for x in lines} == {u.tmdb_id_of(i) for i in range(len(u))}
    first = lines[0]
    assert list(first) == ["adult", "id", "original_title", "popularity", "video"]
    assert isinstance(first["popularity"], float) and first["adult"] is False
    i = u.index_of_tmdb(first["id"])
    assert first["original_title"] == u.record(i).original_title
    # any day gives the same content; not a date: 404
    assert get(tmdb, "/p/exports/movie_ids_01_31_2025.json.gz")[2] == body
    assert get(tmdb, "/p/exports/movie_ids_13_01_2026.json.gz")[0] == 404
    assert get(tmdb, "/p/exports/tv_series_ids_12_01_2026.json.gz")[0] == 404
    assert tmdb.stats()["downloads"] == {"movie_ids.json.gz": 2}


# --- CLI -------------------------------------------------------------------------------------


def test_cli_help_documents_the_tmdb_and_dataset_flags():
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    for flag in ("--tmdb-key", "--tmdb-rate", "--dataset-rows", "--fault-status401",
                 "--fault-badjson", "tmdb:N", "/3/", "/datasets/", "/p/exports/"):  # fmt: skip
        assert flag in done.stdout, flag


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tmdb-rate", "-1"], "invalid TMDb rate '-1'"),
        (["--tmdb-key", ""], "invalid TMDb key ''"),
        (["--dataset-rows", "0"], "invalid dataset rows '0'"),
        (["--fault-badjson-ids", "603"], "invalid id '603'"),
    ],
)
def test_cli_rejects_bad_tmdb_flags(args, message):
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and message in done.stderr


def test_cli_serves_tmdb_with_its_key():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--titles", "300", "--small-pages",
         "--tmdb-key", "k3y", "--tmdb-rate", "0", "--fault-badjson-ids", "tmdb:1,tmdb:2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", line)
        assert m, line
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=10)
        u = build_universe(300, seed=1)
        mid = next(u.tmdb_id_of(i) for i in range(300) if u.tmdb_id_of(i) > 2)
        conn.request("GET", f"/3/movie/{mid}?api_key=sandbox")
        resp = conn.getresponse()
        assert resp.status == 401
        resp.read()
        conn.request("GET", f"/3/movie/{mid}?api_key=k3y")
        resp = conn.getresponse()
        assert resp.status == 200 and orjson.loads(resp.read())["id"] == mid
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        proc.stdout.close()
        proc.stderr.close()


def test_bad_tmdb_settings_are_refused(sandbox_universe):
    with pytest.raises(ValueError, match=r"invalid TMDb rate -1: expecting >= 0"):
        Sandbox(sandbox_universe, tmdb_rate=-1)
    with pytest.raises(ValueError, match="invalid TMDb key ''"):
        Sandbox(sandbox_universe, tmdb_key="")
