"""What may remain after land was searched and nothing was found: bounds on items left, and the
chance that an area is still contaminated after a chain of searches."""

from __future__ import annotations

import math
from collections.abc import Iterable

from demine.stats.bounds import closed_unit, open_unit, whole


def uxo_fraction_needed(max_items: int, confidence: float) -> float:
    """The fraction of an area to search, finding nothing, to say with `confidence` that at most
    `max_items` items remain: 1 - (1 - confidence)^(1 / (max_items + 1)).

    Model: each of N items lies in the searched part with probability f, independently; with a
    uniform prior on N, P(N <= n | nothing found) = 1 - (1 - f)^(n + 1). Source: Visual Sample
    Plan (PNNL), UXO Estimator."""
    items = whole("max_items", max_items, 0)
    level = open_unit("confidence", confidence)
    return float(1 - (1 - level) ** (1 / (items + 1)))


def uxo_upper_bound(fraction_surveyed: float, confidence: float) -> int:
    """The most items that can remain, with `confidence`, after searching `fraction_surveyed` of
    an area and finding nothing: the smallest n with 1 - (1 - f)^(n + 1) >= confidence.

    Same model and source as `uxo_fraction_needed`; searching all of it (f = 1) leaves none."""
    f = closed_unit("fraction_surveyed", fraction_surveyed)
    if f == 0:
        raise ValueError("fraction_surveyed must be in (0, 1] (got 0)")
    level = open_unit("confidence", confidence)
    if f == 1:
        return 0
    n = max(0, math.ceil(math.log(1 - level) / math.log1p(-f)) - 1)
    while n > 0 and 1 - (1 - f) ** n >= level:
        n -= 1
    while 1 - (1 - f) ** (n + 1) < level:
        n += 1
    return n


def posterior_contamination(prior: float, detection_probabilities: Iterable[float]) -> float:
    """Probability that an area is still contaminated after independent searches (surveys,
    clearance passes), each finding contamination that is there with its probability, all found
    nothing: prior x prod(1 - p_i) / (prior x prod(1 - p_i) + 1 - prior) (Bayes' rule).

    Assumptions: the searches fail independently; none reports contamination that is not there.
    Source: Bayes' theorem, as in the land-release confidence arguments of IMAS 07.11."""
    p0 = closed_unit("prior", prior)
    missed = 1.0
    for i, p in enumerate(detection_probabilities):
        missed *= 1 - closed_unit(f"detection_probabilities[{i}]", p)
    still = p0 * missed
    if still == 0 and p0 == 1:
        raise ValueError("prior 1 (surely contaminated) and a search that surely finds "
                         "contamination cannot both hold when nothing was found")
    return still / (still + (1 - p0))
