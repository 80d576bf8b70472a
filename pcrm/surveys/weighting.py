"""Weights that make respondents stand for the district by age band and gender.

Targets: the district's residents by age band × gender as PR staff entered them from the
official statistics (`surveys.population`). Until they are entered, the age-band shares of the
registry in `reference.json`, each split evenly between women and men, stand in, and the
results page says so. Respondents of unknown age band or gender (businesses, anonymous surveys,
the public link) are left out of weighted figures.

Post-stratification by age band × gender when every cell has at least MIN_CELL respondents;
otherwise raking (iterative proportional fitting) to the age-band and gender margins, or to
the age bands alone when the cells cannot meet both margins. A band
nobody in it answered cannot be represented: its share is spread over the others and named.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from pcrm.reference import reference
from pcrm.subscribers.age import AGE_BANDS
from pcrm.subscribers.models import Gender

Cell = tuple[str, str]  # (age band code, gender)
GENDERS = (Gender.FEMALE.value, Gender.MALE.value)
MIN_CELL = 5
MIN_BASE = 30  # fewer weightable respondents than this: no weighted figures
Z_95 = 1.96


@dataclass(frozen=True)
class Targets:
    """Each age band × gender cell's share of the people the figures should stand for."""

    shares: dict[Cell, float]
    source: str | None = None  # where the population figures come from; None: the stand-in

    def margin(self, index: int) -> dict[str, float]:
        """Shares by age band (index 0) or by gender (index 1)."""
        totals: dict[str, float] = {}
        for cell, share in self.shares.items():
            totals[cell[index]] = totals.get(cell[index], 0.0) + share
        return totals


def population_targets(people: Mapping[Cell, int], source: str) -> Targets:
    """Targets from the number of residents in each cell."""
    total = sum(people.values())
    return Targets({cell: n / total for cell, n in people.items()}, source)


def registry_targets() -> Targets:
    """The stand-in: the registry's age-band shares, each split evenly between the sexes."""
    figures = {b["code"]: b["subscribers"] for b in reference()["age_bands"]}
    total = sum(figures.values())
    return Targets({(b.code, g): figures[b.code] / total / 2 for b in AGE_BANDS for g in GENDERS})


@dataclass(frozen=True)
class Weighting:
    method: str  # "cells" (post-stratification), "raking", "age_only", or "none"
    weights: dict[Cell, float] = field(default_factory=dict)
    base: int = 0  # respondents who carry a weight
    missing_bands: tuple[str, ...] = ()
    design_effect: float = 1.0
    targets: Targets | None = None

    def weight(self, band: str | None, gender: str | None) -> float:
        return self.weights.get((band, gender), 0.0)


def _post_stratify(counts: dict[Cell, int], n: int, targets: Targets) -> dict[Cell, float]:
    return {cell: share * n / counts[cell] for cell, share in targets.shares.items()}


def _margin(cells: list[Cell], index: int, shares: dict[str, float]) -> dict[str, float]:
    present = {cell[index] for cell in cells}
    total = sum(shares[key] for key in present)
    return {key: shares[key] / total for key in present}


def _rake(
    counts: dict[Cell, int], n: int, targets: Targets, with_gender: bool = True, rounds: int = 200
) -> dict[Cell, float] | None:
    """Raked weights, or None when the margins cannot both be met by these cells."""
    cells = [cell for cell, count in counts.items() if count > 0]
    # The sexes' shares among the people of the age bands that answered, not of everyone.
    bands = {band for band, _gender in cells}
    answered = Targets({cell: s for cell, s in targets.shares.items() if cell[0] in bands})
    margins = [_margin(cells, 0, answered.margin(0))]
    if with_gender:
        margins.append(_margin(cells, 1, answered.margin(1)))
    weights = dict.fromkeys(cells, 1.0)
    for _round in range(rounds):
        largest_change = 0.0
        for index, targets in enumerate(margins):
            for key, target in targets.items():
                group = [cell for cell in cells if cell[index] == key]
                achieved = sum(counts[c] * weights[c] for c in group)
                factor = target * n / achieved
                largest_change = max(largest_change, abs(factor - 1))
                for cell in group:
                    weights[cell] *= factor
        if largest_change < 1e-9:
            return weights
    return None


def design_effect(counts: dict[Cell, int], weights: dict[Cell, float]) -> float:
    """Kish's design effect from weighting: n·Σw² / (Σw)² over respondents."""
    n = sum(counts.get(cell, 0) for cell in weights)
    total = sum(counts.get(cell, 0) * w for cell, w in weights.items())
    squares = sum(counts.get(cell, 0) * w * w for cell, w in weights.items())
    return n * squares / (total * total) if total else 1.0


def weigh(counts: dict[Cell, int], targets: Targets) -> Weighting:
    """Weights per cell (mean 1 over weighted respondents) from respondents per cell."""
    known = {cell: count for cell, count in counts.items() if cell in targets.shares}
    n = sum(known.values())
    if n < MIN_BASE:
        return Weighting("none", base=n, targets=targets)
    if all(known.get(cell, 0) >= MIN_CELL for cell in targets.shares):
        method, weights = "cells", _post_stratify(known, n, targets)
    elif (raked := _rake(known, n, targets)) is not None:
        method, weights = "raking", raked
    else:
        # Say only women in their 40s and men in their 70s answered: no weights give both
        # margins at once, so weight by age band alone.
        method, weights = "age_only", _rake(known, n, targets, with_gender=False)
    answered = {band for (band, _g), count in known.items() if count}
    missing = tuple(b.code for b in AGE_BANDS if b.code not in answered)
    return Weighting(method, weights, n, missing, design_effect(known, weights), targets)


def margin_of_error(n: float, deff: float = 1.0, p: float = 0.5) -> float | None:
    """Half-width of the 95% interval for a proportion, in percentage points."""
    if n <= 0:
        return None
    return 100 * Z_95 * math.sqrt(deff * p * (1 - p) / n)
