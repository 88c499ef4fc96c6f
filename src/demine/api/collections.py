"""Which registry layers the web service serves, and how: one place for every collection.

A collection's id is its layer name (DESIGN.md §3); a feature's id is its code where the layer has
codes, else its row number. `public` collections are readable without a login (what people need
to stay safe), unless an admin turns public reading off.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table

from demine.store.schema import LAYERS, geometry_column


@dataclass(frozen=True)
class Collection:
    """A layer as an OGC API collection."""

    id: str
    title: str
    description: str
    public: bool = False
    temporal: str | None = None
    """The column that `datetime` filters on (the date the facts were true)."""
    writable: bool = True
    cached: bool = True
    """Whether bbox pages come from each worker's in-memory copy (api.cache) rather than the
    spatial index: not for grids of hundreds of thousands of cells."""

    @property
    def table(self) -> Table:
        return LAYERS[self.id]

    @property
    def geometry(self) -> Column | None:
        return geometry_column(self.table)

    @property
    def key(self) -> Column:
        """The column a feature id is matched against: the code, else the row number."""
        return self.table.c.code if "code" in self.table.c else self.table.c.fid

    @property
    def properties(self) -> list[Column]:
        """Columns shown as feature properties (geometry and row number aside)."""
        return [c for c in self.table.columns if c.name not in ("fid", "geom")]


COLLECTIONS: dict[str, Collection] = {c.id: c for c in (
    Collection("hazard_areas", "Hazard areas",
               "Suspected (SHA) and confirmed (CHA) hazardous areas with their remaining land",
               public=True, temporal="info_date"),
    Collection("releases", "Released land",
               "Land cancelled, reduced or cleared, clipped to its hazard area", public=True,
               temporal="release_date", writable=False),
    Collection("finds", "Ordnance finds", "Explosive ordnance found and destroyed or removed",
               temporal="find_date"),
    Collection("evidence", "Evidence",
               "Indications that are not finds: suspicion and community reports, seizures, "
               "arsenals, production sites", temporal="evidence_date"),
    Collection("accidents", "Accidents", "Mine/ERW accidents (victims' personal data is not here)",
               temporal="accident_date"),
    Collection("activities", "Activities", "Survey, clearance, EOD and QC activities",
               temporal="start_date"),
    Collection("tasks", "Tasks", "Tasking of teams to hazard areas", temporal="planned_start"),
    Collection("teams", "Teams", "Manual, dog, machine, survey and EOD teams",
               temporal="available_from"),
    Collection("locations", "Locations", "Admin units and settlements with their population"),
    Collection("roads", "Roads", "Roads and tracks", public=True),
    Collection("rivers", "Rivers", "Rivers and streams", public=True),
    Collection("land_cover", "Land cover", "Farmland, forest and built-up land", public=True),
    Collection("front_lines", "Former front lines", "Former front and defensive lines",
               public=True),
    Collection("positions", "Former positions", "Fortified and artillery positions, checkpoints",
               public=True),
    Collection("risk_cells", "Contamination risk",
               "Modelled probability that each grid cell is contaminated (risk, 0 to 1) on the "
               "date as_of, with the features that contributed most (log-odds)",
               temporal="as_of", writable=False, cached=False),
)}
"""The served collections, in the order the landing page lists them."""
