"""Organisations named by imported records are registered once, by their code."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from demine.model.entities import new_id
from demine.model.problems import InputError, Problem
from demine.model.vocab import OrganisationKind
from demine.store import audit
from demine.store.base import Store, now_iso
from demine.store.schema import organisations


def ensure_organisations(
    conn: Connection, names: set[str | None], actor: str, now: str
) -> list[str]:
    """Register organisations not yet known (code and name as given); returns the new codes."""
    wanted = {n for n in names if n}
    if not wanted:
        return []
    known = set(conn.execute(select(organisations.c.code)).scalars())
    new = sorted(wanted - known)
    if new:
        rows = [
            {"id": new_id(), "code": n, "name": n, "kind": OrganisationKind.OTHER.value,
             "created_at": now, "updated_at": now, "created_by": actor}
            for n in new
        ]
        conn.execute(insert(organisations), rows)
        audit.append(conn, (audit.AuditEntry(actor, "create", "organisations", r["code"], None, r)
                            for r in rows), now)
    return new


def add_organisation(store: Store, code: str, name: str, kind: str, actor: str) -> None:
    """Register an organisation by hand (an operator before its first record, say)."""
    problems = []
    if not code.strip() or not name.strip():
        problems.append(Problem(None, code, "code and name must not be empty"))
    try:
        parsed = OrganisationKind.parse(kind)
    except ValueError as exc:
        problems.append(Problem(None, code, str(exc)))
    if problems:
        raise InputError(problems)
    now = now_iso()
    with store.write() as conn:
        if conn.execute(select(organisations.c.code).where(organisations.c.code == code)).first():
            raise InputError([Problem(None, code, f"organisation {code!r} already exists")])
        row = {"id": new_id(), "code": code, "name": name, "kind": parsed.value,
               "created_at": now, "updated_at": now, "created_by": actor}
        conn.execute(insert(organisations), row)
        audit.append(conn, [audit.AuditEntry(actor, "create", "organisations", code, None, row)],
                     now)
