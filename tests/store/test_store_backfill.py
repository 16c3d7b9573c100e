"""``papersift backfill`` against a local arXiv API that answers submittedDate queries in Atom."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from store_helpers import EXAMPLES, write_config

from _fake_arxiv import serve_api
from papersift import calendar
from papersift.cli import main
from papersift.store import Store
from papersift.store.history import load_runs

EASTERN = calendar.EASTERN
FIRST = dt.datetime(2026, 5, 22, 14, 0, tzinfo=EASTERN)
LAST = dt.datetime(2026, 5, 27, 14, 0, tzinfo=EASTERN)
_WINDOW = re.compile(r"submittedDate:\[(\d{12}) TO (\d{12})\]")


class FakeArxivApi:
    """The demo day's real API entries, each given a submission time between FIRST and LAST."""

    def __init__(self) -> None:
        text = (EXAMPLES / "2026-05-26" / "api-query.atom.xml").read_text(encoding="utf-8")
        self.head = text[: text.index("<entry>")]
        bodies = re.findall(r"<entry>.*?</entry>", text, flags=re.DOTALL)
        step = (LAST - FIRST) / len(bodies)
        self.entries: list[tuple[dt.datetime, str, str]] = []
        for index, body in enumerate(bodies):
            submitted = (FIRST + index * step).astimezone(dt.UTC).replace(microsecond=0)
            stamp = submitted.strftime("%Y-%m-%dT%H:%M:%SZ")
            body = re.sub(r"<published>[^<]*</published>", f"<published>{stamp}</published>", body)
            body = re.sub(r"<updated>[^<]*</updated>", f"<updated>{stamp}</updated>", body)
            paper_id = re.search(r"<id>http://arxiv.org/abs/([^<]+?)v\d+</id>", body).group(1)
            self.entries.append((submitted, paper_id, body))
        self.requests: list[tuple[float, dict[str, list[str]]]] = []

    def answer(self, query: dict[str, list[str]]) -> bytes:
        start, end = (
            dt.datetime.strptime(part, "%Y%m%d%H%M").replace(tzinfo=dt.UTC)
            for part in _WINDOW.search(query["search_query"][0]).groups()
        )
        end += dt.timedelta(seconds=59)
        matching = [body for submitted, _, body in self.entries if start <= submitted <= end]
        offset, size = int(query["start"][0]), int(query["max_results"][0])
        page = matching[offset : offset + size]
        head = re.sub(
            r"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{len(matching)}", self.head
        )
        return (head + "\n".join(page) + "\n</feed>\n").encode()

    def ids_listed_on(self, day: dt.date) -> set[str]:
        return {
            pid for submitted, pid, _ in self.entries if calendar.announcement_day(submitted) == day
        }


@pytest.fixture
def arxiv_api() -> Iterator[tuple[str, FakeArxivApi]]:
    api = FakeArxivApi()

    def answer(query: dict[str, list[str]]) -> bytes:
        api.requests.append((time.monotonic(), query))
        return api.answer(query)

    with serve_api(answer) as url:
        yield url, api


def _api_config(folder: Path, url: str, extra: str) -> Path:
    """The test config reading the local API, with ``extra`` lines in its [sources]."""
    config = write_config(folder)
    text = config.read_text().replace(
        '[sources]\ncategories = ["cs.LG", "cs.AI"]\n',
        f'[sources]\nkind = "api"\ncategories = ["cs.LG", "cs.AI"]\napi_url = "{url}"\n{extra}',
    )
    config.write_text(text)
    return config


def test_backfill_fills_missing_days_from_the_api(tmp_path: Path, arxiv_api) -> None:
    url, api = arxiv_api
    config = _api_config(tmp_path, url, "api_delay = 3.0\n")
    db = tmp_path / "papersift.sqlite3"
    runner = CliRunner()
    base = ["--db", str(db)]

    # 2026-05-27 already has its digest, made from the API like any other day.
    done = runner.invoke(main, [*base, "run", "--config", str(config), "--date", "2026-05-27"])
    assert done.exit_code == 0, done.output
    assert len(api.requests) == 1
    (tmp_path / "out" / "2026-05" / "2026-05-27.md").unlink()

    result = runner.invoke(
        main,
        [*base, "backfill", "--from", "2026-05-23", "--to", "2026-05-28", "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    assert "2026-05-27: already has a digest" in result.output
    assert "2026-05-25: No announcements" in result.output

    # One request per missing weekday (Monday 25th, Tuesday 26th, Thursday 28th), 3 s apart, each
    # asking exactly for that day's submission window.
    asked = api.requests[1:]
    assert len(asked) == 3
    gaps = [later[0] - earlier[0] for earlier, later in zip(asked, asked[1:], strict=False)]
    assert min(gaps) >= 2.95
    for (_, query), day in zip(asked, ["2026-05-25", "2026-05-26", "2026-05-28"], strict=True):
        start, end = calendar.submission_window(dt.date.fromisoformat(day))
        window = _WINDOW.search(query["search_query"][0]).groups()
        assert window == (f"{start:%Y%m%d%H%M}", f"{end - dt.timedelta(minutes=1):%Y%m%d%H%M}")

    for day in ("2026-05-26", "2026-05-28"):
        markdown = (tmp_path / "out" / "2026-05" / f"{day}.md").read_text()
        assert "Backfilled" in markdown
        digest = json.loads((tmp_path / "out" / "2026-05" / f"{day}.json").read_text())
        assert digest["backfilled"] is True
        shown = {paper["id"] for paper in digest["papers"] + digest["unselected"]}
        assert shown == api.ids_listed_on(dt.date.fromisoformat(day))
        assert digest["totals"]["arxiv_papers"] == len(shown) > 20
    assert not (tmp_path / "out" / "2026-05" / "2026-05-27.md").exists()

    with Store.open(db) as store:
        runs = {run.date: run for run in load_runs(store)}
        days = store.digest_dates("test", dt.date(2026, 5, 20), dt.date(2026, 5, 31))
    assert days == {dt.date(2026, 5, 26), dt.date(2026, 5, 27), dt.date(2026, 5, 28)}
    assert runs["2026-05-26"].backfilled and not runs["2026-05-27"].backfilled
    assert runs["2026-05-25"].status == "empty"
    history = runner.invoke(main, [*base, "history"])
    assert "(backfilled)" in history.output


def test_backfill_refuses_reversed_dates(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["backfill", "--from", "2026-05-28", "--to", "2026-05-20"])
    assert result.exit_code == 2
    assert "is before --from" in result.output


def test_backfill_skips_the_configured_holidays(tmp_path: Path, arxiv_api) -> None:
    url, api = arxiv_api
    config = _api_config(tmp_path, url, 'holidays = ["2026-05-26"]\n')
    db = tmp_path / "papersift.sqlite3"
    result = CliRunner().invoke(
        main,
        ["--db", str(db), "backfill", "--from", "2026-05-26", "--to", "2026-05-27"]
        + ["--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    # No listing is asked for on the holiday; the next day's window takes in its submissions.
    # (one window, read in pages of 200).
    holidays = calendar.HOLIDAYS | {dt.date(2026, 5, 26)}
    start, end = calendar.submission_window(dt.date(2026, 5, 27), holidays)
    assert start == calendar.cutoff(dt.date(2026, 5, 25))
    windows = {_WINDOW.search(query["search_query"][0]).groups() for _, query in api.requests}
    assert windows == {(f"{start:%Y%m%d%H%M}", f"{end - dt.timedelta(minutes=1):%Y%m%d%H%M}")}
    assert "2026-05-26" not in result.output
