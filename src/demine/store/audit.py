"""The audit log: who changed what, when, as a hash chain that shows any later tampering.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON, so
removing or editing an entry breaks every hash after it (`verify_chain` finds where).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from demine.store.schema import audit_log, settings

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
"""Where the hash of the newest entry is kept (the settings table)."""


@dataclass(frozen=True)
class AuditEntry:
    """One change: `before` is None for a creation, `after` None for a deletion."""

    actor: str
    action: str
    entity: str
    record: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def canonical(value: dict[str, Any] | None) -> str | None:
    """Stable JSON for a record state (sorted keys, dates as ISO strings)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _digest(prev: str, row: dict[str, Any]) -> str:
    body = "\x1f".join(
        str(row[k] or "")
        for k in ("recorded_at", "actor", "action", "entity", "record", "before", "after")
    )
    return hashlib.sha256((prev + "\x1e" + body).encode()).hexdigest()


def last_hash(conn: Connection) -> str:
    found = conn.execute(
        select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).scalar()
    return found or GENESIS


def append(conn: Connection, entries: Iterable[AuditEntry], recorded_at: str) -> int:
    """Write entries in order, chained to the last one; returns how many were written."""
    prev = last_hash(conn)
    rows = []
    for e in entries:
        row: dict[str, Any] = {
            "prev_hash": prev,
            "recorded_at": recorded_at,
            "actor": e.actor,
            "action": e.action,
            "entity": e.entity,
            "record": e.record,
            "before": canonical(e.before),
            "after": canonical(e.after),
        }
        prev = row["hash"] = _digest(prev, row)
        rows.append(row)
    if rows:
        conn.execute(insert(audit_log), rows)
        record_head(conn, prev)
    return len(rows)


def record_head(conn: Connection, head: str) -> None:
    """Keep the hash of the newest entry apart from the log, so that cutting entries off its end
    shows too (the chain alone cannot tell a shortened log from a younger one)."""
    conn.execute(delete(settings).where(settings.c.key == HEAD_KEY))
    conn.execute(insert(settings), {"key": HEAD_KEY, "value": head})


def verify_chain(conn: Connection) -> int | None:
    """The sequence number of the first entry whose hash does not follow, or None if intact.

    Entries cut off the end of the log are reported as the sequence number after the last one.
    """
    prev = GENESIS
    last = 0
    for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings():
        if row["prev_hash"] != prev or _digest(prev, dict(row)) != row["hash"]:
            return int(row["seq"])
        prev, last = row["hash"], int(row["seq"])
    head = conn.execute(select(settings.c.value).where(settings.c.key == HEAD_KEY)).scalar()
    if (head or GENESIS) != prev:
        return last + 1
    return None


def entries_for(conn: Connection, entity: str, record: str) -> list[dict[str, Any]]:
    """A record's audit entries in the order they were written, before/after decoded."""
    rows = conn.execute(
        select(audit_log)
        .where(audit_log.c.entity == entity, audit_log.c.record == record)
        .order_by(audit_log.c.seq)
    ).mappings()
    out = []
    for row in rows:
        item = dict(row)
        item["before"] = json.loads(row["before"]) if row["before"] else None
        item["after"] = json.loads(row["after"]) if row["after"] else None
        out.append(item)
    return out
