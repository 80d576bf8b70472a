"""Weights that make respondents stand for the district by age band and gender.

Targets: the age-band shares of the district's registry in `reference.json` (the only age
figures we hold), each split evenly between women and men (an assumption: the reference has no
sex breakdown). Respondents of unknown age band or gender (businesses, anonymous surveys, the
public link) are left out of weighted figures.

Post-stratification by age band × gender when every cell has at least MIN_CELL respondents;
otherwise raking (iterative proportional fitting) to the age-band and gender margins, or to
the age bands alone when the cells cannot meet both margins. A band
nobody in it answered cannot be represented: its share is spread over the others and named.
"""

import math
from dataclasses import dataclass, field

from pcrm.reference import reference
from pcrm.subscribers.age import AGE_BANDS
from pcrm.subscribers.models import Gender

Cell = tuple[str, str]  # (age band code, gender)
GENDERS = (Gender.FEMALE.value, Gender.MALE.value)
MIN_CELL = 5
MIN_BASE = 30  # fewer weightable respondents than this: no weighted figures
Z_95 = 1.96


def band_shares() -> dict[str, float]:
    figures = {b["code"]: b["subscribers"] for b in reference()["age_bands"]}
    total = sum(figures.values())
    return {band.code: figures[band.code] / total for band in AGE_BANDS}


def population_shares() -> dict[Cell, float]:
    """Target share of each age band × gender cell (gender split evenly)."""
    return {(band, g): share / 2 for band, share in band_shares().items() for g in GENDERS}


@dataclass(frozen=True)
class Weighting:
    method: str  # "cells" (post-stratification), "raking", "age_only", or "none"
    weights: dict[Cell, float] = field(default_factory=dict)
    base: int = 0  # respondents who carry a weight
    missing_bands: tuple[str, ...] = ()
    design_effect: float = 1.0

    def weight(self, band: str | None, gender: str | None) -> float:
        return self.weights.get((band, gender), 0.0)


def _post_stratify(counts: dict[Cell, int], n: int) -> dict[Cell, float]:
    return {cell: share * n / counts[cell] for cell, share in population_shares().items()}


def _margin(cells: list[Cell], index: int, shares: dict[str, float]) -> dict[str, float]:
    present = {cell[index] for cell in cells}
    total = sum(shares[key] for key in present)
    return {key: shares[key] / total for key in present}


def _rake(
    counts: dict[Cell, int], n: int, with_gender: bool = True, rounds: int = 200
) -> dict[Cell, float] | None:
    """Raked weights, or None when the margins cannot both be met by these cells."""
    cells = [cell for cell, count in counts.items() if count > 0]
    margins = [_margin(cells, 0, band_shares())]
    if with_gender:
        margins.append(_margin(cells, 1, {g: 0.5 for g in GENDERS}))
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


def weigh(counts: dict[Cell, int]) -> Weighting:
    """Weights per cell (mean 1 over weighted respondents) from respondents per cell."""
    known = {cell: count for cell, count in counts.items() if cell in population_shares()}
    n = sum(known.values())
    if n < MIN_BASE:
        return Weighting("none", base=n)
    if all(known.get(cell, 0) >= MIN_CELL for cell in population_shares()):
        method, weights = "cells", _post_stratify(known, n)
    elif (raked := _rake(known, n)) is not None:
        method, weights = "raking", raked
    else:
        # Say only women in their 40s and men in their 70s answered: no weights give both
        # margins at once, so weight by age band alone.
        method, weights = "age_only", _rake(known, n, with_gender=False)
    answered = {band for (band, _g), count in known.items() if count}
    missing = tuple(b.code for b in AGE_BANDS if b.code not in answered)
    return Weighting(method, weights, n, missing, design_effect(known, weights))


def margin_of_error(n: float, deff: float = 1.0, p: float = 0.5) -> float | None:
    """Half-width of the 95% interval for a proportion, in percentage points."""
    if n <= 0:
        return None
    return 100 * Z_95 * math.sqrt(deff * p * (1 - p) / n)
