"""Surveys' life: create, change settings, publish, close early, copy."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.errors import Conflict, Invalid
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.projects.service import narrow_to_visible
from pcrm.surveys.models import Choice, Question, Response, Section, Survey, SurveyState


def surveys_for(user: User) -> list[tuple[Survey, int]]:
    """Surveys the person may see, newest first, each with its number of responses."""
    responses = (
        db.select(func.count(Response.id)).where(Response.survey_id == Survey.id).scalar_subquery()
    )
    query = db.select(Survey, responses).join(Project).order_by(Survey.id.desc())
    query = narrow_to_visible(query, user)
    return [(survey, count) for survey, count in db.session.execute(query)]


def sendable_surveys(user: User) -> list[Survey]:
    """Published surveys not yet closed, of projects the person may use: what a campaign may
    invite to (one that opens later counts: its invitations go when it opens)."""
    now = utcnow()
    query = (
        db.select(Survey)
        .join(Project)
        .where(
            Survey.published_at.is_not(None),
            Survey.closed_at.is_(None),
            db.or_(Survey.closes_at.is_(None), Survey.closes_at > now),
        )
        .order_by(Survey.id.desc())
    )
    return list(db.session.scalars(narrow_to_visible(query, user)))


def response_count(survey: Survey) -> int:
    query = db.select(func.count()).select_from(Response).where(Response.survey_id == survey.id)
    return db.session.scalar(query)


def ensure_unlocked(survey: Survey) -> None:
    """Questions are locked once anyone has answered: changing them needs a copy."""
    if response_count(survey) > 0:
        raise Conflict(_("응답이 있는 설문의 질문은 바꿀 수 없습니다. 설문을 복사해서 고치세요."))


def survey_for_slug(slug: str) -> Survey | None:
    if not slug or len(slug) > 32:
        return None
    return db.session.scalar(db.select(Survey).where(Survey.public_slug == slug))


def create_survey(
    *, project: Project, title: str, introduction: str = "", anonymous: bool = False, user: User
) -> Survey:
    """A draft survey with one empty section to put questions in."""
    survey = Survey(
        project=project,
        title=title.strip(),
        introduction=introduction.strip(),
        anonymous=anonymous,
        created_by_id=user.id,
    )
    survey.sections.append(Section(position=0))
    db.session.add(survey)
    db.session.commit()
    return survey


def update_survey(
    survey: Survey,
    *,
    title: str,
    introduction: str,
    anonymous: bool,
    public_link: bool,
    results_public: bool,
) -> Survey:
    """Change the settings; anonymity is fixed once the survey is published."""
    if anonymous != survey.anonymous and survey.published_at is not None:
        raise Conflict(_("익명 여부는 게시 전에만 바꿀 수 있습니다."))
    survey.title, survey.introduction = title.strip(), introduction.strip()
    survey.anonymous, survey.results_public = anonymous, results_public
    if public_link and survey.public_slug is None:
        survey.public_slug = secrets.token_urlsafe(12)
    elif not public_link:
        survey.public_slug = None
    db.session.commit()
    return survey


def publish_survey(survey: Survey, *, opens_at: datetime | None, closes_at: datetime) -> Survey:
    """Publish: residents may answer from `opens_at` (now if None) until `closes_at`."""
    if survey.state() is not SurveyState.DRAFT:
        raise Conflict(_("이미 게시한 설문입니다."))
    if not survey.questions:
        raise Invalid(_("질문이 하나 이상 있어야 게시할 수 있습니다."))
    now = utcnow()
    opens_at = opens_at or now
    if closes_at <= max(opens_at, now):
        raise Invalid(_("마감 시각은 시작 시각과 지금보다 뒤여야 합니다."))
    survey.published_at, survey.opens_at, survey.closes_at = now, opens_at, closes_at
    db.session.commit()
    return survey


def close_survey(survey: Survey) -> Survey:
    """Close early: no more responses from now on."""
    if survey.state() in (SurveyState.DRAFT, SurveyState.CLOSED):
        raise Conflict(_("게시 중인 설문만 마감할 수 있습니다."))
    survey.closed_at = utcnow()
    db.session.commit()
    return survey


def _copy_question(source: Question, section: Section, copies: dict[int, Question]) -> None:
    question = Question(
        survey=section.survey,
        position=source.position,
        kind=source.kind,
        text=source.text,
        help_text=source.help_text,
        required=source.required,
        other_option=source.other_option,
        max_choices=source.max_choices,
        low=source.low,
        high=source.high,
        low_label=source.low_label,
        high_label=source.high_label,
        condition_question=copies.get(source.condition_question_id),
        condition_value=source.condition_value,
        choices=[Choice(position=c.position, label=c.label) for c in source.choices],
    )
    section.questions.append(question)
    copies[source.id] = question


def copy_survey(survey: Survey, *, user: User) -> Survey:
    """A new draft with the same sections, questions and conditions, and no responses."""
    copy = Survey(
        project=survey.project,
        title=_("%(title)s (사본)", title=survey.title),
        introduction=survey.introduction,
        anonymous=survey.anonymous,
        copied_from_id=survey.id,
        created_by_id=user.id,
    )
    copies: dict[int, Question] = {}
    for source_section in survey.sections:
        section = Section(
            position=source_section.position,
            title=source_section.title,
            description=source_section.description,
        )
        copy.sections.append(section)
        for question in source_section.questions:
            _copy_question(question, section, copies)
    db.session.add(copy)
    db.session.commit()
    return copy


@dataclass(frozen=True)
class GivenResponse:
    """A survey a subscriber answered, for their page; `visible` if staff may open its results."""

    survey_id: int
    title: str
    submitted_at: datetime
    visible: bool


def responses_of(subscriber_id: int, *, user: User) -> list[GivenResponse]:
    """The subscriber's responses to non-anonymous surveys, newest first; anonymous ones keep
    no link to the person and never appear."""
    query = (
        db.select(Survey.id, Survey.title, Response.submitted_at)
        .join(Response, Response.survey_id == Survey.id)
        .where(Response.subscriber_id == subscriber_id, Survey.anonymous.is_(False))
        .order_by(Response.submitted_at.desc())
    )
    rows = db.session.execute(query).all()
    seen = db.select(Survey.id).join(Project).where(Survey.id.in_([row.id for row in rows]))
    visible = set(db.session.scalars(narrow_to_visible(seen, user)))
    return [GivenResponse(*row, visible=row.id in visible) for row in rows]
