"""The web app, started for real on 127.0.0.1 and driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from papersift.profile import FileProfileStore, latest_ratings
from web_support import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
MARKUP_TITLE = '<script>window.pwned=1</script><b>Bold</b> & "quoted" claims'


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run(
        [sys.executable, "-m", "papersift", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def site(tmp_path: Path, demo_day: Path, starter_interests: Path) -> Path:
    """A config whose output folder holds the real demo day's digest, one title with markup."""
    config = tmp_path / "papersift.toml"
    config.write_text(
        f"[profile]\nname = 'reader'\ninterests = '{starter_interests}'\n"
        "[ranker]\nkind = 'tfidf'\n"
        f"[output]\ndir = '{tmp_path / 'out'}'\n"
        f"[learning]\ndir = '{tmp_path / 'profiles'}'\n"
    )
    feed = demo_day / "rss-cs.LG+cs.AI.xml"
    done = _cli("run", "--config", str(config), "--from-file", str(feed), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    digest = tmp_path / "out" / "2026-05" / "2026-05-26.json"
    data = json.loads(digest.read_text())
    data["papers"][1]["title"] = MARKUP_TITLE
    digest.write_text(json.dumps(data))
    return config


@pytest.fixture
def server(site: Path) -> Iterator[str]:
    """``papersift serve`` on an ephemeral port; yields its base URL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "papersift", "-q", "serve", "--config", str(site)]
    with subprocess.Popen(
        [*command, "--port", "0"],
        cwd=site.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("Serving on http://127.0.0.1:"), line
            yield line.split()[2]
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Debian Chromium."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def _token_and_first(server: str) -> tuple[str, str]:
    day = httpx.get(server + "day/2026-05-26").text
    return day.split('name="csrf" value="')[1].split('"')[0], day.split('id="paper-')[1].split('"')[
        0
    ]


def _ratings(site: Path) -> dict[str, str]:
    store = FileProfileStore(site.parent / "profiles")
    return {pid: r.kind for pid, r in latest_ratings(store.load_ratings("reader")).items()}


def test_rate_reload_and_markup_shown_as_text(server: str, site: Path, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server)
    page.click("text=2026-05-26")
    first = page.locator("li.paper").first
    paper_id = first.get_attribute("id").removeprefix("paper-")
    with page.expect_navigation():
        first.locator("button[value=like]").click()
    page.reload()
    rated = page.locator(f"[id='paper-{paper_id}'] .rating")
    assert rated.get_attribute("data-rating") == "like"
    assert _ratings(site) == {paper_id: "like"}

    marked = page.locator("li.paper").nth(1).locator("a.title")
    assert marked.text_content() == MARKUP_TITLE
    assert marked.locator("b").count() == 0
    with page.expect_navigation():
        marked.click()
    assert page.locator("h1.title").text_content() == MARKUP_TITLE
    assert page.evaluate("window.pwned") is None
    page.fill("input[name=note]", "read on the train")
    with page.expect_navigation():
        page.click("button[value=save]")
    page.reload()
    assert "rated save: read on the train" in page.locator(".rating").text_content()


def test_search_finds_a_paper(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server)
    page.fill("input[name=q]", "Bold quoted")
    page.press("input[name=q]", "Enter")
    assert page.locator("li.paper a.title").all_text_contents() == [MARKUP_TITLE]


@pytest.fixture
def foreign_site(server: str) -> Iterator[str]:
    """A page on another origin (another port) that posts a rating form to the app on load."""
    token, first = _token_and_first(server)
    page = (
        f'<form method="post" action="{server}rate"><input name="csrf" value="{token}">'
        f'<input name="paper_id" value="{first}"><input name="kind" value="dislike"></form>'
        "<script>document.forms[0].submit()</script>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{other.server_address[1]}/"
    other.shutdown()
    other.server_close()
    thread.join(5)


def test_cross_origin_post_is_refused(
    server: str, site: Path, browser: object, foreign_site: str
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    with page.expect_response(lambda response: response.url.endswith("/rate")) as answer:
        page.goto(foreign_site)
    assert answer.value.status == 403
    assert _ratings(site) == {}


def test_posts_without_token_or_from_elsewhere_are_refused(server: str, site: Path) -> None:
    home = httpx.get(server)
    assert home.headers["content-security-policy"].startswith("default-src 'none'")
    token, first = _token_and_first(server)
    form = {"csrf": token, "paper_id": first, "kind": "like"}
    origin = server.rstrip("/")

    assert (
        httpx.post(server + "rate", data=form, headers={"Origin": "http://evil.test"}).status_code
        == 403
    )
    assert httpx.post(server + "rate", data=form).status_code == 403
    assert (
        httpx.post(
            server + "rate", data={**form, "csrf": "guess"}, headers={"Origin": origin}
        ).status_code
        == 403
    )
    assert httpx.get(server, headers={"Host": "evil.test"}).status_code == 403
    assert _ratings(site) == {}

    accepted = httpx.post(server + "rate", data=form, headers={"Origin": origin})
    assert accepted.status_code == 303
    assert _ratings(site) == {first: "like"}
