"""The default `border` scenario: the figures the README's first run promises."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli


def test_border_region_seed_7(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'border.gpkg'}")
    result = cli("demo", "--seed", "7")
    assert result.exit_code == 0, result.output
    figures = cli.json("stats")
    assert figures["hazard_areas"]["count"] >= 500
    assert figures["teams"]["deminers"] >= 1000
    assert figures["accidents"]["count"] >= 1
    assert (tmp_path / "border.truth.gpkg").is_file()
