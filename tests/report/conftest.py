"""A simulated region to report on: the small demo scenario after 120 days of work, so that
hazard areas have been closed, devices found and accidents recorded."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, update

from demine.store import Store, open_store
from demine.store.schema import accidents, hazard_areas, releases, victims
from tests.conftest import Cli

NAME = "Testperson Ahmadova"
"""A victim's name written for these tests: it must appear only in personal reports."""


@dataclass
class Region:
    url: str
    cli: Cli
    store: Store
    closed: str
    open: str
    victim_period: tuple[str, str]


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'region.gpkg'}"
    cli = Cli(url)
    assert cli("demo", "--scenario", "small", "--seed", "2").exit_code == 0
    assert cli("simulate", "--days", "120").exit_code == 0
    store = open_store(url)
    with store.write() as conn:
        closed = conn.execute(
            select(hazard_areas.c.code).where(hazard_areas.c.status == "closed",
                                              hazard_areas.c.code.in_(
                                                  select(releases.c.hazard)))
            .order_by(hazard_areas.c.code)).scalars().first()
        still = conn.execute(select(hazard_areas.c.code).where(
            hazard_areas.c.status != "closed").order_by(hazard_areas.c.code)).scalars().first()
        victim, day = conn.execute(
            select(victims.c.code, accidents.c.accident_date)
            .join(accidents, accidents.c.code == victims.c.accident)
            .order_by(accidents.c.accident_date.desc())).first()
        conn.execute(update(victims).where(victims.c.code == victim)
                     .values(name=NAME, birth_date=None))
    assert closed and still
    yield Region(url, cli, store, closed, still, (day.isoformat(), day.isoformat()))
    store.dispose()


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"no {tool}: `make test` installs Debian's poppler-utils")
    return found


@pytest.fixture(scope="session")
def pdftotext() -> str:
    return poppler("pdftotext")


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    return poppler("pdftoppm")


def no_leftovers(folder: Path) -> list[str]:
    """Files left in a folder (a half-written report would be one)."""
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="session")
def printer() -> None:
    """PDF needs Debian's chromium (`make test` installs it)."""
    from demine.report.output import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(f"no {CHROMIUM}: `make test` installs Debian's chromium")
