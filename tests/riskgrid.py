"""A small contamination risk grid written through store.risk, for the tests of its storage,
its collection, its export and its map layer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection

from demine.store.risk import replace_risk_grid

AS_OF = date(2025, 6, 1)


@dataclass
class Grid:
    """Cells of a regular grid in longitude/latitude, with a risk and contributions each."""

    cells: list[str]
    geoms: NDArray[np.object_]
    risk: NDArray[np.float64]
    hazard: list[str | None]
    contributions: list[str | None]

    def write(self, conn: Connection, as_of: date = AS_OF, actor: str = "tester") -> int:
        return replace_risk_grid(conn, self.cells, self.geoms, self.risk, self.hazard,
                                 self.contributions, as_of, actor)


def grid(lon: float, lat: float, nx: int, ny: int, side_deg: float = 0.003,
         hazard: str | None = None) -> Grid:
    """nx by ny cells from (lon, lat) eastwards and northwards; risk rising from the south-west
    corner (0) to the north-east one (1); the first cell has no contributions."""
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="xy")
    i, j = i.ravel(), j.ravel()
    x0, y0 = lon + i * side_deg, lat + j * side_deg
    geoms = shapely.box(x0, y0, x0 + side_deg, y0 + side_deg)
    risk = (i + j) / max(1, nx + ny - 2)
    contributions: list[str | None] = [
        json.dumps({"distance_to_front_line": round(2.0 * r - 1.0, 3), "accidents_nearby": 0.4})
        for r in risk]
    if contributions:
        contributions[0] = None
    return Grid([f"250m:E{a:03d}N{b:03d}" for a, b in zip(i, j, strict=True)], geoms,
                risk.astype(float), [hazard] * len(risk), contributions)
