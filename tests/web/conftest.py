"""A small region behind the web UI: the app in a TestClient, and served for a real browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from demine.api.app import create_app
from demine.store import Store, open_store
from demine.store.accounts import add_user
from tests.conftest import Cli

PASSWORDS = {"admin": "admin-pass-1", "viewer": "viewer-pass-1"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
WAIT_MS = 60_000


@dataclass
class Region:
    """A registry made by the demo and the simulator, with an admin and a viewer."""

    url: str
    path: Path
    store: Store


def make_region(url: str) -> Region:
    cli = Cli(url)
    assert cli("demo", "--scenario", "small", "--seed", "2").exit_code == 0
    assert cli("simulate", "--days", "75").exit_code == 0
    store = open_store(url)
    store.init()
    for name, password in PASSWORDS.items():
        add_user(store, name, name, None, password, "test")
    return Region(url, Path(url.removeprefix("sqlite:///")), store)


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    """One region for the web tests (those that edit use records no other test looks at)."""
    made = make_region(f"sqlite:///{tmp_path_factory.mktemp('web') / 'region.gpkg'}")
    yield made
    made.store.dispose()


@pytest.fixture(scope="session")
def planned(region: Region) -> Region:
    """The region with a plan written as tasks (`demine plan`) and its forecast beside the
    baselines (`demine forecast --baselines`): no other test looks at tasks or the forecast."""
    cli = Cli(region.url)
    for args in (["plan", "--time-limit", "2"],
                 ["forecast", "--draws", "50", "--baselines", "--time-limit", "1"]):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return region


@pytest.fixture
def client(region: Region) -> Iterator[TestClient]:
    """An anonymous browser's view of the app (cookies kept between requests)."""
    with TestClient(create_app(region.store)) as c:
        yield c


def log_in(client: TestClient, name: str) -> None:
    response = client.post("/login", data={"name": name, "password": PASSWORDS[name]},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(region: Region) -> Iterator[str]:
    """The base URL of the app served by uvicorn on a free loopback port, in a thread."""
    port = free_port()
    served = uvicorn.Server(uvicorn.Config(create_app(region.store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not served.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web UI's test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright, headless (`make test` installs it)."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A browser page and the URL of every request it made."""

    page: Page
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Tab]:
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    opened = Tab(context.new_page())
    opened.page.set_default_timeout(WAIT_MS)
    opened.page.on("request", lambda r: opened.requests.append(r.url))
    yield opened
    context.close()
