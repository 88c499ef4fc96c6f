"""Acceptance sampling for quality control of released land: zero-failure sample sizes, the
ISO 2859-1 single sampling plans, and their operating characteristic.

Cleared land is inspected in units (say 100 m2 boxes): the lot is the cleared area divided
into units, a sample of units is searched again, and the lot passes when at most `ac` of them
hold a defect (an item missed, ground not searched to depth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from demine.stats.bounds import closed_unit, open_unit, whole

CODE_LETTERS = "ABCDEFGHJKLMNPQR"
SAMPLE_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
"""Sample size of each code letter (ISO 2859-1, Table 2-A)."""
AQLS = (0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0,
        6.5, 10, 15, 25, 40, 65, 100, 150, 250, 400, 650, 1000)
"""The acceptance quality limits of the standard's series (percent nonconforming, or
nonconformities per hundred units above 10)."""
LOT_LIMITS = (8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10000, 35000, 150000, 500000)
"""Upper bounds of the lot size ranges of ISO 2859-1 Table 1 (the last range is open)."""
LEVEL_LETTERS = {
    "S-1": "AAAABBBBCCCCDDD", "S-2": "AAABBBCCCDDDEEE", "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK", "I": "AABCCDEFGHJKLMN", "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}
"""Code letter by lot size range for each inspection level (ISO 2859-1, Table 1)."""
ACCEPTANCE_SERIES = ((1, 2), (2, 3), (3, 4), (5, 6), (7, 8), (10, 11), (14, 15), (21, 22),
                     (30, 31), (44, 45))
"""Ac, Re of the master table's diagonals after the (0, 1) plan and its two arrows."""
UP, DOWN = "up", "down"


@dataclass(frozen=True)
class Plan:
    """A single sampling plan: inspect `n` units; accept with at most `ac` defective, reject
    from `re`."""

    code_letter: str
    n: int
    ac: int
    re: int


def _cell(row: int, column: int) -> tuple[int, int] | str:
    """Table 2-A (normal inspection, single sampling) at code letter `row` and AQL `column`:
    a plan (Ac, Re) or an arrow to follow. The table runs in diagonals: along each, the plan is
    the same, with the arrows up then down between (0, 1) and (1, 2), and the plans with 30 and
    44 only in the columns from AQL 150 and 250."""
    diagonal = row + column - 14
    if diagonal < 0:
        return DOWN
    if diagonal == 0:
        return (0, 1)
    if diagonal == 1:
        return DOWN if row == 0 else UP
    if diagonal == 2:
        return UP if row == len(CODE_LETTERS) - 1 else DOWN
    step = diagonal - 3
    if step >= len(ACCEPTANCE_SERIES) or (step == 8 and column < 21) or \
            (step == 9 and column < 22):
        return UP
    return ACCEPTANCE_SERIES[step]


def _aql_column(aql: float) -> int:
    for i, value in enumerate(AQLS):
        if math.isclose(float(aql), value, rel_tol=1e-9):
            return i
    raise ValueError(f"aql must be one of the ISO 2859-1 series "
                     f"({', '.join(f'{a:g}' for a in AQLS)}) (got {aql!r})")


def iso2859_plan(lot_size: int, aql: float, level: str = "II") -> Plan:
    """The ISO 2859-1 single sampling plan for normal inspection of a lot.

    The code letter comes from Table 1 (lot size and inspection level: the general levels I,
    II, III, or the special levels S-1 to S-4); the plan from Table 2-A at that letter and the
    AQL, following the table's arrows to the first plan below or above, whose code letter and
    sample size are then the ones returned. Assumptions: normal inspection (no switching to
    tightened or reduced), single sampling; when the sample size reaches the lot size, the
    standard inspects the whole lot. Source: ISO 2859-1:1999 Tables 1 and 2-A (the same tables
    as ANSI/ASQ Z1.4 and MIL-STD-105E)."""
    lot = whole("lot_size", lot_size, 2)
    column = _aql_column(aql)
    if level not in LEVEL_LETTERS:
        raise ValueError(f"level must be one of {', '.join(LEVEL_LETTERS)} (got {level!r})")
    band = next((i for i, limit in enumerate(LOT_LIMITS) if lot <= limit), len(LOT_LIMITS))
    row = CODE_LETTERS.index(LEVEL_LETTERS[level][band])
    cell = _cell(row, column)
    while isinstance(cell, str):
        row += 1 if cell == DOWN else -1
        cell = _cell(row, column)
    return Plan(CODE_LETTERS[row], SAMPLE_SIZES[row], cell[0], cell[1])


def acceptance_probability(n: int, ac: int, p: float, lot_size: int | None = None) -> float:
    """Probability that a lot with defect rate `p` passes a plan (its operating characteristic):
    P(at most `ac` defective in a sample of `n`).

    Formula: sum over k <= ac of C(n, k) p^k (1 - p)^(n - k) (binomial: an unlimited lot, or
    sampling with replacement); for a lot of `lot_size` = N units holding D = round(p N)
    defective ones, sum over k <= ac of C(D, k) C(N - D, n - k) / C(N, n) (hypergeometric).
    Assumptions: units are drawn at random and inspection finds every defect it looks at.
    Source: ISO 2859-1 operating characteristic curves (binomial for percent nonconforming)."""
    size = whole("n", n, 1)
    accept = whole("ac", ac, 0)
    rate = closed_unit("p", p)
    if lot_size is None:
        return min(1.0, sum(math.comb(size, k) * rate ** k * (1 - rate) ** (size - k)
                            for k in range(min(accept, size) + 1)))
    lot = whole("lot_size", lot_size, 2)
    if size > lot:
        raise ValueError(f"n must be at most lot_size = {lot} (got {size})")
    defective = round(rate * lot)
    total = math.comb(lot, size)
    good = sum(math.comb(defective, k) * math.comb(lot - defective, size - k)
               for k in range(min(accept, size, defective) + 1))
    return min(1.0, good / total)


def zero_failure_sample_size(p: float, confidence: float, lot_size: int | None = None) -> int:
    """The smallest sample in which finding no defect shows, with `confidence`, that the defect
    rate is at most `p`.

    Binomial: the smallest n with (1 - p)^n <= 1 - confidence. For a finite lot of `lot_size`
    units the claim fails with D = floor(p x lot_size) + 1 defective units, and n is the
    smallest with C(N - D, n) / C(N, n) <= 1 - confidence (hypergeometric). Source: the
    zero-acceptance ("c = 0") sample size of attribute sampling (e.g. Schilling and Neubauer,
    Acceptance Sampling in Quality Control, ch. 4)."""
    rate = open_unit("p", p)
    level = open_unit("confidence", confidence)
    risk = 1 - level
    if lot_size is None:
        n = max(1, math.ceil(math.log(risk) / math.log1p(-rate)))
        while n > 1 and (1 - rate) ** (n - 1) <= risk:
            n -= 1
        while (1 - rate) ** n > risk:
            n += 1
        return n
    lot = whole("lot_size", lot_size, 2)
    defective = min(lot, math.floor(rate * lot) + 1)
    none_found = 1.0
    for n in range(1, lot + 1):
        none_found *= (lot - defective - (n - 1)) / (lot - (n - 1))
        if none_found <= risk:
            return n
    return lot
