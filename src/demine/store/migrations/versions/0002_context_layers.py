"""Context layers: roads, rivers, land cover, former front lines and positions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

from demine.store.base import spatial_indexes
from demine.store.geopackage import register_layers
from demine.store.schema import CONTEXT_LAYERS, LAYERS

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for name in CONTEXT_LAYERS:
        LAYERS[name].create(bind, checkfirst=True)
    if bind.dialect.name == "sqlite":
        register_layers(bind)
    else:
        spatial_indexes(bind, {name: LAYERS[name] for name in CONTEXT_LAYERS})


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(CONTEXT_LAYERS):
        LAYERS[name].drop(bind, checkfirst=True)
