"""Fetching feeds from a real local HTTP server: errors, retries, redirects, API paging."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedserver import FeedServer, Reply
from papersift._http import USER_AGENT, Spacing, make_client
from papersift.errors import FeedError
from papersift.sources import ApiSource, RssSource

HTML = {"Content-Type": "text/html"}
RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def lg_feed(demo_day: Path) -> bytes:
    return (demo_day / "rss-cs.LG.xml").read_bytes()


def _rss(server: FeedServer, sleeps: list[float], retries: int = 2, timeout: float = 5.0):
    client = make_client(timeout=timeout, retries=retries, sleep=sleeps.append)
    return RssSource(client, ["cs.LG"], server.url + "/rss/", joined=True)


def test_feed_fetched_with_the_user_agent(feed_server: FeedServer, lg_feed: bytes) -> None:
    feed_server.serve("/rss/cs.LG", Reply(body=lg_feed, headers=RSS))
    (listing,) = _rss(feed_server, []).fetch_listings()
    assert len(listing.papers) == 88
    assert listing.sources == [feed_server.url + "/rss/cs.LG"]
    assert feed_server.requests[0].headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("papersift/")


def test_joined_and_separate_feed_urls(feed_server: FeedServer) -> None:
    client = make_client()
    joined = RssSource(client, ["cs.LG", "cs.AI"], "https://rss.arxiv.org/rss", joined=True)
    single = RssSource(client, ["cs.LG", "cs.AI"], "https://rss.arxiv.org/rss/", joined=False)
    assert joined.feed_urls() == ["https://rss.arxiv.org/rss/cs.LG+cs.AI"]
    assert single.feed_urls() == [
        "https://rss.arxiv.org/rss/cs.LG",
        "https://rss.arxiv.org/rss/cs.AI",
    ]


def test_404_names_the_source_and_is_not_retried(feed_server: FeedServer) -> None:
    sleeps: list[float] = []
    with pytest.raises(FeedError, match=r"/rss/cs\.LG' answered HTTP 404") as caught:
        _rss(feed_server, sleeps).fetch_listings()
    assert "[sources] categories" in (caught.value.hint or "")
    assert len(feed_server.requests) == 1 and sleeps == []


def test_500_is_retried_then_named(feed_server: FeedServer) -> None:
    feed_server.serve("/rss/cs.LG", Reply(500, b"oops"))
    sleeps: list[float] = []
    with pytest.raises(FeedError, match="answered HTTP 500"):
        _rss(feed_server, sleeps, retries=2).fetch_listings()
    assert len(feed_server.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.9


def test_503_with_retry_after_is_honoured_then_succeeds(
    feed_server: FeedServer, lg_feed: bytes
) -> None:
    busy = Reply(503, b"busy", {"Retry-After": "7"})
    feed_server.serve("/rss/cs.LG", busy, busy, Reply(body=lg_feed, headers=RSS))
    sleeps: list[float] = []
    (listing,) = _rss(feed_server, sleeps, retries=3).fetch_listings()
    assert len(listing.papers) == 88
    assert sleeps == [7.0, 7.0]
    assert len(feed_server.requests) == 3


def test_time_out_is_retried(feed_server: FeedServer, lg_feed: bytes) -> None:
    feed_server.serve(
        "/rss/cs.LG", Reply(body=lg_feed, delay=1.0), Reply(body=lg_feed, headers=RSS)
    )
    sleeps: list[float] = []
    (listing,) = _rss(feed_server, sleeps, retries=1, timeout=0.3).fetch_listings()
    assert len(listing.papers) == 88 and len(sleeps) == 1


def test_error_page_with_status_200(feed_server: FeedServer) -> None:
    page = b"<!DOCTYPE html><html><body><h1>Rate exceeded.</h1></body></html>"
    feed_server.serve("/rss/cs.LG", Reply(body=page, headers=HTML))
    with pytest.raises(FeedError, match=r"/rss/cs\.LG' returned an HTML page.*Rate exceeded"):
        _rss(feed_server, []).fetch_listings()


def test_redirect_to_a_page_that_is_not_a_feed(feed_server: FeedServer) -> None:
    feed_server.serve("/rss/cs.LG", Reply(302, headers={"Location": "/moved"}))
    feed_server.serve("/moved", Reply(body=b"<html><body>We moved!</body></html>", headers=HTML))
    with pytest.raises(FeedError, match=r"/rss/cs\.LG' \(redirected to '.*/moved'\)"):
        _rss(feed_server, []).fetch_listings()
    assert [r.path for r in feed_server.requests] == ["/rss/cs.LG", "/moved"]


def test_redirect_to_a_feed_is_followed(feed_server: FeedServer, lg_feed: bytes) -> None:
    feed_server.serve("/rss/cs.LG", Reply(301, headers={"Location": "/new/cs.LG"}))
    feed_server.serve("/new/cs.LG", Reply(body=lg_feed, headers=RSS))
    (listing,) = _rss(feed_server, []).fetch_listings()
    assert len(listing.papers) == 88


def test_unreachable_source_is_named() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = RssSource(make_client(retries=0), ["cs.LG"], f"http://127.0.0.1:{port}/", True)
    with pytest.raises(FeedError, match="could not be reached"):
        source.fetch_listings()


def test_malformed_network_feed_with_nothing_readable_exits_1(feed_server: FeedServer) -> None:
    feed_server.serve("/rss/cs.LG", Reply(body=b"<rss version='2.0'><channel><item><title>x"))
    with pytest.raises(FeedError, match="not a readable feed") as caught:
        _rss(feed_server, []).fetch_listings()
    assert caught.value.exit_code == 1


# The API: pages cut from the real response, served by ``start`` and ``max_results``.


def _api_pages(atom: str):
    head = atom[: atom.index("<entry>")]
    entries = re.findall(r"<entry>.*?</entry>", atom, re.DOTALL)

    def answer(query: dict[str, list[str]]) -> Reply:
        if "id_list" in query:
            wanted = {i.split("v")[0] for i in query["id_list"][0].split(",")}
            chosen = [e for e in entries if re.search(r"abs/([\d.]+)v", e)[1] in wanted]
        else:
            start, size = int(query["start"][0]), int(query["max_results"][0])
            chosen = entries[start : start + size]
        return Reply(body=(head + "".join(chosen) + "</feed>").encode())

    return answer, entries


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_api_pages_a_date_range_three_seconds_apart(
    feed_server: FeedServer, demo_day: Path
) -> None:
    import datetime as dt

    answer, entries = _api_pages((demo_day / "api-query.atom.xml").read_text())
    feed_server.route("/api/query", answer)
    clock = _Clock()
    api = ApiSource(
        make_client(),
        feed_server.url + "/api/query",
        ["cs.LG", "cs.AI"],
        page_size=100,
        spacing=Spacing(3.0, clock=lambda: clock.now, sleep=clock.sleep),
    )
    end = dt.datetime(2026, 5, 25, 18, tzinfo=dt.UTC)
    listing = api.fetch_submitted(end - dt.timedelta(days=1), end, dt.date(2026, 5, 26))
    assert len(listing.papers) == len(entries) == 307
    assert [r.query["start"][0] for r in feed_server.requests] == ["0", "100", "200", "300"]
    assert clock.sleeps == [3.0, 3.0, 3.0]
    query = feed_server.requests[0].query["search_query"][0]
    assert "cat:cs.LG OR cat:cs.AI" in query and "submittedDate:[202605241800 TO" in query
    assert {a.date for a in listing.announcements} == {dt.date(2026, 5, 26)}


def test_api_fetches_an_id_list_in_pages(feed_server: FeedServer, demo_day: Path) -> None:
    answer, _ = _api_pages((demo_day / "api-query.atom.xml").read_text())
    feed_server.route("/api/query", answer)
    clock = _Clock()
    api = ApiSource(
        make_client(),
        feed_server.url + "/api/query",
        ["cs.LG", "cs.AI"],
        page_size=2,
        spacing=Spacing(3.0, clock=lambda: clock.now, sleep=clock.sleep),
    )
    ids = ["2605.23908", "2605.23909v1", "2605.23910"]
    listing = api.fetch_ids(ids)
    assert sorted(listing.papers) == ["2605.23908", "2605.23909", "2605.23910"]
    assert len(feed_server.requests) == 2 and clock.sleeps == [3.0]


def test_spacing_sleeps_only_the_remainder() -> None:
    clock = _Clock()
    spacing = Spacing(3.0, clock=lambda: clock.now, sleep=clock.sleep)
    spacing.wait()
    clock.now += 1.0
    spacing.wait()
    clock.now += 5.0
    spacing.wait()
    assert clock.sleeps == [2.0]


def test_api_http_error_names_the_api(feed_server: FeedServer) -> None:
    feed_server.serve("/api/query", Reply(400, b"bad query"))
    api = ApiSource(make_client(retries=0), feed_server.url + "/api/query", ["cs.LG"])
    with pytest.raises(FeedError, match=r"/api/query' answered HTTP 400"):
        api.fetch_ids(["2605.23908"])
