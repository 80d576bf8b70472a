"""The district's population by age band × gender: what survey results are weighted to."""

from flask_babel import gettext as _
from sqlalchemy import select

from pcrm.auth.models import User
from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.subscribers.age import AGE_BANDS
from pcrm.surveys.models import PopulationFigures
from pcrm.surveys.weighting import GENDERS, Targets, population_targets, registry_targets

HISTORY = 10


def current() -> PopulationFigures | None:
    query = select(PopulationFigures).order_by(PopulationFigures.id.desc()).limit(1)
    return db.session.scalar(query)


def history() -> list[PopulationFigures]:
    """The newest sets, newest first: the first is the one in use."""
    query = select(PopulationFigures).order_by(PopulationFigures.id.desc()).limit(HISTORY)
    return list(db.session.scalars(query))


def targets() -> Targets:
    """The newest figures as weighting targets, or the stand-in while none are entered."""
    figures = current()
    if figures is None:
        return registry_targets()
    people = {(band, g): n for band, by in figures.people.items() for g, n in by.items()}
    return population_targets(people, figures.source)


def record(people: dict[str, dict[str, int]], source: str, user: User | None) -> PopulationFigures:
    """Keep a new set of figures (every band and gender, each at least one person)."""
    cells = {(band.code, g) for band in AGE_BANDS for g in GENDERS}
    given = {(band, g) for band, by_gender in people.items() for g in by_gender}
    if given != cells or min(n for by in people.values() for n in by.values()) < 1:
        raise Invalid(_("모든 연령대와 성별에 1명 이상의 인원을 적어 주세요."))
    figures = PopulationFigures(people=people, source=source.strip(), created_by=user)
    db.session.add(figures)
    db.session.commit()
    return figures
