"""Regenerate the README's map figures from scratch.

- docs/colombia-events.png ("Importing event data through a mapping"): demine's own /map page
  after `demine import events ../shared/data/colombia-events --mapping colombia_events`.
- docs/border-risk.png ("Contamination risk model"): the `border` region (seed 7) on its first
  day after `demine risk map`, a stretch of it, the risk grid under the hazard areas.

Each is made in a new GeoPackage in a temporary directory, through the CLI, with a viewer account
(finds, evidence, accidents and the risk grid are not public), `demine serve` on a free loopback
port, and Debian's chromium driven by Playwright, as in tests/web. No basemap is drawn unless
$DEMINE_BASEMAP names a PMTiles file. Usage:

    .venv/bin/python docs/screenshots.py [EVENTS_DIR]
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.error import URLError

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
DEMINE = ROOT / ".venv" / "bin" / "demine"
EVENTS = ROOT.parent / "shared" / "data" / "colombia-events"
OUT = ROOT / "docs" / "colombia-events.png"
RISK_OUT = ROOT / "docs" / "border-risk.png"
# A stretch of the border region's middle, [[west, south], [east, north]].
BORDER_STRETCH = [[36.75, 49.86], [37.05, 49.99]]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
# Mainland Colombia, [[west, south], [east, north]]: fitted explicitly, since the page's own
# extent includes the one source event whose longitude lost its sign (in the Indian Ocean).
COLOMBIA = [[-79.2, -4.3], [-66.8, 12.6]]
WAIT_MS = 120_000


def demine(db: str, *args: str, stdin: str | None = None) -> None:
    subprocess.run([str(DEMINE), "--db", db, *args], input=stdin, text=True, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2):
                return
        except (URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("demine serve did not start") from None
            time.sleep(0.2)


def log_in(page: Page, url: str, password: str) -> None:
    page.goto(f"{url}/login?next=/map")
    page.fill("input[name=name]", "screenshots")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/map")
    page.wait_for_function("document.body.dataset.mapReady === '1'")
    error = page.evaluate("document.body.dataset.mapError")
    if error:
        raise RuntimeError(f"the map page reported: {error}")


COUNT_AFTER_FIT = """async ([bounds, layers]) => {
  const map = window.demineMap;
  map.fitBounds(bounds, { padding: 20, duration: 0 });
  const idle = map.once("idle");
  map.triggerRepaint();
  await idle;
  return Object.fromEntries(layers.map(
    (id) => [id, map.queryRenderedFeatures({ layers: [id] }).length]));
}"""


def draw_events(page: Page, url: str, password: str) -> None:
    """Log in, open /map, fit Colombia and wait for the points to draw."""
    log_in(page, url, password)
    drawn = page.evaluate(COUNT_AFTER_FIT, [COLOMBIA, ["finds", "evidence", "accidents"]])
    if not all(drawn.values()):
        raise RuntimeError(f"points missing from the map: {drawn}")
    print(f"drawn: {drawn}")


def draw_risk(page: Page, url: str, password: str) -> None:
    """Log in, open /map, wait for the risk grid, fit a stretch of the border."""
    log_in(page, url, password)
    page.wait_for_function("document.body.dataset.riskLoaded > 0")
    drawn = page.evaluate(COUNT_AFTER_FIT, [BORDER_STRETCH, ["risk-fill", "hazard-fill"]])
    if not all(drawn.values()):
        raise RuntimeError(f"risk cells or hazard areas missing from the map: {drawn}")
    print(f"drawn: {drawn}")


def shoot(db: str, out: Path, draw: Callable[[Page, str, str], None]) -> None:
    """Serve the registry and save the map page as `draw` leaves it."""
    password = secrets.token_urlsafe(16)
    demine(db, "user", "add", "screenshots", "--role", "viewer", stdin=password + "\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(DEMINE), "--db", db, "serve", "--port", str(port)])
    try:
        wait_until_up(url, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 950})
                page.set_default_timeout(WAIT_MS)
                draw(page, url, password)
                page.screenshot(path=str(out))
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size // 1024} KB)")


def main() -> None:
    events = Path(sys.argv[1]) if len(sys.argv) > 1 else EVENTS
    if not (ROOT / "src" / "demine" / "web" / "static" / "vendor" / "maplibre-gl").is_dir():
        subprocess.run(["make", "web"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'colombia.gpkg'}"
        demine(db, "import", "events", str(events), "--mapping", "colombia_events")
        shoot(db, OUT, draw_events)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'border.gpkg'}"
        demine(db, "demo", "--scenario", "border", "--seed", "7")
        demine(db, "risk", "map")
        shoot(db, RISK_OUT, draw_risk)


if __name__ == "__main__":
    main()
