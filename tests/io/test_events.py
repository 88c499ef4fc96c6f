"""Events through a mapping: the Colombian landmine events land once each; bad input writes nothing.

The real data is the public "Eventos Minas Antipersonal en Colombia" GeoJSON (36,527 events,
1990-2019, MIT licence), looked for in $DEMINE_COLOMBIA_EVENTS; its README gives the counts per
event type that the import must reproduce.
"""

from __future__ import annotations

import json
import os
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from demine.io.events import EventBatch, import_events, read_events
from demine.io.mapping import MappingError, load_mapping, shipped_mappings
from demine.model.problems import InputError
from demine.store import Store
from demine.store.schema import LAYERS, accidents, audit_log, evidence, finds
from tests.conftest import feature, write_geojson

DATA = Path(os.environ.get("DEMINE_COLOMBIA_EVENTS", "/work/shared/data/colombia-events"))
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"no Colombian events at {DATA}")

# Counts per event type, from the data's README ("Event types and counts (all files together)").
README_BY_TYPE = {"1": 6_667, "2": 242, "3": 8, "4": 24_136, "5": 3_494, "6": 44, "7": 28,
                  "8": 1_908}
README_TOTAL = 36_527
# The mapping places 1 and 2 in accidents, 4 and 6 in finds, 3, 5, 7 and 8 in evidence.
BY_LAYER = {"accidents": 6_667 + 242, "finds": 24_136 + 44, "evidence": 8 + 3_494 + 28 + 1_908}
STORED = {
    ("accidents", "AP_MINE"): README_BY_TYPE["1"], ("accidents", "UXO"): README_BY_TYPE["2"],
    ("evidence", "arsenal"): README_BY_TYPE["3"], ("finds", "AP_MINE"): README_BY_TYPE["4"],
    ("evidence", "seizure"): README_BY_TYPE["5"], ("finds", "UXO"): README_BY_TYPE["6"],
    ("evidence", "production_site"): README_BY_TYPE["7"],
    ("evidence", "suspicion_report"): README_BY_TYPE["8"],
}
"""What each type becomes in the store: (layer, category or kind) -> count."""


@pytest.fixture(scope="module")
def colombia() -> EventBatch:
    """All the Colombian events, read once for the module."""
    if not DATA.is_dir():
        pytest.skip(f"no Colombian events at {DATA}")
    return read_events(DATA, "colombia_events")


def table_counts(store: Store) -> dict[str, int]:
    """The row count of every layer, the audit log included."""
    with store.read() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in LAYERS.items()}


def refused(store: Store, batch: EventBatch) -> list[str]:
    """Import a batch that must be refused; the problems' lines. Nothing may be written."""
    before = table_counts(store)
    with pytest.raises(InputError) as caught:
        import_events(store, batch, "tester", "test")
    assert table_counts(store) == before
    return [str(p) for p in caught.value.problems]


def event(lon: float, lat: float, kind: str = "1", year: str = "2005", **more: Any) -> dict:
    props = {"TIPO_EVENTO": kind, "AÑO": year, "DEPARTAMENTO": "META", "MUNICIPIO": "MESETAS",
             "TIPO_AREA": "Rural", **more}
    return feature([lon, lat], "Point", **props)


def events_file(folder: Path, name: str, features: list[dict]) -> Path:
    folder.mkdir(exist_ok=True)
    return write_geojson(folder / name, features)


# --- the real data ------------------------------------------------------------------------------


@needs_data
def test_real_data_reads_with_the_readme_counts(colombia: EventBatch) -> None:
    assert colombia.problems == []
    assert len(colombia) == README_TOTAL
    assert colombia.count_by_type() == README_BY_TYPE
    assert colombia.count_by_layer() == dict(sorted(BY_LAYER.items()))
    assert len(set(colombia.codes)) == README_TOTAL
    assert {d.year for d in colombia.dates} == set(range(1990, 2020))
    assert all(d.month == 1 and d.day == 1 for d in colombia.dates)  # the source gives years
    # one event in Bogota has lost its longitude's sign: imported as it is, and pointed out
    assert len(colombia.notices) == 1
    assert "1 event(s)" in colombia.notices[0] and "2004.json feature 1375" in colombia.notices[0]


@needs_data
def test_real_data_lands_once_each_and_a_reimport_is_a_no_op(
    store: Store, colombia: EventBatch
) -> None:
    created = import_events(store, colombia, "tester", str(DATA))
    assert created == {**BY_LAYER, "already": 0}
    with store.read() as conn:
        stored = {}
        for layer, column in (("accidents", accidents.c.category),
                              ("finds", finds.c.category), ("evidence", evidence.c.kind)):
            for value, n in conn.execute(select(column, func.count()).group_by(column)):
                stored[(layer, value)] = n
        codes = [c for t in (accidents, finds, evidence)
                 for c in conn.execute(select(t.c.code)).scalars()]
        entries = conn.execute(select(audit_log.c.entity, audit_log.c.after)).all()
        first = conn.execute(select(accidents).where(
            accidents.c.code == "ACC-CO-1990-00001")).mappings().one()
    assert stored == STORED
    assert sorted(codes) == sorted(colombia.codes)  # every event exactly once
    assert {entity: json.loads(after)["count"] for entity, after in entries} == BY_LAYER
    assert first["accident_date"] == date(1990, 1, 1) and first["demining"] is False
    assert "NECHÍ, ANTIOQUIA (Rural), year 1990" in first["description"]
    before = table_counts(store)
    again = import_events(store, colombia, "tester", str(DATA))
    assert again == {"accidents": 0, "finds": 0, "evidence": 0, "already": README_TOTAL}
    assert table_counts(store) == before


@needs_data
def test_a_truncated_file_among_real_ones_is_named_and_nothing_is_written(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "1990.json").write_bytes((DATA / "1990.json").read_bytes())
    whole = (DATA / "1991.json").read_bytes()
    (folder / "1991.json").write_bytes(whole[: len(whole) // 2])
    batch = read_events(folder, "colombia_events")
    lines = refused(store, batch)
    assert len(lines) == 1
    assert f"{folder / '1991.json'}: not valid JSON, corrupt or truncated" in lines[0]


@needs_data
def test_an_unknown_type_code_in_real_data_names_its_row(store: Store, tmp_path: Path) -> None:
    data = json.loads((DATA / "1990.json").read_text("utf-8"))
    data["features"][2]["properties"]["TIPO_EVENTO"] = "9"
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "1990.json").write_text(json.dumps(data), "utf-8")
    lines = refused(store, read_events(folder, "colombia_events"))
    assert lines == ["feature 3 (1990.json): event type '9' is not placed by the mapping "
                     "(it places 1, 2, 3, 4, 5, 6, 7, 8)"]


# --- bad rows and files -------------------------------------------------------------------------


def test_rows_that_cannot_be_taken_are_each_named(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "events"
    events_file(folder, "2005.json", [
        event(-73.5, 3.3),
        event(-73.5, 95.0),
        event(190.0, 3.3, kind="4"),
        event(-73.5, 3.3, kind="12"),
        event(-73.5, 3.3, year="20x5"),
        event(-73.5, 3.3, year="2190"),
        feature(None, TIPO_EVENTO="1", AÑO="2005"),
        feature([[-73.5, 3.3], [-73.4, 3.3]], "LineString", TIPO_EVENTO="1", AÑO="2005"),
        event(-73.5, 3.3, kind=""),
        {"type": "Feature", "properties": {"TIPO_EVENTO": "1"}, "geometry": {
            "type": "Point", "coordinates": ["x", 3]}},
    ])
    batch = read_events(folder, "colombia_events")
    assert len(batch) == 1
    lines = refused(store, batch)
    assert lines == [
        "feature 2 (2005.json): coordinates out of range: latitude 95 is outside [-90, 90]",
        "feature 3 (2005.json): coordinates out of range: longitude 190 is outside [-180, 180]",
        "feature 4 (2005.json): event type '12' is not placed by the mapping "
        "(it places 1, 2, 3, 4, 5, 6, 7, 8)",
        "feature 5 (2005.json): date '20x5' is not a year (YYYY)",
        "feature 6 (2005.json): date 2190-01-01 is in the future",
        "feature 7 (2005.json): no coordinates (the feature has no geometry)",
        "feature 8 (2005.json): geometry is a LineString, not a Point",
        "feature 9 (2005.json): no event type (column TIPO_EVENTO is empty or missing)",
        "feature 10 (2005.json): coordinates ['x', 3] are not a pair of numbers",
    ]


@pytest.mark.parametrize(("content", "reason"), [
    (b'{"type": "FeatureCollection", "features": [{"type": "Feat', "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    (b'{"type": "Topology", "objects": {}}', "not a GeoJSON FeatureCollection"),
    (b"", "not valid JSON"),
])
def test_a_corrupt_file_is_named_and_nothing_is_written(
    store: Store, tmp_path: Path, content: bytes, reason: str
) -> None:
    folder = tmp_path / "events"
    events_file(folder, "2001.json", [event(-73.5, 3.3)])
    (folder / "2002.json").write_bytes(content)
    batch = read_events(folder, "colombia_events")
    lines = refused(store, batch)
    assert len(lines) == 1 and lines[0].startswith(f"{folder / '2002.json'}: {reason}"), lines


def test_missing_path_and_empty_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        read_events(tmp_path / "nowhere", "colombia_events")
    with pytest.raises(InputError, match=r"holds no file matching '\*\.json'"):
        read_events(tmp_path, "colombia_events")


# --- re-imports ---------------------------------------------------------------------------------


def test_reimport_of_a_changed_or_larger_set_is_refused(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "events"
    events_file(folder, "2001.json", [event(-73.5, 3.3), event(-73.6, 3.4, kind="8")])
    assert import_events(store, read_events(folder / "2001.json", "colombia_events"),
                         "tester", "2001.json") == {"accidents": 1, "finds": 0, "evidence": 1,
                                                    "already": 0}
    events_file(folder, "2002.json", [event(-73.7, 3.5, kind="4")])
    lines = refused(store, read_events(folder, "colombia_events"))
    assert lines == [
        f"feature {n} (2001.json): already in the store as {code}; these files mix 1 new and 2 "
        "already-imported events, so nothing was imported"
        for n, code in ((1, "ACC-CO-2001-00001"), (2, "EV-CO-2001-00002"))]
    (folder / "2002.json").unlink()
    events_file(folder, "2001.json", [event(-73.5, 3.3), event(-73.6, 3.9, kind="8")])
    lines = refused(store, read_events(folder, "colombia_events"))
    assert lines == ["feature 2 (2001.json): EV-CO-2001-00002 is already in the store with a "
                     "different position; nothing was imported"]


def test_reimport_through_a_mapping_that_moved_a_type_is_refused(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "events"
    events_file(folder, "2001.json", [event(-73.5, 3.3, kind="8")])
    import_events(store, read_events(folder, "colombia_events"), "tester", "2001.json")
    moved = mapping_file(tmp_path, ('[types.8]\nlabel = "Sospecha de campo minado (suspected '
                                    'minefield)"\nlayer = "evidence"\nkind = "suspicion_report"',
                                    '[types.8]\nlabel = "x"\nlayer = "finds"\ncategory = "OTHER"'))
    lines = refused(store, read_events(folder, moved))
    assert lines == ["feature 1 (2001.json): already in the store as EV-CO-2001-00001, but the "
                     "mapping now places type 8 in finds; nothing was imported"]


# --- mappings -----------------------------------------------------------------------------------


def shipped_text() -> str:
    return resources.files("demine.io.mappings").joinpath("colombia_events.toml").read_text(
        "utf-8")


def mapping_file(folder: Path, *replacements: tuple[str, str], name: str = "mine.toml") -> Path:
    """The shipped mapping with some text replaced, as a user's file."""
    text = shipped_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_shipped_mapping_by_name_and_by_path(tmp_path: Path) -> None:
    assert "colombia_events" in shipped_mappings()
    by_name = load_mapping("colombia_events")
    by_path = load_mapping(mapping_file(tmp_path))
    assert by_name.types == by_path.types
    assert {t: e.layer for t, e in by_name.types.items()} == {
        "1": "accidents", "2": "accidents", "3": "evidence", "4": "finds", "5": "evidence",
        "6": "finds", "7": "evidence", "8": "evidence"}
    assert by_name.types["1"].values == {"category": "AP_MINE", "demining": False}
    assert by_name.types["8"].values == {"kind": "suspicion_report"}


BAD_MAPPINGS = [
    (('crs = "EPSG:4326"', 'crs = "EPSG:4326"\nprojection = "mercator"'),
     "[source] projection: unknown key"),
    (('type = "TIPO_EVENTO"', ""), "[columns] type: missing required key"),
    (('[types.3]\nlabel = "Arsenal almacenado (stored arsenal found)"\nlayer = "evidence"\n'
      'kind = "arsenal"', '[types.3]\nlabel = "Arsenal"\nlayer = "evidence"'),
     "[types.3] kind: missing required key"),
    (('kind = "seizure"', 'kind = "confiscation"'),
     "[types.5] kind: unknown evidence kind 'confiscation' (expected one of suspicion_report"),
    (('category = "UXO"\n\n[types.3]', 'category = "UXO"\nkind = "arsenal"\n\n[types.3]'),
     "[types.2] kind: unknown key for a type placed in accidents"),
    (('layer = "finds"\ncategory = "AP_MINE"', 'layer = "minefields"\ncategory = "AP_MINE"'),
     "[types.4] layer: 'minefields' is not one of accidents, finds, evidence"),
    (('code = "CO-{file}-{row:05d}"', 'code = "{row:06d}"'),
     "[source] code: must hold letters of its own"),
    (('code = "CO-{file}-{row:05d}"', 'code = "CO-{file}-{serial}"'),
     "[source] code: {serial} is not one of file, row, id"),
    (('crs = "EPSG:4326"', 'crs = "EPSG:999999"'), "[source] crs: 'EPSG:999999' is not a CRS"),
    (('date_format = "year"', 'date_format = "yearly"'), "[columns] date_format: 'yearly' is not"),
    (("[columns]", "[colums]"), "[colums]: unknown section"),
]


@pytest.mark.parametrize(("replacement", "reason"), BAD_MAPPINGS)
def test_a_bad_mapping_is_refused_with_file_key_and_reason(
    tmp_path: Path, replacement: tuple[str, str], reason: str
) -> None:
    path = mapping_file(tmp_path, replacement)
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith(f"{path}: {reason}") for line in lines), lines
    assert isinstance(caught.value, InputError)  # printed one line per problem by the CLI


def test_a_bad_mapping_stops_before_any_data_is_read(store: Store, tmp_path: Path) -> None:
    path = mapping_file(tmp_path, ('kind = "seizure"', 'kind = "confiscation"'))
    before = table_counts(store)
    with pytest.raises(MappingError):
        read_events(tmp_path / "does-not-matter", path)
    assert table_counts(store) == before


def test_unknown_mapping_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"not a shipped mapping .*colombia_events"):
        load_mapping("colombia")
    with pytest.raises(MappingError, match="no such file"):
        load_mapping(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[source\nlabel = 1\n")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(broken)


# --- a user's CSV source in a projected CRS ----------------------------------------------------


CSV_MAPPING = """
[source]
label = "Field reports"
format = "csv"
files = "*.csv"
crs = "EPSG:32618"
code = "FR-{id}"

[columns]
type = "kind"
date = "reported"
date_format = "%d/%m/%Y"
coordinates = ["easting", "northing"]
id = "report"
description = "{label} at {place}"

[types.mine]
label = "Mine found"
layer = "finds"
category = "AP_MINE"
condition = "armed"
disposal = "destroyed_in_situ"

[types.blast]
label = "Civilian accident"
layer = "accidents"
activity_at_time = "farming"

[types.talk]
label = "Community report"
layer = "evidence"
kind = "community_report"
"""


def test_a_csv_source_in_utm_through_a_users_mapping(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "reports.toml"
    mapping.write_text(CSV_MAPPING)
    data = tmp_path / "reports.csv"
    data.write_text(
        "report,kind,reported,easting,northing,place\n"
        "R1,mine,03/02/2021,500000,400000,La Macarena\n"
        "R2,blast,15/06/2022,501000,401000,\n"
        "R3,talk,01/01/2023,502000,402000,Vista Hermosa\n", "utf-8")
    batch = read_events(data, mapping)
    assert batch.problems == []
    assert batch.codes == ["F-FR-R1", "ACC-FR-R2", "EV-FR-R3"]
    assert batch.lon[0] == pytest.approx(-75.0, abs=1e-9)  # the zone's central meridian
    # on the central meridian, 400 km north of the equator over the scale factor 0.9996
    assert batch.lat[0] == pytest.approx(3.6189, abs=1e-4)
    assert batch.descriptions[1] == "Civilian accident at "
    assert import_events(store, batch, "tester", str(data)) == {
        "accidents": 1, "finds": 1, "evidence": 1, "already": 0}
    with store.read() as conn:
        found = conn.execute(select(finds)).mappings().one()
        accident = conn.execute(select(accidents)).mappings().one()
        report = conn.execute(select(evidence)).mappings().one()
    assert (found["category"], found["condition"], found["disposal"], found["find_date"]) == (
        "AP_MINE", "armed", "destroyed_in_situ", date(2021, 2, 3))
    assert (accident["category"], accident["demining"], accident["activity_at_time"]) == (
        None, False, "farming")
    assert (report["kind"], report["source"], report["description"]) == (
        "community_report", "Field reports", "Community report at Vista Hermosa")


def test_csv_rows_that_cannot_be_taken(tmp_path: Path) -> None:
    mapping = tmp_path / "reports.toml"
    mapping.write_text(CSV_MAPPING)
    data = tmp_path / "reports.csv"
    data.write_text(
        "report,kind,reported,easting,northing,place\n"
        "R1,mine,03/02/2021,500000,400000,A\n"
        "R2,mine,03/02/2021,500000\n"
        "R3,mine,2021-02-03,500000,400000,C\n"
        "R1,talk,03/02/2021,500000,400000,D\n"
        ",mine,03/02/2021,,400000,E\n", "utf-8")
    lines = [str(p) for p in read_events(data, mapping).problems]
    assert lines == [
        "feature 2 (reports.csv): unreadable row: 4 fields where the header has 6",
        "feature 3 (reports.csv): date '2021-02-03' does not match the mapping's date format "
        "'%d/%m/%Y'",
        "feature 5 (reports.csv): no coordinates (column easting or northing is empty)",
        "feature 4 (reports.csv): code 'FR-R1' is also that of reports.csv feature 1 (the "
        "mapping's [source] code must tell events apart)",
    ]


def test_a_description_column_no_event_has_is_a_mapping_problem(tmp_path: Path) -> None:
    mapping = mapping_file(tmp_path, ("{MUNICIPIO}, {DEPARTAMENTO}", "{MUNICIPO}, {DEPARTAMENTO}"))
    folder = tmp_path / "events"
    events_file(folder, "2005.json", [event(-73.5, 3.3)])
    lines = [str(p) for p in read_events(folder, mapping).problems]
    assert lines == [f"{mapping}: [columns] description names column(s) MUNICIPO, which no "
                     "event of the files has"]



@needs_data
def test_cli_imports_events_through_a_mapping(tmp_path: Path) -> None:
    from tests.conftest import Cli

    cli = Cli(str(tmp_path / "co.gpkg"))
    first = cli("import", "events", str(DATA), "--mapping", "colombia_events")
    assert first.exit_code == 0, first.output
    assert (f"imported {BY_LAYER['accidents']} accidents, {BY_LAYER['finds']} finds, "
            f"{BY_LAYER['evidence']} evidence") in first.stdout
    figures = cli.json("stats")
    assert figures["finds"]["count"] == BY_LAYER["finds"]
    assert figures["accidents"]["count"] == BY_LAYER["accidents"]
    assert figures["evidence"]["count"] == BY_LAYER["evidence"]
    again = cli("import", "events", str(DATA), "--mapping", "colombia_events")
    assert again.exit_code == 0 and "nothing to import" in again.stdout
    bad = cli("import", "events", str(DATA), "--mapping", "no_such_mapping")
    assert bad.exit_code != 0 and "no_such_mapping" in bad.stderr
