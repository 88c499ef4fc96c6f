"""Controlled vocabularies of mine action (IMAS terms), in one place.

Every coded value that is stored, imported or exported comes from one of these enums, so that a
misspelt category is caught at the edge instead of spreading through the registry.
"""

from __future__ import annotations

from enum import StrEnum


class Vocabulary(StrEnum):
    """A StrEnum whose values parse case-insensitively and list themselves in error messages."""

    @classmethod
    def parse(cls, text: str) -> Vocabulary:
        """The member whose value matches `text` (case and surrounding blanks ignored)."""
        wanted = text.strip().lower()
        for member in cls:
            if member.value.lower() == wanted:
                return member
        raise ValueError(
            f"unknown {cls.label()} {text.strip()!r} (expected one of {cls.choices()})"
        )

    @classmethod
    def choices(cls) -> str:
        return ", ".join(m.value for m in cls)

    @classmethod
    def label(cls) -> str:
        return cls.__doc__.split(":")[0].strip().lower() if cls.__doc__ else cls.__name__


class Classification(Vocabulary):
    """Classification: SHA on indirect evidence, CHA on direct evidence (IMAS 04.10)."""

    SHA = "SHA"
    CHA = "CHA"


class HazardStatus(Vocabulary):
    """Status: open until worked on, worked_on while land remains, closed when none remains."""

    OPEN = "open"
    WORKED_ON = "worked_on"
    CLOSED = "closed"


class ReleaseMethod(Vocabulary):
    """Release method: how land was released (IMAS 07.11)."""

    CANCELLED = "cancelled"
    REDUCED = "reduced"
    CLEARED = "cleared"


class ActivityType(Vocabulary):
    """Activity type: the land-release and EOD activities an operator reports."""

    NTS = "NTS"
    TS = "TS"
    CLEARANCE = "CLEARANCE"
    BAC = "BAC"
    EOD_SPOT = "EOD_SPOT"
    QC = "QC"


class ActivityStatus(Vocabulary):
    """Activity status: planned, ongoing, suspended or completed."""

    PLANNED = "planned"
    ONGOING = "ongoing"
    SUSPENDED = "suspended"
    COMPLETED = "completed"


class OrdnanceCategory(Vocabulary):
    """Ordnance category: the explosive ordnance categories a find or contamination is put in."""

    AP_MINE = "AP_MINE"
    AT_MINE = "AT_MINE"
    UXO = "UXO"
    AXO = "AXO"
    SUBMUNITION = "SUBMUNITION"
    IED = "IED"
    AIRCRAFT_BOMB = "AIRCRAFT_BOMB"
    PROJECTILE = "PROJECTILE"
    ROCKET = "ROCKET"
    GRENADE = "GRENADE"
    OTHER = "OTHER"


class DeviceCondition(Vocabulary):
    """Condition: the state a device was found in."""

    ARMED = "armed"
    UNARMED = "unarmed"
    DAMAGED = "damaged"
    FUZED = "fuzed"
    UNKNOWN = "unknown"


class Disposal(Vocabulary):
    """Disposal: what was done with a found device."""

    DESTROYED_IN_SITU = "destroyed_in_situ"
    REMOVED = "removed"
    RENDERED_SAFE = "rendered_safe"
    PENDING = "pending"


class LandUse(Vocabulary):
    """Blocked land use: what the contamination keeps people from using."""

    AGRICULTURE = "agriculture"
    HOUSING = "housing"
    ROADS = "roads"
    INFRASTRUCTURE = "infrastructure"
    WATER = "water"
    OTHER = "other"


class OrganisationKind(Vocabulary):
    """Organisation kind: the national authority, an operator, or another body."""

    AUTHORITY = "authority"
    OPERATOR = "operator"
    OTHER = "other"


class LocationLevel(Vocabulary):
    """Location level: administrative units and settlements."""

    ADMIN1 = "admin1"
    ADMIN2 = "admin2"
    SETTLEMENT = "settlement"


class TeamType(Vocabulary):
    """Team type: manual deminers, dogs, machines, survey or EOD teams."""

    MANUAL = "manual"
    MDD = "mdd"
    MECHANICAL = "mechanical"
    SURVEY = "survey"
    EOD = "eod"


class Role(Vocabulary):
    """Role of a web-service account: what it may read and write."""

    ADMIN = "admin"
    EDITOR = "editor"
    QA = "qa"
    VIEWER = "viewer"


class TaskStatus(Vocabulary):
    """Task status: where a tasking order stands."""

    PLANNED = "planned"
    ACTIVE = "active"
    DONE = "done"
    CANCELLED = "cancelled"


class EvidenceKind(Vocabulary):
    """Evidence kind: indications of contamination that are not finds."""

    SUSPICION_REPORT = "suspicion_report"
    SEIZURE = "seizure"
    ARSENAL = "arsenal"
    PRODUCTION_SITE = "production_site"
    COMMUNITY_REPORT = "community_report"
    OTHER = "other"


class Sex(Vocabulary):
    """Sex: as recorded for victims and audiences."""

    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class VictimOutcome(Vocabulary):
    """Outcome: whether a victim was killed or injured."""

    KILLED = "killed"
    INJURED = "injured"


class VictimRole(Vocabulary):
    """Role: civilian or deminer at the time of the accident."""

    CIVILIAN = "civilian"
    DEMINER = "deminer"


class AgeGroup(Vocabulary):
    """Age group: sex-and-age disaggregation (girls and boys under 18, women and men 18+)."""

    GIRLS = "girls"
    BOYS = "boys"
    WOMEN = "women"
    MEN = "men"
    UNKNOWN = "unknown"


class InspectionResult(Vocabulary):
    """Inspection result: whether released land passed quality control."""

    PASSED = "passed"
    FAILED = "failed"
    PENDING = "pending"


class Severity(Vocabulary):
    """Severity: how grave a quality non-conformity is."""

    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class EducationMethod(Vocabulary):
    """Education method: how a risk-education session reached its audience."""

    FACE_TO_FACE = "face_to_face"
    MASS_MEDIA = "mass_media"
    DIGITAL = "digital"
    OTHER = "other"


def age_group(sex: Sex | None, age: int | None) -> AgeGroup:
    """The SADD age group for a person (DESIGN.md §3): under 18 girls/boys, else women/men."""
    if age is None or sex in (None, Sex.UNKNOWN):
        return AgeGroup.UNKNOWN
    if age < 18:
        return AgeGroup.GIRLS if sex is Sex.FEMALE else AgeGroup.BOYS
    return AgeGroup.WOMEN if sex is Sex.FEMALE else AgeGroup.MEN
