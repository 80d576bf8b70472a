"""Age bands are derived from the birth year, never stored."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AgeBand:
    code: str
    low: int  # inclusive age
    high: int | None  # inclusive age, None for the open top band

    def birth_years(self, year: int) -> tuple[int | None, int]:
        """Birth-year range (earliest or None, latest) of this band in `year`."""
        earliest = None if self.high is None else year - self.high
        return earliest, year - self.low


AGE_BANDS = (
    AgeBand("u20", 0, 19),
    AgeBand("20s", 20, 29),
    AgeBand("30s", 30, 39),
    AgeBand("40s", 40, 49),
    AgeBand("50s", 50, 59),
    AgeBand("60s", 60, 69),
    AgeBand("70p", 70, None),
)
BY_CODE = {band.code: band for band in AGE_BANDS}


def age_band(birth_year: int | None, today: date | None = None) -> AgeBand | None:
    """The band of someone born in `birth_year`, counting age as this year minus birth year."""
    if birth_year is None:
        return None
    age = (today or date.today()).year - birth_year
    for band in AGE_BANDS:
        if age >= band.low and (band.high is None or age <= band.high):
            return band
    return None


# 개인정보보호법 §22-2: under 14, a legal guardian consents for the child.
GUARDIAN_AGE = 14


def may_be_under_14(birth_year: int | None, today: date | None = None) -> bool:
    """With only a birth year, anyone who turns 14 this year may still be 13: ask a guardian."""
    if birth_year is None:
        return False
    return (today or date.today()).year - birth_year <= GUARDIAN_AGE
