"""Tables of the registry (DESIGN.md §3), the same on SQLite/GeoPackage and PostGIS.

Every table has an integer `fid` primary key (a GeoPackage requirement), a UUID `id` and, where
users quote records, a unique `code`. Vocabulary values are stored as their text values; lists of
categories as comma-separated text so that GIS tools show them as they are typed.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)

from demine.store.types import Geometry

metadata = MetaData()


def _keys(code: bool = True, code_unique: bool = True) -> list[Column]:
    cols: list[Column] = [
        Column("fid", Integer, primary_key=True, autoincrement=True),
        Column("id", Text, nullable=False, unique=True),
    ]
    if code:
        cols.append(Column("code", Text, nullable=code_unique, unique=code_unique))
    return cols


def _stamps() -> list[Column]:
    """When a record was written and by whom (facts' own dates are separate columns)."""
    return [
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
        Column("created_by", Text, nullable=False),
    ]


organisations = Table(
    "organisations",
    metadata,
    *_keys(),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    *_stamps(),
    sqlite_autoincrement=True,
)

locations = Table(
    "locations",
    metadata,
    *_keys(),
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent", Text),
    Column("population", Integer),
    *_stamps(),
    Column("geom", Geometry("GEOMETRY")),
    sqlite_autoincrement=True,
)

hazard_areas = Table(
    "hazard_areas",
    metadata,
    *_keys(),
    Column("name", Text),
    Column("classification", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("contamination", Text),
    Column("organisation", Text),
    Column("reported_area_m2", Float),
    Column("area_m2", Float, nullable=False),
    Column("remaining_area_m2", Float, nullable=False),
    Column("blocked_land_use", Text),
    Column("beneficiaries", Integer),
    Column("priority", Integer),
    Column("info_date", Date),
    Column("location", Text),
    Column("version", Integer, nullable=False),
    *_stamps(),
    Column("geom", Geometry("MULTIPOLYGON"), nullable=False),
    sqlite_autoincrement=True,
)

activities = Table(
    "activities",
    metadata,
    *_keys(),
    Column("type", Text, nullable=False),
    Column("hazard", Text, ForeignKey("hazard_areas.code")),
    Column("organisation", Text),
    Column("team", Text),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("status", Text, nullable=False),
    Column("method", Text),
    Column("depth_cm", Integer),
    *_stamps(),
    Column("geom", Geometry("MULTIPOLYGON")),
    sqlite_autoincrement=True,
)

releases = Table(
    "releases",
    metadata,
    *_keys(),
    Column("hazard", Text, ForeignKey("hazard_areas.code"), nullable=False),
    Column("activity", Text),
    Column("method", Text, nullable=False),
    Column("release_date", Date),
    Column("organisation", Text),
    Column("depth_cm", Integer),
    Column("area_m2", Float, nullable=False),
    Column("clipped_m2", Float, nullable=False),
    Column("fingerprint", Text),
    *_stamps(),
    Column("geom", Geometry("MULTIPOLYGON"), nullable=False),
    Index("ix_releases_hazard", "hazard"),
    sqlite_autoincrement=True,
)

finds = Table(
    "finds",
    metadata,
    *_keys(),
    Column("activity", Text),
    Column("hazard", Text),
    Column("category", Text, nullable=False),
    Column("model", Text),
    Column("condition", Text),
    Column("depth_cm", Integer),
    Column("disposal", Text),
    Column("find_date", Date),
    *_stamps(),
    Column("geom", Geometry("POINT")),
    sqlite_autoincrement=True,
)

evidence = Table(
    "evidence",
    metadata,
    *_keys(),
    Column("kind", Text, nullable=False),
    Column("evidence_date", Date),
    Column("source", Text),
    Column("description", Text),
    *_stamps(),
    Column("geom", Geometry("GEOMETRY")),
    sqlite_autoincrement=True,
)

accidents = Table(
    "accidents",
    metadata,
    *_keys(),
    Column("accident_date", Date),
    Column("category", Text),
    Column("demining", Boolean, nullable=False),
    Column("activity_at_time", Text),
    Column("description", Text),
    Column("location", Text),
    *_stamps(),
    Column("geom", Geometry("POINT")),
    sqlite_autoincrement=True,
)

victims = Table(
    "victims",
    metadata,
    *_keys(),
    Column("accident", Text, ForeignKey("accidents.code"), nullable=False),
    Column("name", Text),
    Column("birth_date", Date),
    Column("sex", Text, nullable=False),
    Column("age", Integer),
    Column("outcome", Text, nullable=False),
    Column("role", Text, nullable=False),
    *_stamps(),
    sqlite_autoincrement=True,
)

teams = Table(
    "teams",
    metadata,
    *_keys(),
    Column("organisation", Text),
    Column("type", Text, nullable=False),
    Column("members", Integer, nullable=False),
    Column("rate_m2_per_day", Float),
    Column("available_from", Date),
    *_stamps(),
    Column("geom", Geometry("POINT")),
    sqlite_autoincrement=True,
)

tasks = Table(
    "tasks",
    metadata,
    *_keys(),
    Column("team", Text),
    Column("hazard", Text),
    Column("activity_type", Text, nullable=False),
    Column("planned_start", Date),
    Column("planned_end", Date),
    Column("status", Text, nullable=False),
    *_stamps(),
    sqlite_autoincrement=True,
)

progress_reports = Table(
    "progress_reports",
    metadata,
    *_keys(),
    Column("team", Text, nullable=False),
    Column("task", Text),
    Column("report_date", Date, nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("finds_by_category", Text),
    *_stamps(),
    sqlite_autoincrement=True,
)

inspections = Table(
    "inspections",
    metadata,
    *_keys(),
    Column("activity", Text),
    Column("inspection_date", Date),
    Column("organisation", Text),
    Column("sample_size", Integer),
    Column("non_conformities", Text),
    Column("result", Text, nullable=False),
    *_stamps(),
    Column("geom", Geometry("MULTIPOLYGON")),
    sqlite_autoincrement=True,
)

education_sessions = Table(
    "education_sessions",
    metadata,
    *_keys(),
    Column("session_date", Date),
    Column("organisation", Text),
    Column("method", Text),
    Column("girls", Integer, nullable=False),
    Column("boys", Integer, nullable=False),
    Column("women", Integer, nullable=False),
    Column("men", Integer, nullable=False),
    Column("location", Text),
    *_stamps(),
    Column("geom", Geometry("POINT")),
    sqlite_autoincrement=True,
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("before", Text),
    Column("after", Text),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Index("ix_audit_log_record", "entity", "record"),
    sqlite_autoincrement=True,
)


def _context(name: str, geometry_type: str, comment: str) -> Table:
    """A context layer: the region around the registry (roads, rivers, land cover, ...)."""
    return Table(
        name,
        metadata,
        *_keys(code=False),
        Column("name", Text),
        Column("kind", Text, nullable=False),
        *_stamps(),
        Column("geom", Geometry(geometry_type), nullable=False),
        comment=comment,
        sqlite_autoincrement=True,
    )


roads = _context("roads", "LINESTRING", "Roads and tracks (kind: main, secondary, track)")
rivers = _context("rivers", "LINESTRING", "Rivers and streams")
land_cover = _context("land_cover", "MULTIPOLYGON",
                      "Land cover (kind: farmland, forest, built_up)")
front_lines = _context("front_lines", "LINESTRING",
                       "Former front lines (kind: front_line, earlier_line)")
positions = _context("positions", "POINT",
                     "Former fortified and artillery positions, checkpoints (kind)")

CONTEXT_LAYERS: tuple[str, ...] = ("roads", "rivers", "land_cover", "front_lines", "positions")
"""Context layers: the offline basemap and the places evidence is measured from."""

risk_cells = Table(
    "risk_cells",
    metadata,
    *_keys(code=False),
    Column("cell", Text, nullable=False),
    Column("risk", Float, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("hazard", Text),
    Column("contributions", Text),
    *_stamps(),
    Column("geom", Geometry("POLYGON"), nullable=False),
    comment="Contamination risk map: probability of contamination per grid cell (risk, 0 to 1) "
            "on the date as_of; contributions: JSON of feature -> log-odds",
    sqlite_autoincrement=True,
)
"""The risk model's grid: replaced whole each time a map is made (store.risk)."""

hazard_risk = Table(
    "hazard_risk",
    metadata,
    Column("hazard", Text, primary_key=True),
    Column("risk_mean", Float),
    Column("risk_max", Float),
    Column("cells", Integer),
    Column("as_of", Date),
    Column("contributions", Text),
    Column("created_at", Text),
)
"""Each hazard area's mean and largest cell risk from the latest map (for planners and pages)."""

RISK_LAYERS: tuple[str, ...] = ("risk_cells",)
"""Layers computed by demine rather than recorded: served and exported, never imported."""

LAYERS: dict[str, Table] = {
    t.name: t
    for t in (
        organisations,
        locations,
        hazard_areas,
        activities,
        releases,
        finds,
        evidence,
        accidents,
        victims,
        teams,
        tasks,
        progress_reports,
        inspections,
        education_sessions,
        roads,
        rivers,
        land_cover,
        front_lines,
        positions,
        risk_cells,
        audit_log,
    )
}
"""Every layer by its name (DESIGN.md §3): table, GeoPackage layer and export layer alike."""

users = Table(
    "users",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    Column("organisation", Text),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    *_stamps(),
    sqlite_autoincrement=True,
)

tokens = Table(
    "tokens",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("user_name", Text, ForeignKey("users.name"), nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_at", Text, nullable=False),
    sqlite_autoincrement=True,
)

settings = Table(
    "settings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("key", Text, primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

ACCOUNT_TABLES: dict[str, Table] = {t.name: t for t in (users, tokens, settings, idempotency)}
"""Web-service accounts and bookkeeping: not registry layers (never exported nor served)."""

LAYER_ALIASES = {"hazards": "hazard_areas"}


def layer_table(name: str) -> Table:
    """The table of a layer name (or alias), with a clear error for an unknown one."""
    key = LAYER_ALIASES.get(name, name)
    if key not in LAYERS:
        raise KeyError(f"unknown layer {name!r} (expected one of {', '.join(sorted(LAYERS))})")
    return LAYERS[key]


def geometry_column(table: Table) -> Column | None:
    """The table's geometry column, if it has one."""
    for col in table.columns:
        if isinstance(col.type, Geometry):
            return col
    return None
