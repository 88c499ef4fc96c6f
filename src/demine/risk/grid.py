"""The risk grid: square cells of a chosen side over the registry's region, in a local metric frame,
and measures from each cell's centre to points and lines around it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from demine.sim.frame import Frame

MIN_CELL_M = 100.0
MAX_CELL_M = 1000.0
MAX_CELLS = 2_000_000


@dataclass
class Grid:
    """Cells of `cell_m` metres; cell (i, j) spans x0 + i*cell_m .. +cell_m east, likewise north."""

    frame: Frame
    cell_m: float
    x0: float
    y0: float
    i: NDArray[np.int64]
    j: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.i)

    @property
    def x(self) -> NDArray[np.float64]:
        return np.asarray(self.x0 + (self.i + 0.5) * self.cell_m)

    @property
    def y(self) -> NDArray[np.float64]:
        return np.asarray(self.y0 + (self.j + 0.5) * self.cell_m)

    def lonlat(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.frame.points_lonlat(self.x, self.y)

    def ids(self) -> list[str]:
        return [f"{self.cell_m:g}m:E{a}N{b}" for a, b in zip(self.i, self.j, strict=True)]

    def polygons(self) -> NDArray[np.object_]:
        """Each cell as a WGS84 polygon."""
        x, y, c = self.x0 + self.i * self.cell_m, self.y0 + self.j * self.cell_m, self.cell_m
        boxes = shapely.box(x, y, x + c, y + c)
        return np.asarray(self.frame.to_lonlat(boxes))

    def centres(self) -> NDArray[np.object_]:
        return np.asarray(shapely.points(self.x, self.y))

    def locate(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """The cell of each point, -1 where no cell of the grid holds it."""
        nx, ny = int(self.i.max(initial=-1)) + 1, int(self.j.max(initial=-1)) + 1
        lookup = np.full((ny, nx), -1, dtype=np.int64)
        lookup[self.j, self.i] = np.arange(len(self))
        i = np.floor((np.asarray(x) - self.x0) / self.cell_m).astype(np.int64)
        j = np.floor((np.asarray(y) - self.y0) / self.cell_m).astype(np.int64)
        ok = (i >= 0) & (j >= 0) & (i < nx) & (j < ny)
        out = np.full(len(i), -1, dtype=np.int64)
        out[ok] = lookup[j[ok], i[ok]]
        return out


def build_grid(frame: Frame, land: NDArray[np.object_], cell_m: float) -> Grid:
    """Cells whose centre lies on the given land (geometries in the frame's metres)."""
    if not MIN_CELL_M <= cell_m <= MAX_CELL_M:
        raise ValueError(f"--cell-m must be from {MIN_CELL_M:g} to {MAX_CELL_M:g} metres "
                         f"(got {cell_m:g})")
    if not len(land):
        raise ValueError("the registry holds no admin units, hazard areas or land cover to lay "
                         "a risk grid over")
    west, south, east, north = shapely.total_bounds(land)
    x0, y0 = np.floor(west / cell_m) * cell_m, np.floor(south / cell_m) * cell_m
    nx, ny = int(np.ceil((east - x0) / cell_m)), int(np.ceil((north - y0) / cell_m))
    if nx * ny > MAX_CELLS * 4:
        raise ValueError(f"a grid of {cell_m:g} m cells over this region would hold "
                         f"{nx * ny:,} cells (at most {MAX_CELLS:,}); choose a larger --cell-m")
    columns, rows = np.meshgrid(np.arange(nx), np.arange(ny))
    i, j = columns.ravel(), rows.ravel()
    centres = shapely.points(x0 + (i + 0.5) * cell_m, y0 + (j + 0.5) * cell_m)
    tree = shapely.STRtree(land)
    inside = np.unique(tree.query(centres, predicate="intersects")[0])
    if len(inside) > MAX_CELLS:
        raise ValueError(f"a grid of {cell_m:g} m cells over this region would hold "
                         f"{len(inside):,} cells (at most {MAX_CELLS:,}); choose a larger --cell-m")
    return Grid(frame, float(cell_m), float(x0), float(y0), i[inside], j[inside])


def nearest_m(grid: Grid, geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """Metres from each cell centre to the nearest geometry (NaN when there is none)."""
    if not len(geoms):
        return np.full(len(grid), np.nan)
    tree = shapely.STRtree(geoms)
    _, dist = tree.query_nearest(grid.centres(), return_distance=True, all_matches=False)
    return np.asarray(dist, dtype=float)


def around_m(grid: Grid, x: NDArray[np.float64], y: NDArray[np.float64],
             radii_m: tuple[float, ...]) -> NDArray[np.float64]:
    """(cells, 1 + radii): the distance from each cell centre to the nearest point outside the
    cell itself, and the points within each radius, the cell's own left out:
    a cell is described by its surroundings, so that what was recorded inside it (the very thing
    a label may come from) never informs its own features."""
    out = np.zeros((len(grid), 1 + len(radii_m)))
    out[:, 0] = np.nan
    if not len(x):
        return out
    own_cell = grid.locate(x, y)
    held = own_cell >= 0
    own_count = np.bincount(own_cell[held], minlength=len(grid))
    points = np.column_stack([x, y])
    tree = cKDTree(points)
    centres = np.column_stack([grid.x, grid.y])
    for r, radius in enumerate(radii_m):
        counts = tree.query_ball_point(centres, r=radius, return_length=True)
        out[:, 1 + r] = np.maximum(counts - own_count, 0)
    # the nearest point outside the cell is among the (own + 1) nearest
    for k in np.unique(own_count):
        rows = np.flatnonzero(own_count == k)
        kk = int(min(k + 1, len(x)))
        dist, index = tree.query(centres[rows], k=kk)
        dist, index = dist.reshape(len(rows), kk), index.reshape(len(rows), kk)
        outside = own_cell[index] != rows[:, None]
        dist = np.where(outside, dist, np.inf).min(axis=1)
        out[rows, 0] = np.where(np.isfinite(dist), dist, np.nan)
    return out
