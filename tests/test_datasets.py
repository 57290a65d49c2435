"""IMDb's dataset files into a real crawl database: ``python -m imdb_spider.datasets`` as a
subprocess over gzip'd TSVs this module writes in IMDb's format, then the store's reading
(``title_record``, ``titles()``, ``python -m imdb_spider.store DB --title``)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from imdb_spider.datasets import HEADERS, kind_of
from imdb_spider.pages import MLT_LISTED, TitleRecord
from imdb_spider.store import Store

from .conftest import FIXTURES, ROOT

# IMDb's headers for the two files the fixtures hold no sample of (from IMDb's dataset page).
CREW_HEADER = "tconst\tdirectors\twriters"
NAMES_HEADER = "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles"


def record(tt: str, recs: list[str], **fields) -> TitleRecord:
    values = {"title": f"Page title {tt}", "page_generation": "nextjs"} | fields
    return TitleRecord(
        id=tt,
        recommendations=recs,
        recommendation_types=[None] * len(recs),
        recommendations_state=MLT_LISTED if recs else "absent",
        **values,
    )


def header_of(sample: str) -> str:
    return (FIXTURES / sample).read_text(encoding="utf-8").splitlines()[0]


def sample_rows(sample: str) -> list[str]:
    """The real rows of a sample file: titles the crawl does not know, as padding."""
    return (FIXTURES / sample).read_text(encoding="utf-8").splitlines()[1:]


# The crawl: an IMDb page (The Matrix), a TMDb answer (Shawshank, TMDb id 278), a TMDb-only
# title, a merged id (tt0389999 -> Spirited Away), titles only recommended (tt0234215,
# tt0242653) and one only in TMDb's frontier (tt0068646).
def build_crawl(path: Path) -> None:
    with Store(path) as store:
        store.save_page(
            record(
                "tt0133093",
                ["tt0234215", "tt0111161"],
                year=1998,
                rating=8.6,
                votes=2_000_000,
                runtime_minutes=130,
                title_type="movie",
                genres=["Action"],
                directors=["L. Wachowski (page)"],
                director_ids=["nm0905154"],
                countries=["United States"],
                plot="A hacker learns.",
            ),
            requested_id="tt0133093",
            depth=0,
            follow=["tt0234215", "tt0111161"],
        )
        store.save_page(
            record(
                "tt0111161",
                ["tt0242653", "tt0068646"],
                year=1994,
                rating=8.7,
                votes=27_000,
                genres=["Drama", "Crime"],
                tmdb_id=278,
                plot="Two imprisoned men bond.",
            ),
            requested_id="tt0111161",
            depth=0,
            follow=["tt0068646"],
            origin="tmdb",
        )
        store.save_page(
            record("tmdb:999001", ["tt0133093"], year=2030, tmdb_id=999001),
            requested_id="tmdb:999001",
            depth=1,
            origin="tmdb",
        )
        store.save_page(
            record("tt0245429", [], year=2001, title_type="movie"),
            requested_id="tt0389999",
            depth=1,
        )


# The dataset rows of the crawl's titles, cell by cell as IMDb writes them.
BASICS = {
    "tt0133093": "movie\tThe Matrix\tThe Matrix\t0\t1999\t\\N\t136\tAction,Sci-Fi",
    "tt0111161": "movie\tThe Shawshank Redemption\tThe Shawshank Redemption\t0\t1994\t\\N\t142\t"
    "Drama",
    "tt0234215": "movie\tThe Matrix Reloaded\tThe Matrix Reloaded\t0\t2003\t\\N\t138\t"
    "Action,Sci-Fi",
    "tt0242653": "movie\tThe Matrix Revolutions\tThe Matrix Revolutions\t0\t2003\t\\N\t129\t\\N",
    "tt0068646": "movie\tThe Godfather\tThe Godfather\t0\t1972\t\\N\t175\tCrime,Drama",
    # The merged id's row: it belongs to the surviving title, which has none of its own.
    "tt0389999": "movie\tSpirited Away\tSen to Chihiro no kamikakushi\t0\t2001\t\\N\t125\t"
    "Animation,Adventure,Family",
}
RATINGS = {
    "tt0133093": "8.7\t2212345",
    "tt0111161": "9.3\t3012345",
    "tt0234215": "7.2\t661234",
    "tt0389999": "8.6\t912345",
}
CREW = {
    "tt0133093": "nm0905154,nm0905152\tnm0905152,nm0905154",
    "tt0111161": "nm0001104\tnm0000175,nm0001104",
    "tt0234215": "nm0905154,nm0905152\t\\N",
    "tt0068646": "nm0000338\tnm0701374",
    "tt0389999": "nm0594503\tnm0594503",
}
NAMES = {
    "nm0905154": "Lana Wachowski\t1965\t\\N\tdirector,writer\ttt0133093",
    "nm0905152": "Lilly Wachowski\t1967\t\\N\tdirector,writer\ttt0133093",
    "nm0001104": "Frank Darabont\t1959\t\\N\tdirector,writer\ttt0111161",
    "nm0000338": "Francis Ford Coppola\t1939\t\\N\tdirector,producer\ttt0068646",
    "nm0594503": "Hayao Miyazaki\t1941\t\\N\tdirector,writer\ttt0245429",
    "nm0000175": "Stephen King\t1947\t\\N\twriter\ttt0111161",
}

PADDING_BASICS = sample_rows("imdb_dataset_title.basics.sample.tsv")
PADDING_RATINGS = sample_rows("imdb_dataset_title.ratings.sample.tsv")


def write_tsv(path: Path, header: str, rows: list[str]) -> Path:
    text = "\n".join([header, *rows]) + "\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
            out.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def write_datasets(folder: Path, *, gz: bool = True, extra: dict[str, list[str]] | None = None):
    """The four files, the crawl's rows among real padding rows, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".tsv.gz" if gz else ".tsv"
    extra = extra or {}
    basics = [f"{k}\t{v}" for k, v in BASICS.items()]
    ratings = [f"{k}\t{v}" for k, v in RATINGS.items()]
    crew = [f"{k}\t{v}" for k, v in CREW.items()]
    names = [f"{k}\t{v}" for k, v in NAMES.items()]
    return [
        write_tsv(
            folder / f"title.basics{ext}",
            header_of("imdb_dataset_title.basics.sample.tsv"),
            PADDING_BASICS[:3] + basics + PADDING_BASICS[3:] + extra.get("basics", []),
        ),
        write_tsv(
            folder / f"title.ratings{ext}",
            header_of("imdb_dataset_title.ratings.sample.tsv"),
            PADDING_RATINGS + ratings + extra.get("ratings", []),
        ),
        write_tsv(
            folder / f"title.crew{ext}",
            CREW_HEADER,
            ["tt0000001\tnm0005690\t\\N", *crew, *extra.get("crew", [])],
        ),
        write_tsv(
            folder / f"name.basics{ext}",
            NAMES_HEADER,
            ["nm0005690\tWilliam K.L. Dickson\t1860\t1935\tdirector\ttt0000001", *names],
        ),
    ]


def load(db: Path, *paths: Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "imdb_spider.datasets", "--db", str(db), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == expect, result.stderr
    return result


def expected_rows() -> list[dict]:
    """The dataset_titles rows the TSV rows above must give, derived from their cells."""
    survivors = {"tt0389999": "tt0245429"}
    null = lambda v: None if v == "\\N" else v  # noqa: E731
    rows: dict[str, dict] = {}
    for tt, line in BASICS.items():
        kind, primary, original, _, start, end, runtime, genres = line.split("\t")
        rows[survivors.get(tt, tt)] = {
            "title": primary,
            "original_title": original,
            "title_type": kind,
            "year": int(start),
            "end_year": None if null(end) is None else int(end),
            "runtime_minutes": int(runtime),
            "genres": None if null(genres) is None else genres.split(","),
        }
    for tt, line in RATINGS.items():
        rating, votes = line.split("\t")
        rows[survivors.get(tt, tt)] |= {"rating": float(rating), "votes": int(votes)}
    for tt, line in CREW.items():
        ids = line.split("\t")[0].split(",")
        rows[survivors.get(tt, tt)] |= {
            "directors": [NAMES[nm].split("\t")[0] for nm in ids],
            "director_ids": ids,
        }
    keys = ("rating", "votes", "directors", "director_ids")
    return [{"id": tt} | dict.fromkeys(keys) | row for tt, row in sorted(rows.items())]


@pytest.fixture
def crawl(tmp_path: Path) -> Path:
    db = tmp_path / "crawl.sqlite"
    build_crawl(db)
    return db


def dataset_rows(db: Path) -> list[dict]:
    with Store(db, create=False) as store:
        return list(store.dataset_rows())


def test_test_files_have_imdbs_headers() -> None:
    # The samples are real files from IMDb: the loader's headers must be theirs.
    for kind, sample in (
        ("title.basics", "imdb_dataset_title.basics.sample.tsv"),
        ("title.ratings", "imdb_dataset_title.ratings.sample.tsv"),
    ):
        assert header_of(sample) == "\t".join(HEADERS[kind])
        assert kind_of(FIXTURES / sample) == kind
    assert "\t".join(HEADERS["title.crew"]) == CREW_HEADER
    assert "\t".join(HEADERS["name.basics"]) == NAMES_HEADER


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("title.basics.tsv.gz", "title.basics"),
        ("name.basics.tsv", "name.basics"),
        ("2026-12-01.title.crew.tsv.gz", "title.crew"),
        ("title.akas.tsv.gz", "title.akas"),
        ("title.basics.csv", None),
        ("subtitle.basics.tsv", None),
        ("poster.png", None),
    ],
)
def test_files_are_recognised_by_name(name: str, kind: str | None) -> None:
    assert kind_of(Path(name)) == kind


def test_values_equal_the_rows_for_every_title_the_crawl_knows(crawl: Path, tmp_path: Path) -> None:
    files = write_datasets(tmp_path / "datasets")
    result = load(crawl, *files)
    assert dataset_rows(crawl) == expected_rows()
    # Recommended-only and frontier-only titles are filled; padding rows and the TMDb-only
    # title are not.
    ids = {row["id"] for row in dataset_rows(crawl)}
    assert {"tt0234215", "tt0242653", "tt0068646"} <= ids
    assert "tt0000001" not in ids
    assert not any(i.startswith("tmdb:") or i == "tt0389999" for i in ids)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{files[0]}: {len(PADDING_BASICS) + len(BASICS):,} rows read")
    assert lines[0].endswith(f"{len(BASICS):,} kept, 0 bad")
    assert f"6 of the 6 IMDb titles {crawl} knows filled, 0 bad rows skipped" in result.stdout


def test_a_rerun_is_idempotent_and_plain_tsv_folders_give_the_same_rows(
    crawl: Path, tmp_path: Path
) -> None:
    load(crawl, *write_datasets(tmp_path / "gz"))
    first = dataset_rows(crawl)
    load(crawl, tmp_path / "gz")  # the folder, the same files
    assert dataset_rows(crawl) == first
    write_datasets(tmp_path / "plain", gz=False)
    load(crawl, tmp_path / "plain")
    assert dataset_rows(crawl) == first == expected_rows()


def test_a_folder_skips_imdbs_unused_files_and_other_names(crawl: Path, tmp_path: Path) -> None:
    folder = tmp_path / "datasets"
    write_datasets(folder)
    write_tsv(folder / "title.akas.tsv.gz", "titleId\tordering\ttitle", ["tt0133093\t1\tMatrix"])
    (folder / "notes.txt").write_text("downloaded 2026-12-01\n")
    result = load(crawl, folder)
    assert "title.akas is not used, skipped" in result.stderr
    assert dataset_rows(crawl) == expected_rows()


def test_one_file_alone_changes_only_its_columns(crawl: Path, tmp_path: Path) -> None:
    files = write_datasets(tmp_path / "datasets")
    load(crawl, *files)
    (tmp_path / "new").mkdir()
    ratings = write_tsv(
        tmp_path / "new" / "title.ratings.tsv.gz",
        header_of("imdb_dataset_title.ratings.sample.tsv"),
        ["tt0133093\t8.8\t2300000"],
    )
    load(crawl, ratings)
    rows = {row["id"]: row for row in dataset_rows(crawl)}
    expected = {row["id"]: row for row in expected_rows()}
    assert rows["tt0133093"] == expected["tt0133093"] | {"rating": 8.8, "votes": 2_300_000}
    # Titles the new ratings file does not list lose their rating: the file is the truth.
    assert rows["tt0111161"] == expected["tt0111161"] | {"rating": None, "votes": None}


def test_title_record_says_where_each_value_came_from(crawl: Path, tmp_path: Path) -> None:
    load(crawl, *write_datasets(tmp_path / "datasets"))
    with Store(crawl, create=False) as store:
        matrix = store.title_record("tt0133093")
        shawshank = store.title_record("tt0111161")
        reloaded = store.title_record("tt0234215")
        tmdb_only = store.title_record("tmdb:999001")
        merged = store.title_record("tt0389999")
        assert store.title_record("tt7777777") is None
    assert matrix is not None and shawshank is not None and reloaded is not None
    assert matrix["year"] == 1999 and matrix["runtime"] == 136
    assert matrix["directors"] == ["Lana Wachowski", "Lilly Wachowski"]
    assert matrix["genres"] == ["Action", "Sci-Fi"] and matrix["rating"] == 8.7
    # Every field the datasets have comes from them; a film has no end year anywhere.
    assert matrix["sources"] == {
        field: None if field == "end_year" else "imdb-datasets" for field in matrix["sources"]
    }
    assert len(matrix["sources"]) == 10
    assert set(matrix["fetched"]) == {"imdb", "imdb-datasets"}
    # TMDb's answer lacks nothing the datasets give here, so the page is never the source...
    assert shawshank["tmdb_id"] == 278 and set(shawshank["fetched"]) == {"tmdb", "imdb-datasets"}
    assert shawshank["votes"] == 3_012_345 and shawshank["sources"]["votes"] == "imdb-datasets"
    # ...and a title only recommended has the datasets alone.
    assert reloaded["title"] == "The Matrix Reloaded" and reloaded["tmdb_id"] is None
    assert set(reloaded["fetched"]) == {"imdb-datasets"}
    # The TMDb-only title has its page's values, from TMDb.
    assert tmdb_only is not None and tmdb_only["year"] == 2030
    assert tmdb_only["sources"]["year"] == "tmdb" and tmdb_only["sources"]["rating"] is None
    assert merged is not None and merged["id"] == "tt0245429"
    assert merged["original_title"] == "Sen to Chihiro no kamikakushi"
    assert merged["directors"] == ["Hayao Miyazaki"]


def test_page_values_fill_what_the_datasets_lack(crawl: Path, tmp_path: Path) -> None:
    # Only ratings loaded: the year and directors stay the page's, and say so.
    folder = tmp_path / "ratings"
    folder.mkdir()
    ratings = write_tsv(
        folder / "title.ratings.tsv",
        header_of("imdb_dataset_title.ratings.sample.tsv"),
        ["tt0133093\t8.7\t2212345", "tt0111161\t9.3\t3012345"],
    )
    load(crawl, ratings)
    with Store(crawl, create=False) as store:
        matrix = store.title_record("tt0133093")
        shawshank = store.title_record("tt0111161")
    assert matrix is not None and shawshank is not None
    assert (matrix["year"], matrix["sources"]["year"]) == (1998, "imdb")
    assert matrix["directors"] == ["L. Wachowski (page)"]
    assert matrix["sources"]["directors"] == "imdb"
    assert (matrix["rating"], matrix["sources"]["rating"]) == (8.7, "imdb-datasets")
    assert (shawshank["genres"], shawshank["sources"]["genres"]) == (["Drama", "Crime"], "tmdb")
    assert shawshank["sources"]["runtime"] is None


def test_titles_for_the_exporters_prefer_dataset_values(crawl: Path, tmp_path: Path) -> None:
    with Store(crawl, create=False) as store:
        before = {t["id"]: t for t in store.titles()}
    load(crawl, *write_datasets(tmp_path / "datasets"))
    with Store(crawl, create=False) as store:
        after = {t["id"]: t for t in store.titles()}
    # The same titles (stored ones only), the same keys in the same order.
    assert list(after) == list(before)
    assert [list(t) for t in after.values()] == [list(t) for t in before.values()]
    assert after["tt0133093"] | {"plot": None} == before["tt0133093"] | {
        "title": "The Matrix",
        "original_title": "The Matrix",
        "year": 1999,
        "rating": 8.7,
        "votes": 2_212_345,
        "runtime_minutes": 136,
        "genres": ["Action", "Sci-Fi"],
        "directors": ["Lana Wachowski", "Lilly Wachowski"],
        "plot": None,
    }
    assert after["tt0133093"]["countries"] == ["United States"]  # no dataset has countries
    assert after["tt0111161"]["runtime_minutes"] == 142
    assert after["tmdb:999001"] == before["tmdb:999001"]


def test_bad_rows_are_counted_skipped_and_shown_with_file_and_line(
    crawl: Path, tmp_path: Path
) -> None:
    extra = {
        "basics": [
            "tt0133093\tmovie\tThe Matrix",  # wrong column count
            "tt0234215\tmovie\tReloaded\tReloaded\t0\t2003a\t\\N\t138\tAction",
        ],
        "ratings": ["tt0242653\tabc\t12", "tt0068646\t9.2\t1.5"],
    }
    files = write_datasets(tmp_path / "datasets", extra=extra)
    result = load(crawl, *files)
    basics_lines = len(PADDING_BASICS) + len(BASICS) + 1  # + the header
    ratings_lines = len(PADDING_RATINGS) + len(RATINGS) + 1
    assert "4 bad rows skipped" in result.stdout
    assert f"{files[0]}:{basics_lines + 1}: 3 columns, expected 9" in result.stdout
    assert f"{files[0]}:{basics_lines + 2}: startYear '2003a' is not a whole number" in (
        result.stdout
    )
    assert f"{files[1]}:{ratings_lines + 1}: averageRating 'abc' is not a number" in result.stdout
    assert f"{files[1]}:{ratings_lines + 2}: numVotes '1.5' is not a whole number" in result.stdout
    # The good rows of the same titles are kept (a bad row later in a file changes nothing).
    assert dataset_rows(crawl) == expected_rows()


def test_progress_lines_on_stderr(crawl: Path, tmp_path: Path) -> None:
    files = write_datasets(tmp_path / "datasets")
    result = subprocess.run(
        [sys.executable, "-m", "imdb_spider.datasets", "--db", str(crawl),
         "--progress-interval", "0.000001", *map(str, files)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=True,
    )  # fmt: skip
    assert "title.basics.tsv.gz: " in result.stderr and " rows/s" in result.stderr


def _png(path: Path) -> Path:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    return path


def _gz_png(path: Path) -> Path:
    path.write_bytes(gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40))
    return path


def _other_tsv(path: Path) -> Path:
    return write_tsv(path, "titleId\tordering\ttitle\tregion", ["tt0133093\t1\tMatrix\tUS"])


def _truncated(path: Path) -> Path:
    rows = [f"tt{i:07d}\tnm1\tnm2" for i in range(5000)]
    data = gzip.compress("\n".join([CREW_HEADER, *rows]).encode())
    path.write_bytes(data[: len(data) // 2])
    return path


def _plain_named_gz(path: Path) -> Path:
    return write_tsv(path.with_suffix(".tmp"), CREW_HEADER, ["tt0133093\tnm1\t\\N"]).rename(path)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("title.basics.tsv", _png, r"not IMDb's title\.basics\.tsv: its first line is b'\\x89PNG"),
        ("title.basics.tsv.gz", _gz_png, r"not IMDb's title\.basics\.tsv\.gz: its first line"),
        ("title.ratings.tsv.gz", _other_tsv, r"expected the header 'tconst\\taverageRating"),
        ("title.crew.tsv.gz", _truncated, r"not a readable IMDb's title\.crew\.tsv\.gz \("),
        ("title.crew.tsv.gz", _plain_named_gz, r"not a readable IMDb's title\.crew\.tsv\.gz"),
        ("poster.png", _png, r"not a name of IMDb's dataset files \(expected one of"),
    ],
)
def test_a_wrong_file_is_a_one_line_error_and_changes_nothing(
    crawl: Path, tmp_path: Path, name: str, make, message: str
) -> None:
    good = tmp_path / "good"
    files = write_datasets(good)
    load(crawl, *files)
    before = dataset_rows(crawl)
    # A later load with new ratings and one wrong file: nothing of it is written.
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    wrong = make(bad_dir / name)
    by_kind = {kind_of(f): f for f in files}
    if kind_of(wrong) in by_kind:
        del by_kind[kind_of(wrong)]
    (bad_dir / "ratings").mkdir()
    new_ratings = write_tsv(
        bad_dir / "ratings" / "title.ratings.tsv",
        header_of("imdb_dataset_title.ratings.sample.tsv"),
        ["tt0133093\t1.0\t1"],
    )
    given = [f for k, f in by_kind.items() if k != "title.ratings"]
    if kind_of(wrong) != "title.ratings":
        given.append(new_ratings)
    result = load(crawl, *given, wrong, expect=2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {wrong}: ")
    assert re.search(message, lines[0]), lines[0]
    assert dataset_rows(crawl) == before


def test_crew_without_names_is_refused(crawl: Path, tmp_path: Path) -> None:
    files = write_datasets(tmp_path / "datasets")
    result = load(crawl, files[0], files[2], expect=2)
    assert "title.crew and name.basics go together" in result.stderr
    assert dataset_rows(crawl) == []


def test_an_empty_database_says_so(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite"
    Store(db).close()
    result = load(db, *write_datasets(tmp_path / "datasets"), expect=1)
    assert "knows no IMDb title id: nothing to fill" in result.stderr


def test_a_missing_database_or_file_is_an_error(crawl: Path, tmp_path: Path) -> None:
    files = write_datasets(tmp_path / "datasets")
    result = load(tmp_path / "nope.sqlite", *files, expect=2)
    assert result.stderr.strip() == f"error: no crawl database at {tmp_path / 'nope.sqlite'}"
    result = load(crawl, tmp_path / "missing.tsv.gz", expect=2)
    assert "missing.tsv.gz: no such file or directory" in result.stderr


def store_cli(db: Path, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "imdb_spider.store", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert result.returncode == expect, result.stderr
    return result


def test_store_cli_prints_one_title_with_its_sources(crawl: Path, tmp_path: Path) -> None:
    load(crawl, *write_datasets(tmp_path / "datasets"))
    shown = json.loads(store_cli(crawl, "--title", "tt0111161").stdout)
    assert list(shown) == [
        "id", "title", "original_title", "year", "end_year", "runtime", "type", "rating",
        "votes", "genres", "directors", "tmdb_id", "sources", "fetched",
    ]  # fmt: skip
    assert shown["id"] == "tt0111161" and shown["tmdb_id"] == 278
    assert shown["directors"] == ["Frank Darabont"]
    assert shown["sources"]["directors"] == "imdb-datasets"
    assert shown["fetched"]["tmdb"].endswith("+00:00")
    merged = store_cli(crawl, "--title", "tt0389999")
    assert json.loads(merged.stdout)["id"] == "tt0245429"
    assert "tt0389999 was merged into tt0245429" in merged.stderr
    unknown = store_cli(crawl, "--title", "tt7777777", expect=1)
    assert unknown.stderr.strip() == f"error: tt7777777 is not a title of {crawl}"
    assert unknown.stdout == ""


def test_the_help_explains() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "imdb_spider.datasets", "--help"],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    assert "title.basics" in result.stdout and "one transaction" in result.stdout


def test_the_exporters_graph_shows_imdbs_values_for_a_tmdb_title(
    crawl: Path, tmp_path: Path
) -> None:
    from exporters.graph import load_graph

    load(crawl, *write_datasets(tmp_path / "datasets"))
    graph = load_graph(crawl)
    node = graph.ids.index("tt0111161")  # fetched from TMDb only
    assert graph.ratings[node] == 9.3 and graph.votes[node] == 3_012_345
    assert graph.directors[node] == ["Frank Darabont"]
    assert graph.genres[node] == ["Drama"] and graph.title_types[node] == "movie"
