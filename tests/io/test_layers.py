"""Every layer out and back in: a whole simulated registry moved to an empty store by files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from demine.store import open_store
from demine.store.schema import LAYERS
from tests.conftest import Cli

ORDER = [("organisations", ".csv"), ("hazards", ".geojson"), ("locations", ".gpkg"),
         ("teams", ".fgb"), ("activities", ".gpkg"), ("finds", ".geojson"),
         ("evidence", ".csv"), ("accidents", ".kml"), ("victims", ".csv"), ("tasks", ".csv"),
         ("progress_reports", ".csv"), ("education_sessions", ".shp.zip"),
         ("roads", ".gpkg"), ("rivers", ".fgb"), ("land_cover", ".gpkg"),
         ("front_lines", ".geojson"), ("positions", ".csv")]
KEYS = {"finds": ("category", "depth_cm", "find_date"), "accidents": ("category", "accident_date"),
        "victims": ("accident", "sex", "age", "outcome"), "teams": ("type", "members"),
        "activities": ("type", "hazard", "status"), "evidence": ("kind", "evidence_date"),
        "progress_reports": ("team", "area_m2", "finds_by_category"),
        "land_cover": ("kind",), "locations": ("level", "population")}


def counts(db: str) -> dict[str, int]:
    store = open_store(db)
    with store.read() as conn:
        out = {n: conn.execute(select(func.count()).select_from(t)).scalar_one()
               for n, t in LAYERS.items() if n != "audit_log"}
    store.dispose()
    return out


def values(db: str, layer: str, keys: tuple[str, ...]) -> list[tuple[str, ...]]:
    store = open_store(db)
    table = LAYERS[layer]
    with store.read() as conn:
        rows = conn.execute(select(*(table.c[k] for k in keys))).all()
    store.dispose()
    return sorted(tuple(str(v) for v in r) for r in rows)


def test_a_whole_registry_moves_through_files(tmp_path: Path) -> None:
    source = str(tmp_path / "source.gpkg")
    assert Cli(source)("demo", "--scenario", "small", "--seed", "4").exit_code == 0
    assert Cli(source)("simulate", "--days", "150").exit_code == 0
    before = counts(source)
    assert all(before[n] > 0 for n in ("finds", "accidents", "victims", "activities",
                                       "progress_reports", "education_sessions"))
    target = str(tmp_path / "target.gpkg")
    for layer, suffix in ORDER:
        path = tmp_path / f"{layer}{suffix}"
        out = Cli(source)("export", layer, str(path))
        assert out.exit_code == 0, (layer, out.output)
        into = Cli(target)("import", layer, str(path))
        assert into.exit_code == 0, (layer, into.output)
    after = counts(target)
    for layer, _ in ORDER:
        name = "hazard_areas" if layer == "hazards" else layer
        assert after[name] == before[name], name
    for layer, keys in KEYS.items():
        assert values(target, layer, keys) == values(source, layer, keys), layer
    again = Cli(target)("import", "finds", str(tmp_path / "finds.geojson"))
    assert again.exit_code == 0 and "nothing to import" in again.stdout


@pytest.mark.parametrize(("body", "reason"), [
    ("code,category,find_date\nF-1,BOMBLET,2025-01-01\n", "category"),
    ("code,category,find_date\nF-1,AP_MINE,someday\n", "find_date"),
    ("code,find_date\nF-1,2025-01-01\n", "no 'category' column"),
    ("code,category,find_date,depth_cm\nF-1,AP_MINE,2025-01-01,-4\n", "depth_cm"),
])
def test_bad_rows_name_the_row_and_write_nothing(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "finds.csv"
    path.write_text(body + "F-2,UXO,2025-01-02\n" if "someday" in body else body)
    db = tmp_path / "none.gpkg"
    result = Cli(str(db))("import", "finds", str(path))
    assert result.exit_code != 0 and reason in result.stderr, result.stderr
    assert not db.exists()


def test_wrong_geometry_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "finds.csv"
    path.write_text('code,category,wkt\nF-1,AP_MINE,"POLYGON((0 0,1 0,1 1,0 0))"\n')
    result = Cli(str(tmp_path / "x.gpkg"))("import", "finds", str(path))
    assert result.exit_code != 0 and "cannot be a finds geometry" in result.stderr
