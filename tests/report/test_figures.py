"""The report's figures against `demine stats --json` (one source of truth) and against each
other: the parts add up to the whole, on both stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from demine.report.figures import progress_figures
from demine.report.output import write_whole
from demine.report.units import resolve_admin
from demine.stats.landrelease import Period
from demine.store import open_store
from tests.conftest import Cli
from tests.report.conftest import Region

PERIODS = [Period(), Period(date(2025, 4, 1), date(2025, 5, 31))]


@pytest.mark.parametrize("period", PERIODS, ids=["all", "april-may"])
def test_parts_add_up_to_the_stats(region: Region, period: Period) -> None:
    with region.store.read() as conn:
        f = progress_figures(conn, period, None)
        units = [resolve_admin(conn, code) for code in ("ADM2-1", "ADM2-2")]
        parts = [progress_figures(conn, period, unit) for unit in units]
    stats = f["stats"]
    assert f["area_m2"] == stats["area_m2"] and f["hazard_areas"] == stats["hazard_areas"]
    assert f["finds"]["count"] == stats["finds"]["count"]
    assert {d["category"]: d["found"] for d in f["finds"]["by_category"]} == \
        stats["finds"]["by_category"]
    acc = f["accidents"]
    assert (acc["count"], acc["killed"], acc["injured"]) == tuple(
        stats["accidents"][k] for k in ("count", "killed", "injured"))
    for table in ("by_age_group", "by_sex", "by_role", "by_category", "by_activity"):
        assert sum(r["killed"] for r in acc[table]) == acc["killed"], table
        assert sum(r["injured"] for r in acc[table]) == acc["injured"], table
    for method in ("cancelled", "reduced", "cleared"):
        assert sum(m[method] for m in f["monthly"]) == pytest.approx(stats["area_m2"][method])
    by_unit = f["remaining_by_unit"]
    assert sum(u["remaining_m2"] for u in by_unit) == pytest.approx(stats["area_m2"]["remaining"])
    assert sum(u["hazard_areas"] for u in by_unit) == stats["hazard_areas"]["count"]
    # the two districts are the whole region here: their figures add up to the stats
    for key in ("cancelled", "reduced", "cleared", "remaining", "initial"):
        assert sum(p["area_m2"][key] for p in parts) == pytest.approx(stats["area_m2"][key])
    assert sum(p["finds"]["count"] for p in parts) == stats["finds"]["count"]
    assert sum(p["accidents"]["count"] for p in parts) == stats["accidents"]["count"]


def test_admin1_covers_its_districts(region: Region) -> None:
    with region.store.read() as conn:
        province = resolve_admin(conn, "Border province")
        assert {"ADM2-1", "ADM2-2"} <= province.members
        whole = progress_figures(conn, Period(), province)
    assert whole["area_m2"] == pytest.approx(whole["stats"]["area_m2"])


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    with pytest.raises(TypeError):
        write_whole(target, "not bytes")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    write_whole(target, b"%PDF-1.4")
    write_whole(target, b"%PDF-1.7")
    assert target.read_bytes() == b"%PDF-1.7" and list(tmp_path.iterdir()) == [target]


def test_html_report_matches_stats_on_each_store(db_url: str, tmp_path: Path) -> None:
    cli = Cli(db_url)
    assert cli("demo", "--scenario", "small", "--seed", "3").exit_code == 0
    assert cli("simulate", "--days", "40").exit_code == 0
    stats = cli.json("stats", "--to", "2025-03-31")
    out = tmp_path / "p.html"
    result = cli("report", "progress", "--to", "2025-03-31", "--format", "html",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text()
    for key in ("cancelled", "cleared", "released", "remaining"):
        assert f"{stats['area_m2'][key]:,.0f}" in html
    store = open_store(db_url)
    try:
        with store.read() as conn:
            f = progress_figures(conn, Period(), None)
        assert f["area_m2"] == cli.json("stats")["area_m2"]
    finally:
        store.dispose()
