"""Hazard areas from a vector file: validated columns and (multi)polygons, or problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demine.geo.validity import polygon_problems, repair_polygon
from demine.io.columns import (
    parse_area,
    parse_column,
    parse_count,
    parse_date,
    text_column,
    vocab_list,
)
from demine.io.vector import FeatureTable, read_features
from demine.model.batches import HazardBatch
from demine.model.problems import Problem
from demine.model.vocab import Classification, LandUse, OrdnanceCategory, Vocabulary


def geometry_checks(
    table: FeatureTable, codes: list[str | None], repair: bool, notices: list[str]
) -> list[Problem]:
    """Problems of the polygons (repairing what `repair` allows), counted from 1."""
    problems = [Problem(p.index, codes[p.index - 1] if p.index else None, p.reason)
                for p in table.problems]
    unreadable = {p.index for p in table.problems}
    for i, reason in enumerate(polygon_problems(table.geometries)):
        if reason is None or (i + 1) in unreadable:
            continue
        if repair and reason.startswith("invalid polygon"):
            fixed, change = repair_polygon(table.geometries[i])
            if change is not None:
                table.geometries[i] = fixed
                notices.append(f"feature {i + 1} ({codes[i]}): {change}")
                continue
        problems.append(Problem(i + 1, codes[i], reason))
    return problems


def read_hazards(path: str | Path, repair: bool = False) -> HazardBatch:
    """Hazard areas of a file with every problem found in it (nothing is dropped silently)."""
    return hazards_from_table(read_features(path, ("hazard_areas", "hazards")), repair)


def hazards_from_table(table: FeatureTable, repair: bool = False) -> HazardBatch:
    """Hazard areas of read features (a file's, or features sent to the web service)."""
    frame = table.properties
    codes = text_column(frame, "code", "hazard_code", "id_code")
    notices: list[str] = []
    problems = geometry_checks(table, codes, repair, notices)
    for i, code in enumerate(codes):
        if code is None:
            problems.append(Problem(i + 1, None, "code is missing"))
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code is None:
            continue
        if code in seen:
            problems.append(
                Problem(i + 1, code, f"duplicate code {code!r} (also feature {seen[code]})")
            )
        else:
            seen[code] = i + 1
    columns = {
        "name": text_column(frame, "name"),
        "classification": [
            (c or Classification.SHA.value) for c in parse_column(
                frame, ("classification", "classifica", "class"),
                lambda v: Classification.parse(v).value, problems, codes)
        ],
        "contamination": parse_column(frame, ("contamination", "categories", "contaminat"),
                                      joined(OrdnanceCategory), problems, codes),
        "blocked_land_use": parse_column(frame, ("blocked_land_use", "land_use", "blocked_la"),
                                         joined(LandUse), problems, codes),
        "reported_area_m2": parse_column(frame, ("reported_area_m2", "reported_area",
                                                 "reported_a"), parse_area, problems, codes),
        "info_date": parse_column(frame, ("date", "info_date"), parse_date, problems, codes),
        "organisation": text_column(frame, "organisation", "organization", "organisati", "org"),
        "beneficiaries": parse_column(frame, ("beneficiaries", "beneficiar"), parse_count,
                                      problems, codes),
        "priority": parse_column(frame, ("priority",), parse_count, problems, codes),
        "location": text_column(frame, "location", "admin"),
    }
    problems.sort(key=lambda p: (p.index or 0))
    return HazardBatch([c or "" for c in codes], table.geometries, columns, problems, notices)


def joined(vocab: type[Vocabulary]) -> Any:
    """A parser of a comma-separated vocabulary list into its stored form ('AP_MINE,UXO')."""
    parse = vocab_list(vocab)
    return lambda text: ",".join(v.value for v in parse(text)) or None
