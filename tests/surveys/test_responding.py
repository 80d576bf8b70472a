import pytest
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from pcrm.errors import Conflict, NotFound
from pcrm.extensions import db
from pcrm.subscribers.models import Gender
from pcrm.surveys import flow, responding, service
from pcrm.surveys.answering import Value, parse
from pcrm.surveys.models import Answer, QuestionKind, Response, ResponseSource
from tests.surveys.factories import (
    add,
    choice_id,
    create_bus_survey,
    create_invitation,
    create_subscriber,
    create_survey,
    publish,
)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _form(survey, *answers, **extra):
    """Form data answering survey.questions[i] with value, given as (i, value) pairs."""
    data = MultiDict(extra)
    for index, value in answers:
        data.add(f"q{survey.questions[index].id}", str(value))
    return data


def test_a_token_names_its_survey_and_anything_else_is_not_found():
    survey = publish(create_bus_survey())
    message = create_invitation(survey)
    assert responding.invitation(message.token).survey is survey
    for token in ("nope", message.token + "x", ""):
        with pytest.raises(NotFound):
            responding.invitation(token)
    information = create_invitation(None)  # a campaign without a survey
    with pytest.raises(NotFound):
        responding.invitation(information.token)


def test_riders_get_the_satisfaction_page_and_others_skip_it():
    survey = publish(create_bus_survey())
    rider = flow.advance(survey, _form(survey, (0, choice_id(survey, 0, "예")), page="0"))
    assert (rider.index, len(rider.pages), rider.done) == (1, 2, False)
    walker = flow.advance(survey, _form(survey, (0, choice_id(survey, 0, "아니요")), page="0"))
    assert walker.index == 1
    assert walker.page.questions == [survey.questions[3]]  # no satisfaction question


def test_errors_stay_on_the_page_that_has_them():
    survey = publish(create_bus_survey())
    step = flow.advance(survey, _form(survey, page="0"))
    assert step.index == 0 and list(step.errors) == [survey.questions[0].id]
    yes = choice_id(survey, 0, "예")
    too_many = _form(survey, (0, yes), page="0")
    for route in survey.questions[1].choices:
        too_many.add(f"q{survey.questions[1].id}", str(route.id))
    assert "최대 2개" in flow.advance(survey, too_many).errors[survey.questions[1].id]


def test_parsing_checks_numbers_dates_and_other_text():
    survey = create_survey()
    number = add(survey, QuestionKind.NUMBER, "가구원 수", low=1, high=20)
    day = add(survey, QuestionKind.DATE, "방문일", required=False)
    pick = add(survey, QuestionKind.SINGLE, "경로", choices=("가", "나"), other_option=True)
    assert parse(number, MultiDict({f"q{number.id}": "25"}))[1] is not None
    assert parse(number, MultiDict({f"q{number.id}": "1,5"}))[0].number == 15
    assert parse(number, MultiDict({f"q{number.id}": "3"}))[0].number == 3
    assert parse(number, MultiDict({f"q{number.id}": "nan"}))[1] is not None
    assert parse(day, MultiDict({f"q{day.id}": "30/06/2015"}))[1] is not None
    assert parse(day, MultiDict())[1] is None
    assert parse(pick, MultiDict({f"q{pick.id}": "other"}))[1] is not None
    value, error = parse(pick, MultiDict({f"q{pick.id}": "other", f"q{pick.id}_other": "지인"}))
    assert error is None and value.other_text == "지인"


def test_a_response_is_recorded_with_the_respondents_profile_and_marks_the_message():
    survey = publish(create_bus_survey())
    person = create_subscriber(birth_year=1975, gender=Gender.MALE)
    message = create_invitation(survey, person)
    values = {survey.questions[0].id: Value(choice_ids=[choice_id(survey, 0, "예")])}
    response = responding.submit_response(
        survey=survey, values=values, submission_key="a", message=message
    )
    assert response.source is ResponseSource.INVITATION
    assert (response.subscriber_id, response.gender) == (person.id, Gender.MALE)
    assert response.age_band is not None
    assert message.responded_at is not None


def test_anonymous_responses_keep_no_link_to_the_person_but_reminders_skip_them():
    survey = publish(create_bus_survey(anonymous=True))
    message = create_invitation(survey)
    response = responding.submit_response(
        survey=survey, values={}, submission_key="a", message=message
    )
    assert (response.subscriber_id, response.message_id, response.age_band) == (None, None, None)
    assert (response.gender, response.dong_id, response.kind) == (None, None, None)
    assert message.responded_at is not None
    with pytest.raises(responding.AlreadyAnswered):
        responding.submit_response(survey=survey, values={}, submission_key="b", message=message)
    assert _count(Response) == 1


def test_one_response_per_form_and_per_invited_person():
    survey = publish(create_bus_survey())
    responding.submit_response(survey=survey, values={}, submission_key="same")
    with pytest.raises(responding.AlreadyAnswered):
        responding.submit_response(survey=survey, values={}, submission_key="same")
    person = create_subscriber()
    first = create_invitation(survey, person)
    reminder = create_invitation(survey, person, campaign=first.campaign, wave=1)
    responding.submit_response(survey=survey, values={}, submission_key="x", message=first)
    with pytest.raises(responding.AlreadyAnswered):
        responding.submit_response(survey=survey, values={}, submission_key="y", message=reminder)
    assert _count(Response) == 2


def test_a_closed_or_unopened_survey_takes_no_response():
    survey = publish(create_bus_survey())
    service.close_survey(survey)
    with pytest.raises(Conflict):
        responding.submit_response(survey=survey, values={}, submission_key="a")
    assert responding.unavailable(survey, answered=False) is responding.Unavailable.CLOSED
    assert _count(Response) == 0


def test_a_response_is_saved_whole_or_not_at_all():
    survey = publish(create_bus_survey())
    message = create_invitation(survey)
    good = {survey.questions[0].id: Value(choice_ids=[choice_id(survey, 0, "예")])}
    broken = good | {999_999: Value(text="없는 질문")}
    with pytest.raises(IntegrityError):
        responding.submit_response(
            survey=survey, values=broken, submission_key="a", message=message
        )
    db.session.expire_all()
    assert (_count(Response), _count(Answer)) == (0, 0)
    assert message.responded_at is None
