"""Corrections, the audit chain and reading a hazard as of a date, on both stores."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from demine.io.hazards import read_hazards
from demine.model.problems import InputError
from demine.store import Store
from demine.store.audit import verify_chain
from demine.store.hazards import update_hazard
from demine.store.history import state_as_of, timeline
from demine.store.imports import import_hazards
from demine.store.schema import audit_log


def test_correction_is_audited_and_dated(store: Store, hazards_file: Path) -> None:
    import_hazards(store, read_hazards(hazards_file), "alice", "hazards.geojson")
    row = update_hazard(store, "HA-2", {"classification": "cha", "priority": 1}, "bob")
    assert row["classification"] == "CHA" and row["version"] == 2
    today = date.today()
    with store.read() as conn:
        events = timeline(conn, "HA-2")
        assert [e.event for e in events] == ["recorded", "corrected"]
        assert events[0].actor == "alice" and events[1].actor == "bob"
        assert "'SHA' -> 'CHA'" in events[1].detail
        before = state_as_of(conn, "HA-2", today - timedelta(days=1))
        after = state_as_of(conn, "HA-2", today)
        assert verify_chain(conn) is None
    assert before["classification"] == "SHA" and before["priority"] is None
    assert after["classification"] == "CHA" and after["priority"] == 1


def test_bad_correction_changes_nothing(store: Store, hazards_file: Path) -> None:
    import_hazards(store, read_hazards(hazards_file), "alice")
    with pytest.raises(InputError) as caught:
        update_hazard(store, "HA-1", {"classification": "MAYBE", "area_m2": 1}, "bob")
    reasons = " ".join(p.reason for p in caught.value.problems)
    assert "MAYBE" in reasons and "area_m2 cannot be edited" in reasons
    with store.read() as conn:
        assert [e.event for e in timeline(conn, "HA-1")] == ["recorded"]


def test_tampering_with_the_audit_log_is_detected(store: Store, hazards_file: Path) -> None:
    import_hazards(store, read_hazards(hazards_file), "alice")
    update_hazard(store, "HA-1", {"name": "Renamed"}, "bob")
    update_hazard(store, "HA-1", {"name": "Renamed again"}, "carol")
    with store.write() as conn:
        second = conn.execute(text("SELECT min(seq) FROM audit_log WHERE actor = 'bob'")).scalar()
        conn.execute(update(audit_log).where(audit_log.c.seq == second).values(actor="mallory"))
    with store.read() as conn:
        assert verify_chain(conn) == second


def test_as_of_before_the_hazard_was_known(store: Store, hazards_file: Path) -> None:
    import_hazards(store, read_hazards(hazards_file), "alice")
    with store.read() as conn, pytest.raises(LookupError, match="not yet known"):
        state_as_of(conn, "HA-3", date(2025, 1, 31))
