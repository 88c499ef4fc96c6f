"""Idempotency keys: a create retried with the same key returns the first answer again.

Keys belong to the user who sent them, so two users' keys never collide.
"""

from __future__ import annotations

import json

from fastapi.responses import Response
from sqlalchemy import insert, select

from demine.store import Store
from demine.store.accounts import User
from demine.store.base import now_iso
from demine.store.schema import idempotency

KEPT_HEADERS = ("location", "etag", "content-type")


def _key(user: User, key: str) -> str:
    return f"{user.name}:{key}"


def replay(store: Store, user: User, key: str) -> Response | None:
    """The response first given to this key, if there was one."""
    with store.read() as conn:
        row = conn.execute(select(idempotency.c.status, idempotency.c.body)
                           .where(idempotency.c.key == _key(user, key))).first()
    if row is None:
        return None
    saved = json.loads(row.body)
    return Response(saved["body"], status_code=row.status, headers=saved["headers"])


def remember(store: Store, user: User, key: str, response: Response) -> None:
    body = bytes(response.body).decode()
    headers = {k: v for k, v in response.headers.items() if k in KEPT_HEADERS}
    with store.write() as conn:
        if conn.execute(select(idempotency.c.key)
                        .where(idempotency.c.key == _key(user, key))).first():
            return
        conn.execute(insert(idempotency), {
            "key": _key(user, key), "user_name": user.name, "status": response.status_code,
            "body": json.dumps({"body": body, "headers": headers}), "created_at": now_iso()})
