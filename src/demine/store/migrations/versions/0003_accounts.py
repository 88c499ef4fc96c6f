"""Web-service accounts: users, hashed tokens, settings and idempotency keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from alembic import op
from sqlalchemy import select

from demine.store.audit import record_head
from demine.store.schema import ACCOUNT_TABLES, audit_log

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in ACCOUNT_TABLES.values():
        table.create(bind, checkfirst=True)
    head = bind.execute(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1))
    last = head.scalar()
    if last is not None:  # the log's end, kept apart from it from now on
        record_head(bind, last)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(list(ACCOUNT_TABLES.values())):
        table.drop(bind, checkfirst=True)
