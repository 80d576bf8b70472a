"""Options for the campaign forms, as the signed-in person may choose them."""

from sqlalchemy import select

from pcrm.auth.models import User
from pcrm.extensions import db
from pcrm.i18n import local_datetime, localized
from pcrm.projects.service import projects_to_use
from pcrm.subscribers.models import InterestField, Segment
from pcrm.surveys import service as surveys

SURVEY_FIELD = "survey"


def projects(user: User) -> list[tuple[int, str]]:
    rows = projects_to_use(user)
    return [(p.id, f"{localized(p)} · {localized(p.department)}") for p in rows]


def segments() -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in db.session.scalars(select(Segment).order_by(Segment.name))]


def fields() -> list[tuple[str, str]]:
    query = select(InterestField).where(InterestField.code != SURVEY_FIELD)
    rows = db.session.scalars(query.order_by(InterestField.position))
    return [(f.code, localized(f)) for f in rows]


def surveys_to_send(user: User) -> list[tuple[int, str]]:
    """Surveys a campaign of the person's may invite to: published, not closed."""
    return [(survey.id, _survey_label(survey)) for survey in surveys.sendable_surveys(user)]


def _survey_label(survey) -> str:
    closes = local_datetime(survey.closes_at, "yyyy-MM-dd")
    return f"{survey.title} · {localized(survey.project)}" + (f" (~{closes})" if closes else "")
