"""Imports of hazard areas and releases: one transaction each, all features or none.

Re-importing a file whose features are all in the store already is a no-op; a file that mixes new
and already-imported features is refused, so a retried import never makes a duplicate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, bindparam, select, update

from demine.geo.area import area_like, area_m2, measure_like
from demine.model.accounting import (
    CLIP_REPORT_M2,
    ClippedRelease,
    clip_first_releases,
    clip_release,
    hazard_status,
    polygonal_all,
    remaining_areas,
    remaining_geometry,
)
from demine.model.batches import ATTRIBUTES, HazardBatch, ReleaseBatch, fingerprints
from demine.model.entities import new_ids
from demine.model.problems import InputError, Problem
from demine.store import audit
from demine.store.base import Store, now_iso
from demine.store.bulk import bulk_insert, rows_to_columns
from demine.store.codes import next_codes
from demine.store.organisations import ensure_organisations
from demine.store.schema import hazard_areas, releases

REPORTED_AREA_TOLERANCE = 0.10
"""Reported and computed areas that differ by more than this share are pointed out."""


@dataclass
class ImportResult:
    """What an import did: records created, or features found already imported."""

    created: int = 0
    already: int = 0
    notices: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def _stamps(now: str, actor: str) -> dict[str, str]:
    return {"created_at": now, "updated_at": now, "created_by": actor}


def _already_imported(
    known: list[int], total: int, labels: list[str], what: str
) -> InputError | None:
    """None when nothing or everything is known; else the refusal of a mixed file."""
    if not known or len(known) == total:
        return None
    return InputError([
        Problem(i + 1, labels[i],
                f"already in the store; this file mixes {total - len(known)} new and "
                f"{len(known)} already-imported {what}, so nothing was imported")
        for i in known
    ])


def import_hazards(
    store: Store, batch: HazardBatch, actor: str, source: str = "import",
    conn: Connection | None = None,
) -> ImportResult:
    """Write a file's hazard areas with their computed areas and audit entries.

    With `conn`, the import joins that write transaction instead of opening its own.
    """
    if batch.problems:
        raise InputError(batch.problems)
    if len(batch) == 0:
        raise InputError([Problem(None, None, "the file holds no features")])
    if conn is None:
        with store.write() as own:
            return import_hazards(store, batch, actor, source, own)
    result = ImportResult(notices=list(batch.notices))
    existing = set(conn.execute(select(hazard_areas.c.code)).scalars())
    known = [i for i, code in enumerate(batch.codes) if code in existing]
    refusal = _already_imported(known, len(batch), batch.codes, "hazard areas")
    if refusal:
        raise refusal
    if known:
        changed = _changed_hazards(conn, batch)
        if changed:
            raise InputError([
                Problem(i + 1, batch.codes[i],
                        "code is already in the store with different content")
                for i in changed
            ])
        result.already = len(known)
        return result
    _write_hazards(store, conn, batch, actor, result, source)
    return result


def _changed_hazards(conn: Connection, batch: HazardBatch) -> list[int]:
    """Features of a re-imported file whose stored hazard differs from them (0-based)."""
    stored: dict[str, str] = {}
    columns = [hazard_areas.c[name] for name in ATTRIBUTES]
    for start in range(0, len(batch), 5000):
        chunk = batch.codes[start : start + 5000]
        rows = conn.execute(
            select(hazard_areas.c.code, hazard_areas.c.geom, *columns)
            .where(hazard_areas.c.code.in_(chunk))
        ).mappings().all()
        if not rows:
            continue
        geoms = np.empty(len(rows), dtype=object)
        geoms[:] = [r["geom"] for r in rows]
        wkbs = shapely.to_wkb(geoms, output_dimension=2)
        attrs = [{k: r[k] for k in ATTRIBUTES} for r in rows]
        codes = [r["code"] for r in rows]
        stored.update(zip(codes, fingerprints(codes, wkbs, attrs), strict=True))
    mine = batch.fingerprints()
    return [i for i, code in enumerate(batch.codes) if stored.get(code) != mine[i]]


def _write_hazards(
    store: Store, conn: Connection, batch: HazardBatch, actor: str, result: ImportResult,
    source: str,
) -> None:
    now = now_iso()
    n = len(batch)
    areas = area_m2(batch.geometries)
    area_list = areas.tolist()
    columns: dict[str, list[Any]] = {
        "id": new_ids(n), "code": list(batch.codes), **batch.columns,
        "status": ["open"] * n, "area_m2": area_list, "remaining_area_m2": area_list,
        "version": [1] * n, "created_at": [now] * n, "updated_at": [now] * n,
        "created_by": [actor] * n, "geom": store.encode(batch.geometries, multi=True),
    }
    ensure_organisations(conn, set(batch.columns["organisation"]), actor, now)
    bulk_insert(conn, hazard_areas, columns, batch.geometries)
    audit.append(conn, [import_entry(actor, "hazard_areas", source, batch.codes)], now)
    reported = np.array(
        [np.nan if r is None else r for r in batch.columns["reported_area_m2"]], dtype=float
    )
    with np.errstate(invalid="ignore"):
        off = np.abs(reported - areas) > REPORTED_AREA_TOLERANCE * areas
    if off.any():
        first = [batch.codes[i] for i in np.flatnonzero(off)[:5]]
        result.notices.append(
            f"{int(off.sum())} hazard area(s) have a reported area more than "
            f"{REPORTED_AREA_TOLERANCE:.0%} away from the computed one (e.g. {', '.join(first)})"
        )
    result.created = n
    result.codes = list(batch.codes)


def import_entry(actor: str, entity: str, source: str, codes: list[str]) -> audit.AuditEntry:
    """One audit entry for a whole import: the file and the codes of the records it created."""
    return audit.AuditEntry(actor, "import", entity, source, None,
                            {"source": source, "count": len(codes), "records": codes})


@dataclass
class _Hazard:
    row: dict[str, Any]
    releases: list[tuple[str, shapely.Geometry]] = field(default_factory=list)


def _load_hazards(conn: Connection, codes: set[str]) -> dict[str, _Hazard]:
    found: dict[str, _Hazard] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        for row in conn.execute(
            select(hazard_areas).where(hazard_areas.c.code.in_(chunk))
        ).mappings():
            found[row["code"]] = _Hazard(dict(row))
        for code, hazard, geom in conn.execute(
            select(releases.c.code, releases.c.hazard, releases.c.geom)
            .where(releases.c.hazard.in_(chunk)).order_by(releases.c.fid)
        ):
            found[hazard].releases.append((code, geom))
    return found


def import_releases(
    store: Store, batch: ReleaseBatch, actor: str, source: str = "import",
    conn: Connection | None = None,
) -> ImportResult:
    """Clip, check and write a file's releases, then update their hazards' remaining land.

    With `conn`, the import joins that write transaction instead of opening its own.
    """
    if batch.problems:
        raise InputError(batch.problems)
    if len(batch) == 0:
        raise InputError([Problem(None, None, "the file holds no features")])
    if conn is None:
        with store.write() as own:
            return import_releases(store, batch, actor, source, own)
    result = ImportResult(notices=list(batch.notices))
    labels = [batch.label(i) for i in range(len(batch))]
    existing = set(conn.execute(select(releases.c.fingerprint)).scalars())
    known = [i for i, fp in enumerate(batch.fingerprints) if fp in existing]
    refusal = _already_imported(known, len(batch), labels, "releases")
    if refusal:
        raise refusal
    if known:
        result.already = len(known)
        return result
    hazards = _load_hazards(conn, set(batch.hazards))
    accepted = _check_releases(conn, batch, hazards, labels, result)
    _write_releases(store, conn, batch, hazards, accepted, actor, result, source)
    return result


def _check_releases(
    conn: Connection,
    batch: ReleaseBatch,
    hazards: dict[str, _Hazard],
    labels: list[str],
    result: ImportResult,
) -> dict[int, ClippedRelease]:
    """Each release clipped to its hazard and free of overlaps, or the problems that stop it.

    The first release of a hazard with no other is clipped with the whole array at once; the
    others, which must be checked against earlier releases, one after another in file order.
    """
    problems: list[Problem] = []
    taken = set(conn.execute(select(releases.c.code)).scalars())
    per_hazard: dict[str, int] = defaultdict(int)
    for i, code in enumerate(batch.hazards):
        own = batch.attributes[i]["code"]
        if own is not None and own in taken:
            problems.append(Problem(i + 1, labels[i], f"release code {own!r} is already used"))
        if own is not None:
            taken.add(own)
        if code not in hazards:
            problems.append(Problem(i + 1, labels[i], f"unknown hazard area {code!r}"))
        per_hazard[code] += 1
    first = [i for i, code in enumerate(batch.hazards)
             if code in hazards and per_hazard[code] == 1 and not hazards[code].releases]
    clipped: dict[int, ClippedRelease] = {}
    if first:
        shapes = np.empty(len(first), dtype=object)
        shapes[:] = [hazards[batch.hazards[i]].row["geom"] for i in first]
        done = clip_first_releases(batch.geometries[first], shapes, area_like)
        clipped.update(zip(first, done, strict=True))
    lone = set(first)
    accepted: dict[int, ClippedRelease] = {}
    for i, code in enumerate(batch.hazards):
        hazard = hazards.get(code)
        if hazard is None:
            continue
        if i not in lone:
            # only earlier releases that touch this one can overlap it: union those alone
            earlier = np.asarray([g for _, g in hazard.releases], dtype=object)
            near = earlier[shapely.intersects(earlier, batch.geometries[i])] if len(earlier) else []
            union = shapely.union_all(near) if len(near) else None
            clipped[i] = clip_release(batch.geometries[i], hazard.row["geom"], union,
                                      measure_like(hazard.row["geom"]))
        piece = clipped[i]
        if piece.wholly_outside:
            problems.append(Problem(i + 1, labels[i], f"lies wholly outside hazard area {code}"))
            continue
        if piece.overlaps:
            names = [c for c, g in hazard.releases if shapely.intersects(g, batch.geometries[i])]
            problems.append(Problem(
                i + 1, labels[i],
                f"overlaps earlier release(s) {', '.join(names)} of hazard area {code} by "
                f"{piece.overlap_m2:,.1f} m2",
            ))
            continue
        if piece.outside_m2 > CLIP_REPORT_M2:
            result.notices.append(
                f"feature {i + 1} ({labels[i]}): clipped to hazard area {code}, "
                f"{piece.outside_m2:,.1f} m2 outside it removed"
            )
        accepted[i] = piece
        hazard.releases.append((batch.attributes[i]["code"] or f"feature {i + 1}", piece.geometry))
    if problems:
        problems.sort(key=lambda p: p.index or 0)
        raise InputError(problems)
    return accepted


def _write_releases(
    store: Store,
    conn: Connection,
    batch: ReleaseBatch,
    hazards: dict[str, _Hazard],
    accepted: dict[int, ClippedRelease],
    actor: str,
    result: ImportResult,
    source: str,
) -> None:
    now = now_iso()
    order = sorted(accepted)
    geoms = np.empty(len(order), dtype=object)
    geoms[:] = [accepted[i].geometry for i in order]
    encoded = store.encode(geoms, multi=True)
    fresh = iter(next_codes(conn, releases, "RL", sum(1 for i in order
                                                      if not batch.attributes[i]["code"])))
    rows = []
    ids = new_ids(len(order))
    for k, i in enumerate(order):
        row = dict(batch.attributes[i])
        row.update(
            id=ids[k], code=row["code"] or next(fresh), hazard=batch.hazards[i],
            area_m2=accepted[i].area_m2, clipped_m2=accepted[i].outside_m2,
            fingerprint=batch.fingerprints[i], geom=encoded[k], **_stamps(now, actor),
        )
        rows.append(row)
    ensure_organisations(conn, {r["organisation"] for r in rows}, actor, now)
    bulk_insert(conn, releases, rows_to_columns(rows), geoms)
    touched = [hazards[code] for code in dict.fromkeys(r["hazard"] for r in rows)]
    entries = [import_entry(actor, "releases", source, [r["code"] for r in rows]),
               *_update_remaining(conn, touched, actor, now)]
    audit.append(conn, entries, now)
    result.created = len(rows)
    result.codes = [r["code"] for r in rows]


def _update_remaining(
    conn: Connection, touched: list[_Hazard], actor: str, now: str
) -> list[audit.AuditEntry]:
    """Recompute the remaining land and status of hazards after new releases."""
    shapes = np.empty(len(touched), dtype=object)
    shapes[:] = [h.row["geom"] for h in touched]
    left = np.empty(len(touched), dtype=object)
    single = np.array([len(h.releases) == 1 for h in touched], dtype=bool)
    if single.any():
        pieces = np.empty(int(single.sum()), dtype=object)
        pieces[:] = [h.releases[0][1] for h, one in zip(touched, single, strict=True) if one]
        left[single] = polygonal_all(shapely.difference(shapes[single], pieces))
    for k in np.flatnonzero(~single):
        left[k] = remaining_geometry(shapes[k], [g for _, g in touched[k].releases])
    measured = remaining_areas(shapes, left, area_like)
    entries, params = [], []
    for hazard, remaining in zip(touched, measured.tolist(), strict=True):
        row = hazard.row
        remaining_m2 = min(remaining, float(row["area_m2"]))
        before = {"remaining_area_m2": row["remaining_area_m2"], "status": row["status"],
                  "version": row["version"]}
        after = {"remaining_area_m2": remaining_m2,
                 "status": hazard_status(True, remaining_m2).value,
                 "version": row["version"] + 1}
        params.append({"key": row["code"], "updated_at": now, **after})
        entries.append(audit.AuditEntry(actor, "update", "hazard_areas", row["code"],
                                        before, after))
    conn.execute(
        update(hazard_areas).where(hazard_areas.c.code == bindparam("key")).values(
            remaining_area_m2=bindparam("remaining_area_m2"), status=bindparam("status"),
            version=bindparam("version"), updated_at=bindparam("updated_at")),
        params,
    )
    return entries
