"""Statistics of the registry (land release, finds, accidents; one source for every output)
and of survey design, quality-control sampling and residual risk."""

from demine.stats.hotspot import hotspot_detection_probability, hotspot_spacing
from demine.stats.residual import posterior_contamination, uxo_fraction_needed, uxo_upper_bound
from demine.stats.sampling import (
    Plan,
    acceptance_probability,
    iso2859_plan,
    zero_failure_sample_size,
)
from demine.stats.transects import transect_spacing, transect_traverse_probability

__all__ = [
    "Plan",
    "acceptance_probability",
    "hotspot_detection_probability",
    "hotspot_spacing",
    "iso2859_plan",
    "posterior_contamination",
    "transect_spacing",
    "transect_traverse_probability",
    "uxo_fraction_needed",
    "uxo_upper_bound",
    "zero_failure_sample_size",
]
