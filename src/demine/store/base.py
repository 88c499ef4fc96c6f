"""One store interface, two backends registered by URL scheme.

`sqlite:///x.gpkg` (or a plain path) is the embedded default: one file that is also a GeoPackage.
`postgresql://...` is the server store on PostGIS. Both hold the same tables (store.schema) and are
read and written by the same SQLAlchemy Core code; only connection set-up and spatial bookkeeping
differ, and that lives in the backend classes here.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from demine.store import geopackage, migrate
from demine.store.schema import LAYERS, geometry_column, metadata
from demine.store.types import encode_geometries

DEFAULT_DB = "demine.gpkg"


class StoreError(Exception):
    """A store that cannot be opened or used as asked (missing file, bad URL, no schema)."""


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds and Z, as GeoPackage wants it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def cli_actor(user: str | None = None) -> str:
    """Who writes from the command line: `--as USER`, else cli:<operating-system user>."""
    if user:
        return user
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return f"cli:{name}"


class Store:
    """A registry database; subclasses bind it to a backend."""

    backend: ClassVar[str]
    url: str
    engine: Engine

    def __init__(self, url: str):
        self.url = url
        self.engine = self._create_engine(url)

    def _create_engine(self, url: str) -> Engine:
        raise NotImplementedError

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def exists(self) -> bool:
        """Whether the database holds demine's schema."""
        with self.engine.connect() as conn:
            return inspect(conn).has_table("hazard_areas")

    def init(self) -> bool:
        """Create the schema, or bring it to the head revision; True when it was created."""
        with self.write() as conn:
            if inspect(conn).has_table("hazard_areas"):
                if migrate.current_revision(conn) != migrate.head_revision():
                    migrate.upgrade(conn)
                return False
            self._before_create(conn)
            metadata.create_all(conn)
            self._after_create(conn)
            migrate.stamp_head(conn)
            return True

    def require(self) -> None:
        """Fail with a clear message when the database has no schema yet."""
        if not self.exists():
            raise StoreError(f"{self.describe()} holds no demine registry (run 'demine init')")

    def _before_create(self, conn: Connection) -> None:
        """Backend preparation before the tables are created."""

    def _after_create(self, conn: Connection) -> None:
        """Backend bookkeeping after the tables are created."""

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: everything in it lands, or nothing does."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(demine_write=True)
            with conn.begin():
                self._lock_for_write(conn)
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One consistent read transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _lock_for_write(self, conn: Connection) -> None:
        """Serialise writers so that the audit log's hash chain stays one chain."""

    def encode(self, geoms: NDArray[np.object_], multi: bool = False) -> list[Any]:
        """Geometries encoded for this backend in one vectorised pass (polygons as multi)."""
        return encode_geometries(self.dialect, geoms, multi)

    def describe(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


class GeoPackageStore(Store):
    """The embedded store: one SQLite file that is also a valid GeoPackage (WAL, foreign keys)."""

    backend = "sqlite"

    @property
    def path(self) -> Path:
        return Path(make_url(self.url).database or "")

    def _create_engine(self, url: str) -> Engine:
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None  # demine issues BEGIN itself
            geopackage.register_functions(dbapi_connection)
            dbapi_connection.execute("PRAGMA foreign_keys = ON")
            dbapi_connection.execute("PRAGMA page_size = 16384")  # new files only
            dbapi_connection.execute("PRAGMA cache_size = -65536")  # 64 MiB for bulk imports
            dbapi_connection.execute("PRAGMA journal_mode = WAL")
            # WAL with NORMAL sync never corrupts; a power cut may lose the last commit only
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")

        @event.listens_for(engine, "begin")
        def on_begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get("demine_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def exists(self) -> bool:
        return self.path.is_file() and super().exists()

    def _after_create(self, conn: Connection) -> None:
        geopackage.register_layers(conn)

    def init(self) -> bool:
        created = super().init()
        self.checkpoint()
        return created

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file, so that tools reading its header see it."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def describe(self) -> str:
        return str(self.path)


def spatial_indexes(conn: Connection, layers: dict[str, Table]) -> None:
    """A GIST index on each geometry column of these PostGIS tables (none made twice)."""
    for name, table in layers.items():
        geom = geometry_column(table)
        if geom is not None:
            conn.execute(text(f'CREATE INDEX IF NOT EXISTS "ix_{name}_{geom.name}" '
                              f'ON "{name}" USING GIST ("{geom.name}")'))


class PostGISStore(Store):
    """The server store: PostgreSQL with PostGIS, for many users at once."""

    backend = "postgresql"
    AUDIT_LOCK = 7_240_001

    def _create_engine(self, url: str) -> Engine:
        parsed = make_url(url).set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)

    def _before_create(self, conn: Connection) -> None:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))

    def _after_create(self, conn: Connection) -> None:
        spatial_indexes(conn, LAYERS)

    def _lock_for_write(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.AUDIT_LOCK})


BACKENDS: dict[str, type[Store]] = {"sqlite": GeoPackageStore, "postgresql": PostGISStore}
"""Store backends by URL scheme (the driver part after '+' is ignored)."""


def normalise_url(db: str | None) -> str:
    """A SQLAlchemy URL from --db / DEMINE_DB: a plain path means the embedded store."""
    db = db or DEFAULT_DB
    if "://" not in db:
        return f"sqlite:///{Path(db)}"
    if db.startswith("postgres://"):
        db = "postgresql://" + db[len("postgres://") :]
    return db


def open_store(db: str | None = None) -> Store:
    """The store for a URL or path, by its scheme."""
    url = normalise_url(db)
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    backend = BACKENDS.get(scheme)
    if backend is None:
        raise StoreError(
            f"unsupported database URL {url!r} (expected sqlite:///FILE.gpkg, a file path, "
            "or postgresql://...)"
        )
    return backend(url)
