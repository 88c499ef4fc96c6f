"""Release polygons from a vector file: the hazard each releases land from, how, and when."""

from __future__ import annotations

from pathlib import Path

import shapely

from demine.io.columns import parse_column, parse_count, parse_date, text_column
from demine.io.hazards import geometry_checks
from demine.io.vector import FeatureTable, read_features
from demine.model.batches import ReleaseBatch, fingerprints, to_multipolygons
from demine.model.problems import Problem
from demine.model.vocab import ReleaseMethod


def read_releases(path: str | Path, repair: bool = False) -> ReleaseBatch:
    """Release polygons of a file with every problem found in it."""
    return releases_from_table(read_features(path, ("releases",)), repair)


def releases_from_table(table: FeatureTable, repair: bool = False) -> ReleaseBatch:
    """Release polygons of features already read (a file's, or a form's submissions)."""
    frame = table.properties
    hazards = text_column(frame, "hazard", "hazard_code", "hazard_area")
    codes = text_column(frame, "code", "release_code")
    labels = [c or h for c, h in zip(codes, hazards, strict=True)]
    notices: list[str] = []
    problems = geometry_checks(table, labels, repair, notices)
    for i, hazard in enumerate(hazards):
        if hazard is None:
            problems.append(Problem(i + 1, labels[i], "hazard (the hazard area's code) is missing"))
    methods = parse_column(frame, ("method", "release_method"), ReleaseMethod.parse,
                           problems, labels)
    for i, method in enumerate(methods):
        if method is None:
            expected = ReleaseMethod.choices()
            problems.append(Problem(i + 1, labels[i],
                                    f"method is missing (expected one of {expected})"))
    dates = parse_column(frame, ("date", "release_date"), parse_date, problems, labels)
    depth = parse_column(frame, ("depth_cm", "depth"), parse_count, problems, labels)
    organisations = text_column(frame, "organisation", "organization", "organisati", "org")
    activities = text_column(frame, "activity")
    problems.sort(key=lambda p: (p.index or 0))
    geoms = table.geometries if problems else to_multipolygons(table.geometries)
    attributes = [
        {
            "code": codes[i],
            "method": methods[i].value if methods[i] else None,
            "release_date": dates[i],
            "organisation": organisations[i],
            "depth_cm": depth[i],
            "activity": activities[i],
        }
        for i in range(len(hazards))
    ]
    prints: list[str] = []
    if not problems:
        wkbs = shapely.to_wkb(geoms, output_dimension=2)
        prints = fingerprints([str(h) for h in hazards], wkbs, attributes)
    return ReleaseBatch([h or "" for h in hazards], geoms, attributes, prints, problems, notices)
