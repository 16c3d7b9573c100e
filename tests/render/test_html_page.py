"""The HTML day page and e-mail body, rendered from digests built in memory."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

from papersift.models import Usage
from papersift.render.html import (
    copy_assets,
    paper_anchor,
    render_email_html,
    render_html,
    write_html,
)
from web_support import sample_digest


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_the_page_shows_scores_topic_authors_and_links() -> None:
    page = render_html(sample_digest())
    assert "<title>papersift · 2026-05-26</title>" in page
    assert "Tuesday, 26 May 2026" in page
    assert "300 announced" in page and "120 scanned" in page and "2 selected" in page
    assert 'class="badge judged"' in page and "relevance 8<" in page and "novelty 6.5<" in page
    assert "local score 0.43" in page and "local score 0.12" in page
    assert '<span class="badge kind">cross</span>' in page
    assert '<span class="badge watched">watched author</span>' in page
    assert '<span class="author watched">Bo Rampart</span>' in page
    assert "Best match: <strong>Efficient &lt;training&gt;</strong>" in page
    assert "Judge:</span> Strong fit &amp; novel." in page
    assert 'href="https://arxiv.org/abs/2605.00001"' in page
    assert 'href="https://arxiv.org/pdf/2605.00001"' in page
    assert "arXiv:2605.00001v2" in page
    assert "gpt-4.1-mini: 1200 tokens" in page and "$0.01" in page
    assert page.index('id="paper-2605.00001"') < page.index('id="paper-2605.00002"')


def test_paper_text_is_escaped_everywhere() -> None:
    page = render_html(sample_digest())
    assert "Judged &lt;em&gt;paper&lt;/em&gt; &#34;quoted&#34;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page
    assert "10 pages &lt;i&gt;x&lt;/i&gt;" in page
    assert "team &lt;a&gt;" in page and "Budget &lt;reached&gt;" in page
    tags = {tag for tag, _ in _tags(page)}
    assert not tags & {"em", "b", "i", "img", "iframe"}


def test_assets_are_relative_to_root_and_bundled() -> None:
    page = render_html(sample_digest(), root="../")
    sources = [a.get("src") or a.get("href") for t, a in _tags(page) if t in ("script", "link")]
    assert sources == [
        "../assets/katex/katex.min.css",
        "../assets/style.css",
        "../assets/katex/katex.min.js",
        "../assets/katex/contrib/auto-render.min.js",
        "../assets/papersift.js",
    ]
    static = resources.files("papersift.render") / "static"
    for source in sources:
        assert static.joinpath(*str(source).removeprefix("../assets/").split("/")).is_file()
    assert "Archive" not in page  # a page beside the digest files has no site navigation


def test_katex_runs_on_text_only_with_trust_off() -> None:
    script = (resources.files("papersift.render") / "static" / "papersift.js").read_text()
    assert "trust: false" in script and "throwOnError: false" in script
    assert "innerHTML" not in script
    search = (resources.files("papersift.render") / "static" / "search.js").read_text()
    assert "innerHTML" not in search and "textContent" in search


def test_write_html_puts_the_page_latest_and_assets_beside_the_digests(tmp_path: Path) -> None:
    (page,) = write_html(sample_digest(), tmp_path)
    assert page == tmp_path / "2026-05" / "2026-05-26.html"
    assert '"../assets/style.css"' in page.read_text(encoding="utf-8")
    assert '"assets/style.css"' in (tmp_path / "latest.html").read_text(encoding="utf-8")
    assert (tmp_path / "assets" / "katex" / "fonts" / "KaTeX_Main-Regular.woff2").is_file()
    assert copy_assets(tmp_path) == tmp_path / "assets"


def test_an_empty_digest_says_so() -> None:
    digest = sample_digest()
    digest.entries = []
    assert "No paper was selected on this day." in render_html(digest)


def test_email_body_has_no_scripts_and_escapes() -> None:
    body = render_email_html(
        sample_digest(), page_url="https://example.org/2026-05/2026-05-26.html"
    )
    assert "<script" not in body and "<link" not in body
    assert "Judged &lt;em&gt;paper&lt;/em&gt;" in body
    assert 'href="https://example.org/2026-05/2026-05-26.html"' in body
    assert "relevance 8 · novelty 6.5" in body


def test_anchors_are_safe_for_old_style_ids() -> None:
    assert paper_anchor("hep-th/9901001") == "paper-hep-th-9901001"
    assert paper_anchor("2605.12345") == "paper-2605.12345"


def test_the_page_shows_a_cost_under_a_cent_as_the_markdown_does() -> None:
    digest = sample_digest()
    digest.usage = [Usage("gpt-4.1-mini", 1000, 200, cost=0.003)]
    page = render_html(digest)
    assert "gpt-4.1-mini: 1200 tokens,\n    $0.0030</p>" in page
