"""The registry's entities (DESIGN.md §3) as plain dataclasses.

They carry the facts of mine action in IMAS terms; how they are stored or read from files is the
business of `store` and `io`. Every record has a stable UUID and, where users quote it, a code.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date

import shapely

from demine.model.vocab import (
    ActivityStatus,
    ActivityType,
    Classification,
    DeviceCondition,
    Disposal,
    EducationMethod,
    EvidenceKind,
    HazardStatus,
    InspectionResult,
    LandUse,
    LocationLevel,
    OrdnanceCategory,
    OrganisationKind,
    ReleaseMethod,
    Sex,
    TaskStatus,
    TeamType,
    VictimOutcome,
    VictimRole,
)


def new_id() -> str:
    """A new stable record id: a time-ordered UUID (version 7, RFC 9562), see `new_ids`."""
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """`count` time-ordered UUIDs (version 7, RFC 9562), increasing within the batch.

    48 bits of Unix milliseconds, then random bits with a counter in the low bits: time order
    keeps the id index append-only, which makes bulk imports several times faster than random
    UUIDs would.
    """
    millis = time.time_ns() // 1_000_000
    head = f"{millis & (2**48 - 1):012x}"
    head = f"{head[:8]}-{head[8:]}-7{int.from_bytes(os.urandom(2), 'big') & 0xFFF:03x}-"
    start = int.from_bytes(os.urandom(6), "big") & (2**46 - 1)
    out = []
    for i in range(count):
        tail = f"{(0b10 << 62) | (start + i):016x}"
        out.append(f"{head}{tail[:4]}-{tail[4:]}")
    return out


@dataclass(kw_only=True)
class Organisation:
    """The national authority, an operator, or another body that reports or works."""

    code: str
    name: str
    kind: OrganisationKind = OrganisationKind.OTHER
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Location:
    """An administrative unit or settlement, with its population where known."""

    code: str
    name: str
    level: LocationLevel
    geometry: shapely.Geometry | None = None
    parent: str | None = None
    population: int | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class HazardArea:
    """Land believed (SHA) or known (CHA) to be contaminated, with its land-release state."""

    code: str
    geometry: shapely.Geometry
    name: str | None = None
    classification: Classification = Classification.SHA
    status: HazardStatus = HazardStatus.OPEN
    contamination: tuple[OrdnanceCategory, ...] = ()
    organisation: str | None = None
    reported_area_m2: float | None = None
    area_m2: float = 0.0
    remaining_area_m2: float = 0.0
    blocked_land_use: tuple[LandUse, ...] = ()
    beneficiaries: int | None = None
    priority: int | None = None
    info_date: date | None = None
    location: str | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Activity:
    """A survey, clearance, EOD or QC activity on (part of) a hazard area."""

    code: str
    type: ActivityType
    geometry: shapely.Geometry | None = None
    hazard: str | None = None
    organisation: str | None = None
    team: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: ActivityStatus = ActivityStatus.ONGOING
    method: str | None = None
    depth_cm: int | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Release:
    """Land released from a hazard area by cancellation, reduction or clearance."""

    hazard: str
    method: ReleaseMethod
    geometry: shapely.Geometry
    code: str | None = None
    release_date: date | None = None
    organisation: str | None = None
    activity: str | None = None
    depth_cm: int | None = None
    area_m2: float = 0.0
    clipped_m2: float = 0.0
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Find:
    """An explosive ordnance item found, with what was done with it."""

    category: OrdnanceCategory
    geometry: shapely.Point
    code: str | None = None
    activity: str | None = None
    hazard: str | None = None
    model: str | None = None
    condition: DeviceCondition = DeviceCondition.UNKNOWN
    depth_cm: int | None = None
    disposal: Disposal | None = None
    find_date: date | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Evidence:
    """An indication of contamination that is not a find (report, seizure, arsenal, ...)."""

    kind: EvidenceKind
    geometry: shapely.Geometry
    code: str | None = None
    evidence_date: date | None = None
    source: str | None = None
    description: str | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Accident:
    """A mine/ERW accident among civilians, or a demining accident during work."""

    code: str
    geometry: shapely.Point
    accident_date: date | None = None
    category: OrdnanceCategory | None = None
    demining: bool = False
    activity_at_time: str | None = None
    description: str | None = None
    location: str | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Victim:
    """A person killed or injured in an accident; name and date of birth are restricted."""

    accident: str
    outcome: VictimOutcome
    code: str | None = None
    role: VictimRole = VictimRole.CIVILIAN
    sex: Sex = Sex.UNKNOWN
    age: int | None = None
    name: str | None = None
    birth_date: date | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Team:
    """A manual, dog, machine, survey or EOD team, with its productivity."""

    code: str
    type: TeamType
    organisation: str | None = None
    geometry: shapely.Point | None = None
    members: int = 0
    rate_m2_per_day: float | None = None
    available_from: date | None = None
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Task:
    """A tasking of a team to a hazard area for an activity type."""

    team: str
    hazard: str
    activity_type: ActivityType
    code: str | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    status: TaskStatus = TaskStatus.PLANNED
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class ProgressReport:
    """A team's daily progress: area processed and finds by category."""

    team: str
    report_date: date
    area_m2: float
    code: str | None = None
    task: str | None = None
    finds_by_category: dict[str, int] = field(default_factory=dict)
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class Inspection:
    """A quality-control inspection of released land by sampling."""

    activity: str
    inspection_date: date
    result: InspectionResult
    code: str | None = None
    geometry: shapely.Geometry | None = None
    organisation: str | None = None
    sample_size: int | None = None
    non_conformities: list[dict[str, str]] = field(default_factory=list)
    id: str = field(default_factory=new_id)


@dataclass(kw_only=True)
class EducationSession:
    """A risk-education session with its audience counted by sex and age group."""

    session_date: date
    code: str | None = None
    geometry: shapely.Point | None = None
    organisation: str | None = None
    method: EducationMethod = EducationMethod.FACE_TO_FACE
    girls: int = 0
    boys: int = 0
    women: int = 0
    men: int = 0
    location: str | None = None
    id: str = field(default_factory=new_id)
