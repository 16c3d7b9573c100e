"""``papersift site build`` says once where the site went; a run that rebuilds it logs it once."""

from __future__ import annotations

from pathlib import Path

from web_support import BuiltSite, papersift


def test_site_build_prints_its_summary_once(built_site: BuiltSite, tmp_path: Path) -> None:
    site = tmp_path / "again"
    result = papersift("site", "build", "--config", str(built_site.config), "--out", str(site))
    said = result.stdout + result.stderr
    assert said.count("Site of") == 1, said
    days = len(built_site.days)
    assert result.stdout.strip() == f"Site of {days} day(s) written to {site / 'index.html'}"
    assert (site / "index.html").is_file()
