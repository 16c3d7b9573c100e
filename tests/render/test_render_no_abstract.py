"""A paper whose feed item had no abstract: every renderer says so instead of an empty block."""

from __future__ import annotations

import dataclasses

import feedparser

from papersift.config import SiteSettings, SlackSettings
from papersift.deliver.email import plain_text
from papersift.deliver.slack import slack_messages
from papersift.models import NO_ABSTRACT, Digest
from papersift.render.feed import render_feed
from papersift.render.html import render_email_html, render_html
from papersift.render.json import digest_to_dict
from papersift.render.markdown import render_markdown
from web_support import sample_digest


def _digest() -> Digest:
    """The sample digest with its second paper's abstract empty, as a feed without one gives."""
    digest = sample_digest()
    bare = dataclasses.replace(digest.entries[1].paper, abstract="")
    digest.entries[1] = dataclasses.replace(digest.entries[1], paper=bare)
    return digest


def test_markdown_says_there_is_no_abstract() -> None:
    text = render_markdown(_digest())
    abstracts = [line for line in text.splitlines() if line.startswith("**Abstract:**")]
    assert len(abstracts) == 2
    assert abstracts[0] != f"**Abstract:** *{NO_ABSTRACT}*"
    assert abstracts[1] == f"**Abstract:** *{NO_ABSTRACT}*"


def test_html_page_and_email_say_there_is_no_abstract() -> None:
    digest = _digest()
    page = render_html(digest)
    assert page.count(f'<div class="abstract missing">{NO_ABSTRACT}</div>') == 1
    assert page.count('<div class="abstract tex">') == 1
    assert render_email_html(digest).count(NO_ABSTRACT) == 1


def test_json_keeps_the_abstract_empty() -> None:
    document = digest_to_dict(_digest())
    assert document["papers"][1]["abstract"] == ""
    assert document["papers"][0]["abstract"]


def test_feed_email_text_and_slack_say_there_is_no_abstract() -> None:
    document = digest_to_dict(_digest())
    feed = feedparser.parse(render_feed([document], SiteSettings()))
    summaries = {entry.link: entry.summary for entry in feed.entries}
    assert summaries[document["papers"][1]["abs_url"]] == NO_ABSTRACT
    assert summaries[document["papers"][0]["abs_url"]] != NO_ABSTRACT
    assert plain_text(document).count(NO_ABSTRACT) == 1
    slack = str([message.blocks for message in slack_messages(document, SlackSettings())])
    assert slack.count(NO_ABSTRACT) == 1
