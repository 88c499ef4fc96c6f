"""A small simulated region on each backend, generated once per test that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demine.store import Store, open_store
from tests.conftest import Cli


@pytest.fixture
def region(db_url: str) -> Iterator[tuple[Cli, Store]]:
    """The `small` scenario (seed 3) generated into an empty store."""
    cli = Cli(db_url)
    result = cli("demo", "--scenario", "small", "--seed", "3")
    assert result.exit_code == 0, result.output
    store = open_store(db_url)
    yield cli, store
    store.dispose()
