"""Where the ground truth lives: beside the registry, never in it.

For the embedded store it is a second GeoPackage beside the registry's file (`<name>.truth.gpkg`);
for PostGIS it is the `truth` schema of the same database, written in the registry's own
transaction so that the two never disagree. QGIS, the web service and the exports read the
registry only, so the truth is never shown as registry data. The simulator's clock and team
states are kept here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    inspect,
    select,
    text,
)

from demine.store import geopackage
from demine.store.base import GeoPackageStore, Store, StoreError
from demine.store.types import Geometry

SCHEMA = "truth"
metadata = MetaData()

items = Table(
    "items", metadata,
    Column("fid", Integer, primary_key=True, autoincrement=False),
    Column("cluster", Integer, nullable=False),
    Column("category", Text, nullable=False),
    Column("depth_cm", Integer, nullable=False),
    Column("fate", Text, nullable=False),
    Column("fate_date", Text),
    Column("fate_record", Text),
    Column("civilian_exposure", Float, nullable=False),
    Column("setting", Text, nullable=False),
    Column("geom", Geometry("POINT"), nullable=False),
    comment="Every item of explosive ordnance: in_ground, found (destroyed) or accident",
    sqlite_autoincrement=True,
)
clusters = Table(
    "clusters", metadata,
    Column("fid", Integer, primary_key=True, autoincrement=False),
    Column("kind", Text, nullable=False),
    Column("known", Boolean, nullable=False),
    Column("geom", Geometry("MULTIPOLYGON"), nullable=False),
    comment="Minefields, impact areas, bombs and strikes, with the land they contaminate",
    sqlite_autoincrement=True,
)
sim_state = Table(
    "sim_state", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
TABLES = {t.name: t for t in (items, clusters, sim_state)}

ITEM_STATES = ("in_ground", "found", "accident")
TRUTH_ONLY_FIELDS = frozenset({"cluster", "fate", "fate_date", "fate_record", "known",
                               "civilian_exposure", "setting"})
"""Fields that exist only in the truth: the registry must never hold them."""


def truth_path(registry: Path) -> Path:
    """`<name>.truth.gpkg` beside the registry's `<name>.gpkg`."""
    return registry.with_name(f"{registry.stem}.truth.gpkg")


class TruthStore:
    """The ground truth of the store's simulated region."""

    def __init__(self, store: Store):
        self.registry = store
        if isinstance(store, GeoPackageStore):
            self.path: Path | None = truth_path(store.path)
            self._embedded: GeoPackageStore | None = GeoPackageStore(f"sqlite:///{self.path}")
            self.engine = self._embedded.engine
        else:
            self.path, self._embedded = None, None
            self.engine = store.engine

    def describe(self) -> str:
        return str(self.path) if self.path else f"schema {SCHEMA!r} of {self.registry.describe()}"

    @contextmanager
    def _connect(self, write: bool) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if write and self._embedded is not None:
                conn = conn.execution_options(demine_write=True)
            with conn.begin():
                if self._embedded is None:
                    conn.execute(text(f"SET LOCAL search_path TO {SCHEMA}, public"))
                yield conn

    def exists(self) -> bool:
        if self.path is not None and not self.path.is_file():
            return False
        with self._connect(False) as conn:
            if self._embedded is None:
                return bool(conn.execute(text(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                    "AND table_name = 'sim_state'"), {"s": SCHEMA}).first())
            return inspect(conn).has_table("sim_state")

    def create(self, outer: Connection | None = None) -> None:
        """An empty truth, replacing any earlier one (on PostGIS, inside `outer` if given)."""
        if self.path is not None:
            self.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            assert self._embedded is not None
            self._embedded = GeoPackageStore(f"sqlite:///{self.path}")
            self.engine = self._embedded.engine
            with self._connect(True) as conn:
                metadata.create_all(conn)
                geopackage.register_layers(conn, TABLES)
            self._embedded.checkpoint()
            return
        if outer is None:
            with self.engine.begin() as conn:
                self.create(conn)
            return
        outer.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        outer.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        with self.write(outer) as conn:
            metadata.create_all(conn)

    def drop(self) -> None:
        if self.path is not None:
            self.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            with self.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))

    @contextmanager
    def write(self, outer: Connection | None = None) -> Iterator[Connection]:
        """A write transaction on the truth; on PostGIS, inside the registry's `outer` one."""
        if outer is None or self._embedded is not None:
            with self._connect(True) as conn:
                yield conn
            return
        saved = outer.execute(text("SHOW search_path")).scalar_one()
        outer.execute(text(f"SET LOCAL search_path TO {SCHEMA}, public"))
        try:
            yield outer
        finally:
            outer.execute(text("SELECT set_config('search_path', :p, true)"), {"p": saved})

    @contextmanager
    def read(self) -> Iterator[Connection]:
        if not self.exists():
            raise StoreError(f"{self.registry.describe()} has no simulated region "
                             "(run 'demine demo' first)")
        with self._connect(False) as conn:
            yield conn

    def dispose(self) -> None:
        if self._embedded is not None:
            self._embedded.dispose()


def put_state(conn: Connection, values: dict[str, Any]) -> None:
    """Store simulator state values (JSON), replacing earlier ones of the same keys."""
    conn.execute(delete(sim_state).where(sim_state.c.key.in_(list(values))))
    conn.execute(sim_state.insert(), [{"key": k, "value": json.dumps(v, sort_keys=True)}
                                      for k, v in values.items()])


def get_state(conn: Connection) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in conn.execute(select(sim_state.c.key, sim_state.c.value))}
