"""Reading a rendered Markdown digest back, to compare it with the JSON and the layout."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt


@dataclass
class Section:
    number: int
    title_text: str
    """The linked title as a CommonMark renderer shows it."""
    href: str
    anchor: str
    arxiv_id: str
    authors: str


def sections(markdown: str) -> list[Section]:
    """The paper sections of a digest, read with a CommonMark parser."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    found = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h2":
            continue
        inline = tokens[index + 1]
        match = re.match(r"^(\d+)\. ", inline.content)
        if not match:
            continue
        children = inline.children or []
        links = [i for i, c in enumerate(children) if c.type == "link_open"]
        assert len(links) == 1, inline.content
        start = links[0]
        end = next(i for i, c in enumerate(children) if c.type == "link_close" and i > start)
        text = "".join(c.content for c in children[start + 1 : end])
        anchor = re.search(r'<a id="(link\d+)"></a>$', inline.content)
        body = markdown[markdown.index(inline.content) :].split("\n---\n", 1)[0]
        found.append(
            Section(
                number=int(match[1]),
                title_text=text,
                href=children[start].attrGet("href") or "",
                anchor=anchor[1] if anchor else "",
                arxiv_id=re.search(r"\*\*ArXiv ID:\*\* (\S+)", body)[1],
                authors=re.search(r"\*\*Authors:\*\* (.*)", body)[1],
            )
        )
    return found


def toc_links(markdown: str) -> list[tuple[str, str]]:
    """(shown text, href) of each table-of-contents entry."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    links = []
    for token in tokens:
        if token.type != "inline" or not re.match(r"^\d+\. |^\[", token.content):
            continue
        children = token.children or []
        for i, child in enumerate(children):
            href = child.attrGet("href") if child.type == "link_open" else None
            if href and href.startswith("#user-content-link"):
                end = next(j for j in range(i, len(children)) if children[j].type == "link_close")
                links.append(("".join(c.content for c in children[i + 1 : end]), href))
    return links
