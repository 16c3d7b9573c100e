"""Renderers: a digest turned into files."""

from __future__ import annotations

from papersift.render.json import digest_to_dict, render_json
from papersift.render.markdown import render_markdown

__all__ = ["digest_to_dict", "render_json", "render_markdown"]
