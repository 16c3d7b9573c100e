"""Refresh the bundled KaTeX files from the npm registry: ``make katex``.

KaTeX (MIT) renders the TeX in titles and abstracts. Its files are committed under
``src/papersift/render/static/katex/`` so that pages work offline, from ``file://``, and from a
fresh clone without npm; this script is how they got there and how to move to another version.
Only the WOFF2 fonts are kept (every browser that runs KaTeX reads them), and the stylesheet is
rewritten to name only those, so no page asks for a font file that is not there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.19.1"
TARGET = Path(__file__).resolve().parent.parent / "src/papersift/render/static/katex"
FILES = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]
_FALLBACK_FONTS = re.compile(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def main() -> int:
    version = sys.argv[1] if len(sys.argv) > 1 else VERSION
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["npm", "pack", f"katex@{version}", "--silent"], cwd=folder, check=True, text=True
        )
        (archive,) = Path(folder).glob("katex-*.tgz")
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        dist = Path(folder) / "package" / "dist"
        if TARGET.exists():
            shutil.rmtree(TARGET)
        (TARGET / "contrib").mkdir(parents=True)
        (TARGET / "fonts").mkdir()
        for name in FILES:
            shutil.copyfile(dist / name, TARGET / name)
        for font in sorted((dist / "fonts").glob("*.woff2")):
            shutil.copyfile(font, TARGET / "fonts" / font.name)
        css = TARGET / "katex.min.css"
        css.write_text(_FALLBACK_FONTS.sub("", css.read_text(encoding="utf-8")), encoding="utf-8")
        shutil.copyfile(Path(folder) / "package" / "LICENSE", TARGET / "LICENSE")
        (TARGET / "VERSION").write_text(version + "\n", encoding="utf-8")
    print(f"KaTeX {version} copied to {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
