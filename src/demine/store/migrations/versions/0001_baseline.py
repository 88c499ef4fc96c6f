"""Baseline: the registry schema of demine 0.1.

A new database is built from the current schema and stamped at the head revision (Alembic's
"building an up-to-date database from scratch"); this revision is where existing databases start.
Later schema changes add a revision beside it with the `op` calls that bring old files forward.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from alembic import op

from demine.store.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
