"""A throwaway PostgreSQL + PostGIS cluster for the tests, on a free port.

PostgreSQL refuses to run as root, so when the tests run as root the cluster is created and
started as the `postgres` system user. Each test gets a fresh database cloned from a template that
already has the PostGIS extension.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def pg_bindir() -> Path | None:
    """The newest PostgreSQL server binaries that have PostGIS beside them."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        version = Path(bindir).parent.name
        if glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
            return Path(bindir)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextmanager
def postgis_cluster() -> Iterator[str]:
    """Start a cluster; yields the URL of a template database with PostGIS."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL with PostGIS is not installed (run 'make test')")
    base = Path(tempfile.mkdtemp(prefix="demine-pg-"))
    data = base / "data"
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    run = lambda args: subprocess.run(  # noqa: E731
        _as_postgres(args), check=True, capture_output=True, text=True
    )
    run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
         "--no-sync", "-E", "UTF8", "--locale=C"])
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off")
    run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"),
         "-w", "start"])
    try:
        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE demine_template")
        with psycopg.connect(admin.rsplit("/", 1)[0] + "/demine_template",
                             autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield admin
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m",
                                     "immediate", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def new_database(admin_url: str, name: str) -> str:
    """A fresh database with PostGIS, cloned from the template; returns its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE demine_template')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
