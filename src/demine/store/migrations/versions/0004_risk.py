"""Contamination risk: the risk map's grid cells and each hazard area's mean and largest risk.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

from demine.store.base import spatial_indexes
from demine.store.geopackage import register_layers
from demine.store.schema import LAYERS, RISK_LAYERS, hazard_risk

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    layers = {name: LAYERS[name] for name in RISK_LAYERS}
    for table in layers.values():
        table.create(bind, checkfirst=True)
    hazard_risk.create(bind, checkfirst=True)
    if bind.dialect.name == "sqlite":
        register_layers(bind, layers)
    else:
        spatial_indexes(bind, layers)


def downgrade() -> None:
    bind = op.get_bind()
    hazard_risk.drop(bind, checkfirst=True)
    for name in reversed(RISK_LAYERS):
        LAYERS[name].drop(bind, checkfirst=True)
    if bind.dialect.name == "sqlite":
        for name in RISK_LAYERS:
            bind.exec_driver_sql(f'DROP TABLE IF EXISTS "rtree_{name}_geom"')
            for table in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents"):
                bind.exec_driver_sql(f"DELETE FROM {table} WHERE table_name = ?", (name,))
