"""`demine check` from the command line: the report, the JSON, the exit code."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli, feature, square, write_geojson


def test_check_reports_a_unit_confusion_and_exits_1(tmp_path: Path) -> None:
    geo = tmp_path / "h.geojson"
    clean = feature(square(36.30, 50.10, 0.002), code="HA-1", classification="SHA",
                    date="2025-01-10", organisation="OPS-1")
    typo = feature(square(36.40, 50.10, 0.002), code="HA-2", classification="SHA",
                   date="2025-01-10", organisation="OPS-1", reported_area_m2=3.2)
    write_geojson(geo, [clean, typo])
    cli = Cli(str(tmp_path / "q.gpkg"))
    assert cli("import", "hazards", str(geo)).exit_code == 0
    report = cli("check")
    assert report.exit_code == 1
    assert "unit_confusion" in report.stdout and "HA-2" in report.stdout
    result = cli("check", "--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert [(f["check"], f["record"], f["severity"]) for f in findings] == [
        ("unit_confusion", "HA-2", "error")]
    assert set(findings[0]) == {"check", "severity", "layer", "record", "message"}
