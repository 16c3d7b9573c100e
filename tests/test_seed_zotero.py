"""Seeds from a Zotero library: the real pyzotero client against a local Zotero web API."""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from _fake_arxiv import fake_arxiv_api, with_dois
from _fake_zotero import Fault, Library, fake_zotero
from papersift._http import Spacing, make_client
from papersift.cli import main
from papersift.config import ZoteroSettings
from papersift.errors import InputError, LibraryError
from papersift.profile import FileProfileStore
from papersift.seed import resolve
from papersift.seed_zotero import parse_zotero_items, pause_seconds, read_zotero
from papersift.sources.api import ApiSource

SEEDS = Path(__file__).parent / "fixtures" / "seed"
KEY = "P9NiFoyLeZu2bZNvvuQPDWsd"


@pytest.fixture
def items() -> list[dict[str, Any]]:
    return json.loads((SEEDS / "zotero-items.json").read_text())


def _settings(url: str, library_id: str = "475425", **more: Any) -> ZoteroSettings:
    return ZoteroSettings(base_url=url, library_id=library_id, api_key=KEY, **more)


def test_items_become_references(items: list[dict[str, Any]]) -> None:
    parsed = parse_zotero_items([*items, {"key": "BROKEN01", "version": 3}, "not an item"])
    by_label = {r.label: r for r in parsed.references}
    assert list(by_label) == [
        "Zotero item X2B5QJ8M",
        "Zotero item 7QZ4NW3K",
        "Zotero item PKT9V2DD",
        "Zotero item M3HJ8C2E",
        "Zotero item 9FJ2KQ7L",
        "Zotero item R4T6Y8U2",
        "Zotero item K5L6M7N8",
    ]
    assert by_label["Zotero item X2B5QJ8M"].arxiv_id == "2605.14890"  # archiveID
    assert by_label["Zotero item 7QZ4NW3K"].arxiv_id == "2605.23908"  # extra "arXiv: ..."
    assert by_label["Zotero item R4T6Y8U2"].arxiv_id == "2605.23912"  # extra "DOI: 10.48550/..."
    calibration = by_label["Zotero item PKT9V2DD"]
    assert (calibration.arxiv_id, calibration.doi) == (None, None)
    assert calibration.title == "Confidence Calibration in Large Language Models"
    assert by_label["Zotero item M3HJ8C2E"].doi == "10.5555/jmle.2026.0117"
    assert by_label["Zotero item M3HJ8C2E"].arxiv_id is None
    # A journal article whose preprint is named only by its attached PDF's URL.
    assert by_label["Zotero item K5L6M7N8"].arxiv_id == "2605.23928"
    # The note and the attachment are not papers; the untitled book and the broken items are
    # reported.
    assert parsed.malformed == [
        "Zotero item 12: not an item object with 'data'",
        "Zotero item 13: not an item object with 'data'",
        "Zotero item Z9Y8X7W6: no arXiv id, DOI or title",
    ]


def test_every_page_is_read_with_the_key(items: list[dict[str, Any]]) -> None:
    with fake_zotero({"users/475425": Library(items, KEY)}, page_size=4) as fake:
        parsed = read_zotero(_settings(fake.url))
    assert len(parsed.references) == 7
    assert parsed.malformed == ["Zotero item Z9Y8X7W6: no arXiv id, DOI or title"]
    starts = [
        path.split("start=")[1].split("&")[0] if "start=" in path else "0"
        for path, _ in fake.requests
    ]
    assert starts == ["0", "4", "8"]
    assert all(path.startswith("/users/475425/items?") for path, _ in fake.requests)
    for _, headers in fake.requests:
        assert headers.get("Authorization") == f"Bearer {KEY}"
        assert headers.get("Zotero-API-Version") == "3"


def test_a_server_under_a_sub_path_pages_too(items: list[dict[str, Any]]) -> None:
    with fake_zotero({"users/475425": Library(items, KEY)}, page_size=4, prefix="/zotero") as fake:
        parsed = read_zotero(_settings(fake.url))
    assert len(parsed.references) == 7
    assert [path.split("?")[0] for path, _ in fake.requests] == ["/zotero/users/475425/items"] * 3


def test_a_group_collection_and_a_public_library(items: list[dict[str, Any]]) -> None:
    library = Library(items, None, {"ML2026AA": ["X2B5QJ8M", "7QZ4NW3K", "K5L6M7N8"]})
    with fake_zotero({"groups/90210": library}) as fake:
        settings = ZoteroSettings(
            base_url=fake.url, library_id="90210", library_type="group", collection="ML2026AA"
        )
        parsed = read_zotero(settings)
    assert [r.arxiv_id for r in parsed.references] == ["2605.14890", "2605.23908", "2605.23928"]
    assert fake.requests[0][0].startswith("/groups/90210/collections/ML2026AA/items?")
    assert "Authorization" not in fake.requests[0][1]


def test_a_wrong_key_a_missing_library_and_a_missing_collection(
    items: list[dict[str, Any]],
) -> None:
    with fake_zotero({"users/475425": Library(items, KEY)}) as fake:
        with pytest.raises(InputError, match="refused the key") as refused:
            read_zotero(ZoteroSettings(base_url=fake.url, library_id="475425", api_key="wrong"))
        assert "ZOTERO_API_KEY" in (refused.value.hint or "")
        assert "wrong" not in str(refused.value)
        with pytest.raises(InputError, match="no library or collection user 999") as missing:
            read_zotero(_settings(fake.url, "999"))
        assert "numeric id" in (missing.value.hint or "")
        with pytest.raises(InputError, match="collection NOPE0000"):
            read_zotero(_settings(fake.url, collection="NOPE0000"))
    with pytest.raises(InputError, match="No Zotero library given"):
        read_zotero(ZoteroSettings(base_url="http://127.0.0.1:9"))


def test_rate_limit_and_backoff_are_honoured(items: list[dict[str, Any]]) -> None:
    pauses: list[float] = []
    with fake_zotero({"users/475425": Library(items, KEY)}, page_size=4) as fake:
        fake.fail_next(Fault(429, b"Too many requests", {"Retry-After": "7"}))
        fake.backoff = "2"
        parsed = read_zotero(_settings(fake.url), sleep=pauses.append)
    assert len(parsed.references) == 7
    # The refused request is sent again after the 7 s asked for; every page after a reply
    # carrying Backoff waits the 2 s asked for.
    assert len(fake.requests) == 4
    assert pauses[0] == pytest.approx(7, abs=0.5)
    assert pauses[1:] == [pytest.approx(2, abs=0.5)] * 2


def test_a_rate_limit_that_persists_stops_after_a_bounded_number_of_tries(
    items: list[dict[str, Any]],
) -> None:
    pauses: list[float] = []
    with fake_zotero({"users/475425": Library(items, KEY)}) as fake:
        fake.fail_next(*[Fault(429, b"Too many requests", {"Retry-After": "1"})] * 5)
        with pytest.raises(LibraryError, match="rate limit"):
            read_zotero(_settings(fake.url), sleep=pauses.append)
        assert len(fake.requests) == 3
        fake.faults.clear()
        fake.fail_next(Fault(429, b"Too many requests", {"Retry-After": "3600"}))
        with pytest.raises(LibraryError, match="pause of 3600 s, longer than"):
            read_zotero(_settings(fake.url, max_wait=60), sleep=pauses.append)
    assert len(fake.requests) == 4
    assert len(pauses) == 2  # two 1-second pauses between the three tries, none for 3600 s


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ([Fault(200, b"[{not json", content_type="application/json")], "JSON that cannot be"),
        ([Fault(200, b'{"items": []}', content_type="application/json")], "not a list of items"),
        ([Fault(200, b"<html><body>Sign in</body></html>", content_type="text/html")], "not a"),
        ([Fault(500, b"An error occurred")] * 3, "Code: 500"),
    ],
)
def test_a_malformed_reply_is_a_library_error(
    items: list[dict[str, Any]], faults: list[Fault], message: str
) -> None:
    pauses: list[float] = []
    with fake_zotero({"users/475425": Library(items, KEY)}) as fake:
        fake.fail_next(*faults)
        with pytest.raises(LibraryError, match=message):
            read_zotero(_settings(fake.url), sleep=pauses.append)
    assert len(fake.requests) == len(faults)
    assert len(pauses) == len(faults) - 1


def test_a_server_error_is_sent_again_after_the_pause_asked_for(
    items: list[dict[str, Any]],
) -> None:
    pauses: list[float] = []
    with fake_zotero({"users/475425": Library(items, KEY)}, page_size=4) as fake:
        fake.fail_next(Fault(503, b"Service Unavailable", {"Retry-After": "4"}), Fault(502))
        parsed = read_zotero(_settings(fake.url), sleep=pauses.append)
    assert len(parsed.references) == 7
    assert len(fake.requests) == 5
    assert pauses == [4.0, 2.0]


def test_fewer_items_than_announced_are_reported(items: list[dict[str, Any]]) -> None:
    with fake_zotero({"users/475425": Library(items, KEY)}) as fake:
        body = json.dumps(items[:2]).encode()
        fake.fail_next(Fault(200, body, {"Total-Results": "9"}, "application/json"))
        parsed = read_zotero(_settings(fake.url))
    assert len(parsed.references) == 2
    assert parsed.malformed == ["the library reported 9 items but 2 were received"]


def test_an_unreachable_server_is_a_library_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pauses: list[float] = []
    with pytest.raises(LibraryError, match="cannot be reached"):
        read_zotero(_settings(f"http://127.0.0.1:{port}"), sleep=pauses.append)
    assert pauses == [1.0, 2.0]


def test_pause_values() -> None:
    assert pause_seconds("7") == 7.0
    assert pause_seconds("-3") == 0.0
    assert pause_seconds("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    assert pause_seconds("soon") == 5.0


def test_a_library_resolves_through_ids_dois_and_titles(
    items: list[dict[str, Any]], demo_day: Path, tmp_path: Path
) -> None:
    feed = with_dois(
        demo_day / "api-query.atom.xml",
        {"2605.23926": "10.5555/JMLE.2026.0117", "2605.23909": "10.1000/other.1"},
        tmp_path / "feed.xml",
    )
    clock = iter(float(n) for n in range(1000))
    pauses: list[float] = []
    with fake_zotero({"users/475425": Library(copy.deepcopy(items), KEY)}, page_size=4) as zot:
        parsed = read_zotero(_settings(zot.url))
    with fake_arxiv_api(feed) as (url, seen), make_client() as client:
        spacing = Spacing(3.0, clock=lambda: next(clock), sleep=pauses.append)
        result = resolve(parsed, ApiSource(client, url, [], spacing=spacing), dt.date(2026, 5, 27))
    found = {paper.id: paper.title for paper in result.papers}
    assert set(found) == {
        "2605.14890",
        "2605.23908",
        "2605.23909",
        "2605.23926",
        "2605.23912",
        "2605.23928",
    }
    # The journal version's title differs from arXiv's; the DOI found it.
    assert found["2605.23926"].startswith("How Much Thinking is Enough?")
    assert result.unmatched == [
        "Zotero item 9FJ2KQ7L: no arXiv record carries DOI 10.1000/xyz123, and no arXiv paper "
        "has the title 'A Paper That Was Never on arXiv'"
    ]
    assert result.malformed == ["Zotero item Z9Y8X7W6: no arXiv id, DOI or title"]
    asked = [parse_qs(query) for query in seen]
    kinds = [a["search_query"][0].split(":")[0] if "search_query" in a else "id" for a in asked]
    # The two journal DOIs go in one query; the titles of what is still unmatched follow.
    assert kinds == ["id", "doi", "ti", "ti"]
    assert asked[1]["search_query"] == ['doi:"10.5555/jmle.2026.0117" OR doi:"10.1000/xyz123"']
    assert len(pauses) == 3 and all(pause == pytest.approx(2.0) for pause in pauses)


@pytest.fixture
def config(tmp_path: Path, starter_interests: Path) -> Path:
    path = tmp_path / "papersift.toml"
    path.write_text(
        f"[profile]\nname = 'reader'\ninterests = '{starter_interests}'\n"
        "[ranker]\nkind = 'tfidf'\n"
        f"[learning]\ndir = '{tmp_path / 'profiles'}'\n"
    )
    return path


def test_seed_command_reads_a_zotero_collection(
    config: Path, items: list[dict[str, Any]], demo_day: Path
) -> None:
    library = Library(items, KEY, {"ML2026AA": ["X2B5QJ8M", "7QZ4NW3K"]})
    with (
        fake_zotero({"users/475425": library}) as zot,
        fake_arxiv_api(demo_day / "api-query.atom.xml") as (url, seen),
    ):
        config.write_text(config.read_text() + f"[sources]\napi_url = '{url}'\n")
        args = ["seed", "--zotero", "475425", "--zotero-url", zot.url, "--config", str(config)]
        refused = CliRunner().invoke(main, [*args, "--zotero-key", "wrong"])
        done = CliRunner().invoke(
            main, [*args, "--zotero-collection", "ML2026AA"], env={"ZOTERO_API_KEY": KEY}
        )
    assert refused.exit_code == 2, refused.output
    assert "refused the key" in refused.output and "wrong" not in refused.output
    assert done.exit_code == 0, done.output
    assert "Seeded 2 paper(s); 0 not matched; 0 malformed entries." in done.output
    assert len(seen) == 1
    examples = FileProfileStore(config.parent / "profiles").load_examples("reader")
    assert sorted(e.paper.id for e in examples) == ["2605.14890", "2605.23908"]


def test_seed_command_fails_on_a_persistent_rate_limit_and_keeps_the_seeds(
    config: Path, items: list[dict[str, Any]], demo_day: Path
) -> None:
    store = FileProfileStore(config.parent / "profiles")
    with (
        fake_zotero({"users/475425": Library(items, KEY)}) as zot,
        fake_arxiv_api(demo_day / "api-query.atom.xml") as (url, _seen),
    ):
        config.write_text(config.read_text() + f"[sources]\napi_url = '{url}'\n")
        first = CliRunner().invoke(
            main, ["seed", "--ids", str(SEEDS / "ids.txt"), "--config", str(config)]
        )
        assert first.exit_code == 0, first.output
        before = sorted(e.paper.id for e in store.load_examples("reader"))
        zot.fail_next(*[Fault(429, b"Too many requests", {"Retry-After": "0"})] * 3)
        done = CliRunner().invoke(
            main,
            ["seed", "--zotero", "475425", "--zotero-url", zot.url, "--config", str(config)],
            env={"ZOTERO_API_KEY": KEY},
        )
    assert done.exit_code == 1, done.output
    assert "rate limit" in done.output and "Try again" in done.output
    assert sorted(e.paper.id for e in store.load_examples("reader")) == before


def test_seed_command_reads_the_library_named_in_the_config(
    config: Path, items: list[dict[str, Any]], demo_day: Path
) -> None:
    library = Library(items, None, {"ML2026AA": ["7QZ4NW3K"]})
    with (
        fake_zotero({"groups/90210": library}) as zot,
        fake_arxiv_api(demo_day / "api-query.atom.xml") as (url, _seen),
    ):
        config.write_text(
            config.read_text()
            + f"[sources]\napi_url = '{url}'\n"
            + f"[zotero]\nlibrary_id = '90210'\nlibrary_type = 'group'\nbase_url = '{zot.url}'\n"
            + "collection = 'ML2026AA'\n"
        )
        done = CliRunner().invoke(main, ["seed", "--zotero", "--config", str(config)])
        both = CliRunner().invoke(
            main, ["seed", "--zotero", "--ids", str(SEEDS / "ids.txt"), "--config", str(config)]
        )
    assert done.exit_code == 0, done.output
    assert "Seeded 1 paper(s); 0 not matched; 0 malformed entries." in done.output
    assert zot.requests[0][0].startswith("/groups/90210/collections/ML2026AA/items?")
    assert both.exit_code == 2 and "exactly one of" in both.output
