"""Human codes (HA-000123, RL-000045) that users quote, made in sequence per prefix."""

from __future__ import annotations

import re

from sqlalchemy import Connection, Table, select


def next_codes(conn: Connection, table: Table, prefix: str, count: int) -> list[str]:
    """`count` new codes after the highest `PREFIX-nnnnnn` in the table."""
    if count <= 0:
        return []
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    highest = 0
    for code in conn.execute(
        select(table.c.code).where(table.c.code.like(f"{prefix}-%"))
    ).scalars():
        match = pattern.match(code or "")
        if match:
            highest = max(highest, int(match.group(1)))
    return [f"{prefix}-{n:06d}" for n in range(highest + 1, highest + count + 1)]
