"""The sandbox's IMDb dataset files: IMDb's columns, the universe's values (read back with
pandas), determinism, padding to a row count, and the download routes, against a real server
on 127.0.0.1."""

from __future__ import annotations

import csv
import gzip
import http.client
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sandbox import DATASET_FILES, Sandbox
from sandbox.datasets import HEADERS, MAX_GENRES, pad_counts, write_dataset

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "fixtures" / "imdb"


def get(sb: Sandbox, target: str, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=120)
    try:
        conn.request(method, target)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def read_tsv(data: bytes) -> pd.DataFrame:
    """IMDb's files as their documentation says to read them: tab-separated, no quoting,
    ``\\N`` for null."""
    return pd.read_csv(
        io.BytesIO(gzip.decompress(data)),
        sep="\t",
        quoting=csv.QUOTE_NONE,
        dtype=str,
        na_values=["\\N"],
        keep_default_na=False,
    )


@pytest.fixture(scope="module")
def files(sandbox_session):
    """Every dataset file as served by the session sandbox (name -> bytes)."""
    out = {}
    for name in DATASET_FILES:
        status, headers, body = get(sandbox_session, f"/datasets/{name}")
        assert status == 200 and headers["content-type"] == "application/gzip"
        out[name] = body
    return out


def test_headers_are_imdbs(files):
    for name in ("title.basics", "title.ratings"):
        sample = (SAMPLES / f"imdb_dataset_{name}.sample.tsv").read_text().split("\n", 1)[0]
        assert tuple(sample.split("\t")) == HEADERS[f"{name}.tsv.gz"]
    for name, data in files.items():
        assert gzip.decompress(data).split(b"\n", 1)[0].decode().split("\t") == list(HEADERS[name])


def test_title_basics_equals_the_universe(files, sandbox_universe):
    u = sandbox_universe
    df = read_tsv(files["title.basics.tsv.gz"])
    assert len(df) == len(u) and list(df["tconst"]) == [u.id_of(i) for i in range(len(u))]
    assert not df["tconst"].isin(list(u.aliases)).any()  # merged ids are absent
    for row in df.itertuples(index=False):
        t = u.record(row.tconst)
        assert row.titleType == t.title_type
        assert (row.primaryTitle, row.originalTitle) == (t.title, t.original_title)
        assert row.isAdult == "0" and int(row.startYear) == t.year
        assert (None if pd.isna(row.endYear) else int(row.endYear)) == t.end_year
        assert (None if pd.isna(row.runtimeMinutes) else int(row.runtimeMinutes)) == (
            t.runtime_minutes
        )
        want = list(t.genres[:MAX_GENRES])
        assert (row.genres.split(",") if isinstance(row.genres, str) else []) == want


def test_ratings_crew_and_names_equal_the_universe(files, sandbox_universe):
    u = sandbox_universe
    ratings = read_tsv(files["title.ratings.tsv.gz"])
    rated = [u.record(i) for i in range(len(u)) if u.record(i).rating is not None]
    assert list(ratings["tconst"]) == [t.id for t in rated]
    assert [float(x) for x in ratings["averageRating"]] == [t.rating for t in rated]
    assert [int(x) for x in ratings["numVotes"]] == [t.votes for t in rated]

    crew = read_tsv(files["title.crew.tsv.gz"])
    assert len(crew) == len(u)
    names = read_tsv(files["name.basics.tsv.gz"]).set_index("nconst")
    people = {}
    for row in crew.itertuples(index=False):
        t = u.record(row.tconst)
        ids = row.directors.split(",") if isinstance(row.directors, str) else []
        assert ids == [d for d, _ in t.directors]
        people.update(t.directors)
        assert pd.isna(row.writers)
    assert set(names.index) == set(people)
    for nconst, name in people.items():
        assert names.loc[nconst, "primaryName"] == name
        known = names.loc[nconst, "knownForTitles"].split(",")
        assert 1 <= len(known) <= 4
        assert all(nconst in [d for d, _ in u.record(k).directors] for k in known)
    assert names["birthYear"].notna().all()


def test_akas_hold_original_and_display_titles(files, sandbox_universe):
    u = sandbox_universe
    akas = read_tsv(files["title.akas.tsv.gz"])
    assert len(akas) == 2 * len(u)
    original = akas[akas["isOriginalTitle"] == "1"]
    assert list(original["titleId"]) == [u.id_of(i) for i in range(len(u))]
    assert list(original["title"]) == [u.record(i).original_title for i in range(len(u))]
    assert set(original["types"]) == {"original"}
    display = akas[akas["isOriginalTitle"] == "0"]
    assert list(display["title"]) == [u.titles[i] for i in range(len(u))]


def test_files_are_deterministic(files, sandbox_universe, tmp_path):
    for name in ("title.basics.tsv.gz", "name.basics.tsv.gz"):
        write_dataset(sandbox_universe, name, tmp_path / name)
        assert (tmp_path / name).read_bytes() == files[name]


def test_download_routes(sandbox):
    status, headers, body = get(sandbox, "/datasets/title.ratings.tsv.gz", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 100
    for bad in ("/datasets/title.episode.tsv.gz", "/datasets/", "/datasets/x/title.basics.tsv.gz"):
        assert get(sandbox, bad)[0] == 404, bad
    assert sandbox.stats()["downloads"] == {"title.ratings.tsv.gz": 1}


def test_padding_to_a_row_count(sandbox_universe):
    u = sandbox_universe
    rows = 30_000  # past the universe in every file, so the proportions show
    with Sandbox(u, seed=1, small_pages=True, dataset_rows=rows) as sb:
        frames = {}
        for name in DATASET_FILES:
            status, _, body = get(sb, sb.dataset_url(name))
            assert status == 200
            frames[name] = read_tsv(body)
        cache_dir = sb.server.files.path("title.basics.tsv.gz").parent
        assert cache_dir.is_dir()
    assert not cache_dir.exists()  # the cache goes with the server
    pads = pad_counts(u, rows)
    basics = frames["title.basics.tsv.gz"]
    assert len(basics) == rows and len(frames["title.crew.tsv.gz"]) == rows
    n_rated = sum(1 for i in range(len(u)) if u.rating10[i])
    assert len(frames["title.ratings.tsv.gz"]) == n_rated + pads["title.ratings.tsv.gz"]
    assert len(frames["title.ratings.tsv.gz"]) == round(rows * 1.6 / 12)
    assert len(frames["name.basics.tsv.gz"]) == round(rows * 14 / 12)
    assert len(frames["title.akas.tsv.gz"]) == 2 * len(u) + (rows - len(u))
    for name, df in frames.items():
        key = df.columns[0]
        ids = list(df[key])
        if name != "title.akas.tsv.gz":
            assert len(set(ids)) == len(ids), name  # one row per id
        assert ids == sorted(ids), name  # by id, as IMDb's files
    padded = basics[~basics["tconst"].isin([u.id_of(i) for i in range(len(u))])]
    assert len(padded) == rows - len(u)
    assert padded["tconst"].str.fullmatch(r"tt[1-8]\d{7}").all()  # outside the sandbox's ids
    assert padded["titleType"].isin(["tvEpisode", "short", "movie", "video", "tvSeries",
                                     "tvMovie", "tvMiniSeries", "videoGame", "tvSpecial",
                                     "tvShort"]).all()  # fmt: skip
    # padded crew points at padded people
    crew = frames["title.crew.tsv.gz"]
    directors = {d for x in crew["directors"].dropna() for d in x.split(",")}
    assert directors <= set(frames["name.basics.tsv.gz"]["nconst"])


def test_padding_rejects_a_bad_row_count(sandbox_universe):
    with pytest.raises(ValueError, match="invalid dataset rows -5"):
        Sandbox(sandbox_universe, dataset_rows=-5)
    assert pad_counts(sandbox_universe, None) == dict.fromkeys(DATASET_FILES, 0)


def test_cli_writes_the_files(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sandbox.files", "--out", str(tmp_path), "--titles", "300",
         "--rows", "1000"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == str(tmp_path)
    for name in DATASET_FILES:
        assert (tmp_path / name).stat().st_size > 0
    basics = read_tsv((tmp_path / "title.basics.tsv.gz").read_bytes())
    assert len(basics) == 1000
    export = tmp_path / "movie_ids_01_01_2026.json.gz"
    assert len(gzip.decompress(export.read_bytes()).splitlines()) == 300
