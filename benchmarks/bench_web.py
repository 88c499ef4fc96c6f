"""The web service under load: bbox pages of hazard areas, and the public nearby endpoint.

100,000 hazard polygons (8 to 20 vertices, median about 20,000 m2) over a region of about
150 x 60 km, so that a 2 km box holds about 40 of them. `wrk` on loopback sends random 2 km boxes
(`items?bbox=...&limit=100`) and random points (`/public/nearby`, 5 km radius), with 50
connections and with one. The peer, measured in the same run on the same polygons, is pygeoapi
with its PostgreSQL provider under gunicorn with 2 workers (installed in a separate virtual
environment, ~/.cache/demine/bench-peer, on first use). Usage:

    .venv/bin/python benchmarks/bench_web.py [--count 100000] [--duration 15] [--no-peer]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import URLError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_import import generate
from demine.io.hazards import read_hazards
from demine.store import open_store
from demine.store.imports import import_hazards
from tests.postgis import free_port, new_database, postgis_cluster

LON, LAT = (36.0, 38.1), (49.8, 50.34)
BOX_M = 2000.0
PEER = Path.home() / ".cache" / "demine" / "bench-peer"
LUA = """
local minx, miny, maxx, maxy = {minx}, {miny}, {maxx}, {maxy}
local kind, template = "{kind}", "{template}"
local w, h = {box_lon}, {box_lat}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("seed", counter * 7919)
end
init = function(args) math.randomseed(seed) end
request = function()
  local x = minx + math.random() * (maxx - minx - w)
  local y = miny + math.random() * (maxy - miny - h)
  local path
  if kind == "bbox" then
    path = string.format(template, x, y, x + w, y + h)
  else
    path = string.format(template, x + w / 2, y + h / 2)
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d\\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
"""


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from None
            time.sleep(0.2)


@contextmanager
def process(args: list[str], env: dict[str, str], ready: str) -> Iterator[None]:
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for(ready, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def wrk(base: str, kind: str, template: str, connections: int, duration: int,
        work: Path, warm_up: int = 3) -> dict[str, float]:
    """Throughput and latency of `duration` seconds of load, after `warm_up` seconds unmeasured."""
    if warm_up:
        measure(base, kind, template, connections, warm_up, work)
    return measure(base, kind, template, connections, duration, work)


def measure(base: str, kind: str, template: str, connections: int, duration: int,
            work: Path) -> dict[str, float]:
    script = work / f"{kind}.lua"
    script.write_text(LUA.format(
        minx=LON[0], miny=LAT[0], maxx=LON[1], maxy=LAT[1], kind=kind, template=template,
        box_lon=BOX_M / 71_700, box_lat=BOX_M / 111_250))
    threads = min(2, connections)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d",
                          f"{duration}s", "--timeout", "10s", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, micros, p50, p95, p99, errors = line.split()[1:]
    return {"requests_per_s": int(n) / (int(micros) / 1e6), "p50_ms": float(p50),
            "p95_ms": float(p95), "p99_ms": float(p99), "errors": int(errors)}


def peer_python() -> Path:
    """pygeoapi, gunicorn and their database drivers in their own environment."""
    python = PEER / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pygeoapi",
                        "gunicorn", "psycopg2-binary", "geoalchemy2", "pygeofilter"],
                       check=True)
    return python


def peer_config(work: Path, port: int, db_url: str) -> Path:
    host_port, dbname = db_url.split("@", 1)[1].rsplit("/", 1)
    host, db_port = host_port.split(":")
    config = work / "pygeoapi.yml"
    config.write_text(textwrap.dedent(f"""
        server:
          bind: {{host: 127.0.0.1, port: {port}}}
          url: http://127.0.0.1:{port}
          mimetype: application/json; charset=UTF-8
          encoding: utf-8
          language: en-US
          limits: {{default_items: 100, max_items: 10000}}
          map: {{url: "http://127.0.0.1/tiles/{{z}}/{{x}}/{{y}}.png", attribution: none}}
        logging: {{level: ERROR}}
        metadata:
          identification: {{title: peer, description: peer, keywords: [hazards],
                            keywords_type: theme, terms_of_service: none, url: none}}
          license: {{name: none, url: none}}
          provider: {{name: none, url: none}}
          contact: {{name: none, position: none, address: none, city: none,
                     stateorprovince: none, postalcode: none, country: none, phone: none,
                     fax: none, email: none, url: none, hours: none, instructions: none,
                     role: pointOfContact}}
        resources:
          hazard_areas:
            type: collection
            title: hazard areas
            description: hazard areas
            keywords: [hazards]
            extents:
              spatial:
                bbox: [{LON[0]}, {LAT[0]}, {LON[1]}, {LAT[1]}]
                crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84
            providers:
              - type: feature
                name: PostgreSQL
                data: {{host: {host}, port: {db_port}, dbname: {dbname}, user: postgres,
                        search_path: [public]}}
                id_field: code
                table: hazard_areas
                geom_field: geom
        """))
    return config


def load(url: str, path: Path) -> int:
    store = open_store(url)
    store.init()
    batch = read_hazards(path)
    import_hazards(store, batch, "bench", "bench")
    store.dispose()
    return len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--no-peer", action="store_true", help="skip pygeoapi")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk; `make bench` installs it)")
    work = Path(tempfile.mkdtemp(prefix="demine-bench-web-"))
    results: dict[str, dict[str, float]] = {}
    try:
        source = work / "hazards.gpkg"
        generate(args.count, lon_range=LON, lat_range=LAT).to_file(source, layer="hazards")
        gpkg = work / "served.gpkg"
        load(str(gpkg), source)
        bbox = "/collections/hazard_areas/items?bbox=%.6f,%.6f,%.6f,%.6f&limit=100"
        nearby = "/public/nearby?lon=%.6f&lat=%.6f&radius_m=5000"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with process([sys.executable, "-m", "demine", "serve", "--port", str(port),
                      "--workers", "2"], {"DEMINE_DB": str(gpkg)}, f"{base}/conformance"):
            for name, kind, template in (("demine bbox", "bbox", bbox),
                                         ("demine nearby", "point", nearby)):
                results[f"{name}, 50 clients"] = wrk(base, kind, template, 50, args.duration,
                                                     work)
                results[f"{name}, 1 client"] = wrk(base, kind, template, 1, args.duration,
                                                   work)
                print(json.dumps({k: v for k, v in results.items() if k.startswith(name)}),
                      flush=True)
        if not args.no_peer:
            with postgis_cluster() as admin:
                db = new_database(admin, "peer")
                load(db, source)
                python = peer_python()
                port = free_port()
                config = peer_config(work, port, db)
                openapi = work / "openapi.yml"
                subprocess.run([str(python.with_name("pygeoapi")), "openapi", "generate",
                                str(config), "--output-file", str(openapi)], check=True,
                               env={**os.environ, "PYGEOAPI_CONFIG": str(config)},
                               capture_output=True)
                env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
                peer_base = f"http://127.0.0.1:{port}"
                with process([str(python.with_name("gunicorn")), "-w", "2", "-b",
                              f"127.0.0.1:{port}", "pygeoapi.flask_app:APP"], env,
                             f"{peer_base}/collections/hazard_areas/items?limit=1&f=json"):
                    template = bbox + "&f=json"
                    results["pygeoapi (PostgreSQL) bbox, 50 clients"] = wrk(
                        peer_base, "bbox", template, 50, args.duration, work)
                    results["pygeoapi (PostgreSQL) bbox, 1 client"] = wrk(
                        peer_base, "bbox", template, 1, args.duration, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if "pygeoapi (PostgreSQL) bbox, 50 clients" in results:
        ratio = (results["demine bbox, 50 clients"]["requests_per_s"]
                 / results["pygeoapi (PostgreSQL) bbox, 50 clients"]["requests_per_s"])
        print(f"demine / pygeoapi throughput, bbox with 50 clients: {ratio:.1f}x")


if __name__ == "__main__":
    main()
