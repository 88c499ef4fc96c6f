"""The figures of the progress and accident reports, beyond `demine stats`.

Every figure that `demine.stats.landrelease.summary` gives (released area by method, remaining
area, hazard counts, finds by category, accidents, killed and injured) is taken from it for a
report over the whole registry, so the report and `demine stats --json` print the same numbers.
What summary lacks is computed here from the registry's tables with the same rules: remaining
land at the period's end is the remaining land now plus the releases dated after it; records are
in the period when dated inside it, both ends included. With an admin unit, the same figures are
counted over the hazard areas, accidents and sessions located in that unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from demine.model.vocab import (
    AgeGroup,
    Classification,
    HazardStatus,
    ReleaseMethod,
    Sex,
    VictimOutcome,
    VictimRole,
    age_group,
)
from demine.report.units import AdminUnit, Gazetteer, gazetteer
from demine.stats.landrelease import Period, rewind, summary
from demine.store.frames import query_frame
from demine.store.schema import (
    accidents,
    education_sessions,
    finds,
    hazard_areas,
    progress_reports,
    releases,
    tasks,
    teams,
    victims,
)

METHODS = [m.value for m in ReleaseMethod]
OUTCOMES = [o.value for o in VictimOutcome]


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce")


def _in_period(dates: pd.Series, period: Period) -> pd.Series:
    parsed = _dates(dates)
    keep = pd.Series(True, index=dates.index)
    if period.start or period.end:
        keep &= parsed.notna()
    if period.start:
        keep &= parsed >= pd.Timestamp(period.start)
    if period.end:
        keep &= parsed <= pd.Timestamp(period.end)
    return keep


def hazards_at_end(conn: Connection, period: Period) -> pd.DataFrame:
    """Each hazard area known at the period's end with its remaining area and status then,
    by the very rule of `landrelease.hazard_figures` (indexed by code)."""
    query = select(
        hazard_areas.c.code, hazard_areas.c.name, hazard_areas.c.status,
        hazard_areas.c.classification, hazard_areas.c.area_m2, hazard_areas.c.remaining_area_m2,
        hazard_areas.c.location, hazard_areas.c.beneficiaries,
    ).order_by(hazard_areas.c.code)
    if period.end:
        query = query.where(
            (hazard_areas.c.info_date.is_(None)) | (hazard_areas.c.info_date <= period.end))
    hazards = query_frame(conn, query).set_index("code")
    hazards["area_m2"] = hazards["area_m2"].astype(float)
    hazards["remaining_area_m2"] = hazards["remaining_area_m2"].astype(float)
    if period.end is None or not len(hazards):
        return hazards
    rel = query_frame(conn, select(releases.c.hazard, releases.c.release_date,
                                   releases.c.area_m2))
    rel = rel[rel["hazard"].isin(hazards.index)]
    return rewind(conn, hazards, rel, period.end)


def scoped_hazards(conn: Connection, period: Period, unit: AdminUnit | None,
                   places: Gazetteer) -> pd.DataFrame:
    """`hazards_at_end`, each with its admin2 unit, kept to `unit` when one is given."""
    hazards = hazards_at_end(conn, period)
    hazards["unit"] = [places.admin2(loc) for loc in hazards["location"]]
    if unit is not None:
        hazards = hazards[hazards["location"].isin(unit.members)]
    return hazards


def period_releases(conn: Connection, period: Period, codes: pd.Index) -> pd.DataFrame:
    """Releases of the given hazard areas dated inside the period."""
    rel = query_frame(conn, select(releases.c.code, releases.c.hazard, releases.c.method,
                                   releases.c.release_date, releases.c.area_m2)
                      .order_by(releases.c.code))
    rel = rel[rel["hazard"].isin(codes)]
    rel = rel[_in_period(rel["release_date"], period)]
    return rel.assign(area_m2=rel["area_m2"].astype(float))


def land_release(hazards: pd.DataFrame, rel: pd.DataFrame) -> tuple[dict[str, int],
                                                                    dict[str, float]]:
    """Hazard counts by status and areas by method, in the keys of summary's
    `hazard_areas` and `area_m2`, over the hazards and releases given."""
    counts = {"count": len(hazards)}
    for status in HazardStatus:
        counts[status.value] = int((hazards["status"] == status.value).sum())
    by_method = rel.groupby("method")["area_m2"].sum()
    areas = {"initial": float(hazards["area_m2"].sum())}
    for method in METHODS:
        areas[method] = float(by_method.get(method, 0.0))
    areas["released"] = sum(areas[m] for m in METHODS)
    areas["remaining"] = float(hazards["remaining_area_m2"].sum())
    for cls in Classification:
        chosen = hazards[hazards["classification"] == cls.value]
        areas[f"remaining_{cls.value}"] = float(chosen["remaining_area_m2"].sum())
    return counts, areas


def month_span(period: Period, dates: pd.Series) -> list[str]:
    """Every month (YYYY-MM) of the period; an open end stops at the first or last record."""
    parsed = _dates(dates).dropna()
    first = pd.Timestamp(period.start) if period.start else (parsed.min() if len(parsed) else None)
    last = pd.Timestamp(period.end) if period.end else (parsed.max() if len(parsed) else None)
    if first is None or last is None or first > last:
        return []
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def monthly_release(period: Period, rel: pd.DataFrame) -> list[dict[str, Any]]:
    """Area released per month and method, with the running total released since the period
    began."""
    months = month_span(period, rel["release_date"])
    frame = rel.assign(month=_dates(rel["release_date"]).dt.strftime("%Y-%m"))
    table = (frame.pivot_table(index="month", columns="method", values="area_m2",
                               aggfunc="sum", fill_value=0.0)
             .reindex(index=months, columns=METHODS, fill_value=0.0)) if len(frame) else None
    out, running = [], 0.0
    for month in months:
        row = {m: float(table.at[month, m]) if table is not None else 0.0  # type: ignore[arg-type]
               for m in METHODS}
        running += sum(row.values())
        out.append({"month": month, **row, "cumulative": running})
    return out


def remaining_by_unit(hazards: pd.DataFrame, places: Gazetteer) -> list[dict[str, Any]]:
    """Remaining suspected and confirmed land at the period's end per admin2 unit."""
    out = []
    for code, group in hazards.groupby("unit", sort=False):
        by_class = group.groupby("classification")["remaining_area_m2"].sum()
        statuses = group["status"].value_counts()
        out.append({
            "code": str(code), "name": places.name(str(code)),
            **{cls.value: float(by_class.get(cls.value, 0.0)) for cls in Classification},
            "remaining_m2": float(group["remaining_area_m2"].sum()),
            "hazard_areas": len(group),
            **{s.value: int(statuses.get(s.value, 0)) for s in HazardStatus},
        })
    return sorted(out, key=lambda e: (-e["remaining_m2"], e["code"]))


def devices(conn: Connection, period: Period, codes: pd.Index | None) -> list[dict[str, Any]]:
    """Devices found in the period per category, with how they were disposed of."""
    frame = query_frame(conn, select(finds.c.category, finds.c.disposal, finds.c.hazard)
                        .where(*period.within(finds.c.find_date)))
    if codes is not None:
        frame = frame[frame["hazard"].isin(codes)]
    out = []
    for category, group in frame.groupby("category"):
        disposal = group["disposal"].fillna("unknown").value_counts()
        destroyed = int(disposal.get("destroyed_in_situ", 0))
        removed = int(disposal.get("removed", 0))
        out.append({"category": str(category), "found": len(group), "destroyed": destroyed,
                    "removed": removed, "other": len(group) - destroyed - removed})
    return sorted(out, key=lambda e: (-e["found"], e["category"]))


def productivity(conn: Connection, period: Period, codes: pd.Index | None) -> list[dict[str, Any]]:
    """Daily progress reports of the period by team type: team-days worked, area reported,
    and the area per team-day and per deminer-day (team members times days)."""
    query = (select(progress_reports.c.team, progress_reports.c.area_m2, teams.c.type,
                    teams.c.members, tasks.c.hazard)
             .select_from(progress_reports.outerjoin(teams, teams.c.code == progress_reports.c.team)
                          .outerjoin(tasks, tasks.c.code == progress_reports.c.task))
             .where(*period.within(progress_reports.c.report_date)))
    frame = query_frame(conn, query)
    if codes is not None:
        frame = frame[frame["hazard"].isin(codes)]
    out = []
    for kind, group in frame.groupby(frame["type"].fillna("unknown")):
        area = float(group["area_m2"].astype(float).sum())
        person_days = float(group["members"].fillna(0).astype(float).sum())
        out.append({"type": str(kind), "teams": int(group["team"].nunique()),
                    "team_days": len(group), "area_m2": area,
                    "m2_per_team_day": area / len(group),
                    "m2_per_deminer_day": area / person_days if person_days else None})
    return sorted(out, key=lambda e: -e["area_m2"])


def beneficiaries(conn: Connection, period: Period, hazards: pd.DataFrame,
                  unit: AdminUnit | None) -> dict[str, Any]:
    """People who benefit: those of hazard areas closed in the period, those still waiting on
    areas that remain, and the risk-education audience of the period by sex and age."""
    last = query_frame(conn, select(releases.c.hazard, releases.c.release_date))
    last = last[last["hazard"].isin(hazards.index)]
    last_date = _dates(last["release_date"]).groupby(last["hazard"]).max()
    closed = hazards[hazards["status"] == HazardStatus.CLOSED.value]
    closing = last_date.reindex(closed.index)
    keep = pd.Series(True, index=closed.index)
    if period.start:
        keep &= closing >= pd.Timestamp(period.start)
    closed_now = closed[keep]
    waiting = hazards[hazards["status"] != HazardStatus.CLOSED.value]
    sessions = query_frame(conn, select(
        education_sessions.c.girls, education_sessions.c.boys, education_sessions.c.women,
        education_sessions.c.men, education_sessions.c.location,
    ).where(*period.within(education_sessions.c.session_date)))
    if unit is not None:
        sessions = sessions[sessions["location"].isin(unit.members)]
    audience = {g: int(sessions[g].fillna(0).sum()) for g in ("girls", "boys", "women", "men")}
    return {
        "closed_areas": len(closed_now),
        "closed_beneficiaries": int(closed_now["beneficiaries"].fillna(0).sum()),
        "waiting_areas": len(waiting),
        "waiting_beneficiaries": int(waiting["beneficiaries"].fillna(0).sum()),
        "education_sessions": len(sessions),
        "education_audience": {**audience, "total": sum(audience.values())},
    }


def _parse_sex(text: Any) -> Sex | None:
    try:
        return Sex(Sex.parse(str(text))) if text else None
    except ValueError:
        return None


def _tally(frame: pd.DataFrame, key: str, order: list[str] | None = None) -> list[dict[str, Any]]:
    """Victims killed and injured per value of `key` (every value of `order` shown)."""
    values = order or sorted(str(v) for v in frame[key].dropna().unique())
    out = []
    for value in values:
        group = frame[frame[key] == value]
        counts = {o: int((group["outcome"] == o).sum()) for o in OUTCOMES}
        out.append({key: value, **counts, "total": len(group)})
    return out


def accident_figures(conn: Connection, period: Period, unit: AdminUnit | None,
                     places: Gazetteer, personal: bool = False) -> dict[str, Any]:
    """Accidents of the period and their victims by sex and age group, civilian or deminer,
    device category and activity; names and dates of birth only when `personal`."""
    acc = query_frame(conn, select(
        accidents.c.code, accidents.c.accident_date, accidents.c.category,
        accidents.c.demining, accidents.c.activity_at_time, accidents.c.location,
        accidents.c.description,
    ).where(*period.within(accidents.c.accident_date)).order_by(accidents.c.accident_date,
                                                                 accidents.c.code))
    if unit is not None:
        acc = acc[acc["location"].isin(unit.members)]
    vic = query_frame(conn, select(
        victims.c.code, victims.c.accident, victims.c.name, victims.c.birth_date, victims.c.sex,
        victims.c.age, victims.c.outcome, victims.c.role,
    ).order_by(victims.c.code))
    vic = vic[vic["accident"].isin(acc["code"])]
    vic["age_group"] = [age_group(_parse_sex(s), None if pd.isna(a) else int(a))
                        .value for s, a in zip(vic["sex"], vic["age"], strict=True)]
    info = acc.set_index("code")
    vic["category"] = vic["accident"].map(info["category"]).fillna("unknown")
    vic["activity"] = vic["accident"].map(info["activity_at_time"]).fillna("unknown")
    rows = []
    for accident in acc.to_dict("records"):
        mine = vic[vic["accident"] == accident["code"]]
        rows.append({
            "code": accident["code"], "date": accident["accident_date"],
            "unit": places.name(places.admin2(accident["location"])),
            "category": accident["category"] or "unknown",
            "kind": "demining" if accident["demining"] else "civilian",
            "activity": accident["activity_at_time"] or "",
            **{o: int((mine["outcome"] == o).sum()) for o in OUTCOMES},
        })
    people = [{
        "code": v["code"], "accident": v["accident"], "sex": v["sex"],
        "age": None if pd.isna(v["age"]) else int(v["age"]), "age_group": v["age_group"],
        "outcome": v["outcome"], "role": v["role"],
        **({"name": v["name"] or "", "birth_date": v["birth_date"]} if personal else {}),
    } for v in vic.to_dict("records")]
    by_category = _tally(vic, "category")
    for entry in by_category:
        entry["accidents"] = int((acc["category"].fillna("unknown") == entry["category"]).sum())
    by_activity = _tally(vic, "activity")
    for entry in by_activity:
        entry["accidents"] = int((acc["activity_at_time"].fillna("unknown")
                                  == entry["activity"]).sum())
    return {
        "count": len(acc),
        "demining": int(acc["demining"].astype(bool).sum()) if len(acc) else 0,
        "killed": int((vic["outcome"] == VictimOutcome.KILLED.value).sum()),
        "injured": int((vic["outcome"] == VictimOutcome.INJURED.value).sum()),
        "victims": len(vic),
        "by_age_group": _tally(vic, "age_group", [g.value for g in AgeGroup]),
        "by_sex": _tally(vic, "sex", [s.value for s in Sex]),
        "by_role": _tally(vic, "role", [r.value for r in VictimRole]),
        "by_category": by_category,
        "by_activity": by_activity,
        "accidents": rows,
        "people": people,
        "personal": personal,
    }


def period_label(period: Period) -> str:
    def day(d: date | None, open_end: str) -> str:
        return d.isoformat() if d else open_end
    if not period.start and not period.end:
        return "all records"
    return f"{day(period.start, 'the first record')} to {day(period.end, 'the last record')}"


def progress_figures(conn: Connection, period: Period, unit: AdminUnit | None) -> dict[str, Any]:
    """Every figure of the progress report as one dict (summary's where it has them)."""
    places = gazetteer(conn)
    stats = summary(conn, period)
    hazards = scoped_hazards(conn, period, unit, places)
    rel = period_releases(conn, period, hazards.index)
    codes = None if unit is None else hazards.index
    acc = accident_figures(conn, period, unit, places)
    found = devices(conn, period, codes)
    if unit is None:  # the whole registry: summary's figures, as `demine stats` prints them
        counts, areas = stats["hazard_areas"], stats["area_m2"]
        finds_count = stats["finds"]["count"]
        accident_counts = stats["accidents"]
    else:
        counts, areas = land_release(hazards, rel)
        finds_count = sum(d["found"] for d in found)
        accident_counts = {k: acc[k] for k in ("count", "killed", "injured")}
    work = productivity(conn, period, codes)
    empty = not (areas["released"] or finds_count or accident_counts["count"] or work)
    return {
        "period": period.as_dict(),
        "period_label": period_label(period),
        "unit": None if unit is None else {"code": unit.code, "name": unit.name,
                                           "level": unit.level},
        "stats": stats,
        "hazard_areas": counts,
        "area_m2": areas,
        "finds": {"count": finds_count, "by_category": found},
        "accidents": {**acc, **accident_counts},
        "monthly": monthly_release(period, rel),
        "remaining_by_unit": remaining_by_unit(hazards, places),
        "productivity": work,
        "beneficiaries": beneficiaries(conn, period, hazards, unit),
        "empty": empty,
        "status_at_end": hazards["status"],  # for the map; not a figure
    }
