"""Web-service accounts: users, hashed tokens, settings and idempotency keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from alembic import op

from demine.store.schema import ACCOUNT_TABLES

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in ACCOUNT_TABLES.values():
        table.create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(list(ACCOUNT_TABLES.values())):
        table.drop(bind, checkfirst=True)
