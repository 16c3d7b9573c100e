"""Screenshot a page with Debian's Chromium: ``python scripts/screenshot.py PAGE OUT.png``.

The README's picture of the day page is made this way from the demo's site (`make demo`, then
`make site`, then ``python scripts/screenshot.py out/demo/site/index.html docs/day-page.png``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def main() -> int:
    page_path, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=ARGS,
            viewport={"width": 1000, "height": 1250},
        )
        page = context.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_selector("html[data-ready=true]", state="attached")
        page.screenshot(path=str(out))
        context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
