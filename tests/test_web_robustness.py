"""The web app under hostile or unlucky conditions: other addresses, a locked database, notes,
Ctrl-C, odd searches and text. Each test starts the real ``papersift serve`` on 127.0.0.1 (or
another loopback address) over a digest and a SQLite database in ``tmp_path``."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from papersift.render.json import render_json
from web_support import CHROMIUM, CHROMIUM_ARGS, sample_digest

ROOT = Path(__file__).resolve().parent.parent
FIRST = "2605.00001"
SECOND = "2605.00002"


@dataclass
class Served:
    """A running ``papersift serve``: its URL, its process, config and database."""

    url: str
    process: subprocess.Popen[str]
    config: Path
    db: Path

    def form(self, **fields: str) -> dict[str, str]:
        """A rating form with this server's token."""
        page = httpx.get(self.url + f"paper/{FIRST}", timeout=10).text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        return {"csrf": token.group(1), "paper_id": FIRST, "kind": "like"} | fields

    def post(self, **fields: str) -> httpx.Response:
        """Post a rating form from this server's own origin."""
        return self.send(self.form(**fields))

    def send(self, form: dict[str, str]) -> httpx.Response:
        """Post ``form`` from this server's own origin."""
        origin = {"Origin": self.url.rstrip("/")}
        return httpx.post(self.url + "rate", data=form, headers=origin, timeout=30)

    def ratings(self) -> list[tuple[str, str, str]]:
        """Every stored rating: paper id, kind, note, oldest first."""
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT paper_id, kind, note FROM ratings ORDER BY rating_id")
            return [tuple(row) for row in rows]


def _site(folder: Path, digest: object = None) -> Path:
    day = folder / "out" / "2026-05" / "2026-05-26.json"
    day.parent.mkdir(parents=True, exist_ok=True)
    day.write_text(render_json(digest or sample_digest()), encoding="utf-8")
    config = folder / "papersift.toml"
    config.write_text(
        f"[profile]\nname = 'reader'\n[output]\ndir = '{folder / 'out'}'\n"
        f"[store]\npath = '{folder / 'papersift.sqlite3'}'\n",
        encoding="utf-8",
    )
    return config


def _start(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "papersift", "-q", "serve", "--config", str(config), *args],
        cwd=config.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C must reach the server as it does from a terminal, even under a runner that
        # starts the tests with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``papersift serve`` on an ephemeral port of 127.0.0.1."""
    config = _site(tmp_path)
    with _start(config, "--port", "0") as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("Serving on http://127.0.0.1:"), line
            yield Served(line.split()[2], process, config, tmp_path / "papersift.sqlite3")
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(10)


def test_another_loopback_address_serves_the_url_it_prints(tmp_path: Path) -> None:
    config = _site(tmp_path)
    with _start(config, "--host", "127.0.0.2", "--port", "0") as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                pytest.skip(f"127.0.0.2 cannot be bound here: {process.communicate()[1]}")
            url = line.split()[2]
            assert url.startswith("http://127.0.0.2:")
            assert httpx.get(url, timeout=10).status_code == 200
            assert httpx.get(url, headers={"Host": "evil.example"}, timeout=10).status_code == 403
        finally:
            process.terminate()
            process.wait(10)


def test_refusals_carry_the_security_headers(served: Served) -> None:
    refused = httpx.get(served.url, headers={"Host": "evil.example"}, timeout=10)
    assert refused.status_code == 403
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert refused.headers["content-security-policy"].startswith("default-src 'none'")
    assert refused.headers["x-frame-options"] == "DENY"


def test_a_locked_database_is_reported_and_other_pages_still_answer(served: Served) -> None:
    assert served.post().status_code == 303
    form = served.form(kind="dislike")
    locker = sqlite3.connect(served.db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    answers: dict[str, httpx.Response] = {}
    order: list[str] = []

    def rate() -> None:
        answers["post"] = served.send(form)
        order.append("post")

    try:
        posting = threading.Thread(target=rate)
        posting.start()
        # The post waits up to 5 s for the lock; a page asked for meanwhile must not wait behind.
        time.sleep(1)
        page = httpx.get(served.url + f"paper/{SECOND}", timeout=30)
        order.append("get")
        posting.join(30)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert page.status_code == 200
    assert order == ["get", "post"]
    refused = answers["post"]
    assert refused.status_code == 503
    assert "locked" in refused.text and "not saved" in refused.text
    assert [kind for _, kind, _ in served.ratings()] == ["like"]


def test_a_one_click_rating_keeps_the_note(served: Served) -> None:
    assert served.post(kind="save", note="read on the train").status_code == 303
    # The buttons of a day's list post no note field.
    assert served.send(served.form(kind="like")).status_code == 303
    assert served.ratings()[-1] == (FIRST, "like", "read on the train")
    page = httpx.get(served.url + f"paper/{FIRST}", timeout=10).text
    assert 'value="read on the train"' in page
    # An emptied note field on the paper's page clears it.
    assert served.post(kind="like", note="").status_code == 303
    assert served.ratings()[-1] == (FIRST, "like", "")


def test_a_long_note_is_refused_not_cut(served: Served) -> None:
    page = httpx.get(served.url + f"paper/{FIRST}", timeout=10).text
    assert 'name="note"' in page and 'maxlength="2000"' in page
    refused = served.post(note="n" * 2001)
    assert refused.status_code == 400
    assert "2000" in refused.text
    assert served.ratings() == []
    assert served.post(note="n" * 2000).status_code == 303
    assert served.ratings() == [(FIRST, "like", "n" * 2000)]


def test_ctrl_c_stops_the_server_cleanly(served: Served) -> None:
    assert httpx.get(served.url, timeout=10).status_code == 200
    served.process.send_signal(signal.SIGINT)
    out, err = served.process.communicate(timeout=20)
    assert served.process.returncode == 0, err
    assert "Aborted" not in err


def test_an_address_in_use_or_not_of_this_machine_is_named(tmp_path: Path) -> None:
    config = _site(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    serve = [sys.executable, "-m", "papersift", "serve", "--config", str(config)]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        busy = subprocess.run(
            [*serve, "--port", port], env=env, capture_output=True, text=True, timeout=60
        )
    assert busy.returncode == 2
    assert "already in use" in busy.stderr and "--port" in busy.stderr
    # 192.0.2.1 is a documentation address: binding fails locally and sends nothing.
    nonlocal_bind = Path("/proc/sys/net/ipv4/ip_nonlocal_bind")
    if nonlocal_bind.is_file() and nonlocal_bind.read_text().strip() != "0":
        pytest.skip("this machine lets any address be bound")
    foreign = subprocess.run(
        [*serve, "--host", "192.0.2.1", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert foreign.returncode == 2
    assert "Cannot listen on 192.0.2.1" in foreign.stderr
    assert "--host" in foreign.stderr.split("Cannot listen")[1]
    assert "anyone who can reach it" not in foreign.stderr


def test_empty_and_overflowing_searches_say_so(tmp_path: Path) -> None:
    digest = sample_digest()
    extra = [
        dataclasses.replace(
            digest.entries[1],
            paper=dataclasses.replace(digest.entries[1].paper, id=f"2605.1{n:04d}", title="Same"),
        )
        for n in range(205)
    ]
    digest = dataclasses.replace(digest, entries=[*digest.entries, *extra])
    config = _site(tmp_path, digest)
    with _start(config, "--port", "0") as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[2]
            empty = httpx.get(url + "search", params={"q": "  "}, timeout=10).text
            assert "Nothing matches" not in empty
            assert "Type words to search" in empty
            many = httpx.get(url + "search", params={"q": "same"}, timeout=10).text
            assert many.count('class="paper"') == 200
            assert "the first 200 of 205" in many
        finally:
            process.terminate()
            process.wait(10)


def test_a_versioned_id_opens_the_paper(served: Served) -> None:
    for name in (f"{FIRST}v2", f"arXiv:{FIRST}"):
        page = httpx.get(served.url + f"paper/{name}", timeout=10)
        assert page.status_code == 200, name
        assert 'value="2605.00001"' in page.text


def test_author_names_are_isolated_from_bidi_overrides(tmp_path: Path) -> None:
    digest = sample_digest()
    paper = dataclasses.replace(
        digest.entries[0].paper, authors=("Mal\u202eyrol", "Zero\u200bWidth")
    )
    digest.entries[0] = dataclasses.replace(digest.entries[0], paper=paper)
    config = _site(tmp_path, digest)
    with _start(config, "--port", "0") as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[2]
            for path in ("day/2026-05-26", f"paper/{FIRST}", "search?q=zero"):
                page = httpx.get(url + path, timeout=10).text
                assert "<bdi>Mal\u202eyrol</bdi>, <bdi>Zero\u200bWidth</bdi>" in page, path
        finally:
            process.terminate()
            process.wait(10)


def test_digests_are_read_again_only_once_changed(tmp_path: Path) -> None:
    from papersift.config import load_settings
    from papersift.profile import FileProfileStore
    from papersift.web.app import WebContext

    config = _site(tmp_path)
    context = WebContext(load_settings(config), tmp_path / "out", FileProfileStore(tmp_path / "p"))
    first = context.days()
    assert [day.date.isoformat() for day in first] == ["2026-05-26"]
    assert context.days()[0] is first[0]

    digest = sample_digest()
    renamed = dataclasses.replace(digest.entries[0].paper, title="A new title")
    digest.entries[0] = dataclasses.replace(digest.entries[0], paper=renamed)
    path = tmp_path / "out" / "2026-05" / "2026-05-26.json"
    path.write_text(render_json(digest), encoding="utf-8")
    later = dataclasses.replace(digest, date=digest.date.replace(day=27))
    (path.parent / "2026-05-27.json").write_text(render_json(later), encoding="utf-8")
    days = context.days()
    assert [day.date.isoformat() for day in days] == ["2026-05-27", "2026-05-26"]
    assert days[1].paper(FIRST)["title"] == "A new title"

    path.unlink()
    assert [day.date.isoformat() for day in context.days()] == ["2026-05-27"]


def test_rating_from_a_list_returns_to_the_paper(served: Served) -> None:
    day = httpx.get(served.url + "day/2026-05-26", timeout=10).text
    form = day.split(f'id="paper-{SECOND}"')[1].split("</form>")[0]
    target = re.search(r'name="next" value="([^"]+)"', form)
    assert target is not None and target.group(1) == f"/day/2026-05-26#paper-{SECOND}"
    rated = served.send(served.form(paper_id=SECOND, next=target.group(1)))
    assert rated.status_code == 303
    assert rated.headers["location"] == f"/day/2026-05-26#paper-{SECOND}"


def test_an_unknown_rating_says_which_are_known(served: Served) -> None:
    refused = served.post(kind="love")
    assert refused.status_code == 400
    assert "like, dislike, save" in refused.text
    assert served.ratings() == []


def test_a_hand_edited_digest_with_odd_values_still_shows(tmp_path: Path) -> None:
    config = _site(tmp_path)
    path = tmp_path / "out" / "2026-05" / "2026-05-26.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["papers"][0].update(authors=None, score="high", comment="", title=None)
    data["papers"][1].update(authors=["Ada", 7], watched_authors=None)
    path.write_text(json.dumps(data), encoding="utf-8")
    with _start(config, "--port", "0") as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[2]
            for page in ("day/2026-05-26", f"paper/{FIRST}", f"paper/{SECOND}", "search?q=ada"):
                answer = httpx.get(url + page, timeout=10)
                assert answer.status_code == 200, page
            found = httpx.get(url + "search", params={"q": "abstract"}, timeout=10).text
            assert found.count('class="paper"') == 2
        finally:
            process.terminate()
            process.wait(10)


def test_long_unbroken_text_stays_within_the_window(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    digest = sample_digest()
    paper = dataclasses.replace(
        digest.entries[0].paper,
        title="Long" + "x" * 300,
        authors=("A" * 200,),
        abstract="Code at https://example.org/" + "y" * 400,
    )
    digest.entries[0] = dataclasses.replace(digest.entries[0], paper=paper)
    config = _site(tmp_path, digest)
    with _start(config, "--port", "0") as process, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[2]
            page = browser.new_page(viewport={"width": 800, "height": 600})
            for path in ("day/2026-05-26", f"paper/{FIRST}", "search?q=" + "z" * 300):
                page.goto(url + path)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 800, (path, width)
        finally:
            browser.close()
            process.terminate()
            process.wait(10)


def test_the_command_line_keeps_a_note_written_in_the_app(served: Served) -> None:
    from click.testing import CliRunner

    from papersift.cli import main

    assert served.post(kind="save", note="compare with eq. 3").status_code == 303
    config = ["--config", str(served.config)]
    done = CliRunner().invoke(main, ["rate", FIRST, "like", *config])
    assert done.exit_code == 0, done.output
    assert served.ratings()[-1] == (FIRST, "like", "compare with eq. 3")
    page = httpx.get(served.url + f"paper/{FIRST}", timeout=10).text
    assert "rated like: compare with eq. 3" in page
    cleared = CliRunner().invoke(main, ["rate", FIRST, "dislike", "--note", "", *config])
    assert cleared.exit_code == 0, cleared.output
    assert served.ratings()[-1] == (FIRST, "dislike", "")
