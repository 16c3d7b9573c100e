"""A rating trains on its paper's text whenever the text is known, and never removes evidence.

Run against both profile stores: the SQLite store (a real file in tmp_path) and the plain files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.config import LearningSettings
from papersift.models import Announcement, Listing, Paper
from papersift.profile import Example, FileProfileStore, ProfileStore, Rating
from papersift.rank.learned import build_training_set
from papersift.store import Store
from papersift.store.profiles import SqliteProfileStore

TODAY = dt.date(2026, 3, 20)
AT = dt.datetime(2026, 3, 19, 9, 0, tzinfo=dt.UTC)


def _paper(number: int, version: int = 1, topic: str = "dust in protoplanetary discs") -> Paper:
    return Paper(
        id=f"2603.{number:05d}",
        version=version,
        title=f"On {topic}, version {version}",
        authors=("A. Author",),
        abstract=f"We study {topic} (version {version}).",
        categories=("astro-ph.EP",),
    )


@pytest.fixture(params=["sqlite", "files"])
def profiles(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProfileStore]:
    if request.param == "files":
        yield FileProfileStore(tmp_path / "profiles")
        return
    with Store.open(tmp_path / "papersift.sqlite3") as store:
        yield SqliteProfileStore(store)


def test_a_rating_without_text_trains_on_the_judged_paper(profiles: ProfileStore) -> None:
    """Rated before its text was known, then judged in a run: the rating's label wins and the
    paper still trains, once, with the judged text."""
    profiles.save_rating("reader", Rating("2603.00001", "dislike", AT))
    assert [r.paper for r in profiles.load_ratings("reader")] == [None]

    judged = [Example(_paper(1), TODAY, 9.0), Example(_paper(2), TODAY, 2.0)]
    profiles.save_examples("reader", judged)
    training = build_training_set(
        profiles.load_examples("reader"),
        profiles.load_ratings("reader"),
        LearningSettings(),
        TODAY,
    )
    ids = [p.id for p in training.papers]
    assert sorted(ids) == ["2603.00001", "2603.00002"]
    rated = ids.index("2603.00001")
    assert training.labels[rated] == 0  # the dislike, not the judge's 9
    assert training.papers[rated].title == "On dust in protoplanetary discs, version 1"
    assert training.weights[rated] == pytest.approx(
        LearningSettings().rating_weight * 0.5 ** (1 / 90)
    )
    assert (training.history.ratings, training.history.positives) == (1, 0)


def test_a_rating_with_no_known_text_removes_nothing(profiles: ProfileStore) -> None:
    profiles.save_rating("reader", Rating("2603.00009", "like", AT))
    profiles.save_examples("reader", [Example(_paper(1), TODAY, 9.0)])
    training = build_training_set(
        profiles.load_examples("reader"),
        profiles.load_ratings("reader"),
        LearningSettings(),
        TODAY,
    )
    assert [p.id for p in training.papers] == ["2603.00001"]
    assert training.labels == [1]
    assert training.history.ratings == 0


def test_the_database_gives_a_rating_the_latest_known_version(tmp_path: Path) -> None:
    with Store.open(tmp_path / "papersift.sqlite3") as store:
        profiles = SqliteProfileStore(store)
        profiles.save_rating("reader", Rating("2603.00001", "like", AT))
        # The paper comes in a run's listing afterwards, in two versions.
        for version in (1, 2):
            paper = _paper(1, version)
            store.save_listing(
                Listing(
                    TODAY,
                    ["file"],
                    {paper.id: paper},
                    [Announcement(paper.id, TODAY, "astro-ph.EP", "new", "file", version)],
                )
            )
        (rating,) = profiles.load_ratings("reader")
    assert rating.paper is not None
    assert (rating.paper.id, rating.paper.version) == ("2603.00001", 2)
    assert rating.paper.title == "On dust in protoplanetary discs, version 2"


def test_a_rating_keeps_the_version_it_was_given(tmp_path: Path) -> None:
    with Store.open(tmp_path / "papersift.sqlite3") as store:
        profiles = SqliteProfileStore(store)
        profiles.save_rating("reader", Rating("2603.00001", "save", AT, paper=_paper(1, 1)))
        profiles.save_examples("reader", [Example(_paper(1, 3), TODAY, 4.0)])
        (rating,) = profiles.load_ratings("reader")
    assert rating.paper is not None and rating.paper.version == 1


def _config(tmp_path: Path, interests: Path, *, files: bool) -> Path:
    path = tmp_path / "papersift.toml"
    text = (
        f"[profile]\nname = 'reader'\ninterests = '{interests}'\n"
        f"[output]\ndir = '{tmp_path / 'out'}'\n"
        f"[store]\npath = '{tmp_path / 'papersift.sqlite3'}'\n"
    )
    if files:
        text += f"[learning]\ndir = '{tmp_path / 'profiles'}'\n"
    path.write_text(text)
    return path


@pytest.mark.parametrize("files", [False, True], ids=["sqlite", "files"])
def test_rate_finds_the_text_in_the_database_a_run_wrote(
    tmp_path: Path, starter_interests: Path, files: bool
) -> None:
    config = _config(tmp_path, starter_interests, files=files)
    paper = _paper(7, 2)
    with Store.open(tmp_path / "papersift.sqlite3") as store:
        store.save_listing(
            Listing(
                TODAY,
                ["file"],
                {paper.id: paper},
                [Announcement(paper.id, TODAY, "astro-ph.EP", "new", "file", 2)],
            )
        )
    done = CliRunner().invoke(main, ["rate", paper.id, "like", "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"Rated {paper.id} like for profile 'reader'."
    if files:
        ratings = FileProfileStore(tmp_path / "profiles").load_ratings("reader")
    else:
        with Store.open(tmp_path / "papersift.sqlite3") as store:
            ratings = SqliteProfileStore(store).load_ratings("reader")
    assert [r.paper for r in ratings] == [paper]


def test_rate_says_how_to_make_unknown_text_known(tmp_path: Path, starter_interests: Path) -> None:
    config = _config(tmp_path, starter_interests, files=False)
    done = CliRunner().invoke(main, ["rate", "2603.00042", "like", "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert "Rated 2603.00042 like" in done.output
    assert "its text is not known yet" in done.output
    assert "papersift seed --ids FILE" in done.output and "judged in a run" in done.output
