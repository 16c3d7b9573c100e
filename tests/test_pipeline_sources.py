"""A day's run against a local feed server: the empty days that exit 0 and the failures that don't.

Every case goes through ``papersift run`` (click's runner) with ``[sources] rss_url`` pointing at
a real HTTP server on 127.0.0.1; the TF-IDF ranker keeps these tests fast.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feedserver import FeedServer, Reply
from papersift.cli import main
from papersift.config import load_settings
from papersift.pipeline import RunOptions, run_day

EASTERN = dt.timezone(dt.timedelta(hours=-4))


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer().running() as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, feed_server: FeedServer, starter_interests: Path) -> Path:
    path = tmp_path / "papersift.toml"
    path.write_text(
        f"""
[profile]
interests = "{starter_interests}"
[sources]
categories = ["cs.LG"]
rss_url = "{feed_server.url}/rss/"
api_url = "{feed_server.url}/api/query"
retries = 1
[ranker]
kind = "tfidf"
top = 5
[output]
dir = "out"
"""
    )
    return path


def _empty_feed(date: str) -> bytes:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0"><channel>
<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>
<description>cs.LG updates on the arXiv.org e-print archive.</description>
<pubDate>{date}</pubDate></channel></rss>""".encode()


def _run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["run", "--config", str(config), *args])


def _written(config: Path) -> list[Path]:
    out = config.parent / "out"
    return sorted(p for p in out.rglob("*") if p.is_file()) if out.exists() else []


def _assert_failure(result: Result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_weekend_exits_0_with_one_line_and_no_digest(config: Path, feed_server: FeedServer):
    feed_server.serve("/rss/cs.LG", Reply(body=_empty_feed("Sat, 30 May 2026 00:00:00 -0400")))
    result = _run(config)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "No announcements on 2026-05-30: arXiv does not announce on weekends."
    ]
    assert _written(config) == []


def test_weekend_with_send_empty_writes_an_empty_digest(config: Path, feed_server: FeedServer):
    feed_server.serve("/rss/cs.LG", Reply(body=_empty_feed("Sun, 31 May 2026 00:00:00 -0400")))
    result = _run(config, "--send-empty")
    assert result.exit_code == 0, result.output
    digest = json.loads((config.parent / "out/2026-05/2026-05-31.json").read_text())
    assert digest["papers"] == [] and digest["totals"]["arxiv_papers"] == 0
    assert "weekends" in digest["notices"][0]
    assert (config.parent / "out/latest.md").exists()


def test_holiday_is_an_empty_weekday_feed(config: Path, feed_server: FeedServer):
    feed_server.serve("/rss/cs.LG", Reply(body=_empty_feed("Mon, 25 May 2026 00:00:00 -0400")))
    result = _run(config)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "No announcements on 2026-05-25: the feed is empty (an arXiv holiday?)."
    ]
    assert _written(config) == []


def test_stale_feed_is_a_failure(config: Path, feed_server: FeedServer, demo_day: Path):
    feed_server.serve("/rss/cs.LG", Reply(body=(demo_day / "rss-cs.LG.xml").read_bytes()))
    settings = load_settings(config)
    due = dt.datetime(2026, 5, 27, 9, 0, tzinfo=EASTERN)
    from papersift.errors import FeedError

    with pytest.raises(FeedError, match="still serves the listing of 2026-05-26") as caught:
        run_day(settings, RunOptions(now=due))
    assert caught.value.source.endswith("/rss/cs.LG")
    assert "2026-05-27" in caught.value.message
    assert "--date 2026-05-26" in caught.value.hint

    fresh = run_day(settings, RunOptions(now=due - dt.timedelta(days=1)))
    assert fresh.digest is not None and fresh.digest.date == dt.date(2026, 5, 26)

    result = _run(config)
    _assert_failure(result, 1, "still serves the listing of 2026-05-26", "/rss/cs.LG")


def test_a_configured_holiday_is_not_expected_to_have_a_listing(
    config: Path, feed_server: FeedServer, demo_day: Path
):
    feed_server.serve("/rss/cs.LG", Reply(body=(demo_day / "rss-cs.LG.xml").read_bytes()))
    # 2026-05-27 is due on its morning, so the 26th's listing is stale, unless arXiv is closed.
    due = dt.datetime(2026, 5, 27, 9, 0, tzinfo=EASTERN)
    config.write_text(
        config.read_text().replace("[sources]\n", "[sources]\nholidays = [2026-05-27]\n")
    )
    settings = load_settings(config)
    assert dt.date(2026, 5, 27) in settings.sources.no_listing_days
    result = run_day(settings, RunOptions(now=due))
    assert result.digest is not None and result.digest.date == dt.date(2026, 5, 26)


@pytest.mark.parametrize(
    ("replies", "fragments"),
    [
        ([Reply(body=b"<html><body>Rate exceeded.</body></html>")], ["HTML page", "Rate exceeded"]),
        ([Reply(404, b"Not Found")], ["answered HTTP 404"]),
        ([Reply(500, b"oops")], ["answered HTTP 500"]),
        ([Reply(200, b"Too many requests, slow down.")], ["text that is not a feed"]),
    ],
)
def test_failures_name_the_source_and_exit_1(
    config: Path, feed_server: FeedServer, replies: list[Reply], fragments: list[str]
):
    feed_server.serve("/rss/cs.LG", *replies)
    result = _run(config)
    _assert_failure(result, 1, f"{feed_server.url}/rss/cs.LG", *fragments)
    assert _written(config) == []


def test_redirect_to_a_non_feed_page(config: Path, feed_server: FeedServer):
    feed_server.serve("/rss/cs.LG", Reply(302, headers={"Location": "/login"}))
    feed_server.serve("/login", Reply(body=b"<!doctype html><html>Sign in</html>"))
    result = _run(config)
    _assert_failure(result, 1, "redirected to", "/login", "HTML page")


def test_503_with_retry_after_then_the_feed(config: Path, feed_server: FeedServer, demo_day):
    feed = (demo_day / "rss-cs.LG.xml").read_bytes()
    feed_server.serve("/rss/cs.LG", Reply(503, b"busy", {"Retry-After": "0"}), Reply(body=feed))
    result = _run(config, "--date", "2026-05-26")
    assert result.exit_code == 0, result.output
    assert len(feed_server.requests) == 2
    digest = json.loads((config.parent / "out/2026-05/2026-05-26.json").read_text())
    assert digest["totals"]["arxiv_papers"] == 88


def test_truncated_feed_writes_what_was_read_and_fails(
    config: Path, feed_server: FeedServer, demo_day: Path
):
    data = (demo_day / "rss-cs.LG.xml").read_bytes()
    cut = data[: len(data) // 2]
    feed_server.serve("/rss/cs.LG", Reply(body=cut))
    result = _run(config, "--date", "2026-05-26")
    _assert_failure(result, 1, "/rss/cs.LG", "malformed or truncated", "no element found")
    digest = json.loads((config.parent / "out/2026-05/2026-05-26.json").read_text())
    assert digest["totals"]["arxiv_papers"] == cut.count(b"</item>")
    assert "truncated" in digest["notices"][0]
    markdown = (config.parent / "out/2026-05/2026-05-26.md").read_text()
    assert "> **Note:** Feed" in markdown


def test_feed_of_only_broken_items_is_a_failure(config: Path, feed_server: FeedServer):
    item = "<item><title>T</title><description>no id here</description></item>"
    body = _empty_feed("Tue, 26 May 2026 00:00:00 -0400").replace(
        b"</channel>", item.encode() * 2 + b"</channel>"
    )
    feed_server.serve("/rss/cs.LG", Reply(body=body))
    result = _run(config, "--date", "2026-05-26")
    _assert_failure(result, 1, "none of its 2 item(s) could be read")
    assert _written(config) == []


def test_one_broken_item_among_good_ones(config: Path, feed_server: FeedServer, demo_day: Path):
    data = (demo_day / "rss-cs.LG.xml").read_bytes()
    broken = data.replace(b"oai:arXiv.org:2605.23909v1", b"oai:arXiv.org:garbage", 1)
    broken = broken.replace(b"arXiv:2605.23909v1 Announce", b"arXiv:garbage Announce", 1)
    feed_server.serve("/rss/cs.LG", Reply(body=broken))
    result = _run(config, "--date", "2026-05-26")
    assert result.exit_code == 0, result.output
    digest = json.loads((config.parent / "out/2026-05/2026-05-26.json").read_text())
    assert digest["totals"]["arxiv_papers"] == 87
    assert any("garbage" in notice for notice in digest["notices"])
    assert "garbage" in result.stderr


def test_api_source_for_a_date(config: Path, feed_server: FeedServer, demo_day: Path):
    text = config.read_text().replace(
        'categories = ["cs.LG"]', 'kind = "api"\ncategories = ["cs.LG", "cs.AI"]'
    )
    config.write_text(text + "\n")
    atom = (demo_day / "api-query.atom.xml").read_bytes()
    last_page = atom[: atom.index(b"<entry>")] + b"</feed>"
    feed_server.serve("/api/query", Reply(body=atom), Reply(body=last_page))
    result = run_day(load_settings(config), RunOptions(date=dt.date(2026, 5, 26)))
    assert result.digest is not None and result.digest.total_papers == 307
    # The first page is full (307 entries for 200 asked), so a second is asked for, 3 s later.
    first, second = feed_server.requests
    assert second.query["start"] == ["200"]
    assert second.at - first.at >= 2.9  # spaced start to start; the clocks differ a little
