"""Seed sources: lists, files, and IMDb's dataset dumps (the real sample files)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from imdb_spider.seeds import (
    SeedError,
    parse_seed_list,
    read_dataset,
    read_ratings,
    read_seeds_file,
    title_id,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tt0133093", "tt0133093"),
        ("https://www.imdb.com/title/tt0133093/", "tt0133093"),
        ("https://www.imdb.com/title/tt0133093/?ref_=tt_sims_tt_i_1", "tt0133093"),
        ("/title/tt0133093", "tt0133093"),
        ("http://m.imdb.com/title/tt10872600/reviews", "tt10872600"),
    ],
)
def test_title_ids_from_ids_and_urls(value: str, expected: str) -> None:
    assert title_id(value) == expected


@pytest.mark.parametrize("value", ["", "tt12", "https://www.imdb.com/name/nm0000206/", "matrix"])
def test_bad_seed_is_a_clear_error(value: str) -> None:
    with pytest.raises(SeedError, match="not an IMDb title id"):
        title_id(value)


def test_seed_list_dedupes_in_order() -> None:
    assert parse_seed_list("tt0133093,tt1392190, /title/tt0133093/ ") == ["tt0133093", "tt1392190"]


def test_seeds_file(tmp_path: Path) -> None:
    path = tmp_path / "seeds.txt"
    path.write_text("# favourites\ntt0133093\n\nhttps://www.imdb.com/title/tt1392190/  # Max\n")
    assert read_seeds_file(path) == ["tt0133093", "tt1392190"]
    path.write_text("tt0133093\nnonsense\n")
    with pytest.raises(SeedError, match=r"seeds.txt:2: not an IMDb title id"):
        read_seeds_file(path)
    with pytest.raises(SeedError, match="cannot read seeds file"):
        read_seeds_file(tmp_path / "missing.txt")


def test_dataset_filters_by_type_and_votes(fixtures_dir: Path, tmp_path: Path) -> None:
    basics = fixtures_dir / "imdb_dataset_title.basics.sample.tsv"
    ratings = fixtures_dir / "imdb_dataset_title.ratings.sample.tsv"
    assert list(read_dataset(basics, ["movie"])) == ["tt0000009"]
    shorts = list(read_dataset(basics, ["short"]))
    assert len(shorts) == 248
    popular = read_ratings(ratings, 1000)
    assert "tt0000001" in popular
    filtered = list(read_dataset(basics, ["short"], popular))
    assert 0 < len(filtered) < len(shorts)
    # Gzipped dumps stream the same.
    gz = tmp_path / "title.basics.tsv.gz"
    gz.write_bytes(gzip.compress(basics.read_bytes()))
    assert list(read_dataset(gz, ["short"], popular)) == filtered


def test_dataset_without_needed_columns(tmp_path: Path) -> None:
    path = tmp_path / "wrong.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(SeedError, match="lacks the column"):
        list(read_dataset(path))
