"""A report's HTML printed to vector PDF by headless chromium, and files written whole.

Chromium is Debian's (`/usr/bin/chromium`, which `make test` installs), driven by Playwright
as the browser tests drive it; Playwright never downloads a browser here. Its PDF keeps text as
text (selectable, searchable) and SVG as vector paths. Every request the page would make is
refused, so a report cannot reach outside even by mistake.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CHROMIUM = Path(os.environ.get("DEMINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-extensions"]
FORMATS = ("pdf", "html")
FOOTER = ('<div style="font-size:7pt;width:100%;text-align:center;color:#555">'
          'page <span class="pageNumber"></span> of <span class="totalPages"></span></div>')


class PrinterMissing(OSError):
    """No chromium to print the PDF with."""


def report_format(fmt: str | None, out: Path) -> str:
    """`pdf` or `html`: as given, else from the output file's extension."""
    chosen = (fmt or out.suffix.lstrip(".")).lower()
    chosen = "html" if chosen == "htm" else chosen
    if chosen not in FORMATS:
        raise ValueError(f"--format must be pdf or html (got {fmt or out.suffix or 'nothing'!r})")
    return chosen


def html_to_pdf(html: str) -> bytes:
    """The page printed on A4 with its backgrounds, as PDF bytes."""
    if not CHROMIUM.exists():
        raise PrinterMissing(
            f"cannot print a PDF: no chromium at {CHROMIUM} (run `make test`, which installs "
            "Debian's chromium, or `apt-get install chromium`); the HTML format needs none")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, display_header_footer=True,
                            header_template="<span></span>", footer_template=FOOTER,
                            margin={"top": "14mm", "bottom": "16mm", "left": "13mm",
                                    "right": "13mm"})
        finally:
            browser.close()


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` entirely or not at all: a temporary file in the same folder,
    then renamed over the target."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
