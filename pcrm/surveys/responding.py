"""Residents' responses: who is invited by a link, whether they may answer, recording once."""

import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from pcrm.db import utcnow
from pcrm.errors import Conflict, NotFound
from pcrm.extensions import db
from pcrm.messaging import service as messaging
from pcrm.messaging.models import Message
from pcrm.subscribers.age import age_band
from pcrm.surveys.answering import Value
from pcrm.surveys.models import Answer, Response, ResponseSource, Survey, SurveyState


class AlreadyAnswered(Conflict):
    """This person or this form has answered already; nothing new was recorded."""


class Unavailable(enum.StrEnum):
    ANSWERED = "answered"
    NOT_OPEN = "not_open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Invitation:
    message: Message
    survey: Survey


def invitation(token: str) -> Invitation:
    """The message and survey a link's token names; anything else is a plain 404."""
    message = messaging.message_for_token(token)
    survey_id = message.campaign.survey_id if message is not None else None
    survey = db.session.get(Survey, survey_id) if survey_id is not None else None
    if survey is None or survey.published_at is None:
        raise NotFound(_("찾을 수 없습니다."))
    return Invitation(message, survey)


def unavailable(survey: Survey, *, answered: bool) -> Unavailable | None:
    """Why the survey cannot be answered now, or None when it can."""
    if answered:
        return Unavailable.ANSWERED
    state = survey.state()
    if state is SurveyState.CLOSED:
        return Unavailable.CLOSED
    if state is not SurveyState.OPEN:
        return Unavailable.NOT_OPEN
    return None


def _profile(survey: Survey, message: Message | None) -> dict:
    """Who answered, kept only for non-anonymous surveys answered from an invitation."""
    if survey.anonymous or message is None:
        return {}
    person = message.subscriber
    band = age_band(person.birth_year)
    return {
        "message_id": message.id,
        "subscriber_id": person.id,
        "age_band": band.code if band else None,
        "gender": person.gender,
        "dong_id": person.dong_id,
        "kind": person.kind,
    }


def _answers(values: dict[int, Value]) -> list[Answer]:
    answers = []
    for question_id, value in values.items():
        answers += [Answer(question_id=question_id, choice_id=c) for c in value.choice_ids]
        if value.other_text:
            answers.append(Answer(question_id=question_id, text=value.other_text))
        if value.number is not None or value.text or value.date_value:
            answers.append(
                Answer(
                    question_id=question_id,
                    number=value.number,
                    text=value.text,
                    date_value=value.date_value,
                )
            )
    return answers


def _locked(message: Message) -> Message:
    """The message row locked for this transaction, so two tabs answer one at a time."""
    query = db.select(Message).where(Message.id == message.id).with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def submit_response(
    *,
    survey: Survey,
    values: dict[int, Value],
    submission_key: str,
    message: Message | None = None,
) -> Response:
    """Record a response and its answers whole, once; the invitation is marked answered."""
    if message is not None:
        message = _locked(message)
    reason = unavailable(survey, answered=message is not None and message.responded_at is not None)
    if reason is Unavailable.ANSWERED:
        raise AlreadyAnswered(_("이미 응답하셨습니다."))
    if reason is not None:
        raise Conflict(_("지금은 응답을 받지 않는 설문입니다."))
    response = Response(
        survey_id=survey.id,
        source=ResponseSource.PUBLIC_LINK if message is None else ResponseSource.INVITATION,
        submission_key=submission_key[:40],
        submitted_at=utcnow(),
        answers=_answers(values),
        **_profile(survey, message),
    )
    db.session.add(response)
    if message is not None:
        messaging.record_response(message)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if _recorded_before(survey, submission_key, message):
            raise AlreadyAnswered(_("이미 응답하셨습니다.")) from None
        raise
    return response


def _recorded_before(survey: Survey, submission_key: str, message: Message | None) -> bool:
    """Did a unique constraint refuse this response because it is a repeat?"""
    same = [Response.submission_key == submission_key[:40]]
    if message is not None:
        same += [Response.message_id == message.id, Response.subscriber_id == message.subscriber_id]
    query = db.select(Response.id).where(Response.survey_id == survey.id, db.or_(*same))
    return db.session.scalar(query.limit(1)) is not None
